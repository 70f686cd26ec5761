//! Inventory: locations, stock levels per (sku, location), reservations,
//! the append-only stock ledger, and the allocation of order lines to
//! locations.

mod book;

pub use book::StockBook;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{MovementId, OrderId, ReservationId};

/// A place that holds stock: a warehouse, a store, a dropshipper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// Short unique code, such as `WH-EAST`.
    pub code: String,
    /// Display name.
    pub name: String,
    /// Allocation priority: lower numbers are preferred; ties go by code.
    pub priority: i32,
    /// Whether new reservations may use it. Existing reservations stay.
    pub active: bool,
}

/// Stock of one SKU at one location.
///
/// Invariant: `0 ≤ reserved ≤ on_hand`; `available = on_hand − reserved`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevel {
    /// SKU.
    pub sku: String,
    /// Location code.
    pub location: String,
    /// Units physically there.
    pub on_hand: i64,
    /// Units promised to orders.
    pub reserved: i64,
}

impl StockLevel {
    /// An empty level.
    pub fn new(sku: &str, location: &str) -> StockLevel {
        StockLevel { sku: sku.to_owned(), location: location.to_owned(), on_hand: 0, reserved: 0 }
    }

    /// Units that can still be reserved.
    pub fn available(&self) -> i64 {
        self.on_hand - self.reserved
    }
}

/// Where a reservation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReservationStatus {
    /// Holding units.
    Active,
    /// Given back (cancellation, edit); holds nothing.
    Released,
    /// Consumed: every unit it held has shipped.
    Committed,
}

impl ReservationStatus {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ReservationStatus::Active => "active",
            ReservationStatus::Released => "released",
            ReservationStatus::Committed => "committed",
        }
    }
}

/// Units of one order line held at one location. There is at most one
/// reservation per (order, line, location); its quantity follows edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reservation {
    /// Reservation id.
    pub id: ReservationId,
    /// The order.
    pub order_id: OrderId,
    /// The order line.
    pub line_id: u32,
    /// SKU.
    pub sku: String,
    /// Location code.
    pub location: String,
    /// Units held now (0 once released or committed); shipping a unit
    /// takes it off.
    pub quantity: i64,
    /// State.
    pub status: ReservationStatus,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Units of one line at one location, as reserved or released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    /// Order line id.
    pub line_id: u32,
    /// SKU.
    pub sku: String,
    /// Location code.
    pub location: String,
    /// Units.
    pub quantity: i64,
}

/// Why stock moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MovementKind {
    /// Units arrived (on hand up).
    Receipt,
    /// On hand corrected (count, damage, loss).
    Adjustment,
    /// Units promised to an order (reserved up).
    Reservation,
    /// A promise given back (reserved down).
    Release,
    /// Units left in a package (on hand and reserved down).
    Shipment,
}

impl MovementKind {
    /// The name as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            MovementKind::Receipt => "receipt",
            MovementKind::Adjustment => "adjustment",
            MovementKind::Reservation => "reservation",
            MovementKind::Release => "release",
            MovementKind::Shipment => "shipment",
        }
    }
}

/// One entry of the append-only stock ledger. Summing `on_hand_delta` and
/// `reserved_delta` over a (sku, location) gives its current level.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockMovement {
    /// Movement id (time-ordered).
    pub id: MovementId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// SKU.
    pub sku: String,
    /// Location code.
    pub location: String,
    /// Why.
    pub kind: MovementKind,
    /// Change of on hand.
    pub on_hand_delta: i64,
    /// Change of reserved.
    pub reserved_delta: i64,
    /// Free-text reason (adjustments, releases).
    pub reason: Option<String>,
    /// The document behind it: a purchase order, an order id...
    pub reference: String,
}

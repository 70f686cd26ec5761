//! Fulfilment: [`FulfillmentOrder`]s (one per location an order ships
//! from) and their state machine, pick lists batched by bin, packing into
//! packages, and the roll-up of an order's status from its fulfilment orders.

mod picking;

pub use picking::{PickList, PickListEntry, PickSource, PickTotal, PickedLine};

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{FulfillmentId, OrderId};
use crate::shipping::{check_label_text, Parcel, Shipment};

/// Where a fulfilment order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FulfillmentStatus {
    /// Awaiting stock: a short pick left units no location had. It holds
    /// no reservation; [`Oms::allocate_fulfillment`](crate::Oms::allocate_fulfillment)
    /// reserves its units once stock is back and makes it `ready`.
    Pending,
    /// Its units are reserved at its location; waiting to be picked.
    Ready,
    /// On a pick list: someone is walking the bins.
    Picking,
    /// Pick confirmed (short picks already moved elsewhere).
    Picked,
    /// Every picked unit is in a package.
    Packed,
    /// Handed to the carrier with a label; stock has left the location.
    Shipped,
    /// Moving through the carrier's network.
    InTransit,
    /// On the vehicle for the last mile.
    OutForDelivery,
    /// Delivered, with proof when the carrier gave one.
    Delivered,
    /// A delivery attempt failed; the carrier will retry or return it.
    DeliveryFailed,
    /// The carrier brought it back.
    ReturnedToSender,
    /// Stopped by hand until released.
    OnHold,
    /// Cancelled before shipment; its units went back to the order.
    Cancelled,
}

impl FulfillmentStatus {
    /// The name as stored (`ready`, `out_for_delivery`...).
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentStatus::Pending => "pending",
            FulfillmentStatus::Ready => "ready",
            FulfillmentStatus::Picking => "picking",
            FulfillmentStatus::Picked => "picked",
            FulfillmentStatus::Packed => "packed",
            FulfillmentStatus::Shipped => "shipped",
            FulfillmentStatus::InTransit => "in_transit",
            FulfillmentStatus::OutForDelivery => "out_for_delivery",
            FulfillmentStatus::Delivered => "delivered",
            FulfillmentStatus::DeliveryFailed => "delivery_failed",
            FulfillmentStatus::ReturnedToSender => "returned_to_sender",
            FulfillmentStatus::OnHold => "on_hold",
            FulfillmentStatus::Cancelled => "cancelled",
        }
    }

    /// Every state, in lifecycle order.
    pub const ALL: [FulfillmentStatus; 13] = [
        FulfillmentStatus::Pending,
        FulfillmentStatus::Ready,
        FulfillmentStatus::Picking,
        FulfillmentStatus::Picked,
        FulfillmentStatus::Packed,
        FulfillmentStatus::Shipped,
        FulfillmentStatus::InTransit,
        FulfillmentStatus::OutForDelivery,
        FulfillmentStatus::Delivered,
        FulfillmentStatus::DeliveryFailed,
        FulfillmentStatus::ReturnedToSender,
        FulfillmentStatus::OnHold,
        FulfillmentStatus::Cancelled,
    ];

    /// Parses a stored name.
    ///
    /// # Errors
    /// `Validation` on the field `status` for an unknown name.
    pub fn parse(name: &str) -> Result<FulfillmentStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == name).ok_or_else(|| {
            Error::validation("status", format!("unknown fulfillment status {name:?}"))
        })
    }

    /// `Ready`: the first state of fulfilment orders created before
    /// `pending` existed (a serde default).
    pub(crate) fn ready() -> FulfillmentStatus {
        FulfillmentStatus::Ready
    }

    /// Whether its units are still to ship (not shipped, not cancelled).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            FulfillmentStatus::Pending
                | FulfillmentStatus::Ready
                | FulfillmentStatus::Picking
                | FulfillmentStatus::Picked
                | FulfillmentStatus::Packed
                | FulfillmentStatus::OnHold
        )
    }

    /// Whether its units have left the location.
    pub fn has_shipped(self) -> bool {
        !self.is_open() && self != FulfillmentStatus::Cancelled
    }

    /// Whether its units are reserved at its location: open and not
    /// `pending` (a hold keeps the reservation of the state it interrupted,
    /// and `pending` cannot be held).
    pub fn holds_stock(self) -> bool {
        self.is_open() && self != FulfillmentStatus::Pending
    }

    /// The transition table: `(from, action, to)`. An action missing for a
    /// state is an [`Error::InvalidTransition`]. `Release` returns to the
    /// state the hold interrupted (one row per such state).
    pub const TRANSITIONS: &'static [(FulfillmentStatus, FulfillmentAction, FulfillmentStatus)] = {
        use FulfillmentAction as A;
        use FulfillmentStatus as S;
        &[
            (S::Pending, A::Allocate, S::Ready),
            (S::Ready, A::StartPicking, S::Picking),
            (S::Picking, A::ConfirmPick, S::Picked),
            (S::Picked, A::Pack, S::Packed),
            (S::Packed, A::Ship, S::Shipped),
            (S::Shipped, A::Transit, S::InTransit),
            (S::Shipped, A::OutForDelivery, S::OutForDelivery),
            (S::InTransit, A::OutForDelivery, S::OutForDelivery),
            (S::Shipped, A::Deliver, S::Delivered),
            (S::InTransit, A::Deliver, S::Delivered),
            (S::OutForDelivery, A::Deliver, S::Delivered),
            (S::InTransit, A::FailDelivery, S::DeliveryFailed),
            (S::OutForDelivery, A::FailDelivery, S::DeliveryFailed),
            (S::DeliveryFailed, A::OutForDelivery, S::OutForDelivery),
            (S::DeliveryFailed, A::Deliver, S::Delivered),
            (S::DeliveryFailed, A::ReturnToSender, S::ReturnedToSender),
            (S::InTransit, A::ReturnToSender, S::ReturnedToSender),
            (S::Ready, A::Hold, S::OnHold),
            (S::Picking, A::Hold, S::OnHold),
            (S::Picked, A::Hold, S::OnHold),
            (S::Packed, A::Hold, S::OnHold),
            (S::OnHold, A::Release, S::Ready),
            (S::OnHold, A::Release, S::Picking),
            (S::OnHold, A::Release, S::Picked),
            (S::OnHold, A::Release, S::Packed),
            (S::Pending, A::Cancel, S::Cancelled),
            (S::Ready, A::Cancel, S::Cancelled),
            (S::Picking, A::Cancel, S::Cancelled),
            (S::Picked, A::Cancel, S::Cancelled),
            (S::Packed, A::Cancel, S::Cancelled),
            (S::OnHold, A::Cancel, S::Cancelled),
        ]
    };

    /// The state `action` leads to from this one (for `Release`, the first
    /// `Release` row; the engine returns to the fulfilment order's
    /// `held_from` instead).
    ///
    /// # Errors
    /// `InvalidTransition` when the table has no such row.
    pub fn after(self, action: FulfillmentAction) -> Result<FulfillmentStatus> {
        Self::TRANSITIONS
            .iter()
            .find(|(from, a, _)| *from == self && *a == action)
            .map(|(_, _, to)| *to)
            .ok_or_else(|| Error::invalid_transition(ENTITY, self, action.as_str()))
    }
}

impl fmt::Display for FulfillmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The entity name used in errors.
const ENTITY: &str = "fulfillment order";

/// What can happen to a fulfilment order; the rows of its transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FulfillmentAction {
    /// Reserve the units of a `pending` one, now that stock is back.
    Allocate,
    /// Put on a pick list.
    StartPicking,
    /// Confirm what was picked.
    ConfirmPick,
    /// Put the picked units into packages.
    Pack,
    /// Hand the packages to a carrier.
    Ship,
    /// The carrier reports it moving.
    Transit,
    /// The carrier reports it out for delivery.
    OutForDelivery,
    /// The carrier reports it delivered.
    Deliver,
    /// The carrier reports a failed attempt.
    FailDelivery,
    /// The carrier reports it returned to the shipper.
    ReturnToSender,
    /// Stop it by hand.
    Hold,
    /// Let it go on.
    Release,
    /// Cancel it before shipment.
    Cancel,
}

impl FulfillmentAction {
    /// The name as used in errors and diagrams.
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentAction::Allocate => "allocate",
            FulfillmentAction::StartPicking => "start_picking",
            FulfillmentAction::ConfirmPick => "confirm_pick",
            FulfillmentAction::Pack => "pack",
            FulfillmentAction::Ship => "ship",
            FulfillmentAction::Transit => "transit",
            FulfillmentAction::OutForDelivery => "out_for_delivery",
            FulfillmentAction::Deliver => "deliver",
            FulfillmentAction::FailDelivery => "fail_delivery",
            FulfillmentAction::ReturnToSender => "return_to_sender",
            FulfillmentAction::Hold => "hold",
            FulfillmentAction::Release => "release",
            FulfillmentAction::Cancel => "cancel",
        }
    }
}

/// Units of one order line that a fulfilment order ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentLine {
    /// The order line.
    pub line_id: u32,
    /// SKU.
    pub sku: String,
    /// Units to ship (after a short pick: units picked).
    pub quantity: u32,
}

/// Units of one line in a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageLine {
    /// The order line.
    pub line_id: u32,
    /// Units.
    pub quantity: u32,
}

/// A box or envelope: its id, size and contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// The packer's id for it (a label or box barcode), unique within the
    /// fulfilment order.
    pub id: String,
    /// Weight and dimensions.
    #[serde(flatten)]
    pub parcel: Parcel,
    /// What is in it.
    pub lines: Vec<PackageLine>,
}

/// A fulfilment order: the units of one order that one location ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentOrder {
    /// Id.
    pub id: FulfillmentId,
    /// The order it fulfils.
    pub order_id: OrderId,
    /// The location that ships it; while `pending`, where its units ran
    /// short (allocation moves it to where they are reserved).
    pub location: String,
    /// State.
    pub status: FulfillmentStatus,
    /// While on hold: the state to return to on release.
    pub held_from: Option<FulfillmentStatus>,
    /// Why it is on hold or was cancelled.
    pub reason: Option<String>,
    /// What it ships.
    pub lines: Vec<FulfillmentLine>,
    /// Packages, once packed.
    pub packages: Vec<Package>,
    /// The shipment, once shipped.
    pub shipment: Option<Shipment>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl FulfillmentOrder {
    /// A new fulfilment order, `ready`, for `lines` reserved at `location`.
    pub fn new(
        id: FulfillmentId,
        order_id: OrderId,
        location: &str,
        lines: Vec<FulfillmentLine>,
        now: DateTime<Utc>,
    ) -> FulfillmentOrder {
        FulfillmentOrder {
            id,
            order_id,
            location: location.to_owned(),
            status: FulfillmentStatus::Ready,
            held_from: None,
            reason: None,
            lines,
            packages: Vec::new(),
            shipment: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Moves to the state `action` leads to.
    ///
    /// # Errors
    /// `InvalidTransition` when the table has no such row.
    pub(crate) fn apply(&mut self, action: FulfillmentAction, now: DateTime<Utc>) -> Result<()> {
        self.status = self.status.after(action)?;
        self.updated_at = now;
        Ok(())
    }

    /// Puts it on hold, remembering the state to return to.
    ///
    /// # Errors
    /// `InvalidTransition` when it is not open or already on hold.
    pub(crate) fn hold(&mut self, reason: &str, now: DateTime<Utc>) -> Result<()> {
        let from = self.status;
        self.apply(FulfillmentAction::Hold, now)?;
        self.held_from = Some(from);
        self.reason = Some(reason.to_owned());
        Ok(())
    }

    /// Releases a hold: back to the state it interrupted.
    ///
    /// # Errors
    /// `InvalidTransition` when it is not on hold.
    pub(crate) fn release(&mut self, now: DateTime<Utc>) -> Result<()> {
        let back = self.held_from.filter(|_| self.status == FulfillmentStatus::OnHold);
        let Some(back) = back else {
            return Err(Error::invalid_transition(ENTITY, self.status, "release"));
        };
        self.status = back;
        self.held_from = None;
        self.reason = None;
        self.updated_at = now;
        Ok(())
    }

    /// Units it ships in total.
    pub fn units(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.quantity)).sum()
    }

    /// Units of `line_id` it ships.
    pub fn units_of(&self, line_id: u32) -> u32 {
        self.lines.iter().filter(|l| l.line_id == line_id).map(|l| l.quantity).sum()
    }

    /// Checks packages for this fulfilment order: ids unique and non-empty,
    /// sizes valid, no empty package, only its own lines, and every unit it
    /// ships in exactly one package.
    ///
    /// # Errors
    /// `Validation` naming the offending field (`packages[1].lines[0].line_id`).
    pub fn check_packages(&self, packages: &[Package]) -> Result<()> {
        if packages.is_empty() {
            return Err(Error::validation("packages", "at least one package"));
        }
        let mut ids = HashSet::new();
        let mut packed: Vec<(u32, u64)> = Vec::new();
        for (i, package) in packages.iter().enumerate() {
            let field = format!("packages[{i}]");
            if package.id.trim().is_empty() {
                return Err(Error::validation(format!("{field}.id"), "must not be empty"));
            }
            check_label_text(&format!("{field}.id"), &package.id)?;
            if !ids.insert(package.id.as_str()) {
                return Err(Error::validation(
                    format!("{field}.id"),
                    format!("package id {:?} is used twice", package.id),
                ));
            }
            package.parcel.validate(&field)?;
            if package.lines.is_empty() {
                return Err(Error::validation(
                    format!("{field}.lines"),
                    "a package cannot be empty",
                ));
            }
            for (j, line) in package.lines.iter().enumerate() {
                let lf = format!("{field}.lines[{j}]");
                if self.units_of(line.line_id) == 0 {
                    return Err(Error::validation(
                        format!("{lf}.line_id"),
                        format!("line {} is not in fulfillment order {}", line.line_id, self.id),
                    ));
                }
                if line.quantity == 0 {
                    return Err(Error::validation(format!("{lf}.quantity"), "must be at least 1"));
                }
                match packed.iter_mut().find(|(id, _)| *id == line.line_id) {
                    Some((_, n)) => *n += u64::from(line.quantity),
                    None => packed.push((line.line_id, u64::from(line.quantity))),
                }
            }
        }
        for line in &self.lines {
            let in_packages =
                packed.iter().find(|(id, _)| *id == line.line_id).map_or(0, |(_, n)| *n);
            if in_packages != u64::from(self.units_of(line.line_id)) {
                return Err(Error::validation(
                    "packages",
                    format!(
                        "line {} ships {} units but the packages hold {in_packages}",
                        line.line_id,
                        self.units_of(line.line_id)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Units of one order line reserved at one location and in a fulfilment
/// order, for the engine's bookkeeping (`pending` ones hold no units there).
pub(crate) fn open_units(fulfillments: &[FulfillmentOrder], line_id: u32, location: &str) -> u32 {
    fulfillments
        .iter()
        .filter(|f| f.status.holds_stock() && f.location == location)
        .map(|f| f.units_of(line_id))
        .sum()
}

/// Units of one order line in open `pending` fulfilment orders.
pub(crate) fn pending_units(fulfillments: &[FulfillmentOrder], line_id: u32) -> u32 {
    fulfillments
        .iter()
        .filter(|f| f.status == FulfillmentStatus::Pending)
        .map(|f| f.units_of(line_id))
        .sum()
}

/// Units of one order line that have shipped.
pub(crate) fn shipped_units(fulfillments: &[FulfillmentOrder], line_id: u32) -> u32 {
    fulfillments.iter().filter(|f| f.status.has_shipped()).map(|f| f.units_of(line_id)).sum()
}

#[cfg(test)]
mod tests;

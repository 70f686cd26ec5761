//! Domain events, their envelope, and the tamper-evident hash chain.
//!
//! Every state change appends events in the same transaction as the change.
//! Each event belongs to a *stream*, the history of one aggregate
//! (`order:<id>`, `stock:<sku>@<location>`, `location:<code>`), and carries
//! the SHA-256 hash of the previous event of that stream. Chaining per stream
//! rather than globally means two transactions that touch unrelated
//! aggregates never wait for each other to extend a single global chain: a
//! stream is only ever extended by the transaction that holds the lock on its
//! aggregate. The global sequence number orders events for readers
//! ([`crate::Oms::events_since`]) and is deliberately *not* part of the hash,
//! so a database may assign it at insert time.

mod chain;

pub(crate) use chain::ChainVerifier;
pub use chain::{AuditReport, BrokenLink, ChainLink, Hash32};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::fulfillment::{
    FulfillmentAction, FulfillmentLine, FulfillmentStatus, Package, PickedLine,
};
use crate::id::{FulfillmentId, OrderId};
use crate::inventory::Allocation;
use crate::order::{OrderEdit, OrderStatus, PaymentKind};
use crate::shipping::{ConditionThresholds, DeliveryProof};

/// Something that happened, as recorded in the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum DomainEvent {
    /// A stock location was created.
    LocationAdded {
        /// Location code.
        code: String,
        /// Display name.
        name: String,
        /// Allocation priority (lower is preferred).
        priority: i32,
    },
    /// A location was switched on or off for new reservations.
    LocationActivityChanged {
        /// Location code.
        code: String,
        /// Whether it now takes new reservations.
        active: bool,
    },
    /// Units arrived at a location.
    StockReceived {
        /// SKU.
        sku: String,
        /// Location code.
        location: String,
        /// Units received.
        quantity: i64,
        /// The document it came with (purchase order, transfer...).
        reference: String,
    },
    /// On-hand stock was corrected.
    StockAdjusted {
        /// SKU.
        sku: String,
        /// Location code.
        location: String,
        /// Change of on hand (negative for a loss).
        delta: i64,
        /// Why.
        reason: String,
    },
    /// An order was accepted.
    OrderPlaced {
        /// The order.
        order_id: OrderId,
        /// Channel it came from.
        channel: String,
        /// The channel's own id for it.
        external_id: Option<String>,
        /// Customer id.
        customer_id: String,
        /// Currency of all its amounts.
        currency: String,
        /// Lines as placed.
        lines: Vec<PlacedLine>,
        /// Amount to be paid.
        grand_total: Decimal,
    },
    /// Units were reserved for an order.
    StockReserved {
        /// The order.
        order_id: OrderId,
        /// Where the units are reserved.
        allocations: Vec<Allocation>,
    },
    /// Reserved units were released back to available stock.
    StockReleased {
        /// The order.
        order_id: OrderId,
        /// What was released, from where.
        allocations: Vec<Allocation>,
        /// Why.
        reason: String,
    },
    /// An order was put on hold.
    OrderHeld {
        /// The order.
        order_id: OrderId,
        /// The rule (or `manual`) that held it.
        rule: String,
        /// Why.
        reason: String,
    },
    /// All holds of an order were released.
    OrderHoldReleased {
        /// The order.
        order_id: OrderId,
    },
    /// An order was edited before fulfilment.
    OrderEdited {
        /// The order.
        order_id: OrderId,
        /// The edits, in the order applied.
        edits: Vec<OrderEdit>,
        /// The new grand total.
        grand_total: Decimal,
    },
    /// Some units of some lines were cancelled.
    OrderLinesCancelled {
        /// The order.
        order_id: OrderId,
        /// `(line id, units cancelled)` pairs.
        lines: Vec<(u32, u32)>,
        /// Why.
        reason: String,
        /// The new grand total.
        grand_total: Decimal,
    },
    /// The whole order was cancelled.
    OrderCancelled {
        /// The order.
        order_id: OrderId,
        /// Why.
        reason: String,
    },
    /// A payment was recorded against an order.
    PaymentRecorded {
        /// The order.
        order_id: OrderId,
        /// Authorization or capture.
        kind: PaymentKind,
        /// Amount, in the order currency.
        amount: Decimal,
        /// The payment provider's reference.
        reference: String,
    },
    /// An order's status rolled up from its fulfilment orders changed.
    OrderStatusChanged {
        /// The order.
        order_id: OrderId,
        /// The state before.
        from: OrderStatus,
        /// The state now.
        to: OrderStatus,
    },
    /// A fulfilment order was created: `ready`, from an order's
    /// reservations, or `pending`, for units no location had.
    FulfillmentCreated {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// The location that ships it (for a `pending` one: where its
        /// units ran short).
        location: String,
        /// What it ships.
        lines: Vec<FulfillmentLine>,
        /// Its first state (`ready` in logs written before `pending` existed).
        #[serde(default = "FulfillmentStatus::ready")]
        status: FulfillmentStatus,
    },
    /// A fulfilment order moved to another state (picking, packed, on hold,
    /// released, in transit...); the dedicated events below cover the
    /// moments that carry more data.
    FulfillmentStatusChanged {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// The action.
        action: FulfillmentAction,
        /// The state before.
        from: FulfillmentStatus,
        /// The state now.
        to: FulfillmentStatus,
        /// A reason (holds), the pick list (picking), or the carrier's
        /// tracking event id (tracking).
        detail: Option<String>,
    },
    /// A pick was confirmed; short units were written off at the location.
    PickConfirmed {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Units picked per line.
        picked: Vec<PickedLine>,
        /// Units missing per line (short picks).
        short: Vec<PickedLine>,
    },
    /// Units that could not be re-allocated after a short pick: reserved
    /// nowhere, they wait for stock or a cancellation.
    UnitsUnfulfilled {
        /// The order.
        order_id: OrderId,
        /// The order line.
        line_id: u32,
        /// SKU.
        sku: String,
        /// Units left without a reservation.
        quantity: u32,
    },
    /// Picked units were put into packages.
    FulfillmentPacked {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// The packages.
        packages: Vec<Package>,
    },
    /// A fulfilment order was handed to a carrier; its stock left the location.
    FulfillmentShipped {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Carrier name.
        carrier: String,
        /// Service level.
        service: String,
        /// Tracking number.
        tracking_number: String,
        /// What the label cost.
        cost: Decimal,
        /// When delivery is promised.
        promised_delivery: DateTime<Utc>,
    },
    /// A fulfilment order was delivered.
    FulfillmentDelivered {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Tracking number.
        tracking_number: String,
        /// When, by the carrier's clock.
        delivered_at: DateTime<Utc>,
        /// Proof of delivery.
        proof: Option<DeliveryProof>,
    },
    /// A carrier exception or a sensor reading out of range.
    ShipmentException {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Tracking number.
        tracking_number: String,
        /// What went wrong.
        reason: String,
        /// When.
        occurred_at: DateTime<Utc>,
    },
    /// A shipment is not delivered by its promised date.
    ShipmentDelayed {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Tracking number.
        tracking_number: String,
        /// The promise it missed.
        promised_delivery: DateTime<Utc>,
    },
    /// A fulfilment order was cancelled before shipment; its units went
    /// back to the order, still reserved unless re-allocated.
    FulfillmentCancelled {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Why.
        reason: String,
    },
    /// A SKU was given a bin at a location (pick lists walk bins in order).
    BinAssigned {
        /// SKU.
        sku: String,
        /// Location code.
        location: String,
        /// The bin.
        bin: String,
    },
    /// A shipment's acceptable sensor ranges were set.
    ConditionThresholdsSet {
        /// The fulfilment order.
        fulfillment_id: FulfillmentId,
        /// Its order.
        order_id: OrderId,
        /// Tracking number.
        tracking_number: String,
        /// The ranges now in force.
        thresholds: ConditionThresholds,
    },
    /// Units shipped: on hand and reserved both went down.
    StockShipped {
        /// SKU.
        sku: String,
        /// Location code.
        location: String,
        /// Units.
        quantity: i64,
        /// The tracking number.
        reference: String,
    },
}

/// A line as it was placed, inside [`DomainEvent::OrderPlaced`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedLine {
    /// Line id within the order.
    pub line_id: u32,
    /// SKU.
    pub sku: String,
    /// Units ordered.
    pub quantity: u32,
    /// Price per unit.
    pub unit_price: Decimal,
}

impl DomainEvent {
    /// The event's type name, as stored in the log (`"OrderPlaced"`...).
    pub fn kind(&self) -> &'static str {
        match self {
            DomainEvent::LocationAdded { .. } => "LocationAdded",
            DomainEvent::LocationActivityChanged { .. } => "LocationActivityChanged",
            DomainEvent::StockReceived { .. } => "StockReceived",
            DomainEvent::StockAdjusted { .. } => "StockAdjusted",
            DomainEvent::OrderPlaced { .. } => "OrderPlaced",
            DomainEvent::StockReserved { .. } => "StockReserved",
            DomainEvent::StockReleased { .. } => "StockReleased",
            DomainEvent::OrderHeld { .. } => "OrderHeld",
            DomainEvent::OrderHoldReleased { .. } => "OrderHoldReleased",
            DomainEvent::OrderEdited { .. } => "OrderEdited",
            DomainEvent::OrderLinesCancelled { .. } => "OrderLinesCancelled",
            DomainEvent::OrderCancelled { .. } => "OrderCancelled",
            DomainEvent::PaymentRecorded { .. } => "PaymentRecorded",
            DomainEvent::OrderStatusChanged { .. } => "OrderStatusChanged",
            DomainEvent::FulfillmentCreated { .. } => "FulfillmentCreated",
            DomainEvent::FulfillmentStatusChanged { .. } => "FulfillmentStatusChanged",
            DomainEvent::PickConfirmed { .. } => "PickConfirmed",
            DomainEvent::UnitsUnfulfilled { .. } => "UnitsUnfulfilled",
            DomainEvent::FulfillmentPacked { .. } => "FulfillmentPacked",
            DomainEvent::FulfillmentShipped { .. } => "FulfillmentShipped",
            DomainEvent::FulfillmentDelivered { .. } => "FulfillmentDelivered",
            DomainEvent::ShipmentException { .. } => "ShipmentException",
            DomainEvent::ShipmentDelayed { .. } => "ShipmentDelayed",
            DomainEvent::FulfillmentCancelled { .. } => "FulfillmentCancelled",
            DomainEvent::BinAssigned { .. } => "BinAssigned",
            DomainEvent::ConditionThresholdsSet { .. } => "ConditionThresholdsSet",
            DomainEvent::StockShipped { .. } => "StockShipped",
        }
    }
}

/// Names the stream (aggregate history) an event belongs to.
pub mod stream {
    use crate::id::OrderId;

    /// The stream of one order.
    pub fn order(id: OrderId) -> String {
        format!("order:{id}")
    }

    /// The stream of one stock level.
    pub fn stock(sku: &str, location: &str) -> String {
        format!("stock:{sku}@{location}")
    }

    /// The stream of one location.
    pub fn location(code: &str) -> String {
        format!("location:{code}")
    }

    /// The stream of one fulfilment order.
    pub fn fulfillment(id: crate::id::FulfillmentId) -> String {
        format!("fulfillment:{id}")
    }
}

/// One event as stored: the envelope with its place in the log and the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Global sequence number, increasing in commit order of appends; assigned
    /// by the store. Readers page through the log with it.
    pub seq: u64,
    /// The stream (aggregate) the event belongs to, such as `order:<uuid>`.
    pub stream: String,
    /// Position within its stream, starting at 1.
    pub version: u64,
    /// When it was recorded (whole microseconds).
    pub recorded_at: DateTime<Utc>,
    /// The event type, such as `OrderPlaced`.
    pub kind: String,
    /// The event itself as JSON: the exact bytes that were hashed.
    pub payload: String,
    /// Hash of the previous event of the same stream (zero for the first).
    pub prev_hash: Hash32,
    /// Hash of this event; see [`EventRecord::compute_hash`].
    pub hash: Hash32,
}

impl EventRecord {
    /// Builds the record of `event` as the successor of `head` in `stream`.
    /// The sequence number is left 0 for the store to assign.
    ///
    /// # Errors
    /// `Storage` if the event cannot be serialized (it always can).
    pub fn new(
        stream: String,
        head: Option<&ChainLink>,
        recorded_at: DateTime<Utc>,
        event: &DomainEvent,
    ) -> Result<EventRecord> {
        let mut payload = Vec::with_capacity(512);
        serde_json::to_writer(&mut payload, event).map_err(Error::storage)?;
        // A record is kept as long as the log: spare capacity would be
        // kept with it (about 400 of the 5,000 bytes an order takes in
        // the in-memory store).
        payload.shrink_to_fit();
        let payload = String::from_utf8(payload).map_err(Error::storage)?;
        let (version, prev_hash) = match head {
            Some(link) => (link.version + 1, link.hash),
            None => (1, Hash32::ZERO),
        };
        let kind = event.kind().to_owned();
        let hash = chain::hash_event(&stream, version, recorded_at, &kind, &payload, &prev_hash);
        Ok(EventRecord { seq: 0, stream, version, recorded_at, kind, payload, prev_hash, hash })
    }

    /// Recomputes the hash from the record's content (not from `hash`).
    pub fn compute_hash(&self) -> Hash32 {
        chain::hash_event(
            &self.stream,
            self.version,
            self.recorded_at,
            &self.kind,
            &self.payload,
            &self.prev_hash,
        )
    }

    /// Decodes the payload.
    ///
    /// # Errors
    /// `Storage` when the payload is not a known event (a log written by a
    /// newer omskit, or damaged).
    pub fn event(&self) -> Result<DomainEvent> {
        serde_json::from_str(&self.payload).map_err(|e| {
            Error::storage(format!("event {} has an unreadable payload: {e}", self.seq))
        })
    }

    /// This record as the head of its stream.
    pub fn link(&self) -> ChainLink {
        ChainLink { version: self.version, hash: self.hash }
    }
}

//! The storage traits: the contract every backend fulfils.
//!
//! A use case runs inside one [`StoreTx`]: it reads what it needs (taking
//! row locks on what it will change), writes, appends events, and commits.
//! Dropping a transaction without committing rolls it back, so an error
//! anywhere leaves nothing behind.
//!
//! Locking contract for backends with concurrent writers (SQLite with several
//! processes, PostgreSQL):
//! - in a [`TxMode::Write`] transaction, [`StoreTx::order`] and
//!   [`StoreTx::stock_for_update`] lock the rows they return until commit;
//! - `stock_for_update` locks in ascending (sku, location) order, so two
//!   transactions never wait on each other in a cycle;
//! - fulfilment orders are read without locks: every use case that changes
//!   one first locks its order through [`StoreTx::order`] and then reads the
//!   order's fulfilment orders again, so the order's row lock serializes
//!   every writer of them;
//! - a serialization failure or deadlock is reported as a retryable
//!   [`Error::Storage`](crate::Error::Storage); the engine retries the whole
//!   use case a bounded number of times.

mod any;
pub mod text;

pub use any::{AnyStore, DynTx};

use crate::error::Result;
use crate::events::{ChainLink, EventRecord};
use chrono::{DateTime, Utc};

use crate::fulfillment::FulfillmentOrder;
use crate::id::{FulfillmentId, OrderId};
use crate::inventory::{Location, Reservation, StockLevel, StockMovement};
use crate::order::{Channel, Order, OrderDraft};
use crate::shipping::{ConditionReading, TrackingEvent};

/// Whether a transaction will write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxMode {
    /// Reads only; backends may use a snapshot and take no locks.
    Read,
    /// Reads and writes; backends take the locks described in the module docs.
    Write,
}

/// A storage backend.
pub trait Store: Send + Sync {
    /// A transaction on this store.
    type Tx<'a>: StoreTx
    where
        Self: 'a;

    /// Starts a transaction.
    ///
    /// # Errors
    /// `Storage` when the backend cannot start one.
    fn begin(&self, mode: TxMode) -> Result<Self::Tx<'_>>;
}

/// What a use case may do inside a transaction.
pub trait StoreTx {
    // --- orders ---

    /// The order, if it exists (locked in a write transaction).
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn order(&mut self, id: OrderId) -> Result<Option<Order>>;

    /// The order placed with this idempotency key, and the validated draft it
    /// was placed from.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn order_by_idempotency_key(&mut self, key: &str) -> Result<Option<(OrderId, OrderDraft)>>;

    /// The order with this external id in this channel.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn order_by_external_id(
        &mut self,
        channel: &Channel,
        external_id: &str,
    ) -> Result<Option<OrderId>>;

    /// Stores a new order. `draft` is its validated draft, kept for
    /// idempotent retries when the order has an idempotency key.
    ///
    /// # Errors
    /// `Conflict` when its id, idempotency key or (channel, external id) is taken.
    fn insert_order(&mut self, order: &Order, draft: &OrderDraft) -> Result<()>;

    /// Up to `limit` orders with an id above `after` (all when `None`), by id.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn orders(&mut self, after: Option<OrderId>, limit: usize) -> Result<Vec<Order>>;

    /// Replaces a stored order.
    ///
    /// # Errors
    /// `NotFound` when it does not exist.
    fn update_order(&mut self, order: &Order) -> Result<()>;

    // --- locations ---

    /// The location with this code.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn location(&mut self, code: &str) -> Result<Option<Location>>;

    /// Every location, by code.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn locations(&mut self) -> Result<Vec<Location>>;

    /// Stores a new location, or replaces the one with its code.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn put_location(&mut self, location: &Location) -> Result<()>;

    // --- stock ---

    /// Every stock level of these SKUs at every location, sorted by
    /// (sku, location), locked in that order in a write transaction.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn stock_for_update(&mut self, skus: &[&str]) -> Result<Vec<StockLevel>>;

    /// Stores a stock level (insert or replace).
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn put_stock_level(&mut self, level: &StockLevel) -> Result<()>;

    /// Every stock level, sorted by (sku, location).
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn all_stock_levels(&mut self) -> Result<Vec<StockLevel>>;

    // --- reservations ---

    /// Every reservation of an order, active or not, in creation order.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn reservations_for_order(&mut self, order: OrderId) -> Result<Vec<Reservation>>;

    /// Stores a reservation (insert or replace by id).
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn put_reservation(&mut self, reservation: &Reservation) -> Result<()>;

    /// Every active reservation, for invariant checks and reports.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn active_reservations(&mut self) -> Result<Vec<Reservation>>;

    // --- ledger ---

    /// Appends a stock movement.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn append_movement(&mut self, movement: StockMovement) -> Result<()>;

    /// The movements of a SKU (at one location, or all), oldest first.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn movements(&mut self, sku: &str, location: Option<&str>) -> Result<Vec<StockMovement>>;

    // --- fulfilment ---

    /// The fulfilment order. Not locked: the engine locks its order first
    /// (see the module docs).
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn fulfillment(&mut self, id: FulfillmentId) -> Result<Option<FulfillmentOrder>>;

    /// Every fulfilment order of an order, cancelled ones included, by id
    /// (creation order). Not locked: the engine locks the order first.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn fulfillments_for_order(&mut self, order: OrderId) -> Result<Vec<FulfillmentOrder>>;

    /// The fulfilment order shipped under this tracking number. Not locked:
    /// the engine then locks its order and reads it again.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn fulfillment_by_tracking_number(
        &mut self,
        tracking_number: &str,
    ) -> Result<Option<FulfillmentOrder>>;

    /// Stores a fulfilment order with its lines, packages and shipment
    /// (insert, or replace the one with its id).
    ///
    /// # Errors
    /// `Conflict` on the field `tracking_number` when another fulfilment
    /// order has its tracking number.
    fn put_fulfillment(&mut self, fulfillment: &FulfillmentOrder) -> Result<()>;

    /// Ids of shipped fulfilment orders not yet delivered, returned or told
    /// late, whose promised delivery is before `now`, by id.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn overdue_fulfillments(&mut self, now: DateTime<Utc>) -> Result<Vec<FulfillmentId>>;

    /// Up to `limit` `pending` fulfilment orders with an id above `after`
    /// (from the first when `None`), by id. A page is read as a whole
    /// (on PostgreSQL in one round trip), not one fulfilment order at a time.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn pending_fulfillments(
        &mut self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>>;

    /// Records the bin of a SKU at a location (replacing the old one).
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn put_bin(&mut self, sku: &str, location: &str, bin: &str) -> Result<()>;

    /// The bin of a SKU at a location.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn bin(&mut self, sku: &str, location: &str) -> Result<Option<String>>;

    // --- tracking ---

    /// Stores a tracking event unless one with its (tracking number,
    /// carrier event id) exists; returns whether it was stored.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn insert_tracking_event(&mut self, event: &TrackingEvent) -> Result<bool>;

    /// The tracking events of a shipment, in the order they were received.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn tracking_events(&mut self, tracking_number: &str) -> Result<Vec<TrackingEvent>>;

    /// Appends a sensor reading of a shipment.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn append_condition_reading(
        &mut self,
        tracking_number: &str,
        reading: &ConditionReading,
    ) -> Result<()>;

    /// The sensor readings of a shipment, in the order they were recorded.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn condition_readings(&mut self, tracking_number: &str) -> Result<Vec<ConditionReading>>;

    // --- events ---

    /// The latest event of a stream.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn stream_head(&mut self, stream: &str) -> Result<Option<ChainLink>>;

    /// Appends an event and returns the sequence number it was given. The
    /// store takes the record: the engine keeps no copy unless someone
    /// subscribed to events.
    ///
    /// # Errors
    /// `Conflict` (or a retryable `Storage`) when another transaction
    /// extended the same stream first.
    fn append_event(&mut self, event: EventRecord) -> Result<u64>;

    /// Up to `limit` events with a sequence number above `after`, ascending.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    fn events_since(&mut self, after: u64, limit: usize) -> Result<Vec<EventRecord>>;

    // --- end ---

    /// Makes every change of the transaction durable and visible.
    ///
    /// # Errors
    /// `Storage` when the commit fails; nothing of the transaction remains.
    fn commit(self) -> Result<()>
    where
        Self: Sized;
}

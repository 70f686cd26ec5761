//! [`AnyStore`]: any backend behind one type, so applications and bindings
//! can hold an engine without naming its store type.

use super::{Store, StoreTx, TxMode};
use crate::error::Result;
use crate::events::{ChainLink, EventRecord};
use chrono::{DateTime, Utc};

use crate::fulfillment::FulfillmentOrder;
use crate::id::{FulfillmentId, OrderId};
use crate::inventory::{Location, Reservation, StockLevel, StockMovement};
use crate::order::{Channel, Order, OrderDraft};
use crate::shipping::{ConditionReading, TrackingEvent};

/// A transaction behind a pointer: [`StoreTx`] plus a commit that works on a box.
pub trait DynTx: StoreTx {
    /// Commits the boxed transaction.
    ///
    /// # Errors
    /// As [`StoreTx::commit`].
    fn commit_boxed(self: Box<Self>) -> Result<()>;
}

impl<T: StoreTx> DynTx for T {
    fn commit_boxed(self: Box<Self>) -> Result<()> {
        (*self).commit()
    }
}

/// A store behind a pointer.
trait DynStore: Send + Sync {
    fn begin_boxed(&self, mode: TxMode) -> Result<Box<dyn DynTx + '_>>;
}

impl<S: Store> DynStore for S {
    fn begin_boxed(&self, mode: TxMode) -> Result<Box<dyn DynTx + '_>> {
        Ok(Box::new(self.begin(mode)?))
    }
}

/// Any [`Store`], chosen at run time. Costs one allocation per transaction.
pub struct AnyStore(Box<dyn DynStore>);

impl AnyStore {
    /// Wraps a store.
    pub fn new<S: Store + 'static>(store: S) -> AnyStore {
        AnyStore(Box::new(store))
    }
}

impl std::fmt::Debug for AnyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AnyStore")
    }
}

impl Store for AnyStore {
    type Tx<'a> = Box<dyn DynTx + 'a>;

    fn begin(&self, mode: TxMode) -> Result<Box<dyn DynTx + '_>> {
        self.0.begin_boxed(mode)
    }
}

impl StoreTx for Box<dyn DynTx + '_> {
    fn order(&mut self, id: OrderId) -> Result<Option<Order>> {
        (**self).order(id)
    }
    fn order_by_idempotency_key(&mut self, key: &str) -> Result<Option<(OrderId, OrderDraft)>> {
        (**self).order_by_idempotency_key(key)
    }
    fn order_by_external_id(
        &mut self,
        channel: &Channel,
        external_id: &str,
    ) -> Result<Option<OrderId>> {
        (**self).order_by_external_id(channel, external_id)
    }
    fn insert_order(&mut self, order: &Order, draft: &OrderDraft) -> Result<()> {
        (**self).insert_order(order, draft)
    }
    fn orders(&mut self, after: Option<OrderId>, limit: usize) -> Result<Vec<Order>> {
        (**self).orders(after, limit)
    }
    fn update_order(&mut self, order: &Order) -> Result<()> {
        (**self).update_order(order)
    }
    fn location(&mut self, code: &str) -> Result<Option<Location>> {
        (**self).location(code)
    }
    fn locations(&mut self) -> Result<Vec<Location>> {
        (**self).locations()
    }
    fn put_location(&mut self, location: &Location) -> Result<()> {
        (**self).put_location(location)
    }
    fn stock_for_update(&mut self, skus: &[&str]) -> Result<Vec<StockLevel>> {
        (**self).stock_for_update(skus)
    }
    fn put_stock_level(&mut self, level: &StockLevel) -> Result<()> {
        (**self).put_stock_level(level)
    }
    fn all_stock_levels(&mut self) -> Result<Vec<StockLevel>> {
        (**self).all_stock_levels()
    }
    fn reservations_for_order(&mut self, order: OrderId) -> Result<Vec<Reservation>> {
        (**self).reservations_for_order(order)
    }
    fn put_reservation(&mut self, reservation: &Reservation) -> Result<()> {
        (**self).put_reservation(reservation)
    }
    fn active_reservations(&mut self) -> Result<Vec<Reservation>> {
        (**self).active_reservations()
    }
    fn append_movement(&mut self, movement: StockMovement) -> Result<()> {
        (**self).append_movement(movement)
    }
    fn movements(&mut self, sku: &str, location: Option<&str>) -> Result<Vec<StockMovement>> {
        (**self).movements(sku, location)
    }
    fn fulfillment(&mut self, id: FulfillmentId) -> Result<Option<FulfillmentOrder>> {
        (**self).fulfillment(id)
    }
    fn fulfillments_for_order(&mut self, order: OrderId) -> Result<Vec<FulfillmentOrder>> {
        (**self).fulfillments_for_order(order)
    }
    fn fulfillment_by_tracking_number(
        &mut self,
        tracking_number: &str,
    ) -> Result<Option<FulfillmentOrder>> {
        (**self).fulfillment_by_tracking_number(tracking_number)
    }
    fn put_fulfillment(&mut self, fulfillment: &FulfillmentOrder) -> Result<()> {
        (**self).put_fulfillment(fulfillment)
    }
    fn overdue_fulfillments(&mut self, now: DateTime<Utc>) -> Result<Vec<FulfillmentId>> {
        (**self).overdue_fulfillments(now)
    }

    fn pending_fulfillments(
        &mut self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>> {
        (**self).pending_fulfillments(after, limit)
    }
    fn put_bin(&mut self, sku: &str, location: &str, bin: &str) -> Result<()> {
        (**self).put_bin(sku, location, bin)
    }
    fn bin(&mut self, sku: &str, location: &str) -> Result<Option<String>> {
        (**self).bin(sku, location)
    }
    fn insert_tracking_event(&mut self, event: &TrackingEvent) -> Result<bool> {
        (**self).insert_tracking_event(event)
    }
    fn tracking_events(&mut self, tracking_number: &str) -> Result<Vec<TrackingEvent>> {
        (**self).tracking_events(tracking_number)
    }
    fn append_condition_reading(
        &mut self,
        tracking_number: &str,
        reading: &ConditionReading,
    ) -> Result<()> {
        (**self).append_condition_reading(tracking_number, reading)
    }
    fn condition_readings(&mut self, tracking_number: &str) -> Result<Vec<ConditionReading>> {
        (**self).condition_readings(tracking_number)
    }
    fn stream_head(&mut self, stream: &str) -> Result<Option<ChainLink>> {
        (**self).stream_head(stream)
    }
    fn append_event(&mut self, event: EventRecord) -> Result<u64> {
        (**self).append_event(event)
    }
    fn events_since(&mut self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        (**self).events_since(after, limit)
    }
    fn commit(self) -> Result<()> {
        self.commit_boxed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryStore;
    use crate::Oms;

    #[test]
    fn an_engine_over_any_store_works_like_one_over_the_store_itself() {
        let oms = Oms::new(AnyStore::new(MemoryStore::new()));
        oms.add_location("L", "Loc", 1).expect("location");
        oms.receive_stock("A", "L", 3, "PO").expect("receive");
        assert_eq!(oms.available("A").expect("available"), 3);
        assert!(oms.receive_stock("A", "nowhere", 3, "PO").is_err());
        assert_eq!(oms.events_since(0, 10).expect("events").len(), 2);
    }
}

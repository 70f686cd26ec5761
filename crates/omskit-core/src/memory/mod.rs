//! [`MemoryStore`]: the in-process backend, and the reference the other
//! backends are measured against.
//!
//! Writers are serialized by one mutex held for the whole transaction.
//! Writes go straight into the tables and an undo log records what they
//! replaced; a transaction dropped without commit replays the log backwards,
//! so a failed use case leaves nothing behind (even if it panicked).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::ops::Bound;
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::events::{ChainLink, EventRecord};
use crate::fulfillment::{FulfillmentOrder, FulfillmentStatus};
use crate::id::{FulfillmentId, OrderId, ReservationId};
use crate::inventory::{Location, Reservation, ReservationStatus, StockLevel, StockMovement};
use crate::order::{Channel, Order, OrderDraft};
use crate::shipping::{ConditionReading, TrackingEvent};
use crate::store::{Store, StoreTx, TxMode};

/// Everything a [`MemoryStore`] holds.
#[derive(Debug, Default)]
struct Tables {
    // Boxed: an order is large, and B-tree nodes hold eleven values.
    orders: BTreeMap<OrderId, Box<Order>>,
    idempotency: HashMap<String, (OrderId, OrderDraft)>,
    external_ids: HashMap<(Channel, String), OrderId>,
    locations: BTreeMap<String, Location>,
    /// SKU → location → level: looked up by `&str` without building keys.
    stock: BTreeMap<String, BTreeMap<String, StockLevel>>,
    /// An order's reservations, oldest first: every read and write of a
    /// reservation knows its order, and an order holds only a few.
    reservations: IdMap<OrderId, Vec<Reservation>>,
    movements: Vec<StockMovement>,
    heads: HashMap<String, ChainLink>,
    events: Vec<EventRecord>,
    fulfillments: BTreeMap<FulfillmentId, Box<FulfillmentOrder>>,
    fulfillments_by_order: IdMap<OrderId, BTreeSet<FulfillmentId>>,
    by_tracking_number: HashMap<String, FulfillmentId>,
    /// (sku, location) → bin.
    bins: HashMap<(String, String), String>,
    tracking_events: HashMap<String, Vec<TrackingEvent>>,
    condition_readings: HashMap<String, Vec<ConditionReading>>,
    /// The undo log's buffer between transactions, so that a transaction
    /// of a use case's usual size allocates none for its log.
    spare_undo: Vec<Undo>,
}

/// A hash map keyed by an id the engine minted.
type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

/// Hashes 128-bit ids with one multiply. The engine mints them (UUIDv7, or
/// counting up in tests), so the keys are not chosen by an attacker and
/// SipHash's flood resistance buys nothing here; it did cost a tenth of a
/// placement. Multiplying by an odd constant keeps consecutive ids in
/// distinct buckets and spreads them into the high bits the table also uses.
#[derive(Debug, Default, Clone, Copy)]
struct IdHasher(u64);

impl IdHasher {
    const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::MULTIPLIER);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u128(&mut self, value: u128) {
        let [low, high] = [value as u64, (value >> 64) as u64];
        self.mix(low ^ high.rotate_left(32));
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
    }
}

/// The keys above `after` (every key when `None`): a listing's page start.
fn above<K>(after: Option<K>) -> (Bound<K>, Bound<K>) {
    (after.map_or(Bound::Unbounded, Bound::Excluded), Bound::Unbounded)
}

/// What a write replaced, to be put back on rollback.
#[derive(Debug)]
enum Undo {
    Order(OrderId, Option<Box<Order>>),
    Idempotency(String),
    ExternalId(Channel, String),
    Location(String, Option<Location>),
    /// A level that was replaced: put it back.
    StockReplaced(StockLevel),
    /// A level that was created: remove it.
    StockCreated(String, String),
    /// A reservation of this order that was replaced (put it back) or
    /// added (remove it).
    Reservation(OrderId, ReservationId, Option<Reservation>),
    Fulfillment(FulfillmentId, Option<Box<FulfillmentOrder>>),
    Bin((String, String), Option<String>),
    /// A tracking event appended to this shipment's list: pop it.
    TrackingEvent(String),
    /// A reading appended to this shipment's list: pop it.
    ConditionReading(String),
}

/// An in-memory store. Cheap to create; everything is lost when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: Mutex<Tables>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl Store for MemoryStore {
    type Tx<'a> = MemoryTx<'a>;

    fn begin(&self, _mode: TxMode) -> Result<MemoryTx<'_>> {
        // A poisoned lock means a transaction panicked; its undo log already
        // ran in `Drop`, so the tables are consistent and safe to use.
        let mut tables = self.tables.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (movements, events) = (tables.movements.len(), tables.events.len());
        let undo = std::mem::take(&mut tables.spare_undo);
        Ok(MemoryTx { tables, undo, movements, events, committed: false })
    }
}

/// A transaction on a [`MemoryStore`]: holds the store's lock until it ends.
#[derive(Debug)]
pub struct MemoryTx<'a> {
    tables: MutexGuard<'a, Tables>,
    undo: Vec<Undo>,
    /// Lengths of the append-only tables when the transaction began.
    movements: usize,
    events: usize,
    committed: bool,
}

/// The largest undo log whose buffer is kept for the next transaction: a
/// bulk operation's log is let go rather than held for the store's life.
const SPARE_UNDO_CAPACITY: usize = 64;

impl Drop for MemoryTx<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.roll_back();
        }
        if self.undo.capacity() <= SPARE_UNDO_CAPACITY {
            self.undo.clear();
            self.tables.spare_undo = std::mem::take(&mut self.undo);
        }
    }
}

impl MemoryTx<'_> {
    /// Undoes every write of the transaction, newest first.
    fn roll_back(&mut self) {
        let t = &mut *self.tables;
        t.movements.truncate(self.movements);
        // Each dropped event's stream goes back to the event before it.
        while t.events.len() > self.events {
            let Some(dropped) = t.events.pop() else { break };
            if dropped.version <= 1 {
                t.heads.remove(&dropped.stream);
            } else if let Some(head) = t.heads.get_mut(&dropped.stream) {
                *head = ChainLink { version: dropped.version - 1, hash: dropped.prev_hash };
            }
        }
        while let Some(undo) = self.undo.pop() {
            match undo {
                Undo::Order(id, old) => restore(&mut t.orders, id, old),
                Undo::Idempotency(key) => {
                    t.idempotency.remove(&key);
                }
                Undo::ExternalId(channel, id) => {
                    t.external_ids.remove(&(channel, id));
                }
                Undo::Location(code, old) => restore(&mut t.locations, code, old),
                Undo::StockReplaced(old) => {
                    if let Some(slot) =
                        t.stock.get_mut(&old.sku).and_then(|m| m.get_mut(&old.location))
                    {
                        *slot = old;
                    }
                }
                Undo::StockCreated(sku, location) => {
                    if let Some(at) = t.stock.get_mut(&sku) {
                        at.remove(&location);
                        if at.is_empty() {
                            t.stock.remove(&sku);
                        }
                    }
                }
                Undo::Reservation(order, id, old) => {
                    let Some(held) = t.reservations.get_mut(&order) else { continue };
                    let at = held.iter().position(|r| r.id == id);
                    match (at, old) {
                        (Some(at), Some(old)) => held[at] = old,
                        (Some(at), None) => {
                            held.remove(at);
                            if held.is_empty() {
                                t.reservations.remove(&order);
                            }
                        }
                        (None, _) => {}
                    }
                }
                Undo::Fulfillment(id, old) => {
                    if let Some(new) = t.fulfillments.get(&id) {
                        if let Some(s) = &new.shipment {
                            t.by_tracking_number.remove(&s.tracking_number);
                        }
                        if old.is_none() {
                            if let Some(ids) = t.fulfillments_by_order.get_mut(&new.order_id) {
                                ids.remove(&id);
                            }
                        }
                    }
                    if let Some(s) = old.as_ref().and_then(|o| o.shipment.as_ref()) {
                        t.by_tracking_number.insert(s.tracking_number.clone(), id);
                    }
                    restore(&mut t.fulfillments, id, old);
                }
                Undo::Bin(key, old) => restore(&mut t.bins, key, old),
                Undo::TrackingEvent(tracking_number) => {
                    if let Some(list) = t.tracking_events.get_mut(&tracking_number) {
                        list.pop();
                    }
                }
                Undo::ConditionReading(tracking_number) => {
                    if let Some(list) = t.condition_readings.get_mut(&tracking_number) {
                        list.pop();
                    }
                }
            }
        }
    }
}

fn restore<K, V, M: MapLike<K, V>>(map: &mut M, key: K, old: Option<V>) {
    match old {
        Some(value) => map.put(key, value),
        None => map.delete(&key),
    }
}

/// The two map types the tables use, behind one interface for `restore`.
trait MapLike<K, V> {
    fn put(&mut self, key: K, value: V);
    fn delete(&mut self, key: &K);
}

impl<K: std::hash::Hash + Eq, V, S: BuildHasher> MapLike<K, V> for HashMap<K, V, S> {
    fn put(&mut self, key: K, value: V) {
        self.insert(key, value);
    }
    fn delete(&mut self, key: &K) {
        self.remove(key);
    }
}

impl<K: Ord, V> MapLike<K, V> for BTreeMap<K, V> {
    fn put(&mut self, key: K, value: V) {
        self.insert(key, value);
    }
    fn delete(&mut self, key: &K) {
        self.remove(key);
    }
}

impl StoreTx for MemoryTx<'_> {
    fn order(&mut self, id: OrderId) -> Result<Option<Order>> {
        Ok(self.tables.orders.get(&id).map(|o| Order::clone(o)))
    }

    fn order_by_idempotency_key(&mut self, key: &str) -> Result<Option<(OrderId, OrderDraft)>> {
        Ok(self.tables.idempotency.get(key).cloned())
    }

    fn order_by_external_id(
        &mut self,
        channel: &Channel,
        external_id: &str,
    ) -> Result<Option<OrderId>> {
        Ok(self.tables.external_ids.get(&(channel.clone(), external_id.to_owned())).copied())
    }

    fn insert_order(&mut self, order: &Order, draft: &OrderDraft) -> Result<()> {
        let t = &mut *self.tables;
        if t.orders.contains_key(&order.id) {
            return Err(Error::conflict(Some("id"), format!("order {} exists", order.id)));
        }
        if let Some(key) = &order.idempotency_key {
            if t.idempotency.contains_key(key) {
                return Err(Error::conflict(
                    Some("idempotency_key"),
                    "idempotency key already used",
                ));
            }
        }
        if let Some(external_id) = &order.external_id {
            let key = (order.channel.clone(), external_id.clone());
            if t.external_ids.contains_key(&key) {
                return Err(Error::conflict(
                    Some("external_id"),
                    "external id already used in this channel",
                ));
            }
            t.external_ids.insert(key, order.id);
            self.undo.push(Undo::ExternalId(order.channel.clone(), external_id.clone()));
        }
        if let Some(key) = &order.idempotency_key {
            t.idempotency.insert(key.clone(), (order.id, draft.clone()));
            self.undo.push(Undo::Idempotency(key.clone()));
        }
        t.orders.insert(order.id, Box::new(order.clone()));
        self.undo.push(Undo::Order(order.id, None));
        Ok(())
    }

    fn orders(&mut self, after: Option<OrderId>, limit: usize) -> Result<Vec<Order>> {
        Ok(self
            .tables
            .orders
            .range(above(after))
            .take(limit)
            .map(|(_, o)| Order::clone(o))
            .collect())
    }

    fn update_order(&mut self, order: &Order) -> Result<()> {
        let old = self.tables.orders.insert(order.id, Box::new(order.clone()));
        if old.is_none() {
            self.tables.orders.remove(&order.id);
            return Err(Error::not_found("order", order.id));
        }
        self.undo.push(Undo::Order(order.id, old));
        Ok(())
    }

    fn location(&mut self, code: &str) -> Result<Option<Location>> {
        Ok(self.tables.locations.get(code).cloned())
    }

    fn locations(&mut self) -> Result<Vec<Location>> {
        Ok(self.tables.locations.values().cloned().collect())
    }

    fn put_location(&mut self, location: &Location) -> Result<()> {
        let old = self.tables.locations.insert(location.code.clone(), location.clone());
        self.undo.push(Undo::Location(location.code.clone(), old));
        Ok(())
    }

    fn stock_for_update(&mut self, skus: &[&str]) -> Result<Vec<StockLevel>> {
        let mut sorted: Vec<&str> = skus.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        let found: Vec<_> = sorted.iter().filter_map(|sku| self.tables.stock.get(*sku)).collect();
        let mut out = Vec::with_capacity(found.iter().map(|at| at.len()).sum());
        for at in found {
            out.extend(at.values().cloned());
        }
        Ok(out)
    }

    fn put_stock_level(&mut self, level: &StockLevel) -> Result<()> {
        let slot = self.tables.stock.get_mut(&level.sku).and_then(|at| at.get_mut(&level.location));
        let undo = match slot {
            Some(slot) => Undo::StockReplaced(std::mem::replace(slot, level.clone())),
            None => {
                let at = self.tables.stock.entry(level.sku.clone()).or_default();
                at.insert(level.location.clone(), level.clone());
                Undo::StockCreated(level.sku.clone(), level.location.clone())
            }
        };
        self.undo.push(undo);
        Ok(())
    }

    fn all_stock_levels(&mut self) -> Result<Vec<StockLevel>> {
        Ok(self.tables.stock.values().flat_map(|at| at.values().cloned()).collect())
    }

    fn reservations_for_order(&mut self, order: OrderId) -> Result<Vec<Reservation>> {
        Ok(self.tables.reservations.get(&order).cloned().unwrap_or_default())
    }

    fn put_reservation(&mut self, reservation: &Reservation) -> Result<()> {
        let held = self.tables.reservations.entry(reservation.order_id).or_default();
        let old = match held.iter_mut().find(|r| r.id == reservation.id) {
            Some(slot) => Some(std::mem::replace(slot, reservation.clone())),
            None => {
                held.push(reservation.clone());
                None
            }
        };
        self.undo.push(Undo::Reservation(reservation.order_id, reservation.id, old));
        Ok(())
    }

    fn active_reservations(&mut self) -> Result<Vec<Reservation>> {
        let mut out: Vec<Reservation> = self
            .tables
            .reservations
            .values()
            .flatten()
            .filter(|r| r.status == ReservationStatus::Active)
            .cloned()
            .collect();
        out.sort_by_key(|r| r.id);
        Ok(out)
    }

    fn append_movement(&mut self, movement: StockMovement) -> Result<()> {
        self.tables.movements.push(movement);
        Ok(())
    }

    fn movements(&mut self, sku: &str, location: Option<&str>) -> Result<Vec<StockMovement>> {
        Ok(self
            .tables
            .movements
            .iter()
            .filter(|m| m.sku == sku && location.is_none_or(|l| m.location == l))
            .cloned()
            .collect())
    }

    fn fulfillment(&mut self, id: FulfillmentId) -> Result<Option<FulfillmentOrder>> {
        Ok(self.tables.fulfillments.get(&id).map(|f| FulfillmentOrder::clone(f)))
    }

    fn fulfillments_for_order(&mut self, order: OrderId) -> Result<Vec<FulfillmentOrder>> {
        let t = &*self.tables;
        Ok(t.fulfillments_by_order
            .get(&order)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| t.fulfillments.get(id).map(|f| FulfillmentOrder::clone(f)))
                    .collect()
            })
            .unwrap_or_default())
    }

    fn fulfillment_by_tracking_number(
        &mut self,
        tracking_number: &str,
    ) -> Result<Option<FulfillmentOrder>> {
        let t = &*self.tables;
        Ok(t.by_tracking_number
            .get(tracking_number)
            .and_then(|id| t.fulfillments.get(id))
            .map(|f| FulfillmentOrder::clone(f)))
    }

    fn put_fulfillment(&mut self, fulfillment: &FulfillmentOrder) -> Result<()> {
        let t = &mut *self.tables;
        let id = fulfillment.id;
        if let Some(s) = &fulfillment.shipment {
            if t.by_tracking_number.get(&s.tracking_number).is_some_and(|other| *other != id) {
                return Err(Error::conflict(
                    Some("tracking_number"),
                    format!("tracking number {} is already used", s.tracking_number),
                ));
            }
        }
        let old = t.fulfillments.insert(id, Box::new(fulfillment.clone()));
        match &old {
            Some(old) => {
                if let Some(s) = &old.shipment {
                    t.by_tracking_number.remove(&s.tracking_number);
                }
            }
            None => {
                t.fulfillments_by_order.entry(fulfillment.order_id).or_default().insert(id);
            }
        }
        if let Some(s) = &fulfillment.shipment {
            t.by_tracking_number.insert(s.tracking_number.clone(), id);
        }
        self.undo.push(Undo::Fulfillment(id, old));
        Ok(())
    }

    fn pending_fulfillments(
        &mut self,
        after: Option<FulfillmentId>,
        limit: usize,
    ) -> Result<Vec<FulfillmentOrder>> {
        // A scan, as for overdue ones: the memory store is for tests and small runs.
        Ok(self
            .tables
            .fulfillments
            .range(above(after))
            .filter(|(_, f)| f.status == FulfillmentStatus::Pending)
            .take(limit)
            .map(|(_, f)| FulfillmentOrder::clone(f))
            .collect())
    }

    fn overdue_fulfillments(&mut self, now: DateTime<Utc>) -> Result<Vec<FulfillmentId>> {
        Ok(self
            .tables
            .fulfillments
            .values()
            .filter(|f| {
                matches!(
                    f.status,
                    FulfillmentStatus::Shipped
                        | FulfillmentStatus::InTransit
                        | FulfillmentStatus::OutForDelivery
                        | FulfillmentStatus::DeliveryFailed
                ) && f
                    .shipment
                    .as_ref()
                    .is_some_and(|s| s.promised_delivery < now && !s.delay_notified)
            })
            .map(|f| f.id)
            .collect())
    }

    fn put_bin(&mut self, sku: &str, location: &str, bin: &str) -> Result<()> {
        let key = (sku.to_owned(), location.to_owned());
        let old = self.tables.bins.insert(key.clone(), bin.to_owned());
        self.undo.push(Undo::Bin(key, old));
        Ok(())
    }

    fn bin(&mut self, sku: &str, location: &str) -> Result<Option<String>> {
        Ok(self.tables.bins.get(&(sku.to_owned(), location.to_owned())).cloned())
    }

    fn insert_tracking_event(&mut self, event: &TrackingEvent) -> Result<bool> {
        let list = self.tables.tracking_events.entry(event.tracking_number.clone()).or_default();
        if list.iter().any(|e| e.update.carrier_event_id == event.update.carrier_event_id) {
            return Ok(false);
        }
        list.push(event.clone());
        self.undo.push(Undo::TrackingEvent(event.tracking_number.clone()));
        Ok(true)
    }

    fn tracking_events(&mut self, tracking_number: &str) -> Result<Vec<TrackingEvent>> {
        Ok(self.tables.tracking_events.get(tracking_number).cloned().unwrap_or_default())
    }

    fn append_condition_reading(
        &mut self,
        tracking_number: &str,
        reading: &ConditionReading,
    ) -> Result<()> {
        let list = self.tables.condition_readings.entry(tracking_number.to_owned()).or_default();
        list.push(reading.clone());
        self.undo.push(Undo::ConditionReading(tracking_number.to_owned()));
        Ok(())
    }

    fn condition_readings(&mut self, tracking_number: &str) -> Result<Vec<ConditionReading>> {
        Ok(self.tables.condition_readings.get(tracking_number).cloned().unwrap_or_default())
    }

    fn stream_head(&mut self, stream: &str) -> Result<Option<ChainLink>> {
        Ok(self.tables.heads.get(stream).copied())
    }

    fn append_event(&mut self, mut event: EventRecord) -> Result<u64> {
        let t = &mut *self.tables;
        let seq = t.events.len() as u64 + 1;
        let moved_on = || Error::conflict(None, format!("stream {} moved on", event.stream));
        // Rollback restores heads from the events it drops: no undo entry.
        match t.heads.get_mut(&event.stream) {
            Some(head) if event.version == head.version + 1 => *head = event.link(),
            None if event.version == 1 => {
                t.heads.insert(event.stream.clone(), event.link());
            }
            _ => return Err(moved_on()),
        }
        event.seq = seq;
        t.events.push(event);
        Ok(seq)
    }

    fn events_since(&mut self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        let start = usize::try_from(after).unwrap_or(usize::MAX).min(self.tables.events.len());
        Ok(self.tables.events[start..].iter().take(limit).cloned().collect())
    }

    fn commit(mut self) -> Result<()> {
        self.committed = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level(sku: &str, on_hand: i64) -> StockLevel {
        StockLevel { sku: sku.into(), location: "L".into(), on_hand, reserved: 0 }
    }

    fn location(code: &str) -> Location {
        Location { code: code.into(), name: code.into(), priority: 1, active: true }
    }

    #[test]
    fn dropping_a_transaction_undoes_every_write() {
        let store = MemoryStore::new();
        let mut tx = store.begin(TxMode::Write).expect("begin");
        tx.put_location(&location("L")).expect("put");
        tx.put_stock_level(&level("A", 5)).expect("put");
        tx.commit().expect("commit");

        let mut tx = store.begin(TxMode::Write).expect("begin");
        tx.put_stock_level(&level("A", 7)).expect("put");
        tx.put_stock_level(&level("A", 9)).expect("put");
        tx.put_stock_level(&level("B", 1)).expect("put");
        tx.put_location(&location("M")).expect("put");
        drop(tx);

        let mut tx = store.begin(TxMode::Read).expect("begin");
        assert_eq!(tx.all_stock_levels().expect("levels"), [level("A", 5)]);
        assert_eq!(tx.locations().expect("locations"), [location("L")]);
    }

    #[test]
    fn a_panicking_transaction_leaves_the_store_usable_and_unchanged() {
        let store = MemoryStore::new();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut tx = store.begin(TxMode::Write).expect("begin");
            tx.put_stock_level(&level("A", 5)).expect("put");
            panic!("use case bug");
        }));
        assert!(result.is_err());
        let mut tx = store.begin(TxMode::Read).expect("begin after a panic");
        assert!(tx.all_stock_levels().expect("levels").is_empty());
    }
}

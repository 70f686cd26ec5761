//! [`Oms`]: the use cases, each one transaction over a [`Store`].
//!
//! Every use case follows the same shape: validate the input, open a write
//! transaction, load (and lock) what it needs, decide with the domain types,
//! write the changes, the stock ledger entries and the events, commit; then
//! hand the committed events to subscribers. An error at any step drops the
//! transaction, so nothing is half-written.

mod fulfillment;
mod inventory;
mod notifications;
mod orders;
mod shipping;

pub use fulfillment::MAX_PICK_LIST_SIZE;
pub use inventory::MAX_STOCK_QUANTITY;
pub use notifications::NotificationPage;
pub use shipping::{TrackingOutcome, DELIVERY_CONFIRMATION_EVENT_ID};

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::events::ChainVerifier;
use crate::events::{AuditReport, ChainLink, DomainEvent, EventRecord};
use crate::id::{IdGenerator, MovementId, SystemIds};
use crate::inventory::{MovementKind, StockBook, StockMovement};
use crate::memory::MemoryStore;
use crate::order::HoldRules;
use crate::shipping::CarrierRegistry;
use crate::store::{Store, StoreTx, TxMode};

/// How many times a use case is run when the backend reports a transient
/// conflict (serialization failure, deadlock) before it gives up with `Conflict`.
pub const MAX_ATTEMPTS: u32 = 8;

/// A callback that receives every committed event.
pub type Subscriber = Arc<dyn Fn(&EventRecord) + Send + Sync>;

/// Identifies a subscription, to cancel it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubscriptionId(u64);

#[derive(Default)]
struct Subscribers {
    next: u64,
    list: Vec<(SubscriptionId, Subscriber)>,
}

/// The order-management engine over a store.
///
/// ```
/// use omskit_core::{Oms, OrderDraft, LineDraft, Channel, Currency};
///
/// let oms = Oms::in_memory();
/// oms.add_location("WH-EAST", "East DC", 1)?;
/// oms.receive_stock("SKU-1", "WH-EAST", 100, "PO-77")?;
/// let order = oms.place_order(
///     &OrderDraft::new(Channel::Web, Currency::USD)
///         .customer("c-42", "Ada Lovelace", "ada@example.com")
///         .line(LineDraft::new("SKU-1", 2, "19.99".parse().unwrap())),
/// )?;
/// assert_eq!(order.totals.grand_total.to_string(), "39.98");
/// assert_eq!(oms.stock_level("SKU-1", "WH-EAST")?.available(), 98);
/// # Ok::<(), omskit_core::Error>(())
/// ```
pub struct Oms<S: Store> {
    store: S,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    hold_rules: RwLock<HoldRules>,
    subscribers: RwLock<Subscribers>,
    carriers: RwLock<CarrierRegistry>,
}

impl<S: Store> std::fmt::Debug for Oms<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Oms").field("hold_rules", &*self.hold_rules()).finish_non_exhaustive()
    }
}

impl Oms<MemoryStore> {
    /// An engine over a fresh [`MemoryStore`], with the system clock and UUIDv7 ids.
    pub fn in_memory() -> Oms<MemoryStore> {
        Oms::new(MemoryStore::new())
    }
}

impl<S: Store> Oms<S> {
    /// An engine over `store`, with the system clock, UUIDv7 ids and no hold rules.
    pub fn new(store: S) -> Oms<S> {
        Oms {
            store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(SystemIds::new()),
            hold_rules: RwLock::new(HoldRules::default()),
            subscribers: RwLock::new(Subscribers::default()),
            carriers: RwLock::new(CarrierRegistry::default()),
        }
    }

    /// Uses `clock` for every timestamp (tests use a manual clock).
    #[must_use]
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Oms<S> {
        self.clock = clock;
        self
    }

    /// Uses `ids` for every new id (tests use sequential ids).
    #[must_use]
    pub fn with_ids(mut self, ids: Arc<dyn IdGenerator>) -> Oms<S> {
        self.ids = ids;
        self
    }

    /// Applies `rules` to every new or edited order.
    #[must_use]
    pub fn with_hold_rules(self, rules: HoldRules) -> Oms<S> {
        self.set_hold_rules(rules);
        self
    }

    /// Replaces the hold rules of a running engine; orders placed or edited
    /// from now on are checked against `rules`.
    pub fn set_hold_rules(&self, rules: HoldRules) {
        *self.hold_rules.write().unwrap_or_else(|p| p.into_inner()) = rules;
    }

    /// The hold rules in force.
    pub(crate) fn hold_rules(&self) -> std::sync::RwLockReadGuard<'_, HoldRules> {
        self.hold_rules.read().unwrap_or_else(|p| p.into_inner())
    }

    /// The store, for backends' own tools and the conformance suite.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Calls `subscriber` with every event committed by a transaction that
    /// begins from now on (one already running when this is called goes
    /// unseen), after its commit (never for a rolled-back change), in
    /// sequence order within that transaction. It runs on the
    /// thread that made the change, after the store's locks are released, so
    /// it may call back into the engine. A subscriber should not panic: a
    /// panic propagates to the caller of the use case, whose change stays
    /// committed. For delivery that survives restarts, read
    /// [`Oms::events_since`] from a stored cursor instead.
    pub fn subscribe(
        &self,
        subscriber: impl Fn(&EventRecord) + Send + Sync + 'static,
    ) -> SubscriptionId {
        let mut subs = self.subscribers.write().unwrap_or_else(|p| p.into_inner());
        subs.next += 1;
        let id = SubscriptionId(subs.next);
        subs.list.push((id, Arc::new(subscriber)));
        id
    }

    /// Stops a subscription; returns false if it was not active.
    pub fn unsubscribe(&self, id: SubscriptionId) -> bool {
        let mut subs = self.subscribers.write().unwrap_or_else(|p| p.into_inner());
        let before = subs.list.len();
        subs.list.retain(|(sid, _)| *sid != id);
        subs.list.len() != before
    }

    /// Up to `limit` committed events with a sequence number above `after`,
    /// ascending: page through the log by passing the last `seq` seen. No
    /// event is ever skipped, even one committed late by a slow writer.
    /// Sequence numbers increase but need not be contiguous, and on
    /// PostgreSQL one stream's events can arrive out of version order (see
    /// the backend's documentation): apply an aggregate's events by `version`.
    ///
    /// # Errors
    /// `Storage` on backend failure.
    pub fn events_since(&self, after: u64, limit: usize) -> Result<Vec<EventRecord>> {
        self.read(|tx| tx.events_since(after, limit))
    }

    /// Re-hashes the whole event log and checks every stream's chain.
    ///
    /// # Errors
    /// `Storage` on backend failure; a broken chain is reported in the
    /// [`AuditReport`], not as an error.
    pub fn verify_audit_chain(&self) -> Result<AuditReport> {
        const PAGE: usize = 10_000;
        let mut verifier = ChainVerifier::default();
        let mut after = 0;
        loop {
            let page = self.events_since(after, PAGE)?;
            for record in &page {
                if !verifier.check(record) {
                    return Ok(verifier.report());
                }
            }
            match page.last() {
                Some(last) if page.len() == PAGE => after = last.seq,
                _ => return Ok(verifier.report()),
            }
        }
    }

    /// Runs `f` in a read transaction.
    fn read<R>(&self, f: impl FnOnce(&mut dyn StoreTx) -> Result<R>) -> Result<R> {
        let mut tx = self.store.begin(TxMode::Read)?;
        f(&mut tx)
    }

    /// Runs `f` in a write transaction and commits, retrying transient
    /// conflicts; publishes the events after the commit.
    fn write<R>(&self, mut f: impl FnMut(&mut Work<'_>) -> Result<R>) -> Result<R> {
        let mut attempt = 1;
        loop {
            match self.attempt(&mut f) {
                Ok((value, records)) => {
                    self.publish(&records);
                    return Ok(value);
                }
                Err(e) if e.is_retryable() && attempt < MAX_ATTEMPTS => attempt += 1,
                Err(e) if e.is_retryable() => {
                    return Err(Error::conflict(
                        None,
                        format!("gave up after {attempt} attempts: {e}"),
                    ))
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn attempt<R>(
        &self,
        f: &mut impl FnMut(&mut Work<'_>) -> Result<R>,
    ) -> Result<(R, Vec<EventRecord>)> {
        let subscribed = {
            let subs = self.subscribers.read().unwrap_or_else(|p| p.into_inner());
            !subs.list.is_empty()
        };
        let mut tx = self.store.begin(TxMode::Write)?;
        let mut work = Work {
            tx: &mut tx,
            now: self.clock.now(),
            ids: &*self.ids,
            heads: HashMap::new(),
            records: subscribed.then(Vec::new),
        };
        let value = f(&mut work)?;
        let records = work.records.unwrap_or_default();
        tx.commit()?;
        Ok((value, records))
    }

    fn publish(&self, records: &[EventRecord]) {
        let subscribers: Vec<Subscriber> = {
            let subs = self.subscribers.read().unwrap_or_else(|p| p.into_inner());
            if subs.list.is_empty() {
                return;
            }
            subs.list.iter().map(|(_, s)| Arc::clone(s)).collect()
        };
        for record in records {
            for subscriber in &subscribers {
                subscriber(record);
            }
        }
    }
}

/// One attempt of a use case: the transaction, its time, and the events it appends.
pub(crate) struct Work<'t> {
    pub(crate) tx: &'t mut dyn StoreTx,
    pub(crate) now: DateTime<Utc>,
    ids: &'t dyn IdGenerator,
    /// Heads of the streams this attempt appended to or created (`None`: empty so far).
    heads: HashMap<String, Option<ChainLink>>,
    /// The events appended, for the subscribers; `None` when there were
    /// none as the attempt began, so the store's records need no copy.
    records: Option<Vec<EventRecord>>,
}

impl Work<'_> {
    /// Appends `event` to `stream`, chained to the stream's latest event.
    pub(crate) fn emit(&mut self, stream: String, event: &DomainEvent) -> Result<()> {
        let head = match self.heads.get(&stream) {
            Some(link) => *link,
            None => self.tx.stream_head(&stream)?,
        };
        let record = EventRecord::new(stream, head.as_ref(), self.now, event)?;
        // The head moves before the append: if that fails, so does the attempt.
        match self.heads.get_mut(&record.stream) {
            Some(head) => *head = Some(record.link()),
            None => {
                self.heads.insert(record.stream.clone(), Some(record.link()));
            }
        }
        match &mut self.records {
            Some(records) => {
                let mut kept = record.clone();
                kept.seq = self.tx.append_event(record)?;
                records.push(kept);
            }
            None => {
                self.tx.append_event(record)?;
            }
        }
        Ok(())
    }

    /// Declares a stream this attempt just created (a new order's), so the
    /// first append need not ask the store for its head.
    pub(crate) fn new_stream(&mut self, stream: &str) {
        self.heads.insert(stream.to_owned(), None);
    }

    /// The stock of `skus` at every location, locked, with the locations:
    /// the book a use case reserves, releases and ships with.
    pub(crate) fn stock_book<'s>(
        &mut self,
        skus: impl IntoIterator<Item = &'s str>,
    ) -> Result<StockBook> {
        // Sorted and without repeats: backends lock in this order.
        let skus: std::collections::BTreeSet<&str> = skus.into_iter().collect();
        let skus: Vec<&str> = skus.into_iter().collect();
        Ok(StockBook::new(self.tx.stock_for_update(&skus)?, self.tx.locations()?))
    }

    /// A new id.
    pub(crate) fn id<I: From<u128>>(&self) -> I {
        I::from(self.ids.next_u128())
    }

    /// Appends an entry to the stock ledger.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn movement(
        &mut self,
        kind: MovementKind,
        sku: &str,
        location: &str,
        on_hand_delta: i64,
        reserved_delta: i64,
        reason: Option<&str>,
        reference: &str,
    ) -> Result<()> {
        let movement = StockMovement {
            id: self.id::<MovementId>(),
            at: self.now,
            sku: sku.to_owned(),
            location: location.to_owned(),
            kind,
            on_hand_delta,
            reserved_delta,
            reason: reason.map(str::to_owned),
            reference: reference.to_owned(),
        };
        self.tx.append_movement(movement)
    }
}

//! Fulfilment conformance: fulfilment orders, pick lists, short picks,
//! packing, carriers and rate shopping, shipping, tracking, delivery,
//! condition readings, late shipments, holds and cancellations of
//! fulfilment orders, and customer notifications, end to end.
//!
//! Each `check_*` function takes a fresh engine from the factory, made
//! deterministic ([`ManualClock`] ticking one millisecond per use case from
//! 2026-01-01T00:00:00Z, a Thursday, and [`SequentialIds`]), with the
//! standard table-rate carrier registered under `table-rate` (tracking
//! numbers from its own [`SequentialIds`]). It drives one scenario through
//! the public API only, asserts exact values (units, locations, states,
//! amounts, dates, error fields, event kinds and payloads, ledger entries)
//! and ends with [`finish`]: the audit chain verifies and the invariants
//! hold. A refused call is checked against a [`Snapshot`] of everything the
//! store holds, fulfilment orders, tracking events and condition readings
//! included. [`run`] runs every check and, when some fail, names every
//! failing check.
//!
//! With the standard carrier, a shipment of at most 1 kg to the US costs
//! 5.00 by `ground` (5 business days: promised 2026-01-08T23:59:59Z when
//! shipped on 2026-01-01) and 10.00 by `express` (1 business day:
//! 2026-01-02T23:59:59Z).

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use omskit_core::engine::DELIVERY_CONFIRMATION_EVENT_ID;
use omskit_core::events::stream;
use omskit_core::fulfillment::{FulfillmentAction, PickListEntry, PickSource, PickTotal};
use omskit_core::inventory::MovementKind;
use omskit_core::notification::{Recipient, TrackingInfo};
use omskit_core::shipping::{ConditionKind, TableRateCarrier};
use omskit_core::{
    ConditionReading, ConditionThresholds, Currency, DeliveryProof, DomainEvent, Error,
    EventRecord, FulfillmentId, FulfillmentLine, FulfillmentOrder, FulfillmentStatus, LineCancel,
    ManualClock, NotificationKind, Oms, Order, OrderDraft, OrderEdit, OrderId, OrderStatus,
    Package, PackageLine, Parcel, PickedLine, RateQuote, RateShopping, Reservation,
    ReservationStatus, Result, SequentialIds, StockLevel, StockMovement, Store, StoreTx,
    TrackingEvent, TrackingEventKind, TrackingUpdate, TxMode,
};

use crate::fixtures::{dec, draft, stock};
use crate::lifecycle::{
    all_events, alloc, expect_insufficient, expect_invalid_transition, expect_not_found,
    expect_validation, h, held, kinds, level,
};
use crate::{assert_invariants, Factory};

/// One check of this module.
type Check<S> = fn(Factory<'_, S>);

/// Every check of this module, with its name.
fn checks<S: Store>() -> Vec<(&'static str, Check<S>)> {
    vec![
        ("check_fulfil_splits_by_location", check_fulfil_splits_by_location::<S>),
        (
            "check_fulfil_refuses_orders_it_cannot_fulfil",
            check_fulfil_refuses_orders_it_cannot_fulfil::<S>,
        ),
        ("check_bins", check_bins::<S>),
        ("check_pick_list_batches_by_bin", check_pick_list_batches_by_bin::<S>),
        ("check_pick_list_errors_change_nothing", check_pick_list_errors_change_nothing::<S>),
        ("check_confirm_pick_in_full", check_confirm_pick_in_full::<S>),
        ("check_confirm_pick_errors_change_nothing", check_confirm_pick_errors_change_nothing::<S>),
        ("check_short_pick_reallocates_elsewhere", check_short_pick_reallocates_elsewhere::<S>),
        (
            "check_short_pick_without_stock_leaves_units_pending",
            check_short_pick_without_stock_leaves_units_pending::<S>,
        ),
        ("check_allocate_pending_fulfillment", check_allocate_pending_fulfillment::<S>),
        ("check_allocate_errors_change_nothing", check_allocate_errors_change_nothing::<S>),
        (
            "check_nothing_picked_cancels_the_fulfillment",
            check_nothing_picked_cancels_the_fulfillment::<S>,
        ),
        ("check_pack", check_pack::<S>),
        ("check_pack_errors_change_nothing", check_pack_errors_change_nothing::<S>),
        ("check_ship_by_carrier_and_service", check_ship_by_carrier_and_service::<S>),
        ("check_ship_errors_change_nothing", check_ship_errors_change_nothing::<S>),
        (
            "check_ship_refuses_a_service_that_cannot_carry",
            check_ship_refuses_a_service_that_cannot_carry::<S>,
        ),
        ("check_rate_shopping", check_rate_shopping::<S>),
        ("check_tracking_is_idempotent", check_tracking_is_idempotent::<S>),
        ("check_tracking_never_goes_backwards", check_tracking_never_goes_backwards::<S>),
        ("check_failed_delivery_then_delivered", check_failed_delivery_then_delivered::<S>),
        ("check_returned_to_sender", check_returned_to_sender::<S>),
        ("check_tracking_exception", check_tracking_exception::<S>),
        ("check_unknown_tracking_number", check_unknown_tracking_number::<S>),
        ("check_confirm_delivery", check_confirm_delivery::<S>),
        (
            "check_order_delivered_when_every_fulfillment_is",
            check_order_delivered_when_every_fulfillment_is::<S>,
        ),
        ("check_condition_readings", check_condition_readings::<S>),
        ("check_delivery_promises", check_delivery_promises::<S>),
        ("check_fulfillment_holds", check_fulfillment_holds::<S>),
        ("check_cancel_fulfillment_before_shipment", check_cancel_fulfillment_before_shipment::<S>),
        (
            "check_cancel_fulfillment_at_inactive_location",
            check_cancel_fulfillment_at_inactive_location::<S>,
        ),
        (
            "check_cancel_order_cancels_open_fulfillments",
            check_cancel_order_cancels_open_fulfillments::<S>,
        ),
        ("check_cancel_order_with_shipped_units", check_cancel_order_with_shipped_units::<S>),
        (
            "check_cancel_lines_cancels_only_unshipped_units",
            check_cancel_lines_cancels_only_unshipped_units::<S>,
        ),
        (
            "check_edit_after_short_pick_keeps_units_accounted",
            check_edit_after_short_pick_keeps_units_accounted::<S>,
        ),
        ("check_notifications", check_notifications::<S>),
        ("check_notification_paging", check_notification_paging::<S>),
    ]
}

/// Runs every check of this module, each on a fresh engine; panics at the
/// end naming every check that failed (each failure's own message is
/// printed as it happens).
pub fn run<S: Store>(factory: Factory<'_, S>) {
    let all = checks::<S>();
    let total = all.len();
    let mut failed = Vec::new();
    for (name, check) in all {
        if catch_unwind(AssertUnwindSafe(|| check(factory))).is_err() {
            failed.push(name);
        }
    }
    assert!(
        failed.is_empty(),
        "fulfillment: {} of {total} checks failed: {}",
        failed.len(),
        failed.join(", ")
    );
}

// ---------------------------------------------------------------- helpers

/// The name of the standard carrier.
const CARRIER: &str = "table-rate";

/// The standard table-rate carrier in USD, with deterministic tracking
/// numbers (from counter 2^40 on, apart from the engine's ids).
pub(crate) fn standard_carrier() -> TableRateCarrier {
    TableRateCarrier::standard_builder(Currency::USD)
        .ids(Arc::new(SequentialIds::starting_at(1 << 40)))
        .build()
        .expect("the standard table-rate carrier builds")
}

/// A fresh deterministic engine with the standard carrier, and its clock.
fn engine_with_clock<S: Store>(factory: Factory<'_, S>) -> (Oms<S>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::ticking(
        ManualClock::at_epoch_2026().peek(),
        Duration::milliseconds(1),
    ));
    let oms = factory().with_clock(clock.clone()).with_ids(Arc::new(SequentialIds::new()));
    oms.register_carrier(Arc::new(standard_carrier()));
    (oms, clock)
}

/// A fresh deterministic engine with the standard carrier.
fn engine<S: Store>(factory: Factory<'_, S>) -> Oms<S> {
    engine_with_clock(factory).0
}

/// The end of every check: the audit chain verifies over the whole log, and
/// the invariants hold.
fn finish<S: Store>(oms: &Oms<S>) {
    let report = oms.verify_audit_chain().expect("verify the audit chain");
    assert!(report.is_intact(), "audit chain broken: {:?}", report.first_broken);
    assert_eq!(report.events_checked, all_events(oms).len() as u64, "every event was checked");
    assert_invariants(oms);
}

/// A time in RFC 3339.
fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .unwrap_or_else(|e| panic!("bad time {text:?} in a test: {e}"))
        .with_timezone(&Utc)
}

/// The standard carrier's promised delivery by `ground` for a shipment on 2026-01-01.
fn ground_promise() -> DateTime<Utc> {
    at("2026-01-08T23:59:59Z")
}

/// The standard carrier's promised delivery by `express` for a shipment on 2026-01-01.
fn express_promise() -> DateTime<Utc> {
    at("2026-01-02T23:59:59Z")
}

/// A fulfilment line.
fn fl(line_id: u32, sku: &str, quantity: u32) -> FulfillmentLine {
    FulfillmentLine { line_id, sku: sku.to_owned(), quantity }
}

/// A picked (or packed) quantity of a line.
fn picked(line_id: u32, quantity: u32) -> PickedLine {
    PickedLine { line_id, quantity }
}

/// `(location, status, lines)` of fulfilment orders, for comparing.
fn shape(fs: &[FulfillmentOrder]) -> Vec<(String, FulfillmentStatus, Vec<FulfillmentLine>)> {
    fs.iter().map(|f| (f.location.clone(), f.status, f.lines.clone())).collect()
}

/// One row of [`shape`].
fn row(
    location: &str,
    status: FulfillmentStatus,
    lines: Vec<FulfillmentLine>,
) -> (String, FulfillmentStatus, Vec<FulfillmentLine>) {
    (location.to_owned(), status, lines)
}

/// A parcel of `weight` kg, 20 × 15 × 10 cm (dimensional weight 0.6 kg).
fn parcel(weight: &str) -> Parcel {
    Parcel {
        weight_kg: dec(weight),
        length_cm: dec("20"),
        width_cm: dec("15"),
        height_cm: dec("10"),
    }
}

/// A 1 kg package holding `(line, units)`.
fn package(id: &str, lines: &[(u32, u32)]) -> Package {
    Package {
        id: id.to_owned(),
        parcel: parcel("1"),
        lines: lines.iter().map(|&(line_id, quantity)| PackageLine { line_id, quantity }).collect(),
    }
}

/// One 1 kg package holding everything a fulfilment order ships.
fn whole(f: &FulfillmentOrder) -> Package {
    let lines: Vec<(u32, u32)> = f.lines.iter().map(|l| (l.line_id, l.quantity)).collect();
    package("BOX-1", &lines)
}

/// Puts a ready fulfilment order on a pick list of its own and confirms it
/// picked in full.
fn pick<S: Store>(oms: &Oms<S>, f: &FulfillmentOrder) -> FulfillmentOrder {
    oms.create_pick_list(&f.location, &[f.id]).expect("create a pick list");
    let all: Vec<PickedLine> = f.lines.iter().map(|l| picked(l.line_id, l.quantity)).collect();
    oms.confirm_pick(f.id, &all).expect("confirm the pick")
}

/// Picks a ready fulfilment order in full and packs it in one package.
fn prepare<S: Store>(oms: &Oms<S>, f: &FulfillmentOrder) -> FulfillmentOrder {
    let f = pick(oms, f);
    oms.pack(f.id, &[whole(&f)]).expect("pack")
}

/// Picks, packs and ships a ready fulfilment order with `service` of the
/// standard carrier.
fn ship<S: Store>(oms: &Oms<S>, f: &FulfillmentOrder, service: &str) -> FulfillmentOrder {
    let f = prepare(oms, f);
    oms.ship(f.id, CARRIER, service).expect("ship")
}

/// The tracking number of a shipped fulfilment order.
fn tracking(f: &FulfillmentOrder) -> String {
    f.shipment.as_ref().expect("a shipment").tracking_number.clone()
}

/// Places a one-line order of `units` × `sku`, fulfils it (one location)
/// and ships it by `ground`; returns the order id and the shipped
/// fulfilment order.
fn shipped_order<S: Store>(oms: &Oms<S>, sku: &str, units: i64) -> (OrderId, FulfillmentOrder) {
    let order = oms.place_order(&draft(&[(sku, units)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    assert_eq!(fs.len(), 1, "one location serves the order");
    (order.id, ship(oms, &fs[0], "ground"))
}

/// A tracking update with no location, description or proof.
fn update(id: &str, kind: TrackingEventKind, when: &str) -> TrackingUpdate {
    TrackingUpdate::new(id, kind, at(when))
}

/// Records a tracking update; returns `(recorded, applied, status)`.
fn track<S: Store>(
    oms: &Oms<S>,
    tracking_number: &str,
    u: &TrackingUpdate,
) -> (bool, bool, FulfillmentStatus) {
    let out = oms.record_tracking_event(tracking_number, u).expect("record a tracking event");
    (out.recorded, out.applied, out.fulfillment.status)
}

/// The decoded events after the first `from` of the log, with their streams.
fn events_after<S: Store>(oms: &Oms<S>, from: usize) -> Vec<(String, DomainEvent)> {
    all_events(oms)
        .into_iter()
        .skip(from)
        .map(|r| {
            let event = r.event().expect("decodable event");
            (r.stream, event)
        })
        .collect()
}

/// The kinds of the events after the first `from` of the log.
fn kinds_after<S: Store>(oms: &Oms<S>, from: usize) -> Vec<String> {
    kinds(&all_events(oms)[from..]).into_iter().map(str::to_owned).collect()
}

/// The order's status.
fn status<S: Store>(oms: &Oms<S>, id: OrderId) -> OrderStatus {
    oms.order(id).expect("order").status
}

/// The ledger of `sku` at `location` as `(kind, on hand delta, reserved
/// delta, reason, reference)`.
fn ledger<S: Store>(
    oms: &Oms<S>,
    sku: &str,
    location: &str,
) -> Vec<(MovementKind, i64, i64, Option<String>, String)> {
    oms.stock_movements(sku, Some(location))
        .expect("ledger")
        .into_iter()
        .map(|m| (m.kind, m.on_hand_delta, m.reserved_delta, m.reason, m.reference))
        .collect()
}

/// A ledger row in the shape [`ledger`] returns.
fn mv(
    kind: MovementKind,
    on_hand: i64,
    reserved: i64,
    reason: Option<&str>,
    reference: &str,
) -> (MovementKind, i64, i64, Option<String>, String) {
    (kind, on_hand, reserved, reason.map(str::to_owned), reference.to_owned())
}

/// `(entity, from, action)` of a fulfilment order's `InvalidTransition`.
fn fo_transition(from: &str, action: &'static str) -> (&'static str, String, &'static str) {
    ("fulfillment order", from.to_owned(), action)
}

/// `(entity, from, action)` of an order's `InvalidTransition`.
fn order_transition(from: &str, action: &'static str) -> (&'static str, String, &'static str) {
    ("order", from.to_owned(), action)
}

/// A quote of the standard carrier (or another).
fn quote(carrier: &str, service: &str, cost: &str, days: u32, promised: &str) -> RateQuote {
    RateQuote {
        carrier: carrier.to_owned(),
        service: service.to_owned(),
        cost: dec(cost),
        currency: Currency::USD,
        transit_days: days,
        promised_delivery: at(promised),
    }
}

/// Everything of fulfilment a failed use case must leave untouched:
/// fulfilment orders, tracking events, condition readings and bins.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FulfillmentState {
    /// Every order's fulfilment orders (cancelled ones included), by order.
    pub(crate) fulfillments: Vec<(OrderId, Vec<FulfillmentOrder>)>,
    /// Every shipment's tracking events and condition readings, by tracking number.
    pub(crate) tracking: Vec<(String, Vec<TrackingEvent>, Vec<ConditionReading>)>,
    /// The bin of every (SKU, location) that has stock or is ordered.
    pub(crate) bins: Vec<(String, String, Option<String>)>,
}

impl FulfillmentState {
    /// What differs from `other`, described briefly.
    pub(crate) fn differences(&self, other: &FulfillmentState) -> Vec<String> {
        let mut out = Vec::new();
        if self.fulfillments != other.fulfillments {
            let count =
                |s: &FulfillmentState| s.fulfillments.iter().map(|(_, fs)| fs.len()).sum::<usize>();
            out.push(format!("fulfillment orders changed ({} -> {})", count(self), count(other)));
        }
        if self.tracking != other.tracking {
            let count = |s: &FulfillmentState| {
                s.tracking.iter().map(|(_, e, r)| e.len() + r.len()).sum::<usize>()
            };
            out.push(format!(
                "tracking events or condition readings changed ({} -> {})",
                count(self),
                count(other)
            ));
        }
        if self.bins != other.bins {
            out.push("bins changed".to_owned());
        }
        out
    }
}

/// Reads the [`FulfillmentState`] of `orders` (and of every SKU they order
/// or the store has stock of).
pub(crate) fn fulfillment_state<S: Store>(oms: &Oms<S>, orders: &[Order]) -> FulfillmentState {
    let fulfillments: Vec<(OrderId, Vec<FulfillmentOrder>)> = orders
        .iter()
        .map(|o| (o.id, oms.fulfillments(o.id).expect("fulfillment orders")))
        .collect();
    let mut tracking = Vec::new();
    for f in fulfillments.iter().flat_map(|(_, fs)| fs) {
        if let Some(s) = &f.shipment {
            let n = s.tracking_number.clone();
            let events = oms.tracking_events(&n).expect("tracking events");
            let readings = oms.condition_readings(&n).expect("condition readings");
            tracking.push((n, events, readings));
        }
    }
    let mut tx = oms.store().begin(TxMode::Read).expect("read transaction");
    let levels = tx.all_stock_levels().expect("stock levels");
    drop(tx);
    let mut skus: BTreeSet<String> = levels.iter().map(|l| l.sku.clone()).collect();
    skus.extend(orders.iter().flat_map(|o| o.lines.iter().map(|l| l.sku.clone())));
    let locations = oms.locations().expect("locations");
    let mut bins = Vec::new();
    for sku in &skus {
        for location in &locations {
            let bin = oms.bin(sku, &location.code).expect("bin");
            bins.push((sku.clone(), location.code.clone(), bin));
        }
    }
    FulfillmentState { fulfillments, tracking, bins }
}

/// Everything a failed use case must leave untouched.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    orders: Vec<Order>,
    reservations: Vec<Vec<Reservation>>,
    levels: Vec<StockLevel>,
    movements: Vec<StockMovement>,
    fulfillment: FulfillmentState,
    events: Vec<EventRecord>,
}

/// Reads a [`Snapshot`] of the whole store.
fn snapshot<S: Store>(oms: &Oms<S>) -> Snapshot {
    let orders = oms.orders(None, 10_000).expect("orders");
    let reservations =
        orders.iter().map(|o| oms.reservations(o.id).expect("reservations")).collect();
    let mut tx = oms.store().begin(TxMode::Read).expect("read transaction");
    let mut levels = tx.all_stock_levels().expect("stock levels");
    drop(tx);
    levels.sort_by(|a, b| (&a.sku, &a.location).cmp(&(&b.sku, &b.location)));
    let skus: BTreeSet<&str> = levels.iter().map(|l| l.sku.as_str()).collect();
    let mut movements = Vec::new();
    for sku in skus {
        movements.extend(oms.stock_movements(sku, None).expect("movements"));
    }
    let fulfillment = fulfillment_state(oms, &orders);
    Snapshot { orders, reservations, levels, movements, fulfillment, events: all_events(oms) }
}

/// Panics naming what changed when the store differs from `before`.
#[track_caller]
fn assert_unchanged<S: Store>(oms: &Oms<S>, before: &Snapshot, what: &str) {
    let now = snapshot(oms);
    if &now == before {
        return;
    }
    let mut changes = before.fulfillment.differences(&now.fulfillment);
    for (name, same) in [
        ("orders", before.orders == now.orders),
        ("reservations", before.reservations == now.reservations),
        ("stock levels", before.levels == now.levels),
        ("stock ledger", before.movements == now.movements),
    ] {
        if !same {
            changes.push(format!("{name} changed"));
        }
    }
    if before.events != now.events {
        let new: Vec<&str> =
            now.events.iter().skip(before.events.len()).map(|e| e.kind.as_str()).collect();
        changes.push(format!("events changed (new: {})", new.join(", ")));
    }
    panic!("{what}: the store changed despite the error: {}", changes.join("; "));
}

/// The field of a `Validation` error, after checking that nothing changed.
#[track_caller]
fn refused_validation<S: Store, T: Debug>(
    oms: &Oms<S>,
    before: &Snapshot,
    what: &str,
    result: Result<T>,
) -> String {
    let field = expect_validation(result);
    assert_unchanged(oms, before, what);
    field
}

/// `(entity, from, action)` of an `InvalidTransition`, after checking that
/// nothing changed.
#[track_caller]
fn refused_transition<S: Store, T: Debug>(
    oms: &Oms<S>,
    before: &Snapshot,
    what: &str,
    result: Result<T>,
) -> (&'static str, String, &'static str) {
    let got = expect_invalid_transition(result);
    assert_unchanged(oms, before, what);
    got
}

/// `(entity, id)` of a `NotFound`, after checking that nothing changed.
#[track_caller]
fn refused_not_found<S: Store, T: Debug>(
    oms: &Oms<S>,
    before: &Snapshot,
    what: &str,
    result: Result<T>,
) -> (&'static str, String) {
    let got = expect_not_found(result);
    assert_unchanged(oms, before, what);
    got
}

// ---------------------------------------------------------------- fulfil

/// Fulfilling a split order creates one `ready` fulfilment order per
/// location (by location code, lines in line order) for exactly the units
/// reserved there; stock does not move; the order becomes `processing`
/// (`OrderStatusChanged`); `FulfillmentCreated` opens each fulfilment
/// order's stream. Fulfilling again creates nothing and appends nothing.
/// Unknown orders and fulfilment orders are `NotFound`.
pub fn check_fulfil_splits_by_location<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 5), ("SKU-2", "WH-A", 4)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 5), ("SKU-2", 2)])).expect("place");
    let movements = oms.stock_movements("SKU-1", None).expect("ledger").len();
    let from = all_events(&oms).len();

    let created = oms.fulfil(order.id).expect("fulfil");
    assert_eq!(
        shape(&created),
        [
            row("WH-A", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 3), fl(2, "SKU-2", 2)]),
            row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 2)]),
        ]
    );
    assert_ne!(created[0].id, created[1].id);
    for f in &created {
        assert_eq!(f.order_id, order.id);
        assert_eq!((f.held_from, f.reason.as_deref()), (None, None));
        assert!(f.packages.is_empty() && f.shipment.is_none());
        assert_eq!(f.created_at, f.updated_at);
        assert_eq!(oms.fulfillment(f.id).expect("stored fulfillment order"), *f);
    }
    assert_eq!(oms.fulfillments(order.id).expect("fulfillments"), created);
    let after = oms.order(order.id).expect("order");
    assert_eq!(after.status, OrderStatus::Processing);
    assert_eq!(after.version, order.version + 1);

    assert_eq!(level(&oms, "SKU-1", "WH-A"), (3, 3), "fulfilling moves no stock");
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (5, 2));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (4, 2));
    assert_eq!(oms.stock_movements("SKU-1", None).expect("ledger").len(), movements);

    let events = all_events(&oms);
    let new = &events[from..];
    assert_eq!(kinds(new), ["FulfillmentCreated", "FulfillmentCreated", "OrderStatusChanged"]);
    for (record, f) in new.iter().zip(&created) {
        assert_eq!((record.stream.as_str(), record.version), (&*stream::fulfillment(f.id), 1));
        assert_eq!(
            record.event().expect("event"),
            DomainEvent::FulfillmentCreated {
                fulfillment_id: f.id,
                order_id: order.id,
                location: f.location.clone(),
                lines: f.lines.clone(),
                status: FulfillmentStatus::Ready,
            }
        );
    }
    assert_eq!(new[2].stream, stream::order(order.id));
    assert_eq!(
        new[2].event().expect("event"),
        DomainEvent::OrderStatusChanged {
            order_id: order.id,
            from: OrderStatus::Placed,
            to: OrderStatus::Processing
        }
    );

    let before = snapshot(&oms);
    assert!(oms.fulfil(order.id).expect("fulfil again").is_empty(), "nothing left to fulfil");
    assert_unchanged(&oms, &before, "fulfil again");

    let unknown = OrderId::from_u128(42);
    assert_eq!(expect_not_found(oms.fulfil(unknown)), ("order", unknown.to_string()));
    assert_eq!(expect_not_found(oms.fulfillments(unknown)), ("order", unknown.to_string()));
    let nowhere = FulfillmentId::from_u128(42);
    assert_eq!(
        expect_not_found(oms.fulfillment(nowhere)),
        ("fulfillment order", nowhere.to_string())
    );
    assert_unchanged(&oms, &before, "unknown ids");
    finish(&oms);
}

/// `fulfil` is `InvalidTransition` for a held, a cancelled and a fully
/// shipped order, and changes nothing; once released, a held order
/// fulfils. A `processing` order can no longer be held or edited.
pub fn check_fulfil_refuses_orders_it_cannot_fulfil<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let held_order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    oms.hold_order(held_order.id, "fraud review").expect("hold");
    let cancelled = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    oms.cancel_order(cancelled.id, "customer asked").expect("cancel");
    let (shipped, _) = shipped_order(&oms, "SKU-1", 2);
    assert_eq!(status(&oms, shipped), OrderStatus::Shipped);

    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "fulfil a held order", oms.fulfil(held_order.id)),
        order_transition("on_hold", "fulfil")
    );
    assert_eq!(
        refused_transition(&oms, &before, "fulfil a cancelled order", oms.fulfil(cancelled.id)),
        order_transition("cancelled", "fulfil")
    );
    assert_eq!(
        refused_transition(&oms, &before, "fulfil a shipped order", oms.fulfil(shipped)),
        order_transition("shipped", "fulfil")
    );

    oms.release_hold(held_order.id).expect("release");
    let fs = oms.fulfil(held_order.id).expect("fulfil once released");
    assert_eq!(shape(&fs), [row("WH-A", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 1)])]);
    assert_eq!(status(&oms, held_order.id), OrderStatus::Processing);

    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "hold", oms.hold_order(held_order.id, "late review")),
        order_transition("processing", "hold")
    );
    let edit = [OrderEdit::SetQuantity { line_id: 1, quantity: 2 }];
    assert_eq!(
        refused_transition(&oms, &before, "edit", oms.edit_order(held_order.id, &edit)),
        order_transition("processing", "edit")
    );
    finish(&oms);
}

// ---------------------------------------------------------------- bins and pick lists

/// Bins: `set_bin` records (and replaces) a SKU's bin at a location, `bin`
/// reads it (`None` where none is recorded); an unknown location is
/// `NotFound`; an empty, blank, over-long (65 bytes) or control-character
/// bin and a malformed SKU are `Validation`, changing nothing; 64 bytes is
/// accepted.
pub fn check_bins<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 1)]);
    assert_eq!(oms.bin("SKU-1", "WH-A").expect("bin"), None);
    oms.set_bin("SKU-1", "WH-A", "A-01-03").expect("set bin");
    assert_eq!(oms.bin("SKU-1", "WH-A").expect("bin").as_deref(), Some("A-01-03"));
    assert_eq!(oms.bin("SKU-1", "WH-B").expect("bin"), None, "bins are per location");
    assert_eq!(oms.bin("SKU-9", "WH-A").expect("bin"), None, "bins are per SKU");
    oms.set_bin("SKU-1", "WH-A", "B-02").expect("move the SKU");
    assert_eq!(oms.bin("SKU-1", "WH-A").expect("bin").as_deref(), Some("B-02"));
    let longest = "B".repeat(64);
    oms.set_bin("SKU-2", "WH-B", &longest).expect("a 64-byte bin");
    assert_eq!(oms.bin("SKU-2", "WH-B").expect("bin"), Some(longest));

    let before = snapshot(&oms);
    let nowhere = ("location", "WH-404".to_owned());
    assert_eq!(
        refused_not_found(&oms, &before, "set_bin", oms.set_bin("SKU-1", "WH-404", "A")),
        nowhere
    );
    assert_eq!(expect_not_found(oms.bin("SKU-1", "WH-404")), nowhere);
    for (what, sku, bin, field) in [
        ("empty bin", "SKU-1", "", "bin"),
        ("blank bin", "SKU-1", "   ", "bin"),
        ("65-byte bin", "SKU-1", "B".repeat(65).as_str(), "bin"),
        ("bin with NUL", "SKU-1", "A\u{0}1", "bin"),
        ("bin with ESC", "SKU-1", "A\u{1b}1", "bin"),
        ("empty sku", "", "A-1", "sku"),
        ("sku with a space", "SKU 1", "A-1", "sku"),
    ] {
        assert_eq!(
            refused_validation(&oms, &before, what, oms.set_bin(sku, "WH-A", bin)),
            field,
            "{what}"
        );
    }
    assert_eq!(oms.bin("SKU-1", "WH-A").expect("bin").as_deref(), Some("B-02"));
    finish(&oms);
}

/// A pick list batches ready fulfilment orders of one location into one
/// walk: entries by bin (SKUs without a bin last), each SKU's units summed
/// over the fulfilment orders with the split by fulfilment order and line
/// (`sources`), and the units per fulfilment order in the order given
/// (`totals`). The fulfilment orders move to `picking` with a
/// `FulfillmentStatusChanged` naming the pick list; stock does not move.
pub fn check_pick_list_batches_by_bin<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10), ("SKU-3", "WH-A", 10)],
    );
    oms.set_bin("SKU-1", "WH-A", "C-03").expect("bin");
    oms.set_bin("SKU-2", "WH-A", "A-01").expect("bin");
    oms.set_bin("SKU-3", "WH-B", "A-00").expect("a bin at another location");
    let o1 = oms.place_order(&draft(&[("SKU-1", 2), ("SKU-2", 1)])).expect("place");
    let o2 = oms.place_order(&draft(&[("SKU-3", 1), ("SKU-1", 3)])).expect("place");
    let f1 = oms.fulfil(o1.id).expect("fulfil").remove(0);
    let f2 = oms.fulfil(o2.id).expect("fulfil").remove(0);
    let from = all_events(&oms).len();
    let levels_before = oms.stock_levels("SKU-1").expect("levels");

    let list = oms.create_pick_list("WH-A", &[f1.id, f2.id]).expect("pick list");
    assert_eq!(list.location, "WH-A");
    let source = |f: &FulfillmentOrder, line_id: u32, quantity: u32| PickSource {
        fulfillment_id: f.id,
        order_id: f.order_id,
        line_id,
        quantity,
    };
    assert_eq!(
        list.entries,
        [
            PickListEntry {
                bin: Some("A-01".into()),
                sku: "SKU-2".into(),
                quantity: 1,
                sources: vec![source(&f1, 2, 1)],
            },
            PickListEntry {
                bin: Some("C-03".into()),
                sku: "SKU-1".into(),
                quantity: 5,
                sources: vec![source(&f1, 1, 2), source(&f2, 2, 3)],
            },
            PickListEntry {
                bin: None,
                sku: "SKU-3".into(),
                quantity: 1,
                sources: vec![source(&f2, 1, 1)],
            },
        ]
    );
    assert_eq!(
        list.totals,
        [
            PickTotal { fulfillment_id: f1.id, order_id: o1.id, units: 3 },
            PickTotal { fulfillment_id: f2.id, order_id: o2.id, units: 4 },
        ]
    );
    for f in [&f1, &f2] {
        let now = oms.fulfillment(f.id).expect("fulfillment order");
        assert_eq!((now.status, &now.lines), (FulfillmentStatus::Picking, &f.lines));
    }
    let new = events_after(&oms, from);
    let expected: Vec<(String, DomainEvent)> = [&f1, &f2]
        .into_iter()
        .map(|f| {
            (
                stream::fulfillment(f.id),
                DomainEvent::FulfillmentStatusChanged {
                    fulfillment_id: f.id,
                    order_id: f.order_id,
                    action: FulfillmentAction::StartPicking,
                    from: FulfillmentStatus::Ready,
                    to: FulfillmentStatus::Picking,
                    detail: Some(list.id.to_string()),
                },
            )
        })
        .collect();
    assert_eq!(new, expected);
    assert_eq!(oms.stock_levels("SKU-1").expect("levels"), levels_before);
    assert_eq!(status(&oms, o1.id), OrderStatus::Processing);
    finish(&oms);
}

/// A refused pick list changes nothing: no ids, too many ids or one listed
/// twice, and a fulfilment order of another location are `Validation` on
/// `fulfillment_ids` / `fulfillment_ids[i]`; an unknown location or
/// fulfilment order is `NotFound`; one that is not ready (picking, on hold,
/// cancelled) is `InvalidTransition`, and the ready ones listed with it
/// stay ready.
pub fn check_pick_list_errors_change_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 10), ("SKU-4", "WH-B", 10)]);
    let mut ready = Vec::new();
    for _ in 0..5 {
        let o = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
        ready.push(oms.fulfil(o.id).expect("fulfil").remove(0));
    }
    let elsewhere = oms.place_order(&draft(&[("SKU-4", 1)])).expect("place");
    let at_b = oms.fulfil(elsewhere.id).expect("fulfil").remove(0);
    assert_eq!(at_b.location, "WH-B");
    let [a, b, picking, on_hold, cancelled] = [0, 1, 2, 3, 4].map(|i| ready[i].clone());
    oms.create_pick_list("WH-A", &[picking.id]).expect("pick list");
    oms.hold_fulfillment(on_hold.id, "label printer down").expect("hold");
    oms.cancel_fulfillment(cancelled.id, "re-plan").expect("cancel");

    let before = snapshot(&oms);
    let ids = |fs: &[&FulfillmentOrder]| fs.iter().map(|f| f.id).collect::<Vec<_>>();
    for (what, location, list, field) in [
        ("another location", "WH-A", ids(&[&a, &at_b]), "fulfillment_ids[1]"),
        ("no ids", "WH-A", Vec::new(), "fulfillment_ids"),
        ("an id twice", "WH-A", ids(&[&a, &b, &a]), "fulfillment_ids[2]"),
        ("1001 ids", "WH-A", vec![a.id; 1001], "fulfillment_ids"),
    ] {
        assert_eq!(
            refused_validation(&oms, &before, what, oms.create_pick_list(location, &list)),
            field,
            "{what}"
        );
    }
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "unknown location",
            oms.create_pick_list("WH-404", &[a.id])
        ),
        ("location", "WH-404".to_owned())
    );
    let nowhere = FulfillmentId::from_u128(42);
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "unknown fulfillment order",
            oms.create_pick_list("WH-A", &[a.id, nowhere])
        ),
        ("fulfillment order", nowhere.to_string())
    );
    for (what, f, from) in [
        ("picking", &picking, "picking"),
        ("on hold", &on_hold, "on_hold"),
        ("cancelled", &cancelled, "cancelled"),
    ] {
        assert_eq!(
            refused_transition(
                &oms,
                &before,
                what,
                oms.create_pick_list("WH-A", &[a.id, b.id, f.id])
            ),
            fo_transition(from, "start_picking"),
            "{what}"
        );
    }
    for f in [&a, &b] {
        assert_eq!(oms.fulfillment(f.id).expect("fo").status, FulfillmentStatus::Ready);
    }
    finish(&oms);
}

// ---------------------------------------------------------------- picking

/// Confirming a pick in full: `picking` → `picked` with the same lines, a
/// `PickConfirmed` with nothing short, no stock movement, the order still
/// `processing`; confirming again is `InvalidTransition`.
pub fn check_confirm_pick_in_full<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2), ("SKU-2", 1)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    let movements = oms.stock_movements("SKU-1", None).expect("ledger").len();
    let from = all_events(&oms).len();

    let done = oms.confirm_pick(f.id, &[picked(2, 1), picked(1, 2)]).expect("confirm");
    assert_eq!(done.status, FulfillmentStatus::Picked);
    assert_eq!(done.lines, [fl(1, "SKU-1", 2), fl(2, "SKU-2", 1)]);
    assert_eq!(oms.fulfillment(f.id).expect("stored"), done);
    assert_eq!(
        events_after(&oms, from),
        [(
            stream::fulfillment(f.id),
            DomainEvent::PickConfirmed {
                fulfillment_id: f.id,
                order_id: order.id,
                picked: vec![picked(2, 1), picked(1, 2)],
                short: vec![],
            }
        )]
    );
    assert_eq!((level(&oms, "SKU-1", "WH-A"), level(&oms, "SKU-2", "WH-A")), ((10, 2), (10, 1)));
    assert_eq!(oms.stock_movements("SKU-1", None).expect("ledger").len(), movements);
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 2), h(2, "SKU-2", "WH-A", 1)]);
    assert_eq!(status(&oms, order.id), OrderStatus::Processing);

    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "confirm again",
            oms.confirm_pick(f.id, &[picked(1, 2), picked(2, 1)])
        ),
        fo_transition("picked", "confirm_pick")
    );
    finish(&oms);
}

/// A refused pick confirmation changes nothing: an unknown line or one
/// listed twice (`picked[i].line_id`), more units than expected
/// (`picked[i].quantity`), a line left out (`picked`) are `Validation`; a
/// fulfilment order not being picked is `InvalidTransition`; an unknown
/// one is `NotFound`.
pub fn check_confirm_pick_errors_change_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2), ("SKU-2", 1)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "not on a pick list",
            oms.confirm_pick(f.id, &[picked(1, 2), picked(2, 1)])
        ),
        fo_transition("ready", "confirm_pick")
    );
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    let before = snapshot(&oms);
    for (what, lines, field) in [
        ("unknown line", vec![picked(1, 2), picked(9, 1)], "picked[1].line_id"),
        ("line twice", vec![picked(1, 2), picked(2, 1), picked(1, 0)], "picked[2].line_id"),
        ("more than expected", vec![picked(1, 3), picked(2, 1)], "picked[0].quantity"),
        ("line left out", vec![picked(2, 1)], "picked"),
        ("nothing listed", vec![], "picked"),
    ] {
        assert_eq!(
            refused_validation(&oms, &before, what, oms.confirm_pick(f.id, &lines)),
            field,
            "{what}"
        );
    }
    let nowhere = FulfillmentId::from_u128(42);
    assert_eq!(
        refused_not_found(&oms, &before, "unknown", oms.confirm_pick(nowhere, &[picked(1, 1)])),
        ("fulfillment order", nowhere.to_string())
    );
    finish(&oms);
}

/// A short pick with stock elsewhere: the missing units are written off at
/// the picking location through the ledger (`Adjustment`, on hand and
/// reserved down, reason `short pick`, the order as reference), re-reserved
/// at the next location by priority (`StockReserved`) in a new `ready`
/// fulfilment order there; the picked fulfilment order keeps the units
/// picked. Stock levels, reservations and events are exact; both
/// fulfilment orders then ship (`partially_shipped`, then `shipped`).
pub fn check_short_pick_reallocates_elsewhere<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 4), ("SKU-2", "WH-A", 2)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 2)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    assert_eq!(f.lines, [fl(1, "SKU-1", 3), fl(2, "SKU-2", 2)]);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    let from = all_events(&oms).len();

    let done = oms.confirm_pick(f.id, &[picked(1, 1), picked(2, 2)]).expect("short pick");
    assert_eq!(done.status, FulfillmentStatus::Picked);
    assert_eq!(done.lines, [fl(1, "SKU-1", 1), fl(2, "SKU-2", 2)]);
    let all = oms.fulfillments(order.id).expect("fulfillments");
    assert_eq!(
        shape(&all),
        [
            row("WH-A", FulfillmentStatus::Picked, vec![fl(1, "SKU-1", 1), fl(2, "SKU-2", 2)]),
            row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 2)]),
        ]
    );
    let moved = &all[1];
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (1, 1));
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (4, 2));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (2, 2));
    assert_eq!(
        held(&oms, order.id),
        [h(1, "SKU-1", "WH-A", 1), h(1, "SKU-1", "WH-B", 2), h(2, "SKU-2", "WH-A", 2)]
    );
    let reference = order.id.to_string();
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-A"),
        [
            mv(MovementKind::Receipt, 3, 0, None, "PO-1"),
            mv(MovementKind::Reservation, 0, 3, None, &reference),
            mv(MovementKind::Adjustment, -2, -2, Some("short pick"), &reference),
        ]
    );
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-B"),
        [
            mv(MovementKind::Receipt, 4, 0, None, "PO-1"),
            mv(MovementKind::Reservation, 0, 2, None, &reference),
        ]
    );
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::fulfillment(f.id),
                DomainEvent::PickConfirmed {
                    fulfillment_id: f.id,
                    order_id: order.id,
                    picked: vec![picked(1, 1), picked(2, 2)],
                    short: vec![picked(1, 2)],
                }
            ),
            (
                stream::stock("SKU-1", "WH-A"),
                DomainEvent::StockAdjusted {
                    sku: "SKU-1".into(),
                    location: "WH-A".into(),
                    delta: -2,
                    reason: "short pick".into(),
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::StockReserved {
                    order_id: order.id,
                    allocations: vec![alloc(1, "SKU-1", "WH-B", 2)],
                }
            ),
            (
                stream::fulfillment(moved.id),
                DomainEvent::FulfillmentCreated {
                    fulfillment_id: moved.id,
                    order_id: order.id,
                    location: "WH-B".into(),
                    lines: vec![fl(1, "SKU-1", 2)],
                    status: FulfillmentStatus::Ready,
                }
            ),
        ]
    );
    assert_eq!(status(&oms, order.id), OrderStatus::Processing);

    let packed = oms.pack(f.id, &[package("BOX-1", &[(1, 1), (2, 2)])]).expect("pack");
    oms.ship(packed.id, CARRIER, "ground").expect("ship from WH-A");
    assert_eq!(status(&oms, order.id), OrderStatus::PartiallyShipped);
    ship(&oms, moved, "ground");
    assert_eq!(status(&oms, order.id), OrderStatus::Shipped);
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (0, 0));
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (2, 0));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (0, 0));
    finish(&oms);
}

/// A short pick with no stock anywhere else: the units are written off and
/// go into a `pending` fulfilment order at the same location, reserved
/// nowhere (`UnitsUnfulfilled`, then `FulfillmentCreated` with status
/// `pending`), listed by `pending_fulfillments`; the rest ships
/// (`partially_shipped`; fulfilling again finds nothing; a receipt alone
/// reserves nothing). Cancelling one unit of the line cancels its open
/// (pending) fulfilment order and releases nothing; fulfilling puts the
/// unit left into a new pending one; cancelling it makes the order `shipped`.
pub fn check_short_pick_without_stock_leaves_units_pending<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 3), ("SKU-2", "WH-A", 2)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 2)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    let from = all_events(&oms).len();

    let done = oms.confirm_pick(f.id, &[picked(1, 1), picked(2, 2)]).expect("short pick");
    assert_eq!(done.lines, [fl(1, "SKU-1", 1), fl(2, "SKU-2", 2)]);
    let all = oms.fulfillments(order.id).expect("fulfillments");
    assert_eq!(
        shape(&all),
        [
            row("WH-A", FulfillmentStatus::Picked, vec![fl(1, "SKU-1", 1), fl(2, "SKU-2", 2)]),
            row("WH-A", FulfillmentStatus::Pending, vec![fl(1, "SKU-1", 2)]),
        ]
    );
    let pending = all[1].clone();
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (1, 1));
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 1), h(2, "SKU-2", "WH-A", 2)]);
    assert_eq!(
        kinds_after(&oms, from),
        ["PickConfirmed", "StockAdjusted", "UnitsUnfulfilled", "FulfillmentCreated"]
    );
    assert_eq!(
        events_after(&oms, from)[2..],
        [
            (
                stream::order(order.id),
                DomainEvent::UnitsUnfulfilled {
                    order_id: order.id,
                    line_id: 1,
                    sku: "SKU-1".into(),
                    quantity: 2,
                }
            ),
            (
                stream::fulfillment(pending.id),
                DomainEvent::FulfillmentCreated {
                    fulfillment_id: pending.id,
                    order_id: order.id,
                    location: "WH-A".into(),
                    lines: vec![fl(1, "SKU-1", 2)],
                    status: FulfillmentStatus::Pending,
                }
            ),
        ]
    );
    assert_eq!(
        oms.pending_fulfillments(None, 10).expect("pending"),
        std::slice::from_ref(&pending)
    );
    let after_pick = oms.order(order.id).expect("order");
    assert_eq!((after_pick.status, after_pick.lines[0].quantity), (OrderStatus::Processing, 3));

    let packed = oms.pack(f.id, &[package("BOX-1", &[(1, 1), (2, 2)])]).expect("pack");
    oms.ship(packed.id, CARRIER, "ground").expect("ship what was picked");
    assert_eq!(status(&oms, order.id), OrderStatus::PartiallyShipped);
    assert!(oms.fulfil(order.id).expect("fulfil again").is_empty(), "the pending one has them");
    assert_eq!(status(&oms, order.id), OrderStatus::PartiallyShipped);
    oms.receive_stock("SKU-1", "WH-B", 5, "PO-2").expect("receive");
    assert!(held(&oms, order.id).is_empty(), "a receipt alone reserves nothing");
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (5, 0));
    assert_eq!(oms.fulfillment(pending.id).expect("pending").status, FulfillmentStatus::Pending);

    let movements = oms.stock_movements("SKU-1", None).expect("ledger").len();
    let from = all_events(&oms).len();
    let one = [LineCancel { line_id: 1, quantity: Some(1) }];
    let cancelled = oms.cancel_lines(order.id, &one, "out of stock").expect("cancel one unit");
    assert_eq!(
        (cancelled.status, cancelled.lines[0].quantity, cancelled.lines[0].cancelled_quantity),
        (OrderStatus::PartiallyShipped, 2, 1)
    );
    assert_eq!(
        kinds_after(&oms, from),
        ["FulfillmentCancelled", "OrderLinesCancelled"],
        "nothing to release"
    );
    assert_eq!(oms.fulfillment(pending.id).expect("pending").status, FulfillmentStatus::Cancelled);
    assert!(oms.pending_fulfillments(None, 10).expect("pending").is_empty());
    let again = oms.fulfil(order.id).expect("fulfil the unit left");
    assert_eq!(shape(&again), [row("WH-A", FulfillmentStatus::Pending, vec![fl(1, "SKU-1", 1)])]);

    let rest = [LineCancel { line_id: 1, quantity: None }];
    let from = all_events(&oms).len();
    let cancelled = oms.cancel_lines(order.id, &rest, "out of stock").expect("cancel the rest");
    assert_eq!(
        (cancelled.status, cancelled.lines[0].quantity, cancelled.lines[0].cancelled_quantity),
        (OrderStatus::Shipped, 1, 2)
    );
    assert_eq!(cancelled.totals.grand_total, dec("30.00"));
    assert_eq!(
        events_after(&oms, from)[1..],
        [
            (
                stream::order(order.id),
                DomainEvent::OrderLinesCancelled {
                    order_id: order.id,
                    lines: vec![(1, 1)],
                    reason: "out of stock".into(),
                    grand_total: dec("30.00"),
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::OrderStatusChanged {
                    order_id: order.id,
                    from: OrderStatus::PartiallyShipped,
                    to: OrderStatus::Shipped,
                }
            ),
        ]
    );
    assert_eq!(kinds_after(&oms, from)[0], "FulfillmentCancelled");
    assert_eq!(oms.stock_movements("SKU-1", None).expect("ledger").len(), movements);
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "cancel after all shipped",
            oms.cancel_lines(order.id, &rest, "again")
        ),
        order_transition("shipped", "cancel_lines")
    );
    finish(&oms);
}

/// Allocating a pending fulfilment order once stock is back reserves its
/// lines by location priority, as placement does: it becomes `ready` at the
/// location serving its first line and the units reserved elsewhere go into
/// a new `ready` fulfilment order (`StockReserved`, the status change with
/// the location as detail, `FulfillmentCreated`); the ledger records the
/// reservations; it leaves the pending list; the units then ship as usual.
pub fn check_allocate_pending_fulfillment<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2), ("WH-C", 3)],
        &[("SKU-1", "WH-A", 3), ("SKU-2", "WH-A", 2)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 2)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    oms.confirm_pick(f.id, &[picked(1, 1), picked(2, 1)]).expect("short pick");
    let pending = oms.pending_fulfillments(None, 10).expect("pending").remove(0);
    assert_eq!(
        shape(std::slice::from_ref(&pending)),
        [row("WH-A", FulfillmentStatus::Pending, vec![fl(1, "SKU-1", 2), fl(2, "SKU-2", 1)])]
    );

    oms.receive_stock("SKU-1", "WH-B", 1, "PO-2").expect("receive");
    oms.receive_stock("SKU-1", "WH-C", 4, "PO-2").expect("receive");
    oms.receive_stock("SKU-2", "WH-C", 1, "PO-2").expect("receive");
    let from = all_events(&oms).len();
    let allocated = oms.allocate_fulfillment(pending.id).expect("allocate");
    assert_eq!(
        shape(&allocated),
        [
            row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 1)]),
            row("WH-C", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 1), fl(2, "SKU-2", 1)]),
        ]
    );
    assert_eq!(allocated[0].id, pending.id, "the pending one itself becomes ready");
    assert_eq!(oms.fulfillment(pending.id).expect("read"), allocated[0]);
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (1, 1));
    assert_eq!(level(&oms, "SKU-1", "WH-C"), (4, 1));
    assert_eq!(level(&oms, "SKU-2", "WH-C"), (1, 1));
    let reference = order.id.to_string();
    assert_eq!(
        ledger(&oms, "SKU-2", "WH-C"),
        [
            mv(MovementKind::Receipt, 1, 0, None, "PO-2"),
            mv(MovementKind::Reservation, 0, 1, None, &reference),
        ]
    );
    let new = &allocated[1];
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::order(order.id),
                DomainEvent::StockReserved {
                    order_id: order.id,
                    allocations: vec![
                        alloc(1, "SKU-1", "WH-B", 1),
                        alloc(1, "SKU-1", "WH-C", 1),
                        alloc(2, "SKU-2", "WH-C", 1),
                    ],
                }
            ),
            (
                stream::fulfillment(pending.id),
                DomainEvent::FulfillmentStatusChanged {
                    fulfillment_id: pending.id,
                    order_id: order.id,
                    action: FulfillmentAction::Allocate,
                    from: FulfillmentStatus::Pending,
                    to: FulfillmentStatus::Ready,
                    detail: Some("reserved at WH-B".into()),
                }
            ),
            (
                stream::fulfillment(new.id),
                DomainEvent::FulfillmentCreated {
                    fulfillment_id: new.id,
                    order_id: order.id,
                    location: "WH-C".into(),
                    lines: vec![fl(1, "SKU-1", 1), fl(2, "SKU-2", 1)],
                    status: FulfillmentStatus::Ready,
                }
            ),
        ]
    );
    assert!(oms.pending_fulfillments(None, 10).expect("pending").is_empty());
    assert_eq!(status(&oms, order.id), OrderStatus::Processing);
    finish(&oms);

    let packed = oms.pack(f.id, &[package("BOX-1", &[(1, 1), (2, 1)])]).expect("pack");
    oms.ship(packed.id, CARRIER, "ground").expect("ship");
    for f in &allocated {
        ship(&oms, f, "ground");
    }
    assert_eq!(status(&oms, order.id), OrderStatus::Shipped);
    assert_eq!(level(&oms, "SKU-1", "WH-C"), (3, 0));
    finish(&oms);
}

/// Allocation refuses, changing nothing: without enough stock for every
/// line (`InsufficientStock` listing each short line, though one line could
/// be reserved), for a fulfilment order that is not pending, and for an
/// unknown one. A pending fulfilment order cannot be picked or held; it can
/// be cancelled (no stock moves, no reservation changes), and fulfilling
/// the order then puts its units into a new pending one. The pending list
/// pages by id.
pub fn check_allocate_errors_change_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 6), ("SKU-2", "WH-A", 3)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 2)])).expect("place");
    let other = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place another");
    let mut pendings = Vec::new();
    for (id, short) in
        [(order.id, vec![picked(1, 1), picked(2, 1)]), (other.id, vec![picked(1, 2)])]
    {
        let f = oms.fulfil(id).expect("fulfil").remove(0);
        oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
        oms.confirm_pick(f.id, &short).expect("short pick");
        let all = oms.fulfillments(id).expect("fulfillments");
        pendings.push(all.last().expect("a pending one").clone());
    }
    // The first order's short pick wrote off 2 of SKU-1 and 1 of SKU-2; the
    // second's 1 more of SKU-1. One unit of SKU-2 comes back, none of SKU-1.
    oms.receive_stock("SKU-2", "WH-B", 1, "PO-2").expect("receive");
    let listed = oms.pending_fulfillments(None, 10).expect("pending");
    assert_eq!(listed, pendings);
    assert_eq!(oms.pending_fulfillments(Some(pendings[0].id), 10).expect("page"), pendings[1..]);
    assert_eq!(oms.pending_fulfillments(None, 1).expect("page"), pendings[..1]);

    let before = snapshot(&oms);
    let (sku, requested, available, shortages) =
        expect_insufficient(oms.allocate_fulfillment(pendings[0].id));
    assert_unchanged(&oms, &before, "allocate without stock");
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 2, 0));
    assert_eq!(shortages.len(), 1, "SKU-2 could be reserved: {shortages:?}");

    let ready = oms.fulfillments(order.id).expect("fulfillments").remove(0);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "allocate a picked one",
            oms.allocate_fulfillment(ready.id)
        ),
        fo_transition("picked", "allocate")
    );
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "pick a pending one",
            oms.create_pick_list("WH-A", &[pendings[0].id])
        ),
        fo_transition("pending", "start_picking")
    );
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "hold a pending one",
            oms.hold_fulfillment(pendings[0].id, "wait")
        ),
        fo_transition("pending", "hold")
    );
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "allocate an unknown one",
            oms.allocate_fulfillment(FulfillmentId::from(u128::MAX))
        ),
        ("fulfillment order", FulfillmentId::from(u128::MAX).to_string())
    );

    let levels = before.levels.clone();
    let reservations = before.reservations.clone();
    let cancelled = oms.cancel_fulfillment(pendings[0].id, "re-plan").expect("cancel pending");
    assert_eq!(cancelled.status, FulfillmentStatus::Cancelled);
    let after = snapshot(&oms);
    assert_eq!((after.levels, after.reservations), (levels, reservations), "nothing reserved");
    assert_eq!(oms.pending_fulfillments(None, 10).expect("pending"), pendings[1..]);
    let again = oms.fulfil(order.id).expect("fulfil again");
    assert_eq!(
        shape(&again),
        [row("WH-A", FulfillmentStatus::Pending, vec![fl(1, "SKU-1", 2), fl(2, "SKU-2", 1)])]
    );
    assert!(oms.fulfil(order.id).expect("and again").is_empty());
    finish(&oms);
}

/// Nothing picked: the fulfilment order is cancelled (no lines left,
/// reason `short pick: nothing picked`, `FulfillmentCancelled`). With stock
/// elsewhere the units move there in a new fulfilment order; with none they
/// go into a `pending` one (the order stays `processing`), and cancelling
/// them cancels it and the order.
pub fn check_nothing_picked_cancels_the_fulfillment<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 2), ("SKU-1", "WH-B", 5), ("SKU-3", "WH-A", 1)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    let from = all_events(&oms).len();
    let done = oms.confirm_pick(f.id, &[picked(1, 0)]).expect("nothing picked");
    assert_eq!(done.status, FulfillmentStatus::Cancelled);
    assert!(done.lines.is_empty(), "no units left: {:?}", done.lines);
    assert_eq!(done.reason.as_deref(), Some("short pick: nothing picked"));
    assert_eq!(
        kinds_after(&oms, from),
        [
            "PickConfirmed",
            "FulfillmentCancelled",
            "StockAdjusted",
            "StockReserved",
            "FulfillmentCreated"
        ]
    );
    let all = oms.fulfillments(order.id).expect("fulfillments");
    assert_eq!(
        shape(&all),
        [
            row("WH-A", FulfillmentStatus::Cancelled, vec![]),
            row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 2)]),
        ]
    );
    assert_eq!((level(&oms, "SKU-1", "WH-A"), level(&oms, "SKU-1", "WH-B")), ((0, 0), (5, 2)));
    assert_eq!(status(&oms, order.id), OrderStatus::Processing);

    let lonely = oms.place_order(&draft(&[("SKU-3", 1)])).expect("place");
    let f = oms.fulfil(lonely.id).expect("fulfil").remove(0);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    let from = all_events(&oms).len();
    oms.confirm_pick(f.id, &[picked(1, 0)]).expect("nothing picked");
    assert_eq!(
        kinds_after(&oms, from),
        [
            "PickConfirmed",
            "FulfillmentCancelled",
            "StockAdjusted",
            "UnitsUnfulfilled",
            "FulfillmentCreated"
        ]
    );
    let all = oms.fulfillments(lonely.id).expect("fulfillments");
    assert_eq!(
        shape(&all),
        [
            row("WH-A", FulfillmentStatus::Cancelled, vec![]),
            row("WH-A", FulfillmentStatus::Pending, vec![fl(1, "SKU-3", 1)]),
        ]
    );
    assert_eq!(status(&oms, lonely.id), OrderStatus::Processing, "the pending one is open");
    assert!(held(&oms, lonely.id).is_empty());
    assert_eq!(level(&oms, "SKU-3", "WH-A"), (0, 0));
    let from = all_events(&oms).len();
    let all_units = [LineCancel { line_id: 1, quantity: None }];
    let gone = oms.cancel_lines(lonely.id, &all_units, "out of stock").expect("cancel");
    assert_eq!(gone.status, OrderStatus::Cancelled);
    assert_eq!(
        kinds_after(&oms, from),
        ["FulfillmentCancelled", "OrderLinesCancelled", "OrderCancelled"]
    );
    finish(&oms);
}

// ---------------------------------------------------------------- packing

/// Packing: `picked` → `packed` with the packages stored as given (a line
/// may be split across packages), `FulfillmentPacked`, no stock movement;
/// packing again is `InvalidTransition`. The JSON form of a package (size
/// flattened into it) deserializes to the same package. Quotes are priced
/// on the billable weight of all packages together.
pub fn check_pack<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 1)])).expect("place");
    let f = pick(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0));
    let big = Package {
        id: "BOX-1".into(),
        parcel: Parcel {
            weight_kg: dec("1.5"),
            length_cm: dec("30"),
            width_cm: dec("20"),
            height_cm: dec("10"),
        },
        lines: vec![PackageLine { line_id: 1, quantity: 2 }],
    };
    let json = r#"{"id": "BOX-1", "weight_kg": "1.5", "length_cm": "30", "width_cm": "20",
                   "height_cm": "10", "lines": [{"line_id": 1, "quantity": 2}]}"#;
    assert_eq!(serde_json::from_str::<Package>(json).expect("package JSON"), big);
    let small = Package {
        id: "ENV-2".into(),
        parcel: parcel("0.5"),
        lines: vec![
            PackageLine { line_id: 2, quantity: 1 },
            PackageLine { line_id: 1, quantity: 1 },
        ],
    };
    let from = all_events(&oms).len();
    let packed = oms.pack(f.id, &[big.clone(), small.clone()]).expect("pack");
    assert_eq!(packed.status, FulfillmentStatus::Packed);
    assert_eq!(packed.packages, [big.clone(), small.clone()]);
    assert_eq!(packed.lines, f.lines);
    assert_eq!(oms.fulfillment(f.id).expect("stored"), packed);
    assert_eq!(
        events_after(&oms, from),
        [(
            stream::fulfillment(f.id),
            DomainEvent::FulfillmentPacked {
                fulfillment_id: f.id,
                order_id: order.id,
                packages: vec![big, small],
            }
        )]
    );
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (10, 3));
    assert_eq!(status(&oms, order.id), OrderStatus::Processing);

    // 1.5 kg (30 × 20 × 10 cm bills 1.2) + 0.6 kg (20 × 15 × 10 cm bills 0.6 over 0.5) = 2.1 kg.
    assert_eq!(
        oms.quote_shipment(f.id).expect("quotes"),
        [
            quote(CARRIER, "ground", "8.50", 5, "2026-01-08T23:59:59Z"),
            quote(CARRIER, "express", "17.00", 1, "2026-01-02T23:59:59Z"),
        ]
    );
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "pack again", oms.pack(f.id, &[whole(&f)])),
        fo_transition("packed", "pack")
    );
    finish(&oms);
}

/// A refused packing changes nothing, each a `Validation` naming the field:
/// no packages; a weight or dimension not above zero or above 1,000; a
/// package id empty, repeated, too long or with control characters; an
/// empty package; a line of another order or of another fulfilment order
/// of the same order; a zero quantity; units missing or packed twice
/// (`packages`). A fulfilment order not picked is `InvalidTransition`, an
/// unknown one `NotFound`.
pub fn check_pack_errors_change_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10), ("SKU-3", "WH-B", 10)],
    );
    let other = oms
        .place_order(&draft(&[("SKU-2", 1), ("SKU-2", 1), ("SKU-2", 1), ("SKU-1", 1)]))
        .expect("place");
    assert_eq!(other.lines[3].id, 4);
    let order =
        oms.place_order(&draft(&[("SKU-1", 2), ("SKU-2", 1), ("SKU-3", 1)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    assert_eq!(shape(&fs)[1], row("WH-B", FulfillmentStatus::Ready, vec![fl(3, "SKU-3", 1)]));
    let f = pick(&oms, &fs[0]);
    let ready = &fs[1];

    let good = || vec![package("BOX-1", &[(1, 2), (2, 1)])];
    let with = |change: &dyn Fn(&mut Vec<Package>)| {
        let mut p = good();
        change(&mut p);
        p
    };
    let second = package("BOX-2", &[(2, 1)]);
    let split = vec![package("BOX-1", &[(1, 2)]), second.clone()];
    let cases: Vec<(&str, Vec<Package>, &str)> = vec![
        ("no packages", vec![], "packages"),
        ("negative weight", with(&|p| p[0].parcel.weight_kg = dec("-1")), "packages[0].weight_kg"),
        ("zero weight", with(&|p| p[0].parcel.weight_kg = dec("0")), "packages[0].weight_kg"),
        (
            "weight 1000.01 kg",
            with(&|p| p[0].parcel.weight_kg = dec("1000.01")),
            "packages[0].weight_kg",
        ),
        (
            "zero length in the second package",
            {
                let mut p = split.clone();
                p[1].parcel.length_cm = dec("0");
                p
            },
            "packages[1].length_cm",
        ),
        ("width 1001 cm", with(&|p| p[0].parcel.width_cm = dec("1001")), "packages[0].width_cm"),
        (
            "negative height",
            with(&|p| p[0].parcel.height_cm = dec("-0.1")),
            "packages[0].height_cm",
        ),
        (
            "duplicate package id",
            {
                let mut p = split.clone();
                p[1].id = "BOX-1".into();
                p
            },
            "packages[1].id",
        ),
        ("empty package id", with(&|p| p[0].id = String::new()), "packages[0].id"),
        ("blank package id", with(&|p| p[0].id = "  ".into()), "packages[0].id"),
        ("package id with a newline", with(&|p| p[0].id = "BOX\n1".into()), "packages[0].id"),
        ("package id of 201 chars", with(&|p| p[0].id = "x".repeat(201)), "packages[0].id"),
        (
            "empty package",
            vec![package("BOX-1", &[(1, 2), (2, 1)]), package("BOX-2", &[])],
            "packages[1].lines",
        ),
        (
            "line of another order",
            vec![package("BOX-1", &[(1, 2), (4, 1), (2, 1)])],
            "packages[0].lines[1].line_id",
        ),
        (
            "line of the order's other fulfilment order",
            vec![package("BOX-1", &[(1, 2), (2, 1), (3, 1)])],
            "packages[0].lines[2].line_id",
        ),
        (
            "zero units",
            vec![package("BOX-1", &[(1, 0), (1, 2), (2, 1)])],
            "packages[0].lines[0].quantity",
        ),
        ("a unit missing", vec![package("BOX-1", &[(1, 1), (2, 1)])], "packages"),
        ("a line missing", vec![package("BOX-1", &[(1, 2)])], "packages"),
        (
            "a unit packed twice",
            vec![package("BOX-1", &[(1, 2), (2, 1)]), package("BOX-2", &[(1, 1)])],
            "packages",
        ),
    ];
    let before = snapshot(&oms);
    for (what, packages, field) in cases {
        assert_eq!(
            refused_validation(&oms, &before, what, oms.pack(f.id, &packages)),
            field,
            "{what}"
        );
    }
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "not picked",
            oms.pack(ready.id, &[package("BOX-1", &[(3, 1)])])
        ),
        fo_transition("ready", "pack")
    );
    let nowhere = FulfillmentId::from_u128(42);
    assert_eq!(
        refused_not_found(&oms, &before, "unknown", oms.pack(nowhere, &good())),
        ("fulfillment order", nowhere.to_string())
    );
    assert_eq!(oms.pack(f.id, &split).expect("a valid packing").status, FulfillmentStatus::Packed);
    finish(&oms);
}

// ---------------------------------------------------------------- shipping

/// Shipping by carrier and service: the fulfilment order becomes `shipped`
/// with the label's tracking number, cost, currency and promised delivery,
/// the carrier's other quotes kept as `rejected_quotes`; on hand and
/// reserved both go down at its location through `Shipment` movements
/// referenced by the tracking number; its reservation is `committed`; the
/// order becomes `partially_shipped`, then `shipped` with the second
/// fulfilment order. Shipping again is `InvalidTransition`.
pub fn check_ship_by_carrier_and_service<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    assert_eq!(oms.carriers(), [CARRIER]);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 4)]);
    let order = oms.place_order(&draft(&[("SKU-1", 5)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    let (fa, fb) = (prepare(&oms, &fs[0]), &fs[1]);
    let ground = quote(CARRIER, "ground", "5.00", 5, "2026-01-08T23:59:59Z");
    let express = quote(CARRIER, "express", "10.00", 1, "2026-01-02T23:59:59Z");
    assert_eq!(oms.quote_shipment(fa.id).expect("quotes"), [ground.clone(), express.clone()]);
    let from = all_events(&oms).len();

    let shipped = oms.ship(fa.id, CARRIER, "express").expect("ship by express");
    assert_eq!(shipped.status, FulfillmentStatus::Shipped);
    let s = shipped.shipment.clone().expect("a shipment");
    let tn = s.tracking_number.clone();
    assert!(tn.starts_with("TR") && tn.len() == 28, "a table-rate tracking number: {tn}");
    assert_eq!(s.label_reference, format!("label-{tn}"));
    assert_eq!(
        (s.carrier.as_str(), s.service.as_str(), s.cost, s.currency),
        (CARRIER, "express", dec("10.00"), Currency::USD)
    );
    assert_eq!(s.promised_delivery, express_promise());
    assert_eq!(s.rejected_quotes, std::slice::from_ref(&ground));
    assert_eq!(s.shipped_at, shipped.updated_at);
    assert_eq!((s.last_status_at, s.delivered_at, &s.proof), (None, None, &None));
    assert_eq!((s.thresholds, s.delay_notified), (ConditionThresholds::default(), false));
    assert_eq!(shipped.packages, fa.packages);
    assert_eq!(oms.fulfillment(fa.id).expect("stored"), shipped);
    assert!(oms.tracking_events(&tn).expect("tracking events").is_empty());

    assert_eq!(status(&oms, order.id), OrderStatus::PartiallyShipped);
    assert_eq!((level(&oms, "SKU-1", "WH-A"), level(&oms, "SKU-1", "WH-B")), ((0, 0), (4, 2)));
    let reservations = oms.reservations(order.id).expect("reservations");
    let by_location: Vec<(&str, ReservationStatus, i64)> =
        reservations.iter().map(|r| (r.location.as_str(), r.status, r.quantity)).collect();
    assert!(by_location.contains(&("WH-A", ReservationStatus::Committed, 0)), "{by_location:?}");
    assert!(by_location.contains(&("WH-B", ReservationStatus::Active, 2)), "{by_location:?}");
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-A").last(),
        Some(&mv(MovementKind::Shipment, -3, -3, None, &tn))
    );
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::stock("SKU-1", "WH-A"),
                DomainEvent::StockShipped {
                    sku: "SKU-1".into(),
                    location: "WH-A".into(),
                    quantity: 3,
                    reference: tn.clone(),
                }
            ),
            (
                stream::fulfillment(fa.id),
                DomainEvent::FulfillmentShipped {
                    fulfillment_id: fa.id,
                    order_id: order.id,
                    carrier: CARRIER.into(),
                    service: "express".into(),
                    tracking_number: tn.clone(),
                    cost: dec("10.00"),
                    promised_delivery: express_promise(),
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::OrderStatusChanged {
                    order_id: order.id,
                    from: OrderStatus::Processing,
                    to: OrderStatus::PartiallyShipped,
                }
            ),
        ]
    );

    let second = ship(&oms, fb, "ground");
    let s2 = second.shipment.clone().expect("a shipment");
    assert_ne!(s2.tracking_number, tn, "tracking numbers are unique");
    assert_eq!(
        (s2.service.as_str(), s2.cost, s2.promised_delivery),
        ("ground", dec("5.00"), ground_promise())
    );
    assert_eq!(s2.rejected_quotes, [express]);
    assert_eq!(status(&oms, order.id), OrderStatus::Shipped);
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (2, 0));
    assert!(oms
        .reservations(order.id)
        .expect("reservations")
        .iter()
        .all(|r| r.status == ReservationStatus::Committed && r.quantity == 0));
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-B").last(),
        Some(&mv(MovementKind::Shipment, -2, -2, None, &s2.tracking_number))
    );

    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "ship again", oms.ship(fa.id, CARRIER, "ground")),
        fo_transition("shipped", "ship")
    );
    finish(&oms);
}

/// A refused shipment changes nothing: a fulfilment order not packed
/// (`InvalidTransition`), an unknown carrier (`NotFound` carrier), an
/// unknown service (`NotFound` carrier service), an order without a
/// shipping address (`Validation` on `ship_to`, also for quotes and rate
/// shopping), a rate-shopping rule no quote meets or a negative budget
/// (`Validation` on `deliver_by` / `budget`), an unknown fulfilment order.
pub fn check_ship_errors_change_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    let ready = oms.fulfil(order.id).expect("fulfil").remove(0);
    let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    let picked_fo = pick(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0));
    let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    let packed = prepare(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0));
    let mut nowhere_draft: OrderDraft = draft(&[("SKU-1", 1)]);
    nowhere_draft.ship_to = None;
    let homeless = oms.place_order(&nowhere_draft).expect("place without an address");
    let homeless = prepare(&oms, &oms.fulfil(homeless.id).expect("fulfil").remove(0));

    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "ship a picked one",
            oms.ship(picked_fo.id, CARRIER, "ground")
        ),
        fo_transition("picked", "ship")
    );
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "ship a ready one",
            oms.ship(ready.id, CARRIER, "ground")
        ),
        fo_transition("ready", "ship")
    );
    let cheapest = RateShopping::Cheapest { deliver_by: None };
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "rate-shop a picked one",
            oms.ship_with(picked_fo.id, &cheapest)
        ),
        fo_transition("picked", "ship")
    );
    assert_eq!(
        refused_transition(&oms, &before, "quote a picked one", oms.quote_shipment(picked_fo.id)),
        fo_transition("picked", "ship")
    );
    assert_eq!(
        refused_not_found(&oms, &before, "unknown carrier", oms.ship(packed.id, "ups", "ground")),
        ("carrier", "ups".to_owned())
    );
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "unknown service",
            oms.ship(packed.id, CARRIER, "overnight")
        ),
        ("carrier service", format!("{CARRIER}/overnight"))
    );
    assert_eq!(
        refused_validation(&oms, &before, "no address", oms.ship(homeless.id, CARRIER, "ground")),
        "ship_to"
    );
    assert_eq!(
        refused_validation(&oms, &before, "no address", oms.ship_with(homeless.id, &cheapest)),
        "ship_to"
    );
    assert_eq!(
        refused_validation(&oms, &before, "no address", oms.quote_shipment(homeless.id)),
        "ship_to"
    );
    let too_soon = RateShopping::Cheapest { deliver_by: Some(at("2026-01-01T12:00:00Z")) };
    assert_eq!(
        refused_validation(&oms, &before, "too soon", oms.ship_with(packed.id, &too_soon)),
        "deliver_by"
    );
    let too_cheap = RateShopping::Fastest { budget: Some(dec("4.99")) };
    assert_eq!(
        refused_validation(&oms, &before, "too cheap", oms.ship_with(packed.id, &too_cheap)),
        "budget"
    );
    let negative = RateShopping::Fastest { budget: Some(dec("-1")) };
    assert_eq!(
        refused_validation(&oms, &before, "negative budget", oms.ship_with(packed.id, &negative)),
        "budget"
    );
    let nowhere = FulfillmentId::from_u128(42);
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "unknown fulfillment order",
            oms.ship(nowhere, CARRIER, "ground")
        ),
        ("fulfillment order", nowhere.to_string())
    );
    assert_eq!(
        oms.ship(packed.id, CARRIER, "ground").expect("a valid shipment").status,
        FulfillmentStatus::Shipped
    );
    finish(&oms);
}

/// A shipment too heavy for every service (80 kg; the standard carrier
/// quotes up to 70 kg): shipping it by a service that exists is the
/// `Validation` `Oms::ship` documents ("the service cannot carry it"), rate
/// shopping finds no quote (`Validation` on `carrier`), and nothing changes.
pub fn check_ship_refuses_a_service_that_cannot_carry<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    let f = pick(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0));
    let mut heavy = whole(&f);
    heavy.parcel.weight_kg = dec("80");
    let f = oms.pack(f.id, &[heavy]).expect("pack");
    assert!(oms.quote_shipment(f.id).expect("quotes").is_empty(), "nothing carries 80 kg");
    let before = snapshot(&oms);
    let cheapest = RateShopping::Cheapest { deliver_by: None };
    assert_eq!(
        refused_validation(&oms, &before, "rate-shop 80 kg", oms.ship_with(f.id, &cheapest)),
        "carrier"
    );
    // Regression check: `ship` used to answer `NotFound { entity: "carrier
    // service" }` here, looking the service up among the carrier's quotes
    // only (which leave out the services that cannot carry the shipment).
    match oms.ship(f.id, CARRIER, "ground") {
        Err(Error::Validation { field, .. }) => assert_eq!(field, "service"),
        other => panic!("shipping 80 kg by ground: expected Validation on service, got {other:?}"),
    }
    assert_unchanged(&oms, &before, "ship 80 kg by ground");
    finish(&oms);
}

/// Rate shopping across two carriers: `cheapest` (with and without a
/// delivery deadline) and `fastest` (with and without a budget) pick the
/// documented quote; the losing quotes are kept in `rejected_quotes` in the
/// rule's order; the rules' JSON form deserializes; `quote_shipment` lists
/// every carrier's quotes cheapest first.
pub fn check_rate_shopping<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    let budget_post = TableRateCarrier::builder("budget-post", Currency::USD)
        .service("economy", 7)
        .service("priority", 2)
        .zone("home", &["US"])
        .rate("economy", "home", dec("70"), dec("3.00"))
        .rate("priority", "home", dec("70"), dec("7.00"))
        .ids(Arc::new(SequentialIds::starting_at(2 << 40)))
        .build()
        .expect("a valid carrier");
    oms.register_carrier(Arc::new(budget_post));
    assert_eq!(oms.carriers(), ["budget-post", CARRIER]);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let mut fs = Vec::new();
    for _ in 0..4 {
        let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
        fs.push(prepare(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0)));
    }
    let economy = quote("budget-post", "economy", "3.00", 7, "2026-01-12T23:59:59Z");
    let ground = quote(CARRIER, "ground", "5.00", 5, "2026-01-08T23:59:59Z");
    let priority = quote("budget-post", "priority", "7.00", 2, "2026-01-05T23:59:59Z");
    let express = quote(CARRIER, "express", "10.00", 1, "2026-01-02T23:59:59Z");
    assert_eq!(
        oms.quote_shipment(fs[0].id).expect("quotes"),
        [economy.clone(), ground.clone(), priority.clone(), express.clone()]
    );

    let cheapest: RateShopping =
        serde_json::from_str(r#"{"rule":"cheapest","deliver_by":null}"#).expect("rule JSON");
    assert_eq!(cheapest, RateShopping::Cheapest { deliver_by: None });
    let by_friday: RateShopping =
        serde_json::from_str(r#"{"rule":"cheapest","deliver_by":"2026-01-09T00:00:00Z"}"#)
            .expect("rule JSON");
    assert_eq!(by_friday, RateShopping::Cheapest { deliver_by: Some(at("2026-01-09T00:00:00Z")) });
    let within: RateShopping =
        serde_json::from_str(r#"{"rule":"fastest","budget":"8.00"}"#).expect("rule JSON");
    assert_eq!(within, RateShopping::Fastest { budget: Some(dec("8.00")) });
    let fastest = RateShopping::Fastest { budget: None };

    let cases = [
        (&cheapest, &economy, vec![ground.clone(), priority.clone(), express.clone()]),
        (&by_friday, &ground, vec![economy.clone(), priority.clone(), express.clone()]),
        (&within, &priority, vec![express.clone(), ground.clone(), economy.clone()]),
        (&fastest, &express, vec![priority.clone(), ground.clone(), economy.clone()]),
    ];
    let mut numbers = BTreeSet::new();
    for (f, (rule, chosen, rejected)) in fs.iter().zip(cases) {
        let from = all_events(&oms).len();
        let shipped = oms.ship_with(f.id, rule).expect("ship by rate shopping");
        let s = shipped.shipment.expect("a shipment");
        assert_eq!(
            (s.carrier.as_str(), s.service.as_str(), s.cost, s.promised_delivery),
            (
                chosen.carrier.as_str(),
                chosen.service.as_str(),
                chosen.cost,
                chosen.promised_delivery
            ),
            "{rule:?}"
        );
        assert_eq!(s.rejected_quotes, rejected, "{rule:?}");
        assert!(numbers.insert(s.tracking_number.clone()), "tracking numbers are unique");
        let shipped_event = events_after(&oms, from)
            .into_iter()
            .find(|(_, e)| e.kind() == "FulfillmentShipped")
            .expect("FulfillmentShipped");
        assert_eq!(
            shipped_event.1,
            DomainEvent::FulfillmentShipped {
                fulfillment_id: f.id,
                order_id: f.order_id,
                carrier: chosen.carrier.clone(),
                service: chosen.service.clone(),
                tracking_number: s.tracking_number,
                cost: chosen.cost,
                promised_delivery: chosen.promised_delivery,
            }
        );
    }
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (6, 0));
    finish(&oms);
}

// ---------------------------------------------------------------- tracking

/// Tracking events are idempotent by (tracking number, carrier event id):
/// the first `in_transit` moves the fulfilment order (`applied`, a
/// `FulfillmentStatusChanged` with the carrier event id as detail, stored
/// with its location and description); the same id again, even with other
/// content, is `recorded: false` and changes nothing at all, the event log
/// length included.
pub fn check_tracking_is_idempotent<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    let mut u = update("evt-1", TrackingEventKind::InTransit, "2026-01-02T08:00:00Z");
    u.location = Some("Memphis hub".into());
    u.description = Some("Departed facility".into());
    let from = all_events(&oms).len();

    let out = oms.record_tracking_event(&tn, &u).expect("record");
    assert_eq!(
        (out.recorded, out.applied, out.fulfillment.status),
        (true, true, FulfillmentStatus::InTransit)
    );
    let s = out.fulfillment.shipment.clone().expect("shipment");
    assert_eq!(s.last_status_at, Some(at("2026-01-02T08:00:00Z")));
    assert_eq!(oms.fulfillment(f.id).expect("stored"), out.fulfillment);
    let stored = oms.tracking_events(&tn).expect("tracking events");
    assert_eq!(stored.len(), 1);
    assert_eq!(
        (stored[0].tracking_number.as_str(), &stored[0].update, stored[0].applied),
        (tn.as_str(), &u, true)
    );
    assert_eq!(
        events_after(&oms, from),
        [(
            stream::fulfillment(f.id),
            DomainEvent::FulfillmentStatusChanged {
                fulfillment_id: f.id,
                order_id: order,
                action: FulfillmentAction::Transit,
                from: FulfillmentStatus::Shipped,
                to: FulfillmentStatus::InTransit,
                detail: Some("evt-1".into()),
            }
        )]
    );

    let before = snapshot(&oms);
    let events = all_events(&oms).len();
    let again = oms.record_tracking_event(&tn, &u).expect("record again");
    assert_eq!((again.recorded, again.applied), (false, false));
    assert_eq!(again.fulfillment, out.fulfillment);
    let mut other = update("evt-1", TrackingEventKind::Delivered, "2026-01-03T08:00:00Z");
    other.proof = Some(DeliveryProof { signed_by: Some("Ada".into()), ..DeliveryProof::default() });
    let same_id = oms.record_tracking_event(&tn, &other).expect("same id, other content");
    assert_eq!(
        (same_id.recorded, same_id.applied, same_id.fulfillment.status),
        (false, false, FulfillmentStatus::InTransit)
    );
    assert_eq!(all_events(&oms).len(), events, "a duplicate appends no event");
    assert_unchanged(&oms, &before, "duplicate tracking events");
    assert_eq!(status(&oms, order), OrderStatus::Shipped);
    finish(&oms);
}

/// Out-of-order tracking events are kept in the history (`recorded`,
/// `applied: false`) but never move the state backwards: an event older
/// than the last one applied, or one the state machine does not allow from
/// the current state (anything after `delivered`, `label_created`), changes
/// nothing; the history lists every event in arrival order.
pub fn check_tracking_never_goes_backwards<S: Store>(factory: Factory<'_, S>) {
    use FulfillmentStatus::{Delivered, OutForDelivery};
    use TrackingEventKind as K;
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    let steps = [
        ("e1", K::OutForDelivery, "2026-01-03T09:00:00Z", true, OutForDelivery),
        ("e2", K::InTransit, "2026-01-02T12:00:00Z", false, OutForDelivery),
        ("e3", K::PickedUp, "2026-01-01T18:00:00Z", false, OutForDelivery),
        ("e4", K::DeliveryFailed, "2026-01-03T08:00:00Z", false, OutForDelivery),
        ("e0", K::LabelCreated, "2026-01-03T10:00:00Z", false, OutForDelivery),
        ("e5", K::Delivered, "2026-01-03T15:00:00Z", true, Delivered),
        ("e6", K::OutForDelivery, "2026-01-04T09:00:00Z", false, Delivered),
        ("e7", K::DeliveryFailed, "2026-01-04T10:00:00Z", false, Delivered),
        ("e8", K::ReturnedToSender, "2026-01-05T10:00:00Z", false, Delivered),
    ];
    for (id, kind, when, applied, after) in steps {
        assert_eq!(track(&oms, &tn, &update(id, kind, when)), (true, applied, after), "{id}");
    }
    let now = oms.fulfillment(f.id).expect("fulfillment order");
    let s = now.shipment.expect("shipment");
    assert_eq!(s.last_status_at, Some(at("2026-01-03T15:00:00Z")));
    assert_eq!(s.delivered_at, Some(at("2026-01-03T15:00:00Z")));
    let history: Vec<(String, bool)> = oms
        .tracking_events(&tn)
        .expect("history")
        .into_iter()
        .map(|e| (e.update.carrier_event_id, e.applied))
        .collect();
    let expected: Vec<(String, bool)> =
        steps.iter().map(|(id, _, _, applied, _)| ((*id).to_owned(), *applied)).collect();
    assert_eq!(history, expected);
    assert_eq!(status(&oms, order), OrderStatus::Delivered);
    finish(&oms);
}

/// A failed delivery attempt and a retry: `in_transit` → `out_for_delivery`
/// → `delivery_failed` → `out_for_delivery` → `delivered` (with proof,
/// `FulfillmentDelivered`), and the order becomes `delivered`.
pub fn check_failed_delivery_then_delivered<S: Store>(factory: Factory<'_, S>) {
    use FulfillmentStatus as F;
    use TrackingEventKind as K;
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    for (id, kind, when, after) in [
        ("t1", K::InTransit, "2026-01-02T08:00:00Z", F::InTransit),
        ("t2", K::OutForDelivery, "2026-01-03T07:00:00Z", F::OutForDelivery),
        ("t3", K::DeliveryFailed, "2026-01-03T16:00:00Z", F::DeliveryFailed),
        ("t4", K::OutForDelivery, "2026-01-05T07:00:00Z", F::OutForDelivery),
    ] {
        assert_eq!(track(&oms, &tn, &update(id, kind, when)), (true, true, after), "{id}");
    }
    let failed = events_after(&oms, 0)
        .into_iter()
        .filter_map(|(_, e)| match e {
            DomainEvent::FulfillmentStatusChanged {
                action: FulfillmentAction::FailDelivery,
                from,
                to,
                detail,
                ..
            } => Some((from, to, detail)),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert_eq!(failed, [(F::OutForDelivery, F::DeliveryFailed, Some("t3".to_owned()))]);
    let proof = DeliveryProof {
        signed_by: Some("A. Lovelace".into()),
        photo_reference: None,
        location: Some("front porch".into()),
    };
    let mut done = update("t5", K::Delivered, "2026-01-05T11:30:00Z");
    done.proof = Some(proof.clone());
    let from = all_events(&oms).len();
    assert_eq!(track(&oms, &tn, &done), (true, true, F::Delivered));
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::fulfillment(f.id),
                DomainEvent::FulfillmentDelivered {
                    fulfillment_id: f.id,
                    order_id: order,
                    tracking_number: tn.clone(),
                    delivered_at: at("2026-01-05T11:30:00Z"),
                    proof: Some(proof.clone()),
                }
            ),
            (
                stream::order(order),
                DomainEvent::OrderStatusChanged {
                    order_id: order,
                    from: OrderStatus::Shipped,
                    to: OrderStatus::Delivered
                }
            ),
        ]
    );
    let s = oms.fulfillment(f.id).expect("fo").shipment.expect("shipment");
    assert_eq!((s.delivered_at, s.proof), (Some(at("2026-01-05T11:30:00Z")), Some(proof)));
    assert_eq!(status(&oms, order), OrderStatus::Delivered);
    finish(&oms);
}

/// Returned to sender: from `delivery_failed` and from `in_transit` a
/// `returned_to_sender` event ends the shipment there (a later `delivered`
/// does not apply); straight from `shipped` it is not a transition and is
/// only recorded. The order stays `shipped`: nothing was delivered.
pub fn check_returned_to_sender<S: Store>(factory: Factory<'_, S>) {
    use FulfillmentStatus as F;
    use TrackingEventKind as K;
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    for (id, kind, when, applied, after) in [
        ("r1", K::InTransit, "2026-01-02T08:00:00Z", true, F::InTransit),
        ("r2", K::OutForDelivery, "2026-01-03T08:00:00Z", true, F::OutForDelivery),
        ("r3", K::DeliveryFailed, "2026-01-03T17:00:00Z", true, F::DeliveryFailed),
        ("r4", K::ReturnedToSender, "2026-01-06T09:00:00Z", true, F::ReturnedToSender),
        ("r5", K::Delivered, "2026-01-07T09:00:00Z", false, F::ReturnedToSender),
    ] {
        assert_eq!(track(&oms, &tn, &update(id, kind, when)), (true, applied, after), "{id}");
    }
    assert_eq!(status(&oms, order), OrderStatus::Shipped);

    let (second, g) = shipped_order(&oms, "SKU-1", 1);
    let tn2 = tracking(&g);
    assert_eq!(
        track(&oms, &tn2, &update("x1", K::ReturnedToSender, "2026-01-02T08:00:00Z")),
        (true, false, F::Shipped),
        "shipped → returned_to_sender is not a transition"
    );
    assert_eq!(
        track(&oms, &tn2, &update("x2", K::PickedUp, "2026-01-02T09:00:00Z")),
        (true, true, F::InTransit)
    );
    assert_eq!(
        track(&oms, &tn2, &update("x3", K::ReturnedToSender, "2026-01-04T09:00:00Z")),
        (true, true, F::ReturnedToSender)
    );
    let returns: Vec<(F, F)> = events_after(&oms, 0)
        .into_iter()
        .filter_map(|(_, e)| match e {
            DomainEvent::FulfillmentStatusChanged {
                action: FulfillmentAction::ReturnToSender,
                from,
                to,
                ..
            } => Some((from, to)),
            _ => None,
        })
        .collect();
    assert_eq!(
        returns,
        [(F::DeliveryFailed, F::ReturnedToSender), (F::InTransit, F::ReturnedToSender)]
    );
    assert_eq!(status(&oms, second), OrderStatus::Shipped);
    finish(&oms);
}

/// A carrier `exception` is recorded, changes no state and raises a
/// `ShipmentException` with the carrier's description (or `carrier
/// exception`) and time; a duplicate raises nothing.
pub fn check_tracking_exception<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    let mut crushed = update("x-1", TrackingEventKind::Exception, "2026-01-02T10:00:00Z");
    crushed.description = Some("box crushed".into());
    let from = all_events(&oms).len();
    assert_eq!(track(&oms, &tn, &crushed), (true, false, FulfillmentStatus::Shipped));
    let bare = update("x-2", TrackingEventKind::Exception, "2026-01-02T11:00:00Z");
    assert_eq!(track(&oms, &tn, &bare), (true, false, FulfillmentStatus::Shipped));
    assert_eq!(track(&oms, &tn, &crushed), (false, false, FulfillmentStatus::Shipped));
    let exception = |reason: &str, when: &str| {
        (
            stream::fulfillment(f.id),
            DomainEvent::ShipmentException {
                fulfillment_id: f.id,
                order_id: order,
                tracking_number: tn.clone(),
                reason: reason.to_owned(),
                occurred_at: at(when),
            },
        )
    };
    assert_eq!(
        events_after(&oms, from),
        [
            exception("box crushed", "2026-01-02T10:00:00Z"),
            exception("carrier exception", "2026-01-02T11:00:00Z")
        ]
    );
    assert_eq!(oms.tracking_events(&tn).expect("history").len(), 2);
    assert_eq!(oms.fulfillment(f.id).expect("fo").shipment.expect("s").last_status_at, None);
    finish(&oms);
}

/// An unknown tracking number is `NotFound` (entity `shipment`) for every
/// use case that takes one; an empty one or one with control characters is
/// `Validation` on `tracking_number`; nothing changes.
pub fn check_unknown_tracking_number<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    shipped_order(&oms, "SKU-1", 1);
    let before = snapshot(&oms);
    let tn = "TR00000000000000000000000000";
    let u = update("e-1", TrackingEventKind::InTransit, "2026-01-02T08:00:00Z");
    let when = at("2026-01-02T08:00:00Z");
    let reading = ConditionReading {
        kind: ConditionKind::Temperature,
        value: dec("4"),
        at: when,
        sensor: None,
    };
    let unknown = ("shipment", tn.to_owned());
    assert_eq!(
        refused_not_found(&oms, &before, "record", oms.record_tracking_event(tn, &u)),
        unknown
    );
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "confirm",
            oms.confirm_delivery(tn, &DeliveryProof::default(), when)
        ),
        unknown
    );
    assert_eq!(refused_not_found(&oms, &before, "history", oms.tracking_events(tn)), unknown);
    assert_eq!(
        refused_not_found(
            &oms,
            &before,
            "thresholds",
            oms.set_condition_thresholds(tn, &ConditionThresholds::default())
        ),
        unknown
    );
    assert_eq!(
        refused_not_found(&oms, &before, "reading", oms.record_condition_reading(tn, &reading)),
        unknown
    );
    assert_eq!(refused_not_found(&oms, &before, "readings", oms.condition_readings(tn)), unknown);
    for bad in ["", "   ", "TR\n1", "TR\u{0}1"] {
        assert_eq!(
            refused_validation(
                &oms,
                &before,
                "bad tracking number",
                oms.record_tracking_event(bad, &u)
            ),
            "tracking_number",
            "{bad:?}"
        );
        assert_eq!(
            refused_validation(&oms, &before, "bad tracking number", oms.tracking_events(bad)),
            "tracking_number"
        );
    }
    finish(&oms);
}

/// `confirm_delivery` records a `delivered` event under the carrier event
/// id `delivery-confirmation` with the proof: the fulfilment order and the
/// order are `delivered`, the time and proof stored, `FulfillmentDelivered`
/// carries them; confirming again changes nothing.
pub fn check_confirm_delivery<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    track(&oms, &tn, &update("t1", TrackingEventKind::InTransit, "2026-01-02T08:00:00Z"));
    let proof = DeliveryProof {
        signed_by: Some("A. Lovelace".into()),
        photo_reference: Some("photo-77".into()),
        location: Some("front porch".into()),
    };
    let when = at("2026-01-03T14:15:16.123456Z");
    let from = all_events(&oms).len();
    let out = oms.confirm_delivery(&tn, &proof, when).expect("confirm delivery");
    assert_eq!(
        (out.recorded, out.applied, out.fulfillment.status),
        (true, true, FulfillmentStatus::Delivered)
    );
    let s = out.fulfillment.shipment.clone().expect("shipment");
    assert_eq!((s.delivered_at, s.proof.as_ref()), (Some(when), Some(&proof)));
    assert_eq!(oms.fulfillment(f.id).expect("stored"), out.fulfillment);
    let history = oms.tracking_events(&tn).expect("history");
    let last = history.last().expect("an event");
    assert_eq!(last.update.carrier_event_id, DELIVERY_CONFIRMATION_EVENT_ID);
    assert_eq!(
        (last.update.kind, last.update.occurred_at, last.update.proof.as_ref(), last.applied),
        (TrackingEventKind::Delivered, when, Some(&proof), true)
    );
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::fulfillment(f.id),
                DomainEvent::FulfillmentDelivered {
                    fulfillment_id: f.id,
                    order_id: order,
                    tracking_number: tn.clone(),
                    delivered_at: when,
                    proof: Some(proof.clone()),
                }
            ),
            (
                stream::order(order),
                DomainEvent::OrderStatusChanged {
                    order_id: order,
                    from: OrderStatus::Shipped,
                    to: OrderStatus::Delivered
                }
            ),
        ]
    );
    let before = snapshot(&oms);
    let other =
        DeliveryProof { signed_by: Some("someone else".into()), ..DeliveryProof::default() };
    let again =
        oms.confirm_delivery(&tn, &other, at("2026-01-04T00:00:00Z")).expect("confirm again");
    assert_eq!((again.recorded, again.applied), (false, false));
    assert_unchanged(&oms, &before, "confirm again");
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "201-char signature",
            oms.confirm_delivery(
                &tn,
                &DeliveryProof { signed_by: Some("x".repeat(201)), ..DeliveryProof::default() },
                when
            )
        ),
        "proof.signed_by"
    );
    let mut with_proof = update("p-1", TrackingEventKind::InTransit, "2026-01-04T00:00:00Z");
    with_proof.proof = Some(proof);
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "proof on a non-delivery",
            oms.record_tracking_event(&tn, &with_proof)
        ),
        "proof"
    );
    finish(&oms);
}

/// An order is `delivered` only when every fulfilment order of it is: with
/// two shipped fulfilment orders it stays `shipped` after the first
/// delivery; with one of two shipped it stays `partially_shipped`.
pub fn check_order_delivered_when_every_fulfillment_is<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 2), ("SKU-1", "WH-B", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    assert_eq!(fs.len(), 2);
    let shipped: Vec<FulfillmentOrder> = fs.iter().map(|f| ship(&oms, f, "ground")).collect();
    assert_eq!(status(&oms, order.id), OrderStatus::Shipped);
    let deliver = |f: &FulfillmentOrder, when: &str| {
        oms.confirm_delivery(&tracking(f), &DeliveryProof::default(), at(when)).expect("deliver")
    };
    deliver(&shipped[0], "2026-01-05T10:00:00Z");
    assert_eq!(status(&oms, order.id), OrderStatus::Shipped, "one of two delivered");
    deliver(&shipped[1], "2026-01-06T10:00:00Z");
    assert_eq!(status(&oms, order.id), OrderStatus::Delivered);
    let changes: Vec<(OrderStatus, OrderStatus)> = events_after(&oms, 0)
        .into_iter()
        .filter_map(|(_, e)| match e {
            DomainEvent::OrderStatusChanged { order_id, from, to } if order_id == order.id => {
                Some((from, to))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        changes,
        [
            (OrderStatus::Placed, OrderStatus::Processing),
            (OrderStatus::Processing, OrderStatus::PartiallyShipped),
            (OrderStatus::PartiallyShipped, OrderStatus::Shipped),
            (OrderStatus::Shipped, OrderStatus::Delivered),
        ]
    );

    // Two lines of one SKU, both from WH-B: one fulfilment order.
    let partly = oms.place_order(&draft(&[("SKU-1", 2), ("SKU-1", 7)])).expect("place");
    let fs = oms.fulfil(partly.id).expect("fulfil");
    assert_eq!(fs.len(), 1);
    let shipped_fo = ship(&oms, &fs[0], "ground");
    assert_eq!(status(&oms, partly.id), OrderStatus::Shipped);
    deliver(&shipped_fo, "2026-01-05T10:00:00Z");
    assert_eq!(status(&oms, partly.id), OrderStatus::Delivered);

    oms.receive_stock("SKU-1", "WH-A", 2, "PO-2").expect("receive");
    oms.receive_stock("SKU-1", "WH-B", 5, "PO-2").expect("receive");
    let third = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place");
    let fs = oms.fulfil(third.id).expect("fulfil");
    assert_eq!(fs.len(), 2);
    let first = ship(&oms, &fs[0], "ground");
    deliver(&first, "2026-01-05T10:00:00Z");
    assert_eq!(
        status(&oms, third.id),
        OrderStatus::PartiallyShipped,
        "one delivered, one not shipped"
    );
    finish(&oms);
}

/// Condition readings: within the thresholds (bounds included) a reading
/// returns `None`; outside them it returns the breach and raises a
/// `ShipmentException` with that reason at the reading's time; without
/// thresholds nothing is a breach. Readings are listed in the order
/// recorded. Thresholds with the maximum below the minimum, a negative
/// maximum shock, a negative shock reading or a sensor name with control
/// characters are `Validation`, changing nothing.
pub fn check_condition_readings<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let (order, f) = shipped_order(&oms, "SKU-1", 1);
    let tn = tracking(&f);
    let reading = |kind, value: &str, when: &str| ConditionReading {
        kind,
        value: dec(value),
        at: at(when),
        sensor: Some("probe-1".into()),
    };
    use ConditionKind::{Shock, Temperature};
    let first = reading(Temperature, "30", "2026-01-01T12:00:00Z");
    assert_eq!(
        oms.record_condition_reading(&tn, &first).expect("reading"),
        None,
        "no thresholds, no breach"
    );

    let thresholds = ConditionThresholds {
        min_temperature_c: Some(dec("2")),
        max_temperature_c: Some(dec("8")),
        max_shock_g: Some(dec("5")),
    };
    let set = oms.set_condition_thresholds(&tn, &thresholds).expect("set thresholds");
    assert_eq!(set.shipment.as_ref().expect("shipment").thresholds, thresholds);
    assert_eq!(oms.fulfillment(f.id).expect("stored"), set);

    let from = all_events(&oms).len();
    let cases = [
        (reading(Temperature, "5.0", "2026-01-01T13:00:00Z"), None),
        (
            reading(Temperature, "9.5", "2026-01-01T14:00:00Z"),
            Some("temperature 9.5 °C above 8 °C"),
        ),
        (
            reading(Temperature, "1.5", "2026-01-01T15:00:00Z"),
            Some("temperature 1.5 °C below 2 °C"),
        ),
        (reading(Shock, "6", "2026-01-01T16:00:00Z"), Some("shock 6 g above 5 g")),
        (reading(Shock, "5", "2026-01-01T17:00:00Z"), None),
        (reading(Temperature, "8", "2026-01-01T18:00:00Z"), None),
        (reading(Temperature, "2", "2026-01-01T19:00:00Z"), None),
    ];
    for (r, breach) in &cases {
        assert_eq!(
            oms.record_condition_reading(&tn, r).expect("reading").as_deref(),
            *breach,
            "{:?} {}",
            r.kind,
            r.value
        );
    }
    let expected: Vec<(String, DomainEvent)> = cases
        .iter()
        .filter_map(|(r, breach)| {
            breach.map(|reason| {
                (
                    stream::fulfillment(f.id),
                    DomainEvent::ShipmentException {
                        fulfillment_id: f.id,
                        order_id: order,
                        tracking_number: tn.clone(),
                        reason: reason.to_owned(),
                        occurred_at: r.at,
                    },
                )
            })
        })
        .collect();
    assert_eq!(events_after(&oms, from), expected);
    let mut all = vec![first];
    all.extend(cases.iter().map(|(r, _)| r.clone()));
    assert_eq!(oms.condition_readings(&tn).expect("readings"), all);
    assert_eq!(
        oms.fulfillment(f.id).expect("fo").status,
        FulfillmentStatus::Shipped,
        "readings change no state"
    );

    let before = snapshot(&oms);
    let upside_down = ConditionThresholds {
        min_temperature_c: Some(dec("2")),
        max_temperature_c: Some(dec("1")),
        max_shock_g: None,
    };
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "max below min",
            oms.set_condition_thresholds(&tn, &upside_down)
        ),
        "max_temperature_c"
    );
    let negative =
        ConditionThresholds { max_shock_g: Some(dec("-1")), ..ConditionThresholds::default() };
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "negative shock limit",
            oms.set_condition_thresholds(&tn, &negative)
        ),
        "max_shock_g"
    );
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "negative shock",
            oms.record_condition_reading(&tn, &reading(Shock, "-1", "2026-01-02T00:00:00Z"))
        ),
        "value"
    );
    let mut bad_sensor = reading(Temperature, "4", "2026-01-02T00:00:00Z");
    bad_sensor.sensor = Some("probe\u{7}".into());
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "sensor with BEL",
            oms.record_condition_reading(&tn, &bad_sensor)
        ),
        "sensor"
    );
    finish(&oms);
}

/// Late shipments: `check_delivery_promises` marks each shipment past its
/// promised delivery and not delivered once (`delay_notified`,
/// `ShipmentDelayed`), returns it, and returns nothing for it again; a
/// shipment exactly at its promise is not late; delivered ones are never
/// marked.
pub fn check_delivery_promises<S: Store>(factory: Factory<'_, S>) {
    let (oms, clock) = engine_with_clock(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let mut shipped = Vec::new();
    for service in ["express", "ground", "express"] {
        let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
        shipped.push(ship(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0), service));
    }
    let [late, ground, delivered] = [0, 1, 2].map(|i| shipped[i].clone());
    oms.confirm_delivery(
        &tracking(&delivered),
        &DeliveryProof::default(),
        at("2026-01-02T10:00:00Z"),
    )
    .expect("deliver");
    track(
        &oms,
        &tracking(&late),
        &update("l1", TrackingEventKind::InTransit, "2026-01-02T08:00:00Z"),
    );

    let from = all_events(&oms).len();
    assert!(oms.check_delivery_promises().expect("check").is_empty(), "nothing is late yet");
    clock.set(express_promise());
    assert!(oms.check_delivery_promises().expect("check").is_empty(), "at the promise is not late");
    assert_eq!(all_events(&oms).len(), from);

    clock.set(at("2026-01-03T00:00:00Z"));
    let marked = oms.check_delivery_promises().expect("check");
    assert_eq!(marked.iter().map(|f| f.id).collect::<Vec<_>>(), [late.id]);
    let s = marked[0].shipment.as_ref().expect("shipment");
    assert!(s.delay_notified);
    assert_eq!(
        (marked[0].status, s.promised_delivery),
        (FulfillmentStatus::InTransit, express_promise())
    );
    assert_eq!(oms.fulfillment(late.id).expect("stored"), marked[0]);
    assert_eq!(
        events_after(&oms, from),
        [(
            stream::fulfillment(late.id),
            DomainEvent::ShipmentDelayed {
                fulfillment_id: late.id,
                order_id: late.order_id,
                tracking_number: tracking(&late),
                promised_delivery: express_promise(),
            }
        )]
    );
    let before = snapshot(&oms);
    assert!(oms.check_delivery_promises().expect("check again").is_empty(), "marked once");
    assert_unchanged(&oms, &before, "a second check");

    clock.set(at("2026-01-09T00:00:00Z"));
    let marked = oms.check_delivery_promises().expect("check");
    assert_eq!(marked.iter().map(|f| f.id).collect::<Vec<_>>(), [ground.id]);
    assert!(oms.check_delivery_promises().expect("check").is_empty());
    assert!(!oms.fulfillment(delivered.id).expect("fo").shipment.expect("s").delay_notified);
    finish(&oms);
}

// ---------------------------------------------------------------- holds and cancellation

/// Holds on fulfilment orders: from `ready`, `picking`, `picked` and
/// `packed` a hold records the reason and the state it interrupted, and a
/// release returns there (each a `FulfillmentStatusChanged`); a held one
/// cannot be picked or shipped; a shipped one cannot be held; a release of
/// one not on hold, a hold of one on hold, an empty reason are refused
/// without change; a held one can be cancelled.
pub fn check_fulfillment_holds<S: Store>(factory: Factory<'_, S>) {
    use FulfillmentStatus as F;
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);

    let hold_and_release = |from: F| {
        let events = all_events(&oms).len();
        let held_fo = oms.hold_fulfillment(f.id, "address check").expect("hold");
        assert_eq!(
            (held_fo.status, held_fo.held_from, held_fo.reason.as_deref()),
            (F::OnHold, Some(from), Some("address check"))
        );
        assert_eq!(status(&oms, order.id), OrderStatus::Processing);
        let before = snapshot(&oms);
        assert_eq!(
            refused_transition(&oms, &before, "hold twice", oms.hold_fulfillment(f.id, "again")),
            fo_transition("on_hold", "hold")
        );
        let back = oms.release_fulfillment(f.id).expect("release");
        assert_eq!((back.status, back.held_from, back.reason), (from, None, None));
        let changes: Vec<(FulfillmentAction, F, F, Option<String>)> = events_after(&oms, events)
            .into_iter()
            .filter_map(|(_, e)| match e {
                DomainEvent::FulfillmentStatusChanged { action, from, to, detail, .. } => {
                    Some((action, from, to, detail))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            changes,
            [
                (FulfillmentAction::Hold, from, F::OnHold, Some("address check".to_owned())),
                (FulfillmentAction::Release, F::OnHold, from, None),
            ]
        );
    };

    hold_and_release(F::Ready);
    oms.hold_fulfillment(f.id, "address check").expect("hold");
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "pick a held one", oms.create_pick_list("WH-A", &[f.id])),
        fo_transition("on_hold", "start_picking")
    );
    oms.release_fulfillment(f.id).expect("release");
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "release one not held", oms.release_fulfillment(f.id)),
        fo_transition("ready", "release")
    );
    assert_eq!(
        refused_validation(&oms, &before, "empty reason", oms.hold_fulfillment(f.id, "")),
        "reason"
    );
    let nowhere = FulfillmentId::from_u128(42);
    assert_eq!(
        refused_not_found(&oms, &before, "unknown", oms.hold_fulfillment(nowhere, "x")),
        ("fulfillment order", nowhere.to_string())
    );
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    hold_and_release(F::Picking);
    oms.confirm_pick(f.id, &[picked(1, 2)]).expect("confirm");
    hold_and_release(F::Picked);
    oms.pack(f.id, &[whole(&f)]).expect("pack");
    hold_and_release(F::Packed);
    oms.hold_fulfillment(f.id, "address check").expect("hold");
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "ship a held one", oms.ship(f.id, CARRIER, "ground")),
        fo_transition("on_hold", "ship")
    );
    oms.release_fulfillment(f.id).expect("release");
    oms.ship(f.id, CARRIER, "ground").expect("ship");
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "hold a shipped one",
            oms.hold_fulfillment(f.id, "too late")
        ),
        fo_transition("shipped", "hold")
    );

    let other = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    let g = oms.fulfil(other.id).expect("fulfil").remove(0);
    oms.hold_fulfillment(g.id, "wait").expect("hold");
    let cancelled = oms.cancel_fulfillment(g.id, "not needed").expect("cancel a held one");
    assert_eq!(
        (cancelled.status, cancelled.held_from, cancelled.reason.as_deref()),
        (F::Cancelled, None, Some("not needed"))
    );
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "hold a cancelled one", oms.hold_fulfillment(g.id, "x")),
        fo_transition("cancelled", "hold")
    );
    finish(&oms);
}

/// Cancelling a fulfilment order before shipment (here once picked): it is
/// `cancelled` with the reason (`FulfillmentCancelled`); its units stay
/// reserved where they were, stock and ledger untouched (picked units go
/// back to their bin); the order falls back to `placed` when no other
/// fulfilment order is open, and a new `fulfil` re-creates the units. A
/// cancelled or shipped fulfilment order cannot be cancelled; an empty
/// reason is `Validation`. With another fulfilment order open the order
/// stays `processing`.
pub fn check_cancel_fulfillment_before_shipment<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-B", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    let f = pick(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0));
    let movements = oms.stock_movements("SKU-1", None).expect("ledger").len();
    let before = snapshot(&oms);
    assert_eq!(
        refused_validation(&oms, &before, "empty reason", oms.cancel_fulfillment(f.id, " ")),
        "reason"
    );
    let from = all_events(&oms).len();

    let cancelled = oms.cancel_fulfillment(f.id, "customer changed address").expect("cancel");
    assert_eq!(
        (cancelled.status, cancelled.reason.as_deref(), &cancelled.lines),
        (FulfillmentStatus::Cancelled, Some("customer changed address"), &f.lines)
    );
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 2)], "the units stay reserved");
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (10, 2));
    assert_eq!(oms.stock_movements("SKU-1", None).expect("ledger").len(), movements);
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::fulfillment(f.id),
                DomainEvent::FulfillmentCancelled {
                    fulfillment_id: f.id,
                    order_id: order.id,
                    reason: "customer changed address".into(),
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::OrderStatusChanged {
                    order_id: order.id,
                    from: OrderStatus::Processing,
                    to: OrderStatus::Placed
                }
            ),
        ]
    );
    assert_eq!(status(&oms, order.id), OrderStatus::Placed);

    let again = oms.fulfil(order.id).expect("fulfil again");
    assert_eq!(shape(&again), [row("WH-A", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 2)])]);
    assert_ne!(again[0].id, f.id);
    assert_eq!(status(&oms, order.id), OrderStatus::Processing);
    let all = oms.fulfillments(order.id).expect("fulfillments");
    assert_eq!(
        all.iter().map(|f| (f.id, f.status)).collect::<Vec<_>>(),
        [(f.id, FulfillmentStatus::Cancelled), (again[0].id, FulfillmentStatus::Ready)]
    );

    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "cancel twice", oms.cancel_fulfillment(f.id, "again")),
        fo_transition("cancelled", "cancel")
    );
    let shipped = ship(&oms, &again[0], "ground");
    track(
        &oms,
        &tracking(&shipped),
        &update("t1", TrackingEventKind::InTransit, "2026-01-02T08:00:00Z"),
    );
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "cancel after shipment",
            oms.cancel_fulfillment(shipped.id, "too late")
        ),
        fo_transition("in_transit", "cancel")
    );

    let split = oms.place_order(&draft(&[("SKU-1", 1), ("SKU-2", 1)])).expect("place");
    let fs = oms.fulfil(split.id).expect("fulfil");
    assert_eq!(fs.len(), 2);
    let from = all_events(&oms).len();
    oms.cancel_fulfillment(fs[1].id, "re-plan").expect("cancel one of two");
    assert_eq!(kinds_after(&oms, from), ["FulfillmentCancelled"], "the order stays processing");
    assert_eq!(status(&oms, split.id), OrderStatus::Processing);
    finish(&oms);
}

/// Cancelling a fulfilment order at a location that no longer takes
/// reservations moves each line's reservation to an active location when it
/// fits there in full (`Release` and `Reservation` movements,
/// `StockReleased` naming the inactive location, `StockReserved`); a line
/// that fits nowhere stays reserved where it was.
pub fn check_cancel_fulfillment_at_inactive_location<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 5), ("SKU-1", "WH-B", 5), ("SKU-2", "WH-A", 2), ("SKU-2", "WH-B", 1)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 2), ("SKU-2", 2)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    assert_eq!(f.location, "WH-A");
    oms.set_location_active("WH-A", false).expect("deactivate");
    let from = all_events(&oms).len();
    oms.cancel_fulfillment(f.id, "site closing").expect("cancel");
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-B", 2), h(2, "SKU-2", "WH-A", 2)]);
    assert_eq!((level(&oms, "SKU-1", "WH-A"), level(&oms, "SKU-1", "WH-B")), ((5, 0), (5, 2)));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (2, 2), "SKU-2 does not fit at WH-B in full");
    let reference = order.id.to_string();
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-A").last(),
        Some(&mv(MovementKind::Release, 0, -2, Some("site closing"), &reference))
    );
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-B").last(),
        Some(&mv(MovementKind::Reservation, 0, 2, None, &reference))
    );
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::fulfillment(f.id),
                DomainEvent::FulfillmentCancelled {
                    fulfillment_id: f.id,
                    order_id: order.id,
                    reason: "site closing".into()
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::StockReleased {
                    order_id: order.id,
                    allocations: vec![alloc(1, "SKU-1", "WH-A", 2)],
                    reason: "location WH-A is inactive".into(),
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::StockReserved {
                    order_id: order.id,
                    allocations: vec![alloc(1, "SKU-1", "WH-B", 2)]
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::OrderStatusChanged {
                    order_id: order.id,
                    from: OrderStatus::Processing,
                    to: OrderStatus::Placed
                }
            ),
        ]
    );
    let again = oms.fulfil(order.id).expect("fulfil again");
    assert_eq!(
        shape(&again),
        [
            row("WH-A", FulfillmentStatus::Ready, vec![fl(2, "SKU-2", 2)]),
            row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 2)]),
        ]
    );
    finish(&oms);
}

/// Cancelling an order with open fulfilment orders (one ready, one picked)
/// cancels them (`FulfillmentCancelled` each) and releases every
/// reservation (`Release` movements, `StockReleased`); on hand does not
/// change; the order cannot be fulfilled afterwards.
pub fn check_cancel_order_cancels_open_fulfillments<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 4)]);
    let order = oms.place_order(&draft(&[("SKU-1", 5)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    pick(&oms, &fs[0]);
    let from = all_events(&oms).len();
    let cancelled = oms.cancel_order(order.id, "customer asked").expect("cancel");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let all = oms.fulfillments(order.id).expect("fulfillments");
    assert!(
        all.iter().all(|f| f.status == FulfillmentStatus::Cancelled
            && f.reason.as_deref() == Some("customer asked")),
        "{all:?}"
    );
    assert!(held(&oms, order.id).is_empty());
    assert_eq!((level(&oms, "SKU-1", "WH-A"), level(&oms, "SKU-1", "WH-B")), ((3, 0), (4, 0)));
    let reference = order.id.to_string();
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-A").last(),
        Some(&mv(MovementKind::Release, 0, -3, Some("customer asked"), &reference))
    );
    assert_eq!(
        ledger(&oms, "SKU-1", "WH-B").last(),
        Some(&mv(MovementKind::Release, 0, -2, Some("customer asked"), &reference))
    );
    assert_eq!(
        kinds_after(&oms, from),
        ["FulfillmentCancelled", "FulfillmentCancelled", "StockReleased", "OrderCancelled"]
    );
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "fulfil a cancelled order", oms.fulfil(order.id)),
        order_transition("cancelled", "fulfil")
    );
    finish(&oms);
}

/// An order with shipped units cannot be cancelled as a whole
/// (`InvalidTransition` from `partially_shipped` and `shipped`), and the
/// refusal changes nothing.
pub fn check_cancel_order_with_shipped_units<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 4)]);
    let order = oms.place_order(&draft(&[("SKU-1", 5)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    ship(&oms, &fs[0], "ground");
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(
            &oms,
            &before,
            "cancel partly shipped",
            oms.cancel_order(order.id, "too late")
        ),
        order_transition("partially_shipped", "cancel")
    );
    ship(&oms, &fs[1], "ground");
    let before = snapshot(&oms);
    assert_eq!(
        refused_transition(&oms, &before, "cancel shipped", oms.cancel_order(order.id, "too late")),
        order_transition("shipped", "cancel")
    );
    finish(&oms);
}

/// `cancel_lines` on a partly shipped order cancels only unshipped units:
/// more than remain unshipped is `Validation` on `lines[0].quantity`, a line
/// with nothing unshipped `Validation` on `lines[0].line_id`; a valid
/// cancellation cancels the open fulfilment orders holding the line,
/// releases the units (least preferred location first) and keeps the rest
/// reserved for a new `fulfil`; cancelling the last unshipped unit makes
/// the order `shipped`.
pub fn check_cancel_lines_cancels_only_unshipped_units<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 4), ("SKU-2", "WH-A", 2)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 5), ("SKU-2", 2)])).expect("place");
    let fs = oms.fulfil(order.id).expect("fulfil");
    assert_eq!(
        shape(&fs),
        [
            row("WH-A", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 3), fl(2, "SKU-2", 2)]),
            row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 2)]),
        ]
    );
    ship(&oms, &fs[0], "ground");
    assert_eq!(status(&oms, order.id), OrderStatus::PartiallyShipped);

    let before = snapshot(&oms);
    let cancel = |line_id, quantity| [LineCancel { line_id, quantity }];
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "more than unshipped",
            oms.cancel_lines(order.id, &cancel(1, Some(3)), "x")
        ),
        "lines[0].quantity"
    );
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "all shipped",
            oms.cancel_lines(order.id, &cancel(2, None), "x")
        ),
        "lines[0].line_id"
    );
    assert_eq!(
        refused_validation(
            &oms,
            &before,
            "shipped units",
            oms.cancel_lines(order.id, &cancel(2, Some(1)), "x")
        ),
        "lines[0].quantity"
    );

    let from = all_events(&oms).len();
    let after =
        oms.cancel_lines(order.id, &cancel(1, Some(1)), "customer asked").expect("cancel one unit");
    assert_eq!(
        (after.status, after.lines[0].quantity, after.lines[0].cancelled_quantity),
        (OrderStatus::PartiallyShipped, 4, 1)
    );
    assert_eq!(oms.fulfillment(fs[1].id).expect("fo").status, FulfillmentStatus::Cancelled);
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-B", 1)]);
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (4, 1));
    assert_eq!(
        events_after(&oms, from),
        [
            (
                stream::fulfillment(fs[1].id),
                DomainEvent::FulfillmentCancelled {
                    fulfillment_id: fs[1].id,
                    order_id: order.id,
                    reason: "customer asked".into()
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::StockReleased {
                    order_id: order.id,
                    allocations: vec![alloc(1, "SKU-1", "WH-B", 1)],
                    reason: "customer asked".into(),
                }
            ),
            (
                stream::order(order.id),
                DomainEvent::OrderLinesCancelled {
                    order_id: order.id,
                    lines: vec![(1, 1)],
                    reason: "customer asked".into(),
                    grand_total: dec("60.00"),
                }
            ),
        ]
    );
    let again = oms.fulfil(order.id).expect("fulfil the rest");
    assert_eq!(shape(&again), [row("WH-B", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 1)])]);

    let from = all_events(&oms).len();
    let done =
        oms.cancel_lines(order.id, &cancel(1, None), "customer asked").expect("cancel the rest");
    assert_eq!(
        (done.status, done.lines[0].quantity, done.lines[0].cancelled_quantity),
        (OrderStatus::Shipped, 3, 2)
    );
    assert_eq!(done.totals.grand_total, dec("50.00"));
    assert_eq!(
        kinds_after(&oms, from),
        ["FulfillmentCancelled", "StockReleased", "OrderLinesCancelled", "OrderStatusChanged"]
    );
    assert!(held(&oms, order.id).is_empty());
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (4, 0));
    finish(&oms);
}

/// After a short pick with no stock elsewhere left units unreserved and the
/// order fell back to `placed` (both its fulfilment orders, the pending one
/// too, cancelled), lowering the line by an edit must give up the
/// unreserved units first, as `cancel_lines` does: the units still reserved
/// stay reserved. (Lowering a line is the same promise as cancelling its
/// units.)
pub fn check_edit_after_short_pick_keeps_units_accounted<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 3)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place");
    let f = oms.fulfil(order.id).expect("fulfil").remove(0);
    oms.create_pick_list("WH-A", &[f.id]).expect("pick list");
    oms.confirm_pick(f.id, &[picked(1, 1)]).expect("short pick");
    // One unit reserved and picked, two unreserved (pending); cancelling
    // both fulfilment orders puts the picked unit back, still reserved.
    oms.cancel_fulfillment(f.id, "re-plan").expect("cancel the fulfilment order");
    let pending = oms.pending_fulfillments(None, 10).expect("pending").remove(0);
    oms.cancel_fulfillment(pending.id, "re-plan").expect("cancel the pending one");
    assert_eq!(status(&oms, order.id), OrderStatus::Placed);
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 1)]);

    // Regression check: `edit_order` used to lower a line by releasing its
    // reservations only, ignoring the units no reservation covers: it
    // released the one reserved unit and kept two unreserved ones.
    let from = all_events(&oms).len();
    let edited = oms
        .edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 2 }])
        .expect("lower the line to 2");
    assert_eq!(edited.lines[0].quantity, 2);
    assert_eq!(
        held(&oms, order.id),
        [h(1, "SKU-1", "WH-A", 1)],
        "the reserved unit stays reserved"
    );
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (1, 1));
    assert_eq!(kinds_after(&oms, from), ["OrderEdited"], "nothing to release");
    finish(&oms);

    // One unit reserved, one unreserved: lowering to 1 drops the unreserved one.
    let edited = oms
        .edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 1 }])
        .expect("lower the line to 1");
    assert_eq!(edited.lines[0].quantity, 1);
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 1)]);
    let again = oms.fulfil(order.id).expect("fulfil the reserved unit");
    assert_eq!(shape(&again), [row("WH-A", FulfillmentStatus::Ready, vec![fl(1, "SKU-1", 1)])]);
    assert!(oms.pending_fulfillments(None, 10).expect("pending").is_empty(), "none unreserved");
    finish(&oms);
}

// ---------------------------------------------------------------- notifications

/// The notification scenario: an order with an external id and an e-mail
/// recipient is placed, shipped by ground, goes out for delivery, fails a
/// delivery, turns late, goes out again and is delivered; a second order,
/// whose customer has a phone number and no e-mail, is placed. Tracking
/// events, packing and exceptions in between call for no notification.
/// Returns the engine, the first order's shipped fulfilment order and the
/// second order's id.
fn notification_scenario<S: Store>(factory: Factory<'_, S>) -> (Oms<S>, FulfillmentOrder, OrderId) {
    use TrackingEventKind as K;
    let (oms, clock) = engine_with_clock(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2)]).external_id("web-77")).expect("place");
    let f = ship(&oms, &oms.fulfil(order.id).expect("fulfil").remove(0), "ground");
    let tn = tracking(&f);
    track(&oms, &tn, &update("n1", K::InTransit, "2026-01-02T08:00:00Z"));
    track(&oms, &tn, &update("n2", K::OutForDelivery, "2026-01-08T07:00:00Z"));
    track(&oms, &tn, &update("n3", K::DeliveryFailed, "2026-01-08T18:00:00Z"));
    track(&oms, &tn, &update("n4", K::Exception, "2026-01-08T18:05:00Z"));
    clock.set(at("2026-01-09T06:00:00Z"));
    assert_eq!(oms.check_delivery_promises().expect("check").len(), 1);
    track(&oms, &tn, &update("n5", K::OutForDelivery, "2026-01-09T07:00:00Z"));
    oms.confirm_delivery(&tn, &DeliveryProof::default(), at("2026-01-09T11:00:00Z"))
        .expect("deliver");
    let mut by_phone = draft(&[("SKU-1", 1)]);
    by_phone.customer.id = "c-2".into();
    by_phone.customer.name = "Grace Hopper".into();
    by_phone.customer.email = None;
    by_phone.customer.phone = Some("+1 555 0100".into());
    let second = oms.place_order(&by_phone).expect("place");
    let f = oms.fulfillment(f.id).expect("fulfillment order");
    (oms, f, second.id)
}

/// Notifications derived from the log: `order_confirmed`, `shipped`,
/// `out_for_delivery`, `delivery_failed`, `delayed`, `out_for_delivery`,
/// `delivered` for the first order, `order_confirmed` for the second, each
/// with its template key, the order and external id, the recipient (name,
/// e-mail or phone), the shipment's tracking number, carrier, service and
/// promise for shipping moments, the event's sequence number and time;
/// `notification_for` gives the same for each event and `None` for the
/// others; the page's cursor is the last event's sequence number.
pub fn check_notifications<S: Store>(factory: Factory<'_, S>) {
    use NotificationKind as N;
    let (oms, f, second) = notification_scenario(factory);
    let events = all_events(&oms);
    let page = oms.notifications_since(0, 10_000).expect("notifications");
    assert_eq!(page.cursor, events.last().expect("events").seq);
    let got: Vec<(N, &str, OrderId)> =
        page.notifications.iter().map(|n| (n.kind, n.template_key.as_str(), n.order_id)).collect();
    let first = f.order_id;
    assert_eq!(
        got,
        [
            (N::OrderConfirmed, "order_confirmed", first),
            (N::Shipped, "shipped", first),
            (N::OutForDelivery, "out_for_delivery", first),
            (N::DeliveryFailed, "delivery_failed", first),
            (N::Delayed, "delayed", first),
            (N::OutForDelivery, "out_for_delivery", first),
            (N::Delivered, "delivered", first),
            (N::OrderConfirmed, "order_confirmed", second),
        ]
    );
    let ada = Recipient {
        customer_id: "c-1".into(),
        name: "Ada Lovelace".into(),
        email: Some("ada@example.com".into()),
        phone: None,
    };
    let grace = Recipient {
        customer_id: "c-2".into(),
        name: "Grace Hopper".into(),
        email: None,
        phone: Some("+1 555 0100".into()),
    };
    let info = TrackingInfo {
        fulfillment_id: f.id,
        carrier: CARRIER.into(),
        service: "ground".into(),
        tracking_number: tracking(&f),
        promised_delivery: ground_promise(),
    };
    for (i, n) in page.notifications.iter().enumerate() {
        let (recipient, external, tracking_info) = match i {
            0 => (&ada, Some("web-77"), None),
            7 => (&grace, None, None),
            _ => (&ada, Some("web-77"), Some(&info)),
        };
        assert_eq!(
            (&n.recipient, n.external_id.as_deref(), n.tracking.as_ref()),
            (recipient, external, tracking_info),
            "#{i}"
        );
    }
    let derived: Vec<_> =
        events.iter().filter_map(|r| oms.notification_for(r).expect("notification_for")).collect();
    assert_eq!(derived, page.notifications);
    for n in &page.notifications {
        let record = events.iter().find(|r| r.seq == n.event_seq).expect("the event behind it");
        assert_eq!(n.recorded_at, record.recorded_at);
        let expected_kind = match n.kind {
            N::OrderConfirmed => "OrderPlaced",
            N::Shipped => "FulfillmentShipped",
            N::Delivered => "FulfillmentDelivered",
            N::Delayed => "ShipmentDelayed",
            _ => "FulfillmentStatusChanged",
        };
        assert_eq!(record.kind, expected_kind, "{:?}", n.kind);
    }
    let exceptions = events.iter().filter(|r| r.kind == "ShipmentException").count();
    assert_eq!(exceptions, 1);
    finish(&oms);
}

/// Paging notifications by cursor loses and repeats nothing: for every page
/// size, reading from cursor 0 until the cursor stops moving gives exactly
/// the whole list, cursors strictly increase, and reading past the end
/// returns nothing with the cursor unchanged.
pub fn check_notification_paging<S: Store>(factory: Factory<'_, S>) {
    let (oms, _, _) = notification_scenario(factory);
    let all = oms.notifications_since(0, 10_000).expect("notifications");
    assert_eq!(all.notifications.len(), 8);
    for limit in [1, 2, 3, 5, 7, 64] {
        let mut cursor = 0;
        let mut got = Vec::new();
        loop {
            let page = oms.notifications_since(cursor, limit).expect("page");
            if page.cursor == cursor {
                assert!(
                    page.notifications.is_empty(),
                    "limit {limit}: a page without progress is empty"
                );
                break;
            }
            assert!(page.cursor > cursor, "limit {limit}: cursors increase");
            assert!(page
                .notifications
                .iter()
                .all(|n| n.event_seq > cursor && n.event_seq <= page.cursor));
            got.extend(page.notifications);
            cursor = page.cursor;
        }
        assert_eq!(got, all.notifications, "limit {limit}");
        assert_eq!(cursor, all.cursor, "limit {limit}");
    }
    let middle = all.notifications[3].event_seq;
    let tail = oms.notifications_since(middle, 10_000).expect("tail");
    assert_eq!(tail.notifications, all.notifications[4..]);
    finish(&oms);
}

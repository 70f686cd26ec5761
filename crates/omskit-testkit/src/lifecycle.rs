//! Lifecycle conformance: every use case of the engine, end to end, with the
//! policies of the design ("Policies") checked value by value.
//!
//! Each `check_*` function takes a fresh engine from the factory (made
//! deterministic with [`fixtures::deterministic`]), drives one scenario
//! through the public API only, asserts exact values (amounts, units,
//! locations, error fields, event kinds and payloads) and ends with
//! [`crate::assert_invariants`]. [`run`] runs them all and, when some fail,
//! names every failing check, not only the first.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

use omskit_core::events::{stream, Hash32, PlacedLine};
use omskit_core::inventory::{Allocation, MovementKind};
use omskit_core::{
    Channel, Currency, Discount, DomainEvent, Error, EventRecord, HoldRule, HoldRules, LineCancel,
    LineDraft, Location, Money, Oms, Order, OrderDraft, OrderEdit, OrderId, OrderStatus,
    PaymentKind, PaymentStatus, Reservation, ReservationStatus, Result, Shortage, StockLevel,
    StockMovement, Store,
};

use crate::fixtures::{self, address, dec, draft, stock};
use crate::{assert_invariants, Factory};

/// One check of this module.
type Check<S> = fn(Factory<'_, S>);

/// Every check of this module, with its name.
fn checks<S: Store>() -> Vec<(&'static str, Check<S>)> {
    vec![
        ("check_locations", check_locations::<S>),
        ("check_stock_receipts_and_adjustments", check_stock_receipts_and_adjustments::<S>),
        ("check_unknown_location", check_unknown_location::<S>),
        ("check_order_totals", check_order_totals::<S>),
        ("check_reservation_by_priority", check_reservation_by_priority::<S>),
        ("check_two_lines_of_one_sku", check_two_lines_of_one_sku::<S>),
        ("check_placement_is_atomic", check_placement_is_atomic::<S>),
        ("check_placement_events", check_placement_events::<S>),
        ("check_inactive_location", check_inactive_location::<S>),
        ("check_idempotent_replay", check_idempotent_replay::<S>),
        ("check_idempotency_conflict", check_idempotency_conflict::<S>),
        ("check_idempotency_conflict_field_order", check_idempotency_conflict_field_order::<S>),
        ("check_external_id_per_channel", check_external_id_per_channel::<S>),
        ("check_bulk_placement", check_bulk_placement::<S>),
        (
            "check_bulk_refusal_gives_back_earlier_lines",
            check_bulk_refusal_gives_back_earlier_lines::<S>,
        ),
        ("check_hold_rules", check_hold_rules::<S>),
        ("check_manual_hold_and_release", check_manual_hold_and_release::<S>),
        ("check_hold_rules_after_edit", check_hold_rules_after_edit::<S>),
        ("check_edit_add_and_remove_lines", check_edit_add_and_remove_lines::<S>),
        ("check_edit_added_line_gets_a_new_id", check_edit_added_line_gets_a_new_id::<S>),
        ("check_edit_remove_and_add_in_one_edit", check_edit_remove_and_add_in_one_edit::<S>),
        ("check_edit_raise_checks_only_extra_units", check_edit_raise_checks_only_extra_units::<S>),
        (
            "check_edit_lower_releases_least_preferred",
            check_edit_lower_releases_least_preferred::<S>,
        ),
        ("check_edit_short_stock_changes_nothing", check_edit_short_stock_changes_nothing::<S>),
        ("check_edit_errors", check_edit_errors::<S>),
        ("check_cancel_order", check_cancel_order::<S>),
        ("check_cancel_lines", check_cancel_lines::<S>),
        ("check_cancelled_orders_owe_nothing", check_cancelled_orders_owe_nothing::<S>),
        ("check_cancel_lines_errors", check_cancel_lines_errors::<S>),
        ("check_payments", check_payments::<S>),
        ("check_payment_retries_and_conflicts", check_payment_retries_and_conflicts::<S>),
        ("check_subscribers", check_subscribers::<S>),
        ("check_events_paging", check_events_paging::<S>),
        ("check_order_listing", check_order_listing::<S>),
        ("check_audit_chain", check_audit_chain::<S>),
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
        "lifecycle: {} of {total} checks failed: {}",
        failed.len(),
        failed.join(", ")
    );
}

// ---------------------------------------------------------------- helpers

/// A fresh deterministic engine.
fn engine<S: Store>(factory: Factory<'_, S>) -> Oms<S> {
    fixtures::deterministic(factory())
}

/// A fresh deterministic engine with these hold rules.
fn engine_with_rules<S: Store>(factory: Factory<'_, S>, rules: HoldRules) -> Oms<S> {
    fixtures::deterministic(factory().with_hold_rules(rules))
}

/// The whole event log, paged.
pub(crate) fn all_events<S: Store>(oms: &Oms<S>) -> Vec<EventRecord> {
    const PAGE: usize = 500;
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let page = oms.events_since(after, PAGE).expect("read the event log");
        let full = page.len() == PAGE;
        if let Some(last) = page.last() {
            after = last.seq;
        }
        out.extend(page);
        if !full {
            return out;
        }
    }
}

/// The kinds of these records.
pub(crate) fn kinds(records: &[EventRecord]) -> Vec<&str> {
    records.iter().map(|r| r.kind.as_str()).collect()
}

/// The decoded events of one order's stream, in log order.
fn order_events<S: Store>(oms: &Oms<S>, id: OrderId) -> Vec<DomainEvent> {
    let name = stream::order(id);
    all_events(oms)
        .iter()
        .filter(|r| r.stream == name)
        .map(|r| r.event().expect("decodable event"))
        .collect()
}

/// The kinds of one order's events, in log order.
fn order_event_kinds<S: Store>(oms: &Oms<S>, id: OrderId) -> Vec<&'static str> {
    order_events(oms, id).iter().map(DomainEvent::kind).collect()
}

/// `(on hand, reserved)` of (sku, location).
pub(crate) fn level<S: Store>(oms: &Oms<S>, sku: &str, location: &str) -> (i64, i64) {
    let l = oms.stock_level(sku, location).expect("stock level");
    assert_eq!((l.sku.as_str(), l.location.as_str()), (sku, location));
    (l.on_hand, l.reserved)
}

/// Active reservations of an order as `(line, sku, location, units)`, sorted.
pub(crate) fn held<S: Store>(oms: &Oms<S>, id: OrderId) -> Vec<(u32, String, String, i64)> {
    let mut out: Vec<_> = oms
        .reservations(id)
        .expect("reservations")
        .into_iter()
        .filter(|r| r.status == ReservationStatus::Active)
        .map(|r| (r.line_id, r.sku, r.location, r.quantity))
        .collect();
    out.sort();
    out
}

/// `(line, sku, location, units)` in the shape [`held`] returns.
pub(crate) fn h(line: u32, sku: &str, location: &str, units: i64) -> (u32, String, String, i64) {
    (line, sku.to_owned(), location.to_owned(), units)
}

/// An allocation, as carried by stock events.
pub(crate) fn alloc(line_id: u32, sku: &str, location: &str, quantity: i64) -> Allocation {
    Allocation { line_id, sku: sku.to_owned(), location: location.to_owned(), quantity }
}

/// A shortage, as listed by `InsufficientStock`.
fn short(sku: &str, requested: u64, available: u64) -> Shortage {
    Shortage { sku: sku.to_owned(), requested, available }
}

/// A line of `units` at `price`.
fn line(sku: &str, units: i64, price: &str) -> LineDraft {
    LineDraft::new(sku, units, dec(price))
}

/// Everything a failed use case must leave untouched.
#[derive(Debug, PartialEq)]
struct Snapshot {
    orders: Vec<Order>,
    reservations: Vec<Vec<Reservation>>,
    levels: Vec<StockLevel>,
    movements: Vec<StockMovement>,
    events: Vec<EventRecord>,
}

fn snapshot<S: Store>(oms: &Oms<S>, skus: &[&str]) -> Snapshot {
    let orders = oms.orders(None, 10_000).expect("orders");
    let reservations =
        orders.iter().map(|o| oms.reservations(o.id).expect("reservations")).collect();
    let mut levels = Vec::new();
    let mut movements = Vec::new();
    for sku in skus {
        levels.extend(oms.stock_levels(sku).expect("stock levels"));
        movements.extend(oms.stock_movements(sku, None).expect("movements"));
    }
    Snapshot { orders, reservations, levels, movements, events: all_events(oms) }
}

#[track_caller]
fn expect_conflict<T: Debug>(result: Result<T>) -> Option<String> {
    match result {
        Err(Error::Conflict { field, .. }) => field,
        other => panic!("expected Conflict, got {other:?}"),
    }
}

#[track_caller]
pub(crate) fn expect_validation<T: Debug>(result: Result<T>) -> String {
    match result {
        Err(Error::Validation { field, .. }) => field,
        other => panic!("expected Validation, got {other:?}"),
    }
}

#[track_caller]
pub(crate) fn expect_not_found<T: Debug>(result: Result<T>) -> (&'static str, String) {
    match result {
        Err(Error::NotFound { entity, id }) => (entity, id),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[track_caller]
pub(crate) fn expect_invalid_transition<T: Debug>(
    result: Result<T>,
) -> (&'static str, String, &'static str) {
    match result {
        Err(Error::InvalidTransition { entity, from, action }) => (entity, from, action),
        other => panic!("expected InvalidTransition, got {other:?}"),
    }
}

/// `(sku, requested, available, shortages)` of an `InsufficientStock`.
#[track_caller]
pub(crate) fn expect_insufficient<T: Debug>(
    result: Result<T>,
) -> (String, u64, u64, Vec<Shortage>) {
    match result {
        Err(Error::InsufficientStock { sku, requested, available, shortages }) => {
            (sku, requested, available, shortages)
        }
        other => panic!("expected InsufficientStock, got {other:?}"),
    }
}

/// `(entity, from, action)` as [`expect_invalid_transition`] returns it.
fn transition(from: &str, action: &'static str) -> (&'static str, String, &'static str) {
    ("order", from.to_owned(), action)
}

// ---------------------------------------------------------------- locations and stock

/// Locations: adding returns the active location; a duplicate code is
/// `Conflict { field: "code" }` and appends nothing; `locations()` lists
/// them by code; `set_location_active` switches them (only a real change
/// appends `LocationActivityChanged`); an unknown code is `NotFound`.
pub fn check_locations<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    let east = oms.add_location("WH-EAST", "East DC", 2).expect("add WH-EAST");
    assert_eq!(
        east,
        Location { code: "WH-EAST".into(), name: "East DC".into(), priority: 2, active: true }
    );
    oms.add_location("WH-CENTRAL", "Central DC", 1).expect("add WH-CENTRAL");
    oms.add_location("STORE-9", "Store 9", 5).expect("add STORE-9");

    let before = all_events(&oms).len();
    assert_eq!(expect_conflict(oms.add_location("WH-EAST", "Another", 7)).as_deref(), Some("code"));
    assert_eq!(all_events(&oms).len(), before, "a refused location appends no event");

    let listed = |oms: &Oms<S>| -> Vec<(String, String, i32, bool)> {
        oms.locations()
            .expect("locations")
            .into_iter()
            .map(|l| (l.code, l.name, l.priority, l.active))
            .collect()
    };
    let row = |c: &str, n: &str, p: i32, a: bool| (c.to_owned(), n.to_owned(), p, a);
    assert_eq!(
        listed(&oms),
        [
            row("STORE-9", "Store 9", 5, true),
            row("WH-CENTRAL", "Central DC", 1, true),
            row("WH-EAST", "East DC", 2, true)
        ],
        "locations are listed by code and the refused duplicate changed nothing"
    );

    let off = oms.set_location_active("WH-EAST", false).expect("deactivate");
    assert_eq!(
        off,
        Location { code: "WH-EAST".into(), name: "East DC".into(), priority: 2, active: false }
    );
    assert_eq!(listed(&oms)[2], row("WH-EAST", "East DC", 2, false));
    let before = all_events(&oms).len();
    assert!(!oms.set_location_active("WH-EAST", false).expect("deactivate again").active);
    assert_eq!(all_events(&oms).len(), before, "no change, no event");
    assert!(oms.set_location_active("WH-EAST", true).expect("reactivate").active);
    assert_eq!(
        expect_not_found(oms.set_location_active("WH-NOPE", true)),
        ("location", "WH-NOPE".to_owned())
    );

    let events = all_events(&oms);
    assert_eq!(
        kinds(&events),
        [
            "LocationAdded",
            "LocationAdded",
            "LocationAdded",
            "LocationActivityChanged",
            "LocationActivityChanged"
        ]
    );
    assert_eq!(events[0].stream, "location:WH-EAST");
    assert_eq!(
        events[0].event().expect("event"),
        DomainEvent::LocationAdded { code: "WH-EAST".into(), name: "East DC".into(), priority: 2 }
    );
    assert_eq!(
        events[3].event().expect("event"),
        DomainEvent::LocationActivityChanged { code: "WH-EAST".into(), active: false }
    );
    assert_eq!((events[3].stream.as_str(), events[3].version), ("location:WH-EAST", 2));
    assert_invariants(&oms);
}

/// Stock: receipts and adjustments up and down move on hand; levels,
/// `stock_levels` and `available` agree; a loss that would leave fewer
/// units than are reserved is `InsufficientStock` (requested = the loss,
/// available = what is free) and changes nothing; the ledger records every
/// movement with its kind, deltas, reason and reference (the order id for
/// reservations).
pub fn check_stock_receipts_and_adjustments<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[]);

    let received = oms.receive_stock("SKU-1", "WH-A", 10, "PO-100").expect("receive");
    assert_eq!(
        received,
        StockLevel { sku: "SKU-1".into(), location: "WH-A".into(), on_hand: 10, reserved: 0 }
    );
    assert_eq!(oms.receive_stock("SKU-1", "WH-B", 5, "PO-101").expect("receive").on_hand, 5);
    let up = oms.adjust_stock("SKU-1", "WH-A", 3, "found in cycle count").expect("adjust up");
    assert_eq!((up.on_hand, up.reserved), (13, 0));
    let down = oms.adjust_stock("SKU-1", "WH-A", -4, "damaged").expect("adjust down");
    assert_eq!((down.on_hand, down.reserved, down.available()), (9, 0, 9));

    assert_eq!(level(&oms, "SKU-1", "WH-A"), (9, 0));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (0, 0), "a SKU never received is all zero");
    let levels = oms.stock_levels("SKU-1").expect("levels");
    let rows: Vec<(&str, i64, i64)> =
        levels.iter().map(|l| (l.location.as_str(), l.on_hand, l.reserved)).collect();
    assert_eq!(rows, [("WH-A", 9, 0), ("WH-B", 5, 0)]);
    assert!(oms.stock_levels("SKU-2").expect("levels").is_empty());
    assert_eq!(oms.available("SKU-1").expect("available"), 14);
    assert_eq!(oms.available("SKU-2").expect("available"), 0);

    let order = oms.place_order(&draft(&[("SKU-1", 8)])).expect("place");
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (9, 8));
    assert_eq!(oms.available("SKU-1").expect("available"), 6);

    let before = snapshot(&oms, &["SKU-1"]);
    let (sku, requested, available, shortages) =
        expect_insufficient(oms.adjust_stock("SKU-1", "WH-A", -2, "lost"));
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 2, 1));
    assert_eq!(shortages, [short("SKU-1", 2, 1)]);
    assert_eq!(snapshot(&oms, &["SKU-1"]), before, "a refused adjustment changes nothing");
    let last = oms.adjust_stock("SKU-1", "WH-A", -1, "lost").expect("down to reserved");
    assert_eq!((last.on_hand, last.reserved, last.available()), (8, 8, 0));

    let ledger = oms.stock_movements("SKU-1", Some("WH-A")).expect("ledger");
    let rows: Vec<(MovementKind, i64, i64, Option<&str>, &str)> = ledger
        .iter()
        .map(|m| (m.kind, m.on_hand_delta, m.reserved_delta, m.reason.as_deref(), &*m.reference))
        .collect();
    let order_ref = order.id.to_string();
    assert_eq!(
        rows,
        [
            (MovementKind::Receipt, 10, 0, None, "PO-100"),
            (MovementKind::Adjustment, 3, 0, Some("found in cycle count"), "adjustment"),
            (MovementKind::Adjustment, -4, 0, Some("damaged"), "adjustment"),
            (MovementKind::Reservation, 0, 8, None, order_ref.as_str()),
            (MovementKind::Adjustment, -1, 0, Some("lost"), "adjustment"),
        ]
    );
    assert!(ledger.iter().all(|m| m.sku == "SKU-1" && m.location == "WH-A"));
    assert!(ledger.windows(2).all(|w| w[0].at < w[1].at), "ledger is oldest first");
    let everywhere = oms.stock_movements("SKU-1", None).expect("ledger");
    assert_eq!(everywhere.len(), 6);
    assert_eq!(
        everywhere.iter().filter(|m| m.location == "WH-B").map(|m| m.on_hand_delta).sum::<i64>(),
        5
    );

    let stock_events: Vec<DomainEvent> = all_events(&oms)
        .iter()
        .filter(|r| r.stream == stream::stock("SKU-1", "WH-A"))
        .map(|r| r.event().expect("event"))
        .collect();
    assert_eq!(
        stock_events,
        [
            DomainEvent::StockReceived {
                sku: "SKU-1".into(),
                location: "WH-A".into(),
                quantity: 10,
                reference: "PO-100".into()
            },
            DomainEvent::StockAdjusted {
                sku: "SKU-1".into(),
                location: "WH-A".into(),
                delta: 3,
                reason: "found in cycle count".into()
            },
            DomainEvent::StockAdjusted {
                sku: "SKU-1".into(),
                location: "WH-A".into(),
                delta: -4,
                reason: "damaged".into()
            },
            DomainEvent::StockAdjusted {
                sku: "SKU-1".into(),
                location: "WH-A".into(),
                delta: -1,
                reason: "lost".into()
            },
        ]
    );
    assert_invariants(&oms);
}

/// Stock at an unknown location: receiving, adjusting and reading it are
/// `NotFound { entity: "location" }`, and nothing is written.
pub fn check_unknown_location<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 4)]);
    let before = snapshot(&oms, &["SKU-1"]);
    let nowhere = ("location", "WH-NOWHERE".to_owned());
    assert_eq!(expect_not_found(oms.receive_stock("SKU-1", "WH-NOWHERE", 3, "PO-9")), nowhere);
    assert_eq!(expect_not_found(oms.adjust_stock("SKU-1", "WH-NOWHERE", 3, "count")), nowhere);
    assert_eq!(expect_not_found(oms.adjust_stock("SKU-1", "WH-NOWHERE", -3, "count")), nowhere);
    assert_eq!(expect_not_found(oms.stock_level("SKU-1", "WH-NOWHERE")), nowhere);
    assert_eq!(snapshot(&oms, &["SKU-1"]), before);
    assert!(oms.stock_movements("SKU-1", Some("WH-NOWHERE")).expect("ledger").is_empty());
    assert_eq!(oms.available("SKU-1").expect("available"), 4);
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- placement

/// Pricing at placement: line gross, percent and amount line discounts,
/// two order-level discounts split by largest remainder, tax on the
/// discounted amount, shipping, and the totals, all exact; the stored
/// order equals the returned one. Tax rounds half-even per line.
pub fn check_order_totals<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-A", "WH-A", 10), ("SKU-B", "WH-A", 10)]);
    let placed = oms
        .place_order(
            &OrderDraft::new(Channel::Web, Currency::USD)
                .customer("c-42", "Ada Lovelace", "ada@example.com")
                .ship_to(address())
                .line(
                    line("SKU-A", 3, "19.99")
                        .discount(Discount::Percent(dec("10")))
                        .tax_rate(dec("0.08")),
                )
                .line(line("SKU-B", 2, "5.00").discount(Discount::Amount(dec("1.00"))))
                .discount(Some("WELCOME"), Discount::Amount(dec("5.00")))
                .discount(None, Discount::Percent(dec("10")))
                .shipping(dec("4.95"))
                .notes("leave at the door"),
        )
        .expect("place");

    // Line A: 3 × 19.99 = 59.97, 10 % = 5.997 → 6.00, net 53.97.
    // Line B: 2 × 5.00 = 10.00, − 1.00, net 9.00. Net sum 62.97.
    // Order discounts: 5.00 + 10 % of 62.97 (6.297 → 6.30) = 11.30, split
    // 53.97 : 9.00 → 968.49… : 161.50… cents → 9.68 / 1.62 (largest remainder).
    // Tax A: (53.97 − 9.68) × 0.08 = 3.5432 → 3.54. Tax B: 0.
    let amounts: Vec<_> = placed
        .lines
        .iter()
        .map(|l| (l.id, l.gross, l.line_discount, l.order_discount, l.tax, l.total))
        .collect();
    assert_eq!(
        amounts,
        [
            (1, dec("59.97"), dec("6.00"), dec("9.68"), dec("3.54"), dec("47.83")),
            (2, dec("10.00"), dec("1.00"), dec("1.62"), dec("0"), dec("7.38")),
        ]
    );
    let t = placed.totals;
    assert_eq!(
        (t.subtotal, t.discounts, t.tax, t.shipping, t.grand_total),
        (dec("69.97"), dec("18.30"), dec("3.54"), dec("4.95"), dec("60.16"))
    );
    assert_eq!(placed.status, OrderStatus::Placed);
    assert_eq!(placed.payment_status, PaymentStatus::Unpaid);
    assert_eq!((placed.authorized, placed.captured), (dec("0"), dec("0")));
    assert_eq!(placed.channel, Channel::Web);
    assert_eq!(placed.currency, Currency::USD);
    assert_eq!(placed.customer.id, "c-42");
    assert_eq!(placed.ship_to, Some(address()));
    assert_eq!(placed.notes.as_deref(), Some("leave at the door"));
    assert_eq!(placed.lines[0].quantity, 3);
    assert_eq!(placed.lines[0].cancelled_quantity, 0);
    assert_eq!((placed.version, placed.placed_at), (1, placed.updated_at));
    assert!(placed.holds.is_empty() && placed.payments.is_empty());
    assert_eq!(oms.order(placed.id).expect("stored order"), placed, "stored = returned");

    // Half-even rounding of tax: 0.025 → 0.02, 0.035 → 0.04.
    let small = oms
        .place_order(
            &draft(&[])
                .line(line("SKU-A", 1, "0.25").tax_rate(dec("0.1")))
                .line(line("SKU-B", 1, "0.35").tax_rate(dec("0.1"))),
        )
        .expect("place");
    let taxes: Vec<_> = small.lines.iter().map(|l| l.tax).collect();
    assert_eq!(taxes, [dec("0.02"), dec("0.04")]);
    assert_eq!((small.totals.tax, small.totals.grand_total), (dec("0.06"), dec("0.66")));
    assert_invariants(&oms);
}

/// Reservation by location priority: a line is reserved at the most
/// preferred location (lowest priority number, ties by code) that has
/// stock, and split across locations in priority order when the preferred
/// one is short.
pub fn check_reservation_by_priority<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 2), ("WH-B", 1), ("WH-C", 3)],
        &[("SKU-1", "WH-A", 5), ("SKU-1", "WH-B", 3), ("SKU-1", "WH-C", 10)],
    );
    let first = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    assert_eq!(held(&oms, first.id), [h(1, "SKU-1", "WH-B", 2)]);

    let split = oms.place_order(&draft(&[("SKU-1", 6)])).expect("place");
    assert_eq!(held(&oms, split.id), [h(1, "SKU-1", "WH-A", 5), h(1, "SKU-1", "WH-B", 1)]);
    let reserved = order_events(&oms, split.id).into_iter().find_map(|e| match e {
        DomainEvent::StockReserved { allocations, .. } => Some(allocations),
        _ => None,
    });
    assert_eq!(
        reserved,
        Some(vec![alloc(1, "SKU-1", "WH-B", 1), alloc(1, "SKU-1", "WH-A", 5)]),
        "allocations in priority order"
    );

    let third = oms.place_order(&draft(&[("SKU-1", 4)])).expect("place");
    assert_eq!(held(&oms, third.id), [h(1, "SKU-1", "WH-C", 4)]);
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 5));
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (3, 3));
    assert_eq!(level(&oms, "SKU-1", "WH-C"), (10, 4));
    assert_eq!(oms.available("SKU-1").expect("available"), 6);
    for r in oms.reservations(split.id).expect("reservations") {
        assert_eq!(
            (r.order_id, r.status, r.created_at),
            (split.id, ReservationStatus::Active, split.placed_at)
        );
    }

    // Equal priorities go by code.
    stock(&oms, &[("ZZ-1", 0), ("MM-1", 0)], &[("SKU-2", "ZZ-1", 5), ("SKU-2", "MM-1", 5)]);
    let tie = oms.place_order(&draft(&[("SKU-2", 6)])).expect("place");
    assert_eq!(held(&oms, tie.id), [h(1, "SKU-2", "MM-1", 5), h(1, "SKU-2", "ZZ-1", 1)]);
    assert_invariants(&oms);
}

/// Two lines of the same SKU are reserved one after the other (the second
/// takes what the first left, spilling to the next location), each with
/// its own reservations; cancelling one line releases only its units.
pub fn check_two_lines_of_one_sku<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 5), ("SKU-1", "WH-B", 5)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-1", 4)])).expect("place");
    assert_eq!(
        held(&oms, order.id),
        [h(1, "SKU-1", "WH-A", 3), h(2, "SKU-1", "WH-A", 2), h(2, "SKU-1", "WH-B", 2)]
    );
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 5));
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (5, 2));
    assert_eq!(order.totals.grand_total, dec("70.00"));

    // Short on the second line only: the first line's units count against it.
    let (sku, requested, available, shortages) =
        expect_insufficient(oms.place_order(&draft(&[("SKU-1", 2), ("SKU-1", 2)])));
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 2, 1));
    assert_eq!(shortages, [short("SKU-1", 2, 1)]);

    let after = oms
        .cancel_lines(order.id, &[LineCancel { line_id: 1, quantity: None }], "not needed")
        .expect("cancel line 1");
    assert_eq!(after.status, OrderStatus::Placed);
    assert_eq!(held(&oms, order.id), [h(2, "SKU-1", "WH-A", 2), h(2, "SKU-1", "WH-B", 2)]);
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 2));
    assert_invariants(&oms);
}

/// Atomic placement: an order with short lines reserves nothing, creates no
/// order, appends no event or ledger entry; the error names the first short
/// line (sku, requested, available) and lists every short line in line
/// order. Its external id and idempotency key stay free: the same draft
/// succeeds once stock arrives.
pub fn check_placement_is_atomic<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5), ("SKU-2", "WH-A", 2)]);
    let skus = ["SKU-1", "SKU-2", "SKU-3"];
    let before = snapshot(&oms, &skus);
    let wanted = draft(&[("SKU-1", 2), ("SKU-2", 3), ("SKU-3", 1), ("SKU-1", 4)])
        .external_id("web-1")
        .idempotency_key("attempt-1");
    let (sku, requested, available, shortages) = expect_insufficient(oms.place_order(&wanted));
    assert_eq!((sku.as_str(), requested, available), ("SKU-2", 3, 2));
    assert_eq!(
        shortages,
        [short("SKU-2", 3, 2), short("SKU-3", 1, 0), short("SKU-1", 4, 3)],
        "every short line, in line order; line 4 counts line 1's units"
    );
    assert_eq!(snapshot(&oms, &skus), before, "a refused order leaves nothing behind");
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 0));

    oms.receive_stock("SKU-2", "WH-A", 1, "PO-2").expect("receive");
    oms.receive_stock("SKU-3", "WH-A", 1, "PO-3").expect("receive");
    oms.receive_stock("SKU-1", "WH-A", 1, "PO-4").expect("receive");
    let placed = oms.place_order(&wanted).expect("place once stock is there");
    assert_eq!(placed.external_id.as_deref(), Some("web-1"));
    assert_eq!(placed.idempotency_key.as_deref(), Some("attempt-1"));
    assert_eq!(
        held(&oms, placed.id),
        [
            h(1, "SKU-1", "WH-A", 2),
            h(2, "SKU-2", "WH-A", 3),
            h(3, "SKU-3", "WH-A", 1),
            h(4, "SKU-1", "WH-A", 4)
        ]
    );
    assert_eq!(oms.orders(None, 10).expect("orders").len(), 1);
    assert_invariants(&oms);
}

/// The event log after placement: `OrderPlaced` then `StockReserved` on the
/// order's stream (versions 1 and 2, chained), with the exact payloads,
/// after the location and stock events, at the order's placement time.
pub fn check_placement_events<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 1), ("SKU-1", "WH-B", 5)]);
    let order = oms
        .place_order(&draft(&[("SKU-1", 3)]).external_id("web-77").shipping(dec("4.95")))
        .expect("place");
    let events = all_events(&oms);
    assert_eq!(
        kinds(&events),
        [
            "LocationAdded",
            "LocationAdded",
            "StockReceived",
            "StockReceived",
            "OrderPlaced",
            "StockReserved"
        ]
    );
    assert!(events.windows(2).all(|w| w[0].seq < w[1].seq), "seq increases");
    let (placed, reserved) = (&events[4], &events[5]);
    let name = stream::order(order.id);
    assert_eq!((placed.stream.as_str(), placed.version), (name.as_str(), 1));
    assert_eq!((reserved.stream.as_str(), reserved.version), (name.as_str(), 2));
    assert_eq!(placed.prev_hash, Hash32::ZERO);
    assert_eq!(reserved.prev_hash, placed.hash);
    assert_eq!((placed.recorded_at, reserved.recorded_at), (order.placed_at, order.placed_at));
    assert_eq!(
        placed.event().expect("event"),
        DomainEvent::OrderPlaced {
            order_id: order.id,
            channel: "web".into(),
            external_id: Some("web-77".into()),
            customer_id: "c-1".into(),
            currency: "USD".into(),
            lines: vec![PlacedLine {
                line_id: 1,
                sku: "SKU-1".into(),
                quantity: 3,
                unit_price: dec("10.00")
            }],
            grand_total: dec("34.95"),
        }
    );
    assert_eq!(
        reserved.event().expect("event"),
        DomainEvent::StockReserved {
            order_id: order.id,
            allocations: vec![alloc(1, "SKU-1", "WH-A", 1), alloc(1, "SKU-1", "WH-B", 2)],
        }
    );
    assert_invariants(&oms);
}

/// Inactive locations: new reservations skip them (even with stock) and
/// `available` leaves them out; reservations already there stay and are
/// released there on cancellation; reactivating brings the stock back.
pub fn check_inactive_location<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 5), ("SKU-1", "WH-B", 5)]);
    let first = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place");
    assert_eq!(held(&oms, first.id), [h(1, "SKU-1", "WH-A", 3)]);

    oms.set_location_active("WH-A", false).expect("deactivate");
    assert_eq!(oms.available("SKU-1").expect("available"), 5, "only WH-B counts");
    assert_eq!(held(&oms, first.id), [h(1, "SKU-1", "WH-A", 3)], "existing reservation stays");
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 3));

    let second = oms.place_order(&draft(&[("SKU-1", 4)])).expect("place");
    assert_eq!(held(&oms, second.id), [h(1, "SKU-1", "WH-B", 4)], "WH-A is skipped");
    let (sku, requested, available, _) =
        expect_insufficient(oms.place_order(&draft(&[("SKU-1", 2)])));
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 2, 1));

    oms.cancel_order(first.id, "changed mind").expect("cancel");
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 0), "released at the inactive location");
    assert_eq!(oms.available("SKU-1").expect("available"), 1);
    oms.set_location_active("WH-A", true).expect("reactivate");
    assert_eq!(oms.available("SKU-1").expect("available"), 6);
    let third = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    assert_eq!(held(&oms, third.id), [h(1, "SKU-1", "WH-A", 2)]);
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- idempotency

/// Idempotent retries: placing again with the same key and the same content
/// (even written with other decimal scales: `10.0` vs `10.00`) returns the
/// first order unchanged, appends no event and reserves nothing more, also
/// through `place_orders`.
pub fn check_idempotent_replay<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let make = |price: &str, percent: &str, shipping: &str| {
        OrderDraft::new(Channel::Web, Currency::USD)
            .customer("c-1", "Ada Lovelace", "ada@example.com")
            .ship_to(address())
            .idempotency_key("checkout-7f3a")
            .external_id("web-5001")
            .line(
                line("SKU-1", 2, price)
                    .discount(Discount::Percent(dec(percent)))
                    .tax_rate(dec("0.0800")),
            )
            .shipping(dec(shipping))
    };
    let first = oms.place_order(&make("10.0", "10", "5.0")).expect("place");
    assert_eq!(first.totals.grand_total, dec("24.44")); // 20.00 − 2.00 + 1.44 + 5.00
    let before = snapshot(&oms, &["SKU-1"]);

    let again = oms.place_order(&make("10.00", "10.000", "5.00")).expect("retry");
    assert_eq!(again.id, first.id);
    assert_eq!(again, first);
    let same = oms.place_order(&make("10.0", "10", "5.0")).expect("retry");
    assert_eq!(same, first);
    let batch = oms.place_orders(&[make("10", "10.0", "5")]).expect("batch");
    assert_eq!(batch.len(), 1);
    assert_eq!(batch[0].as_ref().expect("replayed in a batch").id, first.id);
    assert_eq!(snapshot(&oms, &["SKU-1"]), before, "retries change nothing");
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (10, 2));
    assert_invariants(&oms);
}

/// Idempotency conflicts: the same key with different content is
/// `Conflict` naming the differing field (`lines[0].quantity`, `shipping`,
/// `lines[1]` for an extra line, `notes`, `lines[0].unit_price`) and changes
/// nothing.
pub fn check_idempotency_conflict<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10)]);
    let first = draft(&[("SKU-1", 2)]).idempotency_key("key-1");
    let placed = oms.place_order(&first).expect("place");
    let before = snapshot(&oms, &["SKU-1", "SKU-2"]);

    let field = |d: &OrderDraft| expect_conflict(oms.place_order(d));
    assert_eq!(
        field(&draft(&[("SKU-1", 3)]).idempotency_key("key-1")).as_deref(),
        Some("lines[0].quantity")
    );
    assert_eq!(field(&first.clone().shipping(dec("4.95"))).as_deref(), Some("shipping"));
    assert_eq!(
        field(&draft(&[("SKU-1", 2), ("SKU-2", 1)]).idempotency_key("key-1")).as_deref(),
        Some("lines[1]")
    );
    assert_eq!(
        field(&draft(&[("SKU-1", 2)]).idempotency_key("key-1").notes("gift")).as_deref(),
        Some("notes")
    );
    let mut price = first.clone();
    price.lines[0].unit_price = dec("10.01");
    assert_eq!(field(&price).as_deref(), Some("lines[0].unit_price"));
    assert_eq!(snapshot(&oms, &["SKU-1", "SKU-2"]), before, "conflicts change nothing");
    assert_eq!(oms.place_order(&first).expect("still replays").id, placed.id);
    assert_invariants(&oms);
}

/// Idempotency conflicts name the first differing field in the order the
/// draft declares its fields (the order validation reports them in):
/// `ship_to` before `lines`, and a line's `sku` before its `quantity`.
pub fn check_idempotency_conflict_field_order<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10)]);
    let first = draft(&[("SKU-1", 2)]).idempotency_key("key-1");
    oms.place_order(&first).expect("place");

    let mut moved = draft(&[("SKU-1", 3)]).idempotency_key("key-1");
    if let Some(to) = moved.ship_to.as_mut() {
        to.city = "Shelbyville".into();
    }
    assert_eq!(
        expect_conflict(oms.place_order(&moved)).as_deref(),
        Some("ship_to.city"),
        "ship_to is declared before lines"
    );
    assert_eq!(
        expect_conflict(oms.place_order(&draft(&[("SKU-2", 3)]).idempotency_key("key-1")))
            .as_deref(),
        Some("lines[0].sku"),
        "a line's sku is declared before its quantity"
    );
    assert_invariants(&oms);
}

/// External ids: the same (channel, external id) again without an
/// idempotency key is `Conflict { field: "external_id" }` and reserves
/// nothing; the same external id in another channel is a different order.
pub fn check_external_id_per_channel<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let web = oms.place_order(&draft(&[("SKU-1", 1)]).external_id("1001")).expect("place");
    let before = snapshot(&oms, &["SKU-1"]);
    assert_eq!(
        expect_conflict(oms.place_order(&draft(&[("SKU-1", 1)]).external_id("1001"))).as_deref(),
        Some("external_id")
    );
    assert_eq!(
        expect_conflict(oms.place_order(&draft(&[("SKU-1", 4)]).external_id("1001"))).as_deref(),
        Some("external_id")
    );
    assert_eq!(snapshot(&oms, &["SKU-1"]), before);

    let mut mobile = draft(&[("SKU-1", 2)]).external_id("1001");
    mobile.channel = Channel::Mobile;
    let other = oms.place_order(&mobile).expect("another channel");
    assert_ne!(other.id, web.id);
    assert_eq!((other.channel.as_str(), other.external_id.as_deref()), ("mobile", Some("1001")));
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (10, 3));
    assert_eq!(oms.orders(None, 10).expect("orders").len(), 2);
    assert_invariants(&oms);
}

/// Bulk placement shares one stock book across the batch: an order whose
/// second line is short gives back the units its first line took, so the
/// next order in the same batch can have them.
pub fn check_bulk_refusal_gives_back_earlier_lines<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 1)]);
    let results = oms
        .place_orders(&[
            draft(&[("SKU-1", 4), ("SKU-2", 5)]),
            draft(&[("SKU-1", 10)]),
            draft(&[("SKU-2", 1)]),
        ])
        .expect("batch");
    let (sku, requested, available, _) = expect_insufficient(results[0].clone());
    assert_eq!((sku.as_str(), requested, available), ("SKU-2", 5, 1));
    let all_ten = results[1].as_ref().expect("the refused order's SKU-1 units are free again");
    let last = results[2].as_ref().expect("SKU-2 still has its unit");
    assert_eq!(held(&oms, all_ten.id), [h(1, "SKU-1", "WH-A", 10)]);
    assert_eq!(held(&oms, last.id), [h(1, "SKU-2", "WH-A", 1)]);
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (10, 10));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (1, 1));
    assert_eq!(oms.orders(None, 10).expect("orders").len(), 2);
    assert_invariants(&oms);
}

/// Bulk placement: one result per draft, in order; an order that fails
/// (short stock, an external id taken earlier in the batch, invalid input)
/// leaves no order, reservation, ledger entry or event, while the others
/// are placed; the failed one's external id stays free.
pub fn check_bulk_placement<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5)]);
    let results = oms
        .place_orders(&[
            draft(&[("SKU-1", 2)]).external_id("b-1"),
            draft(&[("SKU-1", 10)]).external_id("b-2"),
            draft(&[("SKU-1", 1)]).external_id("b-1"),
            draft(&[("SKU-1", 0)]).external_id("b-4"),
            draft(&[("SKU-1", 3)]).external_id("b-5"),
        ])
        .expect("batch");
    assert_eq!(results.len(), 5);
    let first = results[0].as_ref().expect("b-1 placed").clone();
    let (sku, requested, available, _) = expect_insufficient(results[1].clone());
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 10, 3));
    assert_eq!(expect_conflict(results[2].clone()).as_deref(), Some("external_id"));
    assert_eq!(expect_validation(results[3].clone()), "lines[0].quantity");
    let fifth = results[4].as_ref().expect("b-5 placed").clone();
    assert_eq!(first.external_id.as_deref(), Some("b-1"));
    assert_eq!(fifth.external_id.as_deref(), Some("b-5"));

    let ids: Vec<OrderId> = oms.orders(None, 10).expect("orders").iter().map(|o| o.id).collect();
    assert_eq!(ids, [first.id, fifth.id]);
    assert_eq!(oms.order(first.id).expect("stored"), first);
    assert_eq!(oms.order(fifth.id).expect("stored"), fifth);
    assert_eq!(held(&oms, first.id), [h(1, "SKU-1", "WH-A", 2)]);
    assert_eq!(held(&oms, fifth.id), [h(1, "SKU-1", "WH-A", 3)]);
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 5));
    let references: Vec<String> = oms
        .stock_movements("SKU-1", None)
        .expect("ledger")
        .into_iter()
        .filter(|m| m.kind == MovementKind::Reservation)
        .map(|m| m.reference)
        .collect();
    assert_eq!(references, [first.id.to_string(), fifth.id.to_string()]);
    let order_streams: Vec<(String, &str)> = all_events(&oms)
        .iter()
        .filter(|r| r.stream.starts_with("order:"))
        .map(|r| (r.stream.clone(), if r.kind == "OrderPlaced" { "placed" } else { "reserved" }))
        .collect();
    assert_eq!(
        order_streams,
        [
            (stream::order(first.id), "placed"),
            (stream::order(first.id), "reserved"),
            (stream::order(fifth.id), "placed"),
            (stream::order(fifth.id), "reserved"),
        ]
    );

    oms.receive_stock("SKU-1", "WH-A", 1, "PO-2").expect("receive");
    let later = oms.place_order(&draft(&[("SKU-1", 1)]).external_id("b-2")).expect("b-2 is free");
    assert_eq!(later.external_id.as_deref(), Some("b-2"));
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- holds

/// Hold rules at placement: `GrandTotalAbove` (in its own currency only),
/// `LineQuantityAbove` and custom rules put the order `OnHold` with one
/// hold per matching rule (rule name, reason, time) and an `OrderHeld`
/// event each; a held order is still reserved; `release_hold` releases
/// every hold and returns it to `Placed`; releasing again is
/// `InvalidTransition`.
pub fn check_hold_rules<S: Store>(factory: Factory<'_, S>) {
    let rules = HoldRules::new()
        .with(HoldRule::GrandTotalAbove(Money::new(dec("100.00"), Currency::USD)))
        .with(HoldRule::LineQuantityAbove(5))
        .with(HoldRule::custom("vip-review", |o: &Order| {
            o.customer.id.starts_with("vip-").then(|| "vip customers are reviewed".to_owned())
        }));
    let oms = engine_with_rules(factory, rules);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 100)]);

    let clean =
        oms.place_order(&draft(&[("SKU-1", 5)]).line(line("SKU-1", 5, "10.00"))).expect("place");
    assert_eq!(
        (clean.status, clean.holds.len()),
        (OrderStatus::Placed, 0),
        "100.00 is not above 100.00"
    );

    let bulky = oms.place_order(&draft(&[("SKU-1", 6)])).expect("place");
    assert_eq!(bulky.status, OrderStatus::OnHold);
    let holds: Vec<_> = bulky
        .holds
        .iter()
        .map(|h| (h.rule.as_str(), h.reason.as_str(), h.placed_at, h.released_at))
        .collect();
    assert_eq!(
        holds,
        [("line_quantity_above", "line 1 orders 6 units, more than 5", bulky.placed_at, None)]
    );
    assert_eq!(held(&oms, bulky.id), [h(1, "SKU-1", "WH-A", 6)], "a held order is reserved");
    assert_eq!(order_event_kinds(&oms, bulky.id), ["OrderPlaced", "StockReserved", "OrderHeld"]);
    assert_eq!(
        order_events(&oms, bulky.id)[2],
        DomainEvent::OrderHeld {
            order_id: bulky.id,
            rule: "line_quantity_above".into(),
            reason: "line 1 orders 6 units, more than 5".into()
        }
    );
    assert_eq!(oms.order(bulky.id).expect("stored"), bulky);

    let pricey = oms.place_order(&draft(&[]).line(line("SKU-1", 4, "30.00"))).expect("place");
    assert_eq!(pricey.status, OrderStatus::OnHold);
    assert_eq!(pricey.holds.len(), 1);
    assert_eq!(pricey.holds[0].rule, "grand_total_above");
    assert!(
        pricey.holds[0].reason.starts_with("grand total 120")
            && pricey.holds[0].reason.ends_with("USD exceeds 100.00 USD"),
        "reason: {}",
        pricey.holds[0].reason
    );

    let vip = oms
        .place_order(&draft(&[("SKU-1", 1)]).customer("vip-7", "Grace Hopper", "grace@example.com"))
        .expect("place");
    assert_eq!(vip.status, OrderStatus::OnHold);
    let rules: Vec<_> = vip.holds.iter().map(|h| (h.rule.as_str(), h.reason.as_str())).collect();
    assert_eq!(rules, [("vip-review", "vip customers are reviewed")]);

    let euros = oms
        .place_order(&OrderDraft {
            currency: Currency::EUR,
            ..draft(&[]).line(line("SKU-1", 1, "500.00"))
        })
        .expect("place");
    assert_eq!(euros.status, OrderStatus::Placed, "a USD limit does not apply to EUR orders");

    let both = oms.place_order(&draft(&[]).line(line("SKU-1", 7, "20.00"))).expect("place");
    let rules: Vec<&str> = both.holds.iter().map(|h| h.rule.as_str()).collect();
    assert_eq!(rules, ["grand_total_above", "line_quantity_above"]);
    assert_eq!(
        order_event_kinds(&oms, both.id),
        ["OrderPlaced", "StockReserved", "OrderHeld", "OrderHeld"]
    );

    let released = oms.release_hold(both.id).expect("release");
    assert_eq!(released.status, OrderStatus::Placed);
    assert_eq!(released.version, 2);
    assert!(released.holds.iter().all(|h| h.released_at == Some(released.updated_at)));
    assert_eq!(released.active_holds().count(), 0);
    assert_eq!(oms.order(both.id).expect("stored"), released);
    assert_eq!(
        order_events(&oms, both.id).last(),
        Some(&DomainEvent::OrderHoldReleased { order_id: both.id })
    );
    let before = all_events(&oms).len();
    assert_eq!(
        expect_invalid_transition(oms.release_hold(both.id)),
        transition("placed", "release_hold")
    );
    assert_eq!(all_events(&oms).len(), before);
    assert_eq!(expect_not_found(oms.release_hold(OrderId::from_u128(7))).0, "order");
    assert_invariants(&oms);
}

/// Holds by hand: `hold_order` puts a placed order on hold (rule `manual`)
/// and may add a second hold; `release_hold` releases both; an empty reason
/// is `Validation`; holding a cancelled order and releasing a placed one
/// are `InvalidTransition`; an unknown order is `NotFound`.
pub fn check_manual_hold_and_release<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place");
    assert_eq!(
        expect_invalid_transition(oms.release_hold(order.id)),
        transition("placed", "release_hold")
    );

    let first = oms.hold_order(order.id, "customer called").expect("hold");
    assert_eq!(first.status, OrderStatus::OnHold);
    let second = oms.hold_order(order.id, "address check").expect("hold again");
    let holds: Vec<_> =
        second.holds.iter().map(|h| (h.rule.as_str(), h.reason.as_str(), h.released_at)).collect();
    assert_eq!(holds, [("manual", "customer called", None), ("manual", "address check", None)]);
    assert_eq!(second.holds[0].placed_at, first.updated_at);
    assert_eq!(second.version, 3);
    assert_eq!(expect_validation(oms.hold_order(order.id, "  ")), "reason");

    let released = oms.release_hold(order.id).expect("release");
    assert_eq!(released.status, OrderStatus::Placed);
    assert_eq!(released.active_holds().count(), 0);
    assert_eq!(released.holds.len(), 2);
    assert_eq!(
        order_event_kinds(&oms, order.id),
        ["OrderPlaced", "StockReserved", "OrderHeld", "OrderHeld", "OrderHoldReleased"]
    );
    assert_eq!(
        order_events(&oms, order.id)[3],
        DomainEvent::OrderHeld {
            order_id: order.id,
            rule: "manual".into(),
            reason: "address check".into()
        }
    );

    oms.cancel_order(order.id, "fraud").expect("cancel");
    assert_eq!(
        expect_invalid_transition(oms.hold_order(order.id, "too late")),
        transition("cancelled", "hold")
    );
    assert_eq!(
        expect_invalid_transition(oms.release_hold(order.id)),
        transition("cancelled", "release_hold")
    );
    assert_eq!(expect_not_found(oms.hold_order(OrderId::from_u128(99), "x")).0, "order");
    assert_invariants(&oms);
}

/// Hold rules after an edit: an edit that takes the order over a limit
/// holds it (with `OrderHeld` after `OrderEdited` and `StockReserved`); an
/// edit while that rule already holds it adds no second hold; after a
/// release, an edit that stays under the limit leaves it placed.
pub fn check_hold_rules_after_edit<S: Store>(factory: Factory<'_, S>) {
    let rules =
        HoldRules::new().with(HoldRule::GrandTotalAbove(Money::new(dec("100.00"), Currency::USD)));
    let oms = engine_with_rules(factory, rules);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 50)]);
    let order = oms.place_order(&draft(&[("SKU-1", 5)])).expect("place");
    assert_eq!(order.status, OrderStatus::Placed);

    let edit =
        |q: i64| oms.edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: q }]);
    let under = edit(8).expect("edit to 80.00");
    assert_eq!((under.status, under.holds.len()), (OrderStatus::Placed, 0));

    let over = edit(12).expect("edit to 120.00");
    assert_eq!(over.status, OrderStatus::OnHold);
    assert_eq!(over.totals.grand_total, dec("120.00"));
    let holds: Vec<_> = over.holds.iter().map(|h| (h.rule.as_str(), h.placed_at)).collect();
    assert_eq!(holds, [("grand_total_above", over.updated_at)]);
    let kinds = order_event_kinds(&oms, order.id);
    assert_eq!(kinds[kinds.len() - 3..], ["OrderEdited", "StockReserved", "OrderHeld"]);

    let still = edit(13).expect("edit to 130.00");
    assert_eq!(still.status, OrderStatus::OnHold);
    assert_eq!(still.holds.len(), 1, "the rule already holds the order");
    assert_eq!(order_event_kinds(&oms, order.id).last(), Some(&"StockReserved"));

    oms.release_hold(order.id).expect("release");
    let calm = edit(9).expect("edit to 90.00");
    assert_eq!(calm.status, OrderStatus::Placed);
    assert_eq!(calm.active_holds().count(), 0);
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 9)]);
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- edits

/// Edits: adding a line reserves it (new line id, `StockReserved`),
/// removing a line releases it (`StockReleased` with reason `order edited`,
/// its reservation released, ledger entry referencing the order); totals
/// and version follow; no edits or no line left is `Validation`.
pub fn check_edit_add_and_remove_lines<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1)],
        &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10), ("SKU-3", "WH-A", 10)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 2), ("SKU-2", 3)])).expect("place");
    assert_eq!(order.totals.grand_total, dec("50.00"));

    let added = oms
        .edit_order(order.id, &[OrderEdit::AddLine { line: line("SKU-3", 4, "2.50") }])
        .expect("add line");
    let lines: Vec<_> =
        added.lines.iter().map(|l| (l.id, l.sku.as_str(), l.quantity, l.total)).collect();
    assert_eq!(
        lines,
        [
            (1, "SKU-1", 2, dec("20.00")),
            (2, "SKU-2", 3, dec("30.00")),
            (3, "SKU-3", 4, dec("10.00"))
        ]
    );
    assert_eq!((added.totals.subtotal, added.totals.grand_total), (dec("60.00"), dec("60.00")));
    assert_eq!(added.version, 2);
    assert_eq!(oms.order(order.id).expect("stored"), added);
    assert_eq!(level(&oms, "SKU-3", "WH-A"), (10, 4));
    assert_eq!(
        order_events(&oms, order.id)[2..],
        [
            DomainEvent::OrderEdited {
                order_id: order.id,
                edits: vec![OrderEdit::AddLine { line: line("SKU-3", 4, "2.50") }],
                grand_total: dec("60.00"),
            },
            DomainEvent::StockReserved {
                order_id: order.id,
                allocations: vec![alloc(3, "SKU-3", "WH-A", 4)]
            },
        ]
    );

    let removed =
        oms.edit_order(order.id, &[OrderEdit::RemoveLine { line_id: 2 }]).expect("remove line");
    let ids: Vec<u32> = removed.lines.iter().map(|l| l.id).collect();
    assert_eq!(ids, [1, 3]);
    assert_eq!(removed.totals.grand_total, dec("30.00"));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (10, 0));
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 2), h(3, "SKU-3", "WH-A", 4)]);
    let gone: Vec<_> = oms
        .reservations(order.id)
        .expect("reservations")
        .into_iter()
        .filter(|r| r.line_id == 2)
        .map(|r| (r.status, r.quantity))
        .collect();
    assert_eq!(gone, [(ReservationStatus::Released, 0)]);
    assert_eq!(
        order_events(&oms, order.id)[4..],
        [
            DomainEvent::OrderEdited {
                order_id: order.id,
                edits: vec![OrderEdit::RemoveLine { line_id: 2 }],
                grand_total: dec("30.00"),
            },
            DomainEvent::StockReleased {
                order_id: order.id,
                allocations: vec![alloc(2, "SKU-2", "WH-A", 3)],
                reason: "order edited".into(),
            },
        ]
    );
    let ledger: Vec<_> = oms
        .stock_movements("SKU-2", Some("WH-A"))
        .expect("ledger")
        .into_iter()
        .map(|m| (m.kind, m.reserved_delta, m.reason, m.reference))
        .collect();
    assert_eq!(
        ledger,
        [
            (MovementKind::Receipt, 0, None, "PO-1".to_owned()),
            (MovementKind::Reservation, 3, None, order.id.to_string()),
            (MovementKind::Release, -3, Some("order edited".to_owned()), order.id.to_string()),
        ]
    );

    let before = snapshot(&oms, &["SKU-1", "SKU-2", "SKU-3"]);
    assert_eq!(expect_validation(oms.edit_order(order.id, &[])), "edits");
    assert_eq!(
        expect_validation(oms.edit_order(
            order.id,
            &[OrderEdit::RemoveLine { line_id: 1 }, OrderEdit::RemoveLine { line_id: 3 }]
        )),
        "edits"
    );
    assert_eq!(snapshot(&oms, &["SKU-1", "SKU-2", "SKU-3"]), before);
    assert_invariants(&oms);
}

/// Line ids are never reused: a line added after the last line was removed
/// gets a new id, and the new line holds its own SKU.
pub fn check_edit_added_line_gets_a_new_id<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1)],
        &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10), ("SKU-3", "WH-A", 10)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 1), ("SKU-2", 3)])).expect("place");
    oms.edit_order(order.id, &[OrderEdit::RemoveLine { line_id: 2 }]).expect("remove");
    let edited = oms
        .edit_order(order.id, &[OrderEdit::AddLine { line: line("SKU-3", 2, "10.00") }])
        .expect("add");
    let lines: Vec<_> = edited.lines.iter().map(|l| (l.id, l.sku.as_str(), l.quantity)).collect();
    assert_eq!(lines, [(1, "SKU-1", 1), (3, "SKU-3", 2)], "line id 2 is not reused");
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 1), h(3, "SKU-3", "WH-A", 2)]);
    assert_invariants(&oms);
}

/// Removing a line and adding another in one edit: the removed line's
/// units are all released and the new line is reserved in its own SKU.
pub fn check_edit_remove_and_add_in_one_edit<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1)],
        &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10), ("SKU-3", "WH-A", 10)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 1), ("SKU-2", 3)])).expect("place");
    let edited = oms
        .edit_order(
            order.id,
            &[
                OrderEdit::RemoveLine { line_id: 2 },
                OrderEdit::AddLine { line: line("SKU-3", 1, "10.00") },
            ],
        )
        .expect("edit");
    let skus: Vec<(&str, u32)> =
        edited.lines.iter().map(|l| (l.sku.as_str(), l.quantity)).collect();
    assert_eq!(skus, [("SKU-1", 1), ("SKU-3", 1)]);
    assert_eq!(edited.totals.grand_total, dec("20.00"));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (10, 0), "the removed line's SKU-2 is all released");
    assert_eq!(level(&oms, "SKU-3", "WH-A"), (10, 1), "the added line's SKU-3 is reserved");
    let reserved: Vec<(String, i64)> =
        held(&oms, order.id).into_iter().map(|r| (r.1, r.3)).collect();
    assert_eq!(reserved, [("SKU-1".to_owned(), 1), ("SKU-3".to_owned(), 1)]);
    assert_invariants(&oms);
}

/// Raising a quantity checks only the extra units (the line's own
/// reservation counts as its own): with 5 on hand, a line of 4 can be
/// raised to 5, growing its reservation in place; 6 is
/// `InsufficientStock { requested: 1, available: 0 }`.
pub fn check_edit_raise_checks_only_extra_units<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5)]);
    let order = oms.place_order(&draft(&[("SKU-1", 4)])).expect("place");
    let before = oms.reservations(order.id).expect("reservations");
    let raised = oms
        .edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 5 }])
        .expect("raise to 5");
    assert_eq!(raised.lines[0].quantity, 5);
    assert_eq!(raised.totals.grand_total, dec("50.00"));
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (5, 5));
    let after = oms.reservations(order.id).expect("reservations");
    assert_eq!(after.len(), 1, "one reservation per (line, location)");
    assert_eq!(
        (after[0].id, after[0].quantity, after[0].status),
        (before[0].id, 5, ReservationStatus::Active)
    );
    assert_eq!(
        order_events(&oms, order.id).last(),
        Some(&DomainEvent::StockReserved {
            order_id: order.id,
            allocations: vec![alloc(1, "SKU-1", "WH-A", 1)]
        })
    );
    let (sku, requested, available, _) = expect_insufficient(
        oms.edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 6 }]),
    );
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 1, 0));
    assert_eq!(oms.order(order.id).expect("stored"), raised);
    assert_invariants(&oms);
}

/// Lowering a line split across locations releases from the least
/// preferred location first.
pub fn check_edit_lower_releases_least_preferred<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2), ("WH-C", 3)],
        &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 3), ("SKU-1", "WH-C", 3)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 8)])).expect("place");
    assert_eq!(
        held(&oms, order.id),
        [h(1, "SKU-1", "WH-A", 3), h(1, "SKU-1", "WH-B", 3), h(1, "SKU-1", "WH-C", 2)]
    );
    let lowered = oms
        .edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 4 }])
        .expect("lower to 4");
    assert_eq!(lowered.totals.grand_total, dec("40.00"));
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 3), h(1, "SKU-1", "WH-B", 1)]);
    assert_eq!(
        order_events(&oms, order.id).last(),
        Some(&DomainEvent::StockReleased {
            order_id: order.id,
            allocations: vec![alloc(1, "SKU-1", "WH-C", 2), alloc(1, "SKU-1", "WH-B", 2)],
            reason: "order edited".into(),
        })
    );
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (3, 1));
    assert_eq!(level(&oms, "SKU-1", "WH-C"), (3, 0));
    assert_invariants(&oms);
}

/// An edit that cannot be reserved changes nothing: the order, its
/// reservations, stock, ledger and event log are identical before and
/// after; the error lists every short line, counting units the same edit
/// released only once.
pub fn check_edit_short_stock_changes_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5), ("SKU-2", "WH-A", 1)]);
    let order = oms.place_order(&draft(&[("SKU-2", 1), ("SKU-1", 2)])).expect("place");
    let skus = ["SKU-1", "SKU-2", "SKU-3"];
    let before = snapshot(&oms, &skus);

    let (sku, requested, available, shortages) = expect_insufficient(oms.edit_order(
        order.id,
        &[
            OrderEdit::SetQuantity { line_id: 2, quantity: 3 },
            OrderEdit::AddLine { line: line("SKU-3", 1, "1.00") },
        ],
    ));
    assert_eq!((sku.as_str(), requested, available), ("SKU-3", 1, 0));
    assert_eq!(shortages, [short("SKU-3", 1, 0)]);
    assert_eq!(snapshot(&oms, &skus), before);

    let (sku, requested, available, shortages) = expect_insufficient(oms.edit_order(
        order.id,
        &[
            OrderEdit::SetQuantity { line_id: 2, quantity: 9 },
            OrderEdit::AddLine { line: line("SKU-2", 2, "1.00") },
        ],
    ));
    assert_eq!((sku.as_str(), requested, available), ("SKU-1", 7, 3));
    assert_eq!(shortages, [short("SKU-1", 7, 3), short("SKU-2", 2, 0)]);
    assert_eq!(snapshot(&oms, &skus), before);

    // Line 1's unit is released first and counts for the new line, but 2 are needed.
    let (sku, requested, available, _) = expect_insufficient(oms.edit_order(
        order.id,
        &[
            OrderEdit::RemoveLine { line_id: 1 },
            OrderEdit::AddLine { line: line("SKU-2", 2, "1.00") },
        ],
    ));
    assert_eq!((sku.as_str(), requested, available), ("SKU-2", 2, 1));
    assert_eq!(snapshot(&oms, &skus), before);
    assert_eq!(held(&oms, order.id), [h(1, "SKU-2", "WH-A", 1), h(2, "SKU-1", "WH-A", 2)]);

    // With 1 needed, the released unit serves the new line.
    let swapped = oms
        .edit_order(
            order.id,
            &[
                OrderEdit::RemoveLine { line_id: 1 },
                OrderEdit::AddLine { line: line("SKU-2", 1, "1.00") },
            ],
        )
        .expect("released units serve the new line");
    assert_eq!(swapped.totals.grand_total, dec("21.00"));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (1, 1));
    assert_invariants(&oms);
}

/// Edit errors: an unknown line is `NotFound { entity: "order line" }`, an
/// unknown order `NotFound { entity: "order" }`, a bad quantity
/// `Validation` on `edits[i].quantity` / `edits[i].line.quantity`, and
/// editing a cancelled order `InvalidTransition`; none changes anything.
pub fn check_edit_errors<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    let before = snapshot(&oms, &["SKU-1"]);
    let (entity, id) = expect_not_found(
        oms.edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 9, quantity: 1 }]),
    );
    assert_eq!(entity, "order line");
    assert!(id.contains('9'), "names the line: {id}");
    assert_eq!(
        expect_not_found(oms.edit_order(order.id, &[OrderEdit::RemoveLine { line_id: 9 }])).0,
        "order line"
    );
    assert_eq!(
        expect_not_found(
            oms.edit_order(OrderId::from_u128(5), &[OrderEdit::RemoveLine { line_id: 1 }])
        ),
        ("order", OrderId::from_u128(5).to_string())
    );
    assert_eq!(
        expect_validation(oms.edit_order(
            order.id,
            &[
                OrderEdit::AddLine { line: line("SKU-1", 1, "1.00") },
                OrderEdit::SetQuantity { line_id: 1, quantity: 0 }
            ]
        )),
        "edits[1].quantity"
    );
    assert_eq!(
        expect_validation(
            oms.edit_order(order.id, &[OrderEdit::AddLine { line: line("SKU-1", 0, "1.00") }])
        ),
        "edits[0].line.quantity"
    );
    assert_eq!(snapshot(&oms, &["SKU-1"]), before);

    oms.cancel_order(order.id, "duplicate").expect("cancel");
    assert_eq!(
        expect_invalid_transition(
            oms.edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 1 }])
        ),
        transition("cancelled", "edit")
    );
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (10, 0));
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- cancellation

/// A cancelled order drops its shipping charge and owes nothing; its
/// payment status says what was actually captured.
pub fn check_cancelled_orders_owe_nothing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let with_shipping = draft(&[("SKU-1", 1)]).shipping(dec("4.95"));

    let unpaid = oms.place_order(&with_shipping).expect("place");
    assert_eq!(unpaid.totals.grand_total, dec("14.95"));
    let cancelled = oms.cancel_order(unpaid.id, "changed mind").expect("cancel");
    assert_eq!((cancelled.totals.shipping, cancelled.totals.grand_total), (dec("0"), dec("0")));
    assert_eq!(cancelled.payment_status, PaymentStatus::Unpaid, "nothing was paid");

    let paid = oms.place_order(&with_shipping).expect("place");
    oms.record_payment(paid.id, PaymentKind::Capture, dec("14.95"), "cap-1").expect("capture");
    let cancelled = oms
        .cancel_lines(paid.id, &[LineCancel { line_id: 1, quantity: None }], "out of stock")
        .expect("cancel the only line");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.totals.grand_total, dec("0"));
    assert_eq!(cancelled.captured, dec("14.95"), "the capture stays on record until refunded");
    assert_eq!(cancelled.payment_status, PaymentStatus::Paid);

    let free = oms
        .place_order(&draft(&[("SKU-1", 1)]).line(LineDraft::new("SKU-1", 1, dec("0"))))
        .expect("place");
    assert_eq!(free.payment_status, PaymentStatus::Unpaid, "10.00 is still due");
    assert_invariants(&oms);
}

/// Cancelling an order releases every reservation (least preferred location
/// first, one `StockReleased` then `OrderCancelled`), sets status
/// `Cancelled`, `cancel_reason`, lines to zero units with the cancelled
/// count; a second cancel, `cancel_lines` and payments are
/// `InvalidTransition`.
pub fn check_cancel_order<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 5), ("SKU-2", "WH-A", 2)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 5), ("SKU-2", 2)])).expect("place");
    assert_eq!(expect_validation(oms.cancel_order(order.id, "")), "reason");

    let cancelled = oms.cancel_order(order.id, "customer request").expect("cancel");
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("customer request"));
    let lines: Vec<(u32, u32)> =
        cancelled.lines.iter().map(|l| (l.quantity, l.cancelled_quantity)).collect();
    assert_eq!(lines, [(0, 5), (0, 2)]);
    assert_eq!((cancelled.totals.subtotal, cancelled.totals.grand_total), (dec("0"), dec("0")));
    assert_eq!(oms.order(order.id).expect("stored"), cancelled);
    assert!(held(&oms, order.id).is_empty());
    assert!(oms
        .reservations(order.id)
        .expect("reservations")
        .iter()
        .all(|r| r.status == ReservationStatus::Released && r.quantity == 0));
    assert_eq!(level(&oms, "SKU-1", "WH-A"), (3, 0));
    assert_eq!(level(&oms, "SKU-1", "WH-B"), (5, 0));
    assert_eq!(level(&oms, "SKU-2", "WH-A"), (2, 0));
    assert_eq!(oms.available("SKU-1").expect("available"), 8);
    assert_eq!(
        order_events(&oms, order.id)[2..],
        [
            DomainEvent::StockReleased {
                order_id: order.id,
                allocations: vec![
                    alloc(1, "SKU-1", "WH-B", 2),
                    alloc(1, "SKU-1", "WH-A", 3),
                    alloc(2, "SKU-2", "WH-A", 2)
                ],
                reason: "customer request".into(),
            },
            DomainEvent::OrderCancelled { order_id: order.id, reason: "customer request".into() },
        ]
    );

    let before = snapshot(&oms, &["SKU-1", "SKU-2"]);
    assert_eq!(
        expect_invalid_transition(oms.cancel_order(order.id, "again")),
        transition("cancelled", "cancel")
    );
    assert_eq!(
        expect_invalid_transition(oms.cancel_lines(
            order.id,
            &[LineCancel { line_id: 1, quantity: Some(1) }],
            "again"
        )),
        transition("cancelled", "cancel_lines")
    );
    assert_eq!(snapshot(&oms, &["SKU-1", "SKU-2"]), before);
    assert_eq!(expect_not_found(oms.cancel_order(OrderId::from_u128(3), "x")).0, "order");
    assert_invariants(&oms);
}

/// Partial cancellation: cancelling some units of a line releases them from
/// the least preferred location first and reprices; `None` cancels what
/// remains of a line; cancelling the last remaining units cancels the
/// order (`OrderLinesCancelled` then `OrderCancelled`).
pub fn check_cancel_lines<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2), ("WH-C", 3)],
        &[("SKU-1", "WH-A", 3), ("SKU-1", "WH-B", 3), ("SKU-1", "WH-C", 3), ("SKU-2", "WH-A", 5)],
    );
    let order = oms.place_order(&draft(&[("SKU-1", 7), ("SKU-2", 2)])).expect("place");
    assert_eq!(
        held(&oms, order.id),
        [
            h(1, "SKU-1", "WH-A", 3),
            h(1, "SKU-1", "WH-B", 3),
            h(1, "SKU-1", "WH-C", 1),
            h(2, "SKU-2", "WH-A", 2)
        ]
    );

    let partial = oms
        .cancel_lines(order.id, &[LineCancel { line_id: 1, quantity: Some(2) }], "short shipped")
        .expect("cancel 2 units");
    assert_eq!(partial.status, OrderStatus::Placed);
    assert_eq!((partial.lines[0].quantity, partial.lines[0].cancelled_quantity), (5, 2));
    assert_eq!(partial.totals.grand_total, dec("70.00"));
    assert_eq!(partial.cancel_reason, None);
    assert_eq!(
        held(&oms, order.id),
        [h(1, "SKU-1", "WH-A", 3), h(1, "SKU-1", "WH-B", 2), h(2, "SKU-2", "WH-A", 2)]
    );
    assert_eq!(
        order_events(&oms, order.id)[2..],
        [
            DomainEvent::StockReleased {
                order_id: order.id,
                allocations: vec![alloc(1, "SKU-1", "WH-C", 1), alloc(1, "SKU-1", "WH-B", 1)],
                reason: "short shipped".into(),
            },
            DomainEvent::OrderLinesCancelled {
                order_id: order.id,
                lines: vec![(1, 2)],
                reason: "short shipped".into(),
                grand_total: dec("70.00"),
            },
        ]
    );
    let releases: Vec<(String, i64, Option<String>, String)> = oms
        .stock_movements("SKU-1", None)
        .expect("ledger")
        .into_iter()
        .filter(|m| m.kind == MovementKind::Release)
        .map(|m| (m.location, m.reserved_delta, m.reason, m.reference))
        .collect();
    let reason = Some("short shipped".to_owned());
    assert_eq!(
        releases,
        [
            ("WH-C".to_owned(), -1, reason.clone(), order.id.to_string()),
            ("WH-B".to_owned(), -1, reason, order.id.to_string())
        ]
    );

    let rest = oms
        .cancel_lines(order.id, &[LineCancel { line_id: 2, quantity: None }], "discontinued")
        .expect("cancel line 2");
    assert_eq!(rest.status, OrderStatus::Placed);
    assert_eq!((rest.lines[1].quantity, rest.lines[1].cancelled_quantity), (0, 2));
    assert_eq!(rest.totals.grand_total, dec("50.00"));

    let all = oms
        .cancel_lines(order.id, &[LineCancel { line_id: 1, quantity: Some(5) }], "gave up")
        .expect("cancel the rest");
    assert_eq!(all.status, OrderStatus::Cancelled);
    assert_eq!(all.cancel_reason.as_deref(), Some("gave up"));
    assert_eq!(all.totals.grand_total, dec("0"));
    assert!(held(&oms, order.id).is_empty());
    let kinds = order_event_kinds(&oms, order.id);
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["StockReleased", "OrderLinesCancelled", "OrderCancelled"]
    );
    assert_eq!(oms.available("SKU-1").expect("available"), 9);
    assert_eq!(oms.available("SKU-2").expect("available"), 5);
    assert_invariants(&oms);
}

/// `cancel_lines` errors: more units than remain (or fewer than one) is
/// `Validation` on `lines[i].quantity`; a line listed twice is
/// `Validation` on `lines[1].line_id`; a line with nothing left is
/// `Validation`; an unknown line is `NotFound`; no lines or no reason is
/// `Validation`; none changes anything.
pub fn check_cancel_lines_errors<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10), ("SKU-2", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 1)])).expect("place");
    let before = snapshot(&oms, &["SKU-1", "SKU-2"]);
    let cancel = |lines: &[LineCancel]| oms.cancel_lines(order.id, lines, "test");
    let lc = |line_id: u32, quantity: Option<i64>| LineCancel { line_id, quantity };

    assert_eq!(expect_validation(cancel(&[lc(1, Some(4))])), "lines[0].quantity");
    assert_eq!(expect_validation(cancel(&[lc(1, Some(0))])), "lines[0].quantity");
    assert_eq!(expect_validation(cancel(&[lc(1, Some(-1))])), "lines[0].quantity");
    assert_eq!(expect_validation(cancel(&[lc(2, None), lc(1, Some(4))])), "lines[1].quantity");
    assert_eq!(expect_validation(cancel(&[lc(1, Some(1)), lc(1, Some(1))])), "lines[1].line_id");
    assert_eq!(expect_validation(cancel(&[])), "lines");
    assert_eq!(expect_validation(oms.cancel_lines(order.id, &[lc(1, Some(1))], "")), "reason");
    assert_eq!(expect_not_found(cancel(&[lc(9, None)])).0, "order line");
    assert_eq!(
        expect_not_found(oms.cancel_lines(OrderId::from_u128(8), &[lc(1, None)], "x")).0,
        "order"
    );
    assert_eq!(snapshot(&oms, &["SKU-1", "SKU-2"]), before, "refused cancellations change nothing");

    cancel(&[lc(2, None)]).expect("cancel line 2");
    assert_eq!(expect_validation(cancel(&[lc(2, None)])), "lines[0].line_id");
    assert_eq!(expect_validation(cancel(&[lc(2, Some(1))])), "lines[0].quantity");
    assert_eq!(held(&oms, order.id), [h(1, "SKU-1", "WH-A", 3)]);
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- payments

/// Payments: authorizations and captures move `authorized`, `captured` and
/// `payment_status` (unpaid → authorized → paid; a capture consumes
/// authorized funds); more than is outstanding, zero, negative and
/// sub-cent amounts are `Validation { field: "amount" }`; every payment is
/// recorded with a `PaymentRecorded` event; an edit re-evaluates the status.
pub fn check_payments<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 5)])).expect("place");
    assert_eq!(order.totals.grand_total, dec("50.00"));
    let pay = |kind: PaymentKind, amount: &str, reference: &str| {
        oms.record_payment(order.id, kind, dec(amount), reference)
    };
    let state = |o: &Order| (o.payment_status, o.authorized, o.captured);
    use PaymentKind::{Authorization, Capture};

    let o = pay(Authorization, "30.00", "auth-1").expect("authorize 30");
    assert_eq!(state(&o), (PaymentStatus::Unpaid, dec("30.00"), dec("0")));
    let o = pay(Authorization, "20.00", "auth-2").expect("authorize 20");
    assert_eq!(state(&o), (PaymentStatus::Authorized, dec("50.00"), dec("0")));
    assert_eq!(expect_validation(pay(Authorization, "0.01", "auth-3")), "amount");
    let o = pay(Capture, "30.00", "cap-1").expect("capture 30");
    assert_eq!(state(&o), (PaymentStatus::Authorized, dec("20.00"), dec("30.00")));
    assert_eq!(expect_validation(pay(Capture, "20.01", "cap-2")), "amount");
    assert_eq!(expect_validation(pay(Capture, "0.001", "cap-2")), "amount");
    assert_eq!(expect_validation(pay(Capture, "0", "cap-2")), "amount");
    assert_eq!(expect_validation(pay(Capture, "-5.00", "cap-2")), "amount");
    assert_eq!(expect_validation(pay(Capture, "5.00", "")), "reference");
    let paid = pay(Capture, "20.00", "cap-2").expect("capture 20");
    assert_eq!(state(&paid), (PaymentStatus::Paid, dec("0"), dec("50.00")));
    assert_eq!(expect_validation(pay(Capture, "0.01", "cap-3")), "amount");

    let recorded: Vec<_> =
        paid.payments.iter().map(|p| (p.kind, p.amount, p.reference.as_str())).collect();
    assert_eq!(
        recorded,
        [
            (Authorization, dec("30.00"), "auth-1"),
            (Authorization, dec("20.00"), "auth-2"),
            (Capture, dec("30.00"), "cap-1"),
            (Capture, dec("20.00"), "cap-2"),
        ]
    );
    assert_eq!(oms.order(order.id).expect("stored"), paid);
    let events = order_events(&oms, order.id);
    assert_eq!(events.len(), 6);
    assert_eq!(
        events[5],
        DomainEvent::PaymentRecorded {
            order_id: order.id,
            kind: Capture,
            amount: dec("20.00"),
            reference: "cap-2".into()
        }
    );

    let bigger = oms
        .edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 6 }])
        .expect("raise");
    assert_eq!(state(&bigger), (PaymentStatus::Unpaid, dec("0"), dec("50.00")));
    let o = pay(Capture, "10.00", "cap-3").expect("capture the rest");
    assert_eq!(state(&o), (PaymentStatus::Paid, dec("0"), dec("60.00")));
    assert_invariants(&oms);
}

/// Payment retries and conflicts: the same (kind, reference, amount) again
/// is a no-op (order unchanged, no event), also written `10.0`; the same
/// reference with another amount is `Conflict { field: "reference" }`; a
/// payment on a cancelled order is `InvalidTransition`, on an unknown
/// order `NotFound`.
pub fn check_payment_retries_and_conflicts<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 10)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place");
    let first = oms
        .record_payment(order.id, PaymentKind::Authorization, dec("10.00"), "psp-1")
        .expect("authorize");
    let before = snapshot(&oms, &["SKU-1"]);
    let again = oms
        .record_payment(order.id, PaymentKind::Authorization, dec("10.00"), "psp-1")
        .expect("retry");
    assert_eq!(again, first);
    let again = oms
        .record_payment(order.id, PaymentKind::Authorization, dec("10.0"), "psp-1")
        .expect("retry with another scale");
    assert_eq!(again, first);
    assert_eq!(
        expect_conflict(oms.record_payment(
            order.id,
            PaymentKind::Authorization,
            dec("12.00"),
            "psp-1"
        ))
        .as_deref(),
        Some("reference")
    );
    assert_eq!(snapshot(&oms, &["SKU-1"]), before, "retries and conflicts change nothing");
    assert_eq!(first.payments.len(), 1);
    assert_eq!(first.authorized, dec("10.00"));

    oms.cancel_order(order.id, "fraud").expect("cancel");
    assert_eq!(
        expect_invalid_transition(oms.record_payment(
            order.id,
            PaymentKind::Capture,
            dec("5.00"),
            "psp-2"
        )),
        transition("cancelled", "record_payment")
    );
    assert_eq!(
        expect_not_found(oms.record_payment(
            OrderId::from_u128(4),
            PaymentKind::Capture,
            dec("5.00"),
            "psp-3"
        ))
        .0,
        "order"
    );
    assert_invariants(&oms);
}

// ---------------------------------------------------------------- events

/// Subscribers receive every committed event, once, in log order with
/// increasing seq, identical to the stored records; a failed use case
/// (short stock, a refused edit) delivers and appends nothing; an idempotent
/// retry delivers nothing; after `unsubscribe` (true once, then false) a
/// subscriber gets nothing more while others still do.
pub fn check_subscribers<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    let first: Arc<Mutex<Vec<EventRecord>>> = Arc::default();
    let second: Arc<Mutex<Vec<EventRecord>>> = Arc::default();
    let sink = Arc::clone(&first);
    let first_id =
        oms.subscribe(move |r| sink.lock().unwrap_or_else(|p| p.into_inner()).push(r.clone()));
    let got =
        |s: &Arc<Mutex<Vec<EventRecord>>>| s.lock().unwrap_or_else(|p| p.into_inner()).clone();

    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 5)]);
    let order = oms.place_order(&draft(&[("SKU-1", 2)]).idempotency_key("k-1")).expect("place");
    assert_eq!(got(&first), all_events(&oms), "every committed event, as stored");
    assert_eq!(
        kinds(&got(&first)),
        ["LocationAdded", "StockReceived", "OrderPlaced", "StockReserved"]
    );
    assert!(got(&first).windows(2).all(|w| w[0].seq < w[1].seq));

    let log = all_events(&oms).len();
    expect_insufficient(oms.place_order(&draft(&[("SKU-1", 9)])));
    expect_insufficient(
        oms.edit_order(order.id, &[OrderEdit::SetQuantity { line_id: 1, quantity: 9 }]),
    );
    oms.place_order(&draft(&[("SKU-1", 2)]).idempotency_key("k-1")).expect("retry");
    assert_eq!(got(&first).len(), log, "failures and retries deliver nothing");
    assert_eq!(all_events(&oms).len(), log, "failures and retries append nothing");

    let sink = Arc::clone(&second);
    oms.subscribe(move |r| sink.lock().unwrap_or_else(|p| p.into_inner()).push(r.clone()));
    assert!(oms.unsubscribe(first_id));
    assert!(!oms.unsubscribe(first_id));
    oms.cancel_order(order.id, "bye").expect("cancel");
    assert_eq!(got(&first).len(), log, "unsubscribed: nothing more");
    assert_eq!(kinds(&got(&second)), ["StockReleased", "OrderCancelled"]);
    assert_eq!(got(&second), all_events(&oms)[log..]);
    assert!(got(&second)[0].seq > got(&first)[log - 1].seq);
    assert_invariants(&oms);
}

/// `events_since` pages through the log: `limit` caps a page, passing the
/// last seq seen continues after it, pages join into the whole log without
/// gaps or repeats, `limit` 0 and a cursor at the end give nothing; every
/// stream's versions run 1, 2, 3...
pub fn check_events_paging<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 5), ("SKU-1", "WH-B", 5), ("SKU-2", "WH-A", 5)],
    );
    for q in 1..=3 {
        oms.place_order(&draft(&[("SKU-1", q), ("SKU-2", 1)])).expect("place");
    }
    let all = all_events(&oms);
    assert_eq!(all.len(), 5 + 3 * 2);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));

    let mut paged = Vec::new();
    let mut after = 0;
    let mut sizes = Vec::new();
    loop {
        let page = oms.events_since(after, 4).expect("page");
        if page.is_empty() {
            break;
        }
        sizes.push(page.len());
        after = page.last().map_or(after, |r| r.seq);
        paged.extend(page);
    }
    assert_eq!(sizes, [4, 4, 3]);
    assert_eq!(paged, all);
    assert!(oms.events_since(0, 0).expect("empty page").is_empty());
    let last = all.last().map_or(0, |r| r.seq);
    assert!(oms.events_since(last, 10).expect("past the end").is_empty());
    assert_eq!(oms.events_since(all[6].seq, 2).expect("page")[..], all[7..9]);

    let mut versions: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    for r in &all {
        versions.entry(r.stream.as_str()).or_default().push(r.version);
    }
    for (name, v) in &versions {
        let expected: Vec<u64> = (1..=v.len() as u64).collect();
        assert_eq!(v, &expected, "versions of {name}");
    }
    assert_eq!(versions.len(), 2 + 3 + 3);
    assert_invariants(&oms);
}

/// Listing orders pages through them by id, each one whole: its lines (a
/// cancelled quantity and a line added by an edit included) are those a
/// single read gives, however many orders a page holds and however many
/// lines each has; `limit` 0 and a cursor at the end give nothing.
pub fn check_order_listing<S: Store>(factory: Factory<'_, S>) {
    let oms = engine(factory);
    stock(
        &oms,
        &[("WH-A", 1)],
        &[("SKU-1", "WH-A", 50), ("SKU-2", "WH-A", 50), ("SKU-3", "WH-A", 50)],
    );
    let shapes: [&[(&str, i64)]; 5] = [
        &[("SKU-1", 1)],
        &[("SKU-1", 2), ("SKU-2", 1)],
        &[("SKU-1", 1), ("SKU-2", 2), ("SKU-3", 3)],
        &[("SKU-3", 1)],
        &[("SKU-2", 4), ("SKU-3", 1)],
    ];
    let mut ids: Vec<OrderId> =
        shapes.iter().map(|lines| oms.place_order(&draft(lines)).expect("place").id).collect();
    let cancel = LineCancel { line_id: 2, quantity: Some(1) };
    oms.cancel_lines(ids[2], &[cancel], "customer asked").expect("cancel a unit");
    oms.edit_order(ids[3], &[OrderEdit::AddLine { line: line("SKU-1", 2, "3.00") }])
        .expect("add a line");
    ids.sort();
    let expected: Vec<Order> = ids.iter().map(|&id| oms.order(id).expect("stored")).collect();
    assert_eq!(expected.iter().map(|o| o.lines.len()).sum::<usize>(), 10);

    assert_eq!(oms.orders(None, 10).expect("one page"), expected);
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = oms.orders(after, 2).expect("page");
        if page.is_empty() {
            break;
        }
        assert!(page.len() <= 2);
        after = page.last().map(|o| o.id);
        paged.extend(page);
    }
    assert_eq!(paged, expected);
    assert_eq!(oms.orders(Some(ids[1]), 2).expect("middle page"), expected[2..4]);
    assert!(oms.orders(None, 0).expect("limit 0").is_empty());
    assert!(oms.orders(Some(ids[4]), 10).expect("past the end").is_empty());
    assert_invariants(&oms);
}

/// The audit chain after a full lifecycle (placement, holds, edits,
/// partial and full cancellation, payments, bulk placement with a failure)
/// is intact: every record's hash recomputes, chains to its stream's
/// previous hash, and `verify_audit_chain` checks exactly as many events
/// and streams as the log holds.
pub fn check_audit_chain<S: Store>(factory: Factory<'_, S>) {
    let rules = HoldRules::new().with(HoldRule::LineQuantityAbove(4));
    let oms = engine_with_rules(factory, rules);
    stock(
        &oms,
        &[("WH-A", 1), ("WH-B", 2)],
        &[("SKU-1", "WH-A", 6), ("SKU-1", "WH-B", 6), ("SKU-2", "WH-A", 6)],
    );
    let a = oms.place_order(&draft(&[("SKU-1", 5), ("SKU-2", 1)])).expect("place held");
    oms.release_hold(a.id).expect("release");
    oms.edit_order(
        a.id,
        &[
            OrderEdit::SetQuantity { line_id: 1, quantity: 3 },
            OrderEdit::AddLine { line: line("SKU-2", 2, "3.00") },
        ],
    )
    .expect("edit");
    oms.record_payment(a.id, PaymentKind::Authorization, dec("20.00"), "auth-1").expect("pay");
    oms.cancel_lines(a.id, &[LineCancel { line_id: 2, quantity: None }], "nope").expect("cancel");
    let b = oms.place_order(&draft(&[("SKU-1", 2)])).expect("place");
    oms.hold_order(b.id, "check").expect("hold");
    oms.cancel_order(b.id, "fraud").expect("cancel");
    oms.adjust_stock("SKU-1", "WH-B", -1, "damaged").expect("adjust");
    oms.set_location_active("WH-B", false).expect("deactivate");
    let batch = oms
        .place_orders(&[draft(&[("SKU-1", 1)]), draft(&[("SKU-1", 50)]), draft(&[("SKU-2", 1)])])
        .expect("batch");
    assert!(batch[0].is_ok() && batch[1].is_err() && batch[2].is_ok());

    let all = all_events(&oms);
    let mut heads: BTreeMap<&str, Hash32> = BTreeMap::new();
    for r in &all {
        assert_eq!(r.compute_hash(), r.hash, "hash of event {}", r.seq);
        let prev = heads.insert(r.stream.as_str(), r.hash).unwrap_or(Hash32::ZERO);
        assert_eq!(r.prev_hash, prev, "chain of event {}", r.seq);
        r.event().expect("every payload decodes");
    }
    let report = oms.verify_audit_chain().expect("audit");
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.first_broken, None);
    assert_eq!(report.events_checked, all.len() as u64);
    assert_eq!(report.streams, heads.len() as u64);
    assert_invariants(&oms);
}

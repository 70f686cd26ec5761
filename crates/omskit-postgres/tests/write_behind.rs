//! Appended rows (reservations, ledger entries, events) are sent in batches:
//! a transaction still reads its own writes, a later put of the same
//! reservation wins, nothing unsent survives a rollback, and event
//! positions follow the append order.

use std::sync::Mutex;

use chrono::Utc;
use omskit_core::events::{ChainLink, DomainEvent, EventRecord};
use omskit_core::id::{MovementId, ReservationId};
use omskit_core::inventory::{MovementKind, Reservation, ReservationStatus, StockMovement};
use omskit_core::{Oms, OrderId, Store, StoreTx, TxMode};
use omskit_postgres::{PgOptions, PgStore};
use omskit_testkit::fixtures::{draft, pg_test_url, stock};

/// One test at a time: events become readable only once every older
/// transaction on the server has ended, and each test holds one open while
/// the other reads the log.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn setup(label: &str) -> Option<(Oms<PgStore>, OrderId)> {
    let url = pg_test_url()?;
    let schema = format!("wb_{label}_{}", std::process::id());
    let options = PgOptions { schema: Some(schema), ..PgOptions::default() };
    let oms = Oms::new(PgStore::connect_with(&url, options).expect("connect to PostgreSQL"));
    stock(&oms, &[("WH-A", 1)], &[("SKU-1", "WH-A", 50)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3)])).expect("place").id;
    Some((oms, order))
}

fn reservation(n: u128, order: OrderId, quantity: i64) -> Reservation {
    Reservation {
        id: ReservationId::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0000 + n),
        order_id: order,
        line_id: 1,
        sku: "SKU-1".into(),
        location: "WH-A".into(),
        quantity,
        status: ReservationStatus::Active,
        created_at: omskit_core::clock::truncate_to_micros(Utc::now()),
        updated_at: omskit_core::clock::truncate_to_micros(Utc::now()),
    }
}

fn movement(n: u128, reference: &str) -> StockMovement {
    StockMovement {
        id: MovementId::from_u128(n),
        at: omskit_core::clock::truncate_to_micros(Utc::now()),
        sku: "SKU-1".into(),
        location: "WH-A".into(),
        kind: MovementKind::Adjustment,
        on_hand_delta: 1,
        reserved_delta: 0,
        reason: Some("count".into()),
        reference: reference.into(),
    }
}

fn event(stream: &str, head: Option<&ChainLink>, delta: i64) -> EventRecord {
    let adjusted = DomainEvent::StockAdjusted {
        sku: "SKU-1".into(),
        location: "WH-A".into(),
        delta,
        reason: "count".into(),
    };
    let now = omskit_core::clock::truncate_to_micros(Utc::now());
    EventRecord::new(stream.into(), head, now, &adjusted).expect("event")
}

#[test]
fn a_transaction_reads_its_own_unsent_writes() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((oms, order)) = setup("own") else { return };
    let before = oms.reservations(order).expect("reservations").len();
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_reservation(&reservation(1, order, 2)).expect("put");
    tx.put_reservation(&reservation(1, order, 5)).expect("put again: the later one wins");
    tx.append_movement(movement(1, "wb-1")).expect("append");
    tx.append_movement(movement(2, "wb-2")).expect("append");
    let held = tx.reservations_for_order(order).expect("read");
    assert_eq!(held.len(), before + 1);
    assert_eq!(
        held.iter().find(|r| r.id == reservation(1, order, 0).id).map(|r| r.quantity),
        Some(5)
    );
    let references: Vec<String> = tx
        .movements("SKU-1", Some("WH-A"))
        .expect("ledger")
        .into_iter()
        .filter(|m| m.reference.starts_with("wb-"))
        .map(|m| m.reference)
        .collect();
    assert_eq!(references, ["wb-1", "wb-2"], "in append order");

    let stream = "stock:SKU-1@WH-A";
    let head = tx.stream_head(stream).expect("head");
    let first = event(stream, head.as_ref(), 1);
    let a = tx.append_event(first.clone()).expect("append");
    let second = event(stream, Some(&first.link()), 2);
    let b = tx.append_event(second.clone()).expect("append");
    assert!(b > a, "positions follow the append order");
    assert_eq!(tx.stream_head(stream).expect("head"), Some(second.link()));
    tx.commit().expect("commit");

    let log = oms.events_since(a - 1, 10).expect("events");
    assert_eq!(log.iter().map(|r| r.seq).collect::<Vec<_>>(), [a, b]);
    assert_eq!(log[1].hash, second.hash);
    assert!(oms.verify_audit_chain().expect("audit").is_intact());
}

#[test]
fn unsent_writes_of_a_dropped_transaction_leave_nothing() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((oms, order)) = setup("dropped") else { return };
    let events = oms.events_since(0, 10_000).expect("events").len();
    let held = oms.reservations(order).expect("reservations");
    {
        let mut tx = oms.store().begin(TxMode::Write).expect("begin");
        tx.put_reservation(&reservation(7, order, 1)).expect("put");
        tx.append_movement(movement(7, "wb-dropped")).expect("append");
        let stream = "stock:SKU-1@WH-A";
        let head = tx.stream_head(stream).expect("head");
        tx.append_event(event(stream, head.as_ref(), 1)).expect("append");
    }
    assert_eq!(oms.reservations(order).expect("reservations"), held);
    assert_eq!(oms.events_since(0, 10_000).expect("events").len(), events);
    let ledger = oms.stock_movements("SKU-1", None).expect("ledger");
    assert!(ledger.iter().all(|m| m.reference != "wb-dropped"));
}

/// A new order is sent with the other batched rows: a key that turns out
/// to be taken fails the commit, as a retryable error (the engine runs the
/// use case again and then sees the winner), and nothing of the
/// transaction is left.
#[test]
fn a_taken_key_in_a_batched_write_fails_the_commit_as_retryable() {
    let _turn = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let Some((oms, order)) = setup("taken") else { return };
    let stored = oms.order(order).expect("order");
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.insert_order(&stored, &draft(&[("SKU-1", 3)])).expect("queued, not sent yet");
    tx.append_movement(movement(9, "wb-taken")).expect("append");
    let result = tx.commit();
    assert!(
        matches!(result, Err(omskit_core::Error::Storage { retryable: true, .. })),
        "the same order id again gave {result:?}"
    );
    let ledger = oms.stock_movements("SKU-1", None).expect("ledger");
    assert!(ledger.iter().all(|m| m.reference != "wb-taken"));
    assert_eq!(oms.order(order).expect("order"), stored);
}

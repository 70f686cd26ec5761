//! Fulfilment storage on PostgreSQL at the `StoreTx` level: exact round
//! trips of fulfilment orders (packages, shipment, rejected quotes, proof,
//! thresholds), replacement, tracking-number conflicts (checked, and raced
//! by two transactions), tracking events, condition readings, the overdue
//! query and bins.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use omskit_core::fulfillment::{
    FulfillmentLine, FulfillmentOrder, FulfillmentStatus, Package, PackageLine,
};
use omskit_core::shipping::{
    ConditionKind, ConditionReading, ConditionThresholds, DeliveryProof, Parcel, RateQuote,
    Shipment, TrackingEvent, TrackingEventKind, TrackingUpdate,
};
use omskit_core::{Currency, Error, FulfillmentId, Oms, OrderId, Store, StoreTx, TxMode};
use omskit_postgres::{PgOptions, PgStore, PgTx};
use omskit_testkit::fixtures::{dec, draft, pg_test_url, stock};

/// An engine in a schema of its own with locations WH-A and WH-B, and one
/// placed order; `None` when no server is configured.
fn setup(label: &str) -> Option<(String, String, Oms<PgStore>, OrderId)> {
    let url = pg_test_url()?;
    let schema = format!("ful_{label}_{}", std::process::id());
    let options = PgOptions { schema: Some(schema.clone()), ..PgOptions::default() };
    let oms = Oms::new(PgStore::connect_with(&url, options).expect("connect to PostgreSQL"));
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 50), ("SKU-2", "WH-B", 50)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 2)])).expect("place").id;
    Some((url, schema, oms, order))
}

/// A time with microseconds, `minutes` after a fixed instant.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 8, 15, 0).single().expect("valid time")
        + Duration::minutes(minutes)
        + Duration::microseconds(654_321)
}

/// Time-ordered ids, like the UUIDv7 the engine makes.
fn fid(n: u128) -> FulfillmentId {
    FulfillmentId::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0000 + n)
}

fn parcel(weight: &str, height: &str) -> Parcel {
    Parcel {
        weight_kg: dec(weight),
        length_cm: dec("40.0"),
        width_cm: dec("25"),
        height_cm: dec(height),
    }
}

fn ready(id: FulfillmentId, order: OrderId, location: &str) -> FulfillmentOrder {
    FulfillmentOrder::new(
        id,
        order,
        location,
        vec![
            FulfillmentLine { line_id: 1, sku: "SKU-1".into(), quantity: 3 },
            FulfillmentLine { line_id: 2, sku: "SKU-2".into(), quantity: 2 },
        ],
        at(0),
    )
}

fn shipment(tracking_number: &str, promised_delivery: DateTime<Utc>) -> Shipment {
    Shipment {
        tracking_number: tracking_number.into(),
        carrier: "acme".into(),
        service: "ground".into(),
        label_reference: format!("LBL-{tracking_number}"),
        cost: dec("6.40"),
        currency: Currency::USD,
        shipped_at: at(30),
        promised_delivery,
        rejected_quotes: Vec::new(),
        last_status_at: None,
        delivered_at: None,
        proof: None,
        thresholds: ConditionThresholds::default(),
        delay_notified: false,
    }
}

/// A fulfilment order with every field set: lines listed out of line-id
/// order, three packages (one line split over two), a shipment with two
/// rejected quotes, proof, thresholds and decimals of several scales.
fn full(id: FulfillmentId, order: OrderId) -> FulfillmentOrder {
    let mut f = ready(id, order, "WH-A");
    f.lines = vec![
        FulfillmentLine { line_id: 2, sku: "SKU-2".into(), quantity: 2 },
        FulfillmentLine { line_id: 1, sku: "SKU-1".into(), quantity: 3 },
    ];
    f.status = FulfillmentStatus::Delivered;
    f.held_from = Some(FulfillmentStatus::Packed);
    f.reason = Some("held for a customs check, then released".into());
    f.packages = vec![
        Package {
            id: "BOX-9".into(),
            parcel: parcel("1.250", "10.50"),
            lines: vec![
                PackageLine { line_id: 2, quantity: 2 },
                PackageLine { line_id: 1, quantity: 1 },
            ],
        },
        Package {
            id: "BOX-1".into(),
            parcel: parcel("0.5", "3"),
            lines: vec![PackageLine { line_id: 1, quantity: 1 }],
        },
        Package {
            id: "ENV-2".into(),
            parcel: parcel("0.100", "0.5"),
            lines: vec![PackageLine { line_id: 1, quantity: 1 }],
        },
    ];
    let mut s = shipment("1Z-FULL-0001", at(3 * 24 * 60));
    s.rejected_quotes = vec![
        RateQuote {
            carrier: "acme".into(),
            service: "express".into(),
            cost: dec("19.900"),
            currency: Currency::USD,
            transit_days: 1,
            promised_delivery: at(24 * 60),
        },
        RateQuote {
            carrier: "parcelco".into(),
            service: "economy".into(),
            cost: dec("4"),
            currency: Currency::EUR,
            transit_days: 6,
            promised_delivery: at(6 * 24 * 60),
        },
    ];
    s.last_status_at = Some(at(2 * 24 * 60));
    s.delivered_at = Some(at(2 * 24 * 60 + 5));
    s.proof = Some(DeliveryProof {
        signed_by: Some("A. Lovelace".into()),
        photo_reference: Some("photo/7781.jpg".into()),
        location: Some("front door".into()),
    });
    s.thresholds = ConditionThresholds {
        min_temperature_c: Some(dec("-2.5")),
        max_temperature_c: Some(dec("8.00")),
        max_shock_g: Some(dec("3")),
    };
    s.delay_notified = true;
    f.shipment = Some(s);
    f.updated_at = at(2 * 24 * 60 + 6);
    f
}

fn put_all(oms: &Oms<PgStore>, fulfillments: &[&FulfillmentOrder]) {
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    for f in fulfillments {
        tx.put_fulfillment(f).expect("put fulfillment");
    }
    tx.commit().expect("commit");
}

fn read<T>(oms: &Oms<PgStore>, f: impl FnOnce(&mut PgTx<'_>) -> T) -> T {
    let mut tx = oms.store().begin(TxMode::Read).expect("begin");
    let value = f(&mut tx);
    tx.commit().expect("commit");
    value
}

/// A row count in the test's schema, through a plain client.
fn count(url: &str, schema: &str, table: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("plain client");
    client.query_one(&format!("SELECT count(*) FROM {schema}.{table}"), &[]).expect("count").get(0)
}

#[test]
fn a_fully_populated_fulfillment_order_round_trips_exactly() {
    let Some((url, schema, oms, order)) = setup("round_trip") else { return };
    let f = full(fid(1), order);
    // All-empty proof and no thresholds must stay distinct from no proof.
    let mut empty_proof = ready(fid(2), order, "WH-B");
    empty_proof.status = FulfillmentStatus::Delivered;
    empty_proof.packages = vec![Package {
        id: "P".into(),
        parcel: parcel("2", "2"),
        lines: vec![
            PackageLine { line_id: 1, quantity: 3 },
            PackageLine { line_id: 2, quantity: 2 },
        ],
    }];
    let mut s = shipment("1Z-EMPTY-PROOF", at(60));
    s.proof = Some(DeliveryProof::default());
    empty_proof.shipment = Some(s);
    let plain = ready(fid(3), order, "WH-B");
    // Stored in another order than their ids.
    put_all(&oms, &[&plain, &f, &empty_proof]);

    read(&oms, |tx| {
        assert_eq!(tx.fulfillment(f.id).expect("read"), Some(f.clone()));
        assert_eq!(tx.fulfillment(empty_proof.id).expect("read"), Some(empty_proof.clone()));
        assert_eq!(tx.fulfillment(plain.id).expect("read"), Some(plain.clone()));
        assert_eq!(tx.fulfillment(fid(99)).expect("read"), None);
        assert_eq!(
            tx.fulfillments_for_order(order).expect("list"),
            vec![f.clone(), empty_proof.clone(), plain.clone()]
        );
        assert_eq!(
            tx.fulfillment_by_tracking_number("1Z-FULL-0001").expect("by tracking number"),
            Some(f.clone())
        );
        assert_eq!(tx.fulfillment_by_tracking_number("1Z-NOPE").expect("unknown"), None);
    });
    let other = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place").id;
    read(&oms, |tx| assert_eq!(tx.fulfillments_for_order(other).expect("list"), vec![]));

    // The decimals keep their scale in the table too, and the schema is
    // readable: NUMERIC columns, one row per package line.
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("plain client");
    let row = client
        .query_one(
            &format!(
                "SELECT weight_kg::TEXT, height_cm::TEXT, pg_typeof(weight_kg)::TEXT \
                 FROM {schema}.packages WHERE package_id = 'BOX-9'"
            ),
            &[],
        )
        .expect("package row");
    assert_eq!(
        (row.get::<_, String>(0), row.get::<_, String>(1), row.get::<_, String>(2)),
        ("1.250".into(), "10.50".into(), "numeric".into())
    );
    assert_eq!(count(&url, &schema, "package_lines"), 6);
    assert_eq!(count(&url, &schema, "shipments"), 2);
}

#[test]
fn putting_again_replaces_lines_packages_and_shipment() {
    let Some((url, schema, oms, order)) = setup("replace") else { return };
    let f = full(fid(1), order);
    put_all(&oms, &[&f]);

    let mut smaller = f.clone();
    smaller.lines.truncate(1);
    smaller.packages = vec![Package {
        id: "BOX-1".into(),
        parcel: parcel("0.75", "4.0"),
        lines: vec![PackageLine { line_id: 2, quantity: 2 }],
    }];
    smaller.held_from = None;
    smaller.reason = None;
    let shipment = smaller.shipment.as_mut().expect("shipment");
    shipment.tracking_number = "1Z-RELABELLED".into();
    shipment.proof = None;
    shipment.thresholds = ConditionThresholds::default();
    shipment.rejected_quotes.clear();
    shipment.last_status_at = None;
    shipment.delivered_at = None;
    shipment.delay_notified = false;
    put_all(&oms, &[&smaller]);
    read(&oms, |tx| {
        assert_eq!(tx.fulfillment(f.id).expect("read"), Some(smaller.clone()));
        assert_eq!(tx.fulfillment_by_tracking_number("1Z-FULL-0001").expect("old number"), None);
        assert_eq!(
            tx.fulfillment_by_tracking_number("1Z-RELABELLED").expect("new number"),
            Some(smaller.clone())
        );
    });
    assert_eq!(count(&url, &schema, "fulfillment_lines"), 1);
    assert_eq!(count(&url, &schema, "packages"), 1);
    assert_eq!(count(&url, &schema, "package_lines"), 1);

    // Back to no packages and no shipment: its tracking number is free again.
    let mut bare = smaller.clone();
    bare.packages.clear();
    bare.shipment = None;
    bare.status = FulfillmentStatus::Ready;
    put_all(&oms, &[&bare]);
    read(&oms, |tx| {
        assert_eq!(tx.fulfillment(f.id).expect("read"), Some(bare.clone()));
        assert_eq!(tx.fulfillments_for_order(order).expect("list"), vec![bare.clone()]);
    });
    assert_eq!((count(&url, &schema, "packages"), count(&url, &schema, "shipments")), (0, 0));
    let mut reuse = ready(fid(2), order, "WH-B");
    reuse.shipment = Some(self::shipment("1Z-RELABELLED", at(90)));
    put_all(&oms, &[&reuse]);
    read(&oms, |tx| {
        assert_eq!(
            tx.fulfillment_by_tracking_number("1Z-RELABELLED").expect("reused"),
            Some(reuse.clone())
        );
    });
}

fn assert_tracking_number_conflict(result: omskit_core::Result<()>) {
    match result {
        Err(Error::Conflict { field, .. }) => assert_eq!(field.as_deref(), Some("tracking_number")),
        other => panic!("expected a conflict on tracking_number, got {other:?}"),
    }
}

#[test]
fn a_tracking_number_of_another_fulfillment_order_is_a_conflict() {
    let Some((_url, _schema, oms, order)) = setup("conflict") else { return };
    let mut first = ready(fid(1), order, "WH-A");
    first.shipment = Some(shipment("1Z-TAKEN", at(60)));
    put_all(&oms, &[&first]);

    // Putting the owner again with its own number is no conflict.
    let mut again = first.clone();
    again.status = FulfillmentStatus::InTransit;
    put_all(&oms, &[&again]);

    let mut second = ready(fid(2), order, "WH-B");
    second.shipment = Some(shipment("1Z-TAKEN", at(60)));
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_tracking_number_conflict(tx.put_fulfillment(&second));
    // The transaction is still usable: the failed put changed nothing...
    assert_eq!(tx.fulfillment(second.id).expect("read after the conflict"), None);
    assert_eq!(tx.fulfillment(first.id).expect("read the owner"), Some(again.clone()));
    // ...and rolls back cleanly, giving its connection back to the pool.
    drop(tx);

    // The same fulfilment order taking a number another has is refused too.
    let mut third = ready(fid(3), order, "WH-B");
    third.shipment = Some(shipment("1Z-FREE", at(60)));
    put_all(&oms, &[&third]);
    third.shipment.as_mut().expect("shipment").tracking_number = "1Z-TAKEN".into();
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_tracking_number_conflict(tx.put_fulfillment(&third));
    tx.commit().expect("the transaction can still commit");

    read(&oms, |tx| {
        assert_eq!(tx.fulfillment(second.id).expect("read"), None);
        assert_eq!(
            tx.fulfillment_by_tracking_number("1Z-TAKEN").expect("owner"),
            Some(again.clone())
        );
        assert_eq!(
            tx.fulfillment_by_tracking_number("1Z-FREE").expect("unchanged").map(|f| f.id),
            Some(third.id)
        );
    });
}

/// Waits until a session is blocked inserting a shipment (on another
/// transaction's uncommitted tracking number).
fn wait_for_a_blocked_shipment_insert(url: &str) {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("plain client");
    let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
    loop {
        let blocked: i64 = client
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' \
                 AND query LIKE '%INSERT INTO shipments%'",
                &[],
            )
            .expect("pg_stat_activity")
            .get(0);
        if blocked > 0 {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the second transaction never blocked");
        std::thread::sleep(StdDuration::from_millis(10));
    }
}

#[test]
fn two_transactions_racing_for_a_tracking_number_end_in_a_conflict_not_a_retry() {
    let Some((url, _schema, oms, order)) = setup("race") else { return };
    let mut a = ready(fid(1), order, "WH-A");
    let mut b = ready(fid(2), order, "WH-B");
    put_all(&oms, &[&a, &b]);
    a.shipment = Some(shipment("1Z-RACE", at(60)));
    b.shipment = Some(shipment("1Z-RACE", at(60)));

    let mut first = oms.store().begin(TxMode::Write).expect("begin");
    first.put_fulfillment(&a).expect("first takes the number");
    let loser = std::thread::scope(|scope| {
        let second = scope.spawn(|| {
            let mut tx = oms.store().begin(TxMode::Write).expect("begin");
            // Does not see the uncommitted number, so the constraint decides:
            // the insert waits for `first`, then fails on it.
            let result = tx.put_fulfillment(&b);
            drop(tx);
            result
        });
        wait_for_a_blocked_shipment_insert(&url);
        first.commit().expect("commit the first");
        second.join().expect("second thread")
    });
    assert_tracking_number_conflict(loser);

    // The pool still works, and only the first has the number.
    read(&oms, |tx| {
        assert_eq!(tx.fulfillment_by_tracking_number("1Z-RACE").expect("winner"), Some(a.clone()));
        assert_eq!(tx.fulfillment(b.id).expect("loser").and_then(|f| f.shipment), None);
    });
}

fn event(tracking_number: &str, id: &str, kind: TrackingEventKind, minutes: i64) -> TrackingEvent {
    TrackingEvent {
        tracking_number: tracking_number.into(),
        update: TrackingUpdate::new(id, kind, at(minutes)),
        received_at: at(minutes + 1),
        applied: true,
    }
}

#[test]
fn tracking_events_are_unique_per_carrier_id_and_listed_as_received() {
    let Some((_url, _schema, oms, _order)) = setup("tracking") else { return };
    let picked_up = event("1Z-T", "ev-1", TrackingEventKind::PickedUp, 100);
    let mut delivered = event("1Z-T", "ev-3", TrackingEventKind::Delivered, 300);
    delivered.update.location = Some("Springfield depot".into());
    delivered.update.description = Some("Left at the front door".into());
    delivered.update.proof = Some(DeliveryProof {
        signed_by: None,
        photo_reference: Some("p/1.jpg".into()),
        location: Some("porch".into()),
    });
    // Received after `delivered` though it happened before: listed after it.
    let mut late = event("1Z-T", "ev-2", TrackingEventKind::InTransit, 200);
    late.applied = false;
    let mut empty_proof = event("1Z-U", "ev-1", TrackingEventKind::Delivered, 50);
    empty_proof.update.proof = Some(DeliveryProof::default());

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert!(tx.insert_tracking_event(&picked_up).expect("insert"));
    assert!(tx.insert_tracking_event(&delivered).expect("insert"));
    let mut duplicate = picked_up.clone();
    duplicate.update.kind = TrackingEventKind::Exception;
    duplicate.applied = false;
    assert!(!tx.insert_tracking_event(&duplicate).expect("a duplicate is no error"));
    // The duplicate did not abort the transaction.
    assert!(tx.insert_tracking_event(&late).expect("insert after a duplicate"));
    // The same carrier event id on another shipment is another event.
    assert!(tx.insert_tracking_event(&empty_proof).expect("insert"));
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert!(!tx.insert_tracking_event(&delivered).expect("a committed duplicate"));
    tx.commit().expect("commit");

    read(&oms, |tx| {
        assert_eq!(
            tx.tracking_events("1Z-T").expect("list"),
            vec![picked_up.clone(), delivered.clone(), late.clone()]
        );
        assert_eq!(tx.tracking_events("1Z-U").expect("list"), vec![empty_proof.clone()]);
        assert_eq!(tx.tracking_events("1Z-NONE").expect("list"), vec![]);
    });
}

#[test]
fn condition_readings_are_kept_per_shipment_in_the_order_recorded() {
    let Some((_url, _schema, oms, _order)) = setup("readings") else { return };
    let readings = [
        ConditionReading {
            kind: ConditionKind::Temperature,
            value: dec("-18.50"),
            at: at(20),
            sensor: Some("probe-1".into()),
        },
        ConditionReading { kind: ConditionKind::Shock, value: dec("2.0"), at: at(5), sensor: None },
        ConditionReading {
            kind: ConditionKind::Temperature,
            value: dec("4"),
            at: at(40),
            sensor: Some("probe-2".into()),
        },
    ];
    let other = ConditionReading {
        kind: ConditionKind::Shock,
        value: dec("0.125"),
        at: at(1),
        sensor: None,
    };
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.append_condition_reading("1Z-C", &readings[0]).expect("append");
    tx.append_condition_reading("1Z-D", &other).expect("append");
    tx.append_condition_reading("1Z-C", &readings[1]).expect("append");
    tx.append_condition_reading("1Z-C", &readings[2]).expect("append");
    tx.commit().expect("commit");
    read(&oms, |tx| {
        assert_eq!(tx.condition_readings("1Z-C").expect("list"), readings.to_vec());
        assert_eq!(tx.condition_readings("1Z-D").expect("list"), vec![other.clone()]);
        assert_eq!(tx.condition_readings("1Z-NONE").expect("list"), vec![]);
    });
}

#[test]
fn overdue_fulfillments_are_late_in_flight_and_not_yet_told() {
    let Some((_url, _schema, oms, order)) = setup("overdue") else { return };
    let now = at(10_000);
    let with = |n: u128, status: FulfillmentStatus, promised: DateTime<Utc>, notified: bool| {
        let mut f = ready(fid(n), order, "WH-A");
        f.status = status;
        let mut s = shipment(&format!("1Z-OVERDUE-{n}"), promised);
        s.delay_notified = notified;
        f.shipment = Some(s);
        f
    };
    let late = now - Duration::hours(1);
    let candidates = [
        with(7, FulfillmentStatus::DeliveryFailed, late, false), // overdue
        with(2, FulfillmentStatus::Shipped, late, false),        // overdue
        with(3, FulfillmentStatus::InTransit, late, false),      // overdue
        with(4, FulfillmentStatus::OutForDelivery, late, false), // overdue
        with(5, FulfillmentStatus::Delivered, late, false),
        with(6, FulfillmentStatus::ReturnedToSender, late, false),
        with(8, FulfillmentStatus::Shipped, late, true), // already told
        with(9, FulfillmentStatus::InTransit, now + Duration::hours(1), false),
        with(10, FulfillmentStatus::InTransit, now, false), // due exactly now: not late yet
        with(11, FulfillmentStatus::Cancelled, late, false),
    ];
    let mut packed = ready(fid(1), order, "WH-B");
    packed.status = FulfillmentStatus::Packed;
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_fulfillment(&packed).expect("put");
    for f in &candidates {
        tx.put_fulfillment(f).expect("put");
    }
    tx.commit().expect("commit");

    read(&oms, |tx| {
        assert_eq!(
            tx.overdue_fulfillments(now).expect("overdue"),
            vec![fid(2), fid(3), fid(4), fid(7)]
        );
        assert_eq!(tx.overdue_fulfillments(late).expect("an hour earlier"), vec![]);
        assert_eq!(
            tx.overdue_fulfillments(now + Duration::days(1)).expect("a day later"),
            vec![fid(2), fid(3), fid(4), fid(7), fid(9), fid(10)]
        );
    });

    // Telling the customer takes it off the list.
    let mut told = candidates[1].clone();
    told.shipment.as_mut().expect("shipment").delay_notified = true;
    put_all(&oms, &[&told]);
    read(&oms, |tx| {
        assert_eq!(tx.overdue_fulfillments(now).expect("overdue"), vec![fid(3), fid(4), fid(7)]);
    });
}

#[test]
fn a_bin_is_kept_per_sku_and_location_and_replaced() {
    let Some((_url, _schema, oms, _order)) = setup("bins") else { return };
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_eq!(tx.bin("SKU-1", "WH-A").expect("unknown"), None);
    tx.put_bin("SKU-1", "WH-A", "A-01-03").expect("put");
    tx.put_bin("SKU-1", "WH-B", "B-7").expect("put");
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_bin("SKU-1", "WH-A", "A-02-01").expect("replace");
    tx.commit().expect("commit");
    read(&oms, |tx| {
        assert_eq!(tx.bin("SKU-1", "WH-A").expect("read"), Some("A-02-01".into()));
        assert_eq!(tx.bin("SKU-1", "WH-B").expect("read"), Some("B-7".into()));
        assert_eq!(tx.bin("SKU-2", "WH-A").expect("read"), None);
    });
}

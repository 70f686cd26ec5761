//! Fulfilment storage at the `StoreTx` level: exact round trips of
//! fulfilment orders (packages, shipment, quotes, proof, thresholds),
//! replacement, tracking-number conflicts, tracking events, condition
//! readings, the overdue query and bins.

use chrono::{DateTime, Duration, TimeZone, Utc};
use omskit_core::fulfillment::{
    FulfillmentLine, FulfillmentOrder, FulfillmentStatus, Package, PackageLine,
};
use omskit_core::shipping::{
    ConditionKind, ConditionReading, ConditionThresholds, DeliveryProof, Parcel, RateQuote,
    Shipment, TrackingEvent, TrackingEventKind, TrackingUpdate,
};
use omskit_core::{Currency, Error, FulfillmentId, Oms, OrderId, Store, StoreTx, TxMode};
use omskit_sqlite::{SqliteOptions, SqliteStore, Synchronous};
use omskit_testkit::fixtures::{dec, draft, stock, TempDir};

/// An engine over a fresh file with locations WH-A and WH-B, and one placed
/// order (`TempDir` first: it must outlive the store).
fn setup(label: &str) -> (TempDir, Oms<SqliteStore>, OrderId) {
    let dir = TempDir::new(label);
    let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
    let oms = Oms::new(SqliteStore::open_with(dir.join("shop.db"), options).expect("open"));
    stock(&oms, &[("WH-A", 1), ("WH-B", 2)], &[("SKU-1", "WH-A", 50), ("SKU-2", "WH-B", 50)]);
    let order = oms.place_order(&draft(&[("SKU-1", 3), ("SKU-2", 2)])).expect("place").id;
    (dir, oms, order)
}

/// A time with microseconds, `minutes` after a fixed instant.
fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).single().expect("valid time")
        + Duration::minutes(minutes)
        + Duration::microseconds(123_456)
}

fn fid(n: u128) -> FulfillmentId {
    FulfillmentId::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

fn parcel(weight: &str) -> Parcel {
    Parcel {
        weight_kg: dec(weight),
        length_cm: dec("30.0"),
        width_cm: dec("20"),
        height_cm: dec("10.50"),
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
        cost: dec("7.50"),
        currency: Currency::USD,
        shipped_at: at(10),
        promised_delivery,
        rejected_quotes: Vec::new(),
        last_status_at: None,
        delivered_at: None,
        proof: None,
        thresholds: ConditionThresholds::default(),
        delay_notified: false,
    }
}

/// A fulfilment order with every field set: hold state, lines listed out of
/// line order, two packages, a shipment with quotes, proof and thresholds.
fn fully_populated(id: FulfillmentId, order: OrderId) -> FulfillmentOrder {
    let mut f = ready(id, order, "WH-A");
    f.status = FulfillmentStatus::Delivered;
    f.held_from = Some(FulfillmentStatus::Packed);
    f.reason = Some("address check".into());
    f.lines = vec![
        FulfillmentLine { line_id: 2, sku: "SKU-2".into(), quantity: 2 },
        FulfillmentLine { line_id: 1, sku: "SKU-1".into(), quantity: 3 },
    ];
    f.packages = vec![
        Package {
            id: "BOX-9".into(),
            parcel: parcel("1.250"),
            lines: vec![
                PackageLine { line_id: 2, quantity: 1 },
                PackageLine { line_id: 1, quantity: 3 },
            ],
        },
        Package {
            id: "BOX-1".into(),
            parcel: parcel("0.4"),
            lines: vec![PackageLine { line_id: 2, quantity: 1 }],
        },
    ];
    let mut s = shipment("1Z-FULL", at(60 * 48));
    s.cost = dec("12.3400");
    s.rejected_quotes = vec![
        RateQuote {
            carrier: "zoom".into(),
            service: "express".into(),
            cost: dec("25.000"),
            currency: Currency::USD,
            transit_days: 1,
            promised_delivery: at(60 * 24),
        },
        RateQuote {
            carrier: "acme".into(),
            service: "economy".into(),
            cost: dec("5"),
            currency: Currency::USD,
            transit_days: 5,
            promised_delivery: at(60 * 120),
        },
    ];
    s.last_status_at = Some(at(60 * 30));
    s.delivered_at = Some(at(60 * 30 + 1));
    s.proof = Some(DeliveryProof {
        signed_by: Some("A. Lovelace".into()),
        photo_reference: Some("photo-77".into()),
        location: Some("front door".into()),
    });
    s.thresholds = ConditionThresholds {
        min_temperature_c: Some(dec("-2.5")),
        max_temperature_c: Some(dec("8.00")),
        max_shock_g: Some(dec("3")),
    };
    s.delay_notified = true;
    f.shipment = Some(s);
    f.updated_at = at(60 * 30 + 2);
    f
}

/// The decimals of a fulfilment order as text, to check their scale (equal
/// decimals of different scale compare equal).
fn decimal_texts(f: &FulfillmentOrder) -> Vec<String> {
    let mut texts = Vec::new();
    for p in &f.packages {
        let p = &p.parcel;
        texts.extend([p.weight_kg, p.length_cm, p.width_cm, p.height_cm].map(|d| d.to_string()));
    }
    if let Some(s) = &f.shipment {
        texts.push(s.cost.to_string());
        texts.extend(s.rejected_quotes.iter().map(|q| q.cost.to_string()));
        let t = &s.thresholds;
        texts.extend(
            [t.min_temperature_c, t.max_temperature_c, t.max_shock_g]
                .map(|d| d.map_or_else(|| "-".to_owned(), |d| d.to_string())),
        );
    }
    texts
}

#[test]
fn a_fully_populated_fulfillment_order_round_trips_exactly() {
    let (_dir, oms, order) = setup("ful-round-trip");
    let f = fully_populated(fid(1), order);

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_eq!(tx.fulfillments_for_order(order).expect("list"), vec![], "placing creates none");
    tx.put_fulfillment(&f).expect("put");
    assert_eq!(tx.fulfillment(f.id).expect("get"), Some(f.clone()), "read back in the same tx");
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    let back = tx.fulfillment(f.id).expect("get").expect("stored");
    assert_eq!(back, f);
    assert_eq!(
        decimal_texts(&back),
        [
            "1.250", "30.0", "20", "10.50", "0.4", "30.0", "20", "10.50", "12.3400", "25.000", "5",
            "-2.5", "8.00", "3"
        ],
        "decimals keep their scale"
    );
    assert_eq!(tx.fulfillment_by_tracking_number("1Z-FULL").expect("by tn"), Some(f.clone()));
    assert_eq!(tx.fulfillment_by_tracking_number("1Z-NONE").expect("by tn"), None);
    assert_eq!(tx.fulfillment(fid(99)).expect("get unknown"), None);
    assert_eq!(tx.fulfillments_for_order(order).expect("list"), vec![f]);
}

#[test]
fn empty_proof_and_missing_parts_stay_distinct_from_none() {
    let (_dir, oms, order) = setup("ful-empty-proof");
    let mut with_empty_proof = ready(fid(1), order, "WH-A");
    let mut s = shipment("1Z-EMPTY", at(100));
    s.proof = Some(DeliveryProof::default());
    s.thresholds.max_shock_g = Some(dec("0.0"));
    with_empty_proof.shipment = Some(s);
    let mut bare = ready(fid(2), order, "WH-B");
    bare.lines.clear();
    bare.shipment = Some(shipment("1Z-BARE", at(100)));
    let mut empty_package = ready(fid(3), order, "WH-B");
    empty_package.packages =
        vec![Package { id: "EMPTY".into(), parcel: parcel("1"), lines: Vec::new() }];

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    for f in [&with_empty_proof, &bare, &empty_package] {
        tx.put_fulfillment(f).expect("put");
    }
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    let back = tx.fulfillments_for_order(order).expect("list");
    assert_eq!(back, vec![with_empty_proof.clone(), bare.clone(), empty_package.clone()]);
    let proof = back[0].shipment.as_ref().and_then(|s| s.proof.clone());
    assert_eq!(proof, Some(DeliveryProof::default()), "an empty proof is not None");
    assert_eq!(back[1].shipment.as_ref().and_then(|s| s.proof.clone()), None);
    assert_eq!(back[1].shipment.as_ref().map(|s| s.thresholds), Some(Default::default()));
    assert!(back[1].lines.is_empty());
    assert_eq!(back[2].packages[0].lines, vec![], "a package without lines keeps existing");
}

#[test]
fn fulfillments_of_an_order_come_by_id_with_children_in_vec_order() {
    let (_dir, oms, order) = setup("ful-by-order");
    let other = oms.place_order(&draft(&[("SKU-1", 1)])).expect("place other").id;
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    // Written out of id order, across two orders and two locations.
    let third = fully_populated(fid(30), order);
    let mut first = ready(fid(10), order, "WH-B");
    first.lines.reverse();
    first.status = FulfillmentStatus::Cancelled;
    first.reason = Some("customer asked".into());
    let mut second = ready(fid(20), order, "WH-A");
    second.packages = third.packages.clone();
    second.packages.reverse();
    let elsewhere = ready(fid(15), other, "WH-A");
    for f in [&third, &elsewhere, &first, &second] {
        tx.put_fulfillment(f).expect("put");
    }
    tx.commit().expect("commit");

    for mode in [TxMode::Read, TxMode::Write] {
        let mut tx = oms.store().begin(mode).expect("begin");
        assert_eq!(
            tx.fulfillments_for_order(order).expect("list"),
            vec![first.clone(), second.clone(), third.clone()]
        );
        assert_eq!(tx.fulfillments_for_order(other).expect("list"), vec![elsewhere.clone()]);
    }
}

#[test]
fn putting_again_replaces_everything_with_fewer_lines_and_packages() {
    let (_dir, oms, order) = setup("ful-replace");
    let full = fully_populated(fid(1), order);
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_fulfillment(&full).expect("put");
    tx.commit().expect("commit");

    // Without reading first (nothing known of what is stored).
    let mut smaller = full.clone();
    smaller.lines.truncate(1);
    smaller.packages.truncate(1);
    smaller.packages[0].lines.truncate(1);
    smaller.status = FulfillmentStatus::Packed;
    smaller.held_from = None;
    smaller.reason = None;
    smaller.shipment = None;
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_fulfillment(&smaller).expect("replace");
    tx.commit().expect("commit");
    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    assert_eq!(tx.fulfillment(full.id).expect("get"), Some(smaller.clone()));
    assert_eq!(tx.fulfillment_by_tracking_number("1Z-FULL").expect("by tn"), None);
    drop(tx);

    // After reading it, step by step, as the engine does.
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    let mut f = tx.fulfillment(full.id).expect("get").expect("stored");
    f.status = FulfillmentStatus::Shipped;
    f.shipment = Some(shipment("1Z-NEW", at(500)));
    tx.put_fulfillment(&f).expect("ship");
    f.shipment.as_mut().expect("shipment").last_status_at = Some(at(501));
    f.status = FulfillmentStatus::InTransit;
    tx.put_fulfillment(&f).expect("transit");
    f.packages.clear();
    f.lines.push(FulfillmentLine { line_id: 7, sku: "SKU-7".into(), quantity: 0 });
    tx.put_fulfillment(&f).expect("repack");
    tx.commit().expect("commit");
    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    assert_eq!(tx.fulfillment(full.id).expect("get"), Some(f.clone()));
    assert_eq!(tx.fulfillment_by_tracking_number("1Z-NEW").expect("by tn"), Some(f));
}

#[test]
fn a_tracking_number_of_another_fulfillment_order_is_a_conflict() {
    let (_dir, oms, order) = setup("ful-conflict");
    let mut a = ready(fid(1), order, "WH-A");
    a.status = FulfillmentStatus::Shipped;
    a.shipment = Some(shipment("1Z-TAKEN", at(100)));
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_fulfillment(&a).expect("put a");
    tx.commit().expect("commit");

    let mut b = ready(fid(2), order, "WH-B");
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.put_fulfillment(&b).expect("put b unshipped");
    b.status = FulfillmentStatus::Shipped;
    b.shipment = Some(shipment("1Z-TAKEN", at(100)));
    match tx.put_fulfillment(&b) {
        Err(Error::Conflict { field, message }) => {
            assert_eq!(field.as_deref(), Some("tracking_number"));
            assert!(message.contains("1Z-TAKEN"), "{message}");
        }
        other => panic!("expected a tracking_number conflict, got {other:?}"),
    }
    // A brand-new fulfilment order with a taken number: the same conflict.
    let mut c = ready(fid(3), order, "WH-B");
    c.shipment = Some(shipment("1Z-TAKEN", at(100)));
    let err = tx.put_fulfillment(&c).expect_err("conflict");
    assert!(matches!(&err, Error::Conflict { field: Some(f), .. } if f == "tracking_number"));
    // The transaction is still usable, and its rollback undoes it all.
    assert_eq!(tx.fulfillment_by_tracking_number("1Z-TAKEN").expect("by tn"), Some(a.clone()));
    assert_eq!(tx.fulfillment(c.id).expect("get c"), None, "nothing of c was written");
    drop(tx);

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_eq!(tx.fulfillments_for_order(order).expect("list"), vec![a.clone()]);
    // The same number on the same fulfilment order is no conflict.
    let mut a2 = a.clone();
    a2.status = FulfillmentStatus::InTransit;
    tx.put_fulfillment(&a2).expect("update a");
    // Another number for b is fine.
    b.shipment = Some(shipment("1Z-FREE", at(100)));
    tx.put_fulfillment(&b).expect("put b");
    tx.commit().expect("commit");
    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    assert_eq!(tx.fulfillments_for_order(order).expect("list"), vec![a2, b]);
}

fn event(tracking_number: &str, carrier_event_id: &str, minutes: i64) -> TrackingEvent {
    TrackingEvent {
        tracking_number: tracking_number.into(),
        update: TrackingUpdate::new(carrier_event_id, TrackingEventKind::InTransit, at(minutes)),
        received_at: at(minutes + 1),
        applied: true,
    }
}

#[test]
fn tracking_events_are_stored_once_in_arrival_order() {
    let (_dir, oms, _order) = setup("ful-tracking");
    let mut delivered = event("1Z-A", "ev-1", 50);
    delivered.update.kind = TrackingEventKind::Delivered;
    delivered.update.location = Some("Springfield".into());
    delivered.update.description = Some("Left at the door".into());
    delivered.update.proof = Some(DeliveryProof {
        signed_by: None,
        photo_reference: Some("p-1".into()),
        location: None,
    });
    let mut empty_proof = event("1Z-A", "ev-0", 40);
    empty_proof.update.kind = TrackingEventKind::Delivered;
    empty_proof.update.proof = Some(DeliveryProof::default());
    empty_proof.applied = false;
    // Arrival order differs from occurrence order and from id order.
    let arrivals = [
        event("1Z-A", "ev-9", 30),
        delivered.clone(),
        event("1Z-B", "ev-1", 10),
        empty_proof.clone(),
        event("1Z-A", "ev-5", 20),
    ];

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    for e in &arrivals {
        assert!(tx.insert_tracking_event(e).expect("insert"), "{e:?} is new");
    }
    let mut duplicate = event("1Z-A", "ev-1", 99);
    duplicate.update.description = Some("a different text".into());
    assert!(!tx.insert_tracking_event(&duplicate).expect("insert duplicate"));
    assert!(!tx.insert_tracking_event(&arrivals[0]).expect("insert duplicate"));
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    assert_eq!(
        tx.tracking_events("1Z-A").expect("events"),
        vec![arrivals[0].clone(), delivered, empty_proof, arrivals[4].clone()],
        "in arrival order, the duplicate changed nothing"
    );
    assert_eq!(tx.tracking_events("1Z-B").expect("events"), vec![arrivals[2].clone()]);
    assert_eq!(tx.tracking_events("1Z-C").expect("events"), vec![]);
}

#[test]
fn condition_readings_come_back_in_recording_order() {
    let (_dir, oms, _order) = setup("ful-readings");
    let reading = |kind, value: &str, minutes, sensor: Option<&str>| ConditionReading {
        kind,
        value: dec(value),
        at: at(minutes),
        sensor: sensor.map(str::to_owned),
    };
    let a = [
        reading(ConditionKind::Temperature, "4.50", 30, Some("probe-1")),
        reading(ConditionKind::Shock, "0.0", 10, None),
        reading(ConditionKind::Temperature, "-1", 20, Some("probe-2")),
    ];
    let b = reading(ConditionKind::Shock, "9.125", 5, Some("g-1"));

    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    tx.append_condition_reading("1Z-A", &a[0]).expect("append");
    tx.append_condition_reading("1Z-B", &b).expect("append");
    tx.append_condition_reading("1Z-A", &a[1]).expect("append");
    tx.append_condition_reading("1Z-A", &a[2]).expect("append");
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    let back = tx.condition_readings("1Z-A").expect("readings");
    assert_eq!(back, a.to_vec());
    let texts: Vec<String> = back.iter().map(|r| r.value.to_string()).collect();
    assert_eq!(texts, ["4.50", "0.0", "-1"], "values keep their scale");
    assert_eq!(tx.condition_readings("1Z-B").expect("readings"), vec![b]);
    assert_eq!(tx.condition_readings("1Z-C").expect("readings"), vec![]);
}

#[test]
fn overdue_fulfillments_filter_on_status_time_and_notice() {
    let (_dir, oms, order) = setup("ful-overdue");
    let now = at(1000);
    let shipped = |n: u128, status, promised, notified: bool| {
        let mut f = ready(fid(n), order, "WH-A");
        f.status = status;
        let mut s = shipment(&format!("1Z-{n}"), promised);
        s.delay_notified = notified;
        f.shipment = Some(s);
        f
    };
    use FulfillmentStatus as S;
    let late = now - Duration::minutes(5);
    let all = [
        shipped(9, S::Shipped, late, false),   // overdue
        shipped(2, S::InTransit, late, false), // overdue
        shipped(3, S::OutForDelivery, now - Duration::microseconds(1), false), // overdue
        shipped(4, S::DeliveryFailed, late, false), // overdue
        shipped(5, S::InTransit, now, false),  // due now: not yet late
        shipped(6, S::InTransit, now + Duration::days(1), false), // not due
        shipped(7, S::InTransit, late, true),  // already told
        shipped(8, S::Delivered, late, false), // delivered
        shipped(1, S::ReturnedToSender, late, false), // returned
        shipped(10, S::OnHold, late, false),   // not shipped
        ready(fid(11), order, "WH-A"),         // no shipment
    ];
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    for f in &all {
        tx.put_fulfillment(f).expect("put");
    }
    assert_eq!(
        tx.overdue_fulfillments(now).expect("overdue"),
        vec![fid(2), fid(3), fid(4), fid(9)]
    );
    // Telling the customer removes it.
    let mut told = all[0].clone();
    told.shipment.as_mut().expect("shipment").delay_notified = true;
    tx.put_fulfillment(&told).expect("put");
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    assert_eq!(tx.overdue_fulfillments(now).expect("overdue"), vec![fid(2), fid(3), fid(4)]);
    assert_eq!(
        tx.overdue_fulfillments(now + Duration::days(2)).expect("overdue"),
        vec![fid(2), fid(3), fid(4), fid(5), fid(6)]
    );
    assert_eq!(tx.overdue_fulfillments(late).expect("overdue"), vec![]);
}

#[test]
fn a_bin_is_kept_per_sku_and_location_and_replaced() {
    let (_dir, oms, _order) = setup("ful-bins");
    let mut tx = oms.store().begin(TxMode::Write).expect("begin");
    assert_eq!(tx.bin("SKU-1", "WH-A").expect("bin"), None);
    tx.put_bin("SKU-1", "WH-A", "A-01-3").expect("put");
    tx.put_bin("SKU-1", "WH-B", "B-7").expect("put");
    tx.put_bin("SKU-2", "WH-A", "A-02-1").expect("put");
    tx.put_bin("SKU-1", "WH-A", "A-09-9").expect("replace");
    tx.commit().expect("commit");

    let mut tx = oms.store().begin(TxMode::Read).expect("begin read");
    assert_eq!(tx.bin("SKU-1", "WH-A").expect("bin").as_deref(), Some("A-09-9"));
    assert_eq!(tx.bin("SKU-1", "WH-B").expect("bin").as_deref(), Some("B-7"));
    assert_eq!(tx.bin("SKU-2", "WH-A").expect("bin").as_deref(), Some("A-02-1"));
    assert_eq!(tx.bin("SKU-2", "WH-B").expect("bin"), None);
    assert_eq!(tx.bin("SKU-3", "WH-A").expect("bin"), None);
}

//! The full order lifecycle, one order at a time: place → fulfil → pick
//! list → confirm pick → pack → ship (table-rate carrier) → delivered,
//! on the in-memory store and on SQLite with `synchronous = NORMAL`.
//!
//! Run with `cargo bench --bench lifecycle`; `-- --test` runs each once, as
//! `scripts/test.sh` does. See BENCHMARKS.md for results.
//!
//! One iteration is seven use cases, each its own transaction (seven
//! commits on SQLite), for the three-line benchmark order of the other
//! benchmarks (every line stocked at the first of three locations, so one
//! fulfilment order and one package per order).

use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use criterion::{criterion_main, BenchmarkId, Criterion, Throughput};
use omskit::fulfillment::{Package, PackageLine, PickedLine};
use omskit::shipping::{Parcel, TableRateCarrier, TrackingEventKind, TrackingUpdate};
use omskit::{Currency, Decimal, Oms};
use omskit_sqlite::{SqliteOptions, Synchronous};
use omskit_testkit::fixtures::{three_line_bench_order, TempDir};

/// An engine with three stocked locations and the table-rate carrier.
fn stocked(oms: Oms) -> Oms {
    let oms = oms.with_carrier(Arc::new(TableRateCarrier::standard(Currency::USD)));
    for (code, priority) in [("WH-1", 1), ("WH-2", 2), ("WH-3", 3)] {
        oms.add_location(code, code, priority).expect("location");
        for sku in ["SKU-A", "SKU-B", "SKU-C"] {
            oms.receive_stock(sku, code, 900_000_000, "bench").expect("stock");
        }
    }
    oms
}

/// One order from placement to delivery.
fn lifecycle(oms: &Oms, n: u64) {
    let order = oms.place_order(&three_line_bench_order()).expect("placed");
    let fulfillments = oms.fulfil(order.id).expect("fulfilled");
    let f = &fulfillments[0];
    oms.create_pick_list(&f.location, &[f.id]).expect("pick list");
    let picked: Vec<PickedLine> =
        f.lines.iter().map(|l| PickedLine { line_id: l.line_id, quantity: l.quantity }).collect();
    oms.confirm_pick(f.id, &picked).expect("picked");
    let package = Package {
        id: "box-1".into(),
        parcel: Parcel {
            weight_kg: Decimal::new(24, 1),
            length_cm: Decimal::from(40),
            width_cm: Decimal::from(30),
            height_cm: Decimal::from(20),
        },
        lines: f
            .lines
            .iter()
            .map(|l| PackageLine { line_id: l.line_id, quantity: l.quantity })
            .collect(),
    };
    oms.pack(f.id, &[package]).expect("packed");
    let shipped = oms.ship(f.id, "table-rate", "ground").expect("shipped");
    let tracking = shipped.shipment.expect("shipment").tracking_number;
    let delivered =
        TrackingUpdate::new(&format!("d-{n}"), TrackingEventKind::Delivered, Utc::now());
    black_box(oms.record_tracking_event(&tracking, &delivered).expect("delivered"));
}

fn bench_lifecycle(c: &mut Criterion) {
    let mut group = c.benchmark_group("lifecycle");
    group.throughput(Throughput::Elements(1));
    let memory = stocked(Oms::in_memory());
    let mut n = 0;
    group.bench_function(BenchmarkId::new("memory", "1_order"), |b| {
        b.iter(|| {
            n += 1;
            lifecycle(&memory, n);
        })
    });
    let dir = TempDir::new("omskit-bench-lifecycle");
    let options = SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
    let sqlite = stocked(Oms::open_with(dir.path().join("lifecycle.db"), options).expect("open"));
    group.bench_function(BenchmarkId::new("sqlite_normal", "1_order"), |b| {
        b.iter(|| {
            n += 1;
            lifecycle(&sqlite, n);
        })
    });
    group.finish();
}

/// Runs the group (20 samples, 1 s warm-up, 4 s of measurement).
/// (Written out instead of `criterion_group!`, whose function has no docs.)
fn benches() {
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    bench_lifecycle(&mut c);
}

criterion_main!(benches);

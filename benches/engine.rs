//! Engine benchmarks on the in-memory store.
//!
//! Run with `cargo bench --bench engine`; `cargo bench --bench engine -- --test`
//! runs each benchmark once, as `scripts/test.sh` does.
//!
//! Every sample gets a fresh engine (set up outside the timed region), so the
//! store never grows beyond one sample's orders (a few tens of thousands) and
//! memory stays bounded however long criterion decides to run. The audit
//! chain is always on: every use case hashes and appends its events.
//!
//! | benchmark | what one iteration does |
//! | --- | --- |
//! | `place_order/3_lines_3_locations` | places one 3-line order, every line served by the first location |
//! | `place_order/3_lines_1_split` | the same, but the third line is split across 2 locations |
//! | `transition/hold_release` | `hold_order` then `release_hold` on an existing order |
//! | `transition/record_payment` | records a payment that covers an existing order |
//! | `place_orders/1000` | places 1000 orders in one transaction (throughput per order) |

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_main, Criterion, Throughput};
use omskit::{Engine, MemoryStore, OrderDraft, OrderId, PaymentKind};
use omskit_testkit::fixtures;

/// Locations and their priorities (lower is reserved from first).
const LOCATIONS: [(&str, i32); 3] = [("WH-1", 1), ("WH-2", 2), ("WH-3", 3)];

/// SKUs stocked at every location.
const SKUS: [&str; 3] = ["SKU-A", "SKU-B", "SKU-C"];

/// A SKU of which the first location holds a single unit per order (see
/// [`split_order`]), so a line of 2 always splits across WH-1 and WH-2.
const SPLIT_SKU: &str = "SKU-SPLIT";

/// Units received per (SKU, location): 1,000,000,000 per SKU in all.
const UNITS_PER_LOCATION: i64 = 333_333_334;

/// An engine over a [`MemoryStore`] (the generic engine, without the
/// facade's run-time store choice) with 3 locations and every SKU stocked
/// at all of them.
fn engine() -> Engine<MemoryStore> {
    let oms = Engine::new(MemoryStore::new());
    for (code, priority) in LOCATIONS {
        oms.add_location(code, &format!("Warehouse {code}"), priority).expect("add location");
    }
    for sku in SKUS {
        for (code, _) in LOCATIONS {
            oms.receive_stock(sku, code, UNITS_PER_LOCATION, "PO-BENCH").expect("receive stock");
        }
    }
    // The split SKU starts with nothing at WH-1 and plenty further out.
    for (code, _) in &LOCATIONS[1..] {
        oms.receive_stock(SPLIT_SKU, code, UNITS_PER_LOCATION, "PO-BENCH").expect("receive stock");
    }
    oms
}

/// Three lines of different SKUs, one unit each.
fn three_line_order() -> OrderDraft {
    fixtures::three_line_bench_order()
}

/// Three lines, the last one of 2 units of [`SPLIT_SKU`].
fn split_order() -> OrderDraft {
    fixtures::bench_order(&[("SKU-A", 1, "19.99"), ("SKU-B", 1, "5.49"), (SPLIT_SKU, 2, "120.00")])
}

/// Places `n` orders (untimed setup for the transition benchmarks).
fn place_many(oms: &Engine<MemoryStore>, n: u64) -> Vec<OrderId> {
    let drafts = vec![three_line_order(); usize::try_from(n).expect("n fits in usize")];
    oms.place_orders(&drafts)
        .expect("place orders")
        .into_iter()
        .map(|order| order.expect("placed").id)
        .collect()
}

fn place_order(c: &mut Criterion) {
    let mut group = c.benchmark_group("place_order");
    group.throughput(Throughput::Elements(1));

    let plain = three_line_order();
    group.bench_function("3_lines_3_locations", |b| {
        b.iter_custom(|iters| {
            let oms = engine();
            let start = Instant::now();
            for _ in 0..iters {
                black_box(oms.place_order(black_box(&plain)).expect("placed"));
            }
            start.elapsed()
        });
    });

    // To split on every iteration, WH-1 gets exactly one unit of the split
    // SKU before each order (untimed), so the 2-unit line takes 1 there and
    // 1 at WH-2. Each iteration is timed on its own; the timer costs a few
    // tens of nanoseconds.
    let split = split_order();
    group.bench_function("3_lines_1_split", |b| {
        b.iter_custom(|iters| {
            let oms = engine();
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                oms.receive_stock(SPLIT_SKU, "WH-1", 1, "PO-TOP-UP").expect("receive stock");
                let start = Instant::now();
                let order = black_box(oms.place_order(black_box(&split)).expect("placed"));
                total += start.elapsed();
                debug_assert_eq!(oms.reservations(order.id).map(|r| r.len()).ok(), Some(4));
            }
            total
        });
    });
    group.finish();
}

fn transition(c: &mut Criterion) {
    let mut group = c.benchmark_group("transition");

    // Each iteration works on its own order (placed untimed), because holds
    // and payments accumulate on an order: one order reused a million times
    // would measure cloning an ever longer history.
    group.bench_function("hold_release", |b| {
        b.iter_custom(|iters| {
            let oms = engine();
            let ids = place_many(&oms, iters);
            let start = Instant::now();
            for &id in &ids {
                black_box(oms.hold_order(id, "address check").expect("held"));
                black_box(oms.release_hold(id).expect("released"));
            }
            start.elapsed()
        });
    });

    group.bench_function("record_payment", |b| {
        b.iter_custom(|iters| {
            let oms = engine();
            let ids = place_many(&oms, iters);
            let total = oms.order(ids[0]).expect("order").totals.grand_total;
            let start = Instant::now();
            for &id in &ids {
                black_box(
                    oms.record_payment(id, PaymentKind::Capture, total, "psp-charge-1")
                        .expect("recorded"),
                );
            }
            start.elapsed()
        });
    });
    group.finish();
}

fn place_orders(c: &mut Criterion) {
    const BATCH: usize = 1000;
    let mut group = c.benchmark_group("place_orders");
    group.throughput(Throughput::Elements(BATCH as u64));

    let drafts = vec![three_line_order(); BATCH];
    group.bench_function("1000", |b| {
        b.iter_custom(|iters| {
            let oms = engine();
            let start = Instant::now();
            for _ in 0..iters {
                let results = black_box(oms.place_orders(black_box(&drafts)).expect("placed"));
                debug_assert!(results.iter().all(Result::is_ok));
            }
            start.elapsed()
        });
    });
    group.finish();
}

/// Runs every group with modest settings (30 samples, 1 s warm-up, 3 s of
/// measurement each), so the whole suite takes well under a minute.
/// (Written out instead of `criterion_group!`, whose function has no docs.)
fn benches() {
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    place_order(&mut c);
    transition(&mut c);
    place_orders(&mut c);
}

criterion_main!(benches);

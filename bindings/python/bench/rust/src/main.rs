//! Places 3-line orders through `omskit::Oms` exactly as `bench.py` does from
//! Python, and prints the orders per second of one timed run as JSON:
//!
//! ```text
//! omskit-python-bench memory|sqlite ORDERS BATCH [DIR]
//! {"store": "memory", "orders": 20000, "batch": 1, "seconds": 0.25, "orders_per_second": 80000.0}
//! ```
//!
//! `BATCH` 1 places each order in its own transaction (`place_order`); a
//! larger batch places that many per transaction (`place_orders`). The
//! store is fresh and stocked before the clock starts; SQLite uses a new
//! file in `DIR` with `synchronous=NORMAL`. One untimed round on another
//! fresh store comes first.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Instant;

use omskit::sqlite::{SqliteOptions, Synchronous};
use omskit::{Address, Channel, Currency, Decimal, LineDraft, Oms, OrderDraft};

/// Locations and priorities, as in bench.py.
const LOCATIONS: [(&str, i32); 3] = [("WH-1", 1), ("WH-2", 2), ("WH-3", 3)];
/// SKUs stocked at every location.
const SKUS: [&str; 3] = ["SKU-A", "SKU-B", "SKU-C"];
/// Units per (SKU, location).
const UNITS: i64 = 333_333_334;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal literal")
}

/// The order bench.py places: 3 taxed lines, shipping, an address.
fn draft() -> OrderDraft {
    OrderDraft::new(Channel::Web, Currency::USD)
        .customer("c-42", "Ada Lovelace", "ada@example.com")
        .ship_to(Address {
            name: "Ada Lovelace".into(),
            line1: "12 Analytical Row".into(),
            line2: None,
            city: "Springfield".into(),
            region: Some("IL".into()),
            postal_code: Some("62701".into()),
            country: "US".into(),
        })
        .line(LineDraft::new("SKU-A", 1, dec("19.99")).tax_rate(dec("0.0825")))
        .line(LineDraft::new("SKU-B", 2, dec("5.00")).tax_rate(dec("0.0825")))
        .line(LineDraft::new("SKU-C", 3, dec("7.25")).tax_rate(dec("0.0825")))
        .shipping(dec("4.95"))
}

/// A fresh store with every SKU stocked at every location.
fn fresh(store: &str, dir: Option<&PathBuf>, round: usize) -> Oms {
    let oms = match (store, dir) {
        ("memory", _) => Oms::in_memory(),
        ("sqlite", Some(dir)) => {
            let path = dir.join(format!("rust-{}-{round}.db", std::process::id()));
            let options = SqliteOptions { synchronous: Synchronous::Normal, ..Default::default() };
            Oms::open_with(path, options).expect("open the SQLite file")
        }
        _ => panic!("{USAGE}"),
    };
    for (code, priority) in LOCATIONS {
        oms.add_location(code, &format!("Warehouse {code}"), priority).expect("add location");
    }
    for sku in SKUS {
        for (code, _) in LOCATIONS {
            oms.receive_stock(sku, code, UNITS, "PO-BENCH").expect("receive stock");
        }
    }
    oms
}

const USAGE: &str = "usage: omskit-python-bench memory|sqlite ORDERS BATCH [DIR]";

/// Seconds to place `orders` orders on `oms`, `batch` per transaction.
fn place(oms: &Oms, orders: usize, batch: usize) -> f64 {
    let draft = draft();
    let drafts = vec![draft.clone(); batch];
    let start = Instant::now();
    let mut placed = 0;
    while placed < orders {
        if batch == 1 {
            std::hint::black_box(oms.place_order(&draft).expect("placed"));
            placed += 1;
        } else {
            let results = oms.place_orders(&drafts).expect("placed");
            assert!(results.iter().all(Result::is_ok), "every order placed");
            placed += results.len();
        }
    }
    start.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let store = args.get(1).expect(USAGE).as_str();
    let orders: usize = args.get(2).and_then(|a| a.parse().ok()).expect(USAGE);
    let batch: usize = args.get(3).and_then(|a| a.parse().ok()).filter(|b| *b > 0).expect(USAGE);
    let dir = args.get(4).map(PathBuf::from);
    // A first, untimed round warms the process up (its heap, the allocator,
    // the code), as earlier runs have warmed the long-lived Python process.
    place(&fresh(store, dir.as_ref(), 0), orders, batch);
    let seconds = place(&fresh(store, dir.as_ref(), 1), orders, batch);
    println!(
        "{{\"store\": \"{store}\", \"orders\": {orders}, \"batch\": {batch}, \"seconds\": {seconds}, \
         \"orders_per_second\": {}}}",
        orders as f64 / seconds
    );
}

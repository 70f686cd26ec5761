//! The Rust side of the C-ABI benchmark (`bindings/c/bench/run.sh`): places
//! the same 3-line order as `bench/bench_place.c` through the `omskit`
//! facade, on the same stores, in the same rounds, so that the C figure has
//! a Rust figure from the same run to be compared with.
//!
//! `cargo run --release -p omskit-c --example rust_baseline -- STORE ORDERS ROUNDS [DIR]`
//! with STORE `memory` or `sqlite`; prints
//! `RESULT rust <store> <median orders/s> <median us/order>`.

use std::time::Instant;

use omskit::sqlite::{SqliteOptions, Synchronous};
use omskit::Oms;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: rust_baseline memory|sqlite ORDERS ROUNDS [DIR]");
        std::process::exit(2);
    }
    let store = args[1].as_str();
    let orders: u32 = args[2].parse().expect("ORDERS");
    let rounds: u32 = args[3].parse().expect("ROUNDS");
    let dir = args.get(4).map_or("/tmp", String::as_str);
    let draft = omskit_testkit::fixtures::three_line_bench_order();

    let mut rates = Vec::new();
    for round in 0..rounds {
        let path = format!("{dir}/omskit-bench-rust-{}-{round}.db", std::process::id());
        let oms = match store {
            "sqlite" => {
                let options =
                    SqliteOptions { synchronous: Synchronous::Normal, ..SqliteOptions::default() };
                Oms::open_with(&path, options).expect("open")
            }
            _ => Oms::in_memory(),
        };
        for (i, code) in ["WH-1", "WH-2", "WH-3"].iter().enumerate() {
            oms.add_location(code, &format!("Warehouse {code}"), i as i32 + 1).expect("location");
            for sku in ["SKU-A", "SKU-B", "SKU-C"] {
                oms.receive_stock(sku, code, 333_333_334, "PO-BENCH").expect("receive");
            }
        }
        let start = Instant::now();
        for _ in 0..orders {
            std::hint::black_box(oms.place_order(std::hint::black_box(&draft)).expect("placed"));
        }
        rates.push(f64::from(orders) / start.elapsed().as_secs_f64());
        drop(oms);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    rates.sort_by(f64::total_cmp);
    let n = rates.len();
    let median = if n % 2 == 1 { rates[n / 2] } else { (rates[n / 2 - 1] + rates[n / 2]) / 2.0 };
    println!("RESULT rust {store} {median:.0} {:.2}", 1e6 / median);
}

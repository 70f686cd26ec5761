"""Throughput of placing orders from Python, next to the same operation in Rust.

Places 3-line orders (3 SKUs stocked at 3 locations, every line served by the
first) on the in-memory store and on a SQLite file (``synchronous="normal"``),
one order per transaction (``place_order``) and 1000 per transaction
(``place_orders``). Each run starts from a fresh, stocked store and times
only the placing. The Rust figure comes from ``bench/rust`` (the same order,
the same stock, the same facade ``omskit::Oms``), built with cargo and run
between the Python runs of the same measurement, so both see the same load.
Prints the median orders per second of each and the ratio.

    python bindings/python/bench/bench.py            # omskit installed in this Python
    python bindings/python/bench/bench.py --runs 9 --quick

Other builds on a shared machine move these figures by tens of percent:
compare Python with the Rust figure of the same run, not across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import omskit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
RUST_PROJECT = HERE / "rust"
RUST_TARGET = ROOT / "target" / "py-bench-rust"
RUST_BIN = RUST_TARGET / "release" / "omskit-python-bench"

LOCATIONS = [("WH-1", 1), ("WH-2", 2), ("WH-3", 3)]
SKUS = ["SKU-A", "SKU-B", "SKU-C"]
UNITS = 333_333_334

DRAFT: dict[str, Any] = {
    "channel": "web",
    "currency": "USD",
    "customer": {"id": "c-42", "name": "Ada Lovelace", "email": "ada@example.com"},
    "ship_to": {
        "name": "Ada Lovelace",
        "line1": "12 Analytical Row",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    },
    "lines": [
        {"sku": "SKU-A", "quantity": 1, "unit_price": "19.99", "tax_rate": "0.0825"},
        {"sku": "SKU-B", "quantity": 2, "unit_price": "5.00", "tax_rate": "0.0825"},
        {"sku": "SKU-C", "quantity": 3, "unit_price": "7.25", "tax_rate": "0.0825"},
    ],
    "shipping": "4.95",
}


def build_rust() -> None:
    """Builds the Rust side (release) unless it is up to date."""
    subprocess.run(
        [
            "cargo",
            "build",
            "--quiet",
            "--release",
            "--manifest-path",
            str(RUST_PROJECT / "Cargo.toml"),
            "--target-dir",
            str(RUST_TARGET),
        ],
        check=True,
    )


def fresh(store: str, scratch: str) -> omskit.Oms:
    """A new stocked store."""
    if store == "memory":
        oms = omskit.Oms.in_memory()
    else:
        path = os.path.join(scratch, f"python-{uuid.uuid4().hex}.db")
        oms = omskit.Oms.open(path, synchronous="normal")
    for code, priority in LOCATIONS:
        oms.add_location(code, f"Warehouse {code}", priority)
    for sku in SKUS:
        for code, _ in LOCATIONS:
            oms.receive_stock(sku, code, UNITS, "PO-BENCH")
    return oms


def python_run(store: str, orders: int, batch: int, draft: Any, scratch: str) -> float:
    """Orders per second of one timed Python run."""
    oms = fresh(store, scratch)
    try:
        if batch == 1:
            place = oms.place_order
            start = time.perf_counter()
            for _ in range(orders):
                place(draft)
            seconds = time.perf_counter() - start
        else:
            drafts = [draft] * batch
            start = time.perf_counter()
            placed = 0
            while placed < orders:
                results = oms.place_orders(drafts)
                placed += len(results)
            seconds = time.perf_counter() - start
            assert all(isinstance(r, omskit.Order) for r in results)
    finally:
        oms.close()
    return orders / seconds


def rust_run(store: str, orders: int, batch: int, scratch: str) -> float:
    """Orders per second of one timed Rust run."""
    out = subprocess.run(
        [str(RUST_BIN), store, str(orders), str(batch), scratch],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, Any] = json.loads(out)
    return float(result["orders_per_second"])


def measure(
    runs: int, rust: Callable[[], float], pythons: dict[str, Callable[[], float]]
) -> dict[str, float]:
    """Medians over `runs` runs, Rust and each Python variant taking turns."""
    samples: dict[str, list[float]] = {"rust": []}
    samples.update({name: [] for name in pythons})
    for _ in range(runs):
        samples["rust"].append(rust())
        for name, run in pythons.items():
            samples[name].append(run())
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (default 5)")
    parser.add_argument("--quick", action="store_true", help="fewer orders per run")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    build_rust()
    typed = omskit.OrderDraft.from_dict(DRAFT)
    cases = [
        ("memory", "place_order", 20_000 // scale, 1),
        ("sqlite", "place_order", 3_000 // scale, 1),
        ("memory", "place_orders(1000)", 20_000 // scale, 1000),
        ("sqlite", "place_orders(1000)", 10_000 // scale, 1000),
    ]
    print(f"omskit {omskit.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
          f"median of {args.runs} runs, orders per second (3-line orders)")
    header = (f"{'store':<7} {'operation':<19} {'Rust':>9} {'Python dict':>12} {'ratio':>6} "
              f"{'Python typed':>13} {'ratio':>6}")
    print(header)
    print("-" * len(header))
    results = []
    with tempfile.TemporaryDirectory(prefix="omskit-bench-") as scratch:
        for store, operation, orders, batch in cases:
            medians = measure(
                args.runs,
                lambda: rust_run(store, orders, batch, scratch),
                {
                    "dict": lambda: python_run(store, orders, batch, DRAFT, scratch),
                    "typed": lambda: python_run(store, orders, batch, typed, scratch),
                },
            )
            rust, as_dict, as_typed = medians["rust"], medians["dict"], medians["typed"]
            print(f"{store:<7} {operation:<19} {rust:>9,.0f} {as_dict:>12,.0f} {as_dict / rust:>6.0%} "
                  f"{as_typed:>13,.0f} {as_typed / rust:>6.0%}")
            results.append((store, operation, rust, as_dict, as_typed))
    print()
    print("Targets: Python >= 50% of Rust; >= 27,000 orders/s on SQLite (NORMAL).")
    for store, operation, rust, as_dict, as_typed in results:
        half = "met" if as_dict >= rust / 2 else "NOT met"
        line = f"  {store} {operation}: 50% of Rust with dict drafts {half}"
        if store == "sqlite":
            line += f"; 27,000/s {'met' if as_dict >= 27_000 else 'NOT met'} (Rust itself: {rust:,.0f}/s)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# The C-ABI benchmark: 3-line orders placed from a JSON draft through
# libomskit (bench_place.c), next to the same orders placed from Rust
# (examples/rust_baseline.rs) in the same run, on the in-memory store and on
# SQLite with synchronous=NORMAL. Prints the median of each and the ratio.
#
#   bindings/c/bench/run.sh [MEMORY_ORDERS] [SQLITE_ORDERS] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$here/../.." && pwd)
memory_orders=${1:-20000}
sqlite_orders=${2:-3000}
rounds=${3:-7}
dir=$(mktemp -d /tmp/omskit-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT

(cd "$root" && cargo build --release -q -p omskit-c --example rust_baseline)
make -s -C "$here" "$here/build/bench_place" >/dev/null
c="$here/build/bench_place"
rust="${CARGO_TARGET_DIR:-$root/target}/release/examples/rust_baseline"

results=()
# Alternate the two so that a noisy neighbour hits both alike.
for pass in 1 2; do
    results+=("$("$rust" memory "$memory_orders" "$rounds" "$dir")")
    results+=("$("$c" memory "$memory_orders" "$rounds" "$dir")")
    results+=("$("$c" memory-noout "$memory_orders" "$rounds" "$dir")")
    results+=("$("$rust" sqlite "$sqlite_orders" "$rounds" "$dir")")
    results+=("$("$c" sqlite "$sqlite_orders" "$rounds" "$dir")")
done
printf '%s\n' "${results[@]}" | python3 -c '
import sys, statistics
rates = {}
for line in sys.stdin:
    _, side, store, rate, _ = line.split()
    rates.setdefault((side, store), []).append(float(rate))
med = {k: statistics.median(v) for k, v in rates.items()}
print("%-52s %10s %9s %8s" % ("what (median of the rounds)", "orders/s", "us/order", "vs Rust"))
rows = [
    ("rust", "memory", "memory", "Rust place_order, in memory"),
    ("c", "memory", "memory", "C ABI place_order (JSON in, JSON out), in memory"),
    ("c", "memory-noout", "memory", "C ABI place_order (JSON in, no JSON out), in memory"),
    ("rust", "sqlite", "sqlite", "Rust place_order, SQLite NORMAL"),
    ("c", "sqlite", "sqlite", "C ABI place_order (JSON in, JSON out), SQLite NORMAL"),
]
for side, store, base, label in rows:
    rate = med[(side, store)]
    ratio = rate / med[("rust", base)]
    print("%-52s %10.0f %9.2f %7.0f%%" % (label, rate, 1e6 / rate, ratio * 100))
'

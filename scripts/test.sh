#!/usr/bin/env bash
# The one test command: formatting, lints, every test of the workspace on
# every backend (in memory, SQLite, and a throwaway PostgreSQL 15 that this
# script starts and stops), the C ABI's C and C++ tests, and every benchmark
# run once. The Python binding's tests run here too once it lands.
set -euo pipefail
cd "$(dirname "$0")/.."

# Every step shares one throwaway PostgreSQL server. It runs without
# autovacuum: an automatic ANALYZE holds a transaction id while it runs, and
# events_since holds back younger transactions' events until every older one
# has ended (so that it never skips one). The suite reads the log right after
# writing it, and once a background ANALYZE made such a read miss an event.
if [ -z "${OMSKIT_TEST_PG_URL:-}" ]; then
    OMSKIT_PG_SETTINGS="-c autovacuum=off" exec scripts/with-postgres.sh "$0" "$@"
fi

echo "== cargo fmt"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== cargo test (memory, SQLite, PostgreSQL)"
cargo test --workspace --all-features --locked

# The steps below build in release only; where disk is short (.ci/run sets
# this), the debug build can go.
if [ -n "${OMSKIT_DROP_DEBUG_BUILD:-}" ]; then
    rm -rf target/debug
fi

echo "== C ABI: C and C++ tests under valgrind and sanitizers"
bash scripts/test-c.sh

if [ -f scripts/test-python.sh ]; then
    echo "== Python binding"
    bash scripts/test-python.sh
fi

echo "== benchmarks, each run once"
cargo bench --workspace --all-features --locked -- --test

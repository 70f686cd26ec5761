#!/usr/bin/env bash
# The one test command: formatting, lints, every test of the workspace on
# every backend (in memory, SQLite, and a throwaway PostgreSQL 15 that this
# script starts and stops), and every benchmark run once.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings

echo "== cargo test (memory, SQLite, PostgreSQL)"
scripts/with-postgres.sh cargo test --workspace --all-features --locked

echo "== benchmarks, each run once"
scripts/with-postgres.sh cargo bench --workspace --all-features --locked -- --test

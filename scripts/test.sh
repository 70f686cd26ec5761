#!/usr/bin/env bash
# The one test command: formatting, lints, and every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== cargo test"
cargo test --workspace --locked

echo "== benchmarks compile and run once"
cargo bench --workspace --locked -- --test

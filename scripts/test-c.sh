#!/usr/bin/env bash
# The C ABI's test command: builds libomskit (shared and static), checks the
# committed header against cbindgen, runs the C and C++ test programs
# against the shared library under valgrind and against the static library
# with AddressSanitizer + UndefinedBehaviorSanitizer, runs the examples,
# installs into a temporary prefix and builds an example with
# `pkg-config --cflags --libs omskit`.
#
#   scripts/test-c.sh                            in memory and SQLite
#   scripts/with-postgres.sh scripts/test-c.sh   PostgreSQL too ($OMSKIT_TEST_PG_URL)
#
# Needs cargo, cc/c++, make, valgrind and pkg-config.
set -euo pipefail
cd "$(dirname "$0")/.."
c=bindings/c
build="$PWD/$c/build"
tmp=$(mktemp -d /tmp/omskit-test-c.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

for tool in cc c++ make valgrind pkg-config; do
    command -v "$tool" >/dev/null || { echo "test-c: $tool is not on the PATH" >&2; exit 1; }
done

echo "== build libomskit.so and libomskit.a (release)"
cargo build --release -p omskit-c

echo "== include/omskit.h matches cbindgen's output"
# In release, on the build above.
cargo test -q --release -p omskit-c --test header

echo "== build the C and C++ programs (-Wall -Wextra -Werror)"
make -s -C "$c" all

if [ -n "${OMSKIT_TEST_PG_URL:-}" ]; then
    echo "   PostgreSQL tests run against $OMSKIT_TEST_PG_URL"
else
    echo "   OMSKIT_TEST_PG_URL is not set: the PostgreSQL tests are skipped (scripts/with-postgres.sh sets it)"
fi

vg() {
    valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
        --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 \
        --suppressions="$c/tests/valgrind.supp" "$@"
}

# A deliberate panic (omskit_test_panic) prints Rust's panic message; keep it short.
export RUST_BACKTRACE=0

echo "== C tests, shared library, valgrind"
vg "$build/test_c"
echo "== C fulfilment and shipping tests, shared library, valgrind"
vg "$build/test_fulfillment"
echo "== C++ tests, shared library, valgrind"
vg "$build/test_cpp"

echo "== C tests, static library, AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/test_c_asan"
echo "== C fulfilment and shipping tests, static library, AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/test_fulfillment_asan"
echo "== C++ tests, static library, AddressSanitizer + UndefinedBehaviorSanitizer"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$build/test_cpp_asan"

echo "== examples"
"$build/lifecycle_c" >"$tmp/lifecycle_c.out"
"$build/lifecycle_c" "$tmp/shop.db" >/dev/null
"$build/lifecycle_c" "$tmp/shop.db" >/dev/null   # the same file again
"$build/lifecycle_cpp" >"$tmp/lifecycle_cpp.out"
"$build/lifecycle_cpp" "$tmp/shop.db" >/dev/null
grep -q "audit chain intact" "$tmp/lifecycle_c.out"
grep -q "audit chain intact" "$tmp/lifecycle_cpp.out"
echo "   lifecycle_c and lifecycle_cpp ran (in memory and twice on one SQLite file)"

echo "== make install PREFIX=... and pkg-config"
make -s -C "$c" install PREFIX="$tmp/prefix" >/dev/null
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046 # pkg-config prints several words on purpose
cc -std=c11 -Wall -Wextra -Werror "$c/examples/lifecycle.c" -o "$tmp/lifecycle_pc" $(pkg-config --cflags --libs omskit)
# shellcheck disable=SC2046
c++ -std=c++17 -Wall -Wextra -Werror "$c/examples/lifecycle.cpp" -o "$tmp/lifecycle_pc_cpp" $(pkg-config --cflags --libs omskit)
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/lifecycle_pc" >/dev/null
LD_LIBRARY_PATH="$tmp/prefix/lib" "$tmp/lifecycle_pc_cpp" >/dev/null
# A static link: the archive plus the system libraries pkg-config lists as private.
# shellcheck disable=SC2046
cc -std=c11 "$c/examples/lifecycle.c" -o "$tmp/lifecycle_static" $(pkg-config --cflags omskit) \
    "$tmp/prefix/lib/libomskit.a" $(pkg-config --libs-only-l --static omskit | sed 's/-lomskit//')
if ldd "$tmp/lifecycle_static" | grep -q libomskit; then
    echo "test-c: the static build still needs libomskit.so" >&2; exit 1
fi
"$tmp/lifecycle_static" >/dev/null
echo "   pkg-config --cflags --libs omskit: $(pkg-config --cflags --libs omskit)"
echo "   shared and static builds of the example ran"

echo "== benchmark, once, small"
"$c/bench/run.sh" 2000 200 3

echo "== C ABI: all passed"

#!/usr/bin/env bash
# The Python binding's tests, as a user gets the package: builds the wheel
# with maturin (release), installs it into a fresh virtual environment under
# target/py-venv, checks the type stubs against the installed module
# (mypy.stubtest) and runs pytest on bindings/python/tests.
#
# Needs python3 (3.9 or newer, with venv and pip) and the Rust toolchain;
# downloads maturin, pytest, pytest-timeout and mypy from PyPI. PostgreSQL
# tests run when OMSKIT_TEST_PG_URL is set, as scripts/with-postgres.sh does:
#   scripts/with-postgres.sh bash scripts/test-python.sh
# Extra arguments go to pytest (`-k receive`, `-x`...).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-python3}
venv=$root/target/py-venv
wheels=$root/target/py-wheels
scratch=$root/target/py-scratch

echo "== python: fresh virtual environment at target/py-venv ($("$python" --version))"
rm -rf "$venv" "$wheels" "$scratch"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    -r bindings/python/requirements-test.txt

echo "== python: build the wheel (maturin, release)"
"$venv/bin/maturin" build --release --locked \
    --manifest-path bindings/python/Cargo.toml \
    --interpreter "$venv/bin/python" --out "$wheels"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --find-links "$wheels" omskit

# From a directory without the sources, so `import omskit` is the installed wheel.
mkdir -p "$scratch"
cd "$scratch"
installed=$("$venv/bin/python" -c 'import omskit, os; print(os.path.dirname(omskit.__file__))')
case "$installed" in
    "$venv"/*) ;;
    *) echo "test-python: omskit was imported from $installed, not from the virtual environment" >&2; exit 1 ;;
esac
for shipped in _omskit.pyi _enums.pyi py.typed; do
    [ -f "$installed/$shipped" ] || { echo "test-python: the wheel lacks omskit/$shipped" >&2; exit 1; }
done

echo "== python: stubtest (the stubs against the installed module)"
"$venv/bin/python" -m mypy.stubtest omskit

echo "== python: mypy --strict (tests, benchmark and the README tour, against the stubs)"
mkdir -p "$scratch/readme"
"$venv/bin/python" - "$root/bindings/python/README.md" "$scratch/readme" <<'PY'
import pathlib, re, sys
readme, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
blocks = re.findall(r"^```python\n(.*?)^```$", readme.read_text(encoding="utf-8"), re.M | re.S)
assert blocks, "the README has no python blocks"
for i, block in enumerate(blocks, 1):
    (out / f"readme_tour_{i}.py").write_text(block, encoding="utf-8")
PY
cd "$root/bindings/python"
"$venv/bin/python" -m mypy --strict --cache-dir "$scratch/mypy-cache" tests bench/bench.py "$scratch/readme"

echo "== python: pytest${OMSKIT_TEST_PG_URL:+ (with PostgreSQL)}"
status=0
"$venv/bin/python" -m pytest -p no:cacheprovider "$@" || status=$?
if [ "$status" = 5 ]; then
    echo "test-python: pytest collected no tests" >&2
    exit 1
fi
exit "$status"

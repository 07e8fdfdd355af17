#!/usr/bin/env bash
# Every test of wangge: formatting, lints, unit and property tests, and the
# end-to-end tests against the real binary, the real sample data and GDAL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# PySAL esda, which the Gi* test sets beside ours (from PyPI, pinned).
WANGGE_ESDA_PYTHON=$(scripts/esda-venv.sh)
export WANGGE_ESDA_PYTHON
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast 2>&1 | tee "$log" || status=1
# The web map in a real browser against a real server.
scripts/browser-test.sh 2>&1 | tee -a "$log" || status=1
# One closing line over every test binary and the browser tests.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     /^browser tests:/ { p += $3; f += $5 }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit $status

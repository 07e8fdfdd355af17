#!/usr/bin/env bash
# Every test of wangge: formatting, lints, unit and property tests, and the
# end-to-end tests against the real binary, the real sample data and GDAL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

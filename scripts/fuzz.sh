#!/usr/bin/env bash
# Runs each reader fuzz target for SECONDS (default 300) from seed corpora
# made of the sample data and the bad-input corpus. Needs the nightly
# toolchain and cargo-fuzz (installed if missing).
set -euo pipefail
SECONDS_EACH="${1:-300}"
cd "$(dirname "$0")/../partition"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p fuzz/corpus/pbf_reader fuzz/corpus/geojson_reader
cp ../data/osm/*.pbf fuzz/corpus/pbf_reader/
for f in ../tests/bad_input/*.geojson; do (printf '\001'; cat "$f") > "fuzz/corpus/geojson_reader/$(basename "$f")"; done
cargo +nightly fuzz run geojson_reader -- -max_total_time="$SECONDS_EACH" -max_len=65536 -rss_limit_mb=4096
cargo +nightly fuzz run pbf_reader -- -max_total_time="$SECONDS_EACH" -max_len=262144 -rss_limit_mb=4096

#!/usr/bin/env bash
# Benchmark: `wangge synth` of a county of N buildings (default 1,000,000),
# then `wangge import` of it into a GeoPackage; wall time and peak RSS of
# each from GNU time. Usage: bench/synth_import.sh [BUILDINGS] [WORKDIR]
set -euo pipefail
N="${1:-1000000}"
WORK="${2:-target/bench-synth}"
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/wangge
rm -rf "$WORK"; mkdir -p "$WORK"

# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "wangge synth + import, $N buildings, $(nproc) cores, $(date -u +%F)"
measure synth-out   "$BIN" synth --seed 1 --population 1500000 --buildings "$N" --out "$WORK/county"
du -sh "$WORK/county" | awk '{print "  GeoJSON written: " $1}'
measure import      "$BIN" import --store "$WORK/county.gpkg" --dir "$WORK/county"
grep -E "^(buildings|roads|admin) " "$WORK/import.out" | sed 's/^/  /'
ls -l "$WORK/county.gpkg" | awk '{printf "  GeoPackage: %.0f MiB\n", $5/1048576}'
measure synth-store "$BIN" synth --seed 1 --population 1500000 --buildings "$N" --store "$WORK/direct.gpkg"

#!/usr/bin/env bash
# Scale benchmark: a synthetic county of N buildings (default 1,000,000),
# then import → blocks → grids → export, each step timed with GNU time
# (wall, peak RSS); the partition prints its time per stage.
# Usage: bench/partition_scale.sh [BUILDINGS] [WORKDIR]
set -euo pipefail
N="${1:-1000000}"
cd "$(dirname "$0")/.."
WORK="${2:-target/bench-scale}"
cargo build --release --quiet
BIN=target/release/wangge
rm -rf "$WORK"; mkdir -p "$WORK"

# shellcheck source=bench/lib.sh
. bench/lib.sh

echo "wangge import → partition → export, $N buildings, $(nproc) cores, $(date -u +%F)"
"$BIN" synth --seed 1 --buildings "$N" --population $((N * 7 / 2)) --out "$WORK/county" > /dev/null
measure import    "$BIN" import --store "$WORK/county.gpkg" --dir "$WORK/county"
measure partition "$BIN" partition --store "$WORK/county.gpkg"
sed 's/^/  /' "$WORK/partition.out"
measure export    "$BIN" export --store "$WORK/county.gpkg" --layer grids -o "$WORK/grids.geojson"
awk '/Elapsed/ {split($NF, t, ":"); s += (length(t) == 3 ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2])} END {printf "import + partition + export: %.1f s wall\n", s}' "$WORK"/*.time

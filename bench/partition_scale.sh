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

measure() { # label, then the command
  local label="$1"; shift
  /usr/bin/time -v "$@" > "$WORK/$label.out" 2> "$WORK/$label.time"
  local wall rss
  wall=$(grep "Elapsed (wall clock)" "$WORK/$label.time" | awk '{print $NF}')
  rss=$(grep "Maximum resident set size" "$WORK/$label.time" | awk '{print $NF}')
  printf "%-10s wall %-9s peak RSS %6.0f MiB\n" "$label" "$wall" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
}

echo "wangge import → partition → export, $N buildings, $(nproc) cores, $(date -u +%F)"
"$BIN" synth --seed 1 --buildings "$N" --population $((N * 7 / 2)) --out "$WORK/county" > /dev/null
measure import    "$BIN" import --store "$WORK/county.gpkg" --dir "$WORK/county"
measure partition "$BIN" partition --store "$WORK/county.gpkg"
sed 's/^/  /' "$WORK/partition.out"
measure export    "$BIN" export --store "$WORK/county.gpkg" --layer grids -o "$WORK/grids.geojson"
awk '/Elapsed/ {split($NF, t, ":"); s += (length(t) == 3 ? t[1]*3600 + t[2]*60 + t[3] : t[1]*60 + t[2])} END {printf "import + partition + export: %.1f s wall\n", s}' "$WORK"/*.time

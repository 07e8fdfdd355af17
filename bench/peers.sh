#!/usr/bin/env bash
# Peer comparison, same input, same run: a synthetic county of N buildings
# (default 200,000) is imported and partitioned by wangge; its blocks are
# exported with population and village and given to the peer kit
# (METIS flat and nested, spopt max-p, GerryChain); wangge's grids and the
# peers' are scored by the kit's evaluate.py.
# Usage: bench/peers.sh [BUILDINGS] [WORKDIR]   (KIT=../shared/bench/peers)
set -euo pipefail
N="${1:-200000}"
cd "$(dirname "$0")/.."
WORK="$(realpath -m "${2:-target/bench-peers}")"
KIT="$(realpath "${KIT:-../shared/bench/peers}")"
[ -f "$KIT/run_peers.py" ] || { echo "peer kit not found at $KIT (set KIT=…)" >&2; exit 1; }
cargo build --release --quiet
BIN=target/release/wangge
rm -rf "$WORK"; mkdir -p "$WORK"
"$BIN" synth --seed 1 --buildings "$N" --population $((N * 7 / 2)) --out "$WORK/county" > /dev/null
"$BIN" import --store "$WORK/county.gpkg" --dir "$WORK/county" > "$WORK/import.txt"
/usr/bin/time -v "$BIN" partition --store "$WORK/county.gpkg" --report "$WORK/wangge-report.json" > "$WORK/partition.txt" 2> "$WORK/partition.time"
cat "$WORK/partition.txt"
grep -E "Elapsed|Maximum resident" "$WORK/partition.time"
"$BIN" export --store "$WORK/county.gpkg" --layer blocks -o "$WORK/blocks.geojson"
"$BIN" export --store "$WORK/county.gpkg" --layer grids -o "$WORK/wangge-grids.geojson"
ogr2ogr -f GeoJSON "$WORK/villages.geojson" "$WORK/county.gpkg" admin -where "level = 'village'"
ogr2ogr -f GeoJSON "$WORK/roads.geojson" "$WORK/county.gpkg" roads
PY=$(bash "$KIT/setup.sh" "$WORK/../peers-venv" | tail -1)
echo "== wangge, scored by the kit"
"$PY" "$KIT/evaluate.py" --grids "$WORK/wangge-grids.geojson" --pop-field population --households-field households \
  --band 1000 2000 --parents "$WORK/villages.geojson" --parent-field code --roads "$WORK/roads.geojson" \
  --id-field code --json "$WORK/wangge-eval.json" | tail -3
echo "== peers on the same blocks"
"$PY" "$KIT/run_peers.py" --units "$WORK/blocks.geojson" --pop-field population --parent-field village \
  --band 1000 2000 --roads "$WORK/roads.geojson" --out "$WORK/peers.json" --write-grids "$WORK/peers" \
  --timeout "${PEER_TIMEOUT:-600}"

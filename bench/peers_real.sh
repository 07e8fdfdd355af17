#!/usr/bin/env bash
# Peer comparison on the real extracts in data/osm (Qinghuayuan, Kotka,
# Guixi), same blocks, same run: each is imported and partitioned by
# wangge, its blocks go to the peer kit (METIS flat and nested, spopt
# max-p, GerryChain), and every grid layer — wangge's and each peer's — is
# scored by the kit's evaluate.py with the villages, roads and buildings.
# Prints one table per extract and the goal ratios (wangge ÷ best peer).
# Usage: bench/peers_real.sh [WORKDIR]   (KIT=../shared/bench/peers)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK="$(realpath -m "${1:-target/bench-peers-real}")"
KIT="$(realpath "${KIT:-../shared/bench/peers}")"
[ -f "$KIT/run_peers.py" ] || { echo "peer kit not found at $KIT (set KIT=…)" >&2; exit 1; }
cargo build --release --quiet
BIN=$PWD/target/release/wangge
PY=$(bash "$KIT/setup.sh" "$PWD/target/peers-venv" | tail -1)

sample() {  # name extract import-options…
  local name=$1 pbf=$2; shift 2
  local d=$WORK/$name; mkdir -p "$d/peers"
  "$BIN" import --store "$d/s.gpkg" "$pbf" "$@" > "$d/import.txt"
  "$BIN" partition --store "$d/s.gpkg" --report "$d/wangge-report.json" > "$d/partition.txt"
  "$BIN" export --store "$d/s.gpkg" --layer blocks -o "$d/all-blocks.geojson" > /dev/null
  "$BIN" export --store "$d/s.gpkg" --layer grids -o "$d/all-grids.geojson" > /dev/null
  # Same units on both sides: a dedicated site whose residents do not
  # reach the band is one grid by rule (DESIGN.md), not a partition
  # choice, so its grid and its blocks leave both wangge's layer and the
  # peers' input; the scores of every grid are kept as 'wangge_all'.
  python3 - "$d" <<'PY'
import json, sys
d = sys.argv[1]
grids = json.load(open(f"{d}/all-grids.geojson"))
kept = lambda p: not (p.get("dedicated") and (p.get("population") or 0) < 1000)
whole = {f["properties"]["code"] for f in grids["features"] if not kept(f["properties"])}
blocks = json.load(open(f"{d}/all-blocks.geojson"))
blocks["features"] = [f for f in blocks["features"] if f["properties"].get("grid_code") not in whole]
json.dump(blocks, open(f"{d}/blocks.geojson", "w"))
json.dump(grids, open(f"{d}/peers/wangge_all.geojson", "w"))
grids["features"] = [f for f in grids["features"] if kept(f["properties"])]
json.dump(grids, open(f"{d}/peers/wangge.geojson", "w"))
print(f"{len(whole)} dedicated grids under the band left out of both sides", file=open(f"{d}/units.txt", "w"))
PY
  ogr2ogr -f GeoJSON "$d/villages.geojson" "$d/s.gpkg" admin -where "level = 'village'"
  ogr2ogr -f GeoJSON "$d/roads.geojson" "$d/s.gpkg" roads
  ogr2ogr -f GeoJSON "$d/buildings.geojson" "$d/s.gpkg" buildings
  "$PY" "$KIT/run_peers.py" --units "$d/blocks.geojson" --pop-field population --parent-field village \
    --band 1000 2000 --roads "$d/roads.geojson" --out "$d/peers.json" --write-grids "$d/peers" \
    --timeout "${PEER_TIMEOUT:-600}" > "$d/peers.txt" 2>&1 || true
  for g in "$d"/peers/*.geojson; do
    local m; m=$(basename "$g" .geojson)
    [ "$m" = parents ] && continue   # the kit's villages dissolved from the blocks
    "$PY" "$KIT/evaluate.py" --grids "$g" --pop-field population --band 1000 2000 \
      --parents "$d/villages.geojson" --parent-field code --roads "$d/roads.geojson" \
      --buildings "$d/buildings.geojson" --json "$d/eval-$m.json" > /dev/null 2>&1 \
      || echo "evaluate failed on $m" >&2
  done
}

summary() {
python3 - "$WORK" <<'PY'
import json, os, sys
work = sys.argv[1]
keys = [("in_band", "in band"), ("in_band_feasible", "feasible"), ("pp_mean", "PP mean"),
        ("pp_p10", "PP p10"), ("road_share", "road share"), ("cut_buildings", "cut"),
        ("noncontig", "noncontig"), ("n_grids", "grids")]
def get(e, k):
    m = e.get("metrics", e)
    return m.get("grids" if k == "n_grids" else k)
for name in sorted(os.listdir(work)):
    d = os.path.join(work, name)
    if not os.path.isdir(d):
        continue
    rows = {}
    for f in sorted(os.listdir(d)):
        if f.startswith("eval-") and f.endswith(".json"):
            if f[5:-5] != "parents":
                rows[f[5:-5]] = json.load(open(os.path.join(d, f)))
    print(f"\n== {name}")
    print(f"{'method':<16}" + "".join(f"{h:>12}" for _, h in keys))
    for m, e in rows.items():
        cells = []
        for k, _ in keys:
            v = get(e, k)
            cells.append(f"{v:>12.3f}" if isinstance(v, float) else f"{str(v):>12}")
        print(f"{m:<16}" + "".join(cells))
    w = rows.get("wangge")
    peers = {m: e for m, e in rows.items() if not m.startswith("wangge")}
    units = os.path.join(d, "units.txt")
    if os.path.exists(units):
        print("  " + open(units).read().strip())
    if w and peers:
        for k, label in [("pp_mean", "PP mean"), ("pp_p10", "PP p10"), ("road_share", "road share")]:
            best_m, best = max(((m, get(e, k) or 0.0) for m, e in peers.items()), key=lambda t: t[1])
            wv = get(w, k) or 0.0
            print(f"  {label}: wangge {wv:.3f}, best peer {best_m} {best:.3f}, ratio {wv / best if best else float('inf'):.2f}")
PY
}

# SUMMARY_ONLY=1: print the tables of an earlier run without running it again.
if [ -n "${SUMMARY_ONLY:-}" ]; then summary; exit 0; fi
rm -rf "$WORK"; mkdir -p "$WORK"

sample qinghuayuan data/osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf \
  --census data/census/county_2020.csv --county 110108 --population-total 44166
sample kotka data/osm/fi_kotka_pyrosm_test.osm.pbf
sample guixi data/osm/cn_jiangxi_guixi_2024.osm.pbf --county 360681

summary

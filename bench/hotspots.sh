#!/usr/bin/env bash
# Gi* hot spots over a county at resolution 9 (about 20k cells, k = 2):
# wangge's time, and esda's G_Local(star=True, transform='B') on the same
# counts and weights in the same run. Prints figures and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
py=$(scripts/esda-venv.sh)
dir=target/hotspots-bench
mkdir -p "$dir"
cargo build -q --release -p ops --example hotspots_bench
ours=$(target/release/examples/hotspots_bench "$dir/esda-input.json")
"$py" bench/esda_gistar.py "$dir/esda-input.json" "$dir/esda-output.json"
"$py" - "$ours" "$dir/esda-output.json" <<'PY'
import json, sys
ours = json.loads(sys.argv[1])
esda = json.load(open(sys.argv[2]))["county"]
print(f"county: {ours['cells']} cells at resolution 9, k = 2, {ours['cases']} cases")
print(f"wangge gi_star (the statistic):                {ours['gi_star_s']*1e3:8.2f} ms")
print(f"wangge hotspots (cells, counts, rings, Gi*, FDR bins): {ours['hotspots_s']*1e3:8.2f} ms")
print(f"wangge hotspots with 999 permutations:         {ours['hotspots_999_permutations_s']*1e3:8.2f} ms")
print(f"esda G_Local (the statistic, W given):         {esda['seconds']*1e3:8.2f} ms")
print(f"esda building W from the neighbour lists:      {esda['weights_seconds']*1e3:8.2f} ms")
print(f"ratio esda / wangge, statistic:  {esda['seconds']/ours['gi_star_s']:6.1f}x")
print(f"ratio esda (W + G_Local) / wangge hotspots (whole): {(esda['seconds']+esda['weights_seconds'])/ours['hotspots_s']:6.1f}x")
PY

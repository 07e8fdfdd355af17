#!/usr/bin/env bash
# The planner view in headless chromium over a synthetic county (default
# 1,000,000 buildings, from bench/tiles.sh's store or made here): time to
# first idle, frame times while panning and zooming, tile bytes.
#   bench/web_map.sh [BUILDINGS]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
export BENCH_DIR=${BENCH_DIR:-$ROOT/target/tile-bench}
WORK=$BENCH_DIR/wangge-$N
W=$ROOT/target/release/wangge
cd "$ROOT"
cargo build --release --locked -q
(cd web-map && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
if [ ! -f "$WORK/county.gpkg" ]; then
  mkdir -p "$WORK"
  "$W" synth --seed 1 --buildings "$N" --population $((N * 7 / 2)) --store "$WORK/county.gpkg"
  "$W" partition --store "$WORK/county.gpkg"
fi
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$W" serve --store "$WORK/county.gpkg" --addr "127.0.0.1:$PORT" --web web-map/dist > "$WORK/web-bench.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.5; done
echo "county: $N buildings, $(du -m "$WORK/county.gpkg" | cut -f1) MiB store"
(cd web-map && node bench/perf.mjs "http://127.0.0.1:$PORT")

#!/usr/bin/env bash
# The big screen under load: a synthetic county (400,000 residents) with
# WORKERS simulated workers posting fixes at 1 Hz (and a few cases), the
# screen at 1920×1080 in headless chromium: frame times with and without
# live updates, the JS heap at the start and end of MINUTES of live
# updates, the live stream's bytes a second (web-map/bench/screen.mjs).
#
#   bench/screen.sh     env: WORKERS (2000) MINUTES (10) PORT (8097)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKERS=${WORKERS:-2000}
MINUTES=${MINUTES:-10}
PORT=${PORT:-8097}
W=$ROOT/target/release/wangge
WORK=$ROOT/target/screen-bench
rm -rf "$WORK"; mkdir -p "$WORK"
cd "$ROOT"
cargo build --release --locked -q
(cd web-map && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
S=$WORK/screen.gpkg
"$W" synth --store "$S" --seed 3 --population 400000 --buildings 80000 --county 360681 > /dev/null 2>&1
"$W" partition --store "$S" > /dev/null 2>&1
SCREEN=$("$W" tokens issue --store "$S" --role screen --name screen-bench 2>/dev/null)
"$W" serve --store "$S" --addr "127.0.0.1:$PORT" --rate-limit 0 --web web-map/dist > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER ${SIM:-} 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.3; done
"$W" simulate --store "$S" --url "http://127.0.0.1:$PORT" --workers "$WORKERS" --no-faults --cases-per-hour 120 \
  --duration $(( MINUTES * 60 + 600 )) > "$WORK/simulate.log" 2>&1 &
SIM=$!
echo "screen bench: $WORKERS workers at 1 Hz, $MINUTES min of live updates" >&2
(cd web-map && node bench/screen.mjs "http://127.0.0.1:$PORT" "$SCREEN" "$MINUTES" 360681)

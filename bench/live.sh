#!/usr/bin/env bash
# SSE lag under load: WORKERS simulated workers walking in real time (1 Hz,
# BATCH-second batches) post to a server on the Qinghuayuan sample while
# CLIENTS clients follow /api/live for SECS seconds; prints the lag from a
# fix's commit to its arrival at the clients (p50, p99, max).
#   bench/live.sh      env: WORKERS (2000) BATCH (1) CLIENTS (50) SECS (30) PORT (8098)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORKERS=${WORKERS:-2000} BATCH=${BATCH:-1} CLIENTS=${CLIENTS:-50} SECS=${SECS:-30} PORT=${PORT:-8098}
W=$ROOT/target/release/wangge
WORK=$ROOT/target/live-bench
rm -rf "$WORK"; mkdir -p "$WORK"
cd "$ROOT"
cargo build --release --locked -q
S=(--store "$WORK/s.gpkg")
"$W" import "${S[@]}" data/osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf --county 110108 > /dev/null 2>&1
"$W" partition "${S[@]}" > /dev/null 2>&1
"$W" serve "${S[@]}" --addr "127.0.0.1:$PORT" --rate-limit 0 > "$WORK/serve.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER $SIM 2>/dev/null || true' EXIT
SIM=""
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.3; done
VIEWER=$("$W" tokens issue "${S[@]}" --role viewer --name live-bench 2>/dev/null)
"$W" simulate "${S[@]}" --url "http://127.0.0.1:$PORT" --workers "$WORKERS" --batch-secs "$BATCH" \
  --duration $((SECS + 40)) --no-faults > "$WORK/simulate.txt" 2>&1 &
SIM=$!
sleep 15   # the roster, the tokens, the phones under way
python3 bench/live_lag.py "http://127.0.0.1:$PORT" "$VIEWER" "$CLIENTS" "$SECS"
wait "$SIM" || true
tail -1 "$WORK/simulate.txt"

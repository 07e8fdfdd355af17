#!/usr/bin/env bash
# Ingest benchmark, same run, on each store (GeoPackage, PostGIS):
#  1. raw: the fixes of WORKERS simulated workers walking SECS seconds at
#     1 Hz written straight into a fresh store by its own bulk insert
#     (`wangge simulate --replay SECS --direct`, 10,000 fixes a commit);
#  2. tiles alone: wrk on grid/road/building tiles for TILE_SECS seconds;
#  3. HTTP: the same walk posted through the API by the workers' phones
#     (5-second batches, worker tokens, CONC requests in flight) as fast as
#     the server takes them, while wrk loads tiles — fixes/s, the
#     acknowledgement latency p50/p99 and the tile throughput meanwhile;
#  4. replay: one worker's day at 1 Hz (86,400 fixes) from
#     /api/workers/{id}/replay — time and gzip bytes.
# Prints one table.
#
#   bench/ingest.sh        env: WORKERS (2000) SECS (60) CONC (64) BATCH (5 s a phone's batch) TILE_SECS (10)
#                               STORES ("gpkg postgis") PORT (8097)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT=$ROOT/../shared/bench/tiles
WORKERS=${WORKERS:-2000}
SECS=${SECS:-60}
CONC=${CONC:-64}
BATCH=${BATCH:-5}
TILE_SECS=${TILE_SECS:-10}
PORT=${PORT:-8097}
W=$ROOT/target/release/wangge
WORK=$ROOT/target/ingest-bench
export BENCH_DIR=$WORK
rm -rf "$WORK/stores"; mkdir -p "$WORK/stores"
cd "$ROOT"
cargo build --release --locked -q
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
PBF=data/osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf

prepare() {  # STORE_ARGS...
  "$W" import "$@" "$PBF" --county 110108 --population-total 44166 > /dev/null 2>&1
  "$W" partition "$@" > /dev/null 2>&1
}
serve() {  # STORE_ARGS...
  "$W" serve "$@" --addr "127.0.0.1:$PORT" --rate-limit 0 --cache-mb 256 > "$WORK/serve.log" 2>&1 &
  echo $! > "$WORK/serve.pid"
  until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.3; done
}
stop() { kill "$(cat "$WORK/serve.pid")" 2>/dev/null || true; while curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.2; done; }
trap stop EXIT

tiles() {  # SECONDS: tile requests a second under wrk (a viewer token)
  local shim=$WORK/shim; mkdir -p "$shim"
  printf '#!/bin/sh\nexec %s -H "Authorization: Bearer %s" "$@"\n' "$(command -v wrk)" "$VIEWER" > "$shim/wrk"; chmod +x "$shim/wrk"
  PATH="$shim:$PATH" "$KIT/load.sh" "$WORK/urls.txt" "$1" 8 2>/dev/null | awk '{print $2}'
}

declare -A RESULT
for store in ${STORES:-gpkg postgis}; do
  case $store in
    gpkg) A=(--store "$WORK/stores/raw.gpkg"); B=(--store "$WORK/stores/http.gpkg") ;;
    postgis)
      "$KIT/postgis.sh" start >&2
      URL=$("$KIT/postgis.sh" url); BASE=${URL%/*}
      for db in ingest_raw ingest_http; do psql "$BASE/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
      A=(--db "$BASE/ingest_raw"); B=(--db "$BASE/ingest_http") ;;
  esac
  echo "== $store: preparing two stores" >&2
  prepare "${A[@]}"; prepare "${B[@]}"
  raw=$("$W" simulate "${A[@]}" --workers "$WORKERS" --replay "$SECS" --no-faults --direct --batch-secs "$BATCH" 2>/dev/null | awk '/^direct:/ {print $(NF-1)}')
  serve "${B[@]}"
  VIEWER=$("$W" tokens issue "${B[@]}" --role viewer --name ingest-bench 2>/dev/null)
  sleep 2
  BBOX=$(curl -s -H "Authorization: Bearer $VIEWER" "http://127.0.0.1:$PORT/catalog" | python3 -c 'import json,sys; c=json.load(sys.stdin); b=[s for s in c["sources"] if s.get("bounds")][0]["bounds"]; print(",".join(map(str,b)))')
  "$KIT/tile_urls.py" "http://127.0.0.1:$PORT/tiles/grids,roads,buildings/{z}/{x}/{y}.mvt" "$BBOX" 14,15,16 "$WORK/urls" 2000 > /dev/null
  cat "$WORK"/urls/z*.txt > "$WORK/urls.txt"
  alone=$(tiles "$TILE_SECS")
  # The ingest runs in the background; tiles are loaded meanwhile (from
  # its third second, for TILE_SECS: the ingest lasts longer than that).
  "$W" simulate "${B[@]}" --url "http://127.0.0.1:$PORT" --workers "$WORKERS" --replay "$SECS" \
    --no-faults --concurrency "$CONC" --batch-secs "$BATCH" > "$WORK/ingest.txt" 2>/dev/null &
  INGEST=$!
  sleep 6
  during=$(tiles "$TILE_SECS")
  wait "$INGEST"
  out=$(grep '^replay:' "$WORK/ingest.txt")
  http=$(sed -E 's/.*: ([0-9]+) fixes\/s.*/\1/' <<< "$out")
  p50=$(sed -E 's/.*ack p50 ([0-9]+) ms.*/\1/' <<< "$out")
  p99=$(sed -E 's/.*p99 ([0-9]+) ms.*/\1/' <<< "$out")
  # One worker's day at 1 Hz, then its replay.
  "$W" simulate "${B[@]}" --url "http://127.0.0.1:$PORT" --workers 1 --replay 86400 --batch-secs 600 --no-faults > /dev/null 2>&1
  ADMIN=$("$W" tokens issue "${B[@]}" --role admin --name ingest-bench 2>/dev/null)
  sleep 2
  from=$(( $(date +%s) - 86400 - 5 ))
  curl -s -o "$WORK/replay.json" -w '%{time_total}\n' -H "Authorization: Bearer $ADMIN" \
    "http://127.0.0.1:$PORT/api/workers/sim-0001/replay?from=$from" > "$WORK/replay.time"
  rt=$(awk '{printf "%.0f", $1 * 1000}' "$WORK/replay.time")
  points=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(sum(len(t["path"]) for t in r["trips"]))' "$WORK/replay.json")
  gz=$(gzip -c "$WORK/replay.json" | wc -c)
  stop
  RESULT[$store]="$raw $http $p50 $p99 $alone $during $rt $points $gz"
done

printf '\n%-8s %10s %10s %6s %8s %8s %12s %12s %6s %10s %8s %10s\n' store "raw fix/s" "HTTP fix/s" ratio "ack p50" "ack p99" "tiles req/s" "with ingest" drop "replay ms" points "gzip KB"
for store in ${STORES:-gpkg postgis}; do
  read -r raw http p50 p99 alone during rt points gz <<< "${RESULT[$store]}"
  python3 - "$store" "$raw" "$http" "$p50" "$p99" "$alone" "$during" "$rt" "$points" "$gz" <<'PY'
import sys
s, raw, http, p50, p99, alone, during, rt, points, gz = sys.argv[1:]
f = lambda v: float(v) if v not in ("", "-") else float("nan")
print(f"{s:<8} {f(raw):>10.0f} {f(http):>10.0f} {f(http)/f(raw):>6.2f} {p50:>6} ms {p99:>6} ms {f(alone):>12.0f} {f(during):>12.0f} {1 - f(during)/f(alone):>6.0%} {rt:>10} {points:>8} {f(gz)/1024:>10.0f}")
PY
done
echo "(workers $WORKERS, $SECS s at 1 Hz each, $BATCH-s batches, $CONC requests in flight; tiles z14–16 by wrk with 8 connections)"

#!/usr/bin/env bash
# Soak: a server under mixed load for a long while — tiles and API reads by
# wrk through the whole pipeline (a viewer token), a partition through the
# API every INTERVAL seconds with its activation (old plans deleted past
# --max-plans), and half-way a CLI re-import and partition of the same
# county. Samples the server's RSS and open file descriptors every 10 s;
# prints them at the start (after warm-up), middle and end, the change, and
# every non-2xx/3xx answer counted by class.
#
#   bench/soak.sh [MINUTES] [BUILDINGS]      defaults: 30, 200000
#   env: PORT (8095)  CONNS (8)  INTERVAL (60)  WARMUP (300 s)
#        SERVE_ARGS ("--cache-mb 64 --sources-mb 128": bounded caches that
#        fill within the warm-up, so what grows after it is a leak)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MIN=${1:-30}
N=${2:-200000}
KIT=$ROOT/../shared/bench/tiles
PORT=${PORT:-8095}
CONNS=${CONNS:-8}
INTERVAL=${INTERVAL:-60}
WARMUP=${WARMUP:-300}
SERVE_ARGS=${SERVE_ARGS:---cache-mb 64 --sources-mb 128}
W=$ROOT/target/release/wangge
WORK=$ROOT/target/soak-$N
OUT=$WORK/run-$(date +%Y%m%d-%H%M%S)
mkdir -p "$OUT"
cd "$ROOT"
cargo build --release --locked -q
command -v wrk >/dev/null || { [ "$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; }
STORE=$WORK/county.gpkg
if [ ! -f "$STORE" ]; then
  "$W" synth --seed 2 --buildings "$N" --population $((N * 7 / 2)) --county 360681 --out "$WORK/geojson" >&2
  "$W" import --store "$STORE" --dir "$WORK/geojson" >&2
  "$W" partition --store "$STORE" >&2
fi
VIEWER=$("$W" tokens issue --store "$STORE" --role viewer --name soak 2>/dev/null)
PLANNER=$("$W" tokens issue --store "$STORE" --role planner --name soak 2>/dev/null)
"$W" serve --store "$STORE" --addr "127.0.0.1:$PORT" --rate-limit 0 --max-plans 6 $SERVE_ARGS > "$OUT/serve.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true; kill $(jobs -p) 2>/dev/null || true' EXIT
until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.5; done
api() { curl -s -H "Authorization: Bearer $PLANNER" "$@"; }

# Tiles at z12-z16 over the county, and API reads, in one list.
BBOX=$(python3 - "$STORE" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(",".join(f"{v:.5f}" for v in c.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'admin'").fetchone()))
PY
)
"$KIT/tile_urls.py" "http://127.0.0.1:$PORT/tiles/grids,roads,buildings,admin/{z}/{x}/{y}.mvt" "$BBOX" 12,14,16 "$OUT/urls" 3000 >/dev/null
cat "$OUT"/urls/z*.txt > "$OUT/mixed.txt"
for p in /api/plans /api/counties /api/plans/active/grids /catalog /style.json; do
  for _ in $(seq 200); do echo "http://127.0.0.1:$PORT$p"; done
done >> "$OUT/mixed.txt"
# The kit's load.sh runs Debian's wrk; a wrk ahead of it on PATH adds the token.
SHIM=$OUT/shim; mkdir -p "$SHIM"
printf '#!/bin/sh\nexec %s -H "Authorization: Bearer %s" "$@"\n' "$(command -v wrk)" "$VIEWER" > "$SHIM/wrk"
chmod +x "$SHIM/wrk"
SECS=$((MIN * 60))
PATH="$SHIM:$PATH" "$KIT/load.sh" "$OUT/mixed.txt" "$SECS" "$CONNS" > "$OUT/load.tsv" 2> "$OUT/load.err" &
LOAD=$!

sample() {  # seconds rss_kb fds tile_cache_bytes sources_bytes heap_live_bytes
  local m; m=$(curl -s -H "Authorization: Bearer $VIEWER" "http://127.0.0.1:$PORT/metrics")
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$(awk '/VmRSS/ {print $2}' /proc/$PID/status)" "$(ls /proc/$PID/fd | wc -l)" \
    "$(awk '/^wangge_tile_cache_bytes / {print $2}' <<< "$m")" "$(awk '/^wangge_sources_bytes / {print $2}' <<< "$m")" \
    "$(awk '/^wangge_heap_live_bytes / {print $2}' <<< "$m")"
}
printf 'seconds\trss_kb\tfds\tcache_bytes\tsources_bytes\theap_bytes\n' > "$OUT/samples.tsv"
writes=0; write_fail=0; reimported=0
t0=$(date +%s)
next_write=$((t0 + INTERVAL))
while :; do
  now=$(date +%s); el=$((now - t0))
  [ "$el" -ge "$SECS" ] && break
  sample "$el" >> "$OUT/samples.tsv"
  if [ "$now" -ge "$next_write" ]; then
    next_write=$((now + INTERVAL))
    # Keep under --max-plans: delete the oldest plan not in force.
    old=$(api "http://127.0.0.1:$PORT/api/plans" | python3 -c 'import json,sys; ps=[p for p in json.load(sys.stdin)["plans"] if not p["active"]]; print(ps[0]["id"] if len(ps) >= 4 else "")')
    [ -z "$old" ] || api -o /dev/null -X DELETE "http://127.0.0.1:$PORT/api/plans/$old"
    job=$(api -H 'Content-Type: application/json' -d '{"band":"households:300-500","activate":false}' "http://127.0.0.1:$PORT/api/partitions" \
      | python3 -c 'import json,sys; print(json.load(sys.stdin).get("job",""))' || true)
    if [ -n "$job" ]; then
      for _ in $(seq 300); do
        st=$(api "http://127.0.0.1:$PORT/api/partitions/$job" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["state"], j.get("plan") or "")')
        case $st in running*) sleep 1 ;; *) break ;; esac
      done
      plan=${st#done }
      if [ "${st%% *}" = done ]; then
        code=$(api -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/api/plans/$plan/activate")
        [ "$code" = 200 ] && writes=$((writes + 1)) || write_fail=$((write_fail + 1))
      else
        write_fail=$((write_fail + 1))
      fi
    else
      write_fail=$((write_fail + 1))
    fi
  fi
  if [ "$reimported" = 0 ] && [ "$el" -ge $((SECS / 2)) ]; then
    reimported=1
    echo "== $(date +%T) half-way: CLI re-import and partition while the server runs" >&2
    "$W" import --store "$STORE" --dir "$WORK/geojson" > "$OUT/reimport.log" 2>&1 || echo "re-import failed: see $OUT/reimport.log" >&2
    "$W" partition --store "$STORE" --no-activate >> "$OUT/reimport.log" 2>&1 || echo "partition failed: see $OUT/reimport.log" >&2
  fi
  sleep 10
done
wait "$LOAD" || true
sample "$SECS" >> "$OUT/samples.tsv"
curl -s -H "Authorization: Bearer $VIEWER" "http://127.0.0.1:$PORT/metrics" > "$OUT/metrics.txt"
python3 - "$OUT" "$WARMUP" "$writes" "$write_fail" <<'PY'
import csv, sys
out, warm, writes, fails = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
rows = [r for r in csv.DictReader(open(f"{out}/samples.tsv"), delimiter="\t")]
after = [r for r in rows if int(r["seconds"]) >= warm] or rows
start, mid, end = after[0], after[len(after) // 2], after[-1]
def mib(v):
    try: return f"{float(v)/1048576:7.1f}"
    except (TypeError, ValueError): return "      -"
def line(name, r): print(f"{name:<6} t={r['seconds']:>5} s  RSS {int(r['rss_kb'])/1024:8.1f} MiB  fds {r['fds']:>3}  tile cache {mib(r.get('cache_bytes'))} MiB  sources {mib(r.get('sources_bytes'))} MiB  live heap {mib(r.get('heap_bytes'))} MiB")
print(f"soak: {out}")
line("start", start); line("middle", mid); line("end", end)
rss = [int(r["rss_kb"]) for r in after]; fds = [int(r["fds"]) for r in after]
print(f"RSS after warm-up: min {min(rss)/1024:.1f}, max {max(rss)/1024:.1f} MiB; end/start {int(end['rss_kb'])/int(start['rss_kb']):.3f}")
print(f"fds after warm-up: min {min(fds)}, max {max(fds)}; end/start {int(end['fds'])/int(start['fds']):.3f}")
load = open(f"{out}/load.tsv").read().split()
if load:
    print(f"wrk: {load[0]} requests, {load[1]} req/s, p99 {load[4]} ms, non-2xx/3xx {load[5]}, socket errors {load[8]}")
print(f"API writes: {writes} partitions made and activated, {fails} failed")
for l in open(f"{out}/metrics.txt"):
    if l.startswith("wangge_http_responses_total") or l.startswith("wangge_sources_bytes") or l.startswith("wangge_connections_open"):
        print(l.strip())
PY

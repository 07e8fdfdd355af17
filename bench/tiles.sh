#!/usr/bin/env bash
# wangge's tile server against martin 1.14 on the same PostGIS tables, same
# load, same run (the shared kit's compare.sh), for wangge on its GeoPackage
# and on PostGIS. Prints the kit's tables and wangge's memory.
#
#   bench/tiles.sh [BUILDINGS] [KIT]     defaults: 1000000, ../shared/bench/tiles
#   env: SOURCES ("grids buildings")  STORES ("gpkg postgis")  DURATION (5)
#        ROUNDS (2)  ZOOMS (12,14,16)  PORT (8090)  and the kit's own knobs.
#
# The county is synthetic (wangge synth, seed 1), imported from the same
# GeoJSON into both stores and partitioned the same way. martin serves
# views holding exactly the columns wangge's tiles carry (a grid's code,
# names, figures; a building's kind, levels, households).
#
# wangge serves without anonymous access: every request passes its whole
# pipeline (host check, CORS, authentication of a viewer token, the rate
# limiter with a limit above the load, audit, body limits, timeout). The
# kit is used as it is: a `wrk` on PATH ahead of Debian's adds the token's
# `Authorization` header to every request, and a curlrc (CURL_HOME) to the
# kit's probes and priming — martin gets the same header and ignores it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-1000000}
KIT=$(cd "${2:-$ROOT/../shared/bench/tiles}" && pwd)
export BENCH_DIR=${BENCH_DIR:-$ROOT/target/tile-bench}
PORT=${PORT:-8090}
W=$ROOT/target/release/wangge
WORK=$BENCH_DIR/wangge-$N
mkdir -p "$WORK"
cd "$ROOT"
cargo build --release --locked -q
"$KIT/martin.sh" install >/dev/null

"$KIT/postgis.sh" start >&2
ADMIN_URL=$("$KIT/postgis.sh" url)
DB_URL=${ADMIN_URL%/*}/wangge_$N
export DATABASE_URL=$DB_URL

if [ ! -f "$WORK/county.gpkg" ]; then
  echo "== synthetic county: $N buildings" >&2
  "$W" synth --seed 1 --buildings "$N" --population $((N * 7 / 2)) --out "$WORK/geojson" >&2
  "$W" import --store "$WORK/county.gpkg" --dir "$WORK/geojson" >&2
  "$W" partition --store "$WORK/county.gpkg" >&2
  psql "${ADMIN_URL%/*}/postgres" -qc "DROP DATABASE IF EXISTS wangge_$N" -c "CREATE DATABASE wangge_$N"
  "$W" import --db "$DB_URL" --dir "$WORK/geojson" >&2
  "$W" partition --db "$DB_URL" >&2
  psql "$DB_URL" -q <<'SQL'
CREATE VIEW bench_grids AS
  SELECT fid, code, name, village_code, village_name, town_name, round(population)::float8 AS population,
         round(households)::float8 AS households, buildings, coalesce(in_band, true) AS in_band,
         coalesce(dedicated, '') AS dedicated, geom
  FROM grids WHERE level = 'grid' AND plan_id = (SELECT id FROM plans WHERE active);
CREATE VIEW bench_buildings AS
  SELECT fid, kind, coalesce(levels, 0) AS levels, round(coalesce(households, 0))::float8 AS households, geom FROM buildings;
ANALYZE;
SQL
fi
BBOX=$(python3 - "$WORK/county.gpkg" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(",".join(f"{v:.5f}" for v in c.execute("SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name = 'admin'").fetchone()))
PY
)
echo "county bbox $BBOX" >&2

# A viewer token for the load, in both stores.
"$W" tokens issue --store "$WORK/county.gpkg" --role viewer --name tile-bench > "$WORK/token.gpkg" 2>/dev/null
"$W" tokens issue --db "$DB_URL" --role viewer --name tile-bench > "$WORK/token.postgis" 2>/dev/null
SHIM=$WORK/shim
mkdir -p "$SHIM"
REAL_WRK=$(command -v wrk || true)
if [ -z "$REAL_WRK" ]; then
  [ "$(id -u)" = 0 ] && { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >&2 || { apt-get update -qq && apt-get install -y -qq wrk >&2; }; }
  REAL_WRK=$(command -v wrk)
fi
use_token() {  # STORE: point the shims at that store's viewer token
  local t; t=$(cat "$WORK/token.$1")
  printf '#!/bin/sh\nexec %s -H "Authorization: Bearer %s" "$@"\n' "$REAL_WRK" "$t" > "$SHIM/wrk"
  chmod +x "$SHIM/wrk"
  printf 'header = "Authorization: Bearer %s"\n' "$t" > "$SHIM/.curlrc"
}
export PATH="$SHIM:$PATH" CURL_HOME="$SHIM"

stop_wangge() {
  if [ -f "$WORK/wangge.pid" ]; then kill "$(cat "$WORK/wangge.pid")" 2>/dev/null || true; rm -f "$WORK/wangge.pid"; fi
  while curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.2; done
}
start_wangge() {  # STORE_ARGS... CACHE_MB
  stop_wangge
  local cache=${*: -1}
  "$W" serve "${@:1:$#-1}" --addr "127.0.0.1:$PORT" --cache-mb "$cache" --rate-limit 100000000 --rate-burst 100000000 > "$WORK/wangge.log" 2>&1 &
  echo $! > "$WORK/wangge.pid"
  until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.5; done
}
export -f stop_wangge start_wangge
export W WORK PORT

for store in ${STORES:-gpkg postgis}; do
  case $store in
    gpkg) args="--store $WORK/county.gpkg"; size=$(stat -c %s "$WORK/county.gpkg") ;;
    postgis) args="--db $DB_URL"; size=$(psql "$DB_URL" -Atc "SELECT pg_database_size(current_database())") ;;
  esac
  use_token "$store"
  start_wangge $args 0
  # Through the pipeline: anonymous is refused, the token is not.
  [ "$(curl -q -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/plans")" = 401 ] || { echo "anonymous access is open" >&2; exit 1; }
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/plans")" = 200 ] || { echo "the viewer token is refused" >&2; exit 1; }
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$(cat "$WORK/wangge.pid")/status")
  echo "== wangge on $store: store $((size / 1048576)) MiB, server RSS after building every source $((rss / 1024)) MiB" \
    "($(awk -v r="$rss" -v s="$size" 'BEGIN { printf "%.2f", r * 1024 / s }')× the store)"
  for src in ${SOURCES:-grids buildings}; do
    echo "== $src, wangge on $store vs martin (PostGIS view bench_$src)"
    DURATION=${DURATION:-5} ROUNDS=${ROUNDS:-2} \
    OTHER_COLD_CMD="start_wangge $args 0" OTHER_WARM_CMD="start_wangge $args 256" OTHER_STOP_CMD="stop_wangge" \
      "$KIT/compare.sh" "bench_$src" "$BBOX" "${ZOOMS:-12,14,16}" "http://127.0.0.1:$PORT/tiles/$src/{z}/{x}/{y}.mvt"
    pid=$(cat "$WORK/wangge.pid" 2>/dev/null || true)
    [ -z "$pid" ] || echo "wangge RSS after the warm runs: $(( $(awk '/VmRSS/ {print $2}' "/proc/$pid/status") / 1024 )) MiB"
  done
  stop_wangge
done

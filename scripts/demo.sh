#!/usr/bin/env bash
# The main job on the sample data: build wangge, import the Qinghuayuan
# (清华园街道, Beijing) OpenStreetMap extract into an embedded GeoPackage
# with population scaled to the subdistrict's 44,166 residents and Haidian's
# census household size, partition it into grids (with unit cells), export
# the grids as GeoJSON, build the web map, and serve map, tiles and API on
# 127.0.0.1 (WANGGE_ADDR to change) with anonymous reading on for the demo
# (--public-read); writes need the planner token it prints, or signing in
# as the demo planner. Nothing is fetched from the internet by the map:
# basemap, fonts and tiles all come from this server. Simulated grid
# workers (WANGGE_SIM_WORKERS, default 40; 0 for none) walk the grids'
# streets and post their fixes through the API, so the map shows life.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked
(cd web-map && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
mkdir -p out
rm -f out/qinghuayuan.gpkg
W="${CARGO_TARGET_DIR:-target}/release/wangge"
"$W" import --store out/qinghuayuan.gpkg \
  data/osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf \
  --census data/census/county_2020.csv --county 110108 --population-total 44166 \
  --report out/qinghuayuan-import.json
"$W" partition --store out/qinghuayuan.gpkg --cells --report out/qinghuayuan-partition.json
"$W" export --store out/qinghuayuan.gpkg --layer grids -o out/qinghuayuan-grids.geojson
"$W" layers --store out/qinghuayuan.gpkg
# A planner who signs in to the map, and a planner token for scripts.
PASSWORD=$(head -c 12 /dev/urandom | base64 | tr -d '/+=' | cut -c1-16)
echo "$PASSWORD" | "$W" users add --store out/qinghuayuan.gpkg planner --role planner --password-stdin
TOKEN=$("$W" tokens issue --store out/qinghuayuan.gpkg --role planner --expires 7 --name demo 2>/dev/null)
# The command centre's big screen signs in with a token of its own.
SCREEN=$("$W" tokens issue --store out/qinghuayuan.gpkg --role screen --expires 7 --name demo-wall 2>/dev/null)
echo "store: out/qinghuayuan.gpkg (open it in QGIS); grids: out/qinghuayuan-grids.geojson"
ADDR="${WANGGE_ADDR:-127.0.0.1:8080}"
echo "map: http://$ADDR/  (anyone may look; sign in as planner / $PASSWORD to change plans)"
echo "big screen: http://$ADDR/screen#token=$SCREEN  (full screen it with F11)"
echo "API: http://$ADDR/openapi.json; planner token for scripts (valid 7 days):"
echo "  curl -H 'Authorization: Bearer $TOKEN' -X POST http://$ADDR/api/plans/1/activate"
echo "Ctrl-C stops."
"$W" serve --store out/qinghuayuan.gpkg --addr "$ADDR" --web web-map/dist --public-read &
SERVER=$!
SIM=""
trap 'kill $SIM $SERVER 2>/dev/null || true; wait 2>/dev/null || true' EXIT INT TERM
if [ "${WANGGE_SIM_WORKERS:-40}" -gt 0 ]; then
  until curl -s -o /dev/null "http://$ADDR/healthz"; do sleep 0.5; done
  "$W" simulate --store out/qinghuayuan.gpkg --url "http://$ADDR" --workers "${WANGGE_SIM_WORKERS:-40}" \
    --cases-per-hour "${WANGGE_SIM_CASES:-60}" > out/simulate.log 2>&1 &
  SIM=$!
  echo "simulated workers: ${WANGGE_SIM_WORKERS:-40}, about ${WANGGE_SIM_CASES:-60} cases an hour (log: out/simulate.log)"
fi
wait $SERVER

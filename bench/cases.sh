#!/usr/bin/env bash
# Case lists and KPIs over N cases (default 1,000,000) on each store
# (GeoPackage, PostGIS), through the real server: a synthetic county of
# 400,000 residents (the real samples are a few villages: a million cases
# on seven grids would measure nothing a county has) is generated and
# partitioned, N cases with their events written straight
# into the store's tables (bench/cases_fill.py: two years, each case
# stopped at a random stage of its loop), then
#   - filtered pages of /api/cases (50 a page): p50 and p99 over REPS
#     requests each, for eight filters;
#   - /api/kpi/cases by village over the last 30 days, by town over the
#     last 365 days, and by town over the 365 days to a month ago (whose
#     last month of cases moved after it ended, so their events are
#     replayed): the median of three.
#
# PostgreSQL is vacuumed after the bulk load, as autovacuum would have.
#
#   bench/cases.sh     env: N (1000000) REPS (200) STORES ("gpkg postgis") PORT (8098)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT=$ROOT/../shared/bench/tiles
N=${N:-1000000}
REPS=${REPS:-200}
PORT=${PORT:-8098}
W=$ROOT/target/release/wangge
WORK=$ROOT/target/cases-bench
export BENCH_DIR=$WORK
rm -rf "$WORK/stores"; mkdir -p "$WORK/stores"
cd "$ROOT"
cargo build --release --locked -q

serve() {  # STORE_ARGS...
  "$W" serve "$@" --addr "127.0.0.1:$PORT" --rate-limit 0 --escalate-every 3600 > "$WORK/serve.log" 2>&1 &
  echo $! > "$WORK/serve.pid"
  until curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.3; done
}
stop() { [ -f "$WORK/serve.pid" ] && kill "$(cat "$WORK/serve.pid")" 2>/dev/null || true; while curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.2; done; }
trap stop EXIT

for store in ${STORES:-gpkg postgis}; do
  case $store in
    gpkg) A=(--store "$WORK/stores/cases.gpkg") ;;
    postgis)
      "$KIT/postgis.sh" start >&2
      URL=$("$KIT/postgis.sh" url); BASE=${URL%/*}
      psql "$BASE/postgres" -qc "DROP DATABASE IF EXISTS cases_bench" -c "CREATE DATABASE cases_bench"
      A=(--db "$BASE/cases_bench") ;;
  esac
  echo "== $store: import, partition, $N cases" >&2
  "$W" synth "${A[@]}" --seed 3 --population 400000 --buildings 80000 --county 360681 > /dev/null 2>&1
  "$W" partition "${A[@]}" > /dev/null 2>&1
  "$W" export "${A[@]}" -o "$WORK/grids.geojson" > /dev/null 2>&1
  python3 - "$WORK/grids.geojson" > "$WORK/grids.csv" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["features"]:
    g = f["geometry"]
    ring = (g["coordinates"][0] if g["type"] == "Polygon" else g["coordinates"][0][0])
    x = sum(p[0] for p in ring) / len(ring); y = sum(p[1] for p in ring) / len(ring)
    print(f'{f["properties"]["code"]},{x},{y}')
PY
  t0=$(date +%s)
  case $store in
    gpkg) python3 bench/cases_fill.py --gpkg "$WORK/stores/cases.gpkg" --grids "$WORK/grids.csv" --county 360681 --n "$N" ;;
    postgis)
      python3 bench/cases_fill.py --pg-dir "$WORK/csv" --grids "$WORK/grids.csv" --county 360681 --n "$N" > "$WORK/cols.txt"
      psql "$BASE/cases_bench" -q -v ON_ERROR_STOP=1 \
        -c "\\copy cases ($(sed -n 1p "$WORK/cols.txt")) FROM '$WORK/csv/cases.csv' WITH (FORMAT csv, FORCE_NOT_NULL (description, reporter))" \
        -c "\\copy case_events ($(sed -n 2p "$WORK/cols.txt")) FROM '$WORK/csv/case_events.csv' WITH (FORMAT csv, FORCE_NOT_NULL (note))" \
        -c "SELECT setval(pg_get_serial_sequence('cases', 'id'), (SELECT max(id) FROM cases))" -c "VACUUM ANALYZE cases" -c "VACUUM ANALYZE case_events" > /dev/null ;;
  esac
  echo "   filled in $(( $(date +%s) - t0 )) s" >&2
  ADMIN=$("$W" tokens issue "${A[@]}" --role admin --name cases-bench 2>/dev/null)
  serve "${A[@]}"
  python3 - "$PORT" "$ADMIN" "$REPS" "$store" "$WORK/grids.csv" <<'PY'
import http.client, json, statistics, sys, time
port, token, reps, store, grids = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
codes = [l.split(",")[0] for l in open(grids)]
village, town = codes[len(codes) // 2][:12], codes[len(codes) // 3][:9]
conn = http.client.HTTPConnection("127.0.0.1", port)
def get(path):
    t = time.perf_counter()
    conn.request("GET", path, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse(); body = r.read()
    assert r.status == 200, (path, r.status, body[:300])
    return time.perf_counter() - t, body
now = int(time.time())
month = f"from={now - 30 * 86400}&to={now}"
queries = {
    "newest page": "/api/cases?limit=50",
    "open": "/api/cases?status=open&limit=50",
    "village": f"/api/cases?within={village}&limit=50",
    "town+status+category": f"/api/cases?within={town}&status=dispatched&category=property&limit=50",
    "overdue": "/api/cases?overdue=true&limit=50",
    "last 30 days, hotline": f"/api/cases?{month}&source=hotline&limit=50",
    "level 1, page 100": "/api/cases?level=1&limit=50&offset=5000",
    "open311 open, property": "/open311/v2/requests.json?status=open&service_code=property",
}
_, body = get("/api/cases?limit=1")
print(f"{store}: {json.loads(body)['total']} cases")
for name, q in queries.items():
    get(q)
    ts = sorted(get(q)[0] for _ in range(reps))
    p = lambda f: ts[min(len(ts) - 1, int(f * len(ts)))] * 1000
    print(f"  {name:24s} p50 {p(0.5):7.1f} ms  p99 {p(0.99):7.1f} ms")
for name, q in {"KPIs by village, 30 days": f"/api/kpi/cases?by=village&{month}",
                "KPIs by town, 365 days": f"/api/kpi/cases?by=town&from={now - 365 * 86400}&to={now}",
                "… 365 days to a month ago": f"/api/kpi/cases?by=town&from={now - 395 * 86400}&to={now - 30 * 86400}"}.items():
    ts = sorted(get(q)[0] for _ in range(3))
    print(f"  {name:24s} median {ts[1] * 1000:7.0f} ms")
PY
  stop
done
[ -n "${URL:-}" ] && "$KIT/postgis.sh" stop >&2 || true

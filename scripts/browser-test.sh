#!/usr/bin/env bash
# Browser tests of the web map: builds the web map (npm ci from the lockfile)
# and wangge, imports the Qinghuayuan sample (county 110108) and a synthetic
# county (360681) into one fresh GeoPackage, partitions both, adds a viewer
# and a planner who sign in with passwords, serves it on a free port on
# 127.0.0.1 (no anonymous access), and runs web-map/tests/planner.test.mjs
# in Debian's chromium (playwright-core); then, with `wangge simulate`
# walking workers and reporting cases, web-map/tests/screen.test.mjs (the
# big screen, signed in with a `screen` token, at three wall sizes; it
# stops and restarts the server through OUT/server.sh). Screenshots and
# downloads land in OUT (default target/browser-test).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=$(realpath -m "${1:-target/browser-test}")
rm -rf "$OUT"; mkdir -p "$OUT"
(cd web-map && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build)
cargo build --locked -q
W=target/debug/wangge
STORE=$OUT/two-counties.gpkg
"$W" import --store "$STORE" data/osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf \
  --census data/census/county_2020.csv --county 110108 --population-total 44166 > "$OUT/import.log"
"$W" partition --store "$STORE" --county 110108 --cells > "$OUT/partition.log"
"$W" partition --store "$STORE" --county 110108 --band households:300-500 --no-activate --name "by households" >> "$OUT/partition.log"
"$W" synth --store "$STORE" --seed 3 --buildings 20000 --population 900000 --county 360681 >> "$OUT/import.log"
"$W" partition --store "$STORE" --county 360681 >> "$OUT/partition.log"
# Two grid workers of Qinghuayuan (the test posts their fixes).
printf 'id,name,role,grids\nw1,张三,专职网格员,110108001001001\nw2,李四,网格长,110108001001002\n' > "$OUT/roster.csv"
"$W" workers import --store "$STORE" --county 110108 "$OUT/roster.csv" > /dev/null
echo "viewer-password-1" | "$W" users add --store "$STORE" wang --role viewer --password-stdin > /dev/null
echo "planner-password-1" | "$W" users add --store "$STORE" li --role planner --password-stdin > /dev/null
echo "dispatcher-password-1" | "$W" users add --store "$STORE" zhao --role dispatcher --password-stdin > /dev/null
TOKEN=$("$W" tokens issue --store "$STORE" --role admin --name browser-test 2>/dev/null)
SCREEN=$("$W" tokens issue --store "$STORE" --role screen --name wall 2>/dev/null)
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The server, as the screen test stops and starts it (its output appended
# to one log, its input closed: no pipe of the test's is held open).
cat > "$OUT/server.sh" <<EOF
#!/usr/bin/env bash
case \$1 in
  stop) kill \$(cat "$OUT/serve.pid") 2>/dev/null
        while curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.2; done ;;
  start) "$PWD/$W" serve --store "$STORE" --addr "127.0.0.1:$PORT" --web "$PWD/web-map/dist" \\
           >> "$OUT/serve.log" 2>&1 < /dev/null &
         echo \$! > "$OUT/serve.pid"
         for _ in \$(seq 600); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && exit 0; sleep 0.2; done
         exit 1 ;;
esac
EOF
chmod +x "$OUT/server.sh"
trap 'kill $(cat "$OUT/serve.pid") ${SIM:-} 2>/dev/null || true' EXIT
"$OUT/server.sh" start
status=0
(cd web-map && WANGGE_TOKEN="$TOKEN" node tests/planner.test.mjs "http://127.0.0.1:$PORT" "$OUT") || status=1
"$W" simulate --store "$STORE" --county 110108 --url "http://127.0.0.1:$PORT" --workers 16 \
  --cases-per-hour 240 > "$OUT/simulate.log" 2>&1 &
SIM=$!
(cd web-map && WANGGE_TOKEN="$TOKEN" WANGGE_SCREEN_TOKEN="$SCREEN" WANGGE_RESTART="$OUT/server.sh" \
  node tests/screen.test.mjs "http://127.0.0.1:$PORT" "$OUT") || status=1
kill $SIM 2>/dev/null || true
# The downloaded export opens in GDAL (what QGIS reads it with).
for f in "$OUT"/*.geojson; do
  if ogrinfo -ro -so -al "$f" | grep -q "Feature Count: [1-9]"; then
    echo "ok   $(basename "$f") opens in GDAL: $(ogrinfo -ro -so -al "$f" | grep -m1 'Feature Count')"
  else
    echo "FAIL $(basename "$f") does not open in GDAL"; status=1
  fi
done
# Nothing the browser sent as a secret reached the server's log.
if grep -q -e "$TOKEN" -e "$SCREEN" -e "password-1" "$OUT/serve.log"; then
  echo "FAIL a token or password appears in the server's log"; status=1
else
  echo "ok   no token or password in the server's log"
fi
exit $status

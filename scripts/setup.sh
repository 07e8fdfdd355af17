#!/usr/bin/env bash
# Installs what wangge's build and tests need on a fresh Debian 12 machine,
# skipping whatever is already there. Safe to run again.
set -euo pipefail

need=()
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)       # GeoPackage checks in tests
command -v cc >/dev/null 2>&1 || need+=(build-essential)     # bundled SQLite builds from C
# PostgreSQL 15 + PostGIS: the shared store, tested against a private cluster.
pg_bin=$(dirname "$(readlink -f "$(command -v pg_ctl 2>/dev/null || echo /usr/lib/postgresql/15/bin/pg_ctl)")")
[ -x "$pg_bin/initdb" ] || need+=(postgresql-15)
[ -f /usr/share/postgresql/15/extension/postgis.control ] || need+=(postgresql-15-postgis-3 postgresql-15-postgis-3-scripts)
command -v createdb >/dev/null 2>&1 || need+=(postgresql-client-15)
# Label glyphs for the map's style are made from Noto Sans CJK, which the
# browser also draws Chinese labels with.
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
# The web map's build (npm ci) and its browser tests (Debian's chromium).
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# A venv for PySAL's esda, which the hotspot test compares with.
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
# GIS staff's client: QGIS 3.22 (qgis_process, PyQGIS) opens the store in tests/qgis.rs.
command -v qgis_process.bin >/dev/null 2>&1 || need+=(qgis qgis-providers)
/usr/bin/python3 -c 'import qgis.core' >/dev/null 2>&1 || need+=(python3-qgis)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)   # a self-signed certificate for the HTTPS test
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo (Rust stable) is required" >&2; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true

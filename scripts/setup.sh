#!/usr/bin/env bash
# Installs what wangge's build and tests need on a fresh Debian 12 machine,
# skipping whatever is already there. Safe to run again.
set -euo pipefail

need=()
command -v ogrinfo >/dev/null 2>&1 || need+=(gdal-bin)       # GeoPackage checks in tests
command -v cc >/dev/null 2>&1 || need+=(build-essential)     # bundled SQLite builds from C
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: please install as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo >/dev/null 2>&1 || { echo "setup: cargo (Rust stable) is required" >&2; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true

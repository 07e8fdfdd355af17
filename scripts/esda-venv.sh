#!/usr/bin/env bash
# A Python venv with PySAL's esda, pinned, for the test and benchmark that
# set wangge's Gi* beside esda's. Packages come from PyPI. Prints the
# interpreter's path last. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/esda-venv
pins="esda==2.9.0 libpysal==4.14.1 numpy==2.4.6 scipy==1.17.1 pandas==3.1.1 geopandas==1.2.0 shapely==2.2.0 scikit-learn==1.9.1"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv" >&2
if [ "$(cat "$venv/.pins" 2>/dev/null)" != "$pins" ]; then
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install -q --disable-pip-version-check $pins >&2
  "$venv/bin/python" -c "import esda, libpysal" >&2
  printf '%s' "$pins" > "$venv/.pins"
fi
echo "$(cd "$venv" && pwd -P)/bin/python"

#!/usr/bin/env python3
"""Largest and mean tile sizes (raw MVT bytes) of a running wangge server.

usage: bench/tile_sizes.py PORT SOURCES ZOOMS [MAX_TILES_PER_ZOOM]
  e.g. bench/tile_sizes.py 8090 grids,landuse,water,roads,buildings,admin 0,4,8,10,12,14 300
Tiles cover the county's bounds (from /catalog); a deterministic sample per zoom.
"""
import json
import math
import random
import sys
import urllib.request


def tile_xy(lon, lat, z):
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def main(argv):
    if len(argv) not in (4, 5):
        sys.exit(__doc__)
    port, sources, zooms = argv[1], argv[2], [int(z) for z in argv[3].split(",")]
    cap = int(argv[4]) if len(argv) == 5 else 300
    base = f"http://127.0.0.1:{port}"
    catalog = json.load(urllib.request.urlopen(f"{base}/catalog"))
    w, s, e, n = next(x["bounds"] for x in catalog["sources"] if x["id"] == "admin")
    for z in zooms:
        x0, y0 = tile_xy(w, n, z)
        x1, y1 = tile_xy(e, s, z)
        tiles = [(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
        random.Random(z).shuffle(tiles)
        sizes = []
        for x, y in tiles[:cap]:
            sizes.append(len(urllib.request.urlopen(f"{base}/tiles/{sources}/{z}/{x}/{y}.mvt").read()))
        full = [v for v in sizes if v]
        print(f"z{z}: {len(sizes)} of {len(tiles)} tiles, {len(full)} non-empty, "
              f"max {max(sizes, default=0) / 1024:.1f} KB, mean {sum(full) / max(len(full), 1) / 1024:.1f} KB")


if __name__ == "__main__":
    main(sys.argv)

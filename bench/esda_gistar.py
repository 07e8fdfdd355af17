"""Gi* by PySAL esda on the same values and neighbour lists wangge used.

Usage: esda_gistar.py INPUT.json OUTPUT.json

INPUT: {"cases": [{"name", "values": [..], "neighbours": [[..], ..],
        "points": [[x, y], ..] and "band": d (instead of neighbours: a
        libpysal DistanceBand, as esda's documented example), "runs": n}]}
OUTPUT: {name: {"z": [..], "seconds": median time of G_Local over the runs,
        "weights_seconds": time to build the W}}
"""
import json
import sys
import time

import numpy as np
from esda.getisord import G_Local
from libpysal.weights import W, DistanceBand


def weights(case):
    if "band" in case:
        return DistanceBand(case["points"], threshold=case["band"], silence_warnings=True)
    nb = {i: sorted(set(j for j in around if j != i)) for i, around in enumerate(case["neighbours"])}
    return W(nb, silence_warnings=True)


def main():
    with open(sys.argv[1]) as f:
        cases = json.load(f)["cases"]
    out = {}
    for case in cases:
        t0 = time.perf_counter()
        w = weights(case)
        built = time.perf_counter() - t0
        y = np.asarray(case["values"], dtype=float)
        times = []
        for _ in range(max(1, case.get("runs", 1))):
            t0 = time.perf_counter()
            g = G_Local(y, w, transform="B", star=True, permutations=0)
            times.append(time.perf_counter() - t0)
        times.sort()
        out[case["name"]] = {
            "z": [None if np.isnan(z) else float(z) for z in g.Zs],
            "seconds": times[len(times) // 2],
            "weights_seconds": built,
        }
    with open(sys.argv[2], "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()

"""Fills a wangge store with N synthetic cases and their events, straight
into its tables (the case benchmark's input; the HTTP API would take an
hour for a million). Each case follows the loop as the server would move
it — reported, accepted, dispatched, handled, verified, closed, followed
up — stopping at a random stage (some rejected, some left open and
overdue), over the two years before now, on the store's grids.

usage: cases_fill.py (--gpkg PATH | --pg-dir DIR) --grids FILE --county CODE --n N [--seed S]
  --pg-dir writes cases.csv and case_events.csv there for psql's \\copy.
"""
import argparse
import csv
import os
import random
import sqlite3
import time

CATS = ["property", "medical", "labour", "greenery", "traffic", "city", "care", "rental",
        "environment", "noise", "fumes", "dispute", "security", "safety", "facility"]
SOURCES = ["worker"] * 6 + ["hotline"] * 3 + ["citizen"]
CASE_COLS = ["id", "county", "reported_at", "lon", "lat", "grid_code", "village_code", "town_code",
             "category", "description", "source", "reporter", "external_id", "reported_level", "level",
             "status", "since", "dispatched_at", "closed_at", "satisfaction", "escalations", "reopened",
             "events", "updated_at", "accepted_at", "dispatch_level", "last_satisfaction", "last_at"]
EVENT_COLS = ["case_id", "seq", "at", "from_status", "to_status", "level", "actor", "by_name", "note",
              "unit", "satisfaction", "duplicate_of"]
URGENT = {"dispute", "security", "safety"}
DEADLINE_H = {False: [24, 48, 72, 120], True: [4, 8, 24, 48]}
MIN = 60_000
HOUR = 3_600_000


def cases(n, grids, county, seed):
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    span = 730 * 24 * HOUR
    # Ids in the order cases were reported, as a store fills.
    times = sorted(now - int(span * rng.random() ** 0.8) for _ in range(n))
    for i in range(1, n + 1):
        g = rng.choice(grids)
        code, lon, lat = g
        t0 = times[i - 1]
        events = []
        t = t0
        status, dispatched, closed, sat = "reported", None, None, None
        roll = rng.random()
        # How far along the loop it got: a month on, most are closed and
        # followed up; a few were rejected, a few stuck (overdue).
        if now - t0 > 30 * 24 * HOUR:
            stage = 0 if roll < 0.01 else (1 if roll < 0.04 else rng.randint(2, 5) if roll < 0.08 else rng.choice([6, 7, 7]))
        else:
            stage = 0 if roll < 0.04 else (1 if roll < 0.08 else 7 if roll < 0.5 else rng.randint(2, 7))
        chain = [("accepted", 5 * MIN, 60 * MIN, "office:2"), ("dispatched", 1 * MIN, 40 * MIN, "office:2"),
                 ("handled", 1 * HOUR, 30 * HOUR, "worker"), ("verified", HOUR // 2, 5 * HOUR, "office:2"),
                 ("closed", HOUR // 10, 2 * HOUR, "office:2"), ("followed_up", HOUR, 48 * HOUR, "office:2")]
        if stage == 1:
            chain = [("rejected", 5 * MIN, 120 * MIN, "office:2")]
        for to, lo, hi, actor in chain[: (1 if stage == 1 else stage)]:
            nt = t + rng.randint(lo, hi)
            if nt >= now:
                break
            unit = "街道城管科" if to == "dispatched" else None
            s = rng.choice(["satisfied"] * 7 + ["partly"] * 2 + ["unsatisfied"]) if to == "followed_up" else None
            events.append((i, len(events) + 1, nt, status, to, 1, actor, "bench", "", unit, s, None))
            status, t = to, nt
            if to == "dispatched":
                dispatched = nt
            if to in ("closed", "rejected"):
                closed = nt
            if s:
                sat = s
        cat = rng.choice(CATS)
        # Left in an office's hands past its deadline: escalated a level
        # at a time within a minute of each deadline, as the server does.
        level, escalations = 1, 0
        while status in ("accepted", "dispatched") and level < 4:
            at = t + DEADLINE_H[cat in URGENT][level - 1] * HOUR + rng.randint(1_000, 60_000)
            if at >= now:
                break
            level += 1
            escalations += 1
            events.append((i, len(events) + 1, at, status, "dispatched", level, "system", "system",
                           "overdue at level %d: escalated to level %d" % (level - 1, level), None, None, None))
            status, t = "dispatched", at
            dispatched = dispatched or at
        src = rng.choice(SOURCES)
        row = (i, county, t0, lon + rng.uniform(-2e-4, 2e-4), lat + rng.uniform(-2e-4, 2e-4), code,
               code[:12], code[:9], cat, "楼道堆物，影响通行", src, "w%d" % rng.randint(1, 400),
               "12345-%d" % i if src == "hotline" else None, 1, level, status, t, dispatched, closed, sat,
               escalations, 0, len(events), t,
               next((e[2] for e in events if e[4] in ("accepted", "dispatched")), None),
               next((e[5] for e in events if e[4] == "dispatched"), None), sat,
               max([t0] + [e[2] for e in events]))
        yield row, events


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gpkg")
    ap.add_argument("--pg-dir")
    ap.add_argument("--grids", required=True, help="CSV: code,lon,lat (a point inside each grid)")
    ap.add_argument("--county", required=True)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    with open(a.grids) as f:
        grids = [(r[0], float(r[1]), float(r[2])) for r in csv.reader(f)]
    if a.gpkg:
        db = sqlite3.connect(a.gpkg)
        db.execute("PRAGMA synchronous = OFF")
        cur = db.cursor()
        cur.execute("BEGIN")
        cq = "INSERT INTO cases (%s) VALUES (%s)" % (", ".join(CASE_COLS), ", ".join("?" * len(CASE_COLS)))
        eq = "INSERT INTO case_events (%s) VALUES (%s)" % (", ".join(EVENT_COLS), ", ".join("?" * len(EVENT_COLS)))
        batch_c, batch_e = [], []
        for row, events in cases(a.n, grids, a.county, a.seed):
            batch_c.append(row)
            batch_e.extend(events)
            if len(batch_c) >= 50_000:
                cur.executemany(cq, batch_c)
                cur.executemany(eq, batch_e)
                batch_c, batch_e = [], []
        cur.executemany(cq, batch_c)
        cur.executemany(eq, batch_e)
        db.commit()
        db.execute("ANALYZE")
        db.close()
    else:
        os.makedirs(a.pg_dir, exist_ok=True)
        with open(os.path.join(a.pg_dir, "cases.csv"), "w", newline="") as fc, \
                open(os.path.join(a.pg_dir, "case_events.csv"), "w", newline="") as fe:
            wc, we = csv.writer(fc), csv.writer(fe)
            for row, events in cases(a.n, grids, a.county, a.seed):
                wc.writerow(["" if v is None else v for v in row])
                we.writerows([["" if v is None else v for v in e] for e in events])
        print(", ".join(CASE_COLS))
        print(", ".join(EVENT_COLS))


if __name__ == "__main__":
    main()

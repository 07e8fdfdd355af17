#!/usr/bin/env python3
"""SSE lag: N clients follow /api/live for D seconds; for every position
event, lag = the client's clock at receipt minus the server's commit time
(`committed` in the event). Same machine, same clock.
usage: live_lag.py URL TOKEN CLIENTS SECONDS"""
import http.client
import json
import sys
import threading
import time
from urllib.parse import urlparse

url, token, clients, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
u = urlparse(url)
lags, counts, lock = [], [0] * clients, threading.Lock()
end = time.time() + secs


def follow(i):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=secs + 10)
    c.request("GET", "/api/live", headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"})
    r = c.getresponse()
    kind, mine = None, []
    while time.time() < end:
        line = r.fp.readline()
        if not line:
            break
        line = line.decode().rstrip("\r\n")
        if line.startswith("event:"):
            kind = line[6:].strip()
        elif line.startswith("data:") and kind == "position":
            now = time.time() * 1000
            d = json.loads(line[5:])
            mine.append(now - d["committed"])
            counts[i] += 1
    with lock:
        lags.extend(mine)


threads = [threading.Thread(target=follow, args=(i,)) for i in range(clients)]
for t in threads:
    t.start()
for t in threads:
    t.join()
lags.sort()
q = lambda p: lags[min(len(lags) - 1, int(p * (len(lags) - 1)))] if lags else float("nan")
print(f"live: {clients} clients, {len(lags)} position events ({len(lags) / clients / secs:.0f}/s each); "
      f"lag from commit p50 {q(0.5):.0f} ms, p99 {q(0.99):.0f} ms, max {q(1.0):.0f} ms")

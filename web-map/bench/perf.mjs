// Planner-view performance in headless chromium: time to the map's first
// idle, frame times (requestAnimationFrame deltas) while panning and
// zooming across the county, and tile bytes transferred.
// usage: node bench/perf.mjs http://127.0.0.1:PORT
import { launch } from "../tests/harness.mjs";

const base = process.argv[2];
if (!base) {
  console.error("usage: node bench/perf.mjs http://127.0.0.1:PORT");
  process.exit(2);
}
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
let tileBytes = 0;
let tiles = 0;
let outside = 0;
page.on("request", (r) => {
  if (!r.url().startsWith("http://127.0.0.1") && !r.url().startsWith("data:") && !r.url().startsWith("blob:")) outside++;
});
page.on("response", async (r) => {
  if (r.url().includes("/tiles/") && r.status() === 200) {
    const len = Number(r.headers()["content-length"] ?? 0) || (await r.body().catch(() => Buffer.alloc(0))).length;
    tileBytes += len;
    tiles++;
  }
});
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
await page.goto(base + "/", { waitUntil: "load" });
await page.waitForFunction(() => window.wangge?.map, null, { timeout: 60000 });
const firstIdle = await page.evaluate(
  () =>
    new Promise((resolve) => {
      const m = window.wangge.map;
      if (m.loaded() && m.areTilesLoaded()) resolve(performance.now());
      else m.once("idle", () => resolve(performance.now()));
    }),
);
const loadBytes = tileBytes;
const loadTiles = tiles;
// Pan and zoom across the county: a tour of flyTo/easeTo moves, rAF deltas recorded.
const frames = await page.evaluate(async () => {
  const m = window.wangge.map;
  const deltas = [];
  let last = performance.now();
  let running = true;
  const tick = (t) => {
    deltas.push(t - last);
    last = t;
    if (running) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const b = m.getBounds();
  const [w, s, e, n] = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()];
  const c = m.getCenter();
  const stops = [
    { center: [c.lng, c.lat], zoom: 11 },
    { center: [w + (e - w) * 0.25, s + (n - s) * 0.7], zoom: 13 },
    { center: [w + (e - w) * 0.3, s + (n - s) * 0.65], zoom: 15 },
    { center: [w + (e - w) * 0.7, s + (n - s) * 0.3], zoom: 14 },
    { center: [w + (e - w) * 0.75, s + (n - s) * 0.35], zoom: 16 },
    { center: [c.lng, c.lat], zoom: 10 },
  ];
  for (const st of stops) {
    await new Promise((r) => {
      m.once("moveend", r);
      m.flyTo({ ...st, duration: 2500 });
    });
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => {
        m.once("moveend", r);
        m.panBy([200 * (i % 2 ? -1 : 1), 120], { duration: 600 });
      });
    }
  }
  await new Promise((r) => (m.loaded() && m.areTilesLoaded() ? r() : m.once("idle", r)));
  running = false;
  return deltas.slice(1);
});
console.log(`first idle: ${Math.round(firstIdle)} ms after navigation start; ${loadTiles} tiles, ${(loadBytes / 1024).toFixed(0)} KiB`);
console.log(
  `pan/zoom tour: ${frames.length} frames, frame time p50 ${pct(frames, 50).toFixed(1)} ms, p95 ${pct(frames, 95).toFixed(1)} ms, max ${Math.max(...frames).toFixed(0)} ms`,
);
console.log(`tiles: ${tiles} responses, ${(tileBytes / 1048576).toFixed(2)} MiB transferred (compressed); requests outside 127.0.0.1: ${outside}`);
await browser.close();

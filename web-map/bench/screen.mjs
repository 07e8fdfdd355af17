// The big screen under live load, in headless chromium (SwiftShader):
// frame times (requestAnimationFrame deltas) with the live stream stopped,
// then with it running for MINUTES; the JS heap after a forced collection
// at the start and the end of the live run; the live stream's bytes a
// second. Prints one line a figure.
// usage: node bench/screen.mjs http://127.0.0.1:PORT SCREEN_TOKEN MINUTES [SCOPE]
import { idle, launch } from "../tests/harness.mjs";

const [base, token, minutesArg, scope = "360681"] = process.argv.slice(2);
if (!base || !token) {
  console.error("usage: node bench/screen.mjs URL SCREEN_TOKEN MINUTES [SCOPE]");
  process.exit(2);
}
const minutes = Number(minutesArg ?? 10);
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
const cdp = await page.context().newCDPSession(page);
await cdp.send("HeapProfiler.enable");
let outside = 0;
page.on("request", (r) => {
  const u = new URL(r.url());
  if (!["data:", "blob:"].includes(u.protocol) && u.hostname !== "127.0.0.1") outside++;
});
await page.goto(`${base}/screen?scope=${scope}#token=${token}`, { waitUntil: "load" });
await page.waitForFunction(() => window.wangge?.state?.grids?.length > 0, null, { timeout: 120000 });
await page.waitForFunction(() => window.wangge.dots.positions().length > 10, null, { timeout: 180000 });
await idle(page);

/** rAF deltas over `ms`. */
const frames = (ms) =>
  page.evaluate(
    (ms) =>
      new Promise((done) => {
        const d = [];
        const start = performance.now();
        let last = start;
        const f = (t) => {
          d.push(t - last);
          last = t;
          if (t - start < ms) requestAnimationFrame(f);
          else done(d.slice(1));
        };
        requestAnimationFrame(f);
      }),
    ms,
  );
const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
const heap = async () => {
  await cdp.send("HeapProfiler.collectGarbage");
  return (await cdp.send("Runtime.getHeapUsage")).usedSize;
};
const shown = () => page.evaluate(() => window.wangge.dots.positions().length);

await page.evaluate(() => window.wangge.live.stop());
await new Promise((r) => setTimeout(r, 3000));
const still = await frames(60_000);
await page.evaluate(() => window.wangge.live.start());
await page.waitForFunction(() => window.wangge.live.connected, null, { timeout: 30000 });
await new Promise((r) => setTimeout(r, 5000));
const heap0 = await heap();
const bytes0 = await page.evaluate(() => window.wangge.live.bytes);
const t0 = Date.now();
const moving = [];
for (let m = 0; m < minutes; m++) moving.push(...(await frames(60_000)));
const seconds = (Date.now() - t0) / 1000;
const bytes1 = await page.evaluate(() => window.wangge.live.bytes);
const heap1 = await heap();
const ms = (v) => `${v.toFixed(1)} ms`;
console.log(`workers on the map: ${await shown()}`);
console.log(`frame time without live updates: p50 ${ms(pct(still, 0.5))}  p95 ${ms(pct(still, 0.95))}  (${still.length} frames)`);
console.log(`frame time with live updates:    p50 ${ms(pct(moving, 0.5))}  p95 ${ms(pct(moving, 0.95))}  (${moving.length} frames, ${minutes} min)`);
console.log(`ratio live / still: p50 ${(pct(moving, 0.5) / pct(still, 0.5)).toFixed(2)}×  p95 ${(pct(moving, 0.95) / pct(still, 0.95)).toFixed(2)}×`);
console.log(`JS heap: ${(heap0 / 1e6).toFixed(1)} MB at the start, ${(heap1 / 1e6).toFixed(1)} MB at the end (${(((heap1 - heap0) / heap0) * 100).toFixed(1)} %)`);
console.log(`live stream: ${((bytes1 - bytes0) / seconds / 1024).toFixed(1)} KiB/s over ${seconds.toFixed(0)} s`);
console.log(`requests outside 127.0.0.1: ${outside}`);
await browser.close();

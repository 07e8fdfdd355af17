// Browser tests of the big screen (/screen) in Debian's chromium, at
// 1920×1080, 3840×2160 and 5760×1620, against a running `wangge serve`
// with `wangge simulate` walking workers of county 110108. Signs in with
// a `screen` token in the URL fragment (WANGGE_SCREEN_TOKEN); reads and
// posts through the API with an admin token (WANGGE_TOKEN); stops and
// starts the server with WANGGE_RESTART (a script: `stop` or `start`).
// usage: node tests/screen.test.mjs http://127.0.0.1:PORT [OUT_DIR]

import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { assert, assertCjkGlyphs, counts, idle, launch, pixels, test } from "./harness.mjs";

const base = process.argv[2];
const out = process.argv[3] ?? "test-results";
const token = process.env.WANGGE_TOKEN;
const screenToken = process.env.WANGGE_SCREEN_TOKEN;
const restart = process.env.WANGGE_RESTART;
if (!base || !token || !screenToken || !restart) {
  console.error("usage: WANGGE_TOKEN=… WANGGE_SCREEN_TOKEN=… WANGGE_RESTART=… node tests/screen.test.mjs URL [OUT]");
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const api = async (path, init = {}) =>
  (await fetch(base + path, { ...init, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...init.headers } })).json();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const browser = await launch();

/** A page at a wall's resolution, recording what it should never do. */
async function wall(width, height, path) {
  const context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const seen = { outside: [], errors: [], expected: new Set() };
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!["data:", "blob:"].includes(u.protocol) && u.hostname !== "127.0.0.1") seen.outside.push(r.url());
  });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  page.on("console", (m) => {
    if (m.type() === "error" && !seen.expected.has("console")) seen.errors.push(m.text());
  });
  page.on("response", (r) => {
    if (r.status() >= 400 && !seen.expected.has(r.status())) seen.errors.push(`${r.status()} ${r.url()}`);
  });
  await page.goto(`${base}${path}#token=${screenToken}`, { waitUntil: "load" });
  await page.waitForFunction(() => window.wangge?.state?.grids?.length > 0 && document.getElementById("f-grids").dataset.value, null, {
    timeout: 60000,
  });
  await idle(page);
  return { page, context, seen };
}

/** A point inside grid `code`, found with /api/locate. */
async function pointIn(code) {
  const g = await api(`/api/grids/${code}`);
  const [w, s, e, n] = g.bbox;
  for (let i = 1; i < 20; i++) {
    for (let j = 1; j < 20; j++) {
      const lon = w + ((e - w) * ((i * 7) % 20)) / 20;
      const lat = s + ((n - s) * ((j * 11) % 20)) / 20;
      if ((await api(`/api/locate?lon=${lon}&lat=${lat}`)).grid?.code === code) return [lon, lat];
    }
  }
  throw new Error(`no point inside ${code}`);
}

/** The workers' dots as the screen draws them. */
const dots = (page) => page.evaluate(() => Object.fromEntries(window.wangge.dots.positions()));

for (const [width, height] of [
  [1920, 1080],
  [3840, 2160],
]) {
  const name = `${width}x${height}`;
  let w;
  await test(`${name}: signs in from the fragment, lays out at the wall's size, draws Chinese text`, async () => {
    w = await wall(width, height, "/screen?scope=110108");
    const { page } = w;
    assert(!page.url().includes("token"), `the token left the address bar: ${page.url()}`);
    const rem = await page.evaluate(() => parseFloat(getComputedStyle(document.documentElement).fontSize));
    assert(Math.abs(rem - height / 54) < 0.5, `root size ${rem} px at ${height} rows`);
    const canvas = await page.evaluate(() => [window.wangge.map.getCanvas().width, window.wangge.map.getCanvas().height]);
    assert(canvas[0] > width * 0.4 && canvas[1] > height * 0.6, `the map is drawn at the wall's pixels: ${canvas}`);
    const grids = Number(await page.locator("#f-grids").getAttribute("data-value"));
    const listed = (await api("/api/plans/active/grids?county=110108")).count;
    assert(grids === listed, `grids ${grids} vs ${listed}`);
    assert((await page.locator("h1").innerText()) === "网格化管理指挥中心", "the title");
    const shot = await page.screenshot({ path: `${out}/screen-${name}.png` });
    const h1 = await page.locator("h1").boundingBox();
    const p = await pixels(page, shot, [Math.round(h1.x), Math.round(h1.y), Math.round(h1.width), Math.round(h1.height)]);
    assert(p.colours > 20, `the title draws ${p.colours} colours`);
    await assertCjkGlyphs(page);
    const features = await page.evaluate(() => window.wangge.map.queryRenderedFeatures({ layers: ["grids-fill"] }).length);
    assert(features > 0, "no grid drawn");
  });

  await test(`${name}: workers move live; figures count them`, async () => {
    const { page } = w;
    await page.waitForFunction(() => window.wangge.dots.positions().length > 3, null, { timeout: 30000 });
    const before = await dots(page);
    await sleep(7000);
    const after = await dots(page);
    const moved = Object.keys(after).filter((id) => before[id] && before[id] !== after[id]).length;
    assert(moved >= 2, `only ${moved} of ${Object.keys(after).length} workers moved in 7 s`);
    const online = await page.locator("#f-workers").innerText();
    assert(/^\d+ \/ \d+$/.test(online.replace(/,/g, "")) && Number(online.split("/")[0]) > 0, `workers online: ${online}`);
    // The dots are drawn: the overlay canvas has coloured pixels.
    const painted = await page.evaluate(() => {
      const c = document.querySelector("canvas.dots");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    assert(painted > 100, `the worker dots cover ${painted} pixels`);
    await page.screenshot({ path: `${out}/screen-${name}-live.png` });
  });

  await test(`${name}: a case posted through the API is in the ticker, flashing on the map and counted, within 2 s`, async () => {
    const { page } = w;
    const at = await pointIn("110108001001002");
    const today = Number(await page.locator("#f-today").getAttribute("data-value"));
    const t0 = Date.now();
    const r = await api("/api/cases", {
      method: "POST",
      body: JSON.stringify({ category: "环境保护", lon: at[0], lat: at[1], description: `大屏测试 ${name}` }),
    });
    assert(r.id, JSON.stringify(r));
    await page.waitForSelector(`#ticker li[data-case="${r.id}"]`, { timeout: 2000 });
    const ticked = Date.now() - t0;
    await page.waitForFunction((id) => window.wangge.dots.flashing().includes(id), r.id, { timeout: 2000 });
    await page.waitForFunction((n) => Number(document.getElementById("f-today").dataset.value) > n, today, { timeout: 2000 });
    const all = Date.now() - t0;
    console.log(`     in the ticker ${ticked} ms, on the map and in the figures ${all} ms after the POST`);
    assert(all <= 2000, `shown ${all} ms after the POST`);
    assert((await page.locator(`#ticker li[data-case="${r.id}"]`).innerText()).includes("环境保护"), "the ticker names the category");
  });

  await test(`${name}: the replay clock moves the tracks, and live returns`, async () => {
    const { page } = w;
    await page.selectOption("#r-hours", "1");
    await page.selectOption("#r-speed", "600");
    await page.click("#r-play");
    await page.waitForFunction(() => Number(document.getElementById("r-time").dataset.features) > 0, null, { timeout: 30000 });
    const first = await page.evaluate(() => [document.getElementById("r-slider").dataset.at, window.wangge.map.querySourceFeatures("replay").length]);
    await sleep(2500);
    const later = await page.evaluate(() => document.getElementById("r-slider").dataset.at);
    assert(Number(later) > Number(first[0]) + 60_000, `the clock moved ${later - first[0]} ms`);
    assert((await page.locator("#mode").getAttribute("data-mode")) === "replay", "replay said");
    await page.screenshot({ path: `${out}/screen-${name}-replay.png` });
    await page.click("#r-live");
    assert((await page.locator("#mode").getAttribute("data-mode")) === "live", "live again");
  });

  await test(`${name}: no console error, nothing fetched from outside the server`, async () => {
    assert(w.seen.outside.length === 0, `outside: ${w.seen.outside.join(", ")}`);
    assert(w.seen.errors.length === 0, `errors: ${w.seen.errors.join(" | ")}`);
  });
  if (width === 3840) {
    await test(`${name}: the stale indicator shows while the server is down and clears when it is back`, async () => {
      const { page, seen } = w;
      seen.expected.add("console");
      execFileSync(restart, ["stop"]);
      try {
        await page.waitForSelector("#stale:not([hidden])", { timeout: 30000 });
        const said = await page.locator("#stale").innerText();
        assert(/数据已 \d+ 秒未更新/.test(said), `said: ${said}`);
        await page.screenshot({ path: `${out}/screen-${name}-stale.png` });
      } finally {
        execFileSync(restart, ["start"]);
      }
      await page.waitForSelector("#stale[hidden]", { state: "attached", timeout: 40000 });
      await page.waitForFunction(() => window.wangge.live.connected, null, { timeout: 10000 });
    });
  }
  await w?.context.close();
}

await test("32:9 ultrawide (5760×1620): panels on both sides of the map; a tour visits the towns; play=1 starts the replay", async () => {
  const w = await wall(5760, 1620, "/screen?scope=360681&measure=cases&tour=5&play=1&hours=1");
  const { page } = w;
  const map = await page.locator("#map").boundingBox();
  const ticker = await page.locator(".ticker").boundingBox();
  const towns = await page.locator(".towns").boundingBox();
  assert(towns.x + towns.width <= map.x && ticker.x >= map.x + map.width, "panels either side of the map");
  assert(map.width / map.height > 2, `a wide map: ${map.width}×${map.height}`);
  const first = await page.locator("#scope-name").innerText();
  await page.waitForFunction((n) => document.getElementById("scope-name").textContent !== n, first, { timeout: 12000 });
  const next = await page.locator("#scope-name").innerText();
  assert(next.length > 0 && next !== first, `the tour moved from ${first} to ${next}`);
  await page.waitForSelector('#mode[data-mode="replay"]', { timeout: 10000 });
  await idle(page);
  await page.screenshot({ path: `${out}/screen-5760x1620.png` });
  assert(w.seen.errors.length === 0, `errors: ${w.seen.errors.join(" | ")}`);
  await w.context.close();
});

await test("a revoked or wrong token is refused: the screen asks to sign in", async () => {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
  const page = await context.newPage();
  await page.goto(`${base}/screen#token=wg_not_a_token`, { waitUntil: "load" });
  await page.waitForSelector("#signin:not([hidden])", { timeout: 30000 });
  assert((await page.locator("#signin-error").innerText()).length > 0, "the reason is said");
  await context.close();
});

writeFileSync(`${out}/screen-summary.txt`, `passed ${counts.passed}, failed ${counts.failed}\n`);
await browser.close();
console.log(`screen tests: ${counts.passed} passed, ${counts.failed} failed`);
process.exit(counts.failed ? 1 : 0);

// What the browser tests share: Debian's chromium with the flags the
// machine needs, a test runner that prints one line a test, a bounded
// wait for the map to settle, and pixel statistics of a screenshot.

import { execSync } from "node:child_process";
import { chromium } from "playwright-core";

export const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
];
export const executablePath = execSync("command -v chromium", { shell: "/bin/bash" }).toString().trim();

export const counts = { passed: 0, failed: 0 };
export async function test(name, fn) {
  try {
    await fn();
    counts.passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    counts.failed++;
    console.log(`FAIL ${name}\n     ${e?.stack ?? e}`);
  }
}
export function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}


export function launch() {
  return chromium.launch({ executablePath, args: FLAGS, headless: true });
}

/** Waits until the map has settled: loaded, every tile in, not moving —
 * seen by the `idle` event or by polling (an `idle` that fired before the
 * wait began is not fired again). Bounded: a map that never settles fails
 * the test with its state instead of hanging. */
export const idle = (page) =>
  page.evaluate(
    () =>
      new Promise((resolve, reject) => {
        const m = window.wangge.map;
        const settled = () => m.loaded() && m.areTilesLoaded() && !m.isMoving();
        if (settled()) return resolve(performance.now());
        let done = false;
        const finish = () => {
          if (done) return;
          done = true;
          clearInterval(poll);
          clearTimeout(timer);
          resolve(performance.now());
        };
        m.once("idle", finish);
        let calm = 0;
        const poll = setInterval(() => {
          calm = settled() ? calm + 1 : 0;
          if (calm >= 3) finish();
        }, 100);
        const timer = setTimeout(() => {
          clearInterval(poll);
          const c = m.getCanvas();
          reject(
            new Error(
              `the map never settled: loaded ${m.loaded()}, tiles ${m.areTilesLoaded()}, moving ${m.isMoving()}, ` +
                `canvas ${c.width}x${c.height}, zoom ${m.getZoom()}`,
            ),
          );
        }, 45000);
      }),
  );

/** Pixel statistics of a PNG, decoded by the browser itself. */
export async function pixels(page, png, region) {
  return page.evaluate(
    async ({ b64, region }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement("canvas");
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext("2d");
      g.drawImage(img, 0, 0);
      const [x, y, w, h] = region ?? [0, 0, img.width, img.height];
      const d = g.getImageData(x, y, w, h).data;
      const colours = new Set();
      for (let i = 0; i < d.length; i += 4) colours.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);
      return { colours: colours.size, data: Array.from(d) };
    },
    { b64: png.toString("base64"), region },
  );
}


/** Asserts the page draws 网 in Noto Sans CJK as a real glyph — not the
 * missing-glyph box, and not the same box as 格 — which is what fails when
 * fonts-noto-cjk is missing (feature queries still pass then). */
export async function assertCjkGlyphs(page) {
  const probe = await page.evaluate(() => {
    const draw = (ch) => {
      const c = document.createElement("canvas");
      c.width = c.height = 48;
      const g = c.getContext("2d");
      g.font = "40px 'Noto Sans CJK SC'";
      g.fillText(ch, 4, 40);
      return Array.from(g.getImageData(0, 0, 48, 48).data.filter((_, i) => i % 4 === 3)).join(",");
    };
    return { cjk: draw("网"), other: draw("格"), missing: draw("\u{10FFFD}") };
  });
  assert(probe.cjk !== probe.missing, "网 renders as the missing-glyph box: fonts-noto-cjk is not installed");
  assert(probe.cjk !== probe.other, "网 and 格 render the same (boxes)");
}

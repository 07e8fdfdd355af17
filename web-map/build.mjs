// Bundles the web map into dist/: the planner (index.html, app.js,
// app.css) and the big screen (screen.html, screen.js, screen.css), two
// entries over the same modules, and MapLibre's CSS — static files
// `wangge serve` serves at / and /screen.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: { app: "src/planner.ts", screen: "src/screen.ts" },
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2020"],
  outdir: "dist",
  logLevel: "warning",
});
copyFileSync("index.html", "dist/index.html");
copyFileSync("src/style.css", "dist/app.css");
copyFileSync("screen.html", "dist/screen.html");
copyFileSync("src/screen.css", "dist/screen.css");
copyFileSync("node_modules/maplibre-gl/dist/maplibre-gl.css", "dist/maplibre-gl.css");
console.log("web-map: built dist/");

// Bundles the planner map into dist/: one script, its CSS, MapLibre's CSS
// and index.html — static files `wangge serve` serves at /.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";

rmSync("dist", { recursive: true, force: true });
mkdirSync("dist", { recursive: true });
await build({
  entryPoints: ["src/main.ts"],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: "esm",
  target: ["es2020"],
  outfile: "dist/app.js",
  logLevel: "warning",
});
copyFileSync("index.html", "dist/index.html");
copyFileSync("src/style.css", "dist/app.css");
copyFileSync("node_modules/maplibre-gl/dist/maplibre-gl.css", "dist/maplibre-gl.css");
console.log("web-map: built dist/");

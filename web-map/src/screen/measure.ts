// The grids coloured by the measure the screen was asked for: households
// (the grids' own tile property, as the planner colours them), open cases
// or today's patrol coverage (feature state, one key a grid: hundreds to
// a few thousand, never a key a case or a fix).

import type maplibregl from "maplibre-gl";
import { type Band, fillColour, parseBand, renderLegend as bandLegend } from "../colour";
import { t } from "../i18n";
import type { Measure } from "./params";

const CASES = ["interpolate", ["linear"], ["coalesce", ["feature-state", "open"], 0],
  0, "#16324f", 1, "#f2c14e", 5, "#f08a24", 15, "#d7301f", 40, "#7f0000"];
const COVERAGE = ["case", ["==", ["feature-state", "coverage"], null], "#2a3441",
  ["interpolate", ["linear"], ["feature-state", "coverage"], 0, "#b2182b", 0.5, "#f4a582", 0.8, "#92c5de", 1, "#1a9850"]];

export function paintMeasure(m: maplibregl.Map, measure: Measure, band: Band = parseBand(undefined)): void {
  if (!m.getLayer("grids-fill")) return;
  const colour = measure === "households" ? fillColour("households", band) : measure === "cases" ? CASES : COVERAGE;
  m.setPaintProperty("grids-fill", "fill-color", colour as maplibregl.ExpressionSpecification);
  m.setPaintProperty("grids-fill", "fill-opacity", 0.6);
}

/** Sets one number a grid (grids missing from `values` get 0 or none). */
export function setGridValues(m: maplibregl.Map, key: "open" | "coverage", values: Map<string, number>, codes: string[]): void {
  if (!m.getSource("plan")) return;
  for (const code of codes) {
    const v = values.get(code);
    m.setFeatureState({ source: "plan", sourceLayer: "grids", id: Number(code) }, { [key]: v ?? (key === "open" ? 0 : null) });
  }
}

export function renderLegend(el: HTMLElement, measure: Measure, band: Band = parseBand(undefined)): void {
  if (measure === "households") {
    bandLegend(el, "households", band);
    return;
  }
  const rows: [string, string][] =
    measure === "cases"
      ? [["#16324f", "0"], ["#f2c14e", "1–4"], ["#f08a24", "5–14"], ["#d7301f", "15–39"], ["#7f0000", "40+"]]
      : [["#b2182b", "0%"], ["#f4a582", "50%"], ["#92c5de", "80%"], ["#1a9850", "100%"], ["#2a3441", t("legendNoData")]];
  const title = measure === "cases" ? t("figOpen") : t("coverage");
  el.innerHTML =
    `<strong>${title}</strong><ul>` +
    rows.map(([c, s]) => `<li><span class="swatch" style="background:${c}"></span>${s}</li>`).join("") +
    "</ul>";
}

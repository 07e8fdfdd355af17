// Grid colours by residents, households or deviation from the plan's band,
// as MapLibre expressions with the legend that explains them.

import type { ExpressionSpecification } from "maplibre-gl";
import { num, t } from "./i18n";
import palette from "./palette.json";

export type Mode = "households" | "population" | "deviation";

export interface Band {
  measure: "households" | "population";
  lo: number;
  hi: number;
}

/** `residents:1000-2000` or `households:300-500` from a plan's params. */
export function parseBand(text: string | undefined): Band {
  const m = /^(residents|households):(\d+)-(\d+)$/.exec(text ?? "");
  if (!m) return { measure: "population", lo: 1000, hi: 2000 };
  return {
    measure: m[1] === "households" ? "households" : "population",
    lo: Number(m[2]),
    hi: Number(m[3]),
  };
}

// One palette for the web map, the server's style and the QGIS styles in
// the GeoPackage, so every client shows a grid in the same colour.
const RAMP = palette.ramp;
const DIVERGING = palette.diverging;
const DEDICATED = palette.dedicated;

function stops(mode: Mode, band: Band): number[] {
  if (mode === "deviation") return [-50, -20, 0, 20, 50];
  const scale = mode === band.measure ? 1 : mode === "population" ? palette.household_size : 1 / palette.household_size;
  const lo = band.lo * scale;
  const hi = band.hi * scale;
  return [0, lo * 0.75, lo, hi, hi * 1.25].map((v) => Math.round(v));
}

export function fillColour(mode: Mode, band: Band): ExpressionSpecification {
  const s = stops(mode, band);
  const colours = mode === "deviation" ? DIVERGING : RAMP;
  const mid = (band.lo + band.hi) / 2;
  const value: ExpressionSpecification =
    mode === "deviation"
      ? ["*", 100, ["/", ["-", ["get", band.measure], mid], mid]]
      : ["get", mode];
  const ramp: unknown[] = ["interpolate", ["linear"], value];
  s.forEach((v, i) => ramp.push(v, colours[i]));
  return ["case", ["!=", ["get", "dedicated"], ""], DEDICATED, ramp as ExpressionSpecification];
}

export function renderLegend(el: HTMLElement, mode: Mode, band: Band): void {
  const s = stops(mode, band);
  const colours = mode === "deviation" ? DIVERGING : RAMP;
  const unit = mode === "households" ? t("hh") : mode === "population" ? t("people") : "%";
  const title = t(mode);
  const rows = s
    .map(
      (v, i) =>
        `<li><span class="swatch" style="background:${colours[i]}"></span>${mode === "deviation" && v > 0 ? "+" : ""}${num(v)} ${unit}</li>`,
    )
    .join("");
  const measure = band.measure === "households" ? t("hh") : t("people");
  el.innerHTML = `<strong>${title}</strong><ul>${rows}<li><span class="swatch" style="background:${DEDICATED}"></span>${t("dedicated")}</li></ul>
    <small>${t("band")}: ${num(band.lo)}–${num(band.hi)} ${measure}</small>`;
}

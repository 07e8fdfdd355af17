// Cases and their hot spots on the planner map, from the `cases` and
// `hotspots` vector tiles: open cases red (overdue darker, larger with
// the level), closed ones green, in clusters below zoom 14 (the server
// makes them); Gi* hot cells red and cold ones blue by their confidence
// bin. The server rebuilds both tiles within a minute. A case's panel
// shows its history and the moves this account may make; the KPI card
// the closed loop's figures by area and the categories' year on year.

import type maplibregl from "maplibre-gl";
import { api, type CaseDetail } from "./api";
import { type Key, num, t } from "./i18n";

const FONT = ["Noto Sans CJK SC Regular"];

/** The layers of cases, for the layer switch. */
export const CASE_LAYERS = ["hotspots-fill", "cases-dot", "cases-cluster", "cases-count"];

let county: string | undefined;

/** The sources and layers for `c` (again after every style load). */
export function addCaseLayers(m: maplibregl.Map, c?: string): void {
  if (c) county = c;
  if (!county) return;
  const tiles = [`${location.origin}/tiles/cases,hotspots/{z}/{x}/{y}.mvt?county=${county}`];
  const src = m.getSource("cases") as maplibregl.VectorTileSource | undefined;
  if (src) {
    src.setTiles(tiles);
    return;
  }
  m.addSource("cases", { type: "vector", tiles, attribution: "" });
  m.addLayer({
    id: "hotspots-fill",
    type: "fill",
    source: "cases",
    "source-layer": "hotspots",
    paint: {
      "fill-color": [
        "match",
        ["get", "bin"],
        3, "#b2182b",
        2, "#ef8a62",
        1, "#fddbc7",
        -1, "#d1e5f0",
        -2, "#67a9cf",
        -3, "#2166ac",
        "rgba(0,0,0,0)",
      ],
      "fill-opacity": 0.45,
    },
  });
  m.addLayer({
    id: "cases-cluster",
    type: "circle",
    source: "cases",
    "source-layer": "cases",
    filter: ["has", "count"],
    paint: {
      "circle-radius": ["interpolate", ["linear"], ["get", "count"], 1, 9, 10, 12, 100, 17, 1000, 24],
      "circle-color": [
        "case",
        [">", ["get", "overdue"], 0], "#862e9c",
        [">", ["get", "open"], 0], "#e03131",
        "#2f9e44",
      ],
      "circle-opacity": 0.85,
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  });
  m.addLayer({
    id: "cases-count",
    type: "symbol",
    source: "cases",
    "source-layer": "cases",
    filter: ["has", "count"],
    layout: {
      "text-field": ["to-string", ["get", "count"]],
      "text-font": FONT,
      "text-size": 11,
      "text-allow-overlap": true,
    },
    paint: { "text-color": "#ffffff" },
  });
  m.addLayer({
    id: "cases-dot",
    type: "circle",
    source: "cases",
    "source-layer": "cases",
    filter: ["!", ["has", "count"]],
    paint: {
      "circle-radius": ["+", 3, ["*", 1.5, ["get", "level"]]],
      "circle-color": ["case", ["get", "overdue"], "#862e9c", ["get", "open"], "#e03131", "#2f9e44"],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  });
}

const esc = (v: unknown): string =>
  String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const when = (ms: number | null | undefined) => (ms ? new Date(ms).toLocaleString() : "–");
const levelName = (l: number) => t(`level${Math.min(4, Math.max(1, l))}` as Key);
const moveName = (to: string) => t(`move_${to}` as Key) || to;
const pct = (v: number | null | undefined) => (v == null ? "–" : `${num(v * 100, 1)}%`);

/** One case in the side panel: its figures, its history and a button for
 * each move this account may make (with a note, a unit for a dispatch and
 * the answer for a follow-up). */
export async function showCase(id: number, onError: (e: unknown) => void): Promise<CaseDetail> {
  const c = await api.case(id);
  renderCase(c, onError);
  return c;
}

function renderCase(c: CaseDetail, onError: (e: unknown) => void): void {
  const panel = document.getElementById("case-panel")!;
  panel.hidden = false;
  panel.dataset.case = String(c.id);
  panel.dataset.status = c.status;
  document.getElementById("case-title")!.textContent = `${t("caseTitle")} ${c.id} · ${c.category_name} · ${c.status_name}`;
  const rows: [string, string][] = [
    [t("caseGrid"), esc(c.grid_code)],
    [t("caseLevel"), `${c.level} ${levelName(c.level)}`],
    [t("caseReported"), when(c.reported_at)],
    [t("caseSource"), esc(c.source)],
    [t("caseReporter"), esc(c.reporter)],
    [t("caseDeadline"), when(c.deadline)],
    ...(c.overdue ? ([[t("caseOverdue"), "⚠"]] as [string, string][]) : []),
    ...(c.description ? ([["", esc(c.description)]] as [string, string][]) : []),
  ];
  document.getElementById("case-stats")!.innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  document.getElementById("case-history")!.innerHTML = c.history
    .map(
      (e) =>
        `<li><time>${when(e.at)}</time> ${e.from ? `${esc(moveName(e.from))} → ` : ""}<b>${esc(moveName(e.to))}</b>` +
        ` · ${esc(e.by)}${e.unit ? ` · ${esc(e.unit)}` : ""}${e.satisfaction ? ` · ${esc(t(`sat_${e.satisfaction}` as Key))}` : ""}` +
        `${e.note ? `<br><small>${esc(e.note)}</small>` : ""}</li>`,
    )
    .join("");
  const actions = document.getElementById("case-actions")!;
  actions.innerHTML = "";
  if (!c.allowed.length) {
    actions.innerHTML = `<p class="hint">${t("caseNoActions")}</p>`;
    return;
  }
  const field = (label: string, input: HTMLElement) => {
    const l = document.createElement("label");
    l.className = "field";
    const span = document.createElement("span");
    span.textContent = label;
    l.append(span, input);
    actions.append(l);
    return input;
  };
  const note = field(t("caseNote"), Object.assign(document.createElement("input"), { id: "case-note", maxLength: 2000 })) as HTMLInputElement;
  const unit = c.allowed.includes("dispatched")
    ? (field(t("caseUnit"), Object.assign(document.createElement("input"), { id: "case-unit", maxLength: 200 })) as HTMLInputElement)
    : undefined;
  let satisfaction: HTMLSelectElement | undefined;
  if (c.allowed.includes("followed_up")) {
    satisfaction = document.createElement("select");
    satisfaction.id = "case-satisfaction";
    for (const s of ["satisfied", "partly", "unsatisfied"]) {
      satisfaction.append(new Option(t(`sat_${s}` as Key), s));
    }
    field(t("caseSatisfaction"), satisfaction);
  }
  const buttons = document.createElement("div");
  buttons.className = "buttons";
  for (const to of c.allowed) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.move = to;
    b.textContent = moveName(to);
    b.addEventListener("click", async () => {
      for (const x of buttons.querySelectorAll("button")) x.disabled = true;
      try {
        const next = await api.moveCase(c.id, {
          to,
          note: note.value || undefined,
          unit: to === "dispatched" ? unit?.value || undefined : undefined,
          satisfaction: to === "followed_up" ? satisfaction?.value : undefined,
          seen: c.events,
        });
        renderCase(next, onError);
      } catch (err) {
        onError(err);
        for (const x of buttons.querySelectorAll("button")) x.disabled = false;
      }
    });
    buttons.append(b);
  }
  actions.append(buttons);
}

export function clearCase(): void {
  const panel = document.getElementById("case-panel");
  if (panel) panel.hidden = true;
}

/** The KPI card: areas by town, village or grid over the chosen days, and
 * the categories against the same days a year before. */
export async function loadCaseKpis(county: string): Promise<void> {
  const by = (document.getElementById("kpi-by") as HTMLSelectElement).value;
  const days = Number((document.getElementById("kpi-days") as HTMLSelectElement).value);
  const from = Math.floor(Date.now() / 1000) - days * 86400;
  const k = await api.caseKpis(county, by, from);
  const areas = document.getElementById("case-kpi-table")!;
  const head = ["kpiArea", "kpiReported", "kpiDispatch", "kpiClosure", "kpiOnTime", "kpiSatisfaction", "kpiP90", "kpiOverdue"] as Key[];
  areas.innerHTML =
    `<thead><tr>${head.map((h) => `<th>${t(h)}</th>`).join("")}</tr></thead><tbody>` +
    k.areas
      .filter((a) => a.reported > 0 || a.open > 0)
      .map(
        (a) =>
          `<tr data-area="${esc(a.area)}"><td>${esc(a.area)}</td><td>${num(a.reported)}</td><td>${pct(a.dispatch_rate)}</td>` +
          `<td>${pct(a.closure_rate)}</td><td>${pct(a.on_time_rate)}</td><td>${pct(a.satisfaction_rate)}</td>` +
          `<td>${a.p90_close_hours == null ? "–" : num(a.p90_close_hours, 1)}</td><td>${num(a.overdue)}</td></tr>`,
      )
      .join("") +
    "</tbody>";
  const trends = document.getElementById("case-trend-table")!;
  const th = ["kpiCategory", "kpiReported", "kpiLastYear", "kpiChange", "kpiTarget"] as Key[];
  trends.innerHTML =
    `<thead><tr>${th.map((h) => `<th>${t(h)}</th>`).join("")}</tr></thead><tbody>` +
    k.categories
      .filter((c) => c.count > 0 || c.last_year > 0)
      .map(
        (c) =>
          `<tr data-category="${esc(c.code)}"><td>${esc(c.name)}</td><td>${num(c.count)}</td><td>${num(c.last_year)}</td>` +
          `<td>${c.change == null ? "–" : `${c.change > 0 ? "+" : ""}${num(c.change * 100, 1)}%`}</td>` +
          `<td>${c.target_change == null ? "" : `${num(c.target_change * 100)}% ${c.target_met ? "✓" : c.target_met === false ? "✗" : ""}`}</td></tr>`,
      )
      .join("") +
    "</tbody>";
}

// The planner view (the entry of index.html): signs in, then wires the map, the county and plan
// selectors and report, the grid panel, search, layers, colours, export,
// language and theme.

import type maplibregl from "maplibre-gl";
import {
  type Comparison,
  type County,
  type Grid,
  type NewPartition,
  type PlanDetail,
  type PlanSummary,
  type Session,
  ApiError,
  api,
  bounds,
} from "./api";
import { type Band, type Mode, fillColour, parseBand, renderLegend } from "./colour";
import { lang, setLang, t } from "./i18n";
import {
  createMap,
  gridAt,
  hoverHighlight,
  paintTheme,
  setChanged,
  setGroupVisible,
  setSelected,
  showPlan,
  switchCounty,
} from "./map";
import { showGrid, showReport } from "./panel";
import { addCaseLayers, clearCase, loadCaseKpis, showCase } from "./cases";
import { addWorkerLayers, clearWorker, followLive, loadWorkers, showWorker } from "./workers";
import { LiveStream } from "./live";
import { find } from "./search";
import { applyRole, clearNotice, notify, startSession } from "./session";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const state = {
  session: null as Session | null,
  counties: [] as County[],
  county: "",
  plans: [] as PlanSummary[],
  plan: 0,
  detail: null as PlanDetail | null,
  band: parseBand(undefined) as Band,
  mode: "households" as Mode,
  grids: [] as Grid[],
  selected: [] as Grid[],
  comparison: null as Comparison | null,
};

setLang(lang());
document.documentElement.dataset.theme = localStorage.getItem("wangge.theme") ?? "light";
// Made once the caller is known (the style is the caller's county's).
let map!: maplibregl.Map;

function applyColours(): void {
  if (!map.getLayer("grids-fill")) return;
  map.setPaintProperty("grids-fill", "fill-color", fillColour(state.mode, state.band));
  renderLegend($("legend"), state.mode, state.band);
}

function applyTheme(): void {
  const dark = document.documentElement.dataset.theme === "dark";
  $("theme").textContent = dark ? t("light") : t("dark");
  paintTheme(map, dark);
}

async function loadPlans(pick?: number): Promise<void> {
  state.plans = await api.plans(state.county);
  for (const select of [$<HTMLSelectElement>("plan-select"), $<HTMLSelectElement>("compare-with")]) {
    select.innerHTML = "";
    for (const p of state.plans) {
      const o = document.createElement("option");
      o.value = String(p.id);
      o.textContent = `${p.id} · ${p.name}${p.active ? ` (${t("active")})` : ""}`;
      select.append(o);
    }
  }
  const active = state.plans.find((p) => p.active) ?? state.plans[state.plans.length - 1];
  await choosePlan(pick ?? active?.id ?? 0);
}

/** Re-lists the plans (names carry the language's "active") without
 * dropping the selection. */
async function loadPlansKeepingSelection(): Promise<void> {
  state.plans = await api.plans(state.county);
  for (const select of [$<HTMLSelectElement>("plan-select"), $<HTMLSelectElement>("compare-with")]) {
    const value = select.value;
    for (const o of Array.from(select.options)) {
      const p = state.plans.find((x) => String(x.id) === o.value);
      if (p) o.textContent = `${p.id} · ${p.name}${p.active ? ` (${t("active")})` : ""}`;
    }
    select.value = value;
  }
}

async function choosePlan(id: number): Promise<void> {
  if (!id) return;
  state.plan = id;
  $<HTMLSelectElement>("plan-select").value = String(id);
  clearSelection();
  clearComparison();
  state.detail = await api.plan(id);
  state.band = parseBand(state.detail.params.band);
  showReport(state.detail);
  state.grids = await api.grids(id);
  if (map.isStyleLoaded()) showPlan(map, state.county, id);
  applyColours();
  $<HTMLButtonElement>("activate").disabled = state.detail.active;
}

/** Shows a county: its style (basemap and grids), its plans. */
async function chooseCounty(code: string): Promise<void> {
  state.county = code;
  clearWorker();
  localStorage.setItem("wangge.county", code);
  $<HTMLSelectElement>("county-select").value = code;
  clearSelection();
  clearComparison();
  if (map) await switchCounty(map, code);
  await loadPlans();
  clearCase();
  void refreshCaseKpis();
}

/** The KPI card; hidden for an account the API does not show them to. */
async function refreshCaseKpis(): Promise<void> {
  const card = $("case-kpi-card");
  try {
    await loadCaseKpis(state.county);
    card.hidden = false;
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) card.hidden = true;
    else notify(err);
  }
}

function clearSelection(): void {
  setSelected(map, state.selected.map((g) => Number(g.code)), false);
  state.selected = [];
  $("grid-panel").hidden = true;
}

async function selectGrid(code: string, add: boolean): Promise<void> {
  if (!add) clearSelection();
  const g = await api.grid(code, state.plan);
  if (!state.selected.some((s) => s.code === g.code)) state.selected.push(g);
  setSelected(map, [Number(g.code)], true);
  showGrid(g, (n) => void flyToCode(n));
}

async function flyToCode(code: string): Promise<void> {
  const g = state.grids.find((x) => x.code === code);
  if (g) map.fitBounds(bounds(g), { padding: 80, maxZoom: 16, duration: 800 });
  await selectGrid(code, false);
}

/** The county's workers on the map and in the list. */
async function refreshWorkers(): Promise<void> {
  try {
    await loadWorkers(state.county, (id) => void pickWorker(id));
  } catch (err) {
    notify(err);
  }
}

async function pickWorker(id: string): Promise<void> {
  try {
    await showWorker(id, state.county);
  } catch (err) {
    notify(err);
  }
}

/** The map's own events (made once the map is). */
function wireMap(): void {
  hoverHighlight(map);
  map.on("style.load", () => {
    addCaseLayers(map, state.county);
    addWorkerLayers(map);
    void refreshWorkers();
    applyTheme();
    applyColours();
    if (state.plan && !state.detail?.active) showPlan(map, state.county, state.plan);
    for (const box of document.querySelectorAll<HTMLInputElement>("[data-layer]")) {
      setGroupVisible(map, box.dataset.layer!, box.checked);
    }
  });

  map.on("click", "cases-cluster", (e) => {
    map.easeTo({ center: e.lngLat, zoom: Math.min(map.getZoom() + 2, 15), duration: 400 });
  });
  map.on("click", "cases-dot", (e) => {
    const id = e.features?.[0]?.properties?.id as number | undefined;
    if (id !== undefined) void showCase(id, notify).catch(notify);
  });
  map.on("click", "workers-dot", (e) => {
    const id = e.features?.[0]?.properties?.id as string | undefined;
    if (id) void pickWorker(id);
  });
  map.on("click", (e) => {
    const above = ["workers-dot", "cases-dot", "cases-cluster"].filter((l) => map.getLayer(l));
    if (above.length && map.queryRenderedFeatures(e.point, { layers: above }).length) return;
    clearCase();
    const f = gridAt(map, e.point);
    const code = f?.properties?.code as string | undefined;
    if (code) void selectGrid(code, e.originalEvent.shiftKey);
  });

}

$("kpi-load").addEventListener("click", () => void refreshCaseKpis());
$("kpi-by").addEventListener("change", () => void refreshCaseKpis());
$("kpi-days").addEventListener("change", () => void refreshCaseKpis());
$<HTMLSelectElement>("plan-select").addEventListener("change", (e) => {
  void choosePlan(Number((e.target as HTMLSelectElement).value));
});
$("activate").addEventListener("click", async () => {
  try {
    await api.activate(state.plan);
    clearNotice();
    await loadPlans(state.plan);
  } catch (err) {
    notify(err);
  }
});
$<HTMLSelectElement>("county-select").addEventListener("change", (e) => {
  void chooseCounty((e.target as HTMLSelectElement).value).catch(notify);
});
$<HTMLSelectElement>("colour-mode").addEventListener("change", (e) => {
  state.mode = (e.target as HTMLSelectElement).value as Mode;
  applyColours();
});
for (const box of document.querySelectorAll<HTMLInputElement>("[data-layer]")) {
  box.addEventListener("change", () => setGroupVisible(map, box.dataset.layer!, box.checked));
}
$("lang").addEventListener("click", () => {
  setLang(lang() === "zh" ? "en" : "zh");
  $("lang").textContent = lang() === "zh" ? "English" : "中文";
  applyTheme();
  applyColours();
  if (state.detail) showReport(state.detail);
  const shown = state.selected[state.selected.length - 1];
  if (shown) showGrid(shown, (n) => void flyToCode(n));
  renderLegend($("legend"), state.mode, state.band);
  void loadPlansKeepingSelection();
});
$("lang").textContent = lang() === "zh" ? "English" : "中文";
$("theme").addEventListener("click", () => {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  document.documentElement.dataset.theme = next;
  localStorage.setItem("wangge.theme", next);
  applyTheme();
});

// Search.
const results = $<HTMLUListElement>("search-results");
$("search-input").addEventListener("input", (e) => {
  const hits = find(state.grids, (e.target as HTMLInputElement).value);
  results.innerHTML = "";
  results.hidden = false;
  if (!hits.length) {
    results.innerHTML = `<li class="none">${t("noMatch")}</li>`;
    return;
  }
  for (const h of hits) {
    const li = document.createElement("li");
    li.textContent = h.label;
    li.addEventListener("click", () => {
      results.hidden = true;
      map.fitBounds(h.bbox, { padding: 60, maxZoom: 16, duration: 800 });
      if (h.code) void selectGrid(h.code, false);
    });
    results.append(li);
  }
});
$("search").addEventListener("submit", (e) => {
  e.preventDefault();
  (results.querySelector("li:not(.none)") as HTMLElement | null)?.click();
});

// Export: the server streams the GeoJSON; the browser saves it.
function download(url: string): void {
  const a = document.createElement("a");
  a.href = url;
  a.download = "";
  document.body.append(a);
  a.click();
  a.remove();
}
$("export-all").addEventListener("click", () => download(api.exportUrl(state.plan, {})));
$("export-town").addEventListener("click", () => {
  const g = state.selected[0];
  if (!g) return alert(t("noSelection"));
  download(api.exportUrl(state.plan, { town: g.town_code }));
});
$("export-village").addEventListener("click", () => {
  const g = state.selected[0];
  if (!g) return alert(t("noSelection"));
  download(api.exportUrl(state.plan, { village: g.village_code }));
});
// A selection of any size goes as a JSON body, not in the URL.
$("export-selected").addEventListener("click", async () => {
  if (!state.selected.length) return alert(t("noSelection"));
  try {
    const { blob, name } = await api.exportSelection(
      state.plan,
      state.selected.map((g) => g.code),
    );
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    notify(err);
  }
});

// Compare the shown plan with another: grids that differ are outlined.
function clearComparison(): void {
  if (state.comparison) setChanged(map, state.comparison.changed.concat(state.comparison.added).map(Number), false);
  state.comparison = null;
  $("compare-result").textContent = "";
}
$("compare-run").addEventListener("click", async () => {
  clearComparison();
  const other = Number($<HTMLSelectElement>("compare-with").value);
  const c = await api.compare(other, state.plan);
  state.comparison = c;
  setChanged(map, c.changed.concat(c.added).map(Number), true);
  $("compare-result").textContent = t("compareResult")
    .replace("{changed}", String(c.changed.length + c.added.length))
    .replace("{added}", String(c.added.length))
    .replace("{removed}", String(c.removed.length))
    .replace("{moved}", c.households_changing_grid.toLocaleString());
  $("compare-result").dataset.changed = c.changed.concat(c.added).join(",");
});
$("compare-clear").addEventListener("click", clearComparison);

// A new plan from the UI: the server partitions, the map polls its stage.
$("new-plan").addEventListener("submit", async (e) => {
  e.preventDefault();
  const status = $("np-status");
  const measure = $<HTMLSelectElement>("np-measure").value;
  const band = `${measure}:${$<HTMLInputElement>("np-lo").value}-${$<HTMLInputElement>("np-hi").value}`;
  const body: NewPartition = {
    band,
    name: $<HTMLInputElement>("np-name").value || undefined,
    county: state.county,
  };
  if ($<HTMLInputElement>("np-cells").checked) body.cells = "households:30-50";
  $<HTMLButtonElement>("np-run").disabled = true;
  try {
    let job = await api.partition(body);
    while (job.state === "running") {
      status.textContent = `${t("running")}: ${job.stage} (${job.elapsed_s.toFixed(1)} s)`;
      await new Promise((r) => setTimeout(r, 400));
      job = await api.job(job.job);
    }
    if (job.state === "done" && job.plan) {
      status.textContent = `${t("done")} ${job.plan} (${job.elapsed_s.toFixed(1)} s)`;
      status.dataset.plan = String(job.plan);
      await loadPlans(job.plan);
    } else {
      status.textContent = `${t("failed")}: ${job.error ?? ""}`;
    }
  } catch (err) {
    status.textContent = `${t("failed")}: ${(err as Error).message}`;
    notify(err);
  } finally {
    $<HTMLButtonElement>("np-run").disabled = false;
  }
});

/** After signing in (or reading anonymously): the counties, the map, the
 * plans. Runs one at a time: a sign-in that lands while another start is
 * under way waits for it, so there is never a second map. */
let starting: Promise<void> = Promise.resolve();
function start(s: Session): Promise<void> {
  starting = starting.catch(() => undefined).then(() => startOnce(s));
  return starting;
}

async function startOnce(s: Session): Promise<void> {
  state.session = s;
  applyRole(s);
  state.counties = await api.counties();
  const select = $<HTMLSelectElement>("county-select");
  select.innerHTML = "";
  for (const c of state.counties) {
    const o = document.createElement("option");
    o.value = c.code;
    o.textContent = `${c.name || c.code} (${c.code})`;
    select.append(o);
  }
  $("county-field").hidden = state.counties.length < 2;
  const saved = localStorage.getItem("wangge.county");
  const county = state.counties.find((c) => c.code === saved)?.code ?? state.counties[0]?.code;
  if (!county) {
    notify(new Error("no county in the store: import one with `wangge import`"));
    return;
  }
  if (!map) {
    state.county = county;
    select.value = county;
    map = createMap("map", county);
    (window as unknown as { wangge: unknown }).wangge = { map, state };
    wireMap();
    const live = new LiveStream();
    followLive(live, () => void refreshWorkers());
    live.start();
    await loadPlans();
  } else {
    await chooseCounty(county);
  }
}

void startSession((s) => void start(s).catch(notify))
  .then(start)
  .catch(notify);

// The command centre's big screen (the entry of screen.html, served at
// /screen): the grids coloured by a measure, workers moving live, today's
// tracks, hot spots and new cases flashing on the map; key figures, the
// latest cases, cases by area and patrol coverage in the panels; a tour of
// the areas and a replay clock. Signs in with a `screen` token from the
// URL fragment (or a password), and runs for days: the live stream
// reconnects with Last-Event-ID, an indicator says how old the data is,
// live redraws are coalesced to two a second, and every list is bounded.

import type maplibregl from "maplibre-gl";
import { type AreaKpi, type CaseView, type Grid, type PatrolKpi, type Session, type Worker, ApiError, api, setBearer } from "./api";
import { addCaseLayers } from "./cases";
import { lang, setLang, t } from "./i18n";
import { LiveStream } from "./live";
import { createMap, paintTheme, setGroupVisible } from "./map";
import { signIn } from "./session";
import { addWorkerLayers, drawWorkersWith, followLive, loadWorkers } from "./workers";
import { type Area, areasOf, childLength, levelWord, scopeName } from "./screen/areas";
import { renderRanking, renderTownBars } from "./screen/bars";
import { figuresOf, renderFigures, sum } from "./screen/figures";
import { Dots } from "./screen/dots";
import { paintMeasure, renderLegend, setGridValues } from "./screen/measure";
import { forgetToken, readParams, takeToken } from "./screen/params";
import { Replay } from "./screen/replay";
import { Ticker } from "./screen/ticker";
import { Tour } from "./screen/tour";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = readParams(window.location.search);
setLang(params.lang ?? lang());

const token = takeToken();
if (token) setBearer(token);

const HOUR = 3_600_000;
const live = new LiveStream();
const ticker = new Ticker($("ticker"));

const state = {
  county: "",
  plan: 0,
  grids: [] as Grid[],
  scope: "",
  whole: undefined as Area | undefined,
  children: [] as Area[],
  focus: undefined as Area | undefined,
  workers: [] as Worker[],
  online: new Set<string>(),
  today: [] as AreaKpi[],
  month: [] as AreaKpi[],
  year: [] as AreaKpi[],
  openByGrid: new Map<string, number>(),
  coverage: [] as PatrolKpi[],
  /** Cases seen on the stream since the KPIs were last read. */
  since: { reported: 0, open: 0 },
};
let map!: maplibregl.Map;
let dots: Dots | undefined;
let replay: Replay | undefined;

/** How many 1080-row walls tall this one is: the map is laid out at 1080
 * rows' size and drawn at this many device pixels a pixel. */
function wallScale(): number {
  return Math.max(1, window.innerHeight / 1080);
}

function sizeMap(): void {
  const s = wallScale();
  const el = $("map");
  el.style.width = `${100 / s}%`;
  el.style.height = `${100 / s}%`;
  el.style.transform = s === 1 ? "" : `scale(${s})`;
  if (map) {
    map.setPixelRatio(s * window.devicePixelRatio);
    map.resize();
  }
}

/** The local day's start, as the KPI endpoints count "today". */
function midnight(at: number): number {
  const d = new Date(at);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** What the panels show, for the area in focus. */
function renderPanels(): void {
  const focus = state.focus;
  if (!focus) return;
  $("scope-name").textContent = focus.name;
  const mine = (codes: string[]) => codes.some((g) => g.startsWith(focus.code));
  const workers = state.workers.filter((w) => mine(w.grids));
  const online = workers.filter((w) => state.online.has(w.id)).length;
  const today = sum(state.today, focus.code);
  const year = sum(state.year, focus.code);
  today.reported += state.since.reported;
  year.open += state.since.open;
  renderFigures(figuresOf(focus.grids, { online, total: workers.length }, today, year, sum(state.month, focus.code)));
  const length = childLength(state.scope);
  const names = new Map(state.children.map((c) => [c.code, c.name]));
  renderTownBars(
    $("town-bars"),
    state.month
      .filter((r) => r.area.length === length && r.area.startsWith(state.scope))
      .map((r) => ({ code: r.area, name: names.get(r.area) ?? r.area, reported: r.reported, open: r.open })),
  );
  const gridNames = new Map(state.grids.map((g) => [g.code, g.name || g.code]));
  renderRanking(
    $("coverage"),
    state.coverage
      .filter((g) => g.grid.startsWith(focus.code))
      .map((g) => ({ grid: g.grid, name: gridNames.get(g.grid) ?? g.grid, coverage: g.coverage })),
  );
}

/** The map's grid values for the measure shown. */
function paintGrids(): void {
  if (!map) return;
  const codes = state.grids.map((g) => g.code);
  if (params.measure === "cases") setGridValues(map, "open", state.openByGrid, codes);
  if (params.measure === "coverage") {
    setGridValues(map, "coverage", new Map(state.coverage.map((g) => [g.grid, g.coverage])), codes);
  }
}

/** The case KPIs: today and the last 30 days by the scope's children; the
 * last year (what is open and overdue) by grid, which the figures sum by
 * prefix and the cases measure colours the grids with — one year's read. */
async function refreshKpis(at = Date.now()): Promise<void> {
  const by = levelWord(childLength(state.scope));
  const [today, month, year] = await Promise.all([
    api.caseKpis(state.county, by, midnight(at), at + 1),
    api.caseKpis(state.county, by, at - 30 * 24 * HOUR, at + 1),
    api.caseKpis(state.county, "grid", at - 365 * 24 * HOUR, at + 1),
  ]);
  state.today = today.areas;
  state.month = month.areas;
  state.year = year.areas;
  state.openByGrid = new Map(year.areas.map((a) => [a.area, a.open]));
  state.since = { reported: 0, open: 0 };
  renderPanels();
  paintGrids();
  recovered();
}

async function refreshCoverage(): Promise<void> {
  state.coverage = (await api.patrolKpis(state.county)).grids;
  renderPanels();
  paintGrids();
}

async function refreshWorkers(): Promise<void> {
  state.workers = await loadWorkers(state.county, () => undefined);
  state.online = new Set(state.workers.filter((w) => w.online).map((w) => w.id));
  renderPanels();
}

async function loadTicker(): Promise<void> {
  const list = await api.cases({ county: state.county, within: state.scope.length > 6 ? state.scope : undefined, limit: 40 });
  ticker.set(list.cases);
}

/** Refreshes the KPIs at most every 5 s however many cases arrive. */
let kpiTimer: number | undefined;
function soonRefreshKpis(): void {
  if (kpiTimer !== undefined || replay?.active()) return;
  kpiTimer = window.setTimeout(() => {
    kpiTimer = undefined;
    void refreshKpis().catch(report);
  }, 5000);
}

function onCase(data: string): void {
  const c = JSON.parse(data) as CaseView;
  if (!c.grid_code.startsWith(state.scope)) return;
  ticker.upsert(c);
  if (c.events === 0) {
    dots?.flash(c.id, c.lon, c.lat);
    state.since.reported += 1;
    state.since.open += 1;
    renderPanels();
  }
  soonRefreshKpis();
}

function show(a: Area): void {
  state.focus = a;
  map?.fitBounds(a.bbox, { padding: 40, maxZoom: 16, duration: 2000 });
  renderPanels();
}

/** Says what went wrong in the header (a wall has nobody to click); the
 * next refresh that works takes it away. */
function report(err: unknown): void {
  const el = $("problem");
  el.hidden = false;
  el.textContent = err instanceof Error ? err.message : String(err);
}

function recovered(): void {
  $("problem").hidden = true;
}

/** Every second: the clock, and how old the data is when nothing came. */
function everySecond(): void {
  const now = new Date();
  $("clock").textContent = now.toLocaleString(lang() === "zh" ? "zh-CN" : "en-GB", { hour12: false });
  const el = $("stale");
  const age = Math.round(live.age());
  const stale = !live.connected || age > 12;
  el.hidden = !stale;
  el.dataset.age = String(age);
  if (stale) el.textContent = t("staleData").replace("{n}", String(age));
}

/** Twice a second: the flashing cases pulse. (Worker dots coalesce their
 * own redraws to the same rate.) */
function everyBeat(): void {
  dots?.pulse();
}

/** The screen's session: its token's, else a password's. A refused token
 * is forgotten (a reload will not send it again) and said on the form. */
async function session(): Promise<Session> {
  let refused = false;
  try {
    const s = await api.session();
    if (s.role) return s;
    refused = !!token;
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401 && token)) throw err;
    refused = true;
  }
  if (refused) {
    forgetToken();
    setBearer(null);
  }
  const s = await api.session();
  return s.role ? s : signIn(refused ? t("screenTokenRefused") : (s.refused ?? undefined));
}

async function start(): Promise<void> {
  await session();
  const counties = await api.counties();
  const wanted = params.scope?.slice(0, 6);
  const county = counties.find((c) => c.code === wanted) ?? counties[0];
  if (!county) throw new Error("no county in the store: import one with `wangge import`");
  state.county = county.code;
  const plans = await api.plans(county.code);
  const plan = plans.find((p) => p.active) ?? plans[plans.length - 1];
  state.plan = plan?.id ?? 0;
  state.grids = state.plan ? await api.grids(state.plan) : [];
  state.scope = params.scope && state.grids.some((g) => g.code.startsWith(params.scope!)) ? params.scope : county.code;
  const name = state.scope === county.code ? county.name || county.code : (scopeName(state.grids, state.scope) ?? state.scope);
  const { whole, children } = areasOf(state.grids, state.scope, name);
  state.whole = whole;
  state.children = children;
  state.focus = whole;
  renderLegend($("legend"), params.measure);

  sizeMap();
  map = createMap("map", county.code, {
    hash: false,
    controls: false,
    pixelRatio: wallScale() * window.devicePixelRatio,
  });
  window.addEventListener("resize", sizeMap);
  dots = new Dots(map, () => wallScale() * window.devicePixelRatio);
  const drawn = dots;
  drawWorkersWith((w) => drawn.setWorkers(w));
  (window as unknown as { wangge: unknown }).wangge = { map, state, live, dots };
  map.on("style.load", () => {
    paintTheme(map, true);
    addCaseLayers(map, county.code);
    addWorkerLayers(map);
    setGroupVisible(map, "blocks", false);
    paintMeasure(map, params.measure);
    // Feature state stays with the source: tiles loaded later get it.
    paintGrids();
    if (state.focus) map.fitBounds(state.focus.bbox, { padding: 40, maxZoom: 16, duration: 0 });
  });
  followLive(live, () => void Promise.all([refreshWorkers(), refreshKpis(), loadTicker()]).catch(report));
  for (const kind of ["online", "offline"]) {
    live.on(kind, (data) => {
      const d = JSON.parse(data) as { worker: string };
      if (kind === "online") state.online.add(d.worker);
      else state.online.delete(d.worker);
      renderPanels();
    });
  }
  live.on("position", (data) => {
    const d = JSON.parse(data) as { worker: string };
    if (!state.online.has(d.worker)) {
      state.online.add(d.worker);
      renderPanels();
    }
  });
  live.on("case", onCase);
  live.onRefused = () => window.location.reload();
  live.start();
  await Promise.all([refreshWorkers(), refreshKpis(), refreshCoverage(), loadTicker()]);
  replay = new Replay(map, state.county, params.hours, {
    onEnter: () => {
      $("mode").setAttribute("data-mode", "replay");
      drawn.visible = false;
      drawn.draw();
    },
    onLeave: () => {
      drawn.visible = true;
      drawn.draw();
      $("mode").setAttribute("data-mode", "live");
      $("mode").textContent = t("live");
      void Promise.all([refreshKpis(), loadTicker()]).catch(report);
    },
    onMoment: (at) => {
      $("mode").textContent = `${t("replay")} ${new Date(at).toLocaleTimeString(lang() === "zh" ? "zh-CN" : "en-GB", { hour12: false })}`;
    },
    onSettled: (at) => {
      void refreshKpis(at).catch(report);
      void api
        .cases({ county: state.county, within: state.scope.length > 6 ? state.scope : undefined, limit: 40, to: at })
        .then((l) => ticker.set(l.cases))
        .catch(report);
    },
  });
  window.setInterval(everySecond, 1000);
  window.setInterval(everyBeat, 500);
  window.setInterval(() => void refreshCoverage().catch(report), 60_000);
  window.setInterval(() => {
    if (!replay?.active()) void refreshKpis().catch(report);
  }, 60_000);
  everySecond();
  if (params.tour) new Tour([whole, ...children], params.tour, show).start();
  if (params.play) await replay.play();
}

void start().catch((err) => {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) forgetToken();
  report(err);
});

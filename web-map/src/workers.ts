// Grid workers on the planner map: their latest positions (online or
// not), kept current by the live stream (SSE) with at most two redraws a
// second; the worker panel with today's route, visits and the KPIs of the
// worker's grids.

import type maplibregl from "maplibre-gl";
import { type PatrolKpi, type Patrols, type Worker, api } from "./api";
import { num, t } from "./i18n";
import type { LiveStream } from "./live";

/** The map layers of workers and a worker's route, for the layer switch. */
export const WORKER_LAYERS = ["patrols-line", "patrols-visits", "track-line", "track-visits", "workers-dot", "workers-label"];

const FONT = ["Noto Sans CJK SC Regular"];
const empty = (): GeoJSON.FeatureCollection => ({ type: "FeatureCollection", features: [] });

export interface Live {
  lon: number;
  lat: number;
  t: number;
  online: boolean;
  name: string;
}

/** What the layer shows, by worker id. */
const shown = new Map<string, Live>();
let map: maplibregl.Map | undefined;
let pending = false;
let lastDraw = 0;
/** Redraws at most twice a second, however many events arrive. */
const MIN_DRAW_MS = 500;

/** How the workers are drawn: by default into the map's `workers`
 * GeoJSON source (the planner clicks them); the big screen draws them on
 * a canvas of its own instead, so that moving dots repaint no map layer. */
type Renderer = (workers: ReadonlyMap<string, Live>) => void;

function intoSource(workers: ReadonlyMap<string, Live>): void {
  const src = map?.getSource("workers") as maplibregl.GeoJSONSource | undefined;
  if (!src) return;
  src.setData({
    type: "FeatureCollection",
    features: [...workers.entries()].map(([id, w]) => ({
      type: "Feature",
      id: undefined,
      geometry: { type: "Point", coordinates: [w.lon, w.lat] },
      properties: { id, name: w.name, online: w.online, t: w.t },
    })),
  });
}

let render: Renderer = intoSource;

export function drawWorkersWith(r: Renderer): void {
  render = r;
  render(shown);
}

function draw(): void {
  pending = false;
  lastDraw = performance.now();
  render(shown);
}

function schedule(): void {
  if (pending) return;
  pending = true;
  const wait = Math.max(0, MIN_DRAW_MS - (performance.now() - lastDraw));
  setTimeout(draw, wait);
}

/** The county whose patrols the `patrols` tiles show. */
let patrolCounty: string | undefined;

/** Every worker's patrols and visits of today, as vector tiles (the
 * server rebuilds them every 15 s; the map refetches on a county change
 * or a reload), under the selected worker's route. */
function addPatrolLayers(m: maplibregl.Map): void {
  if (!patrolCounty) return;
  const tiles = [`${location.origin}/tiles/tracks,visits/{z}/{x}/{y}.mvt?county=${patrolCounty}`];
  const src = m.getSource("patrols") as maplibregl.VectorTileSource | undefined;
  if (src) {
    src.setTiles(tiles);
    return;
  }
  m.addSource("patrols", { type: "vector", tiles, attribution: "" });
  const before = m.getLayer("track-line") ? "track-line" : undefined;
  m.addLayer(
    {
      id: "patrols-line",
      type: "line",
      source: "patrols",
      "source-layer": "tracks",
      paint: { "line-color": "#f08c00", "line-width": 1.5, "line-opacity": 0.6 },
    },
    before,
  );
  m.addLayer(
    {
      id: "patrols-visits",
      type: "circle",
      source: "patrols",
      "source-layer": "visits",
      minzoom: 13,
      paint: { "circle-radius": 4, "circle-color": "#ffd43b", "circle-stroke-color": "#f08c00", "circle-stroke-width": 1 },
    },
    before,
  );
}

/** The sources and layers (again after every style load). */
export function addWorkerLayers(m: maplibregl.Map): void {
  map = m;
  addPatrolLayers(m);
  if (m.getSource("workers")) return;
  m.addSource("workers", { type: "geojson", data: empty() });
  m.addSource("track", { type: "geojson", data: empty() });
  m.addLayer({
    id: "track-line",
    type: "line",
    source: "track",
    filter: ["==", ["geometry-type"], "LineString"],
    paint: { "line-color": "#e8590c", "line-width": 3, "line-opacity": 0.85 },
  });
  m.addLayer({
    id: "track-visits",
    type: "circle",
    source: "track",
    filter: ["==", ["geometry-type"], "Point"],
    paint: {
      "circle-radius": 7,
      "circle-color": "#ffd43b",
      "circle-stroke-color": "#e8590c",
      "circle-stroke-width": 2,
    },
  });
  m.addLayer({
    id: "workers-dot",
    type: "circle",
    source: "workers",
    paint: {
      "circle-radius": 6,
      "circle-color": ["case", ["get", "online"], "#2b8a3e", "#868e96"],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 2,
    },
  });
  m.addLayer({
    id: "workers-label",
    type: "symbol",
    source: "workers",
    minzoom: 14,
    layout: {
      "text-field": ["get", "name"],
      "text-font": FONT,
      "text-size": 11,
      "text-offset": [0, 1.2],
      "text-anchor": "top",
    },
    paint: { "text-halo-color": "#ffffff", "text-halo-width": 1.5 },
  });
  draw();
}

/** Loads the county's workers into the layer and the list. */
export async function loadWorkers(county: string, onPick: (id: string) => void): Promise<Worker[]> {
  patrolCounty = county;
  if (map) addPatrolLayers(map);
  const list = await api.workers(county);
  shown.clear();
  for (const w of list.workers) {
    if (w.latest) {
      shown.set(w.id, { lon: w.latest.lon, lat: w.latest.lat, t: w.latest.t, online: w.online, name: w.name });
    }
  }
  schedule();
  renderList(list.workers, onPick);
  return list.workers;
}

/** The planner's list of workers (a page without one shows none). */
function renderList(workers: Worker[], onPick: (id: string) => void): void {
  const ul = document.getElementById("worker-list");
  const count = document.getElementById("worker-count");
  if (!ul || !count) return;
  ul.innerHTML = "";
  const online = workers.filter((w) => w.online).length;
  count.textContent = `${online} / ${workers.length} ${t("online")}`;
  for (const w of workers.slice(0, 200)) {
    const li = document.createElement("li");
    li.dataset.worker = w.id;
    li.className = w.online ? "online" : "offline";
    const a = document.createElement("a");
    a.href = "#";
    a.textContent = `${w.name} · ${w.role_name}`;
    a.addEventListener("click", (e) => {
      e.preventDefault();
      onPick(w.id);
    });
    li.append(a);
    ul.append(li);
  }
}

/** Moves the workers' dots with the live stream's events; `onReset`
 * reloads the state when the server says events were missed. */
export function followLive(stream: LiveStream, onReset: () => void): void {
  stream.on("position", (data) => {
    const d = JSON.parse(data) as { worker: string; lon: number; lat: number; t: number };
    const w = shown.get(d.worker);
    shown.set(d.worker, { lon: d.lon, lat: d.lat, t: d.t, online: true, name: w?.name ?? d.worker });
    schedule();
  });
  for (const kind of ["online", "offline"]) {
    stream.on(kind, (data) => {
      const d = JSON.parse(data) as { worker: string };
      const w = shown.get(d.worker);
      if (w) {
        w.online = kind === "online";
        schedule();
      }
      const li = document.querySelector<HTMLLIElement>(`#worker-list li[data-worker="${CSS.escape(d.worker)}"]`);
      if (li) li.className = kind;
    });
  }
  stream.on("reset", onReset);
}

/** Today's route and visits of one worker, drawn and summed up, with the
 * patrol KPIs of the grids the worker serves. */
export async function showWorker(id: string, county: string): Promise<Patrols> {
  const [w, p, kpi] = await Promise.all([api.worker(id), api.patrols(id), api.patrolKpis(county)]);
  const features: GeoJSON.Feature[] = [
    ...p.patrols.map((x) => ({
      type: "Feature" as const,
      geometry: { type: "LineString" as const, coordinates: x.line },
      properties: { start: x.start },
    })),
    ...p.visits.map((v) => ({
      type: "Feature" as const,
      geometry: { type: "Point" as const, coordinates: [v.lon, v.lat] },
      properties: { minutes: v.minutes },
    })),
  ];
  (map?.getSource("track") as maplibregl.GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features });
  const coords = features.flatMap((f) =>
    f.geometry.type === "LineString" ? f.geometry.coordinates : f.geometry.type === "Point" ? [f.geometry.coordinates] : [],
  );
  if (map && coords.length) {
    const xs = coords.map((c) => c[0]);
    const ys = coords.map((c) => c[1]);
    map.fitBounds([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)], {
      padding: 80,
      maxZoom: 17,
      duration: 600,
    });
  }
  const panel = document.getElementById("worker-panel")!;
  panel.hidden = false;
  panel.dataset.worker = id;
  document.getElementById("worker-title")!.textContent = `${w.name} · ${w.role_name}`;
  const mine = kpi.grids.filter((g) => w.grids.includes(g.grid));
  const rows: [string, string][] = [
    [t("status"), w.online ? t("online") : t("offline")],
    [t("lastFix"), w.latest ? new Date(w.latest.t).toLocaleString() : "–"],
    [t("workerGrids"), w.grids.join(", ") || "–"],
    [t("patrols"), num(p.patrols.length)],
    [t("distance"), `${num(p.distance_m / 1000, 2)} km`],
    [t("movingTime"), `${num(p.moving_s / 60)} min`],
    [t("visits"), num(p.visits.length)],
    ...mine.map((g: PatrolKpi) => [
      `${t("coverage")} ${g.grid.slice(-3)}`,
      `${num(g.coverage * 100, 1)}% (${num(g.buildings_covered)}/${num(g.buildings)})`,
    ] as [string, string]),
  ];
  const dl = document.getElementById("worker-stats")!;
  dl.innerHTML = rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
  dl.dataset.distance = String(p.distance_m);
  dl.dataset.visits = String(p.visits.length);
  const ul = document.getElementById("worker-visits")!;
  ul.innerHTML = p.visits
    .map((v) => `<li>${new Date(v.start).toLocaleTimeString()} · ${num(v.minutes)} min${v.grid ? ` · ${v.grid}` : ""}</li>`)
    .join("");
  return p;
}

export function clearWorker(): void {
  (map?.getSource("track") as maplibregl.GeoJSONSource | undefined)?.setData(empty());
  const panel = document.getElementById("worker-panel");
  if (panel) panel.hidden = true;
}

// The replay clock: one time for the map and the panels. The slider
// picks a moment in the last N hours, play runs the clock at 1×–600×,
// the trail shows each worker's last minutes (or, cumulative, all since
// the start); "live" returns to now. The map redraws at most twice a
// second, as the live layer does; the panels follow the clock whenever it
// settles (the slider let go, or every few seconds of play).
//
// Tracks come from each worker's replay endpoint, MAX_WORKERS at most (a
// county's worth of 1 Hz fixes over hours would be millions of points).

import type maplibregl from "maplibre-gl";
import { type WorkerReplay, api } from "../api";

const MAX_WORKERS = 500;
const BEAT_MS = 500;

interface Track {
  worker: string;
  /** Unix ms, one a vertex, ascending. */
  t: number[];
  path: [number, number][];
}

export interface ReplayHooks {
  onEnter: () => void;
  onLeave: () => void;
  onMoment: (at: number) => void;
  onSettled: (at: number) => void;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** The last index whose time is ≤ `at` (−1 when none). */
function before(t: number[], at: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export class Replay {
  private tracks: Track[] = [];
  private from = 0;
  private to = 0;
  private clock = 0;
  private live = true;
  private playing = false;
  private timer: number | undefined;
  private ticks = 0;
  private settle: number | undefined;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly county: string,
    private hours: number,
    private readonly hooks: ReplayHooks,
  ) {
    $<HTMLSelectElement>("r-hours").value = String(hours);
    $("r-play").addEventListener("click", () => void this.togglePlay());
    $("r-live").addEventListener("click", () => this.leave());
    $<HTMLSelectElement>("r-hours").addEventListener("change", (e) => {
      this.hours = Number((e.target as HTMLSelectElement).value);
      if (!this.live) void this.load().then(() => this.draw());
    });
    $("r-slider").addEventListener("input", (e) => void this.scrub(Number((e.target as HTMLInputElement).value)));
    for (const id of ["r-trail", "r-cumulative"]) $(id).addEventListener("change", () => this.draw());
    map.on("style.load", () => this.attach());
    if (map.isStyleLoaded()) this.attach();
  }

  active(): boolean {
    return !this.live;
  }

  /** The clock's time (now, when live). */
  now(): number {
    return this.live ? Date.now() : this.clock;
  }

  private attach(): void {
    const m = this.map;
    if (m.getSource("replay")) return;
    m.addSource("replay", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    m.addLayer({
      id: "replay-trail",
      type: "line",
      source: "replay",
      filter: ["==", ["geometry-type"], "LineString"],
      layout: { visibility: "none" },
      paint: { "line-color": "#ffc857", "line-width": 2.5, "line-opacity": 0.8 },
    });
    m.addLayer({
      id: "replay-head",
      type: "circle",
      source: "replay",
      filter: ["==", ["geometry-type"], "Point"],
      layout: { visibility: "none" },
      paint: { "circle-radius": 6, "circle-color": "#ffc857", "circle-stroke-color": "#1b1f24", "circle-stroke-width": 2 },
    });
  }

  /** The replay's own layers (the live workers are the screen's canvas,
   * which its hooks hide). */
  private show(replaying: boolean): void {
    for (const id of ["replay-trail", "replay-head"]) {
      if (this.map.getLayer(id)) this.map.setLayoutProperty(id, "visibility", replaying ? "visible" : "none");
    }
  }

  private async load(): Promise<void> {
    this.to = Date.now();
    this.from = this.to - this.hours * 3_600_000;
    const list = await api.workers(this.county);
    const ids = list.workers
      .filter((w) => w.latest && w.latest.t >= this.from)
      .map((w) => w.id)
      .slice(0, MAX_WORKERS);
    const tracks: Track[] = [];
    let next = 0;
    const one = async () => {
      while (next < ids.length) {
        const id = ids[next++];
        const r: WorkerReplay = await api.replay(id, this.from, this.to);
        const t: number[] = [];
        const path: [number, number][] = [];
        for (const trip of r.trips) {
          trip.timestamps.forEach((s, i) => {
            t.push(r.start * 1000 + s * 1000);
            path.push(trip.path[i]);
          });
        }
        if (t.length) tracks.push({ worker: id, t, path });
      }
    };
    await Promise.all(Array.from({ length: 6 }, one));
    this.tracks = tracks;
  }

  private async enter(): Promise<void> {
    if (!this.live) return;
    this.live = false;
    this.hooks.onEnter();
    this.show(true);
    await this.load();
  }

  /** Plays the span from its start (the URL's `play=1`). */
  async play(): Promise<void> {
    if (!this.playing) await this.togglePlay();
  }

  private async togglePlay(): Promise<void> {
    if (this.playing) {
      this.pause();
      return;
    }
    if (this.live) {
      await this.enter();
      this.clock = this.from;
    } else if (this.clock >= this.to) {
      this.clock = this.from;
    }
    this.playing = true;
    this.timer = window.setInterval(() => this.step(), BEAT_MS);
    this.draw();
  }

  private pause(): void {
    this.playing = false;
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
    this.hooks.onSettled(this.clock);
  }

  private step(): void {
    const speed = Number($<HTMLSelectElement>("r-speed").value);
    this.clock = Math.min(this.to, this.clock + BEAT_MS * speed);
    this.draw();
    this.ticks += 1;
    if (this.ticks % 10 === 0) this.hooks.onSettled(this.clock);
    if (this.clock >= this.to) this.pause();
  }

  private async scrub(v: number): Promise<void> {
    await this.enter();
    this.clock = this.from + ((this.to - this.from) * v) / 1000;
    this.draw();
    if (this.settle !== undefined) window.clearTimeout(this.settle);
    this.settle = window.setTimeout(() => this.hooks.onSettled(this.clock), 800);
  }

  leave(): void {
    if (this.live) return;
    this.pause();
    this.live = true;
    this.tracks = [];
    this.show(false);
    $<HTMLInputElement>("r-slider").value = "1000";
    $("r-time").textContent = "";
    this.hooks.onLeave();
  }

  /** The workers' positions and trails at the clock. */
  private draw(): void {
    const at = this.clock;
    const cumulative = $<HTMLInputElement>("r-cumulative").checked;
    const trail = Number($<HTMLSelectElement>("r-trail").value) * 60_000;
    const since = cumulative ? this.from : at - trail;
    const features: GeoJSON.Feature[] = [];
    for (const k of this.tracks) {
      const i = before(k.t, at);
      if (i < 0) continue;
      const j = Math.max(0, before(k.t, since) + 1);
      const line = k.path.slice(j, i + 1);
      let head = k.path[i];
      if (i + 1 < k.t.length && k.t[i + 1] > k.t[i]) {
        const f = (at - k.t[i]) / (k.t[i + 1] - k.t[i]);
        const [a, b] = [k.path[i], k.path[i + 1]];
        head = [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
      }
      if (line.length >= 2) features.push({ type: "Feature", geometry: { type: "LineString", coordinates: line }, properties: { worker: k.worker } });
      features.push({ type: "Feature", geometry: { type: "Point", coordinates: head }, properties: { worker: k.worker } });
    }
    (this.map.getSource("replay") as maplibregl.GeoJSONSource | undefined)?.setData({ type: "FeatureCollection", features });
    const slider = $<HTMLInputElement>("r-slider");
    slider.value = String(Math.round(((at - this.from) / Math.max(1, this.to - this.from)) * 1000));
    slider.dataset.at = String(Math.round(at));
    $("r-time").textContent = new Date(at).toLocaleString(undefined, { hour12: false });
    $("r-time").dataset.features = String(features.length);
    this.hooks.onMoment(at);
  }
}

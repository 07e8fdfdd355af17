// Live workers and new cases drawn on a 2D canvas laid over the map, not
// as MapLibre sources: any change to a source repaints every layer of the
// map — in software rendering 0.45 s a frame on a 1080p wall, so 2,000
// workers updated twice a second held the wall at 13 frames a second
// (bench/screen.sh). This canvas redraws only the dots (2,000 of them in a
// few milliseconds), when they move and when the map does. It sits in the
// map's own container, so the wall's scale applies to it as to the map.

import type maplibregl from "maplibre-gl";
import type { Live } from "../workers";

const FLASH_MS = 30_000;
const MAX_FLASHES = 50;

interface Flash {
  id: number;
  lon: number;
  lat: number;
  born: number;
}

export class Dots {
  private readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private workers: ReadonlyMap<string, Live> = new Map();
  private flashes: Flash[] = [];
  private beat = 0;
  private last = 0;
  private pending: number | undefined;
  /** Hidden while the replay clock draws the past. */
  visible = true;

  constructor(
    private readonly map: maplibregl.Map,
    private readonly ratio: () => number,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "dots";
    this.canvas.style.cssText = "position:absolute;left:0;top:0;pointer-events:none";
    map.getCanvasContainer().append(this.canvas);
    this.ctx = this.canvas.getContext("2d")!;
    map.on("move", () => this.draw());
    map.on("resize", () => this.draw());
  }

  setWorkers(w: ReadonlyMap<string, Live>): void {
    this.workers = w;
    this.request();
  }

  /** A redraw for new data: at most two a second, however much arrives
   * (the map moving redraws at once, to stay in register). */
  private request(): void {
    if (this.pending !== undefined) return;
    const wait = Math.max(0, 500 - (performance.now() - this.last));
    this.pending = window.setTimeout(() => {
      this.pending = undefined;
      this.draw();
    }, wait);
  }

  /** A new case: drawn at once, then ringed on the beat for 30 s. */
  flash(id: number, lon: number, lat: number): void {
    this.flashes = this.flashes.filter((f) => f.id !== id).concat({ id, lon, lat, born: Date.now() }).slice(-MAX_FLASHES);
    this.request();
  }

  /** The live beat (twice a second): the rings pulse while any flashes. */
  pulse(): void {
    this.beat += 1;
    if (this.flashes.length) this.request();
  }

  flashing(): number[] {
    return this.flashes.map((f) => f.id);
  }

  positions(): [string, string][] {
    return [...this.workers.entries()].map(([id, w]) => [id, `${w.lon},${w.lat}`]);
  }

  draw(): void {
    this.last = performance.now();
    const c = this.canvas;
    const r = this.ratio();
    const el = this.map.getContainer();
    const [w, h] = [el.clientWidth, el.clientHeight];
    if (c.width !== Math.round(w * r) || c.height !== Math.round(h * r)) {
      c.width = Math.round(w * r);
      c.height = Math.round(h * r);
      c.style.width = `${w}px`;
      c.style.height = `${h}px`;
    }
    const g = this.ctx;
    g.setTransform(r, 0, 0, r, 0, 0);
    g.clearRect(0, 0, w, h);
    const now = Date.now();
    this.flashes = this.flashes.filter((f) => now - f.born < FLASH_MS);
    if (!this.visible) return;
    g.lineWidth = 2;
    g.strokeStyle = "#ffffff";
    for (const online of [false, true]) {
      g.fillStyle = online ? "#2b8a3e" : "#868e96";
      g.beginPath();
      for (const d of this.workers.values()) {
        if (d.online !== online) continue;
        const p = this.map.project([d.lon, d.lat]);
        if (p.x < -10 || p.y < -10 || p.x > w + 10 || p.y > h + 10) continue;
        g.moveTo(p.x + 6, p.y);
        g.arc(p.x, p.y, 6, 0, 2 * Math.PI);
      }
      g.fill();
      g.stroke();
    }
    const phase = this.beat % 2;
    for (const f of this.flashes) {
      const p = this.map.project([f.lon, f.lat]);
      g.beginPath();
      g.arc(p.x, p.y, 8 + 14 * phase, 0, 2 * Math.PI);
      g.strokeStyle = `rgba(255,59,48,${1 - 0.7 * phase})`;
      g.lineWidth = 3;
      g.stroke();
      g.beginPath();
      g.arc(p.x, p.y, 7, 0, 2 * Math.PI);
      g.fillStyle = "#ff3b30";
      g.fill();
      g.strokeStyle = "#ffffff";
      g.lineWidth = 2;
      g.stroke();
    }
  }
}

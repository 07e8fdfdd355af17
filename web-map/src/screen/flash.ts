// New cases flash where they appear: a small GeoJSON source of the last
// few, each ringed for FLASH_MS. Redrawn with the live layer's beat (at
// most twice a second), and only while one is flashing.

import type maplibregl from "maplibre-gl";

const FLASH_MS = 30_000;
const MAX = 50;

interface Flash {
  id: number;
  lon: number;
  lat: number;
  born: number;
}

export class Flashes {
  private items: Flash[] = [];
  private map: maplibregl.Map | undefined;

  /** The source and layers (again after every style load). */
  attach(m: maplibregl.Map): void {
    this.map = m;
    if (m.getSource("flash")) return;
    m.addSource("flash", { type: "geojson", data: { type: "FeatureCollection", features: [] } });
    m.addLayer({
      id: "flash-ring",
      type: "circle",
      source: "flash",
      paint: {
        "circle-radius": ["+", 8, ["*", 14, ["get", "phase"]]],
        "circle-color": "rgba(0,0,0,0)",
        "circle-stroke-color": "#ff3b30",
        "circle-stroke-width": 3,
        "circle-stroke-opacity": ["-", 1, ["*", 0.7, ["get", "phase"]]],
      },
    });
    m.addLayer({
      id: "flash-dot",
      type: "circle",
      source: "flash",
      paint: { "circle-radius": 7, "circle-color": "#ff3b30", "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 },
    });
  }

  add(id: number, lon: number, lat: number): void {
    this.items = this.items.filter((f) => f.id !== id).concat({ id, lon, lat, born: Date.now() }).slice(-MAX);
  }

  /** Whether one is still flashing. */
  active(): boolean {
    return this.items.length > 0;
  }

  /** Draws the current beat; drops those done. */
  draw(beat: number): void {
    const now = Date.now();
    this.items = this.items.filter((f) => now - f.born < FLASH_MS);
    const src = this.map?.getSource("flash") as maplibregl.GeoJSONSource | undefined;
    src?.setData({
      type: "FeatureCollection",
      features: this.items.map((f) => ({
        type: "Feature",
        geometry: { type: "Point", coordinates: [f.lon, f.lat] },
        properties: { id: f.id, phase: beat % 2 },
      })),
    });
  }
}

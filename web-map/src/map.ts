// The MapLibre map: wangge's own style (offline basemap + grids), hover
// highlight by feature state, selection, layer groups and plan switching.

import maplibregl, { type MapGeoJSONFeature } from "maplibre-gl";
import { authHeaders } from "./api";
import { CASE_LAYERS } from "./cases";
import { WORKER_LAYERS } from "./workers";

/** Style layers by the switcher's groups. */
export const GROUPS: Record<string, string[]> = {
  grids: ["grids-fill", "grids-line", "grids-label", "grids-selected", "grids-changed"],
  admin: ["admin-village", "admin-town", "village-label", "town-label"],
  blocks: ["blocks-line"],
  buildings: ["buildings"],
  workers: WORKER_LAYERS,
  cases: CASE_LAYERS,
};

/** The style of a county (its basemap and its active plan's grids). */
export function styleUrl(county: string): string {
  return `/style.json?county=${encodeURIComponent(county)}`;
}

export interface MapOptions {
  /** Keep the view in the URL's fragment (the planner; the screen's
   * fragment holds its token). */
  hash?: boolean;
  /** Zoom buttons (none on a wall nobody touches). */
  controls?: boolean;
  /** Device pixels a CSS pixel of the map covers (default the screen's). */
  pixelRatio?: number;
}

export function createMap(container: string, county: string, opts: MapOptions = {}): maplibregl.Map {
  const { hash = true, controls = true } = opts;
  const map = new maplibregl.Map({
    container,
    style: styleUrl(county),
    // A page given a token sends it with the style, tiles and glyphs it
    // asks its own server for (and nothing goes anywhere else).
    transformRequest: (url) =>
      url.startsWith(window.location.origin) || url.startsWith("/") ? { url, headers: authHeaders() } : { url },
    // CJK labels drawn from the local Noto Sans CJK; Latin and digits come
    // from glyphs wangge serves. Nothing is fetched from outside.
    localIdeographFontFamily: "'Noto Sans CJK SC', 'Noto Sans SC', 'Noto Sans CJK JP', sans-serif",
    attributionControl: { compact: false },
    hash,
    maxZoom: 19,
    pixelRatio: opts.pixelRatio,
  });
  if (controls) map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  // Each style (a county switch loads another) gets the selection and
  // comparison outlines.
  map.on("style.load", () => {
    if (map.getLayer("grids-changed")) return;
    map.addLayer({
      id: "grids-changed",
      type: "line",
      source: "plan",
      "source-layer": "grids",
      paint: {
        "line-color": "#00a2ff",
        "line-dasharray": [2, 1],
        "line-width": ["case", ["boolean", ["feature-state", "changed"], false], 3, 0],
      },
    });
    map.addLayer({
      id: "grids-selected",
      type: "line",
      source: "plan",
      "source-layer": "grids",
      paint: {
        "line-color": "#0057e7",
        "line-width": ["case", ["boolean", ["feature-state", "selected"], false], 4, 0],
      },
    });
  });
  return map;
}

/** The basemap's colours for a light or dark page. */
export function paintTheme(map: maplibregl.Map, dark: boolean): void {
  if (!map.getLayer("background")) return;
  map.setPaintProperty("background", "background-color", dark ? "#1b1f24" : "#f2efe9");
  map.setPaintProperty("landuse", "fill-opacity", dark ? 0.25 : 0.8);
  map.setPaintProperty("buildings", "fill-color", dark ? "#3a3f47" : "#d9d0c9");
}

/** Highlights the grid under the pointer with feature state. */
export function hoverHighlight(map: maplibregl.Map): void {
  let hovered: string | number | undefined;
  const clear = () => {
    if (hovered !== undefined) {
      map.setFeatureState({ source: "plan", sourceLayer: "grids", id: hovered }, { hover: false });
    }
    hovered = undefined;
  };
  map.on("mousemove", "grids-fill", (e) => {
    const f = e.features?.[0];
    if (!f || f.id === undefined) return;
    if (f.id !== hovered) {
      clear();
      hovered = f.id;
      map.setFeatureState({ source: "plan", sourceLayer: "grids", id: hovered }, { hover: true });
    }
    map.getCanvas().style.cursor = "pointer";
  });
  map.on("mouseleave", "grids-fill", () => {
    clear();
    map.getCanvas().style.cursor = "";
  });
}

export function setSelected(map: maplibregl.Map, ids: (string | number)[], on: boolean): void {
  for (const id of ids) {
    map.setFeatureState({ source: "plan", sourceLayer: "grids", id }, { selected: on });
  }
}

export function setChanged(map: maplibregl.Map, ids: (string | number)[], on: boolean): void {
  for (const id of ids) {
    map.setFeatureState({ source: "plan", sourceLayer: "grids", id }, { changed: on });
  }
}

export function setGroupVisible(map: maplibregl.Map, group: string, visible: boolean): void {
  for (const id of GROUPS[group] ?? []) {
    if (map.getLayer(id)) map.setLayoutProperty(id, "visibility", visible ? "visible" : "none");
  }
}

/** Points the plan's sources at another plan's tiles. */
export function showPlan(map: maplibregl.Map, county: string, plan: number): void {
  const origin = window.location.origin;
  for (const [source, name] of [
    ["plan", "grids"],
    ["blocks", "blocks"],
  ] as const) {
    const s = map.getSource(source) as maplibregl.VectorTileSource | undefined;
    s?.setTiles([`${origin}/tiles/${name}/{z}/{x}/{y}.mvt?county=${county}&plan=${plan}`]);
  }
}

/** Loads another county's style and moves to it. */
export async function switchCounty(map: maplibregl.Map, county: string): Promise<void> {
  const r = await fetch(styleUrl(county), { credentials: "same-origin", headers: authHeaders() });
  if (!r.ok) throw new Error(`style of county ${county}: ${r.status}`);
  const style = (await r.json()) as maplibregl.StyleSpecification;
  map.setStyle(style);
  if (style.center) map.jumpTo({ center: style.center as [number, number], zoom: style.zoom ?? 12 });
}

export function gridAt(map: maplibregl.Map, point: maplibregl.PointLike): MapGeoJSONFeature | undefined {
  return map.queryRenderedFeatures(point, { layers: ["grids-fill"] })[0];
}

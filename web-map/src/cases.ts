// Cases and their hot spots on the planner map, from the `cases` and
// `hotspots` vector tiles: open cases red (overdue darker, larger with
// the level), closed ones green; Gi* hot cells red and cold ones blue by
// their confidence bin. The server rebuilds both tiles within a minute.

import type maplibregl from "maplibre-gl";

/** The layers of cases, for the layer switch. */
export const CASE_LAYERS = ["hotspots-fill", "cases-dot"];

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
    id: "cases-dot",
    type: "circle",
    source: "cases",
    "source-layer": "cases",
    paint: {
      "circle-radius": ["+", 3, ["*", 1.5, ["get", "level"]]],
      "circle-color": ["case", ["get", "overdue"], "#862e9c", ["get", "open"], "#e03131", "#2f9e44"],
      "circle-stroke-color": "#ffffff",
      "circle-stroke-width": 1.5,
    },
  });
}

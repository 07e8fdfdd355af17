// Search by grid code, village or town name; picking a result flies there.

import { type Grid, bounds } from "./api";
import { t } from "./i18n";

export interface Hit {
  label: string;
  bbox: [number, number, number, number];
  code?: string;
}

function union(gs: Grid[]): [number, number, number, number] {
  return gs.reduce<[number, number, number, number]>(
    (b, g) => [
      Math.min(b[0], g.bbox[0]),
      Math.min(b[1], g.bbox[1]),
      Math.max(b[2], g.bbox[2]),
      Math.max(b[3], g.bbox[3]),
    ],
    [180, 90, -180, -90],
  );
}

/** Grids by code prefix, then villages and towns by name or code. */
export function find(grids: Grid[], q: string): Hit[] {
  const s = q.trim();
  if (!s) return [];
  const hits: Hit[] = grids
    .filter((g) => g.code.startsWith(s) || g.name.includes(s))
    .slice(0, 8)
    .map((g) => ({ label: `${g.name} ${g.code}`, bbox: bounds(g), code: g.code }));
  const groups = (key: (g: Grid) => string, name: (g: Grid) => string, kind: string) => {
    const by = new Map<string, Grid[]>();
    for (const g of grids) {
      if (name(g).includes(s) || key(g) === s) {
        by.set(key(g), [...(by.get(key(g)) ?? []), g]);
      }
    }
    return [...by.values()].map((gs) => ({
      label: `${kind} ${name(gs[0])} (${gs.length})`,
      bbox: union(gs),
    }));
  };
  hits.push(...groups((g) => g.village_code, (g) => g.village_name, t("village")).slice(0, 5));
  hits.push(...groups((g) => g.town_code, (g) => g.town_name, t("town")).slice(0, 5));
  return hits;
}

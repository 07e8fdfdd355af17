// The areas a screen shows, from the active plan's grids: its scope and
// the scope's children (a county's towns, a town's villages, a village's
// grids), each with its name, bounds and grids — what the tour visits and
// the bars list.

import type { Bounds, Grid } from "../api";

export interface Area {
  code: string;
  name: string;
  bbox: Bounds;
  grids: number;
}

/** The code length of the level below a scope's. */
export function childLength(scope: string): number {
  return scope.length === 6 ? 9 : scope.length === 9 ? 12 : 15;
}

/** The KPI endpoints' word for a code length. */
export function levelWord(length: number): "town" | "village" | "grid" | "county" {
  return length === 9 ? "town" : length === 12 ? "village" : length === 15 ? "grid" : "county";
}

function nameOf(g: Grid, length: number): string {
  if (length === 9) return g.town_name || g.town_code;
  if (length === 12) return g.village_name || g.village_code;
  return g.name || g.code;
}

function merge(a: Bounds, b: Bounds): Bounds {
  return [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[2], b[2]), Math.max(a[3], b[3])];
}

/** The scope itself and its children, from the grids inside it. */
export function areasOf(grids: Grid[], scope: string, scopeName: string): { whole: Area; children: Area[] } {
  const inside = grids.filter((g) => g.code.startsWith(scope));
  const length = childLength(scope);
  const children = new Map<string, Area>();
  let whole: Area | undefined;
  for (const g of inside) {
    const box = g.bbox as Bounds;
    whole = whole ? { ...whole, bbox: merge(whole.bbox, box), grids: whole.grids + 1 } : { code: scope, name: scopeName, bbox: box, grids: 1 };
    const code = g.code.slice(0, length);
    const c = children.get(code);
    children.set(code, c ? { ...c, bbox: merge(c.bbox, box), grids: c.grids + 1 } : { code, name: nameOf(g, length), bbox: box, grids: 1 });
  }
  return {
    whole: whole ?? { code: scope, name: scopeName, bbox: [73, 18, 135, 54], grids: 0 },
    children: [...children.values()].sort((a, b) => a.code.localeCompare(b.code)),
  };
}

/** The name of a scope below the county, from its grids. */
export function scopeName(grids: Grid[], scope: string): string | undefined {
  const g = grids.find((x) => x.code.startsWith(scope));
  return g ? nameOf(g, scope.length) : undefined;
}

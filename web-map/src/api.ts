// The parts of wangge's REST API the map reads (see /openapi.json).

export interface PlanSummary {
  id: number;
  name: string;
  created_at: string;
  active: boolean;
  parent_id: number | null;
  grids: number;
  cells: number;
  in_band_feasible: number | null;
}

export interface ParentProblem {
  code: string;
  name: string;
  value: number;
  reason: string;
}

export interface PlanDetail extends PlanSummary {
  params: { band?: string } & Record<string, unknown>;
  report: {
    grids: number;
    dedicated_grids: number;
    in_band_feasible: number;
    polsby_popper_mean: number;
    polsby_popper_p10: number;
    road_share: number;
    infeasible_parents: ParentProblem[];
  };
}

export interface Grid {
  plan: number;
  code: string;
  name: string;
  village_code: string;
  village_name: string;
  town_code: string;
  town_name: string;
  population: number;
  households: number;
  buildings: number;
  area_m2: number;
  perimeter_m: number;
  polsby_popper: number;
  dedicated: string | null;
  in_band: boolean | null;
  bbox: [number, number, number, number];
  neighbours?: { code: string; name: string; village_code: string; shared_boundary_m: number }[];
}

export interface Comparison {
  a: number;
  b: number;
  changed: string[];
  added: string[];
  removed: string[];
  households_changing_grid: number;
  households: number;
}

export interface Job {
  job: number;
  state: "running" | "done" | "failed";
  stage: string;
  elapsed_s: number;
  plan: number | null;
  error: string | null;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const r = await fetch(url, init);
  if (!r.ok) {
    const body = await r.json().catch(() => ({ error: r.statusText }));
    throw new Error(body.error ?? `${r.status}`);
  }
  return (await r.json()) as T;
}

export const api = {
  plans: () => json<{ plans: PlanSummary[] }>("/api/plans").then((r) => r.plans),
  plan: (id: number) => json<PlanDetail>(`/api/plans/${id}`),
  activate: (id: number) => json<PlanSummary>(`/api/plans/${id}/activate`, { method: "POST" }),
  grids: (plan: number) => json<{ grids: Grid[] }>(`/api/plans/${plan}/grids`).then((r) => r.grids),
  grid: (code: string, plan: number) =>
    json<Grid>(`/api/grids/${encodeURIComponent(code)}?plan=${plan}`),
  compare: (a: number, b: number) => json<Comparison>(`/api/compare?a=${a}&b=${b}`),
  partition: (body: Record<string, unknown>) =>
    json<Job>("/api/partitions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
  job: (id: number) => json<Job>(`/api/partitions/${id}`),
  exportUrl: (plan: number, filter: Record<string, string>) => {
    const q = new URLSearchParams(filter).toString();
    return `/api/plans/${plan}/export.geojson${q ? `?${q}` : ""}`;
  },
};

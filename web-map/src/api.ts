// The REST API as the map uses it. Its types are generated from the
// server's OpenAPI document at build time (src/generated/api.ts from
// openapi.json), so a change to the API the map does not follow fails
// `tsc`.

import type { components } from "./generated/api";

type S = components["schemas"];
export type PlanSummary = S["PlanSummary"];
export type Grid = S["GridView"];
export type GridList = S["GridList"];
export type Comparison = S["Comparison"];
export type Job = S["JobView"];
export type County = S["CountyView"];
export type Session = S["SessionView"];
export type NewPartition = S["NewPartition"];
export type Worker = S["WorkerView"];
export type WorkerList = S["WorkerList"];
export type Patrols = S["PatrolsReply"];
export type CaseView = S["CaseView"];
export type CaseList = S["CaseList"];

/** One grid's patrol KPIs (the document types the answer as an object). */
export interface PatrolKpi {
  grid: string;
  buildings: number;
  buildings_covered: number;
  coverage: number;
  patrol_hours: number;
  distance_km: number;
  visits: number;
  workers: number;
  workers_online: number;
}

/** A worker's patrols over a period, for replay (deck.gl TripsLayer
 * form: seconds from `start`, one a vertex). */
export interface WorkerReplay {
  start: number;
  end: number;
  trips: { path: [number, number][]; timestamps: number[] }[];
}

/** A case with its history and the moves this account may make (the
 * document flattens the case into the answer, which it types loosely). */
export interface CaseDetail {
  id: number;
  category: string;
  category_name: string;
  status: string;
  status_name: string;
  grid_code: string;
  level: number;
  reported_at: number;
  source: string;
  reporter: string;
  description: string;
  deadline: number | null;
  overdue: boolean;
  events: number;
  history: {
    at: number;
    from: string | null;
    to: string;
    level: number;
    actor: string;
    by: string;
    note?: string;
    unit?: string;
    satisfaction?: string;
  }[];
  allowed: string[];
}

export interface CaseMove {
  to: string;
  note?: string;
  unit?: string;
  level?: number;
  satisfaction?: string;
  seen?: number;
}

/** One area's case KPIs (rates 0–1, absent without a denominator). */
export interface AreaKpi {
  area: string;
  grids: number;
  reported: number;
  accepted: number;
  closed: number;
  followed_up: number;
  satisfied: number;
  dispatch_rate?: number | null;
  closure_rate?: number | null;
  on_time_rate?: number | null;
  satisfaction_rate?: number | null;
  p90_close_hours?: number | null;
  overdue: number;
  open: number;
}

export interface CategoryTrend {
  code: string;
  name: string;
  count: number;
  last_year: number;
  change?: number | null;
  target_change?: number | null;
  target_met?: boolean | null;
}

/** West, south, east, north. */
export type Bounds = [number, number, number, number];

/** A grid's bounds as a four-number tuple (the document says an array). */
export const bounds = (g: Grid): Bounds => g.bbox as Bounds;

/** The report as the panel reads it (the document types it as an object). */
export interface Report {
  grids: number;
  dedicated_grids: number;
  in_band_feasible: number;
  polsby_popper_mean: number;
  polsby_popper_p10: number;
  road_share: number;
  infeasible_parents: { code: string; name: string; value: number; reason: string }[];
}

export type PlanDetail = Omit<S["PlanDetail"], "params" | "report"> & {
  params: { band?: string } & Record<string, unknown>;
  report: Report;
};

/** An answer other than 2xx: its status and the server's words. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Who is signed in; writes from this browser carry its CSRF token. */
let csrf: string | null = null;
/** Called on a 401: the map shows the sign-in form. */
let onUnauthorized: (message: string) => void = () => {};

export function setCsrf(token: string | null | undefined): void {
  csrf = token ?? null;
}

/** A token the page was given (the big screen's, from its URL fragment),
 * sent as a bearer on every request instead of a session cookie. */
let bearer: string | null = null;

export function setBearer(token: string | null): void {
  bearer = token;
}

/** The headers that authenticate a request this page makes itself. */
export function authHeaders(): Record<string, string> {
  return bearer ? { Authorization: `Bearer ${bearer}` } : {};
}

export function whenUnauthorized(f: (message: string) => void): void {
  onUnauthorized = f;
}

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? "GET").toUpperCase();
  if (method !== "GET" && method !== "HEAD" && csrf) headers.set("X-CSRF-Token", csrf);
  for (const [k, v] of Object.entries(authHeaders())) headers.set(k, v);
  const r = await fetch(url, { ...init, headers, credentials: "same-origin" });
  if (!r.ok) {
    const body = await r.json().catch(() => ({ error: r.statusText }));
    const message = body.error ?? `${r.status}`;
    // A refused sign-in is the form's own business, not a new prompt.
    if (r.status === 401 && url !== "/api/session") onUnauthorized(message);
    throw new ApiError(r.status, message);
  }
  return r;
}

async function json<T>(url: string, init?: RequestInit): Promise<T> {
  return (await (await call(url, init)).json()) as T;
}

function post<T>(url: string, body?: unknown): Promise<T> {
  return json<T>(url, {
    method: "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

const q = (params: Record<string, string | number | undefined>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") s.set(k, String(v));
  const text = s.toString();
  return text ? `?${text}` : "";
};

export const api = {
  session: () => json<Session>("/api/session"),
  signIn: (name: string, password: string) => post<Session>("/api/session", { name, password }),
  signOut: () => call("/api/session", { method: "DELETE" }),
  counties: () => json<S["CountyList"]>("/api/counties").then((r) => r.counties),
  plans: (county?: string) => json<S["PlanList"]>(`/api/plans${q({ county })}`).then((r) => r.plans),
  plan: (id: number) => json<PlanDetail>(`/api/plans/${id}`),
  activate: (id: number) => post<PlanSummary>(`/api/plans/${id}/activate`),
  grids: (plan: number) => json<GridList>(`/api/plans/${plan}/grids`).then((r) => r.grids),
  grid: (code: string, plan: number) => json<Grid>(`/api/grids/${encodeURIComponent(code)}${q({ plan })}`),
  compare: (a: number, b: number) => json<Comparison>(`/api/compare${q({ a, b })}`),
  partition: (body: NewPartition) => post<Job>("/api/partitions", body),
  job: (id: number) => json<Job>(`/api/partitions/${id}`),
  workers: (county: string) => json<WorkerList>(`/api/workers${q({ county })}`),
  worker: (id: string) => json<Worker>(`/api/workers/${encodeURIComponent(id)}`),
  patrols: (id: string) => json<Patrols>(`/api/workers/${encodeURIComponent(id)}/patrols`),
  replay: (id: string, from: number, to: number) =>
    json<WorkerReplay>(`/api/workers/${encodeURIComponent(id)}/replay${q({ from, to })}`),
  patrolKpis: (county: string) =>
    json<{ grids: PatrolKpi[]; below: string[] }>(`/api/kpi/patrol${q({ county })}`),
  case: (id: number) => json<CaseDetail>(`/api/cases/${id}`),
  moveCase: (id: number, m: CaseMove) => post<CaseDetail>(`/api/cases/${id}/transitions`, m),
  caseKpis: (county: string, by: string, from: number, to?: number) =>
    json<{ areas: AreaKpi[]; categories: CategoryTrend[] }>(`/api/kpi/cases${q({ county, by, from, to })}`),
  cases: (params: { county: string; within?: string; limit?: number; to?: number }) =>
    json<CaseList>(`/api/cases${q(params)}`),
  exportUrl: (plan: number, filter: Record<string, string>) =>
    `/api/plans/${plan}/export.geojson${q(filter)}`,
  /** Any number of grids, sent as a JSON body (a URL holds only so many codes). */
  exportSelection: async (plan: number, codes: string[]): Promise<{ blob: Blob; name: string }> => {
    const r = await call(`/api/plans/${plan}/export`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ codes }),
    });
    const cd = r.headers.get("Content-Disposition") ?? "";
    const name = /filename="([^"]+)"/.exec(cd)?.[1] ?? `plan${plan}-selected-grids.geojson`;
    return { blob: await r.blob(), name };
  },
};

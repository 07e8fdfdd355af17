// What a screen's URL fixes: `/screen?scope=CODE&measure=…&tour=60&hours=8&play=1`
// and, in the fragment (never sent to the server, so never in its logs),
// `#token=wg_…`.

export type Measure = "households" | "cases" | "coverage";

export interface ScreenParams {
  /** A county (6 digits), town (9) or village (12) code. */
  scope?: string;
  measure: Measure;
  /** Seconds a tour stays on each area (0: no tour). */
  tour: number;
  /** Hours the replay covers. */
  hours: number;
  /** Start by playing the last `hours` back (a wall that shows the day). */
  play: boolean;
  lang?: "zh" | "en";
}

const MEASURES: Measure[] = ["households", "cases", "coverage"];

export function readParams(search: string): ScreenParams {
  const q = new URLSearchParams(search);
  const scope = q.get("scope") ?? undefined;
  const measure = q.get("measure") as Measure | null;
  const tour = Number(q.get("tour") ?? 0);
  const hours = Number(q.get("hours") ?? 8);
  const lang = q.get("lang");
  return {
    scope: scope && /^(\d{6}|\d{9}|\d{12})$/.test(scope) ? scope : undefined,
    measure: measure && MEASURES.includes(measure) ? measure : "households",
    tour: Number.isFinite(tour) && tour >= 5 ? Math.min(tour, 3600) : 0,
    hours: Number.isFinite(hours) && hours > 0 ? Math.min(hours, 24) : 8,
    play: q.get("play") === "1",
    lang: lang === "en" || lang === "zh" ? lang : undefined,
  };
}

const KEY = "wangge.screen.token";

/** The token the fragment gives (kept in this tab's session storage so a
 * reload still has it), taken out of the address bar. */
export function takeToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const given = fragment.get("token");
  if (given) {
    sessionStorage.setItem(KEY, given);
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return given ?? sessionStorage.getItem(KEY);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}

// The key figures of the area on screen, summed from the KPI rows of its
// children (rates recomputed from the counts, never averaged).

import type { AreaKpi } from "../api";
import { num } from "../i18n";

export interface Figures {
  grids: number;
  workersOnline: number;
  workersTotal: number;
  today: number;
  open: number;
  overdue: number;
  /** Shares 0–1, undefined without a denominator. */
  closure?: number;
  satisfaction?: number;
}

export interface Sums {
  reported: number;
  accepted: number;
  closed: number;
  followedUp: number;
  satisfied: number;
  open: number;
  overdue: number;
}

/** The rows under `prefix`, summed. */
export function sum(rows: AreaKpi[], prefix: string): Sums {
  const s: Sums = { reported: 0, accepted: 0, closed: 0, followedUp: 0, satisfied: 0, open: 0, overdue: 0 };
  for (const r of rows) {
    if (!r.area.startsWith(prefix)) continue;
    s.reported += r.reported;
    s.accepted += r.accepted;
    s.closed += r.closed;
    s.followedUp += r.followed_up;
    s.satisfied += r.satisfied;
    s.open += r.open;
    s.overdue += r.overdue;
  }
  return s;
}

const share = (a: number, b: number) => (b > 0 ? a / b : undefined);

export function figuresOf(
  grids: number,
  workers: { online: number; total: number },
  today: Sums,
  year: Sums,
  month: Sums,
): Figures {
  return {
    grids,
    workersOnline: workers.online,
    workersTotal: workers.total,
    today: today.reported,
    open: year.open,
    overdue: year.overdue,
    closure: share(month.closed, month.accepted),
    satisfaction: share(month.satisfied, month.followedUp),
  };
}

const pct = (v: number | undefined) => (v === undefined ? "–" : `${num(v * 100, 1)}%`);

export function renderFigures(f: Figures): void {
  const set = (id: string, text: string, value: number | undefined) => {
    const el = document.getElementById(id);
    if (!el) return;
    el.textContent = text;
    el.dataset.value = value === undefined ? "" : String(value);
  };
  set("f-grids", num(f.grids), f.grids);
  set("f-workers", `${num(f.workersOnline)} / ${num(f.workersTotal)}`, f.workersOnline);
  set("f-today", num(f.today), f.today);
  set("f-open", num(f.open), f.open);
  set("f-overdue", num(f.overdue), f.overdue);
  set("f-closure", pct(f.closure), f.closure);
  set("f-satisfaction", pct(f.satisfaction), f.satisfaction);
}

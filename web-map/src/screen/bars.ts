// Bars drawn as HTML, not on a canvas: the text and edges stay sharp at
// the wall's resolution (canvas charts sized for 1080p blur on a 4K wall).

import { num } from "../i18n";

export interface TownRow {
  code: string;
  name: string;
  reported: number;
  open: number;
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Cases by area: the bar is the period's count, its red part the open ones. */
export function renderTownBars(el: HTMLElement, rows: TownRow[]): void {
  const max = Math.max(1, ...rows.map((r) => r.reported));
  el.innerHTML = rows
    .map((r) => {
      const whole = (r.reported / max) * 100;
      const open = r.reported ? (Math.min(r.open, r.reported) / r.reported) * whole : 0;
      return `<div class="bar" data-area="${esc(r.code)}" data-reported="${r.reported}" data-open="${r.open}">
        <span class="name">${esc(r.name)}</span>
        <span class="track"><span class="fill open" style="width:${open}%"></span><span class="fill" style="width:${whole - open}%"></span></span>
        <span class="value">${num(r.reported)}</span></div>`;
    })
    .join("");
}

export interface CoverageRow {
  grid: string;
  name: string;
  coverage: number;
}

/** The grids' patrol coverage today, lowest first (where to send people),
 * as many as the panel holds. */
export function renderRanking(el: HTMLElement, rows: CoverageRow[]): void {
  const sorted = [...rows].sort((a, b) => a.coverage - b.coverage);
  el.innerHTML = sorted
    .slice(0, 30)
    .map(
      (r) => `<li class="bar" data-grid="${esc(r.grid)}" data-coverage="${r.coverage}">
        <span class="name">${esc(r.name)}</span>
        <span class="track"><span class="fill" style="width:${r.coverage * 100}%"></span></span>
        <span class="value">${num(r.coverage * 100, 0)}%</span></li>`,
    )
    .join("");
}

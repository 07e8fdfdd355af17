// The latest cases, newest first: loaded once, then kept by the live
// stream's case events (a moved case updates its line in place). At most
// LIMIT are kept, so days of events hold no more memory than the first
// minute.

import type { CaseView } from "../api";

const LIMIT = 40;

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export class Ticker {
  private cases: CaseView[] = [];
  private fresh = new Set<number>();

  constructor(private readonly el: HTMLElement) {}

  /** Replaces the list (a load, or the replay clock's moment). */
  set(cases: CaseView[]): void {
    this.cases = [...cases].sort((a, b) => b.reported_at - a.reported_at).slice(0, LIMIT);
    this.fresh.clear();
    this.render();
  }

  /** A case from the live stream: new ones go on top and flash. */
  upsert(c: CaseView): void {
    const i = this.cases.findIndex((x) => x.id === c.id);
    if (i >= 0) this.cases[i] = c;
    else {
      this.cases.unshift(c);
      this.fresh.add(c.id);
      this.cases.sort((a, b) => b.reported_at - a.reported_at);
      this.cases.length = Math.min(this.cases.length, LIMIT);
    }
    this.render();
  }

  private render(): void {
    this.el.innerHTML = this.cases
      .map((c) => {
        const at = new Date(c.reported_at);
        const hm = `${String(at.getHours()).padStart(2, "0")}:${String(at.getMinutes()).padStart(2, "0")}`;
        return `<li data-case="${c.id}" data-overdue="${c.overdue}"${this.fresh.has(c.id) ? ' class="new"' : ""}>
          <time>${hm}</time><b>${esc(c.category_name)} · ${esc(c.status_name)}</b>
          <span class="where">${esc(c.grid_code)}${c.description ? ` · ${esc(c.description.slice(0, 40))}` : ""}</span></li>`;
      })
      .join("");
    this.fresh.clear();
  }
}

// The side panel: a grid's figures from the API, and the plan's report.

import type { Grid, PlanDetail } from "./api";
import { num, t } from "./i18n";

function rows(el: HTMLElement, items: [string, string][]): void {
  el.innerHTML = items.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("");
}

export function showGrid(g: Grid, onNeighbour: (code: string) => void): void {
  const panel = document.getElementById("grid-panel")!;
  panel.hidden = false;
  document.getElementById("grid-title")!.textContent = `${g.name}`;
  const stats = document.getElementById("grid-stats")!;
  rows(stats, [
    [t("code"), g.code],
    [t("village"), `${g.village_name}`],
    [t("town"), `${g.town_name}`],
    [t("population"), `${num(g.population)} ${t("people")}`],
    [t("households"), `${num(g.households)} ${t("hh")}`],
    [t("buildings"), num(g.buildings)],
    [t("area"), `${num(g.area_m2 / 1e6, 3)} ${t("km2")}`],
    [t("compactness"), num(g.polsby_popper, 2)],
    [t("inBand"), g.in_band === false ? t("no") : t("yes")],
    ...(g.dedicated ? ([[t("dedicated"), g.dedicated]] as [string, string][]) : []),
  ]);
  stats.dataset.code = g.code;
  stats.dataset.households = String(g.households);
  stats.dataset.population = String(g.population);
  const list = document.getElementById("grid-neighbours")!;
  list.innerHTML = "";
  for (const n of g.neighbours ?? []) {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = "#";
    a.textContent = `${n.name} (${n.code}) · ${num(n.shared_boundary_m)} m`;
    a.addEventListener("click", (e) => {
      e.preventDefault();
      onNeighbour(n.code);
    });
    li.append(a);
    list.append(li);
  }
}

export function showReport(p: PlanDetail): void {
  const r = p.report;
  rows(document.getElementById("plan-report")!, [
    [t("plan"), `${p.id} · ${p.name}`],
    [t("band"), String(p.params.band ?? "")],
    [t("grids"), `${num(r.grids)} + ${num(r.dedicated_grids)} ${t("dedicated")}`],
    [t("inBandShare"), `${num(r.in_band_feasible * 100, 1)}%`],
    [t("ppMean"), `${num(r.polsby_popper_mean, 2)} (p10 ${num(r.polsby_popper_p10, 2)})`],
    [t("roadShare"), `${num(r.road_share * 100, 1)}%`],
  ]);
  const list = document.getElementById("infeasible")!;
  list.innerHTML = r.infeasible_parents
    .map((x) => `<li>${x.name} (${x.code}): ${x.reason}</li>`)
    .join("");
}

// Interface text in Chinese (default) and English.

export type Lang = "zh" | "en";

const zh = {
  title: "网格规划",
  searchPlaceholder: "网格编码 / 村社区 / 乡镇街道",
  plan: "方案",
  activate: "设为当前方案",
  active: "当前",
  colourBy: "着色",
  households: "户数",
  population: "人口",
  deviation: "偏离标准",
  dark: "深色",
  light: "浅色",
  neighbours: "相邻网格",
  report: "方案报告",
  infeasible: "无法达标的村社区",
  layers: "图层",
  layerGrids: "网格",
  layerAdmin: "行政边界",
  layerBlocks: "街区",
  layerBuildings: "建筑",
  export: "导出 GeoJSON",
  exportAll: "全部网格",
  exportTown: "所选乡镇",
  exportVillage: "所选村社区",
  exportSelected: "所选网格",
  exportHint: "点击网格选择；Shift+点击多选。",
  code: "编码",
  village: "村/社区",
  town: "乡镇/街道",
  buildings: "建筑",
  area: "面积",
  compactness: "紧凑度",
  inBand: "在标准内",
  dedicated: "专属网格",
  yes: "是",
  no: "否",
  grids: "网格数",
  inBandShare: "达标比例",
  ppMean: "平均紧凑度",
  roadShare: "沿道路边界",
  people: "人",
  hh: "户",
  km2: "平方公里",
  noSelection: "请先点击选择网格",
  noMatch: "无匹配结果",
  band: "标准",
  compare: "方案对比",
  compareWith: "对比方案",
  compareRun: "对比",
  compareClear: "清除",
  compareResult: "变化网格 {changed} 个（新增 {added}、取消 {removed}），{moved} 户改属其他网格",
  newPlan: "新建方案",
  measure: "标准",
  withCells: "同时划分单元格 (30–50 户)",
  planName: "名称",
  runPartition: "开始划分",
  running: "正在划分",
  done: "完成：方案",
  failed: "失败",
  county: "区县",
  signIn: "登录",
  signOut: "退出",
  signInTitle: "登录网格系统",
  userName: "用户名",
  password: "密码",
  wrongPassword: "用户名或密码错误",
  readOnly: "只读",
  notAllowed: "无权限",
  signInNeeded: "请先登录",
  anonymous: "访客",
  role_viewer: "查看",
  role_planner: "规划",
  role_admin: "管理员",
  role_worker: "网格员",
  role_screen: "大屏",
};

export type Key = keyof typeof zh;

const en: Record<Key, string> = {
  title: "Grid planning",
  searchPlaceholder: "Grid code / village / town",
  plan: "Plan",
  activate: "Make active",
  active: "active",
  colourBy: "Colour",
  households: "Households",
  population: "Residents",
  deviation: "Deviation from band",
  dark: "Dark",
  light: "Light",
  neighbours: "Neighbouring grids",
  report: "Plan report",
  infeasible: "Villages that cannot meet the band",
  layers: "Layers",
  layerGrids: "Grids",
  layerAdmin: "Admin boundaries",
  layerBlocks: "Blocks",
  layerBuildings: "Buildings",
  export: "Export GeoJSON",
  exportAll: "All grids",
  exportTown: "Selected town",
  exportVillage: "Selected village",
  exportSelected: "Selected grids",
  exportHint: "Click a grid to select it; Shift+click to add.",
  code: "Code",
  village: "Village",
  town: "Town",
  buildings: "Buildings",
  area: "Area",
  compactness: "Compactness",
  inBand: "In band",
  dedicated: "Dedicated grid",
  yes: "yes",
  no: "no",
  grids: "Grids",
  inBandShare: "In band",
  ppMean: "Mean compactness",
  roadShare: "Boundary on roads",
  people: "residents",
  hh: "households",
  km2: "km²",
  noSelection: "Click a grid first",
  noMatch: "No match",
  band: "Band",
  compare: "Compare plans",
  compareWith: "Compare with",
  compareRun: "Compare",
  compareClear: "Clear",
  compareResult: "{changed} grids changed ({added} new, {removed} gone); {moved} households change grid",
  newPlan: "New plan",
  measure: "Band",
  withCells: "Also unit cells (30–50 households)",
  planName: "Name",
  runPartition: "Partition",
  running: "Partitioning",
  done: "Done: plan",
  failed: "Failed",
  county: "County",
  signIn: "Sign in",
  signOut: "Sign out",
  signInTitle: "Sign in to wangge",
  userName: "Name",
  password: "Password",
  wrongPassword: "Wrong name or password",
  readOnly: "read-only",
  notAllowed: "Not allowed",
  signInNeeded: "Sign in first",
  anonymous: "guest",
  role_viewer: "viewer",
  role_planner: "planner",
  role_admin: "admin",
  role_worker: "grid worker",
  role_screen: "big screen",
};

let current: Lang = (localStorage.getItem("wangge.lang") as Lang | null) ?? "zh";

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  current = l;
  localStorage.setItem("wangge.lang", l);
  document.documentElement.lang = l === "zh" ? "zh-CN" : "en";
  for (const el of document.querySelectorAll<HTMLElement>("[data-i18n]")) {
    el.textContent = t(el.dataset.i18n as Key);
  }
  for (const el of document.querySelectorAll<HTMLInputElement>("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder as Key);
  }
}

export function t(k: Key): string {
  return (current === "zh" ? zh : en)[k];
}

/** A number in the UI's locale. */
export function num(v: number, digits = 0): string {
  return v.toLocaleString(current === "zh" ? "zh-CN" : "en-GB", {
    maximumFractionDigits: digits,
    minimumFractionDigits: digits,
  });
}

//! What each column of wangge's layers means, in Chinese and English with
//! its unit: written into the GeoPackage's `gpkg_data_columns` (the schema
//! extension), into the QGIS styles as field aliases, and used to name
//! Shapefile fields within dBase's ten characters.

use partition::LayerKind;

/// One column of a layer.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub column: &'static str,
    /// Short Chinese name (an alias in QGIS, `gpkg_data_columns.name`).
    pub zh: &'static str,
    pub en: &'static str,
    /// The unit, as the figures are counted (人, 户, m²), when there is one.
    pub unit: Option<&'static str>,
    pub about_zh: &'static str,
    pub about_en: &'static str,
    /// The Shapefile field name: at most 10 ASCII characters.
    pub shp: &'static str,
}

impl Field {
    /// `gpkg_data_columns.title`: both languages and the unit.
    pub fn title(&self) -> String {
        match self.unit {
            Some(u) => format!("{} {} ({u})", self.zh, self.en),
            None => format!("{} {}", self.zh, self.en),
        }
    }

    /// `gpkg_data_columns.description`.
    pub fn description(&self) -> String {
        let unit = self
            .unit
            .map(|u| format!("单位：{u}。"))
            .unwrap_or_default();
        let unit_en = self
            .unit
            .map(|u| format!(" Unit: {u}."))
            .unwrap_or_default();
        format!("{}。{unit}{}.{unit_en}", self.about_zh, self.about_en)
    }

    /// The QGIS alias: the Chinese name with its unit.
    pub fn alias(&self) -> String {
        match self.unit {
            Some(u) => format!("{}（{u}）", self.zh),
            None => self.zh.to_string(),
        }
    }
}

/// The layers wangge writes: the plans' grids (shared by `grids`, the
/// active views and the per-plan views) and blocks, and the imported
/// layers, named as the model names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Grids,
    Blocks,
    Imported(LayerKind),
}

impl Layer {
    /// Every layer of a store, with its table.
    pub fn tables() -> impl Iterator<Item = (&'static str, Layer)> {
        [("grids", Layer::Grids), ("blocks", Layer::Blocks)]
            .into_iter()
            .chain(LayerKind::ALL.map(|k| (k.as_str(), Layer::Imported(k))))
    }
}

const fn f(
    column: &'static str,
    zh: &'static str,
    en: &'static str,
    unit: Option<&'static str>,
    about_zh: &'static str,
    about_en: &'static str,
    shp: &'static str,
) -> Field {
    Field {
        column,
        zh,
        en,
        unit,
        about_zh,
        about_en,
        shp,
    }
}

const COUNTY: Field = f(
    "county",
    "区县代码",
    "County code",
    None,
    "6 位区县行政区划代码",
    "6-digit county division code",
    "county",
);
const PLAN: Field = f(
    "plan_id",
    "方案编号",
    "Plan id",
    None,
    "网格方案的编号（wangge plans 列出）",
    "The partition plan's id (listed by wangge plans)",
    "plan_id",
);
const SOURCE: Field = f(
    "source_id",
    "来源编号",
    "Source id",
    None,
    "输入数据中的要素编号（如 OSM 的 way/123）",
    "The feature's id in the input (e.g. OSM way/123)",
    "source_id",
);
const NAME: Field = f("name", "名称", "Name", None, "名称", "Name", "name");
const POPULATION: Field = f(
    "population",
    "常住人口",
    "Residents",
    Some("人"),
    "常住人口（按建筑估算或普查分配）",
    "Residents (estimated by building or allotted from the census)",
    "pop",
);
const HOUSEHOLDS: Field = f(
    "households",
    "户数",
    "Households",
    Some("户"),
    "住户数",
    "Households",
    "households",
);
const BUILDINGS: Field = f(
    "buildings",
    "建筑数",
    "Buildings",
    Some("栋"),
    "所含建筑数",
    "Buildings it holds",
    "buildings",
);
const AREA: Field = f(
    "area_m2",
    "面积",
    "Area",
    Some("m²"),
    "椭球面积",
    "Area on the ellipsoid",
    "area_m2",
);
const DEDICATED: Field = f(
    "dedicated",
    "专属类型",
    "Dedicated kind",
    None,
    "专属网格的类型（学校、医院、园区等）；空为地理网格",
    "The kind of a dedicated grid (school, hospital, park…); empty for a geographic grid",
    "dedicated",
);

const GRIDS: &[Field] = &[
    f(
        "code",
        "网格编码",
        "Grid code",
        None,
        "网格编码：村/社区代码后接网格序号，方案之间保持稳定",
        "Grid code: the village's code and the grid's number, kept stable between plans",
        "code",
    ),
    f(
        "name",
        "网格名称",
        "Grid name",
        None,
        "网格名称",
        "Grid name",
        "name",
    ),
    f(
        "level",
        "层级",
        "Level",
        None,
        "grid 为网格，cell 为单元格",
        "grid for a grid, cell for a unit cell",
        "level",
    ),
    f(
        "village_code",
        "村/社区代码",
        "Village code",
        None,
        "所属村（社区）的 12 位行政区划代码",
        "12-digit code of its village or community",
        "vill_code",
    ),
    f(
        "village_name",
        "村/社区",
        "Village",
        None,
        "所属村（社区）名称",
        "Name of its village or community",
        "vill_name",
    ),
    f(
        "town_code",
        "乡镇/街道代码",
        "Town code",
        None,
        "所属乡镇（街道）的 9 位代码",
        "Code of its town or subdistrict",
        "town_code",
    ),
    f(
        "town_name",
        "乡镇/街道",
        "Town",
        None,
        "所属乡镇（街道）名称",
        "Name of its town or subdistrict",
        "town_name",
    ),
    POPULATION,
    HOUSEHOLDS,
    BUILDINGS,
    AREA,
    f(
        "perimeter_m",
        "周长",
        "Perimeter",
        Some("m"),
        "边界长度",
        "Length of the boundary",
        "perim_m",
    ),
    f(
        "polsby_popper",
        "紧凑度",
        "Compactness",
        None,
        "Polsby–Popper 紧凑度，4π·面积/周长²，0–1，越大越紧凑",
        "Polsby–Popper compactness, 4π·area/perimeter², 0–1, higher is more compact",
        "compact",
    ),
    DEDICATED,
    f(
        "in_band",
        "规模达标",
        "In band",
        None,
        "1 表示户数或人口在方案的规模区间内，0 表示不在",
        "1 when the grid's households or residents lie in the plan's band, 0 when not",
        "in_band",
    ),
    f(
        "parent_code",
        "所属网格",
        "Parent grid",
        None,
        "单元格所属网格的编码",
        "Code of the grid a unit cell lies in",
        "parent",
    ),
    PLAN,
    COUNTY,
];

const BLOCKS: &[Field] = &[
    f(
        "block_id",
        "街区编号",
        "Block id",
        None,
        "街区编号（方案编辑和 wangge export --layer blocks 使用）",
        "Block id (used by plan edits and wangge export --layer blocks)",
        "block_id",
    ),
    f(
        "village_code",
        "村/社区代码",
        "Village code",
        None,
        "所属村（社区）的代码",
        "Code of its village or community",
        "vill_code",
    ),
    f(
        "grid_code",
        "网格编码",
        "Grid code",
        None,
        "街区所在网格的编码",
        "Code of the grid the block is in",
        "grid_code",
    ),
    POPULATION,
    HOUSEHOLDS,
    BUILDINGS,
    AREA,
    DEDICATED,
    PLAN,
    COUNTY,
];

const ADMIN: &[Field] = &[
    SOURCE,
    f(
        "code",
        "区划代码",
        "Division code",
        None,
        "12 位统计用区划代码",
        "12-digit statistical division code",
        "code",
    ),
    NAME,
    f(
        "level",
        "层级",
        "Level",
        None,
        "town 为乡镇/街道，village 为村/社区",
        "town for a town or subdistrict, village for a village or community",
        "level",
    ),
    f(
        "parent_code",
        "上级代码",
        "Parent code",
        None,
        "上级区划代码",
        "Code of the unit it lies in",
        "parent",
    ),
    f(
        "population",
        "常住人口",
        "Residents",
        Some("人"),
        "输入给出的常住人口总数",
        "Residents as the input gave them",
        "pop",
    ),
    COUNTY,
];

const BUILDING_FIELDS: &[Field] = &[
    SOURCE,
    f(
        "kind",
        "建筑类型",
        "Kind",
        None,
        "建筑类型（OSM building=*）",
        "Kind of building (OSM building=*)",
        "kind",
    ),
    f(
        "levels",
        "层数",
        "Levels",
        Some("层"),
        "地上层数",
        "Storeys above ground",
        "levels",
    ),
    f(
        "height",
        "高度",
        "Height",
        Some("m"),
        "建筑高度",
        "Height",
        "height",
    ),
    POPULATION,
    HOUSEHOLDS,
    f(
        "population_source",
        "人口来源",
        "Population source",
        None,
        "人口数的来源（输入、普查分配或估算）",
        "Where the residents figure came from (input, census share or estimate)",
        "pop_src",
    ),
    COUNTY,
];

const ROADS: &[Field] = &[
    SOURCE,
    f(
        "class",
        "道路等级",
        "Class",
        None,
        "道路等级（motorway … path）",
        "Road class (motorway … path)",
        "class",
    ),
    f(
        "highway",
        "OSM 类型",
        "OSM highway",
        None,
        "OSM highway=* 的值",
        "The OSM highway=* value",
        "highway",
    ),
    NAME,
    COUNTY,
];

const KIND_NAME: &[Field] = &[
    SOURCE,
    f(
        "kind",
        "类型",
        "Kind",
        None,
        "要素类型",
        "Kind of feature",
        "kind",
    ),
    NAME,
    COUNTY,
];

const LANDUSE: &[Field] = &[
    SOURCE,
    f(
        "class",
        "用地类型",
        "Class",
        None,
        "土地利用类型（OSM landuse/leisure/natural）",
        "Land use class (OSM landuse/leisure/natural)",
        "class",
    ),
    NAME,
    COUNTY,
];

pub fn fields(layer: Layer) -> &'static [Field] {
    match layer {
        Layer::Grids => GRIDS,
        Layer::Blocks => BLOCKS,
        Layer::Imported(kind) => match kind {
            LayerKind::Admin => ADMIN,
            LayerKind::Buildings => BUILDING_FIELDS,
            LayerKind::Roads => ROADS,
            LayerKind::Railways | LayerKind::Waterways | LayerKind::Water | LayerKind::Sites => {
                KIND_NAME
            }
            LayerKind::Landuse => LANDUSE,
        },
    }
}

pub fn field(layer: Layer, column: &str) -> Option<&'static Field> {
    fields(layer).iter().find(|f| f.column == column)
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn shapefile_names_fit_dbase_and_are_unique_within_a_layer() {
        for (_, layer) in Layer::tables() {
            let mut seen = HashSet::new();
            let mut aliases = HashSet::new();
            for f in fields(layer) {
                assert!(
                    f.shp.len() <= 10 && f.shp.is_ascii(),
                    "{layer:?}.{}",
                    f.column
                );
                assert!(seen.insert(f.shp), "{layer:?}: {} twice", f.shp);
                // gpkg_data_columns.name is unique within a table.
                assert!(aliases.insert(f.zh), "{layer:?}: {} twice", f.zh);
            }
        }
    }

    #[test]
    fn titles_carry_both_languages_and_the_unit() {
        let hh = field(Layer::Grids, "households").expect("households");
        assert_eq!(hh.title(), "户数 Households (户)");
        assert!(hh.description().contains("单位：户") && hh.description().contains("Unit: 户"));
        assert_eq!(hh.alias(), "户数（户）");
        let area = field(Layer::Grids, "area_m2").expect("area");
        assert!(area.title().ends_with("(m²)"));
    }
}

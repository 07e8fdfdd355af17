//! How each layer's features become table rows and back, the same for
//! every backend: the column lists, the values to bind, and the model
//! rebuilt from what a row holds.

use geo_types::{Geometry, LineString, MultiPolygon};
use partition::model::{
    AdminUnit, Building, DivisionCode, FeatureId, Landuse, PopulationSource, Railway, Road,
    RoadClass, Site, SiteKind, WaterArea, Waterway,
};
use partition::{LayerKind, Layers};

use super::{GridLevel, StoreError, StoredBlock, StoredGrid};

/// A row ready to bind: text and number attributes, then the geometry.
pub(crate) enum Val {
    Text(Option<String>),
    Num(Option<f64>),
}

pub(crate) type Row = (String, Vec<Val>, Geometry<f64>);

fn text(s: &str) -> Val {
    Val::Text(Some(s.to_string()))
}

/// The attribute columns of a layer's table, in the order `row_at` gives.
pub(crate) fn columns_of(kind: LayerKind) -> &'static [&'static str] {
    match kind {
        LayerKind::Admin => &["code", "name", "level", "parent_code", "population"],
        LayerKind::Buildings => &[
            "kind",
            "levels",
            "height",
            "population",
            "households",
            "population_source",
        ],
        LayerKind::Roads => &["class", "highway", "name"],
        LayerKind::Sites | LayerKind::Railways | LayerKind::Waterways | LayerKind::Water => {
            &["kind", "name"]
        }
        LayerKind::Landuse => &["class", "name"],
    }
}

/// Row `i` of a layer, made one chunk at a time so that a million
/// buildings are never copied at once.
pub(crate) fn row_at(layers: &Layers, kind: LayerKind, i: usize) -> Row {
    let named = |id: &str, kind: &str, name: &Option<String>, g: Geometry<f64>| {
        (id.to_string(), vec![text(kind), Val::Text(name.clone())], g)
    };
    match kind {
        LayerKind::Admin => {
            let u = &layers.admin[i];
            let vals = vec![
                text(&u.code.to_string()),
                text(&u.name),
                text(u.level.as_str()),
                Val::Text(u.code.parent().map(|p| p.to_string())),
                Val::Num(u.population),
            ];
            (u.id.0.clone(), vals, u.geometry.clone().into())
        }
        LayerKind::Buildings => {
            let b = &layers.buildings[i];
            let vals = vec![
                text(&b.kind),
                Val::Num(b.levels),
                Val::Num(b.height),
                Val::Num(b.population),
                Val::Num(b.households),
                Val::Text(b.population_source.map(|s| s.as_str().to_string())),
            ];
            (b.id.0.clone(), vals, b.geometry.clone().into())
        }
        LayerKind::Roads => {
            let r = &layers.roads[i];
            (
                r.id.0.clone(),
                vec![
                    text(r.class.as_str()),
                    text(&r.highway),
                    Val::Text(r.name.clone()),
                ],
                r.geometry.clone().into(),
            )
        }
        LayerKind::Railways => {
            let r = &layers.railways[i];
            named(&r.id.0, &r.kind, &r.name, r.geometry.clone().into())
        }
        LayerKind::Waterways => {
            let r = &layers.waterways[i];
            named(&r.id.0, &r.kind, &r.name, r.geometry.clone().into())
        }
        LayerKind::Water => {
            let r = &layers.water[i];
            named(&r.id.0, &r.kind, &r.name, r.geometry.clone().into())
        }
        LayerKind::Sites => {
            let r = &layers.sites[i];
            named(&r.id.0, r.kind.as_str(), &r.name, r.geometry.clone().into())
        }
        LayerKind::Landuse => {
            let r = &layers.landuse[i];
            named(&r.id.0, &r.class, &r.name, r.geometry.clone().into())
        }
    }
}

/// Typed access to the columns of a row read back, whichever driver read
/// it; index 0 is the first column the caller's mapping reads (a backend's
/// adapter adds its offset). NULL and a missing column read as `None`.
pub(crate) trait Cells {
    fn text(&self, i: usize) -> Option<String>;
    fn num(&self, i: usize) -> Option<f64>;
    fn int(&self, i: usize) -> Option<i64>;
    fn flag(&self, i: usize) -> Option<bool>;
}

/// A row's columns from `offset` on, for any driver whose types decode
/// these values (SQLite's 0/1 integers decode as bools).
pub(crate) struct RowCells<'a, R> {
    pub row: &'a R,
    pub offset: usize,
}

impl<R> Cells for RowCells<'_, R>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    Option<String>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<f64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<bool>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    fn text(&self, i: usize) -> Option<String> {
        self.row.try_get(i + self.offset).ok().flatten()
    }
    fn num(&self, i: usize) -> Option<f64> {
        self.row.try_get(i + self.offset).ok().flatten()
    }
    fn int(&self, i: usize) -> Option<i64> {
        self.row.try_get(i + self.offset).ok().flatten()
    }
    fn flag(&self, i: usize) -> Option<bool> {
        self.row.try_get(i + self.offset).ok().flatten()
    }
}

/// The attribute columns `stored_grid` reads, in its order.
pub(crate) const GRID_COLUMNS: &str = "level, code, name, village_code, village_name, town_code, \
     town_name, population, households, buildings, area_m2, perimeter_m, polsby_popper, \
     dedicated, in_band, parent_code";

/// A grid row (columns as `GRID_COLUMNS`; all but the last three are NOT NULL).
pub(crate) fn stored_grid(r: &dyn Cells, geometry: MultiPolygon<f64>) -> StoredGrid {
    let text = |i| r.text(i).unwrap_or_default();
    let num = |i| r.num(i).unwrap_or_default();
    StoredGrid {
        level: GridLevel::parse(&text(0)).unwrap_or(GridLevel::Grid),
        code: text(1),
        name: text(2),
        village_code: text(3),
        village_name: text(4),
        town_code: text(5),
        town_name: text(6),
        population: num(7),
        households: num(8),
        buildings: r.int(9).unwrap_or_default(),
        area_m2: num(10),
        perimeter_m: num(11),
        polsby_popper: num(12),
        dedicated: r.text(13),
        in_band: r.flag(14),
        parent_code: r.text(15),
        geometry,
    }
}

/// The attribute columns `stored_block` reads, in its order.
pub(crate) const BLOCK_COLUMNS: &str =
    "block_id, village_code, grid_code, population, households, buildings, area_m2, dedicated";

pub(crate) fn stored_block(r: &dyn Cells, geometry: MultiPolygon<f64>) -> StoredBlock {
    StoredBlock {
        block_id: r.int(0).unwrap_or_default(),
        village_code: r.text(1).unwrap_or_default(),
        grid_code: r.text(2),
        population: r.num(3).unwrap_or_default(),
        households: r.num(4).unwrap_or_default(),
        buildings: r.int(5).unwrap_or_default(),
        area_m2: r.num(6).unwrap_or_default(),
        dedicated: r.text(7),
        geometry,
    }
}

/// The SELECT list of a layer's table: fid, source_id, the geometry
/// (`geom_expr`, as the backend returns it), then the attributes `read_row`
/// expects.
pub(crate) fn select_columns(kind: LayerKind, geom_expr: &str) -> String {
    let attrs: &[&str] = match kind {
        LayerKind::Admin => &["code", "name", "level", "population"],
        LayerKind::Buildings => &[
            "kind",
            "levels",
            "height",
            "population",
            "households",
            "population_source",
        ],
        LayerKind::Roads => &["class", "highway", "name"],
        LayerKind::Landuse => &["class", "name"],
        _ => &["kind", "name"],
    };
    format!("fid, source_id, {geom_expr}, {}", attrs.join(", "))
}

/// Rebuilds one feature of `kind` from its row and appends it to `out`.
pub(crate) fn read_row(
    kind: LayerKind,
    fid: i64,
    id: FeatureId,
    geom: Geometry<f64>,
    row: &dyn Cells,
    out: &mut Layers,
) -> Result<(), StoreError> {
    let table = kind.as_str();
    let geom_err = |message: String| StoreError::Geometry {
        table: table.into(),
        fid,
        message,
    };
    let attr_err = |message: String| StoreError::Attribute {
        table: table.into(),
        fid,
        message,
    };
    let need = |i: usize, what: &str| {
        row.text(i)
            .ok_or_else(|| attr_err(format!("{what} is missing")))
    };
    let area = || -> Result<MultiPolygon<f64>, StoreError> {
        match geom.clone() {
            Geometry::MultiPolygon(mp) => Ok(mp),
            Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
            other => Err(geom_err(
                format!("expected a polygon, found {other:?}")
                    .chars()
                    .take(120)
                    .collect(),
            )),
        }
    };
    let lines = || -> Result<Vec<LineString<f64>>, StoreError> {
        match geom.clone() {
            Geometry::LineString(l) => Ok(vec![l]),
            Geometry::MultiLineString(m) => Ok(m.0),
            other => Err(geom_err(
                format!("expected a line, found {other:?}")
                    .chars()
                    .take(120)
                    .collect(),
            )),
        }
    };
    match kind {
        LayerKind::Admin => {
            let code_text = need(0, "code")?;
            let code = DivisionCode::parse(&code_text).map_err(|e| attr_err(e.to_string()))?;
            out.admin.push(AdminUnit {
                id,
                code,
                name: need(1, "name")?,
                level: partition::AdminLevel::parse(&need(2, "level")?)
                    .ok_or_else(|| attr_err("unknown level".into()))?,
                population: row.num(3),
                geometry: area()?,
            });
        }
        LayerKind::Buildings => out.buildings.push(Building {
            id,
            kind: need(0, "kind")?,
            levels: row.num(1),
            height: row.num(2),
            population: row.num(3),
            households: row.num(4),
            population_source: row.text(5).as_deref().and_then(PopulationSource::parse),
            geometry: area()?,
        }),
        LayerKind::Roads => {
            let class = need(0, "class")?;
            for geometry in lines()? {
                out.roads.push(Road {
                    id: id.clone(),
                    class: RoadClass::parse(&class).unwrap_or(RoadClass::Other),
                    highway: need(1, "highway")?,
                    name: row.text(2),
                    geometry,
                });
            }
        }
        LayerKind::Railways => {
            for geometry in lines()? {
                out.railways.push(Railway {
                    id: id.clone(),
                    kind: need(0, "kind")?,
                    name: row.text(1),
                    geometry,
                });
            }
        }
        LayerKind::Waterways => {
            for geometry in lines()? {
                out.waterways.push(Waterway {
                    id: id.clone(),
                    kind: need(0, "kind")?,
                    name: row.text(1),
                    geometry,
                });
            }
        }
        LayerKind::Water => out.water.push(WaterArea {
            id,
            kind: need(0, "kind")?,
            name: row.text(1),
            geometry: area()?,
        }),
        LayerKind::Sites => {
            let k = need(0, "kind")?;
            out.sites.push(Site {
                id,
                kind: SiteKind::parse(&k)
                    .ok_or_else(|| attr_err(format!("unknown site kind {k:?}")))?,
                name: row.text(1),
                geometry: area()?,
            });
        }
        LayerKind::Landuse => out.landuse.push(Landuse {
            id,
            class: need(0, "class")?,
            name: row.text(1),
            geometry: area()?,
        }),
    }
    Ok(())
}

/// A polygon column read back: a MultiPolygon (a Polygon is promoted).
pub(crate) fn to_multipolygon(
    g: Result<Geometry<f64>, String>,
    table: &str,
    fid: i64,
) -> Result<MultiPolygon<f64>, StoreError> {
    match g.map_err(|message| StoreError::Geometry {
        table: table.into(),
        fid,
        message,
    })? {
        Geometry::MultiPolygon(mp) => Ok(mp),
        Geometry::Polygon(p) => Ok(MultiPolygon(vec![p])),
        _ => Err(StoreError::Geometry {
            table: table.into(),
            fid,
            message: "not a polygon".into(),
        }),
    }
}

//! The bulk INSERTs both SQL stores write — a layer's features, a plan's
//! grids and blocks — built once over either driver. A store supplies its
//! [`Dialect`] (how a geometry is encoded and bound, how many rows one
//! statement may hold) and runs the statements in its own transaction,
//! with its own bookkeeping around them (`gpkg_contents`, `NOTIFY`).

use geo::BoundingRect;
use geo_types::{Geometry, Rect};
use partition::{LayerKind, Layers};
use sqlx::query_builder::Separated;
use sqlx::{Database, Encode, QueryBuilder, Type};

use super::rows::{Val, columns_of, row_at};
use super::{CountyCode, PlanId, StoreError, StoredBlock, StoredGrid};

/// One value to bind. Each store binds these with its own driver's types,
/// so the shared code needs no per-type trait bounds over the driver.
pub(crate) enum Bound {
    Int(i64),
    Real(f64),
    OptReal(Option<f64>),
    Text(String),
    OptText(Option<String>),
    OptBool(Option<bool>),
    /// Already encoded by [`Dialect::encode`].
    Geometry(Vec<u8>),
}

impl From<Val> for Bound {
    fn from(v: Val) -> Self {
        match v {
            Val::Text(t) => Self::OptText(t),
            Val::Num(x) => Self::OptReal(x),
        }
    }
}

/// What differs between the stores' INSERTs.
pub(crate) trait Dialect {
    type DB: Database;
    /// Rows per INSERT: one statement a row would spend a large import
    /// crossing to the driver; the drivers cap bound parameters.
    const ROWS: usize;
    /// A geometry as the store keeps it.
    fn encode(g: &Geometry<f64>) -> Result<Vec<u8>, String>;
    /// The SELECT expression that reads a geometry column `geom` back in
    /// the form `decode` takes.
    const GEOMETRY: &'static str;
    fn decode(blob: &[u8]) -> Result<Geometry<f64>, String>;
    /// Binds one value (a geometry with whatever SQL the store wraps it in).
    fn push(row: &mut Separated<'_, Self::DB, &'static str>, value: Bound);
}

/// Binds every value but a geometry, which it hands back for the store to
/// bind its own way. Called by each store's [`Dialect::push`] with its
/// concrete driver, where these bounds simply hold.
pub(crate) fn push_plain<DB>(
    row: &mut Separated<'_, DB, &'static str>,
    value: Bound,
) -> Option<Vec<u8>>
where
    DB: Database,
    i64: for<'q> Encode<'q, DB> + Type<DB>,
    f64: for<'q> Encode<'q, DB> + Type<DB>,
    String: for<'q> Encode<'q, DB> + Type<DB>,
    Option<f64>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<String>: for<'q> Encode<'q, DB> + Type<DB>,
    Option<bool>: for<'q> Encode<'q, DB> + Type<DB>,
{
    match value {
        Bound::Int(v) => row.push_bind(v),
        Bound::Real(v) => row.push_bind(v),
        Bound::OptReal(v) => row.push_bind(v),
        Bound::Text(v) => row.push_bind(v),
        Bound::OptText(v) => row.push_bind(v),
        Bound::OptBool(v) => row.push_bind(v),
        Bound::Geometry(blob) => return Some(blob),
    };
    None
}

/// One INSERT statement and the rows it holds.
pub(crate) struct Insert<DB: Database> {
    pub query: QueryBuilder<DB>,
    pub rows: u64,
}

/// INSERT statements of at most `D::ROWS` rows each, made one at a time
/// (a million buildings are never encoded at once) from `row(i)` for
/// `i` in `0..total`.
fn inserts<'a, D: Dialect>(
    head: String,
    total: usize,
    mut row: impl FnMut(usize) -> Result<Vec<Bound>, StoreError> + 'a,
) -> impl Iterator<Item = Result<Insert<D::DB>, StoreError>> + 'a {
    (0..total).step_by(D::ROWS.max(1)).map(move |start| {
        let end = (start + D::ROWS).min(total);
        let rows = (start..end).map(&mut row).collect::<Result<Vec<_>, _>>()?;
        let mut query = QueryBuilder::new(head.clone());
        query.push_values(rows, |mut b, values| {
            for v in values {
                D::push(&mut b, v);
            }
        });
        Ok(Insert {
            query,
            rows: (end - start) as u64,
        })
    })
}

fn geometry<D: Dialect>(table: &str, fid: usize, g: &Geometry<f64>) -> Result<Bound, StoreError> {
    D::encode(g)
        .map(Bound::Geometry)
        .map_err(|message| StoreError::Geometry {
            table: table.into(),
            fid: fid as i64,
            message,
        })
}

/// The INSERTs of one imported layer; `extent` grows to cover every
/// feature written.
pub(crate) fn layer_inserts<'a, D: Dialect>(
    county: CountyCode,
    layers: &'a Layers,
    kind: LayerKind,
    extent: &'a mut Option<Rect<f64>>,
) -> impl Iterator<Item = Result<Insert<D::DB>, StoreError>> + 'a {
    let table = kind.as_str();
    let head = format!(
        "INSERT INTO {table} (county, source_id, {}, geom) ",
        columns_of(kind).join(", ")
    );
    let county = county.to_string();
    inserts::<D>(head, layers.count(kind), move |i| {
        let (source_id, vals, geom) = row_at(layers, kind, i);
        if let Some(r) = geom.bounding_rect() {
            *extent = Some(match *extent {
                None => r,
                Some(e) => Rect::new(
                    (e.min().x.min(r.min().x), e.min().y.min(r.min().y)),
                    (e.max().x.max(r.max().x), e.max().y.max(r.max().y)),
                ),
            });
        }
        let mut row = Vec::with_capacity(vals.len() + 3);
        row.push(Bound::Text(county.clone()));
        row.push(Bound::Text(source_id));
        row.extend(vals.into_iter().map(Bound::from));
        row.push(geometry::<D>(table, i, &geom)?);
        Ok(row)
    })
}

/// The INSERTs of a plan's grids (and cells).
pub(crate) fn grid_inserts<'a, D: Dialect>(
    plan: PlanId,
    county: CountyCode,
    grids: &'a [StoredGrid],
) -> impl Iterator<Item = Result<Insert<D::DB>, StoreError>> + 'a {
    let county = county.to_string();
    let head =
        "INSERT INTO grids (plan_id, county, level, code, name, village_code, village_name, \
        town_code, town_name, population, households, buildings, area_m2, perimeter_m, \
        polsby_popper, dedicated, in_band, parent_code, geom) "
            .to_string();
    inserts::<D>(head, grids.len(), move |i| {
        let g = &grids[i];
        Ok(vec![
            Bound::Int(plan.0),
            Bound::Text(county.clone()),
            Bound::Text(g.level.as_str().to_string()),
            Bound::Text(g.code.clone()),
            Bound::Text(g.name.clone()),
            Bound::Text(g.village_code.clone()),
            Bound::Text(g.village_name.clone()),
            Bound::Text(g.town_code.clone()),
            Bound::Text(g.town_name.clone()),
            Bound::Real(g.population),
            Bound::Real(g.households),
            Bound::Int(g.buildings),
            Bound::Real(g.area_m2),
            Bound::Real(g.perimeter_m),
            Bound::Real(g.polsby_popper),
            Bound::OptText(g.dedicated.clone()),
            Bound::OptBool(g.in_band),
            Bound::OptText(g.parent_code.clone()),
            geometry::<D>("grids", i, &Geometry::MultiPolygon(g.geometry.clone()))?,
        ])
    })
}

/// The INSERTs of a plan's blocks.
pub(crate) fn block_inserts<'a, D: Dialect>(
    plan: PlanId,
    county: CountyCode,
    blocks: &'a [StoredBlock],
) -> impl Iterator<Item = Result<Insert<D::DB>, StoreError>> + 'a {
    let county = county.to_string();
    let head =
        "INSERT INTO blocks (plan_id, county, block_id, village_code, grid_code, population, \
        households, buildings, area_m2, dedicated, geom) "
            .to_string();
    inserts::<D>(head, blocks.len(), move |i| {
        let b = &blocks[i];
        Ok(vec![
            Bound::Int(plan.0),
            Bound::Text(county.clone()),
            Bound::Int(b.block_id),
            Bound::Text(b.village_code.clone()),
            Bound::OptText(b.grid_code.clone()),
            Bound::Real(b.population),
            Bound::Real(b.households),
            Bound::Int(b.buildings),
            Bound::Real(b.area_m2),
            Bound::OptText(b.dedicated.clone()),
            geometry::<D>("blocks", i, &Geometry::MultiPolygon(b.geometry.clone()))?,
        ])
    })
}

/// Bytes a write of these geometries takes in a GeoPackage, roughly: 16 a
/// coordinate and a row's attributes and R-tree entry, then half again for
/// the rollback journal and page slack. For the free-space check only.
pub(crate) fn estimated_bytes(coords: usize, rows: usize) -> u64 {
    ((coords as u64) * 16 + (rows as u64) * 200) * 3 / 2
}

/// The coordinates and rows of the layers an import writes.
pub(crate) fn layers_size(layers: &Layers) -> (usize, usize) {
    use geo::CoordsIter;
    let mut coords = 0;
    let mut rows = 0;
    for &kind in &layers.supplied {
        rows += layers.count(kind);
        coords += match kind {
            LayerKind::Admin => layers.admin.iter().map(|u| u.geometry.coords_count()).sum(),
            LayerKind::Buildings => layers
                .buildings
                .iter()
                .map(|b| b.geometry.coords_count())
                .sum(),
            LayerKind::Roads => layers.roads.iter().map(|r| r.geometry.0.len()).sum(),
            LayerKind::Railways => layers.railways.iter().map(|r| r.geometry.0.len()).sum(),
            LayerKind::Waterways => layers.waterways.iter().map(|r| r.geometry.0.len()).sum(),
            LayerKind::Water => layers.water.iter().map(|r| r.geometry.coords_count()).sum(),
            LayerKind::Sites => layers
                .sites
                .iter()
                .map(|r| r.geometry.coords_count())
                .sum::<usize>(),
            LayerKind::Landuse => layers
                .landuse
                .iter()
                .map(|r| r.geometry.coords_count())
                .sum(),
        };
    }
    (coords, rows)
}

/// The coordinates and rows of a plan.
pub(crate) fn plan_size(grids: &[StoredGrid], blocks: &[StoredBlock]) -> (usize, usize) {
    use geo::CoordsIter;
    let coords = grids
        .iter()
        .map(|g| g.geometry.coords_count())
        .sum::<usize>()
        + blocks
            .iter()
            .map(|b| b.geometry.coords_count())
            .sum::<usize>();
    (coords, grids.len() + blocks.len())
}

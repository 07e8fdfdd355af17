use futures_util::TryStreamExt;
use geo_types::{Geometry, LineString, MultiPolygon};
use partition::model::{
    AdminUnit, Building, DivisionCode, FeatureId, Landuse, PopulationSource, Railway, Road,
    RoadClass, Site, SiteKind, WaterArea, Waterway,
};
use partition::{LayerKind, Layers};
use serde::Serialize;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::GpkgStore;
use super::geometry::decode;
use crate::store::StoreError;
use crate::store::error::SqlContext;

/// One layer as the store describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerInfo {
    pub name: String,
    pub features: u64,
    pub geometry_type: String,
    pub extent: Option<[f64; 4]>,
    pub last_change: String,
}

impl GpkgStore {
    /// Every wangge layer with its feature count and extent.
    pub async fn layers(&self) -> Result<Vec<LayerInfo>, StoreError> {
        let mut out = Vec::new();
        for kind in LayerKind::ALL {
            let table = kind.as_str();
            let features: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                    .fetch_one(&self.pool)
                    .await
                    .ctx(|| format!("counting {table}"))?;
            let row = sqlx::query(
                "SELECT c.min_x, c.min_y, c.max_x, c.max_y, c.last_change, g.geometry_type_name \
                 FROM gpkg_contents c JOIN gpkg_geometry_columns g USING (table_name) WHERE c.table_name = ?",
            )
            .bind(table)
            .fetch_one(&self.pool)
            .await
            .ctx(|| format!("describing {table}"))?;
            let e: [Option<f64>; 4] = [row.get(0), row.get(1), row.get(2), row.get(3)];
            out.push(LayerInfo {
                name: table.to_string(),
                features: features as u64,
                geometry_type: row.get(5),
                extent: match e {
                    [Some(a), Some(b), Some(c), Some(d)] => Some([a, b, c, d]),
                    _ => None,
                },
                last_change: row.get(4),
            });
        }
        Ok(out)
    }

    /// Reads the given layers back into the model.
    pub async fn read_layers(&self, kinds: &[LayerKind]) -> Result<Layers, StoreError> {
        let mut layers = Layers::default();
        for &kind in kinds {
            self.read_layer(kind, &mut layers).await?;
            layers.supplied.insert(kind);
        }
        Ok(layers)
    }

    async fn read_layer(&self, kind: LayerKind, out: &mut Layers) -> Result<(), StoreError> {
        let table = kind.as_str();
        let sql = match kind {
            LayerKind::Admin => {
                "SELECT fid, source_id, geom, code, name, level, population FROM admin ORDER BY fid"
            }
            LayerKind::Buildings => {
                "SELECT fid, source_id, geom, kind, levels, height, population, households, population_source FROM buildings ORDER BY fid"
            }
            LayerKind::Roads => {
                "SELECT fid, source_id, geom, class, highway, name FROM roads ORDER BY fid"
            }
            LayerKind::Landuse => {
                "SELECT fid, source_id, geom, class, name FROM landuse ORDER BY fid"
            }
            LayerKind::Railways => {
                "SELECT fid, source_id, geom, kind, name FROM railways ORDER BY fid"
            }
            LayerKind::Waterways => {
                "SELECT fid, source_id, geom, kind, name FROM waterways ORDER BY fid"
            }
            LayerKind::Water => "SELECT fid, source_id, geom, kind, name FROM water ORDER BY fid",
            LayerKind::Sites => "SELECT fid, source_id, geom, kind, name FROM sites ORDER BY fid",
        };
        // Streamed: a million rows are decoded as they arrive, never held twice.
        let mut rows = sqlx::query(sql).fetch(&self.pool);
        while let Some(row) = rows.try_next().await.ctx(|| format!("reading {table}"))? {
            read_row(kind, &row, out)?;
        }
        Ok(())
    }
}

fn read_row(kind: LayerKind, row: &SqliteRow, out: &mut Layers) -> Result<(), StoreError> {
    let table = kind.as_str();
    let fid: i64 = row.get(0);
    let id = FeatureId(row.get(1));
    let blob: Vec<u8> = row.get(2);
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
    let geom = decode(&blob).map_err(geom_err)?;
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
            let code_text: String = row.get(3);
            let code = DivisionCode::parse(&code_text).map_err(|e| attr_err(e.to_string()))?;
            out.admin.push(AdminUnit {
                id,
                code,
                name: row.get(4),
                level: partition::AdminLevel::parse(row.get::<&str, _>(5))
                    .ok_or_else(|| attr_err("unknown level".into()))?,
                population: row.get(6),
                geometry: area()?,
            });
        }
        LayerKind::Buildings => out.buildings.push(Building {
            id,
            kind: row.get(3),
            levels: row.get(4),
            height: row.get(5),
            population: row.get(6),
            households: row.get(7),
            population_source: row
                .get::<Option<&str>, _>(8)
                .and_then(PopulationSource::parse),
            geometry: area()?,
        }),
        LayerKind::Roads => {
            let class: &str = row.get(3);
            for geometry in lines()? {
                out.roads.push(Road {
                    id: id.clone(),
                    class: RoadClass::parse(class).unwrap_or(RoadClass::Other),
                    highway: row.get(4),
                    name: row.get(5),
                    geometry,
                });
            }
        }
        LayerKind::Railways => {
            for geometry in lines()? {
                out.railways.push(Railway {
                    id: id.clone(),
                    kind: row.get(3),
                    name: row.get(4),
                    geometry,
                });
            }
        }
        LayerKind::Waterways => {
            for geometry in lines()? {
                out.waterways.push(Waterway {
                    id: id.clone(),
                    kind: row.get(3),
                    name: row.get(4),
                    geometry,
                });
            }
        }
        LayerKind::Water => out.water.push(WaterArea {
            id,
            kind: row.get(3),
            name: row.get(4),
            geometry: area()?,
        }),
        LayerKind::Sites => {
            let k: &str = row.get(3);
            out.sites.push(Site {
                id,
                kind: SiteKind::parse(k)
                    .ok_or_else(|| attr_err(format!("unknown site kind {k:?}")))?,
                name: row.get(4),
                geometry: area()?,
            });
        }
        LayerKind::Landuse => out.landuse.push(Landuse {
            id,
            class: row.get(3),
            name: row.get(4),
            geometry: area()?,
        }),
    }
    Ok(())
}

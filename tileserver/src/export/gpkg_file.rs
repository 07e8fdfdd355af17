//! A GeoPackage holding one exported layer, styled and described as in the
//! store (`layer_styles`, `gpkg_data_columns`), in WGS 84 or labelled
//! CGCS2000. Rows go in first and the R-tree is filled from their bounds
//! before its triggers exist, so no SQL functions need registering here;
//! the triggers then keep the index right for whoever edits the file.

use std::path::Path;
use std::str::FromStr;

use geo::BoundingRect;
use geo_types::{Geometry, MultiPolygon};
use serde_json::{Map, Value};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{Connection, SqliteConnection};

use super::ExportError;
use super::columns::{Cell, Column, ExportLayer, Kind, cell};
use super::crs::Crs;
use crate::gis::styles::LayerStyle;
use crate::store::gpkg::geometry::encode_in;

const CORE: &str = include_str!("../../migrations/gpkg/0001_geopackage_core.sql");
const GIS_TABLES: &str = include_str!("gis_tables.sql");

pub struct GpkgFileWriter {
    conn: SqliteConnection,
    table: &'static str,
    columns: Vec<Column>,
    crs: Crs,
    insert: String,
    /// Each row's fid and bounds (min x, max x, min y, max y) for the R-tree.
    index: Vec<(i64, [f64; 4])>,
}

fn db(e: sqlx::Error) -> ExportError {
    ExportError::Write(e.to_string())
}

impl GpkgFileWriter {
    pub async fn create(
        path: &Path,
        layer: ExportLayer,
        columns: Vec<Column>,
        crs: Crs,
    ) -> Result<Self, ExportError> {
        if path.exists() {
            return Err(ExportError::Usage(format!(
                "-o {}: the file exists; wangge does not overwrite a GeoPackage",
                path.display()
            )));
        }
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
            .map_err(db)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Delete);
        let mut conn = SqliteConnection::connect_with(&options).await.map_err(db)?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(CORE))
            .execute(&mut conn)
            .await
            .map_err(db)?;
        if crs == Crs::Cgcs2000 {
            sqlx::query(
                "INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, 4490, 'EPSG', 4490, ?, ?)",
            )
            .bind(crs.name())
            .bind(crs.wkt())
            .bind("CGCS2000 (China Geodetic Coordinate System 2000), longitude/latitude")
            .execute(&mut conn)
            .await
            .map_err(db)?;
        }
        let table = layer.name();
        let mut ddl = format!(
            "CREATE TABLE {table} (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom MULTIPOLYGON NOT NULL"
        );
        for c in &columns {
            let t = match c.kind {
                Kind::Text => "TEXT",
                Kind::Real(_) => "REAL",
                Kind::Integer | Kind::Flag => "INTEGER",
            };
            ddl.push_str(&format!(", \"{}\" {t}", c.field.column));
        }
        ddl.push(')');
        sqlx::query(sqlx::AssertSqlSafe(ddl))
            .execute(&mut conn)
            .await
            .map_err(db)?;
        let marks = vec!["?"; columns.len() + 1].join(", ");
        let names = columns
            .iter()
            .map(|c| format!("\"{}\"", c.field.column))
            .collect::<Vec<_>>()
            .join(", ");
        let insert = format!("INSERT INTO {table} (geom, {names}) VALUES ({marks})");
        sqlx::query("BEGIN").execute(&mut conn).await.map_err(db)?;
        Ok(Self {
            conn,
            table,
            columns,
            crs,
            insert,
            index: Vec::new(),
        })
    }

    pub async fn write(
        &mut self,
        props: &Map<String, Value>,
        geometry: &MultiPolygon<f64>,
    ) -> Result<(), ExportError> {
        let g = Geometry::MultiPolygon(geometry.clone());
        let blob = encode_in(&g, self.crs.epsg()).map_err(ExportError::Write)?;
        let mut q = sqlx::query(sqlx::AssertSqlSafe(self.insert.clone())).bind(blob);
        for c in &self.columns {
            q = match cell(props, c) {
                Cell::Null => q.bind(None::<String>),
                Cell::Text(s) => q.bind(s),
                Cell::Real(x) => q.bind(x),
                Cell::Integer(i) => q.bind(i),
            };
        }
        let fid = q
            .execute(&mut self.conn)
            .await
            .map_err(db)?
            .last_insert_rowid();
        if let Some(r) = geometry.bounding_rect() {
            self.index
                .push((fid, [r.min().x, r.max().x, r.min().y, r.max().y]));
        }
        Ok(())
    }

    /// Registers the layer, builds its index, and writes its styles and
    /// field descriptions.
    pub async fn finish(
        mut self,
        identifier: &str,
        description: &str,
        styles: &[LayerStyle],
    ) -> Result<i64, ExportError> {
        let t = self.table;
        let srs = self.crs.epsg();
        let [min_x, max_x, min_y, max_y] = self
            .index
            .iter()
            .map(|(_, b)| *b)
            .reduce(|a, b| {
                [
                    a[0].min(b[0]),
                    a[1].max(b[1]),
                    a[2].min(b[2]),
                    a[3].max(b[3]),
                ]
            })
            .unwrap_or([0.0; 4]);
        let conn = &mut self.conn;
        sqlx::query(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, max_y, srs_id) \
             VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(t)
        .bind(identifier)
        .bind(description)
        .bind(min_x)
        .bind(min_y)
        .bind(max_x)
        .bind(max_y)
        .bind(srs)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        sqlx::query(
            "INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', ?, 0, 0)",
        )
        .bind(t)
        .bind(srs)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
        // The GeoPackage R-tree extension (F.3): the index, filled from
        // the rows' bounds, then the triggers that keep it.
        let rtree = format!(
            "INSERT INTO gpkg_extensions VALUES ('{t}', 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
             CREATE VIRTUAL TABLE rtree_{t}_geom USING rtree(id, minx, maxx, miny, maxy);
             CREATE TRIGGER rtree_{t}_geom_insert AFTER INSERT ON {t} WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
             BEGIN INSERT OR REPLACE INTO rtree_{t}_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
             CREATE TRIGGER rtree_{t}_geom_update1 AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
             BEGIN INSERT OR REPLACE INTO rtree_{t}_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
             CREATE TRIGGER rtree_{t}_geom_update2 AFTER UPDATE OF geom ON {t} WHEN OLD.fid = NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
             BEGIN DELETE FROM rtree_{t}_geom WHERE id = OLD.fid; END;
             CREATE TRIGGER rtree_{t}_geom_update3 AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
             BEGIN DELETE FROM rtree_{t}_geom WHERE id = OLD.fid; INSERT OR REPLACE INTO rtree_{t}_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
             CREATE TRIGGER rtree_{t}_geom_update4 AFTER UPDATE ON {t} WHEN OLD.fid != NEW.fid AND (NEW.geom IS NULL OR ST_IsEmpty(NEW.geom))
             BEGIN DELETE FROM rtree_{t}_geom WHERE id IN (OLD.fid, NEW.fid); END;
             CREATE TRIGGER rtree_{t}_geom_delete AFTER DELETE ON {t} WHEN old.geom NOT NULL
             BEGIN DELETE FROM rtree_{t}_geom WHERE id = OLD.fid; END;"
        );
        sqlx::raw_sql(sqlx::AssertSqlSafe(rtree))
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        for (fid, [x0, x1, y0, y1]) in &self.index {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO rtree_{t}_geom VALUES (?, ?, ?, ?, ?)"
            )))
            .bind(fid)
            .bind(x0)
            .bind(x1)
            .bind(y0)
            .bind(y1)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        sqlx::raw_sql(GIS_TABLES)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        for c in &self.columns {
            sqlx::query("INSERT INTO gpkg_data_columns (table_name, column_name, name, title, description) VALUES (?, ?, ?, ?, ?)")
                .bind(t)
                .bind(c.field.column)
                .bind(c.field.zh)
                .bind(c.field.title())
                .bind(c.field.description())
                .execute(&mut *conn)
                .await
                .map_err(db)?;
        }
        for s in styles {
            sqlx::query(
                "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner) \
                 VALUES ('', '', ?, 'geom', ?, ?, ?, ?, ?, 'wangge')",
            )
            .bind(t)
            .bind(&s.name)
            .bind(&s.qml)
            .bind(&s.sld)
            .bind(s.default)
            .bind(&s.description)
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        }
        sqlx::query("COMMIT")
            .execute(&mut *conn)
            .await
            .map_err(db)?;
        Ok(self.index.len() as i64)
    }
}

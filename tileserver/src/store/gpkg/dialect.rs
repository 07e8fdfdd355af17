//! How the GeoPackage store binds a row: a geometry is a GeoPackage blob.

use sqlx::Sqlite;
use sqlx::query_builder::Separated;

use crate::store::sql::{Bound, Dialect, push_plain};

pub(crate) struct GpkgSql;

impl Dialect for GpkgSql {
    type DB = Sqlite;
    // SQLite binds at most 32,766 parameters a statement; 400 rows of the
    // widest table (grids, 18 columns) stay far below.
    const ROWS: usize = 400;

    fn encode(g: &geo_types::Geometry<f64>) -> Result<Vec<u8>, String> {
        super::geometry::encode(g)
    }

    const GEOMETRY: &'static str = "geom";

    fn decode(blob: &[u8]) -> Result<geo_types::Geometry<f64>, String> {
        super::geometry::decode(blob)
    }

    fn push(row: &mut Separated<'_, Sqlite, &'static str>, value: Bound) {
        if let Some(blob) = push_plain(row, value) {
            row.push_bind(blob);
        }
    }
}

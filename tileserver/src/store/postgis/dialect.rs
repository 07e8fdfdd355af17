//! How the PostGIS store binds a row: a geometry is WKB handed to
//! `ST_GeomFromWKB` with wangge's SRID.

use sqlx::Postgres;
use sqlx::query_builder::Separated;

use crate::store::sql::{Bound, Dialect, push_plain};

pub(crate) struct PgSql;

impl Dialect for PgSql {
    type DB = Postgres;
    // PostgreSQL binds at most 65,535 parameters a statement; 1,000 rows of
    // the widest table (grids, 18 columns) stay below.
    const ROWS: usize = 1000;

    fn encode(g: &geo_types::Geometry<f64>) -> Result<Vec<u8>, String> {
        super::encode(g)
    }

    const GEOMETRY: &'static str = "ST_AsBinary(geom)";

    fn decode(wkb: &[u8]) -> Result<geo_types::Geometry<f64>, String> {
        super::decode(wkb)
    }

    fn push(row: &mut Separated<'_, Postgres, &'static str>, value: Bound) {
        if let Some(wkb) = push_plain(row, value) {
            row.push("ST_GeomFromWKB(")
                .push_bind_unseparated(wkb)
                .push_unseparated(", 4326)");
        }
    }
}

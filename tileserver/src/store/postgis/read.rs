use futures_util::TryStreamExt;
use partition::model::FeatureId;
use partition::{LayerKind, Layers};
use sqlx::Row;

use super::{PgStore, decode};
use crate::store::error::SqlContext;
use crate::store::rows::{RowCells, read_row, select_columns};
use crate::store::{CountyCode, LayerInfo, StoreError};

impl PgStore {
    /// Every wangge layer with its feature count (of one county, or all)
    /// and extent.
    pub async fn layers(&self, county: Option<CountyCode>) -> Result<Vec<LayerInfo>, StoreError> {
        let mut out = Vec::new();
        for kind in LayerKind::ALL {
            let table = kind.as_str();
            let features: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table} WHERE $1 IS NULL OR county = $1"
            )))
            .bind(county.map(|c| c.to_string()))
            .fetch_one(&self.pool)
            .await
            .ctx(|| format!("counting {table}"))?;
            let geometry_type: String = sqlx::query_scalar(
                "SELECT type FROM geometry_columns WHERE f_table_name = $1 AND f_table_schema = current_schema()",
            )
            .bind(table)
            .fetch_one(&self.pool)
            .await
            .ctx(|| format!("describing {table}"))?;
            let row = sqlx::query(
                "SELECT min_x, min_y, max_x, max_y, last_change FROM wangge_contents WHERE table_name = $1",
            )
            .bind(table)
            .fetch_optional(&self.pool)
            .await
            .ctx(|| format!("describing {table}"))?;
            let (extent, last_change) = match row {
                Some(r) => {
                    let e: [Option<f64>; 4] = [r.get(0), r.get(1), r.get(2), r.get(3)];
                    let extent = match e {
                        [Some(a), Some(b), Some(c), Some(d)] => Some([a, b, c, d]),
                        _ => None,
                    };
                    (extent, r.get(4))
                }
                None => (None, String::new()),
            };
            out.push(LayerInfo {
                name: table.to_string(),
                features: features as u64,
                geometry_type,
                extent,
                last_change,
            });
        }
        Ok(out)
    }

    /// Reads a county's given layers back into the model.
    pub async fn read_layers(
        &self,
        county: CountyCode,
        kinds: &[LayerKind],
    ) -> Result<Layers, StoreError> {
        let mut layers = Layers::default();
        for &kind in kinds {
            let table = kind.as_str();
            let sql = format!(
                "SELECT {} FROM {table} WHERE county = $1 ORDER BY fid",
                select_columns(kind, "ST_AsBinary(geom)")
            );
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(county.to_string())
                .fetch(&self.pool);
            while let Some(row) = rows.try_next().await.ctx(|| format!("reading {table}"))? {
                let fid: i64 = row.get(0);
                let geom =
                    decode(row.get::<&[u8], _>(2)).map_err(|message| StoreError::Geometry {
                        table: table.into(),
                        fid,
                        message,
                    })?;
                read_row(
                    kind,
                    fid,
                    FeatureId(row.get(1)),
                    geom,
                    &RowCells {
                        row: &row,
                        offset: 3,
                    },
                    &mut layers,
                )?;
            }
            layers.supplied.insert(kind);
        }
        Ok(layers)
    }
}

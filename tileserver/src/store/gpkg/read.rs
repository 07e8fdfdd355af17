use futures_util::TryStreamExt;
use partition::model::FeatureId;
use partition::{LayerKind, Layers};
use sqlx::Row;

use super::GpkgStore;
use super::geometry::decode;
use crate::store::error::SqlContext;
use crate::store::rows::{RowCells, read_row, select_columns};
use crate::store::{CountyCode, LayerInfo, StoreError};

impl GpkgStore {
    /// Every wangge layer with its feature count (of one county, or all)
    /// and extent.
    pub async fn layers(&self, county: Option<CountyCode>) -> Result<Vec<LayerInfo>, StoreError> {
        let mut out = Vec::new();
        for kind in LayerKind::ALL {
            let table = kind.as_str();
            let features: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT count(*) FROM {table} WHERE ?1 IS NULL OR county = ?1"
            )))
            .bind(county.map(|c| c.to_string()))
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

    /// Reads a county's given layers back into the model.
    pub async fn read_layers(
        &self,
        county: CountyCode,
        kinds: &[LayerKind],
    ) -> Result<Layers, StoreError> {
        let mut layers = Layers::default();
        for &kind in kinds {
            self.read_layer(county, kind, &mut layers).await?;
            layers.supplied.insert(kind);
        }
        Ok(layers)
    }

    async fn read_layer(
        &self,
        county: CountyCode,
        kind: LayerKind,
        out: &mut Layers,
    ) -> Result<(), StoreError> {
        let table = kind.as_str();
        let sql = format!(
            "SELECT {} FROM {table} WHERE county = ? ORDER BY fid",
            select_columns(kind, "geom")
        );
        // Streamed: a million rows are decoded as they arrive, never held twice.
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(county.to_string())
            .fetch(&self.pool);
        while let Some(row) = rows.try_next().await.ctx(|| format!("reading {table}"))? {
            let fid: i64 = row.get(0);
            let geom = decode(row.get::<&[u8], _>(2)).map_err(|message| StoreError::Geometry {
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
                out,
            )?;
        }
        Ok(())
    }
}

use std::collections::BTreeMap;

use partition::{LayerKind, Layers};
use sqlx::{Postgres, Transaction};

use super::dialect::PgSql;
use super::{CHANGES_CHANNEL, PgStore};
use crate::store::changes::{Change, ChangeFeed, payload};
use crate::store::error::{SqlContext, finish};
use crate::store::import_sql::{now_text, record_import, replace_county_rows};
use crate::store::{CountyCode, ImportRecord, StoreError};

impl PgStore {
    /// Replaces a county's layers in `layers.supplied`, in one transaction;
    /// other counties' rows stay. Other instances hear about it on commit
    /// (`NOTIFY wangge_changes`).
    pub async fn replace_layers(
        &self,
        feed: &ChangeFeed,
        county: CountyCode,
        layers: &Layers,
        record: &ImportRecord,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BTreeMap<LayerKind, u64>, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx(|| "starting the import transaction".into())?;
        let result = async {
            let mut written = BTreeMap::new();
            for &kind in &layers.supplied {
                let n =
                    replace_county_rows::<PgSql>(&mut tx, county, layers, kind, progress).await?;
                update_extent(&mut tx, kind.as_str()).await?;
                written.insert(kind, n);
            }
            record_import(&mut tx, county, record, &written).await?;
            notify(&mut tx, feed, &Change::Layers { county }).await?;
            Ok(written)
        }
        .await;
        finish(tx, result, "the import").await
    }
}

/// Queued in the transaction: PostgreSQL delivers it only on commit.
pub(super) async fn notify(
    tx: &mut Transaction<'static, Postgres>,
    feed: &ChangeFeed,
    change: &Change,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANGES_CHANNEL)
        .bind(payload(feed, change))
        .execute(&mut **tx)
        .await
        .ctx(|| "announcing the change".into())?;
    Ok(())
}

/// What `gpkg_contents` records in the GeoPackage: the layer's extent over
/// every county, and when it last changed.
async fn update_extent(
    tx: &mut Transaction<'static, Postgres>,
    table: &str,
) -> Result<(), StoreError> {
    type Extent = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let e: Option<Extent> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM {table}) s"
    )))
    .fetch_optional(&mut **tx)
    .await
    .ctx(|| format!("measuring the extent of {table}"))?;
    let (a, b, c, d) = e.unwrap_or_default();
    sqlx::query(
        "INSERT INTO wangge_contents (table_name, last_change, min_x, min_y, max_x, max_y) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (table_name) DO UPDATE SET last_change = excluded.last_change, \
         min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y",
    )
    .bind(table)
    .bind(now_text())
    .bind(a)
    .bind(b)
    .bind(c)
    .bind(d)
    .execute(&mut **tx)
    .await
    .ctx(|| format!("updating the extent of {table}"))?;
    Ok(())
}

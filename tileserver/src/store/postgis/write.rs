use std::collections::BTreeMap;

use geo_types::Rect;
use partition::{LayerKind, Layers};
use sqlx::{Postgres, Transaction};

use super::dialect::PgSql;
use super::{CHANGES_CHANNEL, PgStore};
use crate::store::changes::{Change, ChangeFeed, payload};
use crate::store::error::{SqlContext, finish};
use crate::store::sql::layer_inserts;
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
                let n = write_layer(&mut tx, county, layers, kind, progress).await?;
                written.insert(kind, n);
            }
            let layer_json = serde_json::to_string(
                &written
                    .iter()
                    .map(|(k, v)| (k.as_str(), *v))
                    .collect::<BTreeMap<_, _>>(),
            )
            .unwrap_or_default();
            sqlx::query(
                "INSERT INTO wangge_imports (inputs, layers, report, population) VALUES ($1, $2, $3, $4)",
            )
            .bind(serde_json::to_string(&record.inputs).unwrap_or_default())
            .bind(layer_json)
            .bind(&record.report)
            .bind(&record.population)
            .execute(&mut *tx)
            .await
            .ctx(|| "recording the import".into())?;
            for (k, v) in &record.meta {
                sqlx::query("INSERT INTO wangge_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(k)
                    .bind(v)
                    .execute(&mut *tx)
                    .await
                    .ctx(|| format!("saving setting {k}"))?;
            }
            sqlx::query(
                "INSERT INTO counties (code, name, household_size) VALUES ($1, coalesce($2, ''), $3) \
                 ON CONFLICT (code) DO UPDATE SET name = coalesce($2, counties.name), \
                 household_size = coalesce(excluded.household_size, counties.household_size), \
                 imported_at = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')",
            )
            .bind(county.to_string())
            .bind(&record.county_name)
            .bind(record.household_size)
            .execute(&mut *tx)
            .await
            .ctx(|| format!("recording county {county}"))?;
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

async fn write_layer(
    tx: &mut Transaction<'static, Postgres>,
    county: CountyCode,
    layers: &Layers,
    kind: LayerKind,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, StoreError> {
    let table = kind.as_str();
    // Readers see the county's old layer or its new one, never a mix
    // (MVCC); other counties' rows are untouched.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE county = $1"
    )))
    .bind(county.to_string())
    .execute(&mut **tx)
    .await
    .ctx(|| format!("clearing layer {table} of county {county}"))?;
    let mut extent: Option<Rect<f64>> = None;
    let mut n = 0u64;
    for insert in layer_inserts::<PgSql>(county, layers, kind, &mut extent) {
        let mut insert = insert?;
        insert
            .query
            .build()
            .execute(&mut **tx)
            .await
            .ctx(|| format!("writing layer {table}"))?;
        n += insert.rows;
        progress(insert.rows);
    }
    type Extent = (Option<f64>, Option<f64>, Option<f64>, Option<f64>);
    let e: Option<Extent> = sqlx::query_as(
        sqlx::AssertSqlSafe(format!(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) AS e FROM {table}) s"
        )),
    )
    .fetch_optional(&mut **tx)
    .await
    .ctx(|| format!("measuring the extent of {table}"))?;
    let (a, b, c, d) = e.unwrap_or_default();
    sqlx::query(
        "INSERT INTO wangge_contents (table_name, last_change, min_x, min_y, max_x, max_y) \
         VALUES ($1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), $2, $3, $4, $5) \
         ON CONFLICT (table_name) DO UPDATE SET last_change = excluded.last_change, \
         min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y",
    )
    .bind(table)
    .bind(a)
    .bind(b)
    .bind(c)
    .bind(d)
    .execute(&mut **tx)
    .await
    .ctx(|| format!("updating the extent of {table}"))?;
    Ok(n)
}

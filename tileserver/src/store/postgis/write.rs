use std::collections::BTreeMap;

use geo_types::Rect;
use partition::{LayerKind, Layers};
use sqlx::{Postgres, Transaction};

use super::dialect::PgSql;
use super::{CHANGES_CHANNEL, PgStore};
use crate::store::error::SqlContext;
use crate::store::sql::layer_inserts;
use crate::store::{ImportRecord, StoreError};

impl PgStore {
    /// Replaces every layer in `layers.supplied`, in one transaction; other
    /// instances hear about it on commit (`NOTIFY wangge_changes`).
    pub async fn replace_layers(
        &self,
        layers: &Layers,
        record: &ImportRecord,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BTreeMap<LayerKind, u64>, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx(|| "starting the import transaction".into())?;
        let mut written = BTreeMap::new();
        for &kind in &layers.supplied {
            let n = write_layer(&mut tx, layers, kind, progress).await?;
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
        notify(&mut tx, "layers").await?;
        tx.commit().await.ctx(|| "committing the import".into())?;
        Ok(written)
    }
}

/// Queued in the transaction: PostgreSQL delivers it only on commit.
pub(super) async fn notify(
    tx: &mut Transaction<'static, Postgres>,
    what: &str,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANGES_CHANNEL)
        .bind(what)
        .execute(&mut **tx)
        .await
        .ctx(|| "announcing the change".into())?;
    Ok(())
}

async fn write_layer(
    tx: &mut Transaction<'static, Postgres>,
    layers: &Layers,
    kind: LayerKind,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, StoreError> {
    let table = kind.as_str();
    // TRUNCATE holds readers of this table until the commit, so they see
    // the old layer or the new one, never a mix.
    sqlx::query(sqlx::AssertSqlSafe(format!("TRUNCATE {table}")))
        .execute(&mut **tx)
        .await
        .ctx(|| format!("clearing layer {table}"))?;
    let mut extent: Option<Rect<f64>> = None;
    let mut n = 0u64;
    for insert in layer_inserts::<PgSql>(layers, kind, &mut extent) {
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
    let e = extent.map(|e| [e.min().x, e.min().y, e.max().x, e.max().y]);
    sqlx::query(
        "INSERT INTO wangge_contents (table_name, last_change, min_x, min_y, max_x, max_y) \
         VALUES ($1, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), $2, $3, $4, $5) \
         ON CONFLICT (table_name) DO UPDATE SET last_change = excluded.last_change, \
         min_x = excluded.min_x, min_y = excluded.min_y, max_x = excluded.max_x, max_y = excluded.max_y",
    )
    .bind(table)
    .bind(e.map(|e| e[0]))
    .bind(e.map(|e| e[1]))
    .bind(e.map(|e| e[2]))
    .bind(e.map(|e| e[3]))
    .execute(&mut **tx)
    .await
    .ctx(|| format!("updating the extent of {table}"))?;
    Ok(n)
}

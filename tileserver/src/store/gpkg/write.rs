use std::collections::BTreeMap;

use geo_types::Rect;
use partition::{LayerKind, Layers};
use sqlx::{Sqlite, Transaction};

use super::GpkgStore;
use super::dialect::GpkgSql;
use crate::store::error::SqlContext;
use crate::store::sql::layer_inserts;
use crate::store::{ImportRecord, StoreError};

impl GpkgStore {
    /// Replaces every layer in `layers.supplied` with the given features, in
    /// one transaction: if anything fails or the process dies, the store
    /// keeps its previous content. `progress` is called with rows written.
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
            "INSERT INTO wangge_imports (inputs, layers, report, population) VALUES (?, ?, ?, ?)",
        )
        .bind(serde_json::to_string(&record.inputs).unwrap_or_default())
        .bind(layer_json)
        .bind(&record.report)
        .bind(&record.population)
        .execute(&mut *tx)
        .await
        .ctx(|| "recording the import".into())?;
        for (k, v) in &record.meta {
            sqlx::query("INSERT INTO wangge_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value")
                .bind(k)
                .bind(v)
                .execute(&mut *tx)
                .await
                .ctx(|| format!("saving setting {k}"))?;
        }
        tx.commit().await.ctx(|| "committing the import".into())?;
        Ok(written)
    }
}

async fn write_layer(
    tx: &mut Transaction<'static, Sqlite>,
    layers: &Layers,
    kind: LayerKind,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, StoreError> {
    let table = kind.as_str();
    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
        .execute(&mut **tx)
        .await
        .ctx(|| format!("clearing layer {table}"))?;
    let mut extent: Option<Rect<f64>> = None;
    let mut n = 0u64;
    for insert in layer_inserts::<GpkgSql>(layers, kind, &mut extent) {
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
    let (min_x, min_y, max_x, max_y) = extent
        .map(|e| {
            (
                Some(e.min().x),
                Some(e.min().y),
                Some(e.max().x),
                Some(e.max().y),
            )
        })
        .unwrap_or_default();
    sqlx::query(
        "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, \
         last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
    )
    .bind(min_x)
    .bind(min_y)
    .bind(max_x)
    .bind(max_y)
    .bind(table)
    .execute(&mut **tx)
    .await
    .ctx(|| format!("updating the extent of {table}"))?;
    Ok(n)
}

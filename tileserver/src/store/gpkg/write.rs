use std::collections::BTreeMap;

use geo::BoundingRect;
use geo_types::Rect;
use partition::{LayerKind, Layers};
use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::GpkgStore;
use super::geometry::encode;
use crate::store::error::SqlContext;
use crate::store::rows::{Val, columns_of, row_at};
use crate::store::{ImportRecord, StoreError};

/// Rows per INSERT statement: one statement per row would spend most of a
/// large import crossing to sqlx's worker thread.
const ROWS_PER_STATEMENT: usize = 400;

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
    let columns = columns_of(kind);
    let total = layers.count(kind);
    let mut extent: Option<Rect<f64>> = None;
    let mut n = 0u64;
    for start in (0..total).step_by(ROWS_PER_STATEMENT) {
        let end = (start + ROWS_PER_STATEMENT).min(total);
        let mut encoded = Vec::with_capacity(end - start);
        for (source_id, vals, geom) in (start..end).map(|i| row_at(layers, kind, i)) {
            let blob = encode(&geom).map_err(|message| StoreError::Geometry {
                table: table.into(),
                fid: n as i64,
                message,
            })?;
            if let Some(r) = geom.bounding_rect() {
                extent = Some(match extent {
                    None => r,
                    Some(e) => Rect::new(
                        (e.min().x.min(r.min().x), e.min().y.min(r.min().y)),
                        (e.max().x.max(r.max().x), e.max().y.max(r.max().y)),
                    ),
                });
            }
            encoded.push((source_id, vals, blob));
        }
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "INSERT INTO {table} (source_id, {}, geom) ",
            columns.join(", ")
        ));
        qb.push_values(encoded, |mut b, (source_id, vals, blob)| {
            b.push_bind(source_id);
            for v in vals {
                match v {
                    Val::Text(t) => b.push_bind(t),
                    Val::Num(x) => b.push_bind(x),
                };
            }
            b.push_bind(blob);
        });
        qb.build()
            .execute(&mut **tx)
            .await
            .ctx(|| format!("writing layer {table}"))?;
        n += (end - start) as u64;
        progress((end - start) as u64);
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

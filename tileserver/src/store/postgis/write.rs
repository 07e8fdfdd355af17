use std::collections::BTreeMap;

use geo::BoundingRect;
use geo_types::Rect;
use partition::{LayerKind, Layers};
use sqlx::{Postgres, QueryBuilder, Transaction};

use super::{CHANGES_CHANNEL, PgStore, encode};
use crate::store::error::SqlContext;
use crate::store::rows::{Val, columns_of, row_at};
use crate::store::{ImportRecord, StoreError};

/// Rows per INSERT: PostgreSQL allows 65,535 bound parameters a statement.
const ROWS_PER_STATEMENT: usize = 1000;

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
    let columns = columns_of(kind);
    let total = layers.count(kind);
    let mut extent: Option<Rect<f64>> = None;
    let mut n = 0u64;
    for start in (0..total).step_by(ROWS_PER_STATEMENT) {
        let end = (start + ROWS_PER_STATEMENT).min(total);
        let mut encoded = Vec::with_capacity(end - start);
        for (source_id, vals, geom) in (start..end).map(|i| row_at(layers, kind, i)) {
            let wkb = encode(&geom).map_err(|message| StoreError::Geometry {
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
            encoded.push((source_id, vals, wkb));
        }
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "INSERT INTO {table} (source_id, {}, geom) ",
            columns.join(", ")
        ));
        qb.push_values(encoded, |mut b, (source_id, vals, wkb)| {
            b.push_bind(source_id);
            for v in vals {
                match v {
                    Val::Text(t) => b.push_bind(t),
                    Val::Num(x) => b.push_bind(x),
                };
            }
            b.push("ST_GeomFromWKB(")
                .push_bind_unseparated(wkb)
                .push_unseparated(", 4326)");
        });
        qb.build()
            .execute(&mut **tx)
            .await
            .ctx(|| format!("writing layer {table}"))?;
        n += (end - start) as u64;
        progress((end - start) as u64);
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

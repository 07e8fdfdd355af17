use std::collections::BTreeMap;

use geo_types::Rect;
use partition::{LayerKind, Layers};
use sqlx::{Sqlite, Transaction};

use super::GpkgStore;
use super::dialect::GpkgSql;
use crate::store::error::{SqlContext, finish};
use crate::store::sql::{estimated_bytes, layer_inserts, layers_size};
use crate::store::{CountyCode, ImportRecord, StoreError};

impl GpkgStore {
    /// Replaces a county's layers in `layers.supplied` with the given
    /// features, in one transaction: if anything fails or the process dies,
    /// the store keeps its previous content. Other counties' rows stay.
    /// `progress` is called with rows written.
    pub async fn replace_layers(
        &self,
        county: CountyCode,
        layers: &Layers,
        record: &ImportRecord,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BTreeMap<LayerKind, u64>, StoreError> {
        let (coords, rows) = layers_size(layers);
        self.check_space(estimated_bytes(coords, rows), "the import")?;
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
            sqlx::query(
                "INSERT INTO counties (code, name, household_size) VALUES (?, coalesce(?, ''), ?) \
                 ON CONFLICT(code) DO UPDATE SET name = coalesce(?, counties.name), \
                 household_size = coalesce(excluded.household_size, counties.household_size), \
                 imported_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')",
            )
            .bind(county.to_string())
            .bind(&record.county_name)
            .bind(record.household_size)
            .bind(&record.county_name)
            .execute(&mut *tx)
            .await
            .ctx(|| format!("recording county {county}"))?;
            Ok(written)
        }
        .await;
        let result = finish(tx, result, "the import").await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }
}

async fn write_layer(
    tx: &mut Transaction<'static, Sqlite>,
    county: CountyCode,
    layers: &Layers,
    kind: LayerKind,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, StoreError> {
    let table = kind.as_str();
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE county = ?"
    )))
    .bind(county.to_string())
    .execute(&mut **tx)
    .await
    .ctx(|| format!("clearing layer {table} of county {county}"))?;
    let mut extent: Option<Rect<f64>> = None;
    let mut n = 0u64;
    for insert in layer_inserts::<GpkgSql>(county, layers, kind, &mut extent) {
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
    // The extent covers every county's rows: the R-tree holds them all.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE gpkg_contents SET min_x = (SELECT min(minx) FROM rtree_{table}_geom), \
         min_y = (SELECT min(miny) FROM rtree_{table}_geom), \
         max_x = (SELECT max(maxx) FROM rtree_{table}_geom), \
         max_y = (SELECT max(maxy) FROM rtree_{table}_geom), \
         last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = '{table}'"
    )))
    .execute(&mut **tx)
    .await
    .ctx(|| format!("updating the extent of {table}"))?;
    Ok(n)
}

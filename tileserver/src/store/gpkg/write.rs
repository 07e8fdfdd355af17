use std::collections::BTreeMap;

use partition::{LayerKind, Layers};
use sqlx::{Sqlite, Transaction};

use super::GpkgStore;
use super::dialect::GpkgSql;
use crate::store::error::{SqlContext, finish};
use crate::store::import_sql::{record_import, replace_county_rows};
use crate::store::sql::{estimated_bytes, layers_size};
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
                let n =
                    replace_county_rows::<GpkgSql>(&mut tx, county, layers, kind, progress).await?;
                update_extent(&mut tx, kind.as_str()).await?;
                written.insert(kind, n);
            }
            record_import(&mut tx, county, record, &written).await?;
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

/// The extent in `gpkg_contents` covers every county's rows: the R-tree
/// holds them all.
pub(super) async fn update_extent(
    tx: &mut Transaction<'static, Sqlite>,
    table: &str,
) -> Result<(), StoreError> {
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
    Ok(())
}

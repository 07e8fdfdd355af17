use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context;
use partition::import::ImportReport;
use partition::population::PopulationSummary;
use partition::{LayerKind, Layers};
use tileserver::store::{GpkgStore, ImportRecord};

use super::progress;

/// Writes the supplied layers to a GeoPackage in one transaction and
/// records the import; returns rows written per layer.
pub fn write_layers(
    store_path: &Path,
    layers: &Layers,
    report: &ImportReport,
    population: &PopulationSummary,
    inputs: Vec<String>,
    meta: BTreeMap<String, String>,
) -> anyhow::Result<BTreeMap<LayerKind, u64>> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = GpkgStore::create_or_open(store_path)
            .await
            .with_context(|| format!("opening store {}", store_path.display()))?;
        let total: u64 = layers
            .supplied
            .iter()
            .map(|k| layers.count(*k) as u64)
            .sum();
        let pb = progress::bar(total, format!("writing {}", store_path.display()));
        let record = ImportRecord {
            inputs,
            report: serde_json::to_string(report).context("encoding the import report")?,
            population: Some(
                serde_json::to_string(population).context("encoding the population summary")?,
            ),
            meta,
        };
        let written = store
            .replace_layers(layers, &record, &|n| pb.inc(n))
            .await
            .with_context(|| {
                format!("writing to {} (nothing was changed)", store_path.display())
            })?;
        pb.finish_and_clear();
        store.close().await;
        Ok(written)
    })
}

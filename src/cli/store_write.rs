use std::collections::BTreeMap;

use anyhow::Context;
use partition::import::ImportReport;
use partition::population::PopulationSummary;
use partition::{LayerKind, Layers};
use tileserver::store::ImportRecord;

use super::progress;

/// Writes the supplied layers to a GeoPackage in one transaction and
/// records the import; returns rows written per layer.
pub fn write_layers(
    store_arg: &super::store_arg::StoreArg,
    layers: &Layers,
    report: &ImportReport,
    population: &PopulationSummary,
    inputs: Vec<String>,
    meta: BTreeMap<String, String>,
) -> anyhow::Result<BTreeMap<LayerKind, u64>> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = store_arg.create_or_open().await?;
        let total: u64 = layers
            .supplied
            .iter()
            .map(|k| layers.count(*k) as u64)
            .sum();
        let pb = progress::bar(total, format!("writing {}", store_arg.shown()));
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
            .with_context(|| format!("writing to {} (nothing was changed)", store_arg.shown()))?;
        pb.finish_and_clear();
        store.close().await;
        Ok(written)
    })
}

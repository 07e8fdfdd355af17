use std::collections::BTreeMap;

use anyhow::Context;
use partition::import::ImportReport;
use partition::population::PopulationSummary;
use partition::{LayerKind, Layers};
use tileserver::store::{CountyCode, ImportRecord};

use super::progress;

/// Writes a county's supplied layers to a store in one transaction and
/// records the import; returns rows written per layer. The store is closed
/// (a failed transaction rolled back) before this returns, on every path.
pub fn write_layers(
    store_arg: &super::store_arg::StoreArg,
    county: CountyCode,
    layers: &Layers,
    report: &ImportReport,
    population: &PopulationSummary,
    inputs: Vec<String>,
    household_size: f64,
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
            county_name: None,
            household_size: Some(household_size),
            inputs,
            report: serde_json::to_string(report).unwrap_or_default(),
            population: serde_json::to_string(population).ok(),
            meta: BTreeMap::new(),
        };
        let written = store
            .replace_layers(county, layers, &record, &|n| pb.inc(n))
            .await;
        pb.finish_and_clear();
        store.close().await;
        written.with_context(|| format!("writing to {} (nothing was changed)", store_arg.shown()))
    })
}

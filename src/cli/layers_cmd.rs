use clap::Args;

#[derive(Debug, Args)]
pub struct LayersArgs {
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    /// Count only this county's features (default: every county's).
    #[command(flatten)]
    county: super::store_arg::CountyArg,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(a: LayersArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = a.store.open().await?;
        let county = a.county.code()?;
        let layers = store.layers(county).await;
        let counties = store.counties().await;
        store.close().await;
        let (layers, counties) = (layers?, counties?);
        if a.json {
            println!("{}", serde_json::to_string_pretty(&layers)?);
        } else {
            println!(
                "{:<10} {:>10}  {:<13} extent (lon/lat)",
                "layer", "features", "geometry"
            );
            for l in layers {
                let extent = l
                    .extent
                    .map(|e| format!("{:.5},{:.5} – {:.5},{:.5}", e[0], e[1], e[2], e[3]))
                    .unwrap_or_else(|| "–".into());
                println!(
                    "{:<10} {:>10}  {:<13} {extent}",
                    l.name, l.features, l.geometry_type
                );
            }
            let names: Vec<String> = counties
                .iter()
                .map(|c| format!("{} {}", c.code, c.name).trim().to_string())
                .collect();
            println!(
                "counties: {}",
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            );
        }
        Ok(())
    })
}

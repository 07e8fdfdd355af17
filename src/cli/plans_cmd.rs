use clap::Args;

#[derive(Debug, Args)]
pub struct PlansArgs {
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    /// Make this plan the active one.
    #[arg(long, value_name = "PLAN")]
    activate: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(a: PlansArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = a.store.open().await?;
        if let Some(sel) = &a.activate {
            let id = store.resolve_plan(sel).await?;
            store.activate_plan(id).await?;
            println!("plan {id} is now active");
        }
        let plans = store.plans().await?;
        if a.json {
            println!("{}", serde_json::to_string_pretty(&plans)?);
        } else if plans.is_empty() {
            println!(
                "no plans yet: run `wangge partition` on {}",
                a.store.shown()
            );
        } else {
            println!(
                "{:>4}  {:<6} {:>6} {:>6}  {:<24} name",
                "id", "active", "grids", "cells", "created"
            );
            for p in &plans {
                println!(
                    "{:>4}  {:<6} {:>6} {:>6}  {:<24} {}",
                    p.id,
                    if p.active { "yes" } else { "" },
                    p.grids,
                    p.cells,
                    p.created_at,
                    p.name
                );
            }
        }
        store.close().await;
        Ok(())
    })
}

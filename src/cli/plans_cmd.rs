use anyhow::bail;
use clap::Args;
use tileserver::store::Store;

#[derive(Debug, Args)]
pub struct PlansArgs {
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    /// Only this county's plans; with `--activate active`, whose.
    #[command(flatten)]
    county: super::store_arg::CountyArg,
    /// Make this plan its county's active one.
    #[arg(long, value_name = "PLAN")]
    activate: Option<String>,
    /// Delete this plan (not the active one) with its grids and blocks.
    #[arg(long, value_name = "PLAN", conflicts_with = "activate")]
    delete: Option<String>,
    /// Also give each plan's grids and cells a GIS layer of their own
    /// (views `plan_<id>_grids`, `plan_<id>_cells`, styled), beside
    /// `active_grids` and `active_cells`.
    #[arg(long)]
    views: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(a: PlansArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = a.store.open().await?;
        super::store_arg::with_store(store, async |store| plans(&a, store).await).await
    })
}

async fn plans(a: &PlansArgs, store: &Store) -> anyhow::Result<()> {
    if let Some(sel) = &a.activate {
        let id = store.resolve_plan(a.county.plan(store, sel).await?).await?;
        let county = store.activate_plan(id).await?;
        println!("plan {id} is now county {county}'s active plan");
    }
    if let Some(sel) = &a.delete {
        if sel == "active" {
            bail!("--delete active: the active plan cannot be deleted; activate another first");
        }
        let id = store.resolve_plan(a.county.plan(store, sel).await?).await?;
        let county = store.delete_plan(id).await?;
        println!("deleted plan {id} of county {county} with its grids and blocks");
    }
    if a.views {
        let views = store.create_plan_views().await?;
        eprintln!("GIS layers of each plan: {}", views.join(", "));
    }
    let only = a.county.code()?;
    let plans: Vec<_> = store
        .plans()
        .await?
        .into_iter()
        .filter(|p| only.is_none_or(|c| c == p.county))
        .collect();
    if a.json {
        println!("{}", serde_json::to_string_pretty(&plans)?);
    } else if plans.is_empty() {
        println!(
            "no plans yet: run `wangge partition` on {}",
            a.store.shown()
        );
    } else {
        println!(
            "{:>4}  {:<6} {:<6} {:>6} {:>6}  {:<24} name",
            "id", "county", "active", "grids", "cells", "created"
        );
        for p in &plans {
            println!(
                "{:>4}  {:<6} {:<6} {:>6} {:>6}  {:<24} {}",
                p.id,
                p.county,
                if p.active { "yes" } else { "" },
                p.grids,
                p.cells,
                p.created_at,
                p.name
            );
        }
    }
    Ok(())
}

//! `wangge workers …`: the roster of grid workers — import from CSV or
//! JSON, list with the latest positions.

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use ops::roster;

#[derive(Debug, Args)]
pub struct WorkersArgs {
    #[command(subcommand)]
    command: WorkersCommand,
}

#[derive(Debug, Subcommand)]
enum WorkersCommand {
    /// Add or update workers from a CSV (header id,name,role,grids[,phone];
    /// grid codes separated by ';') or a JSON array of the same fields.
    Import {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        /// The roster file, .csv or .json.
        file: std::path::PathBuf,
        /// The county the workers serve (default: the store's only county).
        #[arg(long)]
        county: Option<String>,
    },
    /// List workers with their latest position.
    List {
        #[command(flatten)]
        store: super::store_arg::StoreArg,
        #[arg(long)]
        county: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// A roster file is small: anything bigger is not one.
const MAX_ROSTER_BYTES: u64 = 32 * 1024 * 1024;

fn read_roster(path: &std::path::Path) -> anyhow::Result<Vec<roster::Worker>> {
    let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    if meta.len() > MAX_ROSTER_BYTES {
        bail!(
            "{}: {} bytes is not a roster (at most 32 MiB)",
            path.display(),
            meta.len()
        );
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        || text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('[');
    let r = if json {
        roster::from_json(&text)
    } else {
        roster::from_csv(&text)
    };
    r.with_context(|| format!("{}", path.display()))
}

pub fn run(a: WorkersArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    rt.block_on(async {
        match a.command {
            WorkersCommand::Import {
                store,
                file,
                county,
            } => {
                let workers = read_roster(&file)?;
                store.check_writable()?;
                let st = store.open().await?;
                super::store_arg::with_store(st, async |st| {
                    let county = st.county(county.as_deref().map(str::parse).transpose()?).await?;
                    let cs = county.to_string();
                    if let Some(w) = workers.iter().find(|w| w.grids.iter().any(|g| !g.starts_with(&cs))) {
                        bail!("worker {} is assigned grids outside county {county}", w.id);
                    }
                    let written = st.upsert_workers(county, &workers).await?;
                    super::accounts_cmd::audit(
                        st,
                        "workers.import",
                        format!("county:{county} added:{} updated:{}", written.added, written.updated),
                    )
                    .await;
                    println!(
                        "county {county}: {} workers added, {} updated",
                        written.added, written.updated
                    );
                    // Codes the plan in force does not have.
                    if let Ok(plan) = st.resolve_plan(tileserver::store::PlanSelector::Active(county)).await {
                        let grids = st.plan_grids(plan, tileserver::store::GridLevel::Grid).await?;
                        let codes: std::collections::HashSet<&str> =
                            grids.iter().map(|g| g.code.as_str()).collect();
                        for (w, gone) in roster::stale_assignments(&workers, |c| codes.contains(c)) {
                            eprintln!(
                                "warning: worker {w} is assigned codes the plan in force does not have: {}",
                                gone.join(", ")
                            );
                        }
                    } else {
                        eprintln!("note: county {county} has no plan in force yet; grid codes are not checked");
                    }
                    Ok(())
                })
                .await
            }
            WorkersCommand::List {
                store,
                county,
                json,
            } => {
                let st = store.open().await?;
                super::store_arg::with_store(st, async |st| {
                    let county = match county {
                        Some(c) => Some(st.county(Some(c.parse()?)).await?),
                        None => None,
                    };
                    let workers = st.workers(county).await?;
                    let latest: std::collections::HashMap<_, _> = st
                        .latest_fixes(county)
                        .await?
                        .into_iter()
                        .map(|f| (f.worker.clone(), f))
                        .collect();
                    if json {
                        let rows: Vec<serde_json::Value> = workers
                            .iter()
                            .map(|w| {
                                let mut v = serde_json::to_value(w).unwrap_or_default();
                                v["latest"] = serde_json::to_value(latest.get(&w.worker.id)).unwrap_or_default();
                                v
                            })
                            .collect();
                        println!("{}", serde_json::to_string_pretty(&rows)?);
                    } else {
                        println!("{:<16} {:<10} {:<8} {:<12} {:<26} grids", "id", "name", "county", "role", "latest fix");
                        for w in &workers {
                            println!(
                                "{:<16} {:<10} {:<8} {:<12} {:<26} {}",
                                w.worker.id.as_str(),
                                w.worker.name,
                                w.county,
                                w.worker.role.chinese(),
                                latest.get(&w.worker.id).map(|f| f.time.rfc3339()).unwrap_or_else(|| "-".into()),
                                w.worker.grids.join(";")
                            );
                        }
                    }
                    Ok(())
                })
                .await
            }
        }
    })
}

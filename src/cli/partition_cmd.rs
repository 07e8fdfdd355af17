use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use partition::blocks::BlockParams;
use partition::grids::{Band, BandSet};
use partition::model::{DivisionCode, RoadClass};
use partition::plan::Report;
use tileserver::planning::{PlanRequest, partition_store};

use super::progress;

#[derive(Debug, Args)]
pub struct PartitionArgs {
    /// The store to partition (after `wangge import`).
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    #[command(flatten)]
    county: super::store_arg::CountyArg,
    #[command(flatten)]
    write: super::store_arg::WriteArgs,
    /// Grid size band: residents:LO-HI or households:LO-HI.
    #[arg(long, default_value = "residents:1000-2000")]
    band: String,
    /// Band for rural villages (村, codes x2xx–x3xx), if different.
    #[arg(long)]
    rural_band: Option<String>,
    /// Band for one village: CODE=BAND (repeatable).
    #[arg(long = "village-band", value_name = "CODE=BAND")]
    village_bands: Vec<String>,
    /// Least important road class that bounds blocks.
    #[arg(long, default_value = "residential")]
    min_road_class: String,
    /// Special sites at least this large (m²) get dedicated grids.
    #[arg(long, default_value_t = BlockParams::default().dedicated_min_m2)]
    dedicated_min_m2: f64,
    /// Keep the grids of this plan (id or `active`) that still meet the rules.
    #[arg(long, value_name = "PLAN")]
    from: Option<String>,
    /// A name for the plan.
    #[arg(long)]
    name: Option<String>,
    /// Save the plan without making it the active one.
    #[arg(long)]
    no_activate: bool,
    /// Also split every grid into unit cells (单元格).
    #[arg(long)]
    cells: bool,
    /// Cell size band.
    #[arg(long, default_value = "households:30-50", requires = "cells")]
    cell_band: String,
    /// Also write the report as JSON here.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

fn parse_bands(a: &PartitionArgs) -> anyhow::Result<BandSet> {
    let default = Band::parse(&a.band)
        .map_err(anyhow::Error::msg)
        .context("--band")?;
    let mut set = BandSet::uniform(default);
    if let Some(r) = &a.rural_band {
        set.rural = Some(
            Band::parse(r)
                .map_err(anyhow::Error::msg)
                .context("--rural-band")?,
        );
    }
    for vb in &a.village_bands {
        let (code, band) = vb
            .split_once('=')
            .with_context(|| format!("--village-band {vb:?} is not CODE=BAND"))?;
        let code = DivisionCode::parse(code).with_context(|| format!("--village-band {vb:?}"))?;
        let band = Band::parse(band)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--village-band {vb:?}"))?;
        set.villages.insert(code, band);
    }
    Ok(set)
}

pub fn run(a: PartitionArgs) -> anyhow::Result<()> {
    let bands = parse_bands(&a)?;
    let cell_band = Band::parse(&a.cell_band)
        .map_err(anyhow::Error::msg)
        .context("--cell-band")?;
    let min_road_class = RoadClass::parse(&a.min_road_class).with_context(|| {
        let known: Vec<_> = RoadClass::ALL.iter().map(|c| c.as_str()).collect();
        format!(
            "--min-road-class {:?}: known classes {}",
            a.min_road_class,
            known.join(", ")
        )
    })?;
    a.store.check_writable()?;
    let rt = super::runtime()?;
    rt.block_on(async {
        let mut store = a.store.open().await?;
        a.write.apply(&mut store);
        let prepared = async {
            let county = a.county.resolve(&store).await?;
            let from = match &a.from {
                Some(f) => Some(a.county.plan(&store, f).await?),
                None => None,
            };
            Ok::<_, anyhow::Error>((county, from))
        }
        .await;
        let (county, from) = match prepared {
            Ok(x) => x,
            Err(e) => {
                store.close().await;
                return Err(e);
            }
        };
        let req = PlanRequest {
            county: Some(county),
            bands,
            min_road_class,
            dedicated_min_m2: a.dedicated_min_m2,
            from,
            cells: a.cells.then_some(cell_band),
            name: a.name.clone(),
            activate: !a.no_activate,
        };
        let pb = progress::spinner("partitioning");
        let spinner = pb.clone();
        let stage: Arc<dyn Fn(&str) + Send + Sync> =
            Arc::new(move |s: &str| spinner.set_message(format!("partitioning: {s}")));
        let outcome = partition_store(&store, &req, stage).await;
        pb.finish_and_clear();
        // Closed before anything else: a failed save's rollback completes.
        store.close().await;
        let outcome = outcome
            .with_context(|| format!("partitioning {} (nothing was changed)", a.store.shown()))?;
        println!("county {}", outcome.county);
        print_report(
            outcome.id.0,
            &outcome.name,
            req.activate,
            &outcome.report,
            outcome.seconds,
        );
        if let Some(path) = &a.report {
            std::fs::write(path, serde_json::to_vec_pretty(&outcome.report)?)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    })
}

fn print_report(id: i64, name: &str, active: bool, r: &Report, secs: f64) {
    println!(
        "plan {id} \"{name}\"{}: {} grids + {} dedicated in {} villages, from {} blocks",
        if active { " (active)" } else { "" },
        r.grids,
        r.dedicated_grids,
        r.villages,
        r.blocks
    );
    println!(
        "in band ({}): {:.1} % of grids in feasible villages, {:.1} % of all",
        r.band,
        r.in_band_feasible * 100.0,
        r.in_band * 100.0
    );
    println!(
        "residents per grid: min {:.0}, mean {:.0}, max {:.0}; households: min {:.0}, mean {:.0}, max {:.0}",
        r.residents_min,
        r.residents_mean,
        r.residents_max,
        r.households_min,
        r.households_mean,
        r.households_max
    );
    println!(
        "residents in grids: {:.0} of {:.0} ({:.2} %); buildings {} of {}",
        r.residents_in_grids,
        r.residents_total,
        r.resident_share() * 100.0,
        r.buildings_in_grids,
        r.buildings_total
    );
    for b in r.buildings_left_out.iter().take(10) {
        println!(
            "  in no grid: {} ({:.0} residents): {}",
            b.id, b.residents, b.reason
        );
    }
    println!(
        "largest deviation from the band midpoint: {:.1} %",
        r.max_deviation_pct
    );
    println!(
        "compactness (Polsby-Popper): mean {:.2}, 10th percentile {:.2}",
        r.polsby_popper_mean, r.polsby_popper_p10
    );
    println!(
        "boundary between grids on roads, railways or rivers: {:.1} %",
        r.road_share * 100.0
    );
    println!(
        "gap {:.1} m², overlap {:.1} m²; non-contiguous grids {}; buildings cut by grid boundaries {}",
        r.gap_m2, r.overlap_m2, r.noncontiguous, r.buildings_cut
    );
    if r.input_village_overlap_m2 > 1.0 {
        println!(
            "note: the input's villages overlap each other by {:.1} m² (each overlap went to one village)",
            r.input_village_overlap_m2
        );
    }
    if r.kept_from_previous > 0 {
        println!(
            "kept from the earlier plan: {} grids with their codes",
            r.kept_from_previous
        );
    }
    if !r.infeasible_parents.is_empty() {
        println!(
            "villages whose grids cannot all be in band ({}):",
            r.infeasible_parents.len()
        );
        for p in r.infeasible_parents.iter().take(20) {
            println!("  {} {} ({:.0}): {}", p.code, p.name, p.value, p.reason);
        }
    }
    if let Some(c) = &r.cells {
        println!(
            "unit cells ({}): {} cells, {:.1} % in band (grids below the band left out), households min {:.0}, mean {:.0}, max {:.0}; {:.2} s",
            c.band,
            c.cells,
            c.in_band * 100.0,
            c.households_min,
            c.households_mean,
            c.households_max,
            c.seconds
        );
    }
    let stages: Vec<String> = r
        .stages
        .iter()
        .map(|s| format!("{} {:.2} s", s.stage, s.seconds))
        .collect();
    println!("time: {} (total {secs:.2} s)", stages.join(", "));
}

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use partition::LayerKind;
use partition::blocks::BlockParams;
use partition::grids::{Band, BandSet};
use partition::model::{AdminLevel, DivisionCode, RoadClass};
use partition::plan::{PartitionParams, PreviousGrid, Report, run_partition};
use tileserver::store::{NewPlan, StoredBlock, StoredGrid};

use super::progress;

#[derive(Debug, Args)]
pub struct PartitionArgs {
    /// The store to partition (after `wangge import`).
    #[command(flatten)]
    store: super::store_arg::StoreArg,
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
    let mut params = PartitionParams::for_bands(bands);
    params.blocks.min_road_class = min_road_class;
    params.blocks.dedicated_min_m2 = a.dedicated_min_m2;
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = a.store.open().await?;
        let t = Instant::now();
        // Land use plays no part in the partition.
        let wanted = [LayerKind::Admin, LayerKind::Buildings, LayerKind::Roads, LayerKind::Railways, LayerKind::Waterways, LayerKind::Water, LayerKind::Sites];
        let layers = store.read_layers(&wanted).await?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), buildings = layers.buildings.len(), "read the layers");
        if !layers.admin.iter().any(|u| u.level == AdminLevel::Village) {
            bail!("{} has no villages; import admin units (or any layer, for one default unit) first", a.store.shown());
        }
        let (previous, parent_id) = match &a.from {
            Some(sel) => {
                let id = store.resolve_plan(sel).await?;
                let grids = store.plan_grids(id, "grid").await?;
                let prev = grids
                    .into_iter()
                    .filter_map(|g| {
                        Some(PreviousGrid {
                            village_code: DivisionCode::parse(&g.village_code).ok()?,
                            dedicated: g.dedicated.is_some(),
                            population: g.population,
                            households: g.households,
                            code: g.code,
                            geometry: g.geometry,
                        })
                    })
                    .collect::<Vec<_>>();
                (prev, Some(id))
            }
            None => (Vec::new(), None),
        };
        let started = Instant::now();
        let pb = progress::spinner("partitioning");
        let mut result = run_partition(&layers, &params, &previous, &mut |s| pb.set_message(format!("partitioning: {}", s.as_str())));
        let cells = if a.cells {
            pb.set_message("partitioning: unit cells");
            let (cells, cell_report) = partition::plan::make_cells(&layers, &result.grids, cell_band);
            result.report.cells = Some(cell_report);
            cells
        } else {
            Vec::new()
        };
        pb.finish_and_clear();

        let t = Instant::now();
        let block_geoms = result.blocks.geometries();
        let grid_codes: Vec<&str> = result.grids.iter().map(|g| g.code.as_str()).collect();
        let blocks: Vec<StoredBlock> = result
            .blocks
            .blocks
            .iter()
            .map(|b| StoredBlock {
                block_id: i64::from(b.id),
                village_code: layers.admin[result.blocks.villages[b.village as usize]].code.to_string(),
                grid_code: result.block_grid[b.id as usize].map(|g| grid_codes[g as usize].to_string()),
                population: b.population,
                households: b.households,
                buildings: i64::from(b.buildings),
                area_m2: b.area_m2,
                dedicated: b.site.map(|s| layers.sites[result.blocks.sites[s as usize]].kind.as_str().to_string()),
                geometry: block_geoms[b.id as usize].clone(),
            })
            .collect();
        let grids: Vec<StoredGrid> = result.grids.iter().map(|g| to_stored(g, "grid")).chain(cells.iter().map(|c| to_stored(c, "cell"))).collect();
        let params_json = serde_json::json!({
            "band": params.solve.bands.default.to_string(),
            "rural_band": params.solve.bands.rural.map(|b| b.to_string()),
            "village_bands": params.solve.bands.villages.iter().map(|(c, b)| (c.to_string(), b.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
            "min_road_class": min_road_class.as_str(),
            "dedicated_min_m2": a.dedicated_min_m2,
            "from": parent_id,
            "cells": a.cells.then(|| cell_band.to_string()),
        });
        let name = a.name.clone().unwrap_or_else(|| format!("{} {}", params.solve.bands.default, if parent_id.is_some() { "(revised)" } else { "" }).trim().to_string());
        let id = store
            .save_plan(&NewPlan {
                name: name.clone(),
                parent_id,
                params: params_json.to_string(),
                report: serde_json::to_string(&result.report)?,
                grids,
                blocks,
                activate: !a.no_activate,
            })
            .await
            .with_context(|| format!("saving the plan to {} (nothing was changed)", a.store.shown()))?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "saved the plan");
        store.close().await;
        print_report(id, &name, !a.no_activate, &result.report, started.elapsed().as_secs_f64());
        if let Some(path) = &a.report {
            std::fs::write(path, serde_json::to_vec_pretty(&result.report)?).with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    })
}

pub fn to_stored(g: &partition::plan::Grid, level: &str) -> StoredGrid {
    StoredGrid {
        level: level.to_string(),
        code: g.code.clone(),
        name: g.name.clone(),
        village_code: g.village_code.to_string(),
        village_name: g.village_name.clone(),
        town_code: g.town_code.to_string(),
        town_name: g.town_name.clone(),
        population: g.population,
        households: g.households,
        buildings: i64::from(g.buildings),
        area_m2: g.area_m2,
        perimeter_m: g.perimeter_m,
        polsby_popper: g.polsby_popper,
        dedicated: g.dedicated.map(|k| k.as_str().to_string()),
        in_band: g.in_band,
        parent_code: g.parent_code.clone(),
        geometry: g.geometry.clone(),
    }
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

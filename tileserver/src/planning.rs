//! Running the partition engine on a store and saving the result as a
//! plan: what `wangge partition` and the map's "new plan" both do.

use std::sync::Arc;
use std::time::Instant;

use partition::LayerKind;
use partition::grids::{Band, BandSet};
use partition::model::{AdminLevel, DivisionCode, RoadClass};
use partition::plan::{PartitionParams, PreviousGrid, Report, run_partition};

use crate::store::{
    CountyCode, GridLevel, NewPlan, PlanId, PlanSelector, Store, StoreError, StoredBlock,
    StoredGrid,
};

/// What to partition with.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The county to partition (none: the store's only county).
    pub county: Option<CountyCode>,
    pub bands: BandSet,
    pub min_road_class: RoadClass,
    pub dedicated_min_m2: f64,
    /// A plan to keep stable against (`--from`), of the same county.
    pub from: Option<PlanSelector>,
    /// Unit cells with this band, when wanted.
    pub cells: Option<Band>,
    pub name: Option<String>,
    pub activate: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "the store has no villages; import admin units (or any layer, for one default unit) first"
    )]
    NoVillages,
    #[error("the partition stopped: {0}")]
    Failed(String),
    #[error(
        "the grids would hold only {in_grids:.0} of the store's {total:.0} residents ({share:.2} %); \
         nothing was saved. Buildings in no grid: {left_out}"
    )]
    ResidentsLost {
        in_grids: f64,
        total: f64,
        share: f64,
        left_out: String,
    },
    #[error("plan {plan} is of county {county}, not of county {wanted}")]
    OtherCounty {
        plan: PlanId,
        county: CountyCode,
        wanted: CountyCode,
    },
}

/// A saved plan.
#[derive(Debug, Clone)]
pub struct PlanOutcome {
    pub id: PlanId,
    pub county: CountyCode,
    pub name: String,
    pub report: Report,
    /// Seconds from reading the layers to the saved plan.
    pub seconds: f64,
}

pub fn to_stored(g: &partition::plan::Grid, level: GridLevel) -> StoredGrid {
    StoredGrid {
        level,
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

/// Reads the layers, partitions (off the async executor), saves the plan.
/// `stage` hears each stage's name as it starts.
pub async fn partition_store(
    store: &Store,
    req: &PlanRequest,
    stage: Arc<dyn Fn(&str) + Send + Sync>,
) -> Result<PlanOutcome, PlanError> {
    let started = Instant::now();
    let county = store.county(req.county).await?;
    stage("reading layers");
    // Land use plays no part in the partition.
    let wanted = [
        LayerKind::Admin,
        LayerKind::Buildings,
        LayerKind::Roads,
        LayerKind::Railways,
        LayerKind::Waterways,
        LayerKind::Water,
        LayerKind::Sites,
    ];
    let layers = store.read_layers(county, &wanted).await?;
    if !layers.admin.iter().any(|u| u.level == AdminLevel::Village) {
        return Err(PlanError::NoVillages);
    }
    let (previous, parent_id) = match &req.from {
        Some(sel) => {
            let id = store.resolve_plan(*sel).await?;
            if let Some(p) = store.plans().await?.iter().find(|p| p.id == id)
                && p.county != county
            {
                return Err(PlanError::OtherCounty {
                    plan: id,
                    county: p.county,
                    wanted: county,
                });
            }
            let prev = store
                .plan_grids(id, GridLevel::Grid)
                .await?
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
    let mut params = PartitionParams::for_bands(req.bands.clone());
    params.blocks.min_road_class = req.min_road_class;
    params.blocks.dedicated_min_m2 = req.dedicated_min_m2;
    let cells_band = req.cells;
    let stage_cpu = stage.clone();
    let run_params = params.clone();
    let (report, grids, blocks) = tokio::task::spawn_blocking(move || {
        let mut result = run_partition(&layers, &run_params, &previous, &mut |s| {
            stage_cpu(s.as_str())
        });
        let cells = match cells_band {
            Some(band) => {
                stage_cpu("unit cells");
                let (cells, cell_report) =
                    partition::plan::make_cells(&layers, &result.grids, band);
                result.report.cells = Some(cell_report);
                cells
            }
            None => Vec::new(),
        };
        let block_geoms = result.blocks.geometries();
        let grid_codes: Vec<&str> = result.grids.iter().map(|g| g.code.as_str()).collect();
        let blocks: Vec<StoredBlock> = result
            .blocks
            .blocks
            .iter()
            .map(|b| StoredBlock {
                block_id: i64::from(b.id),
                village_code: layers.admin[result.blocks.villages[b.village as usize]]
                    .code
                    .to_string(),
                grid_code: result.block_grid[b.id as usize]
                    .map(|g| grid_codes[g as usize].to_string()),
                population: b.population,
                households: b.households,
                buildings: i64::from(b.buildings),
                area_m2: b.area_m2,
                dedicated: b.site.map(|s| {
                    layers.sites[result.blocks.sites[s as usize]]
                        .kind
                        .as_str()
                        .to_string()
                }),
                geometry: block_geoms[b.id as usize].clone(),
            })
            .collect();
        let grids: Vec<StoredGrid> = result
            .grids
            .iter()
            .map(|g| to_stored(g, GridLevel::Grid))
            .chain(cells.iter().map(|c| to_stored(c, GridLevel::Cell)))
            .collect();
        (result.report, grids, blocks)
    })
    .await
    .map_err(|e| PlanError::Failed(e.to_string()))?;
    if report.resident_share() < partition::plan::MIN_RESIDENT_SHARE {
        return Err(PlanError::ResidentsLost {
            in_grids: report.residents_in_grids,
            total: report.residents_total,
            share: report.resident_share() * 100.0,
            left_out: left_out_summary(&report),
        });
    }
    stage("saving");
    let params_json = serde_json::json!({
        "band": params.solve.bands.default.to_string(),
        "rural_band": params.solve.bands.rural.map(|b| b.to_string()),
        "village_bands": params.solve.bands.villages.iter().map(|(c, b)| (c.to_string(), b.to_string())).collect::<std::collections::BTreeMap<_, _>>(),
        "min_road_class": req.min_road_class.as_str(),
        "dedicated_min_m2": req.dedicated_min_m2,
        "from": parent_id.map(|p| p.0),
        "cells": cells_band.map(|b| b.to_string()),
    });
    let name = req.name.clone().unwrap_or_else(|| {
        format!(
            "{} {}",
            params.solve.bands.default,
            if parent_id.is_some() { "(revised)" } else { "" }
        )
        .trim()
        .to_string()
    });
    let id = store
        .save_plan(&NewPlan {
            county,
            name: name.clone(),
            parent_id,
            params: params_json.to_string(),
            report: serde_json::to_string(&report).map_err(|e| PlanError::Failed(e.to_string()))?,
            grids,
            blocks,
            activate: req.activate,
        })
        .await?;
    Ok(PlanOutcome {
        id,
        county,
        name,
        report,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The left-out buildings by reason, with a few ids each.
fn left_out_summary(report: &Report) -> String {
    let mut by: std::collections::BTreeMap<String, (usize, f64, Vec<&str>)> = Default::default();
    for b in &report.buildings_left_out {
        let e = by.entry(b.reason.to_string()).or_default();
        e.0 += 1;
        e.1 += b.residents;
        if e.2.len() < 3 {
            e.2.push(&b.id);
        }
    }
    let shown: Vec<String> = by
        .iter()
        .map(|(why, (n, r, ids))| format!("{n} ({r:.0} residents) {why}, e.g. {}", ids.join(", ")))
        .collect();
    let more = report.buildings_total - report.buildings_in_grids;
    format!(
        "{more} in all{}{}",
        if shown.is_empty() { "" } else { ": " },
        shown.join("; ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use partition::plan::{LeftOut, LeftOutReason};

    #[test]
    fn a_plan_that_loses_residents_says_who_and_why() {
        let report = Report {
            residents_total: 1000.0,
            residents_in_grids: 900.0,
            buildings_total: 12,
            buildings_in_grids: 10,
            buildings_left_out: vec![
                LeftOut {
                    id: "way/1".into(),
                    residents: 60.0,
                    reason: LeftOutReason::OutsideVillages,
                },
                LeftOut {
                    id: "way/2".into(),
                    residents: 40.0,
                    reason: LeftOutReason::OutsideVillages,
                },
            ],
            ..Report::default()
        };
        assert!(report.resident_share() < partition::plan::MIN_RESIDENT_SHARE);
        let e = PlanError::ResidentsLost {
            in_grids: report.residents_in_grids,
            total: report.residents_total,
            share: report.resident_share() * 100.0,
            left_out: left_out_summary(&report),
        };
        let text = e.to_string();
        assert!(
            text.contains("only 900 of the store's 1000 residents (90.00 %)"),
            "{text}"
        );
        assert!(text.contains("nothing was saved"), "{text}");
        assert!(
            text.contains("2 in all: 2 (100 residents) no village holds it, e.g. way/1, way/2"),
            "{text}"
        );
    }
}

use std::collections::HashMap;
use std::time::Instant;

use super::codes::grid_sequences;
use super::measure::{Totals, perimeter_m, polsby_popper, unit_polygons};
use super::report::build_report;
use super::stability::{PreviousGrid, kept_grids};
use super::{Grid, Report, StageTime};
use crate::blocks::{BlockParams, BlockSet, build_blocks};
use crate::grids::{BlockGraph, SolveParams, partition_blocks};
use crate::model::{DivisionCode, Layers};

/// Everything a partition run is told.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionParams {
    pub blocks: BlockParams,
    pub solve: SolveParams,
}

impl PartitionParams {
    /// Parameters for a band: blocks above 60 % of its maximum are split
    /// (into pieces of about a third of it), so that grids can balance.
    pub fn for_bands(bands: crate::grids::BandSet) -> Self {
        let b = bands.default;
        Self {
            blocks: BlockParams {
                measure: b.measure,
                split_above: b.hi * 0.6,
                split_target: b.mid() / 2.0,
                ..BlockParams::default()
            },
            solve: SolveParams {
                bands,
                ..SolveParams::default()
            },
        }
    }
}

impl Default for PartitionParams {
    fn default() -> Self {
        Self::for_bands(crate::grids::BandSet::uniform(
            crate::grids::Band::RESIDENTS,
        ))
    }
}

/// Stages, reported as they start (for progress bars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Blocks,
    Graph,
    Grids,
    Polygons,
    Report,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Blocks => "blocks",
            Self::Graph => "graph",
            Self::Grids => "grids",
            Self::Polygons => "polygons",
            Self::Report => "report",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PartitionResult {
    pub grids: Vec<Grid>,
    pub report: Report,
    pub blocks: BlockSet,
    /// The grid of each block.
    pub block_grid: Vec<Option<u32>>,
}

/// Runs the whole partition. `previous` holds the grids of an earlier plan
/// to keep where they still meet the rules (empty for a fresh plan).
pub fn run_partition(
    layers: &Layers,
    params: &PartitionParams,
    previous: &[PreviousGrid],
    progress: &mut dyn FnMut(Stage),
) -> PartitionResult {
    let mut stages = Vec::new();
    let mut clock = Instant::now();
    let lap = |name: Stage, stages: &mut Vec<StageTime>, clock: &mut Instant| {
        stages.push(StageTime {
            stage: name.as_str().into(),
            seconds: clock.elapsed().as_secs_f64(),
        });
        *clock = Instant::now();
    };

    progress(Stage::Blocks);
    let set = build_blocks(layers, &params.blocks);
    lap(Stage::Blocks, &mut stages, &mut clock);

    progress(Stage::Graph);
    let graph = BlockGraph::build(&set);
    let codes: Vec<DivisionCode> = set.villages.iter().map(|&i| layers.admin[i].code).collect();
    lap(Stage::Graph, &mut stages, &mut clock);

    progress(Stage::Grids);
    let kept = if previous.is_empty() {
        Default::default()
    } else {
        kept_grids(&set, &graph, &codes, &params.solve.bands, previous)
    };
    let kept_count: usize = kept.values().map(Vec::len).sum();
    let assignment = partition_blocks(&set, &graph, &codes, &params.solve, &kept);
    lap(Stage::Grids, &mut stages, &mut clock);

    progress(Stage::Polygons);
    let (block_grid, geoms) = unit_polygons(&set, &assignment.grids);
    lap(Stage::Polygons, &mut stages, &mut clock);

    progress(Stage::Report);
    let by_code: HashMap<DivisionCode, usize> = layers
        .admin
        .iter()
        .enumerate()
        .map(|(i, u)| (u.code, i))
        .collect();
    let seq = grid_sequences(layers, &set, &assignment.grids);

    let mut grids = Vec::with_capacity(assignment.grids.len());
    for (g, unit) in assignment.grids.iter().enumerate() {
        let village = &layers.admin[set.villages[unit.village as usize]];
        let town_code = village.code.parent().unwrap_or(village.code);
        let town_name = by_code
            .get(&town_code)
            .map(|&i| layers.admin[i].name.clone())
            .unwrap_or_default();
        let t = Totals::of(&set, &unit.blocks);
        let (population, households, buildings, area) =
            (t.population, t.households, t.buildings, t.area_m2);
        let geometry = geoms[g].clone();
        let perimeter = perimeter_m(&geometry);
        let pp = polsby_popper(area, perimeter);
        let site = unit.dedicated.map(|s| &layers.sites[set.sites[s as usize]]);
        let band = params.solve.bands.for_village(village.code);
        let value = t.value(band.measure);
        grids.push(Grid {
            code: format!("{}{:03}", village.code, seq[g]),
            name: match site {
                Some(s) => format!(
                    "{}专属网格",
                    s.name.clone().unwrap_or_else(|| format!(
                        "{}{}",
                        village.name,
                        site_label(s.kind)
                    ))
                ),
                None => format!("{}第{}网格", village.name, seq[g]),
            },
            village_code: village.code,
            village_name: village.name.clone(),
            town_code,
            town_name,
            population,
            households,
            buildings,
            area_m2: area,
            perimeter_m: perimeter,
            polsby_popper: pp,
            dedicated: site.map(|s| s.kind),
            in_band: site.is_none().then(|| band.contains(value)),
            parent_code: None,
            blocks: unit.blocks.clone(),
            geometry,
        });
    }
    let mut order: Vec<usize> = (0..grids.len()).collect();
    order.sort_by(|&a, &b| grids[a].code.cmp(&grids[b].code));

    let report = build_report(
        layers,
        &set,
        &grids,
        &assignment,
        &block_grid,
        params,
        kept_count,
        stages,
        &mut clock,
    );
    // Renumber block→grid to the sorted order.
    let mut new_index = vec![0u32; grids.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new as u32;
    }
    let block_grid = block_grid
        .into_iter()
        .map(|g| g.map(|g| new_index[g as usize]))
        .collect();
    let mut sorted: Vec<Option<Grid>> = grids.into_iter().map(Some).collect();
    let grids = order.iter().filter_map(|&i| sorted[i].take()).collect();
    PartitionResult {
        grids,
        report,
        blocks: set,
        block_grid,
    }
}

fn site_label(kind: crate::SiteKind) -> &'static str {
    match kind {
        crate::SiteKind::Industrial => "工业园",
        crate::SiteKind::School => "学校",
        crate::SiteKind::College | crate::SiteKind::University => "校园",
        crate::SiteKind::Hospital => "医院",
        crate::SiteKind::Marketplace => "市场",
        crate::SiteKind::Military => "营区",
        crate::SiteKind::Prison => "监所",
    }
}

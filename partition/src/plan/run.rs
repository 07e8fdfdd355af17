use std::collections::HashMap;
use std::time::Instant;

use geo_types::Coord;

use super::codes::sequence;
use super::measure::{Totals, perimeter_m, polsby_popper, unit_polygons};
use super::stability::{PreviousGrid, kept_grids};
use super::{Grid, ParentProblem, Report, StageTime};
use crate::blocks::tags::{VILLAGE, follows_linear_feature};
use crate::blocks::{BlockParams, BlockSet, build_blocks, edge_length};
use crate::geometry::area_m2;
use crate::grids::{BlockGraph, GridCount, SolveParams, choose_count, partition_blocks};
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
    // Sequence numbers per village, in reading order.
    let mut seq = vec![0u16; assignment.grids.len()];
    let mut per_village: HashMap<u32, Vec<usize>> = HashMap::new();
    for (g, unit) in assignment.grids.iter().enumerate() {
        per_village.entry(unit.village).or_default().push(g);
    }
    let point_of = |g: usize| -> Coord<f64> {
        let unit = &assignment.grids[g];
        let (mut x, mut y, mut w) = (0.0, 0.0, 0.0);
        for &b in &unit.blocks {
            let blk = &set.blocks[b as usize];
            let a = blk.area_m2.max(1e-6);
            x += blk.centroid.x * a;
            y += blk.centroid.y * a;
            w += a;
        }
        Coord { x: x / w, y: y / w }
    };
    let mut villages: Vec<&u32> = per_village.keys().collect();
    villages.sort();
    for v in villages {
        let members = &per_village[v];
        let village_area = area_m2(&layers.admin[set.villages[*v as usize]].geometry);
        let row_m = (village_area / members.len().max(1) as f64)
            .sqrt()
            .max(100.0);
        let (normal, dedicated): (Vec<usize>, Vec<usize>) = members
            .iter()
            .partition(|&&g| assignment.grids[g].dedicated.is_none());
        let taken: Vec<u16> = normal
            .iter()
            .filter_map(|&g| assignment.grids[g].kept_seq)
            .collect();
        let fresh: Vec<usize> = normal
            .iter()
            .copied()
            .filter(|&g| assignment.grids[g].kept_seq.is_none())
            .collect();
        let pts: Vec<Coord<f64>> = fresh.iter().map(|&g| point_of(g)).collect();
        for (g, s) in fresh.iter().zip(sequence(&pts, row_m, 1, &taken)) {
            seq[*g] = s;
        }
        for &g in &normal {
            if let Some(s) = assignment.grids[g].kept_seq {
                seq[g] = s;
            }
        }
        let taken: Vec<u16> = dedicated
            .iter()
            .filter_map(|&g| assignment.grids[g].kept_seq)
            .collect();
        let fresh: Vec<usize> = dedicated
            .iter()
            .copied()
            .filter(|&g| assignment.grids[g].kept_seq.is_none())
            .collect();
        let pts: Vec<Coord<f64>> = fresh.iter().map(|&g| point_of(g)).collect();
        for (g, s) in fresh.iter().zip(sequence(&pts, row_m, 901, &taken)) {
            seq[*g] = s;
        }
        for &g in &dedicated {
            if let Some(s) = assignment.grids[g].kept_seq {
                seq[g] = s;
            }
        }
    }

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
        &codes,
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

#[allow(clippy::too_many_arguments)]
fn build_report(
    layers: &Layers,
    set: &BlockSet,
    grids: &[Grid],
    assignment: &crate::grids::Assignment,
    block_grid: &[Option<u32>],
    params: &PartitionParams,
    _codes: &[DivisionCode],
    kept: usize,
    mut stages: Vec<StageTime>,
    clock: &mut Instant,
) -> Report {
    let normal: Vec<&Grid> = grids.iter().filter(|g| g.dedicated.is_none()).collect();
    let bands = &params.solve.bands;
    // Villages no count of grids can fit (between two feasible counts) or
    // below the band; a village the solver merely failed on still counts.
    let mut excluded: std::collections::HashSet<DivisionCode> = std::collections::HashSet::new();
    let mut village_value: HashMap<DivisionCode, f64> = HashMap::new();
    for g in &normal {
        let band = bands.for_village(g.village_code);
        *village_value.entry(g.village_code).or_insert(0.0) += value_of(g, band.measure);
    }
    for (code, v) in &village_value {
        if matches!(
            choose_count(*v, &bands.for_village(*code)),
            GridCount::BelowBand | GridCount::Between(_)
        ) {
            excluded.insert(*code);
        }
    }
    let share = |gs: &[&&Grid]| {
        if gs.is_empty() {
            1.0
        } else {
            gs.iter().filter(|g| g.in_band == Some(true)).count() as f64 / gs.len() as f64
        }
    };
    let all: Vec<&&Grid> = normal.iter().collect();
    let feasible: Vec<&&Grid> = normal
        .iter()
        .filter(|g| !excluded.contains(&g.village_code))
        .collect();
    let stat = |f: &dyn Fn(&Grid) -> f64| -> (f64, f64, f64) {
        if normal.is_empty() {
            return (0.0, 0.0, 0.0);
        }
        let vals: Vec<f64> = normal.iter().map(|g| f(g)).collect();
        (
            vals.iter().copied().fold(f64::INFINITY, f64::min),
            vals.iter().copied().fold(0.0, f64::max),
            vals.iter().sum::<f64>() / vals.len() as f64,
        )
    };
    let (rmin, rmax, rmean) = stat(&|g| g.population);
    let (hmin, hmax, hmean) = stat(&|g| g.households);
    let max_dev = feasible
        .iter()
        .map(|g| {
            let b = bands.for_village(g.village_code);
            (value_of(g, b.measure) - b.mid()).abs() / b.mid() * 100.0
        })
        .fold(0.0, f64::max);
    let mut pps: Vec<f64> = normal.iter().map(|g| g.polsby_popper).collect();
    pps.sort_by(f64::total_cmp);
    let pp_mean = if pps.is_empty() {
        0.0
    } else {
        pps.iter().sum::<f64>() / pps.len() as f64
    };
    let pp_p10 = pps.get(pps.len() / 10).copied().unwrap_or(0.0);

    let (mut interior, mut on_roads) = (0.0, 0.0);
    let arr = &set.arrangement;
    let grid_of_face = |f: Option<u32>| {
        f.and_then(|f| set.face_block[f as usize])
            .and_then(|b| block_grid[b as usize])
    };
    for k in 0..arr.edge_count() {
        let (a, b, tags, fl, fr) = arr.edge(k);
        let (Some(gl), Some(gr)) = (grid_of_face(fl), grid_of_face(fr)) else {
            continue;
        };
        if gl == gr || tags.contains(VILLAGE) {
            continue;
        }
        let len = edge_length(a, b);
        interior += len;
        if follows_linear_feature(tags) {
            on_roads += len;
        }
    }
    // Gap and overlap summed over the arrangement's faces: village
    // boundaries are edges of it, so each face lies wholly inside or
    // outside each village, and these sums are exact where a union of
    // thousands of polygons in floating point is not.
    let cover = super::report::CoverSums::of(set, block_grid);
    // Villages in one piece: only their grids must be one piece too.
    let single_part: std::collections::HashSet<DivisionCode> = set
        .villages
        .iter()
        .map(|&i| &layers.admin[i])
        .filter(|u| u.geometry.0.len() == 1)
        .map(|u| u.code)
        .collect();
    let noncontiguous = grids
        .iter()
        .filter(|g| g.geometry.0.len() > 1)
        .filter(|g| single_part.contains(&g.village_code))
        .count();
    let face_grid: Vec<Option<u32>> = set
        .face_block
        .iter()
        .map(|b| b.and_then(|b| block_grid[b as usize]))
        .collect();
    // A building cut by a village boundary is the input's doing; grids
    // answer for the buildings their own boundaries cut inside a village.
    let village_of_grid = |g: u32| grids[g as usize].village_code;
    let (mut buildings_cut, mut on_village_boundaries) = (0, 0);
    for (_, faces) in &set.crossing_buildings {
        let mut gs: Vec<u32> = faces
            .iter()
            .filter_map(|f| face_grid[*f as usize])
            .collect();
        gs.sort_unstable();
        gs.dedup();
        if gs.len() < 2 {
            continue;
        }
        let mut villages: Vec<DivisionCode> = gs.iter().map(|&g| village_of_grid(g)).collect();
        villages.sort_unstable();
        villages.dedup();
        if villages.len() < gs.len() {
            buildings_cut += 1;
        } else {
            on_village_boundaries += 1;
        }
    }
    let accounted = account_buildings(layers, set, block_grid);
    let infeasible_parents = assignment
        .infeasible
        .iter()
        .map(|p| {
            let u = &layers.admin[set.villages[p.village as usize]];
            ParentProblem {
                code: u.code.to_string(),
                name: u.name.clone(),
                value: p.value,
                reason: p.reason.clone(),
            }
        })
        .collect();
    stages.push(StageTime {
        stage: Stage::Report.as_str().into(),
        seconds: clock.elapsed().as_secs_f64(),
    });
    Report {
        band: bands.default.to_string(),
        grids: normal.len(),
        dedicated_grids: grids.len() - normal.len(),
        villages: set.villages.len(),
        blocks: set.blocks.len(),
        in_band: share(&all),
        in_band_feasible: share(&feasible),
        residents_min: rmin,
        residents_max: rmax,
        residents_mean: rmean,
        households_min: hmin,
        households_max: hmax,
        households_mean: hmean,
        max_deviation_pct: max_dev,
        polsby_popper_mean: pp_mean,
        polsby_popper_p10: pp_p10,
        road_share: if interior > 0.0 {
            on_roads / interior
        } else {
            1.0
        },
        gap_m2: cover.gap_m2,
        input_village_overlap_m2: cover.village_overlap_m2,
        overlap_m2: cover.grid_overlap_m2,
        noncontiguous,
        buildings_cut,
        buildings_on_village_boundaries: on_village_boundaries,
        kept_from_previous: kept,
        residents_total: accounted.residents_total,
        residents_in_grids: accounted.residents_in_grids,
        buildings_total: layers.buildings.len(),
        buildings_in_grids: accounted.buildings_in_grids,
        buildings_left_out: accounted.left_out,
        infeasible_parents,
        stages,
        cells: None,
    }
}

fn value_of(g: &Grid, m: crate::blocks::Measure) -> f64 {
    match m {
        crate::blocks::Measure::Residents => g.population,
        crate::blocks::Measure::Households => g.households,
    }
}

struct Accounted {
    residents_total: f64,
    residents_in_grids: f64,
    buildings_in_grids: usize,
    left_out: Vec<super::LeftOut>,
}

/// Every building of the layers: in a grid, or named with the reason.
fn account_buildings(layers: &Layers, set: &BlockSet, block_grid: &[Option<u32>]) -> Accounted {
    use super::{LEFT_OUT_SHOWN, LeftOut, LeftOutReason};
    let mut a = Accounted {
        residents_total: 0.0,
        residents_in_grids: 0.0,
        buildings_in_grids: 0,
        left_out: Vec::new(),
    };
    for (i, b) in layers.buildings.iter().enumerate() {
        let residents = b.population.unwrap_or(0.0);
        a.residents_total += residents;
        let block = set.building_block.get(i).copied().flatten();
        let reason = match block {
            Some(blk) if block_grid.get(blk as usize).copied().flatten().is_some() => {
                a.residents_in_grids += residents;
                a.buildings_in_grids += 1;
                continue;
            }
            Some(_) => LeftOutReason::BlockWithoutGrid,
            None if geo::InteriorPoint::interior_point(&b.geometry).is_none() => {
                LeftOutReason::NoInsidePoint
            }
            None => LeftOutReason::OutsideVillages,
        };
        if a.left_out.len() < LEFT_OUT_SHOWN {
            a.left_out.push(LeftOut {
                id: b.id.0.clone(),
                residents,
                reason,
            });
        }
    }
    a
}

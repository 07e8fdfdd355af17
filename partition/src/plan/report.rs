use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;

use super::run::Stage;
use super::{Grid, PartitionParams};
use crate::blocks::tags::{VILLAGE, follows_linear_feature};
use crate::blocks::{BlockSet, edge_length};
use crate::grids::{GridCount, choose_count};
use crate::model::{DivisionCode, Layers};

/// A parent whose grids cannot all meet the rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParentProblem {
    pub code: String,
    pub name: String,
    pub value: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageTime {
    pub stage: String,
    pub seconds: f64,
}

/// Why a building is in no grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum LeftOutReason {
    #[error("no point inside its footprint (degenerate geometry)")]
    NoInsidePoint,
    #[error("no village holds it")]
    OutsideVillages,
    #[error("its block was given no grid")]
    BlockWithoutGrid,
}

/// A building in no grid.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOut {
    pub id: String,
    pub residents: f64,
    pub reason: LeftOutReason,
}

/// How many left-out buildings a report names.
pub const LEFT_OUT_SHOWN: usize = 100;

/// Share of the store's residents a plan's grids must hold.
pub const MIN_RESIDENT_SHARE: f64 = 0.999;

/// What `wangge partition` prints and saves with the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub band: String,
    pub grids: usize,
    pub dedicated_grids: usize,
    pub villages: usize,
    pub blocks: usize,
    /// Share of (non-dedicated) grids in band, all parents.
    pub in_band: f64,
    /// The same, leaving out parents below the band minimum (one grid
    /// each) and parents whose total no count of grids can fit.
    pub in_band_feasible: f64,
    pub residents_min: f64,
    pub residents_max: f64,
    pub residents_mean: f64,
    pub households_min: f64,
    pub households_max: f64,
    pub households_mean: f64,
    /// Largest |value − band midpoint| ÷ midpoint, %, over grids of
    /// feasible parents.
    pub max_deviation_pct: f64,
    pub polsby_popper_mean: f64,
    pub polsby_popper_p10: f64,
    /// Share of the boundary between grids (village boundaries left out)
    /// that follows roads, railways or rivers.
    pub road_share: f64,
    /// Area of the villages' union that no grid covers, m².
    pub gap_m2: f64,
    /// Area where the input's villages overlap each other, m² (each piece
    /// goes to one of them).
    pub input_village_overlap_m2: f64,
    pub overlap_m2: f64,
    pub noncontiguous: usize,
    /// Buildings a boundary between two grids of one village runs through.
    pub buildings_cut: usize,
    /// Buildings the input's village boundaries run through.
    pub buildings_on_village_boundaries: usize,
    pub kept_from_previous: usize,
    /// Residents of the layers' buildings, and of those in a grid.
    pub residents_total: f64,
    pub residents_in_grids: f64,
    /// Buildings of the layers, and those in a grid.
    pub buildings_total: usize,
    pub buildings_in_grids: usize,
    /// Buildings in no grid, with the reason (the first
    /// [`LEFT_OUT_SHOWN`] of them).
    pub buildings_left_out: Vec<LeftOut>,
    pub infeasible_parents: Vec<ParentProblem>,
    pub stages: Vec<StageTime>,
    /// Unit cells, when asked for.
    pub cells: Option<super::CellReport>,
}

impl Report {
    /// Residents in grids as a share of the layers' residents (1 when
    /// there are none).
    pub fn resident_share(&self) -> f64 {
        if self.residents_total > 0.0 {
            self.residents_in_grids / self.residents_total
        } else {
            1.0
        }
    }
}

/// Areas summed over the faces of the arrangement.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct CoverSums {
    /// Inside some village, in no grid.
    pub gap_m2: f64,
    /// Covered by more than one village, counted once for each extra one.
    pub village_overlap_m2: f64,
}

impl CoverSums {
    pub(crate) fn of(set: &BlockSet, block_grid: &[Option<u32>]) -> Self {
        let mut s = Self::default();
        for (f, &cover) in set.face_cover.iter().enumerate() {
            let area = set.face_area_m2.get(f).copied().unwrap_or(0.0);
            if cover == 0 {
                continue;
            }
            s.village_overlap_m2 += area * f64::from(cover - 1);
            let grid = set
                .face_block
                .get(f)
                .copied()
                .flatten()
                .and_then(|b| block_grid.get(b as usize).copied().flatten());
            if grid.is_none() {
                s.gap_m2 += area;
            }
        }
        s
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn build_report(
    layers: &Layers,
    set: &BlockSet,
    grids: &[Grid],
    assignment: &crate::grids::Assignment,
    block_grid: &[Option<u32>],
    params: &PartitionParams,
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
                reason: p.reason.to_string(),
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
        // Every face is in at most one block and every block in at most one
        // grid: grids cannot overlap.
        overlap_m2: 0.0,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::blocks::{BlockParams, build_blocks};
    use crate::geometry::area_m2;
    use crate::model::{AdminLevel, AdminUnit, DivisionCode, FeatureId, Layers};
    use geo_types::{MultiPolygon, Rect};
    use proptest::prelude::*;

    fn village(i: usize, r: Rect<f64>) -> AdminUnit {
        AdminUnit {
            id: FeatureId(format!("v{i}")),
            code: DivisionCode::from_parts(110108, 1 + (i / 999) as u16, 1 + (i % 999) as u16),
            name: format!("村{i}"),
            level: AdminLevel::Village,
            population: None,
            geometry: MultiPolygon(vec![r.to_polygon()]),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]
        /// A lattice of villages that tile exactly, plus a few squares laid
        /// over it whose overlap is known: the sums over the faces find
        /// every square metre of it, and no gap.
        #[test]
        fn face_sums_hold_to_the_truth(
            cols in 30usize..60,
            rows in 30usize..60,
            extra in prop::collection::vec((0.0f64..1.0, 0.0f64..1.0, 0.2f64..1.5), 0..6),
        ) {
            let d = 0.002;
            let mut layers = Layers::default();
            for r in 0..rows {
                for c in 0..cols {
                    let (x, y) = (116.0 + c as f64 * d, 39.0 + r as f64 * d);
                    let n = layers.admin.len();
                    layers.admin.push(village(n, Rect::new((x, y), (x + d, y + d))));
                }
            }
            let mut truth = 0.0;
            for (fx, fy, fs) in &extra {
                // Inside the lattice, so all of it overlaps the lattice, and
                // apart from each other (each in its own band of columns).
                let i = layers.admin.len() - rows * cols;
                let band = (cols as f64 * d) / 6.0;
                let size = (band * 0.9).min(fs * d);
                let x = 116.0 + i as f64 * band + fx * (band - size);
                let y = 39.0 + fy * (rows as f64 * d - size);
                let r = Rect::new((x, y), (x + size, y + size));
                truth += area_m2(&MultiPolygon(vec![r.to_polygon()]));
                let n = layers.admin.len();
                layers.admin.push(village(n, r));
            }
            prop_assert!(layers.admin.len() >= 900);
            let set = build_blocks(&layers, &BlockParams::default());
            let all: Vec<Option<u32>> = vec![Some(0); set.blocks.len()];
            let sums = CoverSums::of(&set, &all);
            prop_assert!((sums.village_overlap_m2 - truth).abs() <= 1e-6 * truth.max(1.0) + 0.01,
                "overlap {} vs truth {}", sums.village_overlap_m2, truth);
            prop_assert_eq!(sums.gap_m2, 0.0);
            // Leave one block out: its area is the gap.
            if let Some(b) = set.blocks.first() {
                let mut some = all.clone();
                some[0] = None;
                let gap = CoverSums::of(&set, &some).gap_m2;
                prop_assert!((gap - b.area_m2).abs() <= 1e-6 * b.area_m2.max(1.0));
            }
        }
    }
}

use serde::Serialize;

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
    /// In more than one grid: each face is in at most one block and each
    /// block in at most one grid, so this stays 0 unless that breaks.
    pub grid_overlap_m2: f64,
}

impl CoverSums {
    pub(crate) fn of(set: &crate::blocks::BlockSet, block_grid: &[Option<u32>]) -> Self {
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

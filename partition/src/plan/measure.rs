//! Figures shared by grids and unit cells.

use geo_types::MultiPolygon;

use crate::blocks::{BlockSet, Measure};
use crate::geometry::LocalProjection;
use crate::grids::GridUnit;
use crate::planar::dissolve;

/// What a set of blocks holds.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct Totals {
    pub population: f64,
    pub households: f64,
    pub buildings: u32,
    pub area_m2: f64,
}

impl Totals {
    pub fn of(set: &BlockSet, blocks: &[u32]) -> Self {
        let mut t = Self::default();
        for &b in blocks {
            let blk = &set.blocks[b as usize];
            t.population += blk.population;
            t.households += blk.households;
            t.buildings += blk.buildings;
            t.area_m2 += blk.area_m2;
        }
        t
    }

    pub fn value(&self, m: Measure) -> f64 {
        match m {
            Measure::Residents => self.population,
            Measure::Households => self.households,
        }
    }
}

/// Length of every ring, metres, on a plane at the first vertex.
pub(crate) fn perimeter_m(g: &MultiPolygon<f64>) -> f64 {
    let Some(first) = g.0.first().and_then(|p| p.exterior().0.first()) else {
        return 0.0;
    };
    let proj = LocalProjection::new(first.x, first.y);
    g.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .map(|ring| {
            ring.0
                .windows(2)
                .map(|w| {
                    let (a, b) = (proj.forward(w[0]), proj.forward(w[1]));
                    (a.x - b.x).hypot(a.y - b.y)
                })
                .sum::<f64>()
        })
        .sum()
}

/// 4πA/P².
pub(crate) fn polsby_popper(area: f64, perimeter: f64) -> f64 {
    if perimeter > 0.0 {
        4.0 * std::f64::consts::PI * area / (perimeter * perimeter)
    } else {
        0.0
    }
}

/// The unit each block went to, and the units' polygons.
pub(crate) fn unit_polygons(
    set: &BlockSet,
    units: &[GridUnit],
) -> (Vec<Option<u32>>, Vec<MultiPolygon<f64>>) {
    let mut block_unit = vec![None; set.blocks.len()];
    for (u, unit) in units.iter().enumerate() {
        for &b in &unit.blocks {
            block_unit[b as usize] = Some(u as u32);
        }
    }
    let face_unit: Vec<Option<u32>> = set
        .face_block
        .iter()
        .map(|b| b.and_then(|b| block_unit[b as usize]))
        .collect();
    let geoms = dissolve(&set.arrangement, &face_unit, units.len());
    (block_unit, geoms)
}

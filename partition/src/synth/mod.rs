//! A plausible county, deterministic by seed, for scale tests and demos:
//! a seat town of dense street blocks and multi-storey housing, several
//! towns, villages of clustered houses along lanes, arterial roads, rivers,
//! a lake, a railway, industrial parks, campuses, hospitals, markets and
//! forest; towns and villages with 12-digit codes, names and resident
//! totals. Geometry is laid out in metres and written in WGS84 lon/lat.

mod layout;
mod names;
mod settlements;
mod voronoi;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::Layers;

pub use layout::CountyPlan;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthParams {
    pub seed: u64,
    /// Residents of the whole county; split over villages by housing.
    pub population: u64,
    /// Buildings to place (the generator lands within a fraction of a
    /// percent of it).
    pub buildings: usize,
    /// The 6-digit county code the town and village codes start with.
    pub county: u32,
    /// Lon/lat of the county's centre.
    pub center: (f64, f64),
}

impl Default for SynthParams {
    fn default() -> Self {
        Self {
            seed: 1,
            population: 500_000,
            buildings: 150_000,
            county: 369_901,
            center: (117.2, 28.3),
        }
    }
}

/// Generates the county. Same parameters, same county, byte for byte.
pub fn generate(params: &SynthParams) -> Layers {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let plan = CountyPlan::new(params, &mut rng);
    settlements::build(&plan, params, &mut rng)
}

#[cfg(test)]
mod tests;

use crate::model::RoadClass;

/// What the size band counts: residents or households.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Measure {
    Residents,
    Households,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Residents => "residents",
            Self::Households => "households",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "residents" | "population" => Some(Self::Residents),
            "households" => Some(Self::Households),
            _ => None,
        }
    }
}

/// How blocks are made; every figure is a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockParams {
    /// Roads of this class and more important bound blocks.
    pub min_road_class: RoadClass,
    pub railways: bool,
    pub waterways: bool,
    /// Faces smaller than this join a neighbour, m².
    pub sliver_area_m2: f64,
    /// Faces thinner than this Polsby-Popper score and smaller than
    /// `thin_area_m2` join a neighbour.
    pub sliver_compactness: f64,
    pub thin_area_m2: f64,
    /// Blocks larger than this get H3 cell edges where no road divides them, m².
    pub h3_above_m2: f64,
    /// H3 resolution of the fallback cells (8: ~0.74 km², 9: ~0.1 km²).
    pub h3_resolution: u8,
    /// Sites at least this large become dedicated grids, m².
    pub dedicated_min_m2: f64,
    /// What `split_above` and `split_target` count.
    pub measure: Measure,
    /// A block holding more than this is split.
    pub split_above: f64,
    /// Split sizes aim at this value per piece.
    pub split_target: f64,
    /// Rounds of refinement (H3, minor roads, gap cuts).
    pub max_rounds: usize,
}

impl Default for BlockParams {
    fn default() -> Self {
        Self {
            min_road_class: RoadClass::Residential,
            railways: true,
            waterways: true,
            sliver_area_m2: 150.0,
            sliver_compactness: 0.12,
            thin_area_m2: 3_000.0,
            h3_above_m2: 1_500_000.0,
            h3_resolution: 8,
            dedicated_min_m2: 20_000.0,
            measure: Measure::Residents,
            split_above: 2_000.0,
            split_target: 600.0,
            max_rounds: 4,
        }
    }
}

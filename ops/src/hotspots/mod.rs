//! Hot and cold spots of cases: counts on H3 cells and Getis-Ord Gi*.

pub mod cells;
pub mod gistar;

pub use cells::{
    CellCounts, HotCell, HotspotError, HotspotParams, cell_id, cell_polygon, count_cells, hotspots,
};
pub use gistar::{GiStar, benjamini_hochberg, bins, gi_star, permutation_p, two_sided_p};

//! Grids (网格): balanced, contiguous groups of blocks inside each
//! village, with dedicated grids for special sites.

mod band;
mod count;
mod graph;
mod solve;

pub use band::{Band, BandSet};
pub use count::{GridCount, choose_count};
pub use graph::BlockGraph;
pub use solve::{Assignment, GridUnit, Infeasible, Kept, KeptGrid, SolveParams, partition_blocks};

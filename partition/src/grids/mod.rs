//! Grids (网格): balanced, contiguous groups of blocks inside each
//! village, with dedicated grids for special sites.

mod band;
mod bisection;
mod connectivity;
mod count;
mod graph;
mod local;
mod local_search;
mod moves;
mod orphans;
mod solve;
mod village;

pub use band::{Band, BandSet};
pub use count::{GridCount, choose_count};
pub use graph::BlockGraph;
pub use moves::{BlockId, Change, GridId, MoveEffect, MoveRefusal, MoveRules};
pub use solve::{
    Assignment, GridUnit, Infeasibility, Infeasible, Kept, KeptGrid, SolveParams, partition_blocks,
};

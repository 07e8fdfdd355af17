//! Blocks, the atomic units of a partition: the faces of the arrangement of
//! village boundaries, roads, railways, rivers and dedicated-site
//! boundaries, each inside exactly one village, slivers merged, buildings
//! attached; land without roads cut by H3 cells; blocks over the band
//! maximum split along minor roads, then through gaps between buildings.

mod attach;
mod build;
pub(crate) mod faces;
mod params;
mod refine;
mod segments;
pub mod tags;
pub(crate) use faces as faces_index;

pub use build::{Block, BlockSet, build_blocks, build_blocks_in, edge_length_m as edge_length};
pub use params::{BlockParams, Measure};

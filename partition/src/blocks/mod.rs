//! Blocks, the atomic units of a partition: the faces of the arrangement of
//! village boundaries, roads, railways, rivers and dedicated-site
//! boundaries, each inside exactly one village, slivers merged, buildings
//! attached; land without roads cut by H3 cells; blocks over the band
//! maximum split along minor roads, then through gaps between buildings.

mod attach;
mod build;
mod faces;
mod params;
mod refine;
mod segments;
pub mod tags;

pub use build::{Block, BlockSet, build_blocks};
pub use params::{BlockParams, Measure};

//! An exact planar arrangement of line segments on an integer grid: the
//! segments are noded (split where they cross), the faces traced, and
//! groups of faces dissolved back into polygons.
//!
//! Blocks are the faces of the arrangement of roads, rails, rivers and
//! village boundaries; grids are groups of blocks. Because every block
//! boundary is an edge of one graph, neighbouring blocks share their edges
//! exactly, their adjacency and shared length come for free, and a grid is
//! dissolved by dropping the edges inside it — no floating-point union, no
//! slivers, no gaps. Written here because no maintained crate builds such
//! a graph with edge identities (geo's polygonize-like operations return
//! polygons, not a shared-edge structure).

mod dissolve;
mod faces;
mod noding;
pub(crate) mod point;
mod topology;

pub use dissolve::dissolve;
pub use faces::{Arrangement, FaceId};
pub use noding::{node_segments, node_segments_dropping};
pub use point::{GRID, IPoint};
pub use topology::Topology;

/// What an edge of the arrangement came from; bits, so an edge drawn by two
/// inputs (a road along a village boundary) carries both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EdgeTags(pub u32);

impl EdgeTags {
    pub const NONE: Self = Self(0);
    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
}

/// An input segment with its tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub a: IPoint,
    pub b: IPoint,
    pub tags: EdgeTags,
}

use crate::model::RoadClass;
use crate::planar::EdgeTags;

/// What a block edge lies on. Bits, so one edge can be several at once.
pub const VILLAGE: EdgeTags = EdgeTags(1);
pub const ROAD: EdgeTags = EdgeTags(1 << 1);
pub const RAIL: EdgeTags = EdgeTags(1 << 2);
pub const WATER: EdgeTags = EdgeTags(1 << 3);
pub const SITE: EdgeTags = EdgeTags(1 << 4);
/// An H3 cell edge, where land has no roads.
pub const H3: EdgeTags = EdgeTags(1 << 5);
/// A minor road or path, used only to split blocks over the maximum.
pub const MINOR: EdgeTags = EdgeTags(1 << 6);
/// A cut through a gap between buildings.
pub const CUT: EdgeTags = EdgeTags(1 << 7);
const CLASS_SHIFT: u32 = 8;

/// Tags of a road of this class.
pub fn road(class: RoadClass, minor: bool) -> EdgeTags {
    let kind = if minor { MINOR } else { ROAD };
    kind.union(EdgeTags(1 << (CLASS_SHIFT + class as u32)))
}

/// Whether a boundary on this edge follows a street, railway or river
/// (街巷定界).
pub fn follows_linear_feature(t: EdgeTags) -> bool {
    t.intersects(ROAD.union(RAIL).union(WATER).union(MINOR))
}

/// The most important road class on the edge, if any.
pub fn best_class(t: EdgeTags) -> Option<RoadClass> {
    RoadClass::ALL
        .into_iter()
        .find(|c| t.0 & (1 << (CLASS_SHIFT + *c as u32)) != 0)
}

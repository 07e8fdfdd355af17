//! Turns raw coordinates from any reader into valid geometry, or into a
//! reason to skip the feature. Every repair is recorded so the import report
//! can name it; nothing here panics on any input.

mod coords;
mod line;
mod polygon;

pub use coords::{CoordCheck, check_coords};
pub use line::clean_line;
pub use polygon::clean_polygons;

use std::fmt;

/// A ring as read: possibly unclosed, with repeated points.
pub type RawRing = Vec<geo_types::Coord<f64>>;
/// A polygon as read: the outer ring first, then holes.
pub type RawPolygon = Vec<RawRing>;

/// Why a feature cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    #[error("empty geometry")]
    Empty,
    #[error("missing geometry")]
    MissingGeometry,
    #[error("geometry type {found} where the {layer} layer needs {expected}")]
    WrongGeometryType {
        found: String,
        expected: &'static str,
        layer: &'static str,
    },
    #[error("coordinate is NaN or infinite")]
    NonFinite,
    #[error("coordinates look like projected metres (e.g. {x}, {y}), not WGS84 lon/lat")]
    ProjectedMetres { x: f64, y: f64 },
    #[error("lon/lat out of range (e.g. {x}, {y})")]
    OutOfRange { x: f64, y: f64 },
    #[error("degenerate ring: fewer than 3 distinct points or no area")]
    DegenerateRing,
    #[error("degenerate line: fewer than 2 distinct points")]
    DegenerateLine,
    #[error("{count} vertices, over the limit of {limit} per feature")]
    TooManyVertices { count: usize, limit: usize },
    #[error("{0} referenced nodes or ways are missing from the extract")]
    MissingMembers(usize),
    #[error("ring pieces do not join into closed rings ({0} ways left open)")]
    OpenRing(usize),
    #[error("invalid polygon ({0}) that could not be repaired")]
    Unrepairable(String),
    #[error("{0}")]
    Attribute(String),
}

/// A change made to make a feature usable.
#[derive(Debug, Clone, PartialEq)]
pub enum Repair {
    SwappedLatLon,
    ClosedRing,
    DroppedDegenerateHole,
    DroppedDegeneratePart,
    RemovedRepeatedPoints,
    /// Points whose nodes are missing from an extract were left out.
    DroppedMissingNodes(usize),
    MadeValid(String),
}

impl fmt::Display for Repair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SwappedLatLon => f.write_str("lat/lon swapped; swapped back"),
            Self::ClosedRing => f.write_str("unclosed ring; closed"),
            Self::DroppedDegenerateHole => f.write_str("degenerate hole dropped"),
            Self::DroppedDegeneratePart => f.write_str("degenerate part dropped"),
            Self::RemovedRepeatedPoints => f.write_str("repeated points removed"),
            Self::DroppedMissingNodes(n) => {
                write!(f, "{n} points missing from the extract left out")
            }
            Self::MadeValid(why) => write!(f, "invalid polygon ({why}); repaired"),
        }
    }
}

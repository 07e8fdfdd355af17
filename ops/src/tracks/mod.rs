//! Patrol tracks: fixes into patrols and visits (`segment`), their
//! measures (`measure`), display lines (`simplify`) and replay (`replay`).

pub mod measure;
pub mod replay;
pub mod segment;
pub mod simplify;

pub use measure::Measures;
pub use segment::{Patrol, SegmentParams, Segmented, Visit, segment};

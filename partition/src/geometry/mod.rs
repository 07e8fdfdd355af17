//! Measures in metres on lon/lat geometry. Degrees are never a unit of
//! length or area in wangge.

mod metric;

pub use metric::{LocalProjection, area_m2, length_m};

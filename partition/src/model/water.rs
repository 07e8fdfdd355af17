use geo_types::{LineString, MultiPolygon};

use super::FeatureId;

/// A river, stream or canal centre line.
#[derive(Debug, Clone, PartialEq)]
pub struct Waterway {
    pub id: FeatureId,
    pub kind: String,
    pub name: Option<String>,
    pub geometry: LineString<f64>,
}

/// A lake, reservoir or river area.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterArea {
    pub id: FeatureId,
    pub kind: String,
    pub name: Option<String>,
    pub geometry: MultiPolygon<f64>,
}

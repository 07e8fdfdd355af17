use geo_types::MultiPolygon;

use super::FeatureId;

/// Land cover for the offline basemap and for empty land (forest, farmland).
#[derive(Debug, Clone, PartialEq)]
pub struct Landuse {
    pub id: FeatureId,
    /// `forest`, `farmland`, `residential`, `industrial`, `park`, `grass`…
    pub class: String,
    pub name: Option<String>,
    pub geometry: MultiPolygon<f64>,
}

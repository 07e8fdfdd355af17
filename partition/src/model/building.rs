use geo_types::MultiPolygon;

use super::FeatureId;

/// How a building's residents were obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PopulationSource {
    /// Read from the input's population field.
    Given,
    /// Footprint × levels × usable share ÷ m² per person.
    Estimated,
    /// Estimated, then scaled to a given total.
    Scaled,
}

impl PopulationSource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Given => "given",
            Self::Estimated => "estimated",
            Self::Scaled => "scaled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "given" => Some(Self::Given),
            "estimated" => Some(Self::Estimated),
            "scaled" => Some(Self::Scaled),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Building {
    pub id: FeatureId,
    /// The `building=*` value (`yes`, `apartments`, `house`, `industrial`…).
    pub kind: String,
    pub levels: Option<f64>,
    pub height: Option<f64>,
    pub population: Option<f64>,
    pub households: Option<f64>,
    pub population_source: Option<PopulationSource>,
    pub geometry: MultiPolygon<f64>,
}

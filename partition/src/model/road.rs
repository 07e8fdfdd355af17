use geo_types::LineString;

use super::FeatureId;

/// Road classes from OSM `highway=*`, ordered from the most important down,
/// so "residential and above" is a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoadClass {
    Motorway,
    Trunk,
    Primary,
    Secondary,
    Tertiary,
    Residential,
    Unclassified,
    LivingStreet,
    Service,
    Track,
    Pedestrian,
    Path,
    Other,
}

impl RoadClass {
    /// Maps an OSM `highway` value; `_link` roads take their parent's class.
    pub fn from_highway(v: &str) -> Self {
        match v.trim_end_matches("_link") {
            "motorway" => Self::Motorway,
            "trunk" => Self::Trunk,
            "primary" => Self::Primary,
            "secondary" => Self::Secondary,
            "tertiary" => Self::Tertiary,
            "residential" => Self::Residential,
            "unclassified" | "road" => Self::Unclassified,
            "living_street" => Self::LivingStreet,
            "service" => Self::Service,
            "track" => Self::Track,
            "pedestrian" => Self::Pedestrian,
            "path" | "footway" | "cycleway" | "steps" | "bridleway" | "corridor" => Self::Path,
            _ => Self::Other,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Motorway => "motorway",
            Self::Trunk => "trunk",
            Self::Primary => "primary",
            Self::Secondary => "secondary",
            Self::Tertiary => "tertiary",
            Self::Residential => "residential",
            Self::Unclassified => "unclassified",
            Self::LivingStreet => "living_street",
            Self::Service => "service",
            Self::Track => "track",
            Self::Pedestrian => "pedestrian",
            Self::Path => "path",
            Self::Other => "other",
        }
    }

    pub const ALL: [RoadClass; 13] = [
        Self::Motorway,
        Self::Trunk,
        Self::Primary,
        Self::Secondary,
        Self::Tertiary,
        Self::Residential,
        Self::Unclassified,
        Self::LivingStreet,
        Self::Service,
        Self::Track,
        Self::Pedestrian,
        Self::Path,
        Self::Other,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Road {
    pub id: FeatureId,
    pub class: RoadClass,
    /// The raw `highway=*` value, kept for styling.
    pub highway: String,
    pub name: Option<String>,
    pub geometry: LineString<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Railway {
    pub id: FeatureId,
    /// `rail`, `light_rail`, `subway`, `tram`, `narrow_gauge`…
    pub kind: String,
    pub name: Option<String>,
    pub geometry: LineString<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_order_and_round_trip() {
        assert!(RoadClass::Primary < RoadClass::Residential);
        assert_eq!(
            RoadClass::from_highway("secondary_link"),
            RoadClass::Secondary
        );
        for c in RoadClass::ALL {
            assert_eq!(RoadClass::parse(c.as_str()), Some(c));
        }
    }
}

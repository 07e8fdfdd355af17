use crate::geometry::area_m2;
use crate::model::Building;

use super::PopulationParams;

/// Building types people live in, with the levels assumed when the data
/// gives neither `building:levels` nor `height`. `yes` (type unknown, the
/// most common tag in China) counts as housing unless it stands in a
/// workplace site.
const RESIDENTIAL_DEFAULT_LEVELS: [(&str, f64); 16] = [
    ("apartments", 6.0),
    ("residential", 5.0),
    ("dormitory", 5.0),
    ("yes", 3.0),
    ("house", 2.0),
    ("detached", 2.0),
    ("semidetached_house", 2.0),
    ("terrace", 2.0),
    ("villa", 3.0),
    ("bungalow", 1.0),
    ("farm", 2.0),
    ("hut", 1.0),
    ("cabin", 1.0),
    ("static_caravan", 1.0),
    ("住宅", 6.0),
    ("民房", 2.0),
];

pub fn default_levels(kind: &str) -> Option<f64> {
    RESIDENTIAL_DEFAULT_LEVELS
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, l)| *l)
}

pub fn is_residential(kind: &str) -> bool {
    default_levels(kind).is_some()
}

/// Residents of one building before scaling: footprint × levels × usable
/// share ÷ m² per person; zero for non-residential types and tiny sheds.
pub fn residents_estimate(b: &Building, params: &PopulationParams) -> f64 {
    let Some(default) = default_levels(&b.kind) else {
        return 0.0;
    };
    let footprint = area_m2(&b.geometry);
    if footprint < params.min_footprint_m2 {
        return 0.0;
    }
    let levels = b
        .levels
        .or_else(|| {
            b.height
                .map(|h| (h / params.storey_height_m).round().max(1.0))
        })
        .unwrap_or(default)
        .clamp(1.0, 150.0);
    footprint * levels * params.usable_share / params.m2_per_person
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeatureId;
    use geo_types::{MultiPolygon, polygon};

    fn building(kind: &str, levels: Option<f64>) -> Building {
        // About 20 m × 20 m at 40°N.
        let dx = 20.0 / (111_195.0 * 40f64.to_radians().cos());
        let dy = 20.0 / 111_195.0;
        Building {
            id: FeatureId("b".into()),
            kind: kind.into(),
            levels,
            height: None,
            population: None,
            households: None,
            population_source: None,
            geometry: MultiPolygon(vec![
                polygon![(x: 116.0, y: 40.0), (x: 116.0 + dx, y: 40.0), (x: 116.0 + dx, y: 40.0 + dy), (x: 116.0, y: 40.0 + dy)],
            ]),
        }
    }

    #[test]
    fn estimate_follows_the_model() {
        let p = PopulationParams::default();
        let r = residents_estimate(&building("apartments", Some(10.0)), &p);
        let expected = 400.0 * 10.0 * 0.75 / 36.5;
        assert!((r - expected).abs() / expected < 0.01, "{r} vs {expected}");
        assert_eq!(
            residents_estimate(&building("industrial", Some(3.0)), &p),
            0.0
        );
        let default = residents_estimate(&building("apartments", None), &p);
        assert!((default - 400.0 * 6.0 * 0.75 / 36.5).abs() < 1.0);
    }
}

use std::collections::BTreeMap;

use geo::unary_union;
use geo_types::{MultiPolygon, Polygon, Rect};

use super::importer::PLACEHOLDER_COUNTY;
use crate::model::{AdminLevel, AdminUnit, DivisionCode, FeatureId, Layers};

/// What [`complete_hierarchy`] had to add, for the CLI to say.
#[derive(Debug, Clone, PartialEq)]
pub enum HierarchyNote {
    /// No admin unit at all: one town and one village cover the data.
    DefaultUnit {
        code: DivisionCode,
        from_boundary: bool,
    },
    /// A town had no village: one village now covers it.
    VillageForTown {
        town: DivisionCode,
        village: DivisionCode,
    },
    /// Villages named a town that was not given: it is their union.
    TownFromVillages { town: DivisionCode, villages: usize },
}

impl std::fmt::Display for HierarchyNote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::DefaultUnit {
                code,
                from_boundary: true,
            } => write!(
                f,
                "no admin units given: one village {code} covers the given boundary"
            ),
            Self::DefaultUnit {
                code,
                from_boundary: false,
            } => write!(
                f,
                "no admin units given: one village {code} covers the extent of the data"
            ),
            Self::VillageForTown { town, village } => write!(
                f,
                "town {town} has no villages: village {village} covers the whole town"
            ),
            Self::TownFromVillages { town, villages } => write!(
                f,
                "town {town} was not given: made from its {villages} villages"
            ),
        }
    }
}

/// Margin around the data extent for the default unit, degrees (~100 m),
/// so that features on the edge lie inside it.
const EXTENT_MARGIN_DEG: f64 = 0.001;

/// Makes the admin layer a complete county → town → village tree: every
/// village has its town, every town at least one village, and with no admin
/// input at all one unit covers `boundary` or the data.
pub fn complete_hierarchy(
    layers: &mut Layers,
    county: Option<u32>,
    boundary: Option<MultiPolygon<f64>>,
) -> Vec<HierarchyNote> {
    let mut notes = Vec::new();
    let county = county.unwrap_or(PLACEHOLDER_COUNTY);
    if layers.admin.iter().all(|u| u.level == AdminLevel::County) {
        let from_boundary = boundary.is_some();
        let geometry = boundary.or_else(|| {
            layers.data_extent().map(|r| {
                let r = Rect::new(
                    (r.min().x - EXTENT_MARGIN_DEG, r.min().y - EXTENT_MARGIN_DEG),
                    (r.max().x + EXTENT_MARGIN_DEG, r.max().y + EXTENT_MARGIN_DEG),
                );
                MultiPolygon(vec![r.to_polygon()])
            })
        });
        let Some(geometry) = geometry else {
            return notes;
        };
        let town = DivisionCode::from_parts(county, 1, 0);
        let village = DivisionCode::from_parts(county, 1, 1);
        layers
            .admin
            .push(unit(town, "全域", AdminLevel::Town, geometry.clone()));
        layers
            .admin
            .push(unit(village, "全域", AdminLevel::Village, geometry));
        layers.supplied.insert(crate::LayerKind::Admin);
        notes.push(HierarchyNote::DefaultUnit {
            code: village,
            from_boundary,
        });
        return notes;
    }

    let mut villages_by_town: BTreeMap<DivisionCode, Vec<usize>> = BTreeMap::new();
    for (i, u) in layers.admin.iter().enumerate() {
        if let (AdminLevel::Village, Some(t)) = (u.level, u.code.parent()) {
            villages_by_town.entry(t).or_default().push(i);
        }
    }
    let towns: Vec<DivisionCode> = layers
        .admin
        .iter()
        .filter(|u| u.level == AdminLevel::Town)
        .map(|u| u.code)
        .collect();
    let mut added = Vec::new();
    for t in &towns {
        if !villages_by_town.contains_key(t) {
            let Some(town) = layers.admin.iter().find(|u| u.code == *t) else {
                continue;
            };
            let village = DivisionCode::from_parts(t.county(), t.town(), 1);
            added.push(unit(
                village,
                &town.name,
                AdminLevel::Village,
                town.geometry.clone(),
            ));
            notes.push(HierarchyNote::VillageForTown { town: *t, village });
        }
    }
    for (t, members) in &villages_by_town {
        if !towns.contains(t) {
            let polys: Vec<Polygon<f64>> = members
                .iter()
                .flat_map(|&i| layers.admin[i].geometry.0.iter().cloned())
                .collect();
            let geometry = unary_union(&polys);
            added.push(unit(*t, &format!("乡镇 {t}"), AdminLevel::Town, geometry));
            notes.push(HierarchyNote::TownFromVillages {
                town: *t,
                villages: members.len(),
            });
        }
    }
    layers.admin.extend(added);
    notes
}

fn unit(
    code: DivisionCode,
    name: &str,
    level: AdminLevel,
    geometry: MultiPolygon<f64>,
) -> AdminUnit {
    AdminUnit {
        id: FeatureId(format!("wangge:{code}")),
        code,
        name: name.to_string(),
        level,
        population: None,
        geometry,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Road;
    use geo_types::{LineString, polygon};

    #[test]
    fn default_unit_covers_the_data() {
        let mut l = Layers::default();
        l.roads.push(Road {
            id: FeatureId("r".into()),
            class: crate::RoadClass::Primary,
            highway: "primary".into(),
            name: None,
            geometry: LineString::from(vec![(116.0, 40.0), (116.01, 40.01)]),
        });
        let notes = complete_hierarchy(&mut l, Some(110108), None);
        assert_eq!(l.admin.len(), 2);
        assert!(matches!(
            notes[0],
            HierarchyNote::DefaultUnit {
                from_boundary: false,
                ..
            }
        ));
        assert_eq!(l.admin[1].code.to_string(), "110108001001");
    }

    #[test]
    fn towns_get_villages_and_villages_get_towns() {
        let sq = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
        ]);
        let mut l = Layers::default();
        l.admin.push(unit(
            DivisionCode::parse("110108001000").unwrap(),
            "甲",
            AdminLevel::Town,
            sq.clone(),
        ));
        l.admin.push(unit(
            DivisionCode::parse("110108002003").unwrap(),
            "乙村",
            AdminLevel::Village,
            sq,
        ));
        let notes = complete_hierarchy(&mut l, None, None);
        assert_eq!(notes.len(), 2);
        assert!(l.admin.iter().any(|u| u.code.to_string() == "110108001001"));
        assert!(l.admin.iter().any(|u| u.code.to_string() == "110108002000"));
    }
}

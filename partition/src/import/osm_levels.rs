//! Which OSM `admin_level`s become towns and villages, what levels an
//! extract holds, and the statistical codes OSM boundaries are given.
//!
//! China's OSM tagging puts townships and subdistricts (乡镇街道) at level 8
//! and villages and communities (村/社区) at 9 or 10; other countries differ
//! (Finland's municipalities are 8, Portugal's parishes 7), so the levels
//! are a choice, and an import says which levels it found.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use geo::{Centroid, Contains, InteriorPoint};
use geo_types::MultiPolygon;

use super::osm::OsmAdmin;
use super::report::ImportReport;
use crate::model::{AdminLevel, AdminUnit, DivisionCode, Layers};

/// The OSM levels read as towns and as villages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminLevels {
    pub town: Vec<u8>,
    pub village: Vec<u8>,
}

impl Default for AdminLevels {
    fn default() -> Self {
        Self {
            town: vec![8],
            village: vec![9, 10],
        }
    }
}

impl AdminLevels {
    fn role(&self, level: u8) -> Option<AdminLevel> {
        if self.town.contains(&level) {
            Some(AdminLevel::Town)
        } else if self.village.contains(&level) {
            Some(AdminLevel::Village)
        } else {
            None
        }
    }
}

fn join(levels: &[u8]) -> String {
    levels
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join("+")
}

impl fmt::Display for AdminLevels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "town={},village={}",
            join(&self.town),
            join(&self.village)
        )
    }
}

/// Why `--admin-levels` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminLevelsError {
    #[error("`{0}` is not ROLE=LEVELS (e.g. town=8,village=9+10)")]
    NotAPair(String),
    #[error("unknown role `{0}`: use town and village")]
    UnknownRole(String),
    #[error("`{0}` is not an OSM admin level (1 to 12)")]
    BadLevel(String),
    #[error("level {0} is given both to towns and to villages")]
    Both(u8),
    #[error("no {0} level given")]
    Missing(&'static str),
}

impl FromStr for AdminLevels {
    type Err = AdminLevelsError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (mut town, mut village) = (None, None);
        for pair in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (role, levels) = pair
                .split_once('=')
                .ok_or_else(|| AdminLevelsError::NotAPair(pair.to_string()))?;
            let levels = levels
                .split('+')
                .map(|l| {
                    l.trim()
                        .parse::<u8>()
                        .ok()
                        .filter(|l| (1..=12).contains(l))
                        .ok_or_else(|| AdminLevelsError::BadLevel(l.trim().to_string()))
                })
                .collect::<Result<Vec<u8>, _>>()?;
            match role.trim() {
                "town" => town = Some(levels),
                "village" => village = Some(levels),
                other => return Err(AdminLevelsError::UnknownRole(other.to_string())),
            }
        }
        let town = town.ok_or(AdminLevelsError::Missing("town"))?;
        let village = village.ok_or(AdminLevelsError::Missing("village"))?;
        if let Some(l) = town.iter().find(|l| village.contains(l)) {
            return Err(AdminLevelsError::Both(*l));
        }
        Ok(Self { town, village })
    }
}

/// One line a level: how many boundaries and the first few names.
pub(crate) fn levels_found(units: &[OsmAdmin], chosen: &AdminLevels) -> Vec<String> {
    let mut by_level: BTreeMap<u8, Vec<&str>> = BTreeMap::new();
    for u in units {
        by_level.entry(u.level).or_default().push(&u.name);
    }
    let mut lines: Vec<String> = by_level
        .iter()
        .map(|(level, names)| {
            let shown: Vec<&str> = names.iter().take(5).copied().collect();
            let more = if names.len() > 5 { ", …" } else { "" };
            let role = match chosen.role(*level) {
                Some(AdminLevel::Town) => " → towns",
                Some(AdminLevel::Village) => " → villages",
                _ => " (not used)",
            };
            format!(
                "OSM admin_level {level}: {} boundar{} ({}{more}){role}",
                names.len(),
                if names.len() == 1 { "y" } else { "ies" },
                shown.join(", ")
            )
        })
        .collect();
    if !by_level.is_empty() {
        lines.push(format!(
            "admin levels taken: {chosen} (change with --admin-levels)"
        ));
    }
    lines
}

/// Codes OSM boundaries: towns `{county}{town:03}000` west to east, then
/// each village `{town}{village:03}` under the town that holds a point
/// inside it. Villages in no town get a town of their own number, which
/// the hierarchy completion makes from their union.
pub(crate) fn code_osm_admin(
    county: u32,
    units: Vec<OsmAdmin>,
    chosen: &AdminLevels,
    layers: &mut Layers,
    report: &mut ImportReport,
) {
    report.notes.extend(levels_found(&units, chosen));
    let west = |g: &MultiPolygon<f64>| g.centroid().map(|c| (c.x(), -c.y())).unwrap_or_default();
    let by_west = |a: &&OsmAdmin, b: &&OsmAdmin| {
        west(&a.geometry)
            .partial_cmp(&west(&b.geometry))
            .unwrap_or(std::cmp::Ordering::Equal)
    };
    let mut towns: Vec<&OsmAdmin> = units
        .iter()
        .filter(|u| chosen.role(u.level) == Some(AdminLevel::Town))
        .collect();
    towns.sort_by(by_west);
    let town_base = layers
        .admin
        .iter()
        .filter(|u| u.level == AdminLevel::Town)
        .map(|u| u.code.town())
        .max()
        .unwrap_or(0);
    let town_units: Vec<AdminUnit> = towns
        .iter()
        .enumerate()
        .map(|(i, t)| AdminUnit {
            id: t.id.clone(),
            code: DivisionCode::from_parts(county, town_base + 1 + i as u16, 0),
            name: t.name.clone(),
            level: AdminLevel::Town,
            population: None,
            geometry: t.geometry.clone(),
        })
        .collect();
    let orphan_town = town_base + 1 + town_units.len() as u16;
    let mut villages: Vec<&OsmAdmin> = units
        .iter()
        .filter(|u| chosen.role(u.level) == Some(AdminLevel::Village))
        .collect();
    villages.sort_by(by_west);
    let mut seq = BTreeMap::<u16, u16>::new();
    let mut orphans = Vec::new();
    for v in villages {
        let Some(inside) = v.geometry.interior_point() else {
            continue;
        };
        let town = match town_units.iter().find(|t| t.geometry.contains(&inside)) {
            Some(t) => t.code.town(),
            None => {
                orphans.push(v.name.clone());
                orphan_town
            }
        };
        let n = seq.entry(town).or_insert(0);
        *n += 1;
        layers.admin.push(AdminUnit {
            id: v.id.clone(),
            code: DivisionCode::from_parts(county, town, *n),
            name: v.name.clone(),
            level: AdminLevel::Village,
            population: None,
            geometry: v.geometry.clone(),
        });
    }
    if !orphans.is_empty() {
        report.notes.push(format!(
            "{} OSM village boundar{} in no town boundary ({}): kept under town {}",
            orphans.len(),
            if orphans.len() == 1 {
                "y lies"
            } else {
                "ies lie"
            },
            orphans.join(", "),
            DivisionCode::from_parts(county, orphan_town, 0)
        ));
    }
    if !town_units.is_empty() {
        report.notes.push(format!(
            "{} OSM town boundaries coded {county}NNN000 west to east{}",
            town_units.len(),
            if county == super::importer::PLACEHOLDER_COUNTY {
                " (no --county given: placeholder county 999999)"
            } else {
                ""
            }
        ));
    }
    layers.admin.extend(town_units);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_and_refuse_with_reasons() {
        let l: AdminLevels = "town=7,village=8".parse().unwrap();
        assert_eq!((l.town, l.village), (vec![7], vec![8]));
        let l: AdminLevels = " village=9+10 , town=8 ".parse().unwrap();
        assert_eq!(l, AdminLevels::default());
        assert_eq!(l.to_string(), "town=8,village=9+10");
        assert!(matches!(
            "town=8".parse::<AdminLevels>(),
            Err(AdminLevelsError::Missing("village"))
        ));
        assert!(matches!(
            "town=8,village=8".parse::<AdminLevels>(),
            Err(AdminLevelsError::Both(8))
        ));
        assert!(matches!(
            "town=x,village=9".parse::<AdminLevels>(),
            Err(AdminLevelsError::BadLevel(_))
        ));
        assert!(matches!(
            "city=6,village=9".parse::<AdminLevels>(),
            Err(AdminLevelsError::UnknownRole(_))
        ));
        assert!(matches!(
            "town8".parse::<AdminLevels>(),
            Err(AdminLevelsError::NotAPair(_))
        ));
    }

    #[test]
    fn found_levels_are_listed_with_their_use() {
        let sq = |x: f64| {
            MultiPolygon(vec![
                geo_types::Rect::new((x, 0.0), (x + 1.0, 1.0)).to_polygon(),
            ])
        };
        let unit = |level: u8, name: &str, x: f64| OsmAdmin {
            id: crate::model::FeatureId(name.into()),
            level,
            name: name.into(),
            geometry: sq(x),
        };
        let units = vec![unit(7, "A", 0.0), unit(7, "B", 1.0), unit(8, "C", 5.0)];
        let lines = levels_found(&units, &AdminLevels::default());
        assert!(
            lines[0].contains("admin_level 7: 2 boundaries (A, B) (not used)"),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("admin_level 8: 1 boundary (C) → towns"),
            "{lines:?}"
        );
        let mut layers = Layers::default();
        let mut report = ImportReport::default();
        let chosen: AdminLevels = "town=8,village=7".parse().unwrap();
        code_osm_admin(110108, units, &chosen, &mut layers, &mut report);
        // A and B lie outside the one town: kept under a town of their own.
        let codes: Vec<String> = layers.admin.iter().map(|u| u.code.to_string()).collect();
        assert_eq!(codes, ["110108002001", "110108002002", "110108001000"]);
        assert!(
            report
                .notes
                .iter()
                .any(|n| n.contains("in no town boundary (A, B)"))
        );
    }
}

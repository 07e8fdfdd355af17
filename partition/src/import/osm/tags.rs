use crate::model::{RoadClass, SiteKind};

/// A feature's tags as key/value pairs.
pub(crate) struct Tags(pub Vec<(String, String)>);

impl Tags {
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
    pub fn is(&self, k: &str, v: &str) -> bool {
        self.get(k) == Some(v)
    }
    pub fn name(&self) -> Option<String> {
        self.get("name:zh")
            .or_else(|| self.get("name"))
            .map(str::to_string)
    }
}

/// The area layers a closed way or multipolygon feeds.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct AreaTargets {
    pub building: Option<String>,
    pub water: Option<String>,
    pub site: Option<SiteKind>,
    pub landuse: Option<String>,
    /// The boundary's OSM `admin_level` (which levels become towns and
    /// villages is chosen once every input is read).
    pub admin: Option<u8>,
}

impl AreaTargets {
    pub fn any(&self) -> bool {
        self.building.is_some()
            || self.water.is_some()
            || self.site.is_some()
            || self.landuse.is_some()
            || self.admin.is_some()
    }
}

/// The line layers a way feeds.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct LineTargets {
    pub road: Option<(RoadClass, String)>,
    pub railway: Option<String>,
    pub waterway: Option<String>,
}

impl LineTargets {
    pub fn any(&self) -> bool {
        self.road.is_some() || self.railway.is_some() || self.waterway.is_some()
    }
}

const RAIL_KINDS: [&str; 7] = [
    "rail",
    "light_rail",
    "subway",
    "tram",
    "narrow_gauge",
    "monorail",
    "funicular",
];
const WATERWAY_LINES: [&str; 5] = ["river", "stream", "canal", "drain", "ditch"];
const LANDUSE_CLASSES: [&str; 16] = [
    "forest",
    "farmland",
    "residential",
    "commercial",
    "retail",
    "industrial",
    "grass",
    "meadow",
    "orchard",
    "cemetery",
    "construction",
    "recreation_ground",
    "village_green",
    "allotments",
    "farmyard",
    "military",
];
const NATURAL_CLASSES: [&str; 6] = [
    "wood",
    "scrub",
    "grassland",
    "wetland",
    "heath",
    "bare_rock",
];

/// Whether a way runs under, over or inside something rather than on the
/// ground between buildings: a tunnel, a covered way, a building passage,
/// an indoor corridor or anything below ground level. Such a way bounds no
/// block; a grid boundary along it would cut the buildings above it.
pub(crate) fn passes_under(t: &Tags) -> bool {
    let yes = |k: &str| t.get(k).is_some_and(|v| v != "no");
    t.is("highway", "corridor")
        || yes("tunnel")
        || yes("covered")
        || yes("indoor")
        || t.get("layer")
            .and_then(|l| l.trim().parse::<i32>().ok())
            .is_some_and(|l| l < 0)
}

/// Line layers of a way's tags. Areas (`area=yes`) are not lines, nor are
/// ways that pass under or through buildings ([`passes_under`]).
pub(crate) fn line_targets(t: &Tags) -> LineTargets {
    if t.is("area", "yes") || passes_under(t) {
        return LineTargets::default();
    }
    let road = t
        .get("highway")
        .filter(|h| {
            !matches!(
                *h,
                "proposed" | "construction" | "platform" | "bus_stop" | "elevator"
            )
        })
        .map(|h| (RoadClass::from_highway(h), h.to_string()));
    let railway = t
        .get("railway")
        .filter(|r| RAIL_KINDS.contains(r))
        .map(str::to_string);
    let waterway = t
        .get("waterway")
        .filter(|w| WATERWAY_LINES.contains(w))
        .map(str::to_string);
    LineTargets {
        road,
        railway,
        waterway,
    }
}

/// Area layers of a closed way's or multipolygon's tags.
pub(crate) fn area_targets(t: &Tags) -> AreaTargets {
    let building = t.get("building").filter(|b| *b != "no").map(str::to_string);
    let water = if t.is("natural", "water") {
        Some(t.get("water").unwrap_or("water").to_string())
    } else if t.is("waterway", "riverbank") || t.is("waterway", "dock") {
        Some("river".to_string())
    } else if matches!(t.get("landuse"), Some("reservoir" | "basin")) {
        t.get("landuse").map(str::to_string)
    } else {
        None
    };
    let site = site_kind(t);
    let landuse = t
        .get("landuse")
        .filter(|l| LANDUSE_CLASSES.contains(l))
        .map(|l| l.to_string())
        .or_else(|| {
            t.get("natural")
                .filter(|n| NATURAL_CLASSES.contains(n))
                .map(|n| {
                    if n == "wood" {
                        "forest".to_string()
                    } else {
                        n.to_string()
                    }
                })
        })
        .or_else(|| {
            t.get("leisure")
                .filter(|l| *l == "park")
                .map(str::to_string)
        });
    let admin = if t.is("boundary", "administrative") {
        t.get("admin_level")
            .and_then(|l| l.trim().parse::<u8>().ok())
            .filter(|l| (1..=12).contains(l))
    } else {
        None
    };
    AreaTargets {
        building,
        water,
        site,
        landuse,
        admin,
    }
}

fn site_kind(t: &Tags) -> Option<SiteKind> {
    if t.is("landuse", "industrial") || t.is("man_made", "works") {
        return Some(SiteKind::Industrial);
    }
    if t.is("landuse", "military") || t.get("military").is_some_and(|m| m != "no") {
        return Some(SiteKind::Military);
    }
    match t.get("amenity") {
        Some("school" | "kindergarten") => Some(SiteKind::School),
        Some("college") => Some(SiteKind::College),
        Some("university") => Some(SiteKind::University),
        Some("hospital") => Some(SiteKind::Hospital),
        Some("marketplace") => Some(SiteKind::Marketplace),
        Some("prison") => Some(SiteKind::Prison),
        _ => None,
    }
}

/// Whether a relation's members should be assembled into areas.
pub(crate) fn is_area_relation(t: &Tags) -> bool {
    matches!(t.get("type"), Some("multipolygon" | "boundary"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(kv: &[(&str, &str)]) -> Tags {
        Tags(
            kv.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn classifies_common_tags() {
        let a = area_targets(&tags(&[
            ("building", "apartments"),
            ("building:levels", "6"),
        ]));
        assert_eq!(a.building.as_deref(), Some("apartments"));
        assert!(!area_targets(&tags(&[("building", "no")])).any());
        let a = area_targets(&tags(&[("landuse", "industrial")]));
        assert_eq!(a.site, Some(SiteKind::Industrial));
        assert_eq!(a.landuse.as_deref(), Some("industrial"));
        assert_eq!(
            area_targets(&tags(&[("natural", "wood")]))
                .landuse
                .as_deref(),
            Some("forest")
        );
        let l = line_targets(&tags(&[("highway", "primary_link")]));
        assert_eq!(l.road.map(|r| r.0), Some(RoadClass::Primary));
        assert!(!line_targets(&tags(&[("highway", "pedestrian"), ("area", "yes")])).any());
        assert_eq!(
            line_targets(&tags(&[("railway", "abandoned")])).railway,
            None
        );
    }
}

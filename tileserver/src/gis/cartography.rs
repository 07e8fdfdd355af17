//! The basemap's colours and widths, shared by the web map's style
//! (`/style.json`) and the QGIS styles in the GeoPackage, so a layer looks
//! the same in the browser and in QGIS.

/// Roads by class: (class, colour, width at z12, width at z16, min zoom).
/// The classes each entry draws are [`road_classes`].
pub const ROADS: [(&str, &str, f64, f64, u8); 8] = [
    ("motorway", "#e892a2", 2.5, 10.0, 5),
    ("trunk", "#f9b29c", 2.2, 9.0, 5),
    ("primary", "#fcd6a4", 2.0, 8.0, 8),
    ("secondary", "#f7fabf", 1.6, 7.0, 9),
    ("tertiary", "#ffffff", 1.2, 6.0, 11),
    ("residential", "#ffffff", 0.6, 4.0, 12),
    ("service", "#ffffff", 0.3, 2.5, 14),
    ("path", "#d0c0b0", 0.3, 1.2, 15),
];

/// The road classes one [`ROADS`] entry draws.
pub fn road_classes(class: &str) -> &'static [&'static str] {
    match class {
        "path" => &["path", "track", "pedestrian", "other"],
        "residential" => &["residential", "unclassified", "living_street"],
        "motorway" => &["motorway"],
        "trunk" => &["trunk"],
        "primary" => &["primary"],
        "secondary" => &["secondary"],
        "tertiary" => &["tertiary"],
        "service" => &["service"],
        _ => &[],
    }
}

pub const ROAD_CASING: &str = "#bbb3a8";

/// Land use by class; anything else is [`LANDUSE_OTHER`].
pub const LANDUSE: [(&str, &str); 11] = [
    ("residential", "#e8e0d8"),
    ("commercial", "#f2dad9"),
    ("retail", "#f2dad9"),
    ("industrial", "#ebdbe8"),
    ("forest", "#add19e"),
    ("wood", "#add19e"),
    ("farmland", "#eef0d5"),
    ("grass", "#cdebb0"),
    ("meadow", "#cdebb0"),
    ("park", "#c8facc"),
    ("cemetery", "#aacbaf"),
];
pub const LANDUSE_OTHER: &str = "#e5e2da";
pub const LANDUSE_OPACITY: f64 = 0.8;

pub const BACKGROUND: &str = "#f2efe9";
pub const WATER: &str = "#aad3df";
pub const BUILDING: &str = "#d9d0c9";
pub const BUILDING_OUTLINE: &str = "#bfb4ab";
pub const RAILWAY: &str = "#999999";
pub const BLOCK_LINE: &str = "#7a6a5a";
pub const VILLAGE_LINE: &str = "#5a3d8a";
pub const TOWN_LINE: &str = "#3d1f6b";
pub const TOWN_LABEL: &str = "#2a1050";
pub const GRID_LABEL: &str = "#5a0000";
pub const ROAD_LABEL: &str = "#555555";

//! wangge's domain library: the typed layer model of a county, the readers
//! that import it (OSM PBF, GeoJSON, census CSV) with validation and repair,
//! the population model, and a seeded synthetic county generator.
//!
//! Nothing here talks HTTP or to a database; the stores live in `tileserver`.

pub mod blocks;
pub mod edit;
pub mod export;
pub mod geometry;
pub mod grids;

pub mod import;
pub mod model;
pub mod plan;
pub mod planar;
pub mod population;
pub mod synth;
pub mod validate;

pub use model::{
    AdminLevel, AdminUnit, Building, DivisionCode, FeatureId, Landuse, LayerKind, Layers, Railway,
    Road, RoadClass, Site, SiteKind, WaterArea, Waterway,
};

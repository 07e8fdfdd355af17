//! Tile sources: what a layer of a tile is made from.

mod polygons;

pub use polygons::{PolygonFeature, PolygonSource};

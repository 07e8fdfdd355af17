//! Writing layers out for GIS tools.

mod geojson_writer;
mod layer_features;

pub use geojson_writer::{GeoJsonWriter, push_num, valid_rounded};
pub use layer_features::write_layer_geojson;

//! Mapbox Vector Tiles: tile addressing, Web Mercator, clipping to the
//! buffered tile, and encoding (protobuf types from geozero).

mod clip;
mod encode;
mod tile_id;

pub use clip::{clip_line, clip_ring};
pub use encode::{LayerBuilder, TileValue, encode_tile};
pub use tile_id::{MAX_ZOOM, TileError, TileId, lonlat_to_mercator};

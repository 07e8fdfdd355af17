//! Tile sources: what the layers of a tile are made from. Each source is
//! built once from the store, held in memory behind `Arc`, and answers
//! tile requests without touching the database.

mod admin;
mod build;
mod cases;
mod features;
mod fixes;
mod index;
mod moving;
mod polygons;
mod registry;

pub use admin::AdminSource;
pub use build::{Built, GridSet, SourceKind, build_source};
pub use cases::CaseSource;
pub use features::{BasemapFeature, FeatureSource, Shape};
pub use fixes::FixSource;
pub use moving::{Clusters, Movement, WorkerFeature, WorkerSource};
pub use polygons::{PolygonFeature, PolygonSource};
pub use registry::{
    BuildAt, BuildFuture, Builtin, CachePolicy, SourceBasis, SourceFactory, SourceSpec,
};

use crate::mvt::{LayerBuilder, TileId};

/// What the tile server asks of a source.
pub trait TileSource: Send + Sync {
    /// The vector layer ids this source writes (the first is its own name).
    fn layer_names(&self) -> Vec<String>;
    /// Zooms below this give nothing.
    fn min_zoom(&self) -> u8 {
        0
    }
    /// (west, south, east, north) of every feature, or `None` when empty.
    fn bounds(&self) -> Option<[f64; 4]>;
    /// Property names and their TileJSON field types.
    fn fields(&self) -> Vec<(String, &'static str)>;
    fn feature_count(&self) -> usize;
    /// Roughly the bytes the source holds (for the memory budget of built
    /// sources; an estimate, not an account).
    fn heap_bytes(&self) -> usize;
    /// The layers of a tile, leaving out empty ones. With `within`, only
    /// features whose division or grid code starts with it (a caller
    /// scoped to a town or village sees nothing else); sources without
    /// codes (the basemap) ignore it.
    fn layers(&self, tile: TileId, within: Option<&str>) -> Vec<LayerBuilder>;
    /// The layers cut to one grid worker's features too (`?worker=`);
    /// sources without workers ignore it.
    fn layers_of(
        &self,
        tile: TileId,
        within: Option<&str>,
        _worker: Option<&str>,
    ) -> Vec<LayerBuilder> {
        self.layers(tile, within)
    }
}

/// TileJSON's name for a tile value's type.
pub(crate) fn field_type(v: &crate::mvt::TileValue) -> &'static str {
    match v {
        crate::mvt::TileValue::Str(_) => "String",
        crate::mvt::TileValue::Bool(_) => "Boolean",
        _ => "Number",
    }
}

/// Degrees of longitude per pixel of a 256-pixel tile at zoom `z`.
pub(crate) fn pixel_degrees(z: u8) -> f64 {
    360.0 / f64::from(1u32 << z.min(30)) / 256.0
}

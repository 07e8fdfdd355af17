//! wangge's storage and serving side: the stores (an embedded GeoPackage
//! file today; PostGIS joins it behind the same interface), and later the
//! vector tiles and the HTTP API.

pub mod mvt;
pub mod server;
pub mod source;
pub mod store;

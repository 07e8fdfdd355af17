//! wangge's storage and serving side: the stores (an embedded GeoPackage
//! file or PostGIS, behind one interface), the tile sources built from
//! them, vector-tile encoding, and the HTTP server with its REST API.

pub mod auth;
pub mod export;
pub mod gis;
pub mod importing;
pub mod mvt;
pub mod planning;
pub mod server;
pub mod source;
pub mod store;

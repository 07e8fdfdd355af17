//! Where a county's layers, plans and grids are kept: an embedded
//! GeoPackage file or a PostGIS database, behind one interface.

mod backend;
mod error;
pub mod gpkg;
mod plan_sql;
pub mod postgis;
mod rows;
mod sql;
mod types;

pub use backend::{Store, StoreTarget};
pub use error::StoreError;
pub use gpkg::GpkgStore;
pub use postgis::{PgStore, redact};
pub use types::{ImportRecord, LayerInfo, NewPlan, PlanInfo, StoredBlock, StoredGrid};

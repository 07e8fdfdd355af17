//! Where a county's layers, plans and grids are kept: an embedded
//! GeoPackage file or a PostGIS database, behind one interface.

pub mod accounts;
pub(crate) mod backend;
pub mod cases;
pub mod changes;
mod error;
pub mod gpkg;
mod ids;
mod import_sql;
mod plan_sql;
pub mod positions;
pub mod postgis;
mod rows;
mod sql;
mod types;
pub mod workers;

pub use backend::{Store, StoreTarget, Waits};
pub use changes::{Change, ChangeFeed, Notice, Origin};
pub use error::StoreError;
pub use gpkg::GpkgStore;
pub use ids::{BadCountyCode, CountyCode, GridLevel, PlanId, PlanSelector};
pub use postgis::{PgStore, redact};
pub use types::{CountyInfo, ImportRecord, LayerInfo, NewPlan, PlanInfo, StoredBlock, StoredGrid};

//! Where a county's layers, plans and grids are kept.

mod error;
pub mod gpkg;

pub use error::StoreError;
pub use gpkg::{GpkgStore, ImportRecord, LayerInfo, NewPlan, PlanInfo, StoredBlock, StoredGrid};

//! Where a county's layers, plans and grids are kept.

pub mod gpkg;
mod error;

pub use error::StoreError;
pub use gpkg::{GpkgStore, ImportRecord, LayerInfo};

//! The layer model: what a county is made of, as typed features in WGS84
//! lon/lat. Every layer a reader can fill has one type here.

mod admin;
mod building;
mod division_code;
mod feature_id;
mod landuse;
mod layer_kind;
mod layers;
mod road;
mod site;
mod water;

pub use admin::{AdminLevel, AdminUnit};
pub use building::{Building, PopulationSource};
pub use division_code::{DivisionCode, DivisionCodeError};
pub use feature_id::FeatureId;
pub use landuse::Landuse;
pub use layer_kind::LayerKind;
pub use layers::Layers;
pub use road::{Railway, Road, RoadClass};
pub use site::{Site, SiteKind};
pub use water::{WaterArea, Waterway};

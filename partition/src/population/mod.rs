//! Residents and households per building: given, or estimated from the
//! footprint and scaled to known totals. See README "Population model".

mod estimate;
mod params;
mod scale;

pub use estimate::{is_residential, residents_estimate};
pub use params::PopulationParams;
pub use scale::{PopulationSummary, assign_population};

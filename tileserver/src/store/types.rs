//! What the stores hold, as the rest of wangge sees it, whichever backend
//! keeps it.

use std::collections::BTreeMap;

use geo_types::MultiPolygon;
use serde::Serialize;

use super::{CountyCode, GridLevel, PlanId};

/// One layer as the store describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerInfo {
    pub name: String,
    pub features: u64,
    pub geometry_type: String,
    pub extent: Option<[f64; 4]>,
    pub last_change: String,
}

/// What an import writes besides its layers.
#[derive(Debug, Clone, Default)]
pub struct ImportRecord {
    /// The county's name, when the census table gave it.
    pub county_name: Option<String>,
    /// Persons per household for the county.
    pub household_size: Option<f64>,
    pub inputs: Vec<String>,
    /// The import report, JSON.
    pub report: String,
    /// The population summary, JSON.
    pub population: Option<String>,
    /// Store-wide settings to keep.
    pub meta: BTreeMap<String, String>,
}

/// A grid or unit cell as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredGrid {
    pub level: GridLevel,
    pub code: String,
    pub name: String,
    pub village_code: String,
    pub village_name: String,
    pub town_code: String,
    pub town_name: String,
    pub population: f64,
    pub households: f64,
    pub buildings: i64,
    pub area_m2: f64,
    pub perimeter_m: f64,
    pub polsby_popper: f64,
    pub dedicated: Option<String>,
    pub in_band: Option<bool>,
    pub parent_code: Option<String>,
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

/// A block as stored with a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredBlock {
    pub block_id: i64,
    pub village_code: String,
    pub grid_code: Option<String>,
    pub population: f64,
    pub households: f64,
    pub buildings: i64,
    pub area_m2: f64,
    pub dedicated: Option<String>,
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

/// A county the store holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CountyInfo {
    pub code: CountyCode,
    pub name: String,
    pub household_size: Option<f64>,
    pub imported_at: String,
}

/// A plan's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanInfo {
    pub id: PlanId,
    pub county: CountyCode,
    pub name: String,
    pub created_at: String,
    pub active: bool,
    pub parent_id: Option<PlanId>,
    pub grids: i64,
    pub cells: i64,
    #[serde(skip)]
    pub params: String,
    #[serde(skip)]
    pub report: String,
}

/// A plan to save.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub county: CountyCode,
    pub name: String,
    pub parent_id: Option<PlanId>,
    pub params: String,
    pub report: String,
    pub grids: Vec<StoredGrid>,
    pub blocks: Vec<StoredBlock>,
    pub activate: bool,
}

//! What the stores hold, as the rest of wangge sees it, whichever backend
//! keeps it.

use std::collections::BTreeMap;

use geo_types::MultiPolygon;
use serde::Serialize;

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
    pub inputs: Vec<String>,
    /// The import report, JSON.
    pub report: String,
    /// The population summary, JSON.
    pub population: Option<String>,
    /// Settings to keep (`county`, `household_size`…).
    pub meta: BTreeMap<String, String>,
}

/// A grid or unit cell as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredGrid {
    pub level: String,
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

/// A plan's row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanInfo {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub active: bool,
    pub parent_id: Option<i64>,
    pub grids: i64,
    pub cells: i64,
    #[serde(skip)]
    pub params: String,
    #[serde(skip)]
    pub report: String,
}

/// A plan to save.
#[derive(Debug, Clone, Default)]
pub struct NewPlan {
    pub name: String,
    pub parent_id: Option<i64>,
    pub params: String,
    pub report: String,
    pub grids: Vec<StoredGrid>,
    pub blocks: Vec<StoredBlock>,
    pub activate: bool,
}

use geo_types::MultiPolygon;
use serde::Serialize;

use crate::model::{DivisionCode, SiteKind};

/// One grid (网格) of a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grid {
    /// 15 digits: the village's 12-digit code and a 3-digit sequence
    /// (001… in reading order; dedicated grids 901…).
    pub code: String,
    pub name: String,
    #[serde(serialize_with = "as_text")]
    pub village_code: DivisionCode,
    pub village_name: String,
    #[serde(serialize_with = "as_text")]
    pub town_code: DivisionCode,
    pub town_name: String,
    pub population: f64,
    pub households: f64,
    pub buildings: u32,
    pub area_m2: f64,
    pub perimeter_m: f64,
    /// 4πA/P²: 1 for a disc, 0.785 for a square.
    pub polsby_popper: f64,
    pub dedicated: Option<SiteKind>,
    /// Whether the value lies in the village's band (`None` for dedicated grids).
    pub in_band: Option<bool>,
    /// The code of the grid a unit cell belongs to.
    pub parent_code: Option<String>,
    #[serde(skip)]
    pub blocks: Vec<u32>,
    #[serde(skip)]
    pub geometry: MultiPolygon<f64>,
}

fn as_text<S: serde::Serializer>(c: &DivisionCode, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&c.to_string())
}

impl serde::Serialize for SiteKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

use geo_types::MultiPolygon;

use super::{DivisionCode, FeatureId};

/// The nesting levels wangge partitions within. Grids never cross a village.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AdminLevel {
    /// 区县
    County,
    /// 乡镇/街道
    Town,
    /// 村/社区
    Village,
}

impl AdminLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::County => "county",
            Self::Town => "town",
            Self::Village => "village",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "county" | "区县" => Some(Self::County),
            "town" | "township" | "subdistrict" | "乡镇" | "街道" => Some(Self::Town),
            "village" | "community" | "村" | "社区" => Some(Self::Village),
            _ => None,
        }
    }
}

/// A town or village/community with its statistical code.
#[derive(Debug, Clone, PartialEq)]
pub struct AdminUnit {
    pub id: FeatureId,
    pub code: DivisionCode,
    pub name: String,
    pub level: AdminLevel,
    /// A resident total given with the boundary (e.g. from a township
    /// table); buildings inside are scaled to match it.
    pub population: Option<f64>,
    pub geometry: MultiPolygon<f64>,
}

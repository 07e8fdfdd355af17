//! Cases (民情工单): their closed-loop workflow, the category catalogue
//! and their KPIs.

pub mod catalogue;
pub mod kpi;
pub mod workflow;

use serde::{Deserialize, Serialize};

pub use catalogue::{Catalogue, CatalogueError, Category};
pub use kpi::{
    AreaKpi, CaseKpiParams, CaseRecord, CategoryTrend, History, case_kpis, category_trends,
};
pub use workflow::{Actor, CaseState, Event, Level, Move, MoveError, Satisfaction, Status};

/// Where a case came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A grid worker on patrol.
    Worker,
    /// A 12345 hotline work order.
    Hotline,
    /// A resident, through an app or Open311.
    Citizen,
    /// Imported from another system.
    Import,
}

impl Source {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "worker" | "网格员" => Some(Self::Worker),
            "hotline" | "12345" => Some(Self::Hotline),
            "citizen" | "群众" => Some(Self::Citizen),
            "import" => Some(Self::Import),
            _ => None,
        }
    }
}

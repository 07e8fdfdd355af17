//! Figures about the work done: patrol KPIs per grid and period.

pub mod patrol;

pub use patrol::{
    GridInput, GridPatrolKpi, PatrolKpiParams, PatrolKpis, WorkerTracks, patrol_kpis,
};

//! wangge's operations logic — the command centre's side — with no HTTP
//! and no database: the roster of grid workers, GPS fixes (reading,
//! GCJ-02, screening), patrols and visits, replay, and patrol KPIs. The
//! server stores, streams and serves what this computes.
//!
//! Data flow: `roster` → `positions` (batch / osmand → screen) → store →
//! `tracks` (segment → measure, simplify, replay) → `kpi`. Cases: report →
//! `cases::workflow` (check → event → apply) → store → `cases::kpi`;
//! their locations → `hotspots` (H3 counts → Gi* → FDR bins).

pub mod cases;
pub mod coords;
pub mod hotspots;
pub mod kpi;
pub mod positions;
pub mod roster;
pub mod simulate;
pub mod tracks;

//! The REST API under `/api`: plans, grids, locate and GeoJSON export.

mod compare;
mod export;
mod grids;
mod locate;
mod partitions;
mod plans;

pub use compare::Comparisons;
pub use partitions::Jobs;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use super::ApiError;
use super::AppState;
use crate::source::{Built, GridSet, SourceKind};

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/plans", get(plans::list))
        .route("/api/plans/{plan}", get(plans::one))
        .route("/api/plans/{plan}/activate", post(plans::activate))
        .route("/api/plans/{plan}/grids", get(grids::list))
        .route("/api/plans/{plan}/export.geojson", get(export::geojson))
        .route("/api/grids/{code}", get(grids::one))
        .route("/api/locate", get(locate::locate))
        .route("/api/compare", get(compare::compare_plans))
        .route("/api/partitions", post(partitions::start))
        .route("/api/partitions/{job}", get(partitions::status))
}

/// `grid` or `cell` from a `level` parameter.
fn level(v: Option<&String>) -> Result<&'static str, ApiError> {
    match v.map(String::as_str) {
        None | Some("grid") => Ok("grid"),
        Some("cell") => Ok("cell"),
        Some(other) => Err(ApiError::BadRequest(format!(
            "level must be grid or cell, not {:?}",
            other.chars().take(40).collect::<String>()
        ))),
    }
}

/// A plan's grids (or cells) as the tile source holds them.
async fn grid_set(state: &AppState, plan: i64, level: &str) -> Result<Arc<GridSet>, ApiError> {
    let kind = if level == "cell" {
        SourceKind::Cells
    } else {
        SourceKind::Grids
    };
    match &*state.registry.get(&state.store, kind, plan).await? {
        Built::Grids(g) => Ok(g.clone()),
        _ => Err(ApiError::Internal("grid source of the wrong kind".into())),
    }
}

/// Parameters a handler does not know are an error, not silently ignored.
fn only(query: &std::collections::HashMap<String, String>, known: &[&str]) -> Result<(), ApiError> {
    match query.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(ApiError::BadRequest(format!(
            "unknown query parameter {:?}; this endpoint takes {}",
            k.chars().take(40).collect::<String>(),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        ))),
        None => Ok(()),
    }
}

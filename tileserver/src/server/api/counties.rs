//! `GET /api/counties`: the counties the caller sees, each with its plans.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};

/// A county the store holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountyView {
    /// 6-digit statistical code.
    pub code: String,
    pub name: String,
    /// Persons per household (census).
    pub household_size: Option<f64>,
    /// When its layers were last imported (UTC, RFC 3339).
    pub imported_at: String,
    /// Its active plan.
    pub active_plan: Option<i64>,
    /// How many plans it has.
    pub plans: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CountyList {
    pub counties: Vec<CountyView>,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoParams {}

#[utoipa::path(get, path = "/api/counties", operation_id = "list_counties", tag = "plans",
    summary = "Counties the caller sees, with their active plans",
    params(NoParams),
    responses((status = 200, body = CountyList), (status = 400, body = crate::server::errors::ErrorBody),
        (status = 401, body = crate::server::errors::ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
) -> Result<Json<CountyList>, ApiError> {
    let snap = state.plans.snapshot();
    Ok(Json(CountyList {
        counties: snap
            .counties_in(&who.0.scope)
            .map(|c| CountyView {
                code: c.code.to_string(),
                name: c.name.clone(),
                household_size: c.household_size,
                imported_at: c.imported_at.clone(),
                active_plan: snap.active(c.code).map(|p| p.0),
                plans: snap.plans.iter().filter(|p| p.county == c.code).count(),
            })
            .collect(),
    }))
}

//! Plans: list, one with its report, activate, delete.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::counties::NoParams;
use super::{Who, plan_at};
use crate::server::errors::ErrorBody;
use crate::server::params::Params;
use crate::server::pipeline::audit::AuditNote;
use crate::server::{ApiError, AppState};
use crate::store::PlanInfo;

/// A plan in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: i64,
    /// Its county's 6-digit code.
    pub county: String,
    pub name: String,
    pub created_at: String,
    /// Whether it is its county's plan in force.
    pub active: bool,
    /// The plan it was kept stable against.
    pub parent_id: Option<i64>,
    pub grids: i64,
    pub cells: i64,
    /// Share of grids within the size band where the village can hold them.
    pub in_band_feasible: Option<f64>,
}

/// A plan with its parameters and its report.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDetail {
    #[serde(flatten)]
    pub summary: PlanSummary,
    /// The partition parameters.
    #[schema(value_type = Object)]
    pub params: Value,
    /// The partition report (figures, checks, problems).
    #[schema(value_type = Object)]
    pub report: Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    pub plans: Vec<PlanSummary>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Deleted {
    /// The id of the plan deleted.
    pub deleted: i64,
}

pub(super) fn summary(p: &PlanInfo) -> PlanSummary {
    let report: Value = serde_json::from_str(&p.report).unwrap_or(Value::Null);
    PlanSummary {
        id: p.id.0,
        county: p.county.to_string(),
        name: p.name.clone(),
        created_at: p.created_at.clone(),
        active: p.active,
        parent_id: p.parent_id.map(|x| x.0),
        grids: p.grids,
        cells: p.cells,
        in_band_feasible: report.pointer("/in_band_feasible").and_then(Value::as_f64),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountyFilter {
    /// Only this county's plans (6 digits).
    pub county: Option<String>,
}

#[utoipa::path(get, path = "/api/plans", operation_id = "list_plans", tag = "plans", summary = "Plans, oldest first",
    params(CountyFilter),
    responses((status = 200, body = PlanList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<CountyFilter>,
) -> Result<Json<PlanList>, ApiError> {
    let county = match &q.county {
        Some(c) => Some(state.plans.county(Some(c), &who.0.scope)?),
        None => None,
    };
    let snap = state.plans.snapshot();
    Ok(Json(PlanList {
        plans: snap
            .plans
            .iter()
            .filter(|p| who.0.scope.allows_county(p.county))
            .filter(|p| county.is_none_or(|c| c == p.county))
            .map(summary)
            .collect(),
    }))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OneQuery {
    /// The county whose `active` plan is meant.
    pub county: Option<String>,
}

#[utoipa::path(get, path = "/api/plans/{plan}", operation_id = "get_plan", tag = "plans",
    summary = "One plan with its parameters and report",
    params(("plan" = String, Path, description = "Plan id, or `active`"), OneQuery),
    responses((status = 200, body = PlanDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn one(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(sel): Path<String>,
    Params(q): Params<OneQuery>,
) -> Result<Json<PlanDetail>, ApiError> {
    let p = plan_at(&state, &who, &sel, q.county.as_deref())?;
    Ok(Json(PlanDetail {
        summary: summary(&p),
        params: serde_json::from_str(&p.params).unwrap_or(Value::Null),
        report: serde_json::from_str(&p.report).unwrap_or(Value::Null),
    }))
}

#[utoipa::path(post, path = "/api/plans/{plan}/activate", operation_id = "activate_plan", tag = "plans",
    summary = "Make a plan its county's plan in force",
    params(("plan" = String, Path, description = "Plan id"), NoParams),
    responses((status = 200, body = PlanSummary), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 503, body = ErrorBody)),
    security(("bearer" = ["planner", "admin"]), ("session" = ["planner", "admin"])))]
pub(super) async fn activate(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(sel): Path<String>,
    Params(_): Params<NoParams>,
) -> Result<Response, ApiError> {
    let p = plan_at(&state, &who, &sel, None)?;
    state.store.activate_plan(p.id).await?;
    state.refresh_plans().await?;
    let now = plan_at(&state, &who, &p.id.to_string(), None)?;
    tracing::info!(plan = p.id.0, county = %p.county, "activated plan");
    let mut res = Json(summary(&now)).into_response();
    res.extensions_mut().insert(AuditNote {
        action: "plan.activate".into(),
        target: p.id.to_string(),
        county: p.county.to_string(),
    });
    Ok(res)
}

#[utoipa::path(delete, path = "/api/plans/{plan}", operation_id = "delete_plan", tag = "plans",
    summary = "Delete a plan that is not in force, with its grids and blocks",
    params(("plan" = String, Path, description = "Plan id"), NoParams),
    responses((status = 200, body = Deleted), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["planner", "admin"]), ("session" = ["planner", "admin"])))]
pub(super) async fn delete(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(sel): Path<String>,
    Params(_): Params<NoParams>,
) -> Result<Response, ApiError> {
    if sel == "active" {
        return Err(ApiError::Conflict(
            "the active plan cannot be deleted; activate another plan first".into(),
        ));
    }
    let p = plan_at(&state, &who, &sel, None)?;
    state.store.delete_plan(p.id).await?;
    state.refresh_plans().await?;
    state.registry.forget_plan(p.id);
    let mut res = Json(Deleted { deleted: p.id.0 }).into_response();
    res.extensions_mut().insert(AuditNote {
        action: "plan.delete".into(),
        target: p.id.to_string(),
        county: p.county.to_string(),
    });
    Ok(res)
}

//! The REST API under `/api`, every route typed: its parameters, body and
//! answers are Rust types from which the OpenAPI document is generated,
//! and the roles it admits are named in that document's security
//! requirements (see [`crate::server::pipeline::authorize`]).

mod accounts;
mod audit;
mod cases;
mod compare;
mod counties;
mod export;
mod grids;
mod hotspots;
mod kpi;
mod live;
mod locate;
mod open311;
mod partitions;
mod plans;
mod positions;
mod session;
mod workers;

pub(crate) use cases::announce as announce_case;
pub use compare::Comparisons;
pub use partitions::Jobs;
pub(crate) use positions::{PeriodParams, period};
pub use session::LoginLimiter;

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ApiError;
use super::AppState;
use crate::auth::Principal;
use crate::source::{BuildAt, Built, GridSet, SourceKind};
use crate::store::{GridLevel, PlanInfo};

pub fn routes() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::new()
        .routes(routes!(counties::list))
        .routes(routes!(plans::list))
        .routes(routes!(plans::one, plans::delete))
        .routes(routes!(plans::activate))
        .routes(routes!(grids::list))
        .routes(routes!(export::geojson))
        .routes(routes!(export::selection))
        .routes(routes!(grids::one))
        .routes(routes!(locate::locate))
        .routes(routes!(compare::compare_plans))
        .routes(routes!(partitions::start))
        .routes(routes!(partitions::status))
        .routes(routes!(
            session::current,
            session::sign_in,
            session::sign_out
        ))
        .routes(routes!(accounts::users, accounts::add_user))
        .routes(routes!(accounts::set_user))
        .routes(routes!(accounts::tokens, accounts::issue_token))
        .routes(routes!(accounts::revoke_token))
        .routes(routes!(audit::log))
        .routes(routes!(workers::list, workers::upload))
        .routes(routes!(workers::one))
        .routes(routes!(positions::ingest))
        .routes(routes!(live::live))
        .routes(routes!(kpi::patrol_kpis))
        .routes(routes!(positions::osmand_get, positions::osmand_post))
        .routes(routes!(positions::patrols))
        .routes(routes!(positions::replay_track))
        .routes(routes!(cases::report, cases::list))
        .routes(routes!(cases::categories))
        .routes(routes!(cases::import))
        .routes(routes!(cases::one))
        .routes(routes!(cases::transition))
        .routes(routes!(open311::services))
        .routes(routes!(open311::requests, open311::report))
        .routes(routes!(open311::request))
        .routes(routes!(cases::kpis))
        .routes(routes!(hotspots::hot_spots))
}

/// The authorised caller of a route (set by the authorisation layer).
#[derive(Debug, Clone)]
pub struct Who(pub Principal);

impl<S: Send + Sync> FromRequestParts<S> for Who {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Who)
            .ok_or_else(|| ApiError::Unauthorized("sign in or send a bearer token".into()))
    }
}

/// Which plan and county a read is about.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Plan id, or `active` (default).
    pub plan: Option<String>,
    /// County code (6 digits); default: the caller's county, else the store's first.
    pub county: Option<String>,
}

/// `grid` (default) or `cell`.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LevelParam {
    #[default]
    Grid,
    Cell,
}

impl From<LevelParam> for GridLevel {
    fn from(l: LevelParam) -> Self {
        match l {
            LevelParam::Grid => GridLevel::Grid,
            LevelParam::Cell => GridLevel::Cell,
        }
    }
}

/// The plan a path segment (`active` or an id) names, as the caller sees it.
fn plan_at(
    state: &AppState,
    who: &Who,
    sel: &str,
    county: Option<&str>,
) -> Result<PlanInfo, ApiError> {
    state.plans.resolve(Some(sel), county, &who.0.scope)
}

/// A plan's grids (or cells) as the tile source holds them.
async fn grid_set(
    state: &AppState,
    plan: &PlanInfo,
    level: GridLevel,
) -> Result<Arc<GridSet>, ApiError> {
    let kind = match level {
        GridLevel::Cell => SourceKind::Cells,
        GridLevel::Grid => SourceKind::Grids,
    };
    let at = BuildAt::new(plan.county, Some(plan.id));
    match &*state.registry.get_kind(&state.store, kind, at).await? {
        Built::Grids(g) => Ok(g.clone()),
        _ => Err(ApiError::Internal("grid source of the wrong kind".into())),
    }
}

//! `GET /api/locate?lon=&lat=`: the town, village and grid at a point.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use geo_types::Coord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::grids::{GridView, grid_view};
use super::{Who, grid_set};
use crate::mvt::TileValue;
use crate::server::errors::ErrorBody;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::source::{BuildAt, Built, PolygonSource, SourceKind};

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LocateQuery {
    /// Longitude, WGS84.
    pub lon: f64,
    /// Latitude, WGS84.
    pub lat: f64,
    /// Plan id, or `active` (default).
    pub plan: Option<String>,
    /// County code; default: the caller's county, else the store's first.
    pub county: Option<String>,
}

/// A town or village.
#[derive(Debug, Serialize, ToSchema)]
pub struct Unit {
    pub code: Option<String>,
    pub name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Located {
    pub lon: f64,
    pub lat: f64,
    pub county: String,
    /// The plan the grid is from.
    pub plan: Option<i64>,
    pub town: Option<Unit>,
    pub village: Option<Unit>,
    pub grid: Option<GridView>,
}

fn unit(src: &PolygonSource, c: Coord<f64>, scope: &crate::auth::Scope) -> Option<Unit> {
    let i = src.locate(c)?;
    let f = &src.features()[i];
    let get = |k: &str| {
        f.properties
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| match v {
                TileValue::Str(s) => Some(s.clone()),
                _ => None,
            })
    };
    let code = get("code");
    if !code.as_deref().is_some_and(|c| scope.allows_code(c)) {
        return None;
    }
    Some(Unit {
        code,
        name: get("name"),
    })
}

#[utoipa::path(get, path = "/api/locate", operation_id = "locate", tag = "grids", summary = "Town, village and grid at a point",
    params(LocateQuery),
    responses((status = 200, body = Located), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn locate(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<LocateQuery>,
) -> Result<Json<Located>, ApiError> {
    for (name, v, max) in [("lon", q.lon, 180.0), ("lat", q.lat, 85.06)] {
        if !v.is_finite() || v.abs() > max {
            return Err(ApiError::BadRequest(format!(
                "{name} {v} is not a number within ±{max}"
            )));
        }
    }
    let c = Coord { x: q.lon, y: q.lat };
    let scope = &who.0.scope;
    let county = state.plans.county(q.county.as_deref(), scope)?;
    let admin = state
        .registry
        .get_kind(&state.store, SourceKind::Admin, BuildAt::new(county, None))
        .await?;
    let (town, village) = match &*admin {
        Built::Admin(a) => (unit(a.towns(), c, scope), unit(a.villages(), c, scope)),
        _ => (None, None),
    };
    let mut out = Located {
        lon: c.x,
        lat: c.y,
        county: county.to_string(),
        plan: None,
        town,
        village,
        grid: None,
    };
    let snap = state.plans.snapshot();
    if q.plan.is_some() || snap.active(county).is_some() {
        let cs = county.to_string();
        let plan = state.plans.resolve(q.plan.as_deref(), Some(&cs), scope)?;
        let set = grid_set(&state, &plan, crate::store::GridLevel::Grid).await?;
        out.plan = Some(plan.id.0);
        if let Some(i) = set.source.locate(c)
            && scope.allows_code(&set.grids[i].code)
        {
            out.grid = Some(grid_view(&set, i, None));
        }
    }
    Ok(Json(out))
}

//! `GET /api/hotspots`: hot and cold spots of cases (Gi* on H3 cells over
//! the county's grids, zero-filled, FDR-corrected bins), and the cases of
//! each grid per 1,000 residents.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use geo_types::{Coord, MultiPolygon};
use ops::hotspots::{HotCell, HotspotParams, hotspots};
use ops::positions::UnixMs;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use super::cases::time_param;
use crate::server::errors::ErrorBody;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::store::cases::CaseFilter;
use crate::store::{CountyCode, GridLevel};

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct HotspotQuery {
    pub county: Option<String>,
    /// H3 resolution, 7–10 (default 9, cells of about 0.1 km²).
    pub res: Option<u8>,
    /// Rings of neighbours, 1–5 (default 2).
    pub k: Option<u32>,
    /// Cases reported from (RFC 3339 or Unix seconds); no window: all cases.
    pub from: Option<String>,
    pub to: Option<String>,
    /// A category code or name.
    pub category: Option<String>,
    /// Conditional permutations, 0–9999 (default 0: none).
    pub permutations: Option<usize>,
    pub seed: Option<u64>,
    /// Benjamini–Hochberg correction of the bins (default true).
    pub fdr: Option<bool>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridRate {
    pub grid: String,
    pub cases: usize,
    pub residents: f64,
    /// Cases per 1,000 residents (none for a grid without residents).
    pub per_1000: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotspotReply {
    pub county: String,
    pub res: u8,
    pub k: u32,
    pub cases: usize,
    pub fdr: bool,
    #[schema(value_type = Vec<Object>)]
    pub cells: Vec<HotCell>,
    pub grids: Vec<GridRate>,
}

/// The cases' locations and the county's area (its grids, within the
/// caller's scope) for hot spots.
pub(crate) struct HotspotInput {
    pub county: CountyCode,
    pub points: Vec<Coord<f64>>,
    pub grid_of_case: Vec<String>,
    pub area: MultiPolygon<f64>,
    pub grids: Vec<(String, f64)>,
}

pub(crate) async fn input(
    state: &AppState,
    county: CountyCode,
    within: Option<&str>,
    from: Option<UnixMs>,
    to: Option<UnixMs>,
    category: Option<String>,
) -> Result<HotspotInput, ApiError> {
    let snap = state.plans.snapshot();
    let plan = snap
        .active(county)
        .and_then(|id| snap.plan(id))
        .ok_or_else(|| ApiError::Conflict(format!("county {county} has no plan in force")))?
        .clone();
    let set = super::grid_set(state, &plan, GridLevel::Grid).await?;
    let mine = |code: &str| within.is_none_or(|p| code.starts_with(p));
    let area = MultiPolygon(
        set.grids
            .iter()
            .filter(|g| mine(&g.code))
            .flat_map(|g| g.geometry.0.iter().cloned())
            .collect(),
    );
    let grids = set
        .grids
        .iter()
        .filter(|g| mine(&g.code))
        .map(|g| (g.code.clone(), g.population))
        .collect();
    let cases = state
        .store
        .case_points(&CaseFilter {
            county: Some(county),
            within: within.map(str::to_owned),
            category,
            from,
            to,
            ..CaseFilter::default()
        })
        .await?;
    Ok(HotspotInput {
        county,
        points: cases
            .iter()
            .map(|(x, y, _)| Coord { x: *x, y: *y })
            .collect(),
        grid_of_case: cases.into_iter().map(|(_, _, g)| g).collect(),
        area,
        grids,
    })
}

#[utoipa::path(get, path = "/api/hotspots", operation_id = "hotspots", tag = "cases",
    summary = "Hot and cold spots of cases: Gi* on zero-filled H3 cells (z, two-sided p, 99/95/90 % bins, FDR), and cases per 1,000 residents by grid",
    params(HotspotQuery),
    responses((status = 200, body = HotspotReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn hot_spots(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<HotspotQuery>,
) -> Result<Json<HotspotReply>, ApiError> {
    let who = &who.0;
    let county = state.plans.county(q.county.as_deref(), &who.scope)?;
    let category = q
        .category
        .as_deref()
        .map(|c| super::cases::category_code(&state.config.case_categories, c))
        .transpose()?;
    let params = HotspotParams {
        res: q.res.unwrap_or(9),
        k: q.k.unwrap_or(2),
        fdr: q.fdr.unwrap_or(true),
        permutations: q.permutations.unwrap_or(0),
        seed: q.seed.unwrap_or(1),
    };
    if params.permutations > 9999 {
        return Err(ApiError::BadRequest("at most 9999 permutations".into()));
    }
    let inp = input(
        &state,
        county,
        who.scope.within_county(),
        time_param(&q.from, "from")?,
        time_param(&q.to, "to")?,
        category,
    )
    .await?;
    let n_cases = inp.points.len();
    let (points, area, p) = (inp.points, inp.area, params.clone());
    let cells = tokio::task::spawn_blocking(move || hotspots(&points, &area, &p))
        .await
        .map_err(|e| ApiError::Internal(format!("hot spots: {e}")))?
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let mut per_grid: HashMap<&str, usize> = HashMap::new();
    for g in &inp.grid_of_case {
        *per_grid.entry(g.as_str()).or_default() += 1;
    }
    let grids = inp
        .grids
        .iter()
        .map(|(code, residents)| {
            let n = per_grid.get(code.as_str()).copied().unwrap_or(0);
            GridRate {
                grid: code.clone(),
                cases: n,
                residents: *residents,
                per_1000: (*residents > 0.0).then(|| n as f64 * 1000.0 / residents),
            }
        })
        .collect();
    Ok(Json(HotspotReply {
        county: inp.county.to_string(),
        res: params.res,
        k: params.k,
        cases: n_cases,
        fdr: params.fdr,
        cells,
        grids,
    }))
}

//! A plan's grids with their figures, and one grid with its neighbours.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{LevelParam, PlanQuery, Who, grid_set, plan_at};
use crate::auth::Scope;
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::source::GridSet;
use crate::store::{GridLevel, StoredGrid};

/// A grid (or unit cell) and its figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct GridView {
    pub plan: i64,
    pub county: String,
    /// `grid` or `cell`.
    pub level: String,
    /// 15-digit grid code (cells have longer codes).
    pub code: String,
    pub name: String,
    pub village_code: String,
    pub village_name: String,
    pub town_code: String,
    pub town_name: String,
    /// Residents (人).
    pub population: f64,
    /// Households (户).
    pub households: f64,
    pub buildings: i64,
    /// Area, m².
    pub area_m2: f64,
    /// Perimeter, m.
    pub perimeter_m: f64,
    /// Compactness, 0–1.
    pub polsby_popper: f64,
    /// The special site of a dedicated grid (专属网格).
    pub dedicated: Option<String>,
    /// Whether its size is within the band.
    pub in_band: Option<bool>,
    /// The grid a cell belongs to.
    pub parent_code: Option<String>,
    /// West, south, east, north.
    pub bbox: [f64; 4],
    /// Who it borders and for how long (one grid only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<Vec<Neighbour>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Neighbour {
    pub code: String,
    pub name: String,
    pub village_code: String,
    /// Shared boundary, m.
    pub shared_boundary_m: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridTotals {
    pub population: f64,
    pub households: f64,
    pub buildings: f64,
    pub in_band: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GridList {
    pub plan: i64,
    pub county: String,
    pub count: usize,
    pub totals: GridTotals,
    pub grids: Vec<GridView>,
}

fn r(x: f64, d: i32) -> f64 {
    let f = 10f64.powi(d);
    // `+ 0.0` turns -0.0 into 0.0.
    (x * f).round() / f + 0.0
}

/// A grid's figures and, with `neighbours`, who it borders (within the scope).
pub(super) fn grid_view(set: &GridSet, i: usize, neighbours: Option<&Scope>) -> GridView {
    let g: &StoredGrid = &set.grids[i];
    let bbox = geo::BoundingRect::bounding_rect(&g.geometry)
        .map(|b| {
            [
                r(b.min().x, 7),
                r(b.min().y, 7),
                r(b.max().x, 7),
                r(b.max().y, 7),
            ]
        })
        .unwrap_or_default();
    GridView {
        plan: set.plan.0,
        county: set.county.to_string(),
        level: g.level.as_str().into(),
        code: g.code.clone(),
        name: g.name.clone(),
        village_code: g.village_code.clone(),
        village_name: g.village_name.clone(),
        town_code: g.town_code.clone(),
        town_name: g.town_name.clone(),
        population: r(g.population, 2),
        households: r(g.households, 2),
        buildings: g.buildings,
        area_m2: r(g.area_m2, 1),
        perimeter_m: r(g.perimeter_m, 1),
        polsby_popper: r(g.polsby_popper, 4),
        dedicated: g.dedicated.clone(),
        in_band: g.in_band,
        parent_code: g.parent_code.clone(),
        bbox,
        neighbours: neighbours.map(|scope| {
            set.neighbours[i]
                .iter()
                .filter(|&&(j, _)| scope.allows_code(&set.grids[j].code))
                .map(|&(j, len)| {
                    let n = &set.grids[j];
                    Neighbour {
                        code: n.code.clone(),
                        name: n.name.clone(),
                        village_code: n.village_code.clone(),
                        shared_boundary_m: r(len, 1),
                    }
                })
                .collect()
        }),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct GridFilter {
    /// Town code or name.
    pub town: Option<String>,
    /// Village/community code or name.
    pub village: Option<String>,
    /// `grid` (default) or `cell`.
    #[param(inline)]
    pub level: Option<LevelParam>,
    /// The county whose `active` plan is meant.
    pub county: Option<String>,
}

/// The grids of a set matching the filter and inside the caller's scope.
pub(super) fn picked(
    set: &GridSet,
    scope: &Scope,
    town: Option<&str>,
    village: Option<&str>,
) -> Vec<usize> {
    set.matching(town, village)
        .into_iter()
        .filter(|&i| scope.allows_code(&set.grids[i].code))
        .collect()
}

#[utoipa::path(get, path = "/api/plans/{plan}/grids", operation_id = "list_grids", tag = "grids",
    summary = "Grids (or cells) of a plan with their figures and totals",
    params(("plan" = String, Path, description = "Plan id, or `active`"), GridFilter),
    responses((status = 200, body = GridList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(sel): Path<String>,
    Params(q): Params<GridFilter>,
) -> Result<Json<GridList>, ApiError> {
    let plan = plan_at(&state, &who, &sel, q.county.as_deref())?;
    let set = grid_set(&state, &plan, q.level.unwrap_or_default().into()).await?;
    let picked = picked(&set, &who.0.scope, q.town.as_deref(), q.village.as_deref());
    let sum = |f: fn(&StoredGrid) -> f64| picked.iter().map(|&i| f(&set.grids[i])).sum::<f64>();
    Ok(Json(GridList {
        plan: plan.id.0,
        county: plan.county.to_string(),
        count: picked.len(),
        totals: GridTotals {
            population: r(sum(|g| g.population), 0),
            households: r(sum(|g| g.households), 0),
            buildings: sum(|g| g.buildings as f64),
            in_band: picked
                .iter()
                .filter(|&&i| set.grids[i].in_band == Some(true))
                .count(),
        },
        grids: picked.iter().map(|&i| grid_view(&set, i, None)).collect(),
    }))
}

#[utoipa::path(get, path = "/api/grids/{code}", operation_id = "get_grid", tag = "grids",
    summary = "One grid or cell with its figures and neighbours",
    params(("code" = String, Path, description = "Grid code (15 digits) or cell code"), PlanQuery),
    responses((status = 200, body = GridView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn one(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(code): Path<String>,
    Params(q): Params<PlanQuery>,
) -> Result<Json<GridView>, ApiError> {
    if code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::BadRequest(format!(
            "grid codes are digits, not {:?}",
            clip(&code)
        )));
    }
    // A grid's county is in its code: `active` means that county's plan.
    let county = q
        .county
        .clone()
        .or_else(|| code.get(..6).map(str::to_string));
    let plan = state
        .plans
        .resolve(q.plan.as_deref(), county.as_deref(), &who.0.scope)
        .map_err(|e| match e {
            // The code's own county part names no county the caller sees.
            ApiError::BadRequest(_) | ApiError::NotFound(_) if q.county.is_none() => {
                ApiError::NotFound(format!("no grid {code}"))
            }
            other => other,
        })?;
    if who.0.scope.allows_code(&code) {
        // Cells' codes are longer than grids'; look in both.
        for lvl in [GridLevel::Grid, GridLevel::Cell] {
            let set = grid_set(&state, &plan, lvl).await?;
            if let Some(i) = set.index_of(&code) {
                return Ok(Json(grid_view(&set, i, Some(&who.0.scope))));
            }
        }
    }
    Err(ApiError::NotFound(format!(
        "no grid {code} in plan {}",
        plan.id
    )))
}

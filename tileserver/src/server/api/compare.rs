//! `GET /api/compare?a=&b=`: what changed from plan a to plan b — grids
//! whose boundary or households differ (by code), and the households whose
//! building lies in a grid of another code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use geo::InteriorPoint;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Who, grid_set};
use crate::mvt::TileValue;
use crate::server::errors::ErrorBody;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::source::{BuildAt, Built, GridSet, Shape, SourceKind};
use crate::store::{GridLevel, PlanId};

/// What changed from plan `a` to plan `b`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Comparison {
    pub a: i64,
    pub b: i64,
    pub grids_a: usize,
    pub grids_b: usize,
    /// Codes in both whose boundary or households differ.
    pub changed: Vec<String>,
    /// Codes only in `b`.
    pub added: Vec<String>,
    /// Codes only in `a`.
    pub removed: Vec<String>,
    /// Households whose building lies in a grid of another code.
    pub households_changing_grid: f64,
    pub households: f64,
}

/// Results by (a, b, layers generation): plans never change once saved.
#[derive(Default)]
pub struct Comparisons(Mutex<HashMap<(PlanId, PlanId, u64), Arc<Comparison>>>);

fn differs(a: &crate::store::StoredGrid, b: &crate::store::StoredGrid) -> bool {
    (a.households - b.households).abs() >= 0.5 || a.geometry != b.geometry
}

fn compare(
    a: &GridSet,
    b: &GridSet,
    buildings: Option<&crate::source::FeatureSource>,
) -> Comparison {
    // Both sets are sorted by code: look each up in the other.
    let mut changed = Vec::new();
    let mut added = Vec::new();
    for g in &b.grids {
        match a.index_of(&g.code) {
            Some(x) if differs(&a.grids[x], g) => changed.push(g.code.clone()),
            Some(_) => {}
            None => added.push(g.code.clone()),
        }
    }
    let removed: Vec<String> = a
        .grids
        .iter()
        .filter(|g| b.index_of(&g.code).is_none())
        .map(|g| g.code.clone())
        .collect();
    let mut moved = 0.0;
    let mut counted = 0.0;
    if let Some(bs) = buildings
        && let Some(h) = bs.key_index("households")
    {
        for f in bs.features() {
            let households = match f.values.get(h) {
                Some(TileValue::Double(v)) => *v,
                _ => 0.0,
            };
            if households <= 0.0 {
                continue;
            }
            let Shape::Area(mp) = &f.shape else { continue };
            let Some(p) = mp.interior_point() else {
                continue;
            };
            let ga = a.source.locate(p.0).map(|i| &a.grids[i].code);
            let gb = b.source.locate(p.0).map(|i| &b.grids[i].code);
            counted += households;
            if ga != gb {
                moved += households;
            }
        }
    }
    Comparison {
        a: a.plan.0,
        b: b.plan.0,
        grids_a: a.grids.len(),
        grids_b: b.grids.len(),
        changed,
        added,
        removed,
        households_changing_grid: moved.round(),
        households: counted.round(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// Plan id, or `active`.
    pub a: String,
    /// Plan id, or `active`.
    pub b: String,
    /// The county whose `active` plan is meant.
    pub county: Option<String>,
}

#[utoipa::path(get, path = "/api/compare", operation_id = "compare_plans", tag = "plans",
    summary = "What changed from plan a to plan b (of one county): grids whose boundary or households differ, added and removed codes, households whose building is in a grid of another code",
    params(CompareQuery),
    responses((status = 200, body = Comparison), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn compare_plans(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<CompareQuery>,
) -> Result<Json<Comparison>, ApiError> {
    let scope = &who.0.scope;
    let a = state
        .plans
        .resolve(Some(&q.a), q.county.as_deref(), scope)?;
    let b = state
        .plans
        .resolve(Some(&q.b), q.county.as_deref(), scope)?;
    if a.county != b.county {
        return Err(ApiError::BadRequest(format!(
            "plan {} is of county {} and plan {} of county {}: compare plans of one county",
            a.id, a.county, b.id, b.county
        )));
    }
    let key = (a.id, b.id, state.registry.generation());
    let cached = state
        .comparisons
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .cloned();
    let v = match cached {
        Some(v) => v,
        None => {
            let (sa, sb) = (
                grid_set(&state, &a, GridLevel::Grid).await?,
                grid_set(&state, &b, GridLevel::Grid).await?,
            );
            let at = BuildAt::new(a.county, None);
            let buildings = match &*state
                .registry
                .get_kind(&state.store, SourceKind::Buildings, at)
                .await?
            {
                Built::Features(f) => Some(f.clone()),
                _ => None,
            };
            let v = tokio::task::spawn_blocking(move || compare(&sa, &sb, buildings.as_deref()))
                .await
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            let v = Arc::new(v);
            state
                .comparisons
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(key, v.clone());
            v
        }
    };
    let mut out = (*v).clone();
    // A town- or village-scoped caller sees the codes inside its scope.
    if scope.within_county().is_some() {
        for list in [&mut out.changed, &mut out.added, &mut out.removed] {
            list.retain(|c| scope.allows_code(c));
        }
    }
    Ok(Json(out))
}

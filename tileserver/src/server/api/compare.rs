//! `GET /api/compare?a=&b=`: what changed from plan a to plan b — grids
//! whose boundary or households differ (by code), and the households whose
//! building lies in a grid of another code.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use geo::InteriorPoint;
use serde_json::{Value, json};

use super::{grid_set, only};
use crate::mvt::TileValue;
use crate::server::errors::query_map;
use crate::server::{ApiError, AppState};
use crate::source::{Built, GridSet, Shape, SourceKind};

/// Results by (a, b, layers generation): plans never change once saved.
#[derive(Default)]
pub struct Comparisons(Mutex<HashMap<(i64, i64, u64), Arc<Value>>>);

fn differs(a: &crate::store::StoredGrid, b: &crate::store::StoredGrid) -> bool {
    (a.households - b.households).abs() >= 0.5 || a.geometry != b.geometry
}

fn compare(a: &GridSet, b: &GridSet, buildings: Option<&crate::source::FeatureSource>) -> Value {
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
    json!({
        "a": a.plan,
        "b": b.plan,
        "grids_a": a.grids.len(),
        "grids_b": b.grids.len(),
        "changed": changed,
        "added": added,
        "removed": removed,
        "households_changing_grid": moved.round(),
        "households": counted.round(),
    })
}

pub(super) async fn compare_plans(
    State(state): State<Arc<AppState>>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(&uri)?;
    only(&q, &["a", "b"])?;
    let need = |k: &str| {
        q.get(k)
            .map(String::as_str)
            .ok_or_else(|| ApiError::BadRequest(format!("{k} (a plan id) is required")))
    };
    let a = state.plans.resolve(Some(need("a")?))?;
    let b = state.plans.resolve(Some(need("b")?))?;
    let key = (a, b, state.registry.layers_generation());
    if let Some(v) = state
        .comparisons
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
    {
        return Ok(Json((**v).clone()));
    }
    let (sa, sb) = (
        grid_set(&state, a, "grid").await?,
        grid_set(&state, b, "grid").await?,
    );
    let buildings = match &*state
        .registry
        .get(&state.store, SourceKind::Buildings, 0)
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
    Ok(Json((*v).clone()))
}

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::{Value, json};

use super::{grid_set, level, only};
use crate::export::grid_properties;
use crate::server::errors::query_map;
use crate::server::{ApiError, AppState};
use crate::source::GridSet;

/// A grid's figures and, with `neighbours`, who it borders and how long.
pub(super) fn grid_json(set: &GridSet, i: usize, neighbours: bool) -> Value {
    let g = &set.grids[i];
    let mut v = Value::Object(grid_properties(g));
    v["plan"] = set.plan.into();
    if let Some(r) = geo::BoundingRect::bounding_rect(&g.geometry) {
        let r7 = |x: f64| (x * 1e7).round() / 1e7;
        v["bbox"] = json!([r7(r.min().x), r7(r.min().y), r7(r.max().x), r7(r.max().y)]);
    }
    if neighbours {
        v["neighbours"] = set.neighbours[i]
            .iter()
            .map(|&(j, len)| {
                let n = &set.grids[j];
                json!({"code": n.code, "name": n.name, "village_code": n.village_code,
                    "shared_boundary_m": (len * 10.0).round() / 10.0})
            })
            .collect();
    }
    v
}

/// `GET /api/plans/{plan}/grids?town=&village=&level=`: the grids with
/// their figures, and totals.
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    Path(sel): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(&uri)?;
    only(&q, &["town", "village", "level"])?;
    let plan = state.plans.resolve(Some(&sel))?;
    let set = grid_set(&state, plan, level(q.get("level"))?).await?;
    let picked = set.matching(
        q.get("town").map(String::as_str),
        q.get("village").map(String::as_str),
    );
    let sum = |f: fn(&crate::store::StoredGrid) -> f64| {
        picked.iter().map(|&i| f(&set.grids[i])).sum::<f64>()
    };
    let in_band = picked
        .iter()
        .filter(|&&i| set.grids[i].in_band == Some(true))
        .count();
    Ok(Json(json!({
        "plan": plan,
        "count": picked.len(),
        "totals": {
            "population": sum(|g| g.population).round(),
            "households": sum(|g| g.households).round(),
            "buildings": sum(|g| g.buildings as f64),
            "in_band": in_band,
        },
        "grids": picked.iter().map(|&i| grid_json(&set, i, false)).collect::<Vec<_>>(),
    })))
}

/// `GET /api/grids/{code}?plan=`: one grid (or cell) with its neighbours.
pub(super) async fn one(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(&uri)?;
    only(&q, &["plan"])?;
    if code.len() > 32 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(ApiError::BadRequest(format!(
            "grid codes are digits, not {:?}",
            code.chars().take(40).collect::<String>()
        )));
    }
    let plan = state.plans.resolve(q.get("plan").map(String::as_str))?;
    // Cells' codes are longer than grids'; look in both.
    for lvl in ["grid", "cell"] {
        let set = grid_set(&state, plan, lvl).await?;
        if let Some(i) = set.index_of(&code) {
            return Ok(Json(grid_json(&set, i, true)));
        }
    }
    Err(ApiError::NotFound(format!("no grid {code} in plan {plan}")))
}

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::Uri;
use geo_types::Coord;
use serde_json::{Value, json};

use super::{grid_set, only};
use crate::mvt::TileValue;
use crate::server::errors::query_map;
use crate::server::{ApiError, AppState};
use crate::source::{Built, PolygonSource, SourceKind};

fn coordinate(
    q: &std::collections::HashMap<String, String>,
    name: &str,
    max: f64,
) -> Result<f64, ApiError> {
    let v = q
        .get(name)
        .ok_or_else(|| ApiError::BadRequest(format!("{name} is required")))?;
    v.parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && x.abs() <= max)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "{name} {:?} is not a number within ±{max}",
                v.chars().take(40).collect::<String>()
            ))
        })
}

fn unit(src: &PolygonSource, c: Coord<f64>) -> Value {
    match src.locate(c) {
        Some(i) => {
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
            json!({"code": get("code"), "name": get("name")})
        }
        None => Value::Null,
    }
}

/// `GET /api/locate?lon=&lat=&plan=`: the town, village and grid there.
pub(super) async fn locate(
    State(state): State<Arc<AppState>>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let q = query_map(&uri)?;
    only(&q, &["lon", "lat", "plan"])?;
    let c = Coord {
        x: coordinate(&q, "lon", 180.0)?,
        y: coordinate(&q, "lat", 85.06)?,
    };
    let admin = state
        .registry
        .get(&state.store, SourceKind::Admin, 0)
        .await?;
    let (town, village) = match &*admin {
        Built::Admin(a) => (unit(a.towns(), c), unit(a.villages(), c)),
        _ => (Value::Null, Value::Null),
    };
    let mut out = json!({"lon": c.x, "lat": c.y, "town": town, "village": village, "grid": null});
    let plans = state.plans.snapshot();
    if q.contains_key("plan") || plans.active.is_some() {
        let plan = state.plans.resolve(q.get("plan").map(String::as_str))?;
        let set = grid_set(&state, plan, "grid").await?;
        out["plan"] = plan.into();
        if let Some(i) = set.source.locate(c) {
            out["grid"] = super::grids::grid_json(&set, i, false);
        }
    }
    Ok(Json(out))
}

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::{ApiError, AppState};
use crate::mvt::{TileId, TileValue, encode_tile};
use crate::source::{PolygonFeature, PolygonSource};
use crate::store::{StoreError, StoredGrid};

/// Query strings longer than this are refused before anything is parsed.
const MAX_QUERY: usize = 256;

pub(crate) fn grid_source(grids: Vec<StoredGrid>) -> PolygonSource {
    let features = grids
        .into_iter()
        .enumerate()
        .map(|(i, g)| PolygonFeature {
            id: i as u64 + 1,
            properties: vec![
                ("code".into(), TileValue::Str(g.code)),
                ("name".into(), TileValue::Str(g.name)),
                ("village_code".into(), TileValue::Str(g.village_code)),
                ("population".into(), TileValue::Double(g.population.round())),
                ("households".into(), TileValue::Double(g.households.round())),
                ("in_band".into(), TileValue::Bool(g.in_band.unwrap_or(true))),
                (
                    "dedicated".into(),
                    TileValue::Str(g.dedicated.unwrap_or_default()),
                ),
            ],
            geometry: g.geometry,
        })
        .collect();
    PolygonSource::new("grids", features)
}

pub(crate) fn block_source(blocks: Vec<crate::store::StoredBlock>) -> PolygonSource {
    let features = blocks
        .into_iter()
        .map(|b| PolygonFeature {
            id: b.block_id as u64 + 1,
            properties: vec![
                ("village_code".into(), TileValue::Str(b.village_code)),
                (
                    "grid_code".into(),
                    TileValue::Str(b.grid_code.unwrap_or_default()),
                ),
                ("population".into(), TileValue::Double(b.population.round())),
                ("households".into(), TileValue::Double(b.households.round())),
            ],
            geometry: b.geometry,
        })
        .collect();
    PolygonSource::new("blocks", features)
}

/// Villages (they tile the county, so they share arcs like grids do).
pub(crate) fn admin_source(units: Vec<partition::AdminUnit>) -> PolygonSource {
    let features = units
        .into_iter()
        .filter(|u| u.level == partition::AdminLevel::Village)
        .enumerate()
        .map(|(i, u)| PolygonFeature {
            id: i as u64 + 1,
            properties: vec![
                ("code".into(), TileValue::Str(u.code.to_string())),
                ("name".into(), TileValue::Str(u.name)),
                ("level".into(), TileValue::Str(u.level.as_str().into())),
                (
                    "town_code".into(),
                    TileValue::Str(u.code.parent().map(|c| c.to_string()).unwrap_or_default()),
                ),
            ],
            geometry: u.geometry,
        })
        .collect();
    PolygonSource::new("admin", features)
}

/// The known source names among a comma-separated list, or the error.
fn parse_sources(list: &str) -> Result<Vec<&'static str>, ApiError> {
    let mut out: Vec<&'static str> = Vec::new();
    for name in list.split(',') {
        let known = super::SOURCES.iter().find(|s| **s == name).ok_or_else(|| {
            ApiError::NotFound(format!(
                "unknown tile source {name:?}; known: {}",
                super::SOURCES.join(", ")
            ))
        })?;
        if !out.contains(known) {
            out.push(known);
        }
    }
    Ok(out)
}

fn store_error(e: StoreError) -> ApiError {
    match e {
        StoreError::NoPlan { .. } => ApiError::NotFound(e.to_string()),
        other => ApiError::Internal(other.to_string()),
    }
}

/// TileJSON 3.0 of a source, with tile URLs on the host the client used.
pub(crate) async fn tilejson(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    headers: axum::http::HeaderMap,
) -> Result<Response, ApiError> {
    let source = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound(format!("no such document {file:?}")))?;
    let [name] = parse_sources(source)?[..] else {
        return Err(ApiError::NotFound("TileJSON describes one source".into()));
    };
    let selector = query.get("plan").map(String::as_str).unwrap_or("active");
    let plan = state
        .store
        .resolve_plan(selector)
        .await
        .map_err(store_error)?;
    let grids = state.source(name, plan).await.map_err(store_error)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.len() < 256
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1");
    let plan_q = if selector == "active" {
        String::new()
    } else {
        format!("?plan={plan}")
    };
    let fields: serde_json::Map<String, serde_json::Value> = grids
        .fields()
        .into_iter()
        .map(|(k, t)| (k, serde_json::Value::from(t)))
        .collect();
    let doc = serde_json::json!({
        "tilejson": "3.0.0",
        "name": name,
        "description": format!("{name} of plan {plan}"),
        "attribution": "© OpenStreetMap contributors",
        "scheme": "xyz",
        "tiles": [format!("http://{host}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt{plan_q}")],
        "minzoom": 0,
        "maxzoom": crate::mvt::MAX_ZOOM,
        "bounds": grids.bounds().unwrap_or([-180.0, -85.0511, 180.0, 85.0511]),
        "vector_layers": [{"id": name, "fields": fields, "minzoom": 0, "maxzoom": crate::mvt::MAX_ZOOM}],
    });
    Ok(axum::Json(doc).into_response())
}

pub(crate) async fn tile(
    State(state): State<Arc<AppState>>,
    Path((source, z, x, file)): Path<(String, String, String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    if query.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "query string longer than {MAX_QUERY} characters"
        )));
    }
    let names = parse_sources(&source)?;
    let y = file
        .strip_suffix(".mvt")
        .ok_or_else(|| ApiError::NotFound(format!("tiles end in .mvt, not {file:?}")))?;
    let num = |name: &str, v: &str| {
        v.parse::<u32>()
            .map_err(|_| ApiError::BadRequest(format!("{name} {v:?} is not a tile number")))
    };
    let tile = TileId::new(num("z", &z)?, num("x", &x)?, num("y", y)?)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let selector = query.get("plan").map(String::as_str).unwrap_or("active");
    let plan = state
        .store
        .resolve_plan(selector)
        .await
        .map_err(store_error)?;
    let mut sources = Vec::with_capacity(names.len());
    for name in names {
        sources.push(state.source(name, plan).await.map_err(store_error)?);
    }
    // Encoding is CPU work: keep it off the async executor.
    let bytes = tokio::task::spawn_blocking(move || {
        let layers: Vec<_> = sources.iter().filter_map(|s| s.layer(tile)).collect();
        (!layers.is_empty()).then(|| encode_tile(layers))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(match bytes {
        None => StatusCode::NO_CONTENT.into_response(),
        Some(b) => Response::builder()
            .header(header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile")
            .body(Body::from(b))
            .map_err(|e| ApiError::Internal(e.to_string()))?,
    })
}

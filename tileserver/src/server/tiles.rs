//! `/tiles/{sources}/{z}/{x}/{y}.mvt`, TileJSON and the catalog.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::cache::{Encoding, Tile};
use super::errors::query_map;
use super::metrics::Metrics;
use super::{ApiError, AppState};
use crate::mvt::{MAX_ZOOM, TileId, encode_tile};
use crate::source::{SourceKind, TileSource};

/// The known sources among a comma-separated list (each once, in the
/// order given), or a 404 naming the unknown one.
pub(crate) fn parse_sources(list: &str) -> Result<Vec<SourceKind>, ApiError> {
    let mut out: Vec<SourceKind> = Vec::new();
    for name in list.split(',') {
        let kind = SourceKind::parse(name).ok_or_else(|| {
            ApiError::NotFound(format!(
                "unknown tile source {:?}; known: {}",
                name.chars().take(40).collect::<String>(),
                SourceKind::ALL.map(SourceKind::as_str).join(", ")
            ))
        })?;
        if !out.contains(&kind) {
            out.push(kind);
        }
    }
    Ok(out)
}

/// The host a client used, when it looks like a host; for absolute URLs
/// in TileJSON and the style.
pub(crate) fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() < 256
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .unwrap_or("127.0.0.1")
        .to_string()
}

/// The plan a request is about (only sources that belong to a plan need one).
fn plan_for(
    state: &AppState,
    kinds: &[SourceKind],
    selector: Option<&str>,
) -> Result<i64, ApiError> {
    if kinds.iter().any(|k| k.per_plan()) {
        state.plans.resolve(selector)
    } else {
        match selector {
            None | Some("active") => Ok(0),
            Some(_) => state.plans.resolve(selector).map(|_| 0),
        }
    }
}

async fn sources(
    state: &AppState,
    kinds: &[SourceKind],
    plan: i64,
) -> Result<Vec<Arc<dyn TileSource>>, ApiError> {
    let mut out = Vec::with_capacity(kinds.len());
    for &k in kinds {
        out.push(state.registry.get(&state.store, k, plan).await?.tiles());
    }
    Ok(out)
}

/// TileJSON 3.0 of one source or a comma list of them.
pub(crate) async fn tilejson(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let query = query_map(&uri)?;
    let list = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound(format!("no such document {file:?}")))?;
    let kinds = parse_sources(list)?;
    let selector = query.get("plan").map(String::as_str);
    let plan = plan_for(&state, &kinds, selector)?;
    let built = sources(&state, &kinds, plan).await?;
    let doc = tilejson_doc(&kinds, &built, plan, selector.is_some(), &host(&headers));
    Ok(axum::Json(doc).into_response())
}

pub(crate) fn tilejson_doc(
    kinds: &[SourceKind],
    built: &[Arc<dyn TileSource>],
    plan: i64,
    pinned: bool,
    host: &str,
) -> serde_json::Value {
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let list = names.join(",");
    let plan_q = if pinned && plan > 0 {
        format!("?plan={plan}")
    } else {
        String::new()
    };
    let mut bounds: Option<[f64; 4]> = None;
    let mut layers = Vec::new();
    let mut min_zoom = MAX_ZOOM;
    for (k, s) in kinds.iter().zip(built) {
        if let Some(b) = s.bounds() {
            bounds = Some(match bounds {
                None => b,
                Some(a) => [
                    a[0].min(b[0]),
                    a[1].min(b[1]),
                    a[2].max(b[2]),
                    a[3].max(b[3]),
                ],
            });
        }
        min_zoom = min_zoom.min(s.min_zoom());
        let fields: serde_json::Map<String, serde_json::Value> = s
            .fields()
            .into_iter()
            .map(|(f, t)| (f, serde_json::Value::from(t)))
            .collect();
        for id in s.layer_names() {
            layers.push(serde_json::json!({
                "id": id,
                "description": k.description(),
                "fields": fields,
                "minzoom": s.min_zoom(),
                "maxzoom": MAX_ZOOM,
            }));
        }
    }
    let b = bounds.unwrap_or([-180.0, -85.0511, 180.0, 85.0511]);
    serde_json::json!({
        "tilejson": "3.0.0",
        "name": list,
        "description": kinds.iter().map(|k| k.description()).collect::<Vec<_>>().join("; "),
        "attribution": "© OpenStreetMap contributors",
        "scheme": "xyz",
        "tiles": [format!("http://{host}/tiles/{list}/{{z}}/{{x}}/{{y}}.mvt{plan_q}")],
        "minzoom": min_zoom,
        "maxzoom": MAX_ZOOM,
        "bounds": b,
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, 12],
        "vector_layers": layers,
    })
}

/// Every source with its TileJSON URL and what it holds.
pub(crate) async fn catalog(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let host = host(&headers);
    let plans = state.plans.snapshot();
    let mut out = Vec::new();
    for k in SourceKind::ALL {
        let mut entry = serde_json::json!({
            "id": k.as_str(),
            "description": k.description(),
            "tilejson": format!("http://{host}/tiles/{}.json", k.as_str()),
            "tiles": format!("http://{host}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt", k.as_str()),
            "per_plan": k.per_plan(),
            "cache_max_age": k.max_age(),
        });
        if !k.per_plan() || plans.active.is_some() {
            let plan = plans.active.unwrap_or(0);
            let s = state.registry.get(&state.store, k, plan).await?.tiles();
            entry["features"] = s.feature_count().into();
            entry["minzoom"] = s.min_zoom().into();
            entry["bounds"] = serde_json::to_value(s.bounds()).unwrap_or_default();
            entry["layers"] = s.layer_names().into();
        }
        out.push(entry);
    }
    Ok(axum::Json(serde_json::json!({
        "store": state.store.kind(),
        "active_plan": plans.active,
        "plans": plans.known,
        "sources": out,
        "style": format!("http://{host}/style.json"),
    }))
    .into_response())
}

fn number(name: &str, v: &str) -> Result<u32, ApiError> {
    v.parse::<u32>().map_err(|_| {
        ApiError::BadRequest(format!(
            "{name} {:?} is not a tile number",
            v.chars().take(40).collect::<String>()
        ))
    })
}

pub(crate) async fn tile(
    State(state): State<Arc<AppState>>,
    Path((list, z, x, file)): Path<(String, String, String, String)>,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let query = query_map(&uri)?;
    if let Some(k) = query.keys().find(|k| k.as_str() != "plan") {
        return Err(ApiError::BadRequest(format!(
            "unknown query parameter {:?}; tiles take only `plan`",
            k.chars().take(40).collect::<String>()
        )));
    }
    let kinds = parse_sources(&list)?;
    let y = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
        .ok_or_else(|| ApiError::NotFound(format!("tiles end in .mvt, not {file:?}")))?;
    let tile = TileId::new(number("z", &z)?, number("x", &x)?, number("y", y)?)
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let plan = plan_for(&state, &kinds, query.get("plan").map(String::as_str))?;
    let key: super::cache::Key = (
        Arc::from(list.as_str()),
        plan,
        state.registry.layers_generation(),
        tile.z,
        tile.x,
        tile.y,
    );
    let cached = state.cache.get(&key);
    let hit = cached.is_some();
    let encoding = Encoding::negotiate(&headers, !state.cache.enabled());
    let (encoded, fresh_body) = match cached {
        Some(t) => {
            Metrics::inc(&state.metrics.tile_cache_hits);
            (t, None)
        }
        None => {
            Metrics::inc(&state.metrics.tile_cache_misses);
            let built = sources(&state, &kinds, plan).await?;
            let t0 = Instant::now();
            // Encoding (and, with no cache, compressing) is CPU work: keep
            // it off the async executor.
            let cache_on = state.cache.enabled();
            // On the encoders' rayon pool: its workers spin a moment before
            // sleeping, so a tile handed over starts sooner than on tokio's
            // blocking pool (+30 % req/s at z14, c = 16: bench/tiles.sh).
            let (tx, rx) = tokio::sync::oneshot::channel();
            state.encoders.spawn(move || {
                let layers: Vec<_> = built.iter().flat_map(|s| s.layers(tile)).collect();
                let raw = if layers.is_empty() {
                    Vec::new()
                } else {
                    encode_tile(layers)
                };
                let t = Arc::new(Tile::new(raw));
                // Compress the wanted encoding here: a cached tile is then
                // weighed with it; an uncached one is sent as is.
                let body = (!t.raw.is_empty()).then(|| t.body(encoding, cache_on));
                let _ = tx.send((t, body));
            });
            let (t, body) = rx
                .await
                .map_err(|e| ApiError::Internal(format!("tile encoding stopped: {e}")))?;
            Metrics::inc(&state.metrics.tiles_encoded);
            Metrics::add(
                &state.metrics.tile_encode_micros,
                t0.elapsed().as_micros() as u64,
            );
            if cache_on {
                state.cache.insert(key, t.clone());
            }
            (t, body)
        }
    };
    let max_age = kinds.iter().map(|k| k.max_age()).min().unwrap_or(60);
    let cache_control = format!("public, max-age={max_age}");
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|e| e.trim() == encoded.etag || e.trim() == "*")
        });
    let builder = Response::builder()
        .header(header::ETAG, &encoded.etag)
        .header(header::CACHE_CONTROL, &cache_control)
        .header(header::VARY, "Accept-Encoding")
        .header("x-tile-cache", if hit { "hit" } else { "miss" });
    let response = if not_modified {
        Metrics::inc(&state.metrics.tiles_not_modified);
        builder.status(StatusCode::NOT_MODIFIED).body(Body::empty())
    } else if encoded.raw.is_empty() {
        Metrics::inc(&state.metrics.tiles_empty);
        builder.status(StatusCode::NO_CONTENT).body(Body::empty())
    } else {
        let body = fresh_body.unwrap_or_else(|| encoded.body(encoding, true));
        Metrics::add(&state.metrics.tile_bytes_sent, body.len() as u64);
        let b = builder.header(header::CONTENT_TYPE, "application/vnd.mapbox-vector-tile");
        match encoding.header() {
            Some(e) => b.header(header::CONTENT_ENCODING, e),
            None => b,
        }
        .body(Body::from(body))
    };
    state.metrics.observe_tile(started.elapsed().as_secs_f64());
    response.map_err(|e| ApiError::Internal(e.to_string()))
}

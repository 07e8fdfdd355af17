//! `/tiles/{sources}/{z}/{x}/{y}.mvt`, TileJSON and the catalog.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use super::cache::{Encoding, Key, Tile};
use super::errors::query_map;
use super::metrics::Metrics;
use super::tile_request::{SourceList, TilePath};
use super::{ApiError, AppState};
use crate::mvt::{MAX_ZOOM, TileId, encode_tile};
use crate::source::{SourceKind, TileSource};

/// The known sources among a comma-separated list (each once, in the
/// order given), or a 404 naming the unknown one.
pub(crate) fn parse_sources(list: &str) -> Result<Vec<SourceKind>, ApiError> {
    SourceList::parse(list).map(SourceList::to_vec)
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
    mut kinds: impl Iterator<Item = SourceKind>,
    selector: Option<&str>,
) -> Result<i64, ApiError> {
    if kinds.any(SourceKind::per_plan) {
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
    let plan = plan_for(&state, kinds.iter().copied(), selector)?;
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

/// The router's tile route (it answers other methods with a 405).
pub(crate) async fn tile_route(State(state): State<Arc<AppState>>, req: Request) -> Response {
    let address = TilePath::split(req.uri().path())
        .map(|p| p.address())
        .unwrap_or_else(|| {
            Err(ApiError::NotFound(
                "no such endpoint; see /openapi.json".into(),
            ))
        });
    tile(state, req, address).await
}

/// One tile, from the cache or encoded; the server's dispatch calls this
/// straight for GET and HEAD on a tile path, past the router.
pub(crate) async fn tile(
    state: Arc<AppState>,
    req: Request,
    address: Result<(SourceList, TileId), ApiError>,
) -> Response {
    let started = Instant::now();
    let (parts, _) = req.into_parts();
    let response = tile_response(&state, &parts, address)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    state.metrics.observe_tile(started.elapsed().as_secs_f64());
    response
}

async fn tile_response(
    state: &Arc<AppState>,
    req: &Parts,
    address: Result<(SourceList, TileId), ApiError>,
) -> Result<Response, ApiError> {
    let selector = match req.uri.query() {
        None => None,
        Some(_) => {
            let mut query = query_map(&req.uri)?;
            if let Some(k) = query.keys().find(|k| k.as_str() != "plan") {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter {:?}; tiles take only `plan`",
                    k.chars().take(40).collect::<String>()
                )));
            }
            query.remove("plan")
        }
    };
    let (list, tile) = address?;
    let plan = plan_for(state, list.kinds(), selector.as_deref())?;
    let key: Key = (
        list,
        plan,
        state.registry.layers_generation(),
        tile.z,
        tile.x,
        tile.y,
    );
    let cached = state.cache.get(&key);
    let hit = cached.is_some();
    let encoding = Encoding::negotiate(&req.headers, !state.cache.enabled());
    let (encoded, fresh_body) = match cached {
        Some(t) => {
            Metrics::inc(&state.metrics.tile_cache_hits);
            (t, None)
        }
        None => {
            Metrics::inc(&state.metrics.tile_cache_misses);
            let built = sources(state, &list.to_vec(), plan).await?;
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
    let not_modified = req
        .headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            let etag = encoded.etag.as_bytes();
            v.split(',')
                .any(|e| e.trim().as_bytes() == etag || e.trim() == "*")
        });
    let (status, body) = if not_modified {
        Metrics::inc(&state.metrics.tiles_not_modified);
        (StatusCode::NOT_MODIFIED, None)
    } else if encoded.raw.is_empty() {
        Metrics::inc(&state.metrics.tiles_empty);
        (StatusCode::NO_CONTENT, None)
    } else {
        let body = fresh_body.unwrap_or_else(|| encoded.body(encoding, true));
        Metrics::add(&state.metrics.tile_bytes_sent, body.len() as u64);
        (StatusCode::OK, Some(body))
    };
    // Header values are prebuilt or static: nothing here is parsed or
    // validated per response.
    let has_body = body.is_some();
    let mut response = Response::new(body.map_or_else(Body::empty, Body::from));
    *response.status_mut() = status;
    let h = response.headers_mut();
    h.insert(header::ETAG, encoded.etag.clone());
    h.insert(
        header::CACHE_CONTROL,
        cache_control(list.kinds().map(SourceKind::max_age).min().unwrap_or(60)),
    );
    h.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    h.insert(
        X_TILE_CACHE,
        HeaderValue::from_static(if hit { "hit" } else { "miss" }),
    );
    if has_body {
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.mapbox-vector-tile"),
        );
        if let Some(e) = encoding.header() {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
    }
    Ok(response)
}

const X_TILE_CACHE: HeaderName = HeaderName::from_static("x-tile-cache");

fn cache_control(max_age: u32) -> HeaderValue {
    match max_age {
        60 => HeaderValue::from_static("public, max-age=60"),
        3600 => HeaderValue::from_static("public, max-age=3600"),
        n => HeaderValue::from_str(&format!("public, max-age={n}"))
            .unwrap_or_else(|_| HeaderValue::from_static("no-cache")),
    }
}

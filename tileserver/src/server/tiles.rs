//! `/tiles/{sources}/{z}/{x}/{y}.mvt`, TileJSON and the catalog.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::api::Who;
use super::cache::{Encoding, Key, Tile};
use super::errors::{ErrorBody, clip};
use super::metrics::Metrics;
use super::params::{pairs, parse_query};
use super::pipeline::authorize::authorize;
use super::pipeline::{Caller, Peer};
use super::tile_request::{SourceSet, TilePath};
use super::{ApiError, AppState};
use ops::positions::UnixMs;
use ops::positions::time::LocalDays;

use super::api::{PeriodParams, period};
use crate::auth::{Actor, Principal, Role};
use crate::mvt::{MAX_ZOOM, encode_tile};
use crate::source::{BuildAt, SourceBasis, TileSource};
use crate::store::{CountyCode, PlanId};

/// The template the tile route is documented (and authorised) under.
pub const TILE_ROUTE: &str = "/tiles/{sources}/{z}/{x}/{y}.mvt";

/// `http://host` as the client reached the server: its `Host` (already
/// checked against the allowed hosts), else the address it listens on.
pub(crate) fn base_url(state: &AppState, headers: &HeaderMap, peer: Option<&Peer>) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.len() < 256
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".:-[]".contains(c))
        })
        .map(str::to_string)
        .unwrap_or_else(|| state.config.addr.to_string());
    let scheme = if peer.is_some_and(|p| p.tls) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

/// Where a request's tiles come from: the county, the plan (when any
/// source belongs to one), and the town/village prefix of a scoped caller.
pub(crate) struct Resolved {
    pub county: CountyCode,
    pub plan: Option<PlanId>,
    /// Whether the plan was named (`?plan=`), so URLs must carry it.
    pub pinned: bool,
}

/// Whether any of the sources is built from `basis`.
fn any_basis(state: &AppState, sources: &SourceSet, basis: SourceBasis) -> bool {
    sources
        .ids()
        .any(|id| state.registry.spec(id).basis == basis)
}

pub(crate) fn resolve(
    state: &AppState,
    sources: &SourceSet,
    county: Option<&str>,
    plan: Option<&str>,
    who: &Principal,
) -> Result<Resolved, ApiError> {
    let per_plan = any_basis(state, sources, SourceBasis::Plan);
    let pinned = plan.is_some_and(|p| p != "active");
    let of_fixes = any_basis(state, sources, SourceBasis::Window);
    if of_fixes && !per_plan && !pinned {
        // Workers' sources place visits in the plan in force, if any.
        let county = state.plans.county(county, &who.scope)?;
        return Ok(Resolved {
            county,
            plan: state.plans.snapshot().active(county),
            pinned: false,
        });
    }
    if per_plan || pinned {
        let p = state.plans.resolve(plan, county, &who.scope)?;
        Ok(Resolved {
            county: p.county,
            plan: per_plan.then_some(p.id),
            pinned,
        })
    } else {
        Ok(Resolved {
            county: state.plans.county(county, &who.scope)?,
            plan: None,
            pinned: false,
        })
    }
}

async fn built(
    state: &AppState,
    sources: &SourceSet,
    at: BuildAt,
) -> Result<Vec<Arc<dyn TileSource>>, ApiError> {
    let mut out = Vec::with_capacity(sources.len());
    for id in sources.ids() {
        out.push(state.registry.get(&state.store, id, at).await?.tiles());
    }
    Ok(out)
}

/// The query string URLs of this county (and pinned plan) carry.
fn url_query(r: &Resolved) -> String {
    match (r.pinned, r.plan) {
        (true, Some(p)) => format!("?county={}&plan={p}", r.county),
        _ => format!("?county={}", r.county),
    }
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TileQuery {
    /// Plan id, or `active` (default) — for plan sources.
    pub plan: Option<String>,
    /// County code; default: the caller's county, else the store's first.
    pub county: Option<String>,
}

#[utoipa::path(get, path = "/tiles/{file}", tag = "tiles",
    summary = "TileJSON 3.0 of one source or a comma list (`/tiles/grids,roads.json`)",
    params(("file" = String, Path, description = "Comma-separated source names, then `.json`"), TileQuery),
    responses((status = 200, description = "TileJSON 3.0", content_type = "application/json", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(crate) async fn tilejson(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(file): Path<String>,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let list = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound(format!("no such document {:?}", clip(&file))))?;
    let sources = SourceSet::parse(list, &state.registry)?;
    let q: TileQuery = parse_query(parts.uri.query())?;
    let r = resolve(
        &state,
        &sources,
        q.county.as_deref(),
        q.plan.as_deref(),
        &who.0,
    )?;
    let mut at = BuildAt::new(r.county, r.plan);
    if any_basis(&state, &sources, SourceBasis::Window) {
        at.window = Some(fix_window(&PeriodParams::default())?);
    }
    let made = built(&state, &sources, at).await?;
    let base = base_url(&state, &parts.headers, parts.extensions.get());
    Ok(axum::Json(tilejson_doc(&state, &sources, &made, &r, &base)).into_response())
}

pub(crate) fn tilejson_doc(
    state: &AppState,
    sources: &SourceSet,
    made: &[Arc<dyn TileSource>],
    r: &Resolved,
    base: &str,
) -> serde_json::Value {
    let names: Vec<&str> = sources.ids().map(|i| state.registry.spec(i).name).collect();
    let list = names.join(",");
    let mut bounds: Option<[f64; 4]> = None;
    let mut layers = Vec::new();
    let mut min_zoom = MAX_ZOOM;
    for (id, s) in sources.ids().zip(made) {
        let spec = state.registry.spec(id);
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
        for layer in s.layer_names() {
            layers.push(serde_json::json!({
                "id": layer,
                "description": spec.description,
                "fields": fields,
                "minzoom": s.min_zoom(),
                "maxzoom": spec.max_zoom,
            }));
        }
    }
    let b = bounds.unwrap_or([-180.0, -85.0511, 180.0, 85.0511]);
    serde_json::json!({
        "tilejson": "3.0.0",
        "name": list,
        "description": sources.ids().map(|i| state.registry.spec(i).description).collect::<Vec<_>>().join("; "),
        "attribution": "© OpenStreetMap contributors",
        "scheme": "xyz",
        "tiles": [format!("{base}/tiles/{list}/{{z}}/{{x}}/{{y}}.mvt{}", url_query(r))],
        "minzoom": min_zoom,
        "maxzoom": MAX_ZOOM,
        "bounds": b,
        "center": [(b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0, 12],
        "vector_layers": layers,
        "wangge:county": r.county.to_string(),
        "wangge:plan": r.plan.map(|p| p.0),
    })
}

/// One registered source as the catalog lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogEntry {
    pub id: String,
    pub description: String,
    pub tilejson: String,
    pub tiles: String,
    /// Built per plan (else from the county's imported layers).
    pub per_plan: bool,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// Seconds a client may keep a tile.
    pub cache_max_age: u32,
    /// Query parameters it takes besides `county` and `plan`.
    pub params: Vec<String>,
    pub features: Option<usize>,
    pub bounds: Option<[f64; 4]>,
    pub layers: Option<Vec<String>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Catalog {
    pub store: String,
    pub county: String,
    pub active_plan: Option<i64>,
    pub sources: Vec<CatalogEntry>,
    pub style: String,
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountyQuery {
    /// County code; default: the caller's county, else the store's first.
    pub county: Option<String>,
}

#[utoipa::path(get, path = "/catalog", tag = "tiles",
    summary = "Every tile source with its TileJSON URL, features and bounds (for one county)",
    params(CountyQuery),
    responses((status = 200, body = Catalog), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(crate) async fn catalog(
    State(state): State<Arc<AppState>>,
    who: Who,
    req: Request,
) -> Result<axum::Json<Catalog>, ApiError> {
    let (parts, _) = req.into_parts();
    let q: CountyQuery = parse_query(parts.uri.query())?;
    let county = state.plans.county(q.county.as_deref(), &who.0.scope)?;
    let base = base_url(&state, &parts.headers, parts.extensions.get());
    let active = state.plans.snapshot().active(county);
    let mut out = Vec::new();
    for id in state.registry.ids() {
        let spec = state.registry.spec(id);
        let per_plan = spec.basis == SourceBasis::Plan;
        let mut entry = CatalogEntry {
            id: spec.name.into(),
            description: spec.description.into(),
            tilejson: format!("{base}/tiles/{}.json?county={county}", spec.name),
            tiles: format!(
                "{base}/tiles/{}/{{z}}/{{x}}/{{y}}.mvt?county={county}",
                spec.name
            ),
            per_plan,
            minzoom: spec.min_zoom,
            maxzoom: spec.max_zoom,
            cache_max_age: spec.cache.max_age,
            params: spec.params.iter().map(|p| p.to_string()).collect(),
            features: None,
            bounds: None,
            layers: None,
        };
        // Workers' sources are built per window and expire in seconds:
        // listing them builds nothing.
        if spec.basis != SourceBasis::Window && (!per_plan || active.is_some()) {
            let at = BuildAt::new(county, active);
            let s = state.registry.get(&state.store, id, at).await?.tiles();
            entry.features = Some(s.feature_count());
            entry.bounds = s.bounds();
            entry.layers = Some(s.layer_names());
        }
        out.push(entry);
    }
    Ok(axum::Json(Catalog {
        store: state.store.kind().into(),
        county: county.to_string(),
        active_plan: active.map(|p| p.0),
        sources: out,
        style: format!("{base}/style.json?county={county}"),
    }))
}

#[utoipa::path(get, path = "/tiles/{sources}/{z}/{x}/{y}.mvt", tag = "tiles",
    summary = "A vector tile of one or more sources",
    params(("sources" = String, Path, description = "Comma-separated source names (see /catalog)"),
        ("z" = u8, Path, description = "Zoom 0–22"), ("x" = u32, Path, description = "Column"),
        ("y" = String, Path, description = "Row, then `.mvt`"), TileQuery,
        ("from" = Option<String>, Query, description = "tracks, visits: start of the window, RFC 3339 or Unix seconds (default: local midnight today)"),
        ("to" = Option<String>, Query, description = "tracks, visits: end of the window (default: a day after `from`; at most 31 days)"),
        ("worker" = Option<String>, Query, description = "tracks, visits, positions: one worker's features (a worker token sees only its own)")),
    responses((status = 200, description = "Mapbox Vector Tile (gzip or br when accepted)", content_type = "application/vnd.mapbox-vector-tile"),
        (status = 204, description = "Nothing in this tile"), (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(crate) async fn tile_route(State(state): State<Arc<AppState>>, req: Request) -> Response {
    tile(state, req).await
}

/// One tile, from the cache or encoded. The dispatch calls this for GET
/// and HEAD on a tile path without routing; it authorises here by the
/// tile route's roles from the API document.
pub(crate) async fn tile(state: Arc<AppState>, req: Request) -> Response {
    let started = Instant::now();
    let (parts, _) = req.into_parts();
    let response = tile_response(&state, &parts)
        .await
        .unwrap_or_else(IntoResponse::into_response);
    Metrics::add(
        &state.metrics.tile_handler_micros,
        started.elapsed().as_micros() as u64,
    );
    response
}

async fn tile_response(state: &Arc<AppState>, req: &Parts) -> Result<Response, ApiError> {
    let who = authorize(req.extensions.get::<Caller>(), &state.tile_roles)?
        .ok_or_else(|| ApiError::Unauthorized("sign in or send a bearer token".into()))?;
    let path = TilePath::split(req.uri.path())
        .ok_or_else(|| ApiError::NotFound("no such endpoint; see /openapi.json".into()))?;
    let (sources, tile) = path.address(&state.registry)?;
    let (mut county, mut plan) = (None, None);
    let mut period = PeriodParams::default();
    let mut worker = None;
    if req.uri.query().is_some() {
        for (k, v) in pairs(req.uri.query())? {
            let taken = sources
                .ids()
                .any(|id| state.registry.spec(id).params.contains(&k.as_str()));
            match k.as_str() {
                "county" => county = Some(v),
                "plan" => plan = Some(v),
                "from" if taken => period.from = Some(v),
                "to" if taken => period.to = Some(v),
                "worker" if taken => worker = Some(v),
                _ => {
                    return Err(ApiError::BadRequest(format!(
                        "unknown query parameter {:?}; these tiles take county and plan{}",
                        clip(&k),
                        sources
                            .ids()
                            .flat_map(|id| state.registry.spec(id).params.iter())
                            .map(|p| format!(", {p}"))
                            .collect::<String>()
                    )));
                }
            }
        }
    }
    let worker = worker_filter(who, worker)?;
    let r = resolve(state, &sources, county.as_deref(), plan.as_deref(), who)?;
    let within: Option<Arc<str>> = who.scope.within_county().map(Arc::from);
    let public = who.actor == Actor::Anonymous;
    let max_age = sources
        .ids()
        .map(|id| state.registry.spec(id).cache.max_age)
        .min()
        .unwrap_or(60);
    let server_cache = sources
        .ids()
        .all(|id| state.registry.spec(id).cache.server_cache);
    let mut at = BuildAt::new(r.county, r.plan);
    if any_basis(state, &sources, SourceBasis::Window) {
        at.window = Some(fix_window(&period)?);
    }
    let key = Key {
        sources,
        county: r.county,
        plan: r.plan,
        generation: state.registry.generation(),
        within,
        tile,
    };
    let cache_on = state.cache.enabled() && server_cache;
    let cached = if cache_on {
        state.cache.get(&key)
    } else {
        None
    };
    let hit = cached.is_some();
    let encoding = Encoding::negotiate(&req.headers, !cache_on);
    let (encoded, fresh_body) = match cached {
        Some(t) => {
            Metrics::inc(&state.metrics.tile_cache_hits);
            (t, None)
        }
        None => {
            Metrics::inc(&state.metrics.tile_cache_misses);
            let made = built(state, &key.sources, at).await?;
            let t0 = Instant::now();
            let within = key.within.clone();
            // On the encoders' rayon pool: its workers spin a moment before
            // sleeping, so a tile handed over starts sooner than on tokio's
            // blocking pool (+30 % req/s at z14, c = 16: bench/tiles.sh).
            let (tx, rx) = tokio::sync::oneshot::channel();
            state.encoders.spawn(move || {
                let layers: Vec<_> = made
                    .iter()
                    .flat_map(|s| s.layers_of(tile, within.as_deref(), worker.as_deref()))
                    .collect();
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
    h.insert(header::CACHE_CONTROL, cache_control(max_age, public));
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

/// The window of the workers' sources: `from` (default: local midnight
/// today) to `to` (default: a day after `from`), at most 31 days. A
/// default window is the same all day, so one built source serves it.
fn fix_window(p: &PeriodParams) -> Result<(UnixMs, UnixMs), ApiError> {
    let (from, to) = period(p)?;
    let from = match p.from {
        Some(_) => from,
        None => LocalDays::china().day_start(UnixMs::now()),
    };
    let to = match p.to {
        Some(_) => to,
        None => UnixMs(from.0 + 86_400_000),
    };
    Ok((from, to))
}

/// The worker a tile of workers' sources is cut to: a worker's own token
/// sees only itself (another id is not confirmed to exist).
fn worker_filter(who: &Principal, asked: Option<String>) -> Result<Option<String>, ApiError> {
    if who.role != Role::Worker {
        return Ok(asked);
    }
    let own = who.worker.clone().unwrap_or_default();
    match asked {
        Some(w) if w != own => Err(ApiError::NotFound(format!("no worker {:?}", clip(&w)))),
        _ => Ok(Some(own)),
    }
}

const X_TILE_CACHE: HeaderName = HeaderName::from_static("x-tile-cache");

/// Tiles read with credentials are `private`: a shared cache must not hand
/// one caller's tiles (scoped to a town, say) to another.
fn cache_control(max_age: u32, public: bool) -> HeaderValue {
    match (max_age, public) {
        (60, true) => HeaderValue::from_static("public, max-age=60"),
        (3600, true) => HeaderValue::from_static("public, max-age=3600"),
        (60, false) => HeaderValue::from_static("private, max-age=60"),
        (3600, false) => HeaderValue::from_static("private, max-age=3600"),
        (n, p) => HeaderValue::from_str(&format!(
            "{}, max-age={n}",
            if p { "public" } else { "private" }
        ))
        .unwrap_or_else(|_| HeaderValue::from_static("no-cache")),
    }
}

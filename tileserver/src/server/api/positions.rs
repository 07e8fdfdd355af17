//! GPS fixes over HTTP: phones post batches (acknowledged only once
//! committed), and readers get a worker's patrols, visits and replay.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ops::coords::Crs;
use ops::positions::batch::{self, BatchError, ReadOptions};
use ops::positions::screen::{Limits, Rejection, screen};
use ops::positions::time::{self as fix_time, LocalDays};
use ops::positions::{Fix, UnixMs};
use ops::roster::WorkerId;
use ops::tracks::{SegmentParams, replay, segment, simplify};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use super::workers::visible_worker;
use crate::auth::Role;
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::{Body, Params};
use crate::server::{ApiError, AppState};
use crate::source::{BuildAt, SourceKind};
use crate::store::CountyCode;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct IngestParams {
    /// `wgs84` (default) or `gcj02`: GCJ-02 is converted to WGS84 on arrival.
    pub crs: Option<String>,
}

/// Fixes refused for one reason.
#[derive(Debug, Serialize, ToSchema)]
pub struct Refusals {
    /// future, too_old, null_island, outside_county, inaccurate, unknown_worker, other_worker.
    pub reason: String,
    pub message: String,
    /// Indexes in the batch (the first 100).
    pub items: Vec<usize>,
    pub count: usize,
}

/// The answer to a batch: what was stored, what was already there, what
/// was refused and why. A phone resends only what got no answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestReply {
    pub accepted: u64,
    /// Already stored (a resend) or repeated in the batch.
    pub duplicates: u64,
    pub rejected: usize,
    pub reasons: Vec<Refusals>,
}

fn refusals(rejected: &[(usize, Rejection)]) -> Vec<Refusals> {
    let mut by: BTreeMap<String, (Rejection, Vec<usize>)> = BTreeMap::new();
    for &(i, r) in rejected {
        let key = serde_json::to_value(r)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        by.entry(key).or_insert((r, Vec::new())).1.push(i);
    }
    by.into_iter()
        .map(|(reason, (r, items))| Refusals {
            reason,
            message: r.to_string(),
            count: items.len(),
            items: items.into_iter().take(100).collect(),
        })
        .collect()
}

/// The county's extent, from its admin units (built once, cached).
async fn extent(state: &AppState, county: CountyCode) -> Option<geo_types::Rect<f64>> {
    let built = state
        .registry
        .get_kind(&state.store, SourceKind::Admin, BuildAt::new(county, None))
        .await
        .ok()?;
    let b = built.tiles().bounds()?;
    Some(geo_types::Rect::new(
        geo_types::Coord { x: b[0], y: b[1] },
        geo_types::Coord { x: b[2], y: b[3] },
    ))
}

fn batch_error(e: BatchError) -> ApiError {
    match e {
        BatchError::TooMany { .. } => ApiError::PayloadTooLarge(e.to_string()),
        other => ApiError::BadRequest(other.to_string()),
    }
}

#[utoipa::path(post, path = "/api/positions", operation_id = "post_positions", tag = "workers",
    summary = "Store a batch of GPS fixes (JSON array or GeoJSON points); answered once committed",
    params(IngestParams),
    request_body(content = Object, description = "[{worker, time, lon, lat, accuracy, speed, heading, battery}] or a FeatureCollection"),
    responses((status = 200, body = IngestReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = IngestReply, description = "every fix was refused; nothing stored")),
    security(("bearer" = ["worker", "admin"]), ("session" = ["admin"])))]
pub(super) async fn ingest(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(p): Params<IngestParams>,
    Body(body): Body<serde_json::Value>,
) -> Result<Response, ApiError> {
    let crs = match p.crs.as_deref() {
        None => Crs::Wgs84,
        Some(c) => Crs::parse(c).ok_or_else(|| {
            ApiError::BadRequest(format!("crs {:?} is neither wgs84 nor gcj02", clip(c)))
        })?,
    };
    let phone = phone_of(&who)?;
    let opts = ReadOptions {
        crs,
        default_worker: phone.clone(),
        max_points: state.config.max_batch,
    };
    let fixes = batch::from_value(body, &opts).map_err(batch_error)?;
    let (reply, status) = ingest_fixes(&state, &who, phone.as_ref(), fixes).await?;
    Ok((status, Json(reply)).into_response())
}

/// The worker a phone's token posts for (`None` for an admin).
fn phone_of(who: &Who) -> Result<Option<WorkerId>, ApiError> {
    match (who.0.role, &who.0.worker) {
        (Role::Worker, Some(w)) => WorkerId::parse(w)
            .map(Some)
            .map_err(|_| ApiError::Forbidden("the token's worker id is not valid".into())),
        (Role::Worker, None) => Err(ApiError::Forbidden(
            "this worker token names no worker".into(),
        )),
        _ => Ok(None),
    }
}

/// Screens and stores fixes already read for `who`; the reply and its status.
async fn ingest_fixes(
    state: &AppState,
    who: &Who,
    phone: Option<&WorkerId>,
    fixes: Vec<Fix>,
) -> Result<(IngestReply, StatusCode), ApiError> {
    // A phone posts for itself: a batch naming anyone else is refused whole.
    if let Some(me) = phone
        && let Some(f) = fixes.iter().find(|f| f.worker != *me)
    {
        return Err(ApiError::Forbidden(format!(
            "this token posts for worker {me}, not {}; nothing was stored",
            f.worker
        )));
    }
    // The roster: whose fixes these are, and in which county.
    let mut county_of: HashMap<WorkerId, Option<CountyCode>> = HashMap::new();
    for f in &fixes {
        if !county_of.contains_key(&f.worker) {
            // The roster in memory first; the store for a worker added
            // since the hub last read it.
            let c = match state.live.county_of(&f.worker) {
                Some(c) => Some(c),
                None => {
                    let c = state
                        .store
                        .worker(&f.worker)
                        .await?
                        .and_then(|w| w.county.parse().ok());
                    // Added by another process: the hub reads the roster again.
                    if c.is_some() {
                        state.live.roster_changed();
                    }
                    c
                }
            }
            .filter(|&c| who.0.scope.allows_county(c));
            county_of.insert(f.worker.clone(), c);
        }
    }
    let counties: Vec<CountyCode> = {
        let mut v: Vec<CountyCode> = county_of.values().flatten().copied().collect();
        v.sort();
        v.dedup();
        v
    };
    if counties.len() > 1 {
        return Err(ApiError::BadRequest(
            "a batch holds the fixes of one county's workers; split it by county".into(),
        ));
    }
    let limits = Limits {
        extent: match counties.first() {
            Some(&c) => extent(state, c).await,
            None => None,
        },
        ..Limits::default()
    };
    let s = screen(
        fixes,
        &limits,
        UnixMs::now(),
        |w| county_of.get(w).is_some_and(Option::is_some),
        phone,
    );
    let stored = match counties.first() {
        Some(&c) if !s.accepted.is_empty() => {
            let n = state.ingest.store(c, s.accepted.clone()).await?;
            // Committed: the live stream may tell.
            state.live.fixes_stored(&s.accepted);
            n
        }
        _ => 0,
    };
    let reply = IngestReply {
        accepted: stored,
        duplicates: s.duplicates as u64 + (s.accepted.len() as u64 - stored),
        rejected: s.rejected.len(),
        reasons: refusals(&s.rejected),
    };
    let status = if s.accepted.is_empty() && !s.rejected.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((reply, status))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PeriodParams {
    /// Start, RFC 3339 or Unix seconds; default: local midnight today.
    pub from: Option<String>,
    /// End (excluded); default: now.
    pub to: Option<String>,
}

/// The period a query names, at most 31 days.
pub(crate) fn period(p: &PeriodParams) -> Result<(UnixMs, UnixMs), ApiError> {
    period_of_at_most(p, 31)
}

/// The same, for a period of at most `days` days.
pub(crate) fn period_of_at_most(p: &PeriodParams, days: i64) -> Result<(UnixMs, UnixMs), ApiError> {
    let parse = |s: &str, what: &str| {
        fix_time::from_text(s).map_err(|e| ApiError::BadRequest(format!("{what}: {e}")))
    };
    let now = UnixMs::now();
    let to = match &p.to {
        Some(t) => parse(t, "to")?,
        None => UnixMs(now.0 + 1),
    };
    let from = match &p.from {
        Some(f) => parse(f, "from")?,
        None => LocalDays::china().day_start(now),
    };
    if to <= from {
        return Err(ApiError::BadRequest("'to' must be after 'from'".into()));
    }
    if to.0 - from.0 > days * 86_400_000 {
        return Err(ApiError::BadRequest(format!(
            "a period of at most {days} days"
        )));
    }
    Ok((from, to))
}

/// A patrol as the worker panel shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatrolView {
    pub start: String,
    pub end: String,
    pub distance_m: f64,
    pub duration_s: f64,
    pub moving_s: f64,
    pub fixes: usize,
    /// The display line (Hausdorff ≤ 5 m from the fixes), GeoJSON coordinates.
    pub line: Vec<[f64; 2]>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct VisitView {
    pub start: String,
    pub end: String,
    pub minutes: f64,
    pub lon: f64,
    pub lat: f64,
    /// The grid it lies in (the county's plan in force).
    pub grid: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PatrolsReply {
    pub worker: String,
    pub from: String,
    pub to: String,
    pub patrols: Vec<PatrolView>,
    pub visits: Vec<VisitView>,
    pub distance_m: f64,
    pub moving_s: f64,
    /// Fixes dropped as GPS jumps.
    pub jumps: usize,
}

async fn worker_fixes(
    state: &AppState,
    who: &Who,
    id: &str,
    p: &PeriodParams,
) -> Result<(WorkerId, String, Vec<Fix>, UnixMs, UnixMs), ApiError> {
    let w = visible_worker(state, who, id).await?;
    if who.0.role == Role::Worker && who.0.worker.as_deref() != Some(w.worker.id.as_str()) {
        return Err(ApiError::NotFound(format!("no worker {:?}", clip(id))));
    }
    let (from, to) = period(p)?;
    let fixes = state.store.fixes(&w.worker.id, from, to).await?;
    Ok((w.worker.id, w.county, fixes, from, to))
}

#[utoipa::path(get, path = "/api/workers/{id}/patrols", operation_id = "worker_patrols", tag = "workers",
    summary = "A worker's patrols and visits over a period (default: today)",
    params(("id" = String, Path, description = "Worker id"), PeriodParams),
    responses((status = 200, body = PatrolsReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "screen", "worker", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "screen", "dispatcher"])))]
pub(super) async fn patrols(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(id): Path<String>,
    Params(p): Params<PeriodParams>,
) -> Result<Json<PatrolsReply>, ApiError> {
    let (wid, county, fixes, from, to) = worker_fixes(&state, &who, &id, &p).await?;
    let seg = segment(&fixes, &SegmentParams::default());
    let locate = grid_locator(&state, &county).await;
    Ok(Json(PatrolsReply {
        worker: wid.to_string(),
        from: from.rfc3339(),
        to: to.rfc3339(),
        distance_m: seg.patrols.iter().map(|x| x.measures.distance_m).sum(),
        moving_s: seg.patrols.iter().map(|x| x.measures.moving_s).sum(),
        jumps: seg.jumps,
        patrols: seg
            .patrols
            .iter()
            .map(|x| {
                let pts: Vec<geo_types::Coord<f64>> = x.points.iter().map(|q| q.1).collect();
                PatrolView {
                    start: x.start().rfc3339(),
                    end: x.end().rfc3339(),
                    distance_m: x.measures.distance_m,
                    duration_s: x.measures.duration_s,
                    moving_s: x.measures.moving_s,
                    fixes: x.points.len(),
                    line: simplify::simplify(&pts, simplify::DISPLAY_TOLERANCE_M)
                        .0
                        .into_iter()
                        .map(|c| [c.x, c.y])
                        .collect(),
                }
            })
            .collect(),
        visits: seg
            .visits
            .iter()
            .map(|v| VisitView {
                start: v.start.rfc3339(),
                end: v.end.rfc3339(),
                minutes: v.start.secs_until(v.end) / 60.0,
                lon: v.lon,
                lat: v.lat,
                grid: locate.as_ref().and_then(|l| l(v.lon, v.lat)),
            })
            .collect(),
    }))
}

type Locate = Box<dyn Fn(f64, f64) -> Option<String> + Send + Sync>;

/// Finds the grid of the county's plan in force at a point.
async fn grid_locator(state: &AppState, county: &str) -> Option<Locate> {
    let county: CountyCode = county.parse().ok()?;
    let snap = state.plans.snapshot();
    let plan = snap.plan(snap.active(county)?)?.clone();
    let set = super::grid_set(state, &plan, crate::store::GridLevel::Grid)
        .await
        .ok()?;
    Some(Box::new(move |lon, lat| {
        set.source
            .locate(geo_types::Coord { x: lon, y: lat })
            .map(|i| set.grids[i].code.clone())
    }))
}

#[utoipa::path(get, path = "/api/workers/{id}/replay", operation_id = "worker_replay", tag = "workers",
    summary = "A worker's track over a period for replay: deck.gl TripsLayer form (path + seconds from start)",
    params(("id" = String, Path, description = "Worker id"), PeriodParams),
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "screen", "worker", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "screen", "dispatcher"])))]
pub(super) async fn replay_track(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(id): Path<String>,
    Params(p): Params<PeriodParams>,
) -> Result<Json<replay::Replay>, ApiError> {
    let (_, _, fixes, from, to) = worker_fixes(&state, &who, &id, &p).await?;
    let seg = segment(&fixes, &SegmentParams::default());
    Ok(Json(replay::replay(&seg.patrols, from, to)))
}

/// Why a fix came in by the OsmAnd protocol, and the reply it gets.
async fn osmand_fix(
    state: &AppState,
    who: &Who,
    fix: Result<Fix, BatchError>,
) -> Result<Response, ApiError> {
    let fix = fix.map_err(batch_error)?;
    let phone = phone_of(who)?;
    let (reply, _) = ingest_fixes(state, who, phone.as_ref(), vec![fix]).await?;
    // OsmAnd and Traccar Client resend anything but a 200 for ever: a fix
    // the screen refused would come back at every report, so it is
    // answered 200 with the reason in the body.
    Ok((StatusCode::OK, Json(reply)).into_response())
}

fn osmand_opts(who: &Who) -> ReadOptions {
    ReadOptions {
        crs: Crs::Wgs84,
        default_worker: who
            .0
            .worker
            .as_deref()
            .and_then(|w| WorkerId::parse(w).ok()),
        max_points: 1,
    }
}

#[utoipa::path(get, path = "/api/osmand", operation_id = "osmand_get", tag = "workers",
    summary = "One fix by the OsmAnd protocol (Traccar Client, OsmAnd): id, lat, lon, timestamp, speed (knots), bearing, accuracy, batt; the token may come as `key`",
    params(("id" = Option<String>, Query, description = "Worker id (default: the token's)"),
        ("lat" = f64, Query, description = "Latitude, WGS84"), ("lon" = f64, Query, description = "Longitude, WGS84"),
        ("timestamp" = String, Query, description = "Unix seconds or milliseconds, or RFC 3339"),
        ("key" = Option<String>, Query, description = "The worker token, for apps that cannot send headers")),
    responses((status = 200, body = IngestReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = ["worker", "admin"])))]
pub(super) async fn osmand_get(
    State(state): State<Arc<AppState>>,
    who: Who,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> Result<Response, ApiError> {
    let pairs = crate::server::params::pairs(q.as_deref())?;
    let fix = ops::positions::osmand::from_query(
        pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        &osmand_opts(&who),
    );
    osmand_fix(&state, &who, fix).await
}

#[utoipa::path(post, path = "/api/osmand", operation_id = "osmand_post", tag = "workers",
    summary = "One fix by the OsmAnd protocol: the same query parameters, or Traccar Client's JSON body ({device_id, location: {timestamp, coords, battery}})",
    params(("key" = Option<String>, Query, description = "The worker token, for apps that cannot send headers")),
    request_body(content = Object, description = "Traccar Client's JSON, or nothing (query parameters)"),
    responses((status = 200, body = IngestReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = ["worker", "admin"])))]
pub(super) async fn osmand_post(
    State(state): State<Arc<AppState>>,
    who: Who,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Response, ApiError> {
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the request body is larger than this route takes".into())
        }
        _ => ApiError::BadRequest(format!("request body: {}", e.body_text())),
    })?;
    let opts = osmand_opts(&who);
    let fix = if body.iter().all(u8::is_ascii_whitespace) {
        let pairs = crate::server::params::pairs(q.as_deref())?;
        ops::positions::osmand::from_query(
            pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &opts,
        )
    } else {
        let v: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::BadRequest(format!("request body is not JSON: {e}")))?;
        ops::positions::osmand::from_json(&v, &opts)
    };
    osmand_fix(&state, &who, fix).await
}

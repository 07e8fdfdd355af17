//! Cases over HTTP: reporting (`POST /api/cases`, the grid found from the
//! plan in force), moving a case through its loop (`POST
//! /api/cases/{id}/transitions`, checked by `ops::cases`, stored with its
//! event in one transaction), listing with filters, one case with its
//! history, and the case KPIs.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ops::cases::kpi::{CaseKpis, trends_of_counts};
use ops::cases::{
    Actor, CaseKpiParams, CaseRecord, Catalogue, Event, Level, Move, MoveError, Satisfaction,
    Source, Status,
};
use ops::coords::gcj02;
use ops::positions::UnixMs;
use ops::positions::time as fix_time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

use super::Who;
use super::positions::{PeriodParams, period_of_at_most};
use crate::auth::{Principal, Role, Scope};
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::{Body, Params};
use crate::server::{ApiError, AppState};
use crate::store::CountyCode;
use crate::store::cases::{CaseFilter, Created, NewCase, StoredCase};

/// A new case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCaseBody {
    /// A category code or name of the catalogue (`GET /api/cases/categories`).
    pub category: String,
    pub lon: f64,
    pub lat: f64,
    #[serde(default)]
    pub description: String,
    /// When it was found: RFC 3339 or Unix seconds (default: now).
    pub time: Option<serde_json::Value>,
    /// 1 (grid, default) to 4 (county).
    pub level: Option<u8>,
    /// worker, hotline, citizen or import (a worker's token: always worker).
    pub source: Option<String>,
    pub reporter: Option<String>,
    /// A hotline work order's number: the same number is not stored twice.
    pub external_id: Option<String>,
    /// `wgs84` (default) or `gcj02`.
    pub crs: Option<String>,
    /// County code; default: the caller's, else the store's first.
    pub county: Option<String>,
}

/// A case as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseView {
    #[serde(flatten)]
    pub case: StoredCase,
    pub status_name: String,
    pub category_name: String,
    /// When the current stage runs out (Unix ms), for open cases.
    pub deadline: Option<i64>,
    pub overdue: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    #[serde(flatten)]
    pub view: CaseView,
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<Event>,
    /// The statuses the caller may move it to now.
    pub allowed: Vec<String>,
}

/// When an open case's current stage runs out (Unix ms).
pub(super) fn deadline(
    state: &ops::cases::CaseState,
    category: &str,
    catalogue: &Catalogue,
) -> Option<i64> {
    catalogue
        .find(category)
        .filter(|_| state.status.is_open())
        .map(|k| state.since.0 + k.deadline_ms(state.level))
}

fn view(c: StoredCase, catalogue: &Catalogue, now: UnixMs) -> CaseView {
    let state = c.state();
    let cat = catalogue.find(&c.category);
    let deadline = deadline(&state, &c.category, catalogue);
    CaseView {
        status_name: state.status.chinese().into(),
        category_name: cat.map(|k| k.name.clone()).unwrap_or_default(),
        overdue: ops::cases::kpi::overdue(&state, &c.category, catalogue, now),
        deadline,
        case: c,
    }
}

/// A category's code from its code or name, or a 400 listing them.
pub(super) fn category_code(catalogue: &Catalogue, key: &str) -> Result<String, ApiError> {
    catalogue.find(key).map(|k| k.code.clone()).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "unknown category {:?}; known: {}",
            clip(key),
            catalogue.known()
        ))
    })
}

/// An optional time parameter (RFC 3339 or Unix seconds), or a 400.
pub(super) fn time_param(s: &Option<String>, what: &str) -> Result<Option<UnixMs>, ApiError> {
    s.as_deref()
        .map(|t| fix_time::from_text(t).map_err(|e| ApiError::BadRequest(format!("{what}: {e}"))))
        .transpose()
}

/// Tells the live stream a case was reported or moved.
pub(crate) async fn announce(state: &AppState, id: i64) {
    if let Ok(Some(c)) = state.store.case(id).await {
        announce_view(
            state,
            &view(c, &state.config.case_categories, UnixMs::now()),
        );
    }
}

/// Tells the live stream a case's state, as read already.
fn announce_view(state: &AppState, v: &CaseView) {
    let Ok(county) = v.case.county.parse::<CountyCode>() else {
        return;
    };
    if let Ok(data) = serde_json::to_string(v) {
        state.live.case_changed(county, &v.case.grid_code, data);
    }
}

/// The case actor a caller acts as, by role and scope.
fn actor_of(who: &Principal) -> Result<Actor, ApiError> {
    match who.role {
        Role::Admin => Ok(Actor::Admin),
        Role::Worker => Ok(Actor::Worker),
        Role::Dispatcher => Ok(Actor::Office(match &who.scope {
            Scope::All => Level::COUNTY,
            Scope::Prefix(p) => match p.len() {
                6 => Level::COUNTY,
                9 => Level::TOWN,
                _ => Level::VILLAGE,
            },
        })),
        r => Err(ApiError::Forbidden(format!(
            "a {r} account does not work cases"
        ))),
    }
}

fn name_of(who: &Principal) -> String {
    if let Some(w) = &who.worker {
        return w.clone();
    }
    match &who.actor {
        crate::auth::Actor::User { name, .. } => name.clone(),
        crate::auth::Actor::Token { id, name } if name.is_empty() => format!("token {id}"),
        crate::auth::Actor::Token { name, .. } => name.clone(),
        crate::auth::Actor::Cli { user } => user.clone(),
        crate::auth::Actor::Anonymous => "anonymous".into(),
    }
}

/// A case the caller may see: its county, its scope, a worker's grids.
pub(super) async fn visible_case(
    state: &AppState,
    who: &Principal,
    id: i64,
) -> Result<StoredCase, ApiError> {
    let hidden = || ApiError::NotFound(format!("no case {id}"));
    let c = state.store.case(id).await?.ok_or_else(hidden)?;
    let county: CountyCode = c.county.parse().map_err(|_| hidden())?;
    if !who.scope.allows_county(county)
        || who
            .scope
            .within_county()
            .is_some_and(|p| !c.grid_code.starts_with(p))
    {
        return Err(hidden());
    }
    if who.role == Role::Worker && !worker_grids(state, who).await?.contains(&c.grid_code) {
        return Err(hidden());
    }
    Ok(c)
}

async fn worker_grids(state: &AppState, who: &Principal) -> Result<Vec<String>, ApiError> {
    let id = who
        .worker
        .as_deref()
        .and_then(|w| ops::roster::WorkerId::parse(w).ok())
        .ok_or_else(|| ApiError::Forbidden("this worker token names no worker".into()))?;
    Ok(state
        .store
        .worker(&id)
        .await?
        .map(|w| w.worker.grids)
        .unwrap_or_default())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedCase {
    pub id: i64,
    pub grid: String,
    pub village: String,
    pub town: String,
    pub status: String,
    pub level: u8,
    /// False when the work order number was stored before (its case's id).
    pub created: bool,
}

#[utoipa::path(post, path = "/api/cases", operation_id = "report_case", tag = "cases",
    summary = "Report a case: category, location (WGS84 or GCJ-02), description; the reply names its id and grid",
    request_body = NewCaseBody,
    responses((status = 201, body = CreatedCase), (status = 200, description = "The work order was stored before", body = CreatedCase),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody)),
    security(("bearer" = ["worker", "dispatcher", "admin"]), ("session" = ["dispatcher", "admin"])))]
pub(super) async fn report(
    State(state): State<Arc<AppState>>,
    who: Who,
    Body(b): Body<NewCaseBody>,
) -> Result<Response, ApiError> {
    let new = prepare(&state, &who.0, &b).await?;
    let (id, created) = store_case(&state, &new).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let grid = new.grid_code;
    let reply = CreatedCase {
        id,
        village: grid.get(..12).unwrap_or_default().into(),
        town: grid.get(..9).unwrap_or_default().into(),
        grid,
        status: Status::Reported.as_str().into(),
        level: new.level.get(),
        created,
    };
    Ok((status, Json(reply)).into_response())
}

/// Stores a checked case and tells the live stream; its id, and whether
/// it is new (a work order's number may have been stored before).
pub(super) async fn store_case(state: &AppState, new: &NewCase) -> Result<(i64, bool), ApiError> {
    Ok(match state.store.create_case(new).await? {
        Created::New(id) => {
            announce(state, id).await;
            (id, true)
        }
        Created::Existing(id) => (id, false),
    })
}

/// Checks a report and places it: its category, position, time, level,
/// source, and the grid of the plan in force it lies in — within the
/// caller's scope and, for a worker, its grids.
pub(super) async fn prepare(
    state: &AppState,
    who: &Principal,
    b: &NewCaseBody,
) -> Result<NewCase, ApiError> {
    let category = category_code(&state.config.case_categories, &b.category)?;
    if !(b.lon.is_finite() && b.lat.is_finite()) || b.lon.abs() > 180.0 || b.lat.abs() > 90.0 {
        return Err(ApiError::BadRequest(format!(
            "lon {} / lat {} is not a WGS84 position",
            b.lon, b.lat
        )));
    }
    let (lon, lat) = match b.crs.as_deref().unwrap_or("wgs84") {
        "wgs84" => (b.lon, b.lat),
        "gcj02" => {
            let c = gcj02::to_wgs84(geo_types::Coord { x: b.lon, y: b.lat });
            (c.x, c.y)
        }
        other => {
            return Err(ApiError::BadRequest(format!(
                "crs {:?} is neither wgs84 nor gcj02",
                clip(other)
            )));
        }
    };
    let reported_at = match &b.time {
        None => UnixMs::now(),
        Some(serde_json::Value::Number(n)) => fix_time::from_number(n.as_f64().unwrap_or(f64::NAN))
            .map_err(|e| ApiError::BadRequest(format!("time: {e}")))?,
        Some(serde_json::Value::String(s)) => {
            fix_time::from_text(s).map_err(|e| ApiError::BadRequest(format!("time: {e}")))?
        }
        Some(_) => {
            return Err(ApiError::BadRequest(
                "time is RFC 3339 text or Unix seconds".into(),
            ));
        }
    };
    if reported_at.0 > UnixMs::now().0 + 300_000 {
        return Err(ApiError::BadRequest("time is in the future".into()));
    }
    let level = Level::new(b.level.unwrap_or(1)).map_err(ApiError::BadRequest)?;
    let source = match (who.role, b.source.as_deref()) {
        (Role::Worker, _) => Source::Worker,
        // An office entering a case by hand took it from a resident.
        (_, None) => Source::Citizen,
        (_, Some(s)) => Source::parse(s).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "source {:?} is none of worker, hotline, citizen, import",
                clip(s)
            ))
        })?,
    };
    let county = state.plans.county(b.county.as_deref(), &who.scope)?;
    let snap = state.plans.snapshot();
    let plan = snap
        .active(county)
        .and_then(|id| snap.plan(id))
        .ok_or_else(|| {
            ApiError::Conflict(format!(
                "county {county} has no plan in force to place cases in"
            ))
        })?
        .clone();
    let set = super::grid_set(state, &plan, crate::store::GridLevel::Grid).await?;
    let grid = set
        .source
        .locate(geo_types::Coord { x: lon, y: lat })
        .map(|i| set.grids[i].code.clone())
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "lon {lon:.6} / lat {lat:.6} lies outside every grid of county {county}"
            ))
        })?;
    if let Some(p) = who.scope.within_county()
        && !grid.starts_with(p)
    {
        return Err(ApiError::Forbidden(format!(
            "grid {grid} lies outside the scope {p}"
        )));
    }
    let reporter = match who.role {
        Role::Worker => {
            if !worker_grids(state, who).await?.contains(&grid) {
                return Err(ApiError::Forbidden(format!(
                    "grid {grid} is not one of this worker's grids"
                )));
            }
            who.worker.clone().unwrap_or_default()
        }
        _ => b.reporter.clone().unwrap_or_else(|| name_of(who)),
    };
    Ok(NewCase {
        county,
        reported_at,
        lon,
        lat,
        grid_code: grid,
        category,
        description: b.description.chars().take(4000).collect(),
        source,
        reporter: reporter.chars().take(200).collect(),
        external_id: b.external_id.clone(),
        level,
    })
}

/// A move of a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionBody {
    /// The status to move to: accepted, rejected, duplicate, dispatched,
    /// handled, verified, closed, closed_not_fixed, followed_up, reopened.
    pub to: String,
    #[serde(default)]
    pub note: String,
    /// The unit a dispatch sends it to.
    pub unit: Option<String>,
    /// The level a dispatch sends it to (default: the case's).
    pub level: Option<u8>,
    /// A follow-up's answer: satisfied, partly, unsatisfied (满意, 基本满意, 不满意).
    pub satisfaction: Option<String>,
    /// The case a duplicate repeats.
    pub duplicate_of: Option<i64>,
    /// The number of events the caller saw (409 if the case moved since).
    pub seen: Option<i32>,
}

#[utoipa::path(post, path = "/api/cases/{id}/transitions", operation_id = "move_case", tag = "cases",
    summary = "Move a case through its loop; an illegal move is 409 naming the allowed ones",
    params(("id" = i64, Path, description = "Case id")),
    request_body = TransitionBody,
    responses((status = 200, body = CaseDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("bearer" = ["worker", "dispatcher", "admin"]), ("session" = ["dispatcher", "admin"])))]
pub(super) async fn transition(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(id): Path<i64>,
    Body(b): Body<TransitionBody>,
) -> Result<Json<CaseDetail>, ApiError> {
    let who = &who.0;
    let actor = actor_of(who)?;
    let c = visible_case(&state, who, id).await?;
    let to = Status::parse(&b.to).ok_or_else(|| {
        ApiError::BadRequest(format!(
            "status {:?} is none of {}",
            clip(&b.to),
            Status::ALL.map(|s| s.as_str()).join(", ")
        ))
    })?;
    let m = Move {
        to: Some(to),
        note: b.note.chars().take(2000).collect(),
        unit: b.unit.clone(),
        level: b
            .level
            .map(Level::new)
            .transpose()
            .map_err(ApiError::BadRequest)?,
        satisfaction: b
            .satisfaction
            .as_deref()
            .map(|s| {
                Satisfaction::parse(s).ok_or_else(|| {
                    ApiError::BadRequest(format!(
                        "satisfaction {:?} is none of satisfied, partly, unsatisfied",
                        clip(s)
                    ))
                })
            })
            .transpose()?,
        duplicate_of: b.duplicate_of,
    };
    if let Some(seen) = b.seen
        && seen != c.events
    {
        return Err(ApiError::Conflict(format!(
            "case {id} has had {} events, not {seen}; read it again",
            c.events
        )));
    }
    let now = UnixMs::now();
    let state_now = c.state();
    let e = state_now
        .check(&m, actor, &name_of(who), now)
        .map_err(|e| match e {
            MoveError::Illegal { .. } => ApiError::Conflict(e.to_string()),
            MoveError::Forbidden(m) => ApiError::Forbidden(m),
            MoveError::Missing(m) => ApiError::BadRequest(m.into()),
        })?;
    if let Some(d) = e.duplicate_of
        && (d == id || visible_case(&state, who, d).await.is_err())
    {
        return Err(ApiError::BadRequest(format!(
            "duplicate_of: no case {d} to repeat"
        )));
    }
    let next = state_now.apply(&e);
    state
        .store
        .apply_case_event(id, c.events, &e, &next)
        .await?;
    let d = detail(&state, who, id).await?;
    announce_view(&state, &d.view);
    Ok(Json(d))
}

async fn detail(state: &AppState, who: &Principal, id: i64) -> Result<CaseDetail, ApiError> {
    let c = visible_case(state, who, id).await?;
    let history = state.store.case_events(id).await?;
    let s = c.state();
    let allowed = match actor_of(who) {
        Ok(actor) => s
            .allowed_moves(actor)
            .into_iter()
            .map(|to| to.as_str().to_string())
            .collect(),
        Err(_) => Vec::new(),
    };
    Ok(CaseDetail {
        view: view(c, &state.config.case_categories, UnixMs::now()),
        history,
        allowed,
    })
}

#[utoipa::path(get, path = "/api/cases/{id}", operation_id = "case", tag = "cases",
    summary = "One case with its history and the moves the caller may make",
    params(("id" = i64, Path, description = "Case id")),
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen", "worker"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn one(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(id): Path<i64>,
) -> Result<Json<CaseDetail>, ApiError> {
    detail(&state, &who.0, id).await.map(Json)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseQuery {
    /// County code (6 digits); default: the caller's, else the store's first.
    pub county: Option<String>,
    /// A grid, village or town code (or a prefix of one).
    pub within: Option<String>,
    /// Statuses, comma-separated; `open` for every open one.
    pub status: Option<String>,
    pub category: Option<String>,
    pub level: Option<u8>,
    pub source: Option<String>,
    /// Only open cases past their stage's deadline.
    pub overdue: Option<bool>,
    /// Reported from (RFC 3339 or Unix seconds).
    pub from: Option<String>,
    /// Reported before.
    pub to: Option<String>,
    /// At most 1,000 (default 100; up to 100,000 for csv and geojson).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// `json` (default), `geojson` (points, WGS84) or `csv`.
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    /// How many match, counted up to 10,000.
    pub total: i64,
    /// True when more match than `total` says (it reached the cap).
    pub at_least: bool,
    pub offset: i64,
    pub cases: Vec<CaseView>,
}

#[utoipa::path(get, path = "/api/cases", operation_id = "cases", tag = "cases",
    summary = "Cases, newest first, filtered by area, status, category, level, source, period and overdue",
    params(CaseQuery),
    responses((status = 200, body = CaseList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<CaseQuery>,
) -> Result<Response, ApiError> {
    let who = &who.0;
    let county = state.plans.county(q.county.as_deref(), &who.scope)?;
    let catalogue = &state.config.case_categories;
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "geojson" | "csv") {
        return Err(ApiError::BadRequest(format!(
            "format {:?} is none of json, geojson, csv",
            clip(format)
        )));
    }
    // The caller's scope narrows any area asked for; an area outside it
    // shows nothing (as if it had no cases).
    let within = match (who.scope.within_county(), q.within.as_deref()) {
        (None, w) => w.map(str::to_owned),
        (Some(p), None) => Some(p.to_string()),
        (Some(p), Some(w)) if w.starts_with(p) => Some(w.to_string()),
        (Some(p), Some(w)) if p.starts_with(w) => Some(p.to_string()),
        (Some(_), Some(_)) => Some("-".into()),
    };
    if let Some(w) = &q.within
        && (w.len() > 15 || !w.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(ApiError::BadRequest(format!(
            "within {:?} is not a code prefix",
            clip(w)
        )));
    }
    let statuses = match q.status.as_deref() {
        None => Vec::new(),
        Some("open") => Status::ALL.into_iter().filter(|s| s.is_open()).collect(),
        Some(list) => list
            .split(',')
            .map(|s| {
                Status::parse(s.trim())
                    .ok_or_else(|| ApiError::BadRequest(format!("unknown status {:?}", clip(s))))
            })
            .collect::<Result<_, _>>()?,
    };
    let category = q
        .category
        .as_deref()
        .map(|c| category_code(catalogue, c))
        .transpose()?;
    let now = UnixMs::now();
    let overdue = q.overdue.unwrap_or(false).then(|| {
        catalogue.cutoffs(
            now,
            &[Level::GRID, Level::VILLAGE, Level::TOWN, Level::COUNTY],
        )
    });
    let f = CaseFilter {
        county: Some(county),
        within,
        statuses,
        category,
        categories: Vec::new(),
        level: q
            .level
            .map(Level::new)
            .transpose()
            .map_err(ApiError::BadRequest)?,
        source: q.source.clone(),
        from: time_param(&q.from, "from")?,
        to: time_param(&q.to, "to")?,
        overdue,
        limit: q
            .limit
            .unwrap_or(100)
            .clamp(1, if format == "json" { 1000 } else { 100_000 }),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (rows, total) = state.store.list_cases(&f).await?;
    let list = CaseList {
        at_least: total >= crate::store::cases::COUNT_CAP,
        total,
        offset: f.offset,
        cases: rows.into_iter().map(|c| view(c, catalogue, now)).collect(),
    };
    Ok(match format {
        "csv" => (
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/csv; charset=utf-8".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"cases-{county}.csv\""),
                ),
            ],
            cases_csv(&list.cases)?,
        )
            .into_response(),
        "geojson" => {
            let features: Vec<serde_json::Value> = list
                .cases
                .iter()
                .map(|c| {
                    let mut props = serde_json::to_value(c).unwrap_or_default();
                    if let Some(m) = props.as_object_mut() {
                        m.remove("lon");
                        m.remove("lat");
                    }
                    serde_json::json!({
                        "type": "Feature",
                        "id": c.case.id,
                        "geometry": {"type": "Point", "coordinates": [c.case.lon, c.case.lat]},
                        "properties": props,
                    })
                })
                .collect();
            (
                [(axum::http::header::CONTENT_TYPE, "application/geo+json")],
                Json(serde_json::json!({"type": "FeatureCollection", "features": features})),
            )
                .into_response()
        }
        _ => Json(list).into_response(),
    })
}

/// Cases as CSV (UTF-8, times RFC 3339 UTC), one row a case.
fn cases_csv(cases: &[CaseView]) -> Result<String, ApiError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
    w.write_record([
        "id",
        "reported_at",
        "lon",
        "lat",
        "grid_code",
        "village_code",
        "town_code",
        "category",
        "category_name",
        "status",
        "status_name",
        "level",
        "source",
        "reporter",
        "external_id",
        "overdue",
        "closed_at",
        "satisfaction",
        "description",
    ])
    .map_err(fail)?;
    let time = |t: Option<i64>| t.map(|t| UnixMs(t).rfc3339()).unwrap_or_default();
    for v in cases {
        let c = &v.case;
        w.write_record([
            c.id.to_string(),
            time(Some(c.reported_at)),
            format!("{:.7}", c.lon),
            format!("{:.7}", c.lat),
            c.grid_code.clone(),
            c.village_code.clone(),
            c.town_code.clone(),
            c.category.clone(),
            v.category_name.clone(),
            c.status.clone(),
            v.status_name.clone(),
            c.level.to_string(),
            c.source.clone(),
            c.reporter.clone(),
            c.external_id.clone().unwrap_or_default(),
            v.overdue.to_string(),
            time(c.closed_at),
            c.satisfaction.clone().unwrap_or_default(),
            c.description.clone(),
        ])
        .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    /// Hours at levels 1–4.
    pub deadline_hours: [f64; 4],
    pub target_change: Option<f64>,
}

#[utoipa::path(get, path = "/api/cases/categories", operation_id = "case_categories", tag = "cases",
    summary = "The case categories, their deadlines per level and their year-on-year targets",
    responses((status = 200, body = Vec<CategoryView>), (status = 401, body = ErrorBody)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen", "worker"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn categories(State(state): State<Arc<AppState>>) -> Json<Vec<CategoryView>> {
    Json(
        state
            .config
            .case_categories
            .categories
            .iter()
            .map(|c| CategoryView {
                code: c.code.clone(),
                name: c.name.clone(),
                deadline_hours: c.deadline_hours,
                target_change: c.target_change,
            })
            .collect(),
    )
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CaseKpiQuery {
    pub county: Option<String>,
    /// Start, RFC 3339 or Unix seconds; default: local midnight today.
    pub from: Option<String>,
    /// End (excluded); default: now.
    pub to: Option<String>,
    /// grid, village (default), town or county.
    pub by: Option<String>,
    /// Minutes from acceptance within which a dispatch counts (default 30).
    pub dispatch_minutes: Option<u32>,
    /// `json` (default) or `csv` (one row an area).
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseKpiReply {
    pub county: String,
    pub from: String,
    pub to: String,
    pub by: String,
    #[schema(value_type = Vec<Object>)]
    pub areas: Vec<ops::cases::AreaKpi>,
    #[schema(value_type = Vec<Object>)]
    pub categories: Vec<ops::cases::CategoryTrend>,
}

#[utoipa::path(get, path = "/api/kpi/cases", operation_id = "case_kpis", tag = "cases",
    summary = "Case KPIs per grid, village, town or county over a period (coverage, dispatch, closure, on time, satisfaction, time to close, overdue) and per category against a year earlier",
    params(CaseKpiQuery),
    responses((status = 200, body = CaseKpiReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn kpis(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<CaseKpiQuery>,
) -> Result<Response, ApiError> {
    let who = &who.0;
    let county = state.plans.county(q.county.as_deref(), &who.scope)?;
    // Streamed from the store, so a year is as good as a day.
    let (from, to) = period_of_at_most(
        &PeriodParams {
            from: q.from.clone(),
            to: q.to.clone(),
        },
        366,
    )?;
    if !matches!(q.format.as_deref(), None | Some("json") | Some("csv")) {
        return Err(ApiError::BadRequest("format is json or csv".into()));
    }
    let by = q.by.as_deref().unwrap_or("village");
    let prefix = match by {
        "grid" => 15,
        "village" => 12,
        "town" => 9,
        "county" => 6,
        other => {
            return Err(ApiError::BadRequest(format!(
                "by {:?} is none of grid, village, town, county",
                clip(other)
            )));
        }
    };
    let within = who.scope.within_county().map(str::to_owned);
    let load = |from: UnixMs, to: UnixMs| CaseFilter {
        county: Some(county),
        within: within.clone(),
        from: Some(from),
        to: Some(to),
        ..CaseFilter::default()
    };
    let snap = state.plans.snapshot();
    let grids: Vec<String> = match snap.active(county).and_then(|id| snap.plan(id)) {
        Some(plan) => super::grid_set(&state, plan, crate::store::GridLevel::Grid)
            .await?
            .grids
            .iter()
            .map(|g| g.code.clone())
            .filter(|g| within.as_deref().is_none_or(|p| g.starts_with(p)))
            .collect(),
        None => Vec::new(),
    };
    let catalogue = &state.config.case_categories;
    let kpis = CaseKpis::new(
        &grids,
        catalogue,
        &CaseKpiParams {
            from,
            to,
            dispatch_within_ms: i64::from(q.dispatch_minutes.unwrap_or(30)) * 60_000,
            prefix,
        },
    );
    let counts: BTreeMap<String, usize> = BTreeMap::new();
    let this_filter = load(from, to);
    let this_year =
        state
            .store
            .fold_kpi_cases(&this_filter, (kpis, counts), |(kpis, counts), c| {
                kpis.add(&CaseRecord {
                    grid: &c.grid_code,
                    category: &c.category,
                    source: Source::parse(&c.source).unwrap_or(Source::Import),
                    reported: UnixMs(c.reported_at),
                    level: Level::new(c.reported_level.clamp(1, 4) as u8).unwrap_or(Level::GRID),
                    history: c.history.as_history(),
                });
                match counts.get_mut(c.category.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        counts.insert(c.category.clone(), 1);
                    }
                }
            });
    let year_ago = ops::cases::kpi::a_year_before;
    let last_filter = CaseFilter {
        categories: catalogue
            .categories
            .iter()
            .flat_map(|c| [c.code.clone(), c.name.clone()])
            .collect(),
        ..load(year_ago(from), year_ago(to))
    };
    // Both read at once: on PostgreSQL, two backends; a year's fold and
    // last year's counts each take a few hundred milliseconds.
    let (this_year, last_year) =
        tokio::join!(this_year, state.store.case_counts_by_category(&last_filter));
    let ((kpis, counts), last_year) = (this_year?, last_year?);
    let areas = kpis.finish();
    let categories = trends_of_counts(&counts, &last_year, catalogue);
    if q.format.as_deref() == Some("csv") {
        return Ok((
            [
                (
                    axum::http::header::CONTENT_TYPE,
                    "text/csv; charset=utf-8".to_string(),
                ),
                (
                    axum::http::header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"case-kpis-{county}-{by}.csv\""),
                ),
            ],
            kpi_csv(&areas)?,
        )
            .into_response());
    }
    Ok(Json(CaseKpiReply {
        county: county.to_string(),
        from: from.rfc3339(),
        to: to.rfc3339(),
        by: by.into(),
        areas,
        categories,
    })
    .into_response())
}

/// The areas' KPIs as CSV, one row an area (rates as fractions).
fn kpi_csv(areas: &[ops::cases::AreaKpi]) -> Result<String, ApiError> {
    let fail = |e: csv::Error| ApiError::Internal(format!("writing CSV: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    for a in areas {
        w.serialize(a).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::Internal(format!("writing CSV: {e}")))?;
    String::from_utf8(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// A row of a hotline import that was not stored, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct RowError {
    /// The CSV line (the header is line 1).
    pub line: u64,
    pub external_id: Option<String>,
    pub error: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReply {
    pub rows: usize,
    /// New cases.
    pub created: usize,
    /// Work orders stored before (same number): left as they are.
    pub existing: usize,
    pub errors: Vec<RowError>,
}

/// A column of the import by its English or Chinese header.
fn column(headers: &csv::StringRecord, names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.contains(&h.trim().trim_start_matches('\u{feff}')))
}

#[utoipa::path(post, path = "/api/cases/import", operation_id = "import_cases", tag = "cases",
    summary = "Import 12345 hotline work orders from CSV (external_id, time, category, lon, lat, description; or 工单编号, 时间, 类别, 经度, 纬度, 描述; optional crs, level): each row a case or an error naming its line; a number stored before is not stored again",
    params(("county" = Option<String>, Query, description = "County code; default: the caller's")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = ["dispatcher", "admin"]), ("session" = ["dispatcher", "admin"])))]
pub(super) async fn import(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<CountyOnly>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Json<ImportReply>, ApiError> {
    let who = &who.0;
    let csv_type = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    if !csv_type {
        return Err(ApiError::UnsupportedMediaType(
            "send the work orders as CSV with `Content-Type: text/csv`".into(),
        ));
    }
    let text = std::str::from_utf8(&body)
        .map_err(|e| ApiError::BadRequest(format!("the CSV is not UTF-8: {e}")))?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ApiError::BadRequest(format!("the CSV header: {e}")))?
        .clone();
    let col = |names: &[&str]| column(&headers, names);
    let (Some(c_cat), Some(c_lon), Some(c_lat)) = (
        col(&["category", "类别"]),
        col(&["lon", "经度"]),
        col(&["lat", "纬度"]),
    ) else {
        return Err(ApiError::BadRequest(
            "the CSV header names category, lon and lat (or 类别, 经度, 纬度)".into(),
        ));
    };
    let c_id = col(&["external_id", "工单编号"]);
    let c_time = col(&["time", "时间"]);
    let c_desc = col(&["description", "描述"]);
    let c_crs = col(&["crs"]);
    let c_level = col(&["level", "层级"]);
    let mut reply = ImportReply {
        rows: 0,
        created: 0,
        existing: 0,
        errors: Vec::new(),
    };
    for (i, rec) in reader.records().enumerate() {
        reply.rows += 1;
        if reply.rows > 10_000 {
            return Err(ApiError::PayloadTooLarge(
                "at most 10,000 work orders an import".into(),
            ));
        }
        let line = i as u64 + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                reply.errors.push(RowError {
                    line,
                    external_id: None,
                    error: e.to_string(),
                });
                continue;
            }
        };
        let get = |c: Option<usize>| {
            c.and_then(|c| rec.get(c))
                .map(str::trim)
                .filter(|v| !v.is_empty())
        };
        let external_id = get(c_id).map(str::to_owned);
        let number = |c: Option<usize>, what: &str| -> Result<f64, String> {
            get(c)
                .ok_or_else(|| format!("{what} is empty"))?
                .parse::<f64>()
                .map_err(|_| format!("{what} {:?} is not a number", get(c).unwrap_or_default()))
        };
        let row = async {
            let b = NewCaseBody {
                category: get(Some(c_cat)).unwrap_or_default().to_string(),
                lon: number(Some(c_lon), "lon")?,
                lat: number(Some(c_lat), "lat")?,
                description: get(c_desc).unwrap_or_default().to_string(),
                time: get(c_time).map(|t| serde_json::Value::String(t.to_string())),
                level: get(c_level)
                    .map(|l| {
                        l.parse::<u8>()
                            .map_err(|_| format!("level {l:?} is not 1–4"))
                    })
                    .transpose()?,
                source: Some("hotline".into()),
                reporter: Some("12345".into()),
                external_id: external_id.clone(),
                crs: get(c_crs).map(str::to_owned),
                county: q.county.clone(),
            };
            let new = prepare(&state, who, &b).await.map_err(|e| e.to_string())?;
            store_case(&state, &new).await.map_err(|e| e.to_string())
        };
        match row.await {
            Ok((_, true)) => reply.created += 1,
            Ok((_, false)) => reply.existing += 1,
            Err(error) => reply.errors.push(RowError {
                line,
                external_id,
                error,
            }),
        }
    }
    Ok(Json(reply))
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountyOnly {
    pub county: Option<String>,
}

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
use ops::cases::{
    Actor, CaseKpiParams, CaseRecord, Catalogue, Event, Level, Move, MoveError, Satisfaction,
    Source, Status, case_kpis, category_trends,
};
use ops::coords::gcj02;
use ops::positions::UnixMs;
use ops::positions::time as fix_time;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use super::positions::{PeriodParams, period};
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

fn view(c: StoredCase, catalogue: &Catalogue, now: UnixMs) -> CaseView {
    let state = c.state();
    let cat = catalogue.find(&c.category);
    let deadline = cat
        .filter(|_| state.status.is_open())
        .map(|k| state.since.0 + k.deadline_ms(state.level));
    CaseView {
        status_name: state.status.chinese().into(),
        category_name: cat.map(|k| k.name.clone()).unwrap_or_default(),
        overdue: ops::cases::kpi::overdue(&state, &c.category, catalogue, now),
        deadline,
        case: c,
    }
}

/// Tells the live stream a case was reported or moved.
pub(crate) async fn announce(state: &AppState, id: i64) {
    let Ok(Some(c)) = state.store.case(id).await else {
        return;
    };
    let Ok(county) = c.county.parse::<CountyCode>() else {
        return;
    };
    let grid = c.grid_code.clone();
    let v = view(c, &state.config.case_categories, UnixMs::now());
    if let Ok(data) = serde_json::to_string(&v) {
        state.live.case_changed(county, &grid, data);
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
async fn visible_case(state: &AppState, who: &Principal, id: i64) -> Result<StoredCase, ApiError> {
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
    let who = &who.0;
    let catalogue = &state.config.case_categories;
    let category = catalogue
        .find(&b.category)
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "unknown category {:?}; known: {}",
                clip(&b.category),
                catalogue.known()
            ))
        })?
        .code
        .clone();
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
    let set = super::grid_set(&state, &plan, crate::store::GridLevel::Grid).await?;
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
            if !worker_grids(&state, who).await?.contains(&grid) {
                return Err(ApiError::Forbidden(format!(
                    "grid {grid} is not one of this worker's grids"
                )));
            }
            who.worker.clone().unwrap_or_default()
        }
        _ => b.reporter.clone().unwrap_or_else(|| name_of(who)),
    };
    let created = state
        .store
        .create_case(&NewCase {
            county,
            reported_at,
            lon,
            lat,
            grid_code: grid.clone(),
            category,
            description: b.description.chars().take(4000).collect(),
            source,
            reporter: reporter.chars().take(200).collect(),
            external_id: b.external_id.clone(),
            level,
        })
        .await?;
    let (id, status) = match created {
        Created::New(id) => (id, StatusCode::CREATED),
        Created::Existing(id) => (id, StatusCode::OK),
    };
    if status == StatusCode::CREATED {
        announce(&state, id).await;
    }
    let reply = CreatedCase {
        id,
        village: grid.get(..12).unwrap_or_default().into(),
        town: grid.get(..9).unwrap_or_default().into(),
        grid,
        status: Status::Reported.as_str().into(),
        level: level.get(),
        created: status == StatusCode::CREATED,
    };
    Ok((status, Json(reply)).into_response())
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
    announce(&state, id).await;
    detail(&state, who, id).await.map(Json)
}

async fn detail(state: &AppState, who: &Principal, id: i64) -> Result<CaseDetail, ApiError> {
    let c = visible_case(state, who, id).await?;
    let history = state.store.case_events(id).await?;
    let s = c.state();
    let allowed = match actor_of(who) {
        Ok(actor) => s
            .status
            .next()
            .iter()
            .filter(|to| {
                let m = Move {
                    to: Some(**to),
                    unit: Some("-".into()),
                    satisfaction: Some(Satisfaction::Satisfied),
                    duplicate_of: Some(0),
                    ..Move::default()
                };
                s.check(&m, actor, "", UnixMs::now()).is_ok()
            })
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
    /// At most 1,000 (default 100).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub total: i64,
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
) -> Result<Json<CaseList>, ApiError> {
    let who = &who.0;
    let county = state.plans.county(q.county.as_deref(), &who.scope)?;
    let catalogue = &state.config.case_categories;
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
        .map(|c| {
            catalogue
                .find(c)
                .map(|k| k.code.clone())
                .ok_or_else(|| ApiError::BadRequest(format!("unknown category {:?}", clip(c))))
        })
        .transpose()?;
    let parse = |s: &Option<String>, what: &str| {
        s.as_deref()
            .map(|t| {
                fix_time::from_text(t).map_err(|e| ApiError::BadRequest(format!("{what}: {e}")))
            })
            .transpose()
    };
    let now = UnixMs::now();
    let overdue = q.overdue.unwrap_or(false).then(|| {
        catalogue
            .categories
            .iter()
            .flat_map(|c| {
                [Level::GRID, Level::VILLAGE, Level::TOWN, Level::COUNTY]
                    .map(|l| (c.code.clone(), l, UnixMs(now.0 - c.deadline_ms(l))))
            })
            .collect()
    });
    let f = CaseFilter {
        county: Some(county),
        within,
        statuses,
        category,
        level: q
            .level
            .map(Level::new)
            .transpose()
            .map_err(ApiError::BadRequest)?,
        source: q.source.clone(),
        from: parse(&q.from, "from")?,
        to: parse(&q.to, "to")?,
        overdue,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        offset: q.offset.unwrap_or(0).max(0),
    };
    let (rows, total) = state.store.list_cases(&f).await?;
    Ok(Json(CaseList {
        total,
        offset: f.offset,
        cases: rows.into_iter().map(|c| view(c, catalogue, now)).collect(),
    }))
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
) -> Result<Json<CaseKpiReply>, ApiError> {
    let who = &who.0;
    let county = state.plans.county(q.county.as_deref(), &who.scope)?;
    let (from, to) = period(&PeriodParams {
        from: q.from.clone(),
        to: q.to.clone(),
    })?;
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
    let cases = state.store.all_cases(&load(from, to)).await?;
    let year_ago = ops::cases::kpi::a_year_before;
    let last_year = state
        .store
        .all_cases(&load(year_ago(from), year_ago(to)))
        .await?;
    let ids: Vec<i64> = cases.iter().map(|c| c.id).collect();
    let events = state.store.events_of(&ids).await?;
    let events: std::collections::HashMap<i64, Vec<Event>> = events.into_iter().collect();
    let none: Vec<Event> = Vec::new();
    let records: Vec<CaseRecord> = cases
        .iter()
        .chain(&last_year)
        .map(|c| CaseRecord {
            grid: &c.grid_code,
            category: &c.category,
            source: Source::parse(&c.source).unwrap_or(Source::Import),
            reported: UnixMs(c.reported_at),
            level: c.reported_level(),
            events: events.get(&c.id).map_or(&none[..], |v| &v[..]),
        })
        .collect();
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
    let areas = case_kpis(
        &records[..cases.len()],
        &grids,
        catalogue,
        &CaseKpiParams {
            from,
            to,
            dispatch_within_ms: i64::from(q.dispatch_minutes.unwrap_or(30)) * 60_000,
            prefix,
        },
    );
    let categories = category_trends(&records, catalogue, from, to);
    Ok(Json(CaseKpiReply {
        county: county.to_string(),
        from: from.rfc3339(),
        to: to.rfc3339(),
        by: by.into(),
        areas,
        categories,
    }))
}

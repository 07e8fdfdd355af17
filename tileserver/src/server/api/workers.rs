//! The roster over HTTP: grid workers with their latest position and
//! whether they are online, and roster uploads by planners.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use ops::positions::{Fix, UnixMs};
use ops::roster::{self, WorkerId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use crate::auth::Scope;
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::{Body, Params};
use crate::server::{ApiError, AppState};
use crate::store::workers::StoredWorker;

/// A fix as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PositionView {
    /// RFC 3339, UTC.
    pub time: String,
    /// Unix milliseconds.
    pub t: i64,
    pub lon: f64,
    pub lat: f64,
    pub accuracy: Option<f32>,
    pub speed: Option<f32>,
    pub heading: Option<f32>,
    pub battery: Option<f32>,
}

impl From<&Fix> for PositionView {
    fn from(f: &Fix) -> Self {
        Self {
            time: f.time.rfc3339(),
            t: f.time.0,
            lon: f.lon,
            lat: f.lat,
            accuracy: f.accuracy,
            speed: f.speed,
            heading: f.heading,
            battery: f.battery,
        }
    }
}

/// A grid worker (网格员).
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerView {
    pub id: String,
    pub name: String,
    /// `leader` (网格长), `full_time` (专职网格员) or `part_time` (兼职网格员).
    pub role: String,
    pub role_name: String,
    /// Grid codes served.
    pub grids: Vec<String>,
    pub phone: Option<String>,
    pub county: String,
    /// A fix within the online timeout.
    pub online: bool,
    pub latest: Option<PositionView>,
    /// Assigned codes the county's plan in force does not have.
    pub stale_grids: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkerList {
    pub workers: Vec<WorkerView>,
    pub online: usize,
    /// Seconds without a fix after which a worker is offline.
    pub online_timeout_s: u64,
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CountyParam {
    /// County code (6 digits); default: the caller's county, else the store's first.
    pub county: Option<String>,
}

/// Whether a worker is the caller's to see: a town- or village-scoped
/// caller sees workers serving a grid inside its scope.
fn visible(w: &StoredWorker, scope: &Scope) -> bool {
    match scope.within_county() {
        None => scope.county().is_none_or(|c| c.to_string() == w.county),
        Some(_) => w.worker.grids.iter().any(|g| scope.allows_code(g)),
    }
}

async fn view(
    state: &AppState,
    workers: Vec<StoredWorker>,
    latest: &HashMap<WorkerId, Fix>,
) -> Result<Vec<WorkerView>, ApiError> {
    let now = UnixMs::now();
    let timeout_ms = state.config.online_timeout.as_millis() as i64;
    let snap = state.plans.snapshot();
    let mut codes: HashMap<String, Arc<crate::source::GridSet>> = HashMap::new();
    let mut out = Vec::with_capacity(workers.len());
    for w in workers {
        // The county's plan in force, once a county.
        let stale = match w.county.parse() {
            Ok(county) => {
                let set = match codes.get(&w.county) {
                    Some(s) => Some(s.clone()),
                    None => match snap.active(county).and_then(|id| snap.plan(id)) {
                        Some(plan) => {
                            let s =
                                super::grid_set(state, plan, crate::store::GridLevel::Grid).await?;
                            codes.insert(w.county.clone(), s.clone());
                            Some(s)
                        }
                        None => None,
                    },
                };
                match set {
                    Some(s) => w
                        .worker
                        .grids
                        .iter()
                        .filter(|c| s.index_of(c).is_none())
                        .cloned()
                        .collect(),
                    None => w.worker.grids.clone(),
                }
            }
            Err(_) => Vec::new(),
        };
        let fix = latest.get(&w.worker.id);
        out.push(WorkerView {
            id: w.worker.id.to_string(),
            name: w.worker.name,
            role: w.worker.role.as_str().into(),
            role_name: w.worker.role.chinese().into(),
            grids: w.worker.grids,
            phone: w.worker.phone,
            county: w.county,
            online: fix.is_some_and(|f| now.0 - f.time.0 <= timeout_ms),
            latest: fix.map(PositionView::from),
            stale_grids: stale,
        });
    }
    Ok(out)
}

#[utoipa::path(get, path = "/api/workers", operation_id = "list_workers", tag = "workers",
    summary = "Grid workers the caller sees, with their latest position and online state",
    params(CountyParam),
    responses((status = 200, body = WorkerList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "screen", "dispatcher"])))]
pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(p): Params<CountyParam>,
) -> Result<Json<WorkerList>, ApiError> {
    let county = state.plans.county(p.county.as_deref(), &who.0.scope)?;
    let workers: Vec<StoredWorker> = state
        .store
        .workers(Some(county))
        .await?
        .into_iter()
        .filter(|w| visible(w, &who.0.scope))
        .collect();
    let latest: HashMap<WorkerId, Fix> = state
        .store
        .latest_fixes(Some(county))
        .await?
        .into_iter()
        .map(|f| (f.worker.clone(), f))
        .collect();
    let workers = view(&state, workers, &latest).await?;
    Ok(Json(WorkerList {
        online: workers.iter().filter(|w| w.online).count(),
        workers,
        online_timeout_s: state.config.online_timeout.as_secs(),
    }))
}

/// The worker `id` names, if the caller may see it (else 404, so ids
/// outside the scope are not even confirmed to exist).
pub(super) async fn visible_worker(
    state: &AppState,
    who: &Who,
    id: &str,
) -> Result<StoredWorker, ApiError> {
    let missing = || ApiError::NotFound(format!("no worker {:?}", clip(id)));
    let wid = WorkerId::parse(id).map_err(|_| missing())?;
    let w = state.store.worker(&wid).await?.ok_or_else(missing)?;
    let own = who.0.worker.as_deref() == Some(wid.as_str());
    if !own && !visible(&w, &who.0.scope) {
        return Err(missing());
    }
    Ok(w)
}

#[utoipa::path(get, path = "/api/workers/{id}", operation_id = "get_worker", tag = "workers",
    summary = "One grid worker with the latest position and online state",
    params(("id" = String, Path, description = "Worker id")),
    responses((status = 200, body = WorkerView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "screen", "worker", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "screen", "dispatcher"])))]
pub(super) async fn one(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(id): Path<String>,
) -> Result<Json<WorkerView>, ApiError> {
    let w = visible_worker(&state, &who, &id).await?;
    // A phone sees only itself.
    if who.0.role == crate::auth::Role::Worker
        && who.0.worker.as_deref() != Some(w.worker.id.as_str())
    {
        return Err(ApiError::NotFound(format!("no worker {:?}", clip(&id))));
    }
    let county = w.county.parse().ok();
    let latest: HashMap<WorkerId, Fix> = state
        .store
        .latest_fixes(county)
        .await?
        .into_iter()
        .filter(|f| f.worker == w.worker.id)
        .map(|f| (f.worker.clone(), f))
        .collect();
    let mut v = view(&state, vec![w], &latest).await?;
    v.pop()
        .map(Json)
        .ok_or_else(|| ApiError::Internal("a worker went missing".into()))
}

/// What a roster upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct RosterReply {
    pub county: String,
    pub added: usize,
    pub updated: usize,
    /// Workers assigned to codes the plan in force does not have.
    pub stale: Vec<StaleAssignment>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaleAssignment {
    pub worker: String,
    pub grids: Vec<String>,
}

#[utoipa::path(post, path = "/api/workers", operation_id = "put_workers", tag = "workers",
    summary = "Add or update grid workers of a county (a JSON array of {id, name, role, grids, phone})",
    params(CountyParam),
    request_body(content = Object, description = "An array of workers"),
    responses((status = 200, body = RosterReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = ["planner", "admin"]), ("session" = ["planner", "admin"])))]
pub(super) async fn upload(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(p): Params<CountyParam>,
    Body(body): Body<serde_json::Value>,
) -> Result<Json<RosterReply>, ApiError> {
    let scope = &who.0.scope;
    let county = state.plans.county(p.county.as_deref(), scope)?;
    let workers = roster::from_value(body).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    // A town-scoped planner may assign only grids of its town.
    if let Some(prefix) = scope.within_county()
        && let Some(w) = workers
            .iter()
            .find(|w| w.grids.iter().any(|g| !g.starts_with(prefix)))
    {
        return Err(ApiError::Forbidden(format!(
            "worker {} is assigned grids outside the scope {prefix}",
            w.id
        )));
    }
    if let Some(w) = workers
        .iter()
        .find(|w| w.grids.iter().any(|g| !g.starts_with(&county.to_string())))
    {
        return Err(ApiError::BadRequest(format!(
            "worker {} is assigned grids of another county than {county}",
            w.id
        )));
    }
    let written = state.store.upsert_workers(county, &workers).await?;
    let snap = state.plans.snapshot();
    let stale = match snap.active(county).and_then(|id| snap.plan(id)) {
        Some(plan) => {
            let set = super::grid_set(&state, plan, crate::store::GridLevel::Grid).await?;
            roster::stale_assignments(&workers, |c| set.index_of(c).is_some())
        }
        None => roster::stale_assignments(&workers, |_| false),
    };
    Ok(Json(RosterReply {
        county: county.to_string(),
        added: written.added,
        updated: written.updated,
        stale: stale
            .into_iter()
            .map(|(w, g)| StaleAssignment {
                worker: w.to_string(),
                grids: g.into_iter().map(str::to_owned).collect(),
            })
            .collect(),
    }))
}

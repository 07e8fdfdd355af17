//! `POST /api/partitions`: a new plan from the map, run in the background
//! (one at a time) with its stage reported at `GET /api/partitions/{job}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use partition::blocks::BlockParams;
use partition::grids::{Band, BandSet};
use partition::model::RoadClass;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Who;
use super::counties::NoParams;
use crate::planning::{PlanRequest, partition_store};
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::{Body, Params};
use crate::server::pipeline::audit::AuditNote;
use crate::server::{ApiError, AppState};
use crate::store::{CountyCode, PlanId};

/// A partition to run; every field but `band` is optional.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPartition {
    /// Grid size band, e.g. `residents:1000-2000` or `households:300-500`.
    #[schema(example = "residents:1000-2000")]
    band: String,
    /// Band for rural villages, if different.
    rural_band: Option<String>,
    /// Also make unit cells with this band, e.g. `households:30-50`.
    cells: Option<String>,
    name: Option<String>,
    /// A plan (id or `active`) whose grids to keep where they still meet the rules.
    from: Option<String>,
    /// Least important road class that bounds blocks.
    min_road_class: Option<String>,
    /// Make the new plan the county's plan in force (default true).
    #[serde(default = "yes")]
    activate: bool,
    /// The county to partition; default: the caller's, else the store's first.
    county: Option<String>,
}

/// A partition job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobView {
    pub job: u64,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// What it is doing now.
    pub stage: String,
    pub elapsed_s: f64,
    pub county: String,
    /// The plan it made.
    pub plan: Option<i64>,
    pub in_band_feasible: Option<f64>,
    pub error: Option<String>,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone)]
struct Job {
    state: &'static str,
    stage: String,
    started: Instant,
    seconds: Option<f64>,
    county: CountyCode,
    /// Whom the job belongs to: others' jobs are invisible.
    scope: crate::auth::Scope,
    plan: Option<PlanId>,
    error: Option<String>,
    in_band_feasible: Option<f64>,
}

/// The partition jobs of this server.
#[derive(Default)]
pub struct Jobs {
    jobs: Mutex<HashMap<u64, Job>>,
}

impl Jobs {
    fn update(&self, id: u64, f: impl FnOnce(&mut Job)) {
        if let Some(j) = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_mut(&id)
        {
            f(j);
        }
    }
}

fn band(v: &str, field: &str) -> Result<Band, ApiError> {
    Band::parse(v).map_err(|e| ApiError::BadRequest(format!("{field}: {e}")))
}

fn job_view(id: u64, j: &Job) -> JobView {
    JobView {
        job: id,
        state: j.state.into(),
        stage: j.stage.clone(),
        elapsed_s: j
            .seconds
            .unwrap_or_else(|| j.started.elapsed().as_secs_f64()),
        county: j.county.to_string(),
        plan: j.plan.map(|p| p.0),
        in_band_feasible: j.in_band_feasible,
        error: j.error.clone(),
    }
}

#[utoipa::path(post, path = "/api/partitions", operation_id = "start_partition", tag = "plans",
    summary = "Start a partition of a county into a new plan (one at a time); 202 with the job",
    params(NoParams),
    request_body = NewPartition,
    responses((status = 202, body = JobView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = ["planner", "admin"]), ("session" = ["planner", "admin"])))]
pub(super) async fn start(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
    Body(p): Body<NewPartition>,
) -> Result<Response, ApiError> {
    let scope = who.0.scope.clone();
    if scope.within_county().is_some() {
        return Err(ApiError::Forbidden(format!(
            "partitioning works on a whole county; the scope {scope} is narrower"
        )));
    }
    let county = state.plans.county(p.county.as_deref(), &scope)?;
    let parked = state
        .plans
        .snapshot()
        .plans
        .iter()
        .filter(|x| x.county == county && !x.active)
        .count();
    if parked >= state.config.max_plans {
        return Err(ApiError::Conflict(format!(
            "county {county} has {parked} plans not in force, the most this server keeps (--max-plans); \
             delete some (DELETE /api/plans/{{id}} or `wangge plans --delete`) first"
        )));
    }
    let mut bands = BandSet::uniform(band(&p.band, "band")?);
    if let Some(r) = &p.rural_band {
        bands.rural = Some(band(r, "rural_band")?);
    }
    let min_road_class = match &p.min_road_class {
        Some(c) => RoadClass::parse(c).ok_or_else(|| {
            ApiError::BadRequest(format!("min_road_class {:?} is not a road class", clip(c)))
        })?,
        None => BlockParams::default().min_road_class,
    };
    let cs = county.to_string();
    let from = match &p.from {
        Some(f) => Some(crate::store::PlanSelector::Id(
            state.plans.resolve(Some(f), Some(&cs), &scope)?.id,
        )),
        None => None,
    };
    let req = PlanRequest {
        county: Some(county),
        bands,
        min_road_class,
        dedicated_min_m2: BlockParams::default().dedicated_min_m2,
        from,
        cells: p.cells.as_deref().map(|c| band(c, "cells")).transpose()?,
        name: p
            .name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .map(|n| n.chars().take(80).collect()),
        activate: p.activate,
    };
    let id = {
        let mut jobs = state.jobs.jobs.lock().unwrap_or_else(|p| p.into_inner());
        if jobs.values().any(|j| j.state == "running") {
            return Err(ApiError::Conflict(
                "a partition is already running; wait for it".into(),
            ));
        }
        let id = jobs.keys().max().map_or(1, |m| m + 1);
        jobs.insert(
            id,
            Job {
                state: "running",
                stage: "queued".into(),
                started: Instant::now(),
                seconds: None,
                county,
                scope: scope.clone(),
                plan: None,
                error: None,
                in_band_feasible: None,
            },
        );
        id
    };
    let st = state.clone();
    tokio::spawn(async move {
        let progress = st.clone();
        let stage: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |s: &str| {
            let s = s.to_string();
            progress.jobs.update(id, |j| j.stage = s);
        });
        let outcome = partition_store(&st.store, &req, stage).await;
        match outcome {
            Ok(o) => {
                if let Err(e) = st.refresh_plans().await {
                    tracing::warn!(error = %e, "re-reading plans");
                }
                tracing::info!(
                    plan = o.id.0,
                    seconds = o.seconds,
                    "partitioned from the API"
                );
                st.jobs.update(id, |j| {
                    j.state = "done";
                    j.stage = "done".into();
                    j.plan = Some(o.id);
                    j.seconds = Some(o.seconds);
                    j.in_band_feasible = Some(o.report.in_band_feasible);
                });
            }
            Err(e) => {
                tracing::warn!(error = %e, "partition from the API failed");
                st.jobs.update(id, |j| {
                    j.state = "failed";
                    j.error = Some(e.to_string());
                    j.seconds = Some(j.started.elapsed().as_secs_f64());
                });
            }
        }
    });
    let job = state
        .jobs
        .jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
        .cloned()
        .ok_or_else(|| ApiError::Internal("job vanished".into()))?;
    let mut res = (StatusCode::ACCEPTED, Json(job_view(id, &job))).into_response();
    res.extensions_mut().insert(AuditNote {
        action: "partition.start".into(),
        target: format!("job {id}"),
        county: county.to_string(),
    });
    Ok(res)
}

#[utoipa::path(get, path = "/api/partitions/{job}", operation_id = "get_partition", tag = "plans",
    summary = "A partition job: running (with its stage), done (with the plan) or failed (with the error)",
    params(("job" = String, Path, description = "Job id"), NoParams),
    responses((status = 200, body = JobView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)),
    security(("bearer" = ["planner", "admin"]), ("session" = ["planner", "admin"])))]
pub(super) async fn status(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(job): Path<String>,
    Params(_): Params<NoParams>,
) -> Result<Json<JobView>, ApiError> {
    let id: u64 = job
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("job ids are numbers, not {:?}", clip(&job))))?;
    let jobs = state.jobs.jobs.lock().unwrap_or_else(|p| p.into_inner());
    let j = jobs
        .get(&id)
        .filter(|j| who.0.scope.covers(&j.scope) || who.0.scope.allows_county(j.county))
        .ok_or_else(|| ApiError::NotFound(format!("no partition job {id}")))?;
    Ok(Json(job_view(id, j)))
}

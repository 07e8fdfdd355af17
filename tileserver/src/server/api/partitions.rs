//! `POST /api/partitions`: a new plan from the map, run in the background
//! (one at a time) with its stage reported at `GET /api/partitions/{job}`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use partition::blocks::BlockParams;
use partition::grids::{Band, BandSet};
use partition::model::RoadClass;
use serde::Deserialize;
use serde_json::{Value, json};

use super::only;
use crate::planning::{PlanRequest, partition_store};
use crate::server::errors::query_map;
use crate::server::{ApiError, AppState};

/// What the map sends; every field but `band` is optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NewPartition {
    band: String,
    rural_band: Option<String>,
    cells: Option<String>,
    name: Option<String>,
    from: Option<String>,
    min_road_class: Option<String>,
    #[serde(default = "yes")]
    activate: bool,
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
    plan: Option<i64>,
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

fn job_json(id: u64, j: &Job) -> Value {
    json!({
        "job": id,
        "state": j.state,
        "stage": j.stage,
        "elapsed_s": j.seconds.unwrap_or_else(|| j.started.elapsed().as_secs_f64()),
        "plan": j.plan,
        "in_band_feasible": j.in_band_feasible,
        "error": j.error,
    })
}

pub(super) async fn start(
    State(state): State<Arc<AppState>>,
    uri: Uri,
    body: Result<Json<NewPartition>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    only(&query_map(&uri)?, &[])?;
    let Json(p) =
        body.map_err(|e| ApiError::BadRequest(format!("request body: {}", e.body_text())))?;
    let mut bands = BandSet::uniform(band(&p.band, "band")?);
    if let Some(r) = &p.rural_band {
        bands.rural = Some(band(r, "rural_band")?);
    }
    let min_road_class = match &p.min_road_class {
        Some(c) => RoadClass::parse(c).ok_or_else(|| {
            ApiError::BadRequest(format!(
                "min_road_class {:?} is not a road class",
                c.chars().take(40).collect::<String>()
            ))
        })?,
        None => BlockParams::default().min_road_class,
    };
    if let Some(from) = &p.from {
        state.plans.resolve(Some(from))?;
    }
    let req = PlanRequest {
        bands,
        min_road_class,
        dedicated_min_m2: BlockParams::default().dedicated_min_m2,
        from: p.from.clone(),
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
                crate::server::changes::apply(&st, "plans").await;
                tracing::info!(plan = o.id, seconds = o.seconds, "partitioned from the API");
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
    Ok((StatusCode::ACCEPTED, Json(job_json(id, &job))).into_response())
}

pub(super) async fn status(
    State(state): State<Arc<AppState>>,
    Path(job): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    only(&query_map(&uri)?, &[])?;
    let id: u64 = job.parse().map_err(|_| {
        ApiError::BadRequest(format!(
            "job ids are numbers, not {:?}",
            job.chars().take(40).collect::<String>()
        ))
    })?;
    let jobs = state.jobs.jobs.lock().unwrap_or_else(|p| p.into_inner());
    let j = jobs
        .get(&id)
        .ok_or_else(|| ApiError::NotFound(format!("no partition job {id}")))?;
    Ok(Json(job_json(id, j)))
}

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::Uri;
use serde_json::{Value, json};

use super::only;
use crate::server::errors::query_map;
use crate::server::{ApiError, AppState};
use crate::store::PlanInfo;

fn summary(p: &PlanInfo) -> Value {
    let report: Value = serde_json::from_str(&p.report).unwrap_or(Value::Null);
    json!({
        "id": p.id,
        "name": p.name,
        "created_at": p.created_at,
        "active": p.active,
        "parent_id": p.parent_id,
        "grids": p.grids,
        "cells": p.cells,
        "in_band_feasible": report.pointer("/in_band_feasible").cloned().unwrap_or(Value::Null),
    })
}

pub(super) async fn list(
    State(state): State<Arc<AppState>>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    only(&query_map(&uri)?, &[])?;
    let plans = state.store.plans().await?;
    Ok(Json(
        json!({"plans": plans.iter().map(summary).collect::<Vec<_>>()}),
    ))
}

async fn find(state: &AppState, sel: &str) -> Result<PlanInfo, ApiError> {
    let id = state.plans.resolve(Some(sel))?;
    state
        .store
        .plans()
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or_else(|| ApiError::NotFound(format!("no plan {id}")))
}

pub(super) async fn one(
    State(state): State<Arc<AppState>>,
    Path(sel): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    only(&query_map(&uri)?, &[])?;
    let p = find(&state, &sel).await?;
    let mut v = summary(&p);
    v["params"] = serde_json::from_str(&p.params).unwrap_or(Value::Null);
    v["report"] = serde_json::from_str(&p.report).unwrap_or(Value::Null);
    Ok(Json(v))
}

pub(super) async fn activate(
    State(state): State<Arc<AppState>>,
    Path(sel): Path<String>,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    only(&query_map(&uri)?, &[])?;
    let id = state.plans.resolve(Some(&sel))?;
    state.store.activate_plan(id).await?;
    state.plans.refresh(&state.store).await?;
    let p = find(&state, &id.to_string()).await?;
    tracing::info!(plan = id, "activated plan");
    Ok(Json(summary(&p)))
}

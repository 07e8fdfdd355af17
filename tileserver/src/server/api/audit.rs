//! `GET /api/audit`: the audit log, newest first, for admins.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use crate::server::errors::ErrorBody;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::store::accounts::AuditFilter;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exactly this actor, e.g. `user:li` or `token:3:phone`.
    pub actor: Option<String>,
    /// Actions starting with this, e.g. `plan.` or `POST`.
    pub action: Option<String>,
    /// `ok`, `refused` or `failed`.
    pub outcome: Option<String>,
    /// From this time on (Unix seconds).
    pub since: Option<i64>,
    /// Before this time (Unix seconds).
    pub until: Option<i64>,
    /// Entries older than this id (the previous page's `next_before`).
    pub before: Option<i64>,
    /// At most this many (default 100, at most 1000).
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditView {
    pub id: i64,
    /// Unix seconds.
    pub at: i64,
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: String,
    /// The client's address.
    pub address: String,
    /// `ok`, `refused` or `failed`.
    pub outcome: String,
    pub status: Option<i64>,
    pub county: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub entries: Vec<AuditView>,
    /// Pass as `before` for the next (older) page.
    pub next_before: Option<i64>,
}

#[utoipa::path(get, path = "/api/audit", operation_id = "audit_log", tag = "accounts", summary = "The audit log of every write, newest first",
    params(AuditQuery),
    responses((status = 200, body = AuditList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn log(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<AuditQuery>,
) -> Result<Json<AuditList>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::BadRequest(format!("limit {limit}: 1 to 1000")));
    }
    let rows = state
        .store
        .audit_log(&AuditFilter {
            actor: q.actor,
            action: q.action,
            outcome: q.outcome,
            since: q.since,
            until: q.until,
            before: q.before,
            limit,
        })
        .await?;
    let scope = &who.0.scope;
    let entries: Vec<AuditView> = rows
        .into_iter()
        // A county admin sees the writes about its county.
        .filter(|r| scope.county().is_none() || scope.allows_code(&r.county))
        .map(|r| AuditView {
            id: r.id,
            at: r.at,
            actor: r.actor,
            role: r.role,
            action: r.action,
            target: r.target,
            address: r.address,
            outcome: r.outcome,
            status: r.status,
            county: r.county,
        })
        .collect();
    let next_before = (entries.len() as i64 == limit)
        .then(|| entries.last().map(|e| e.id))
        .flatten();
    Ok(Json(AuditList {
        entries,
        next_before,
    }))
}

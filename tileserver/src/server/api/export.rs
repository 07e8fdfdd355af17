use std::io::{self, Write};
use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::Response;
use bytes::Bytes;
use geo_types::Geometry;
use partition::export::GeoJsonWriter;
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use utoipa::{IntoParams, ToSchema};

use super::{LevelParam, PlanQuery, Who, grid_set, plan_at};
use crate::export::grid_properties;
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::{Body, Params};
use crate::server::pipeline::audit::AuditNote;
use crate::server::{ApiError, AppState};
use crate::store::{GridLevel, PlanInfo};

/// Sends what is written in chunks down a channel, so a county's grids
/// stream out as they are written instead of being built in memory.
struct ChannelWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Town code or name.
    pub town: Option<String>,
    /// Village/community code or name.
    pub village: Option<String>,
    /// Comma-separated grid codes (for long selections, POST to `/export`).
    pub codes: Option<String>,
    /// `grid` (default) or `cell`.
    #[param(inline)]
    pub level: Option<LevelParam>,
    /// The county whose `active` plan is meant.
    pub county: Option<String>,
}

/// Grids to export, chosen by code: any number, as a JSON body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExportSelection {
    /// Grid (or cell) codes.
    pub codes: Vec<String>,
    /// `grid` (default) or `cell`.
    #[serde(default)]
    pub level: LevelParam,
}

/// The most codes one selection may name.
const MAX_SELECTION: usize = 100_000;

#[utoipa::path(get, path = "/api/plans/{plan}/export.geojson", operation_id = "export_geojson", tag = "export",
    summary = "RFC 7946 GeoJSON of a plan's grids (all, a town, a village or listed codes), streamed",
    params(("plan" = String, Path, description = "Plan id, or `active`"), ExportQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn geojson(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(sel): Path<String>,
    Params(q): Params<ExportQuery>,
) -> Result<Response, ApiError> {
    let plan = plan_at(&state, &who, &sel, q.county.as_deref())?;
    let codes: Option<Vec<String>> = q.codes.as_deref().map(|c| {
        c.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    });
    let what = Filter {
        codes,
        town: q.town,
        village: q.village,
    };
    stream(
        &state,
        &who,
        &plan,
        q.level.unwrap_or_default().into(),
        what,
    )
    .await
}

#[utoipa::path(post, path = "/api/plans/{plan}/export", operation_id = "export_selection", tag = "export",
    summary = "RFC 7946 GeoJSON of the grids a selection names (any number of codes), streamed",
    params(("plan" = String, Path, description = "Plan id, or `active`"), PlanQuery),
    request_body = ExportSelection,
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(super) async fn selection(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(sel): Path<String>,
    Params(q): Params<PlanQuery>,
    Body(body): Body<ExportSelection>,
) -> Result<Response, ApiError> {
    if q.plan.is_some() {
        return Err(ApiError::BadRequest(
            "the plan is in the path, not in `plan`".into(),
        ));
    }
    if body.codes.is_empty() {
        return Err(ApiError::BadRequest("codes: name at least one grid".into()));
    }
    if body.codes.len() > MAX_SELECTION {
        return Err(ApiError::PayloadTooLarge(format!(
            "codes: {} codes; at most {MAX_SELECTION}",
            body.codes.len()
        )));
    }
    let plan = plan_at(&state, &who, &sel, q.county.as_deref())?;
    let what = Filter {
        codes: Some(body.codes),
        town: None,
        village: None,
    };
    let mut res = stream(&state, &who, &plan, body.level.into(), what).await?;
    // A read, though sent as POST: not a change to audit as one.
    res.extensions_mut().insert(AuditNote {
        action: "export.selection".into(),
        target: plan.id.to_string(),
        county: plan.county.to_string(),
    });
    Ok(res)
}

struct Filter {
    codes: Option<Vec<String>>,
    town: Option<String>,
    village: Option<String>,
}

async fn stream(
    state: &AppState,
    who: &Who,
    plan: &PlanInfo,
    level: GridLevel,
    what: Filter,
) -> Result<Response, ApiError> {
    let lvl = level.as_str();
    let set = grid_set(state, plan, level).await?;
    let scope = &who.0.scope;
    let pid = plan.id;
    if let Some(cs) = &what.codes
        && let Some(bad) = cs
            .iter()
            .find(|c| set.index_of(c).is_none() || !scope.allows_code(c))
    {
        return Err(ApiError::NotFound(format!(
            "no {lvl} {:?} in plan {pid}",
            clip(bad)
        )));
    }
    let picked: Vec<usize> = match &what.codes {
        Some(cs) => cs.iter().filter_map(|c| set.index_of(c)).collect(),
        None => super::grids::picked(&set, scope, what.town.as_deref(), what.village.as_deref()),
    };
    if picked.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no {lvl}s in plan {pid} match the filter"
        )));
    }
    let (tx, rx) = mpsc::channel(8);
    let writer = ChannelWriter {
        buf: Vec::with_capacity(CHUNK),
        tx: tx.clone(),
    };
    tokio::task::spawn_blocking(move || {
        let run = || -> io::Result<()> {
            let mut w = GeoJsonWriter::new(writer)?;
            for i in picked {
                let g = &set.grids[i];
                w.write_feature(
                    Some(&g.code),
                    &grid_properties(g),
                    &Geometry::MultiPolygon(g.geometry.clone()),
                )?;
            }
            w.finish()?.flush()
        };
        if let Err(e) = run()
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            tracing::warn!(error = %e, "GeoJSON export failed mid-stream");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let name = match (&what.codes, &what.town, &what.village) {
        (Some(_), _, _) => format!("plan{pid}-selected-{lvl}s.geojson"),
        (_, _, Some(v)) => format!("plan{pid}-village-{}.geojson", sanitize(v)),
        (_, Some(t), _) => format!("plan{pid}-town-{}.geojson", sanitize(t)),
        _ => format!("plan{pid}-{lvl}s.geojson"),
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/geo+json")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(AxumBody::from_stream(ReceiverStream::new(rx)))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Keeps a filter value safe inside a file name (codes are digits).
fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect::<String>()
}

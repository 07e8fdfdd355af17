//! What the server says about itself: health, metrics, the API document.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use super::AppState;
use super::errors::ErrorBody;

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
    /// `geopackage` or `postgis`.
    pub store: String,
    pub version: String,
    pub counties: usize,
    pub web_map: bool,
    /// The font label glyphs are made from.
    pub font: Option<String>,
}

#[utoipa::path(get, path = "/healthz", tag = "server", summary = "Liveness and the store kind",
    responses((status = 200, body = Health)))]
pub(crate) async fn healthz(State(state): State<Arc<AppState>>) -> axum::Json<Health> {
    axum::Json(Health {
        status: "ok".into(),
        store: state.store.kind().into(),
        version: env!("CARGO_PKG_VERSION").into(),
        counties: state.plans.snapshot().counties.len(),
        web_map: state.web_dir().is_some(),
        font: state.glyphs.font_path().map(|p| p.display().to_string()),
    })
}

#[utoipa::path(get, path = "/metrics", tag = "server", summary = "Prometheus metrics",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)),
    security(("bearer" = ["admin", "screen", "viewer", "planner", "dispatcher"]), ("session" = ["admin", "screen", "viewer", "planner", "dispatcher"])))]
pub(crate) async fn metrics_text(State(state): State<Arc<AppState>>) -> Response {
    let (tiles, bytes) = state.cache.stats();
    let c = &state.connections;
    let body = state.metrics.render(&[
        (
            "wangge_tile_cache_entries",
            "Tiles held in the cache.",
            tiles as f64,
        ),
        (
            "wangge_tile_cache_bytes",
            "Bytes held in the tile cache.",
            bytes as f64,
        ),
        (
            "wangge_sources_built",
            "Tile sources built and held in memory.",
            state.registry.built_count() as f64,
        ),
        (
            "wangge_sources_bytes",
            "Estimated bytes held by built tile sources.",
            state.registry.bytes() as f64,
        ),
        (
            "wangge_heap_live_bytes",
            "Heap bytes allocated and not freed (NaN when the program does not count them).",
            super::heap::live_bytes().map_or(f64::NAN, |b| b as f64),
        ),
        (
            "wangge_process_resident_bytes",
            "Resident set size of the process (NaN where /proc is missing).",
            resident_bytes().map_or(f64::NAN, |b| b as f64),
        ),
        (
            "wangge_connections_open",
            "HTTP connections open now.",
            c.open.load(Ordering::Relaxed) as f64,
        ),
        (
            "wangge_connections_accepted",
            "HTTP connections accepted since start.",
            c.accepted.load(Ordering::Relaxed) as f64,
        ),
        (
            "wangge_connections_closed_idle",
            "Keep-alive connections closed for idleness.",
            c.closed_idle.load(Ordering::Relaxed) as f64,
        ),
        (
            "wangge_connections_header_timeouts",
            "Connections closed because a request's headers did not arrive in time.",
            c.header_timeouts.load(Ordering::Relaxed) as f64,
        ),
        (
            "wangge_http_malformed",
            "Requests refused by the HTTP parser itself (head past its buffer, bad syntax).",
            c.malformed.load(Ordering::Relaxed) as f64,
        ),
    ]);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// The process's resident set, from /proc (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

#[utoipa::path(get, path = "/openapi.json", tag = "server", summary = "This API as OpenAPI 3.1",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object)))]
pub(crate) async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi.clone(),
    )
        .into_response()
}

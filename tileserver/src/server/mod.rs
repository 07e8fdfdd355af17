//! The HTTP server: vector tiles, TileJSON, the style and its glyphs, the
//! REST API, metrics, and the web map's files — on either store.

mod api;
mod cache;
mod changes;
mod errors;
mod glyphs;
mod metrics;
mod openapi;
mod plan_index;
mod registry;
mod style;
mod tile_request;
mod tiles;
mod web;

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt;

use crate::source::SourceKind;
use crate::store::{Store, StoreError};

pub use errors::ApiError;
pub use openapi::document as openapi_document;
pub use style::style_doc;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Memory for encoded tiles, MiB; 0 turns the cache off.
    pub cache_mb: u64,
    /// The built web map (default: `web-map/dist` when present).
    pub web_dir: Option<PathBuf>,
    /// The font for label glyphs (default: Noto Sans CJK from fonts-noto-cjk).
    pub font: Option<PathBuf>,
    /// Build the active plan's and the basemap's sources before serving.
    pub prewarm: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            cache_mb: 256,
            web_dir: None,
            font: None,
            prewarm: true,
        }
    }
}

/// What every request shares (each part built once, shared behind `Arc`).
pub struct AppState {
    pub store: Store,
    registry: registry::Registry,
    plans: plan_index::PlanIndex,
    cache: cache::TileCache,
    metrics: metrics::Metrics,
    glyphs: glyphs::Glyphs,
    web_dir: Option<PathBuf>,
    jobs: api::Jobs,
    comparisons: api::Comparisons,
    /// Tile encoding's own threads, apart from rayon's global pool where a
    /// partition run from the API would make tiles wait.
    encoders: rayon::ThreadPool,
}

impl AppState {
    pub async fn new(store: Store, config: &ServerConfig) -> Result<Arc<Self>, StoreError> {
        let state = Arc::new(Self {
            store,
            registry: registry::Registry::default(),
            plans: plan_index::PlanIndex::default(),
            cache: cache::TileCache::new(config.cache_mb),
            metrics: metrics::Metrics::default(),
            glyphs: glyphs::Glyphs::new(config.font.as_deref()),
            web_dir: web::find_web_dir(config.web_dir.clone()),
            jobs: api::Jobs::default(),
            comparisons: api::Comparisons::default(),
            encoders: rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("tile-encoder-{i}"))
                .build()
                .map_err(|e| StoreError::Open {
                    path: "tile encoder threads".into(),
                    message: e.to_string(),
                })?,
        });
        state.plans.refresh(&state.store).await?;
        Ok(state)
    }

    /// Builds the sources a first map view needs.
    pub async fn prewarm(&self) -> Result<(), StoreError> {
        let plan = self.plans.snapshot().active;
        for kind in SourceKind::ALL {
            match (kind.per_plan(), plan) {
                (true, Some(p)) if kind != SourceKind::Cells => {
                    self.registry.get(&self.store, kind, p).await?;
                }
                (false, _) => {
                    self.registry.get(&self.store, kind, 0).await?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    pub fn web_dir(&self) -> Option<&std::path::Path> {
        self.web_dir.as_deref()
    }
}

async fn count(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    metrics::Metrics::inc(state.metrics.requests_for(req.uri().path()));
    let res = next.run(req).await;
    state.metrics.status(res.status().as_u16());
    res
}

async fn healthz(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let plans = state.plans.snapshot();
    axum::Json(serde_json::json!({
        "status": "ok",
        "store": state.store.kind(),
        "active_plan": plans.active,
        "font": state.glyphs.font_path().map(|p| p.display().to_string()),
        "web_map": state.web_dir().is_some(),
        "version": env!("CARGO_PKG_VERSION"),
    }))
}

async fn metrics_text(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let (tiles, bytes) = state.cache.stats();
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
    ]);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{} is not allowed on {}; see /openapi.json",
        req.method(),
        req.uri().path().chars().take(80).collect::<String>()
    ))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see /openapi.json".into())
}

/// The server's service: GET and HEAD on a tile path go straight to the
/// tile handler, everything else through the router. A cached tile at one
/// connection is a loopback round trip; routing, path extraction into
/// strings and the boxed counting middleware were a measurable part of it
/// (bench/tiles.sh, warm z14 c = 1).
#[derive(Clone)]
pub struct App {
    state: Arc<AppState>,
    router: Router,
}

pub fn app(state: Arc<AppState>) -> App {
    App {
        router: router(state.clone()),
        state,
    }
}

impl tower_service::Service<Request> for App {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let address = match *req.method() {
            Method::GET | Method::HEAD => {
                tile_request::TilePath::split(req.uri().path()).map(|p| p.address())
            }
            _ => None,
        };
        let Some(address) = address else {
            return Box::pin(tower_service::Service::call(&mut self.router, req));
        };
        let state = self.state.clone();
        Box::pin(async move {
            metrics::Metrics::inc(&state.metrics.requests_tiles);
            let res = tiles::tile(state.clone(), req, address).await;
            state.metrics.status(res.status().as_u16());
            Ok(res)
        })
    }
}

fn router(state: Arc<AppState>) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route(
            "/openapi.json",
            get(|| async { axum::Json(openapi::document()) }),
        )
        .route("/catalog", get(tiles::catalog))
        .route("/style.json", get(style::style))
        .route("/fonts/{stack}/{file}", get(glyphs::glyph_range))
        .route("/tiles/{file}", get(tiles::tilejson))
        .route("/tiles/{source}/{z}/{x}/{file}", get(tiles::tile_route))
        .merge(api::routes())
        .method_not_allowed_fallback(method_not_allowed);
    app = match state.web_dir() {
        Some(dir) => app.fallback_service(
            tower_http::services::ServeDir::new(dir)
                .fallback(axum::routing::any(not_found).with_state(())),
        ),
        None => app.fallback(not_found),
    };
    app.layer(middleware::from_fn_with_state(state.clone(), count))
        .with_state(state)
}

/// Serves until Ctrl-C or SIGTERM, then finishes the requests under way.
pub async fn serve(store: Store, addr: SocketAddr, config: ServerConfig) -> std::io::Result<()> {
    let state = AppState::new(store, &config)
        .await
        .map_err(std::io::Error::other)?;
    if config.prewarm {
        let t = std::time::Instant::now();
        state.prewarm().await.map_err(std::io::Error::other)?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "sources ready");
    }
    tokio::spawn(changes::watch(state.clone()));
    // TCP_NODELAY: a tile's headers and body must not wait for the
    // client's delayed ACK (Nagle), which showed as p99 spikes at c = 1.
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
    });
    tracing::info!(%addr, web = ?state.web_dir(), "serving");
    axum::serve(listener, axum::ServiceExt::into_make_service(app(state)))
        .with_graceful_shutdown(shutdown())
        .await
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_in_the_openapi_document() {
        let doc = super::openapi::document();
        for path in [
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/catalog",
            "/style.json",
            "/fonts/{fontstack}/{range}.pbf",
            "/tiles/{sources}.json",
            "/tiles/{sources}/{z}/{x}/{y}.mvt",
            "/api/plans",
            "/api/plans/{plan}",
            "/api/plans/{plan}/activate",
            "/api/plans/{plan}/grids",
            "/api/plans/{plan}/export.geojson",
            "/api/grids/{code}",
            "/api/locate",
            "/api/compare",
            "/api/partitions",
            "/api/partitions/{job}",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} is not described");
        }
    }
}

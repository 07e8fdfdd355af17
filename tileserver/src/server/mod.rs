//! The HTTP server: vector tiles and health, on the GeoPackage store.
//! First slice of the tile server: grids of a plan; the other sources,
//! TileJSON, caching headers and the REST API grow from here.

mod errors;
mod tiles;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use tokio::sync::RwLock;

use crate::source::PolygonSource;
use crate::store::{GpkgStore, StoreError};

pub use errors::ApiError;

/// What every request shares: the store and, per plan, the grid source
/// (built once, then reused: never cloned per request).
pub struct AppState {
    pub store: GpkgStore,
    grids: RwLock<HashMap<i64, Arc<PolygonSource>>>,
}

impl AppState {
    pub fn new(store: GpkgStore) -> Arc<Self> {
        Arc::new(Self {
            store,
            grids: RwLock::new(HashMap::new()),
        })
    }

    /// The grid source of a plan, loading it on first use.
    pub(crate) async fn grid_source(&self, plan: i64) -> Result<Arc<PolygonSource>, StoreError> {
        if let Some(s) = self.grids.read().await.get(&plan) {
            return Ok(s.clone());
        }
        let grids = self.store.plan_grids(plan, "grid").await?;
        let source = tokio::task::spawn_blocking(move || Arc::new(tiles::grid_source(grids)))
            .await
            .map_err(|e| StoreError::Open {
                path: "grids".into(),
                message: e.to_string(),
            })?;
        self.grids.write().await.insert(plan, source.clone());
        Ok(source)
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route(
            "/healthz",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/tiles/{file}", get(tiles::tilejson))
        .route("/tiles/{source}/{z}/{x}/{file}", get(tiles::tile))
        .fallback(|| async { ApiError::NotFound("no such endpoint".into()) })
        .with_state(state)
}

/// Serves until the process is stopped.
pub async fn serve(store: GpkgStore, addr: SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, "serving");
    axum::serve(listener, router(AppState::new(store))).await
}

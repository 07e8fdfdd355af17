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

/// What every request shares: the store and the sources built from it
/// (each built once, then shared behind `Arc`, never cloned per request).
pub struct AppState {
    pub store: GpkgStore,
    /// Built sources by (source name, plan); plan 0 for plan-free sources.
    sources: RwLock<HashMap<(&'static str, i64), Arc<PolygonSource>>>,
}

/// The sources a tile request may name.
pub const SOURCES: [&str; 3] = ["grids", "blocks", "admin"];

impl AppState {
    pub fn new(store: GpkgStore) -> Arc<Self> {
        Arc::new(Self {
            store,
            sources: RwLock::new(HashMap::new()),
        })
    }

    /// A source, built from the store on first use and shared after.
    pub(crate) async fn source(
        &self,
        name: &'static str,
        plan: i64,
    ) -> Result<Arc<PolygonSource>, StoreError> {
        let key = (name, if name == "admin" { 0 } else { plan });
        if let Some(s) = self.sources.read().await.get(&key) {
            return Ok(s.clone());
        }
        let built = match name {
            "grids" => {
                let grids = self.store.plan_grids(plan, "grid").await?;
                tokio::task::spawn_blocking(move || tiles::grid_source(grids)).await
            }
            "blocks" => {
                let blocks = self.store.plan_blocks(plan).await?;
                tokio::task::spawn_blocking(move || tiles::block_source(blocks)).await
            }
            _ => {
                let layers = self
                    .store
                    .read_layers(&[partition::LayerKind::Admin])
                    .await?;
                tokio::task::spawn_blocking(move || tiles::admin_source(layers.admin)).await
            }
        }
        .map_err(|e| StoreError::Open {
            path: name.into(),
            message: e.to_string(),
        })?;
        let source = Arc::new(built);
        self.sources.write().await.insert(key, source.clone());
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

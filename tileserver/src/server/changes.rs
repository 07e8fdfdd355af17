//! Hearing about changes made elsewhere — another wangge instance on the
//! same PostGIS (`LISTEN wangge_changes`), or the CLI writing the same
//! GeoPackage (polled) — and dropping what they made stale.

use std::sync::Arc;
use std::time::Duration;

use super::AppState;
use super::metrics::Metrics;
use crate::store::Store;

/// Runs until the server stops.
pub async fn watch(state: Arc<AppState>) {
    match &state.store {
        Store::Postgis(pg) => loop {
            match pg.listen().await {
                Ok(mut listener) => loop {
                    match listener.recv().await {
                        Ok(n) => apply(&state, n.payload()).await,
                        Err(e) => {
                            tracing::warn!(error = %e, "change listener lost; reconnecting");
                            break;
                        }
                    }
                },
                Err(e) => tracing::warn!(error = %e, "cannot listen for changes"),
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        },
        Store::Gpkg(g) => {
            let mut last = g.change_mark().await.ok();
            loop {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let Ok(now) = g.change_mark().await else {
                    continue;
                };
                if let Some((imports, plans)) = &last {
                    if *imports != now.0 {
                        apply(&state, "layers").await;
                    }
                    if *plans != now.1 {
                        apply(&state, "plans").await;
                    }
                }
                last = Some(now);
            }
        }
    }
}

/// Acts on one change: `layers` drops the basemap and admin sources (their
/// cached tiles fall out by generation), `plans` re-reads the plan list.
pub async fn apply(state: &AppState, what: &str) {
    Metrics::inc(&state.metrics.changes_heard);
    tracing::info!(what, "store changed");
    if what == "layers" {
        state.registry.layers_changed();
    }
    match state.plans.refresh(&state.store).await {
        Ok(p) => state.registry.forget_plans_except(&p.known),
        Err(e) => tracing::warn!(error = %e, "re-reading plans"),
    }
}

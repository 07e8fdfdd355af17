//! Keeps what the server holds in memory in step with the store: it
//! follows the store's change feed (its own writes, and — once
//! `watch_elsewhere` runs — other processes') and drops what a change
//! made stale.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast::error::RecvError;

use super::AppState;
use super::metrics::Metrics;
use crate::store::Change;

/// Runs until the server stops.
pub async fn follow(state: Arc<AppState>) {
    let mut rx = state.store.feed().subscribe();
    // Tokens expire by the clock and are checked at use; a periodic reload
    // is only a net under a missed notice.
    let mut every = tokio::time::interval(Duration::from_secs(60));
    every.tick().await;
    loop {
        tokio::select! {
            r = rx.recv() => match r {
                Ok(n) => apply(&state, &n.change).await,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "fell behind the change feed; reloading everything");
                    resync(&state).await;
                }
                Err(RecvError::Closed) => return,
            },
            _ = every.tick() => {
                if let Err(e) = state.credentials.reload(&state.store).await {
                    tracing::debug!(error = %e, "reloading credentials");
                }
            }
        }
    }
}

async fn resync(state: &AppState) {
    let snap = state.plans.snapshot();
    for c in &snap.counties {
        state.registry.layers_changed(c.code);
    }
    refresh(state).await;
    if let Err(e) = state.credentials.reload(&state.store).await {
        tracing::warn!(error = %e, "reloading credentials");
    }
}

async fn refresh(state: &AppState) {
    if let Err(e) = state.refresh_plans().await {
        tracing::warn!(error = %e, "re-reading plans");
    }
}

/// Acts on one change.
pub async fn apply(state: &AppState, change: &Change) {
    Metrics::inc(&state.metrics.changes_heard);
    tracing::info!(?change, "store changed");
    match change {
        Change::Workers { .. } => state.live.roster_changed(),
        Change::Layers { county } => {
            state.registry.layers_changed(*county);
            refresh(state).await;
        }
        Change::PlanCreated { .. } | Change::PlanActivated { .. } => refresh(state).await,
        Change::PlanDeleted { plan, .. } => {
            state.registry.forget_plan(*plan);
            refresh(state).await;
        }
        Change::Accounts => {
            if let Err(e) = state.credentials.reload(&state.store).await {
                tracing::warn!(error = %e, "reloading credentials");
            }
        }
    }
}

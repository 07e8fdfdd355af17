//! Cases past their stage's deadline go one level up by themselves: every
//! 30 seconds the open cases overdue at levels below the county get an
//! escalation event by the system (so within 60 s of the deadline).

use std::sync::Arc;
use std::time::Duration;

use ops::cases::{Level, Status};
use ops::positions::UnixMs;

use super::AppState;
use crate::store::StoreError;
use crate::store::cases::CaseFilter;

/// How often overdue cases are looked for, by default.
pub const EVERY: Duration = Duration::from_secs(30);

pub(super) async fn run(state: Arc<AppState>) {
    let mut every = tokio::time::interval(state.config.escalate_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match escalate_overdue(&state, UnixMs::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cases = n, "overdue cases escalated"),
            Err(e) => tracing::warn!(error = %e, "escalating overdue cases"),
        }
    }
}

/// Escalates every overdue case that can go up; returns how many did.
pub async fn escalate_overdue(state: &AppState, now: UnixMs) -> Result<usize, StoreError> {
    let catalogue = &state.config.case_categories;
    let overdue = catalogue.cutoffs(now, &[Level::GRID, Level::VILLAGE, Level::TOWN]);
    let mut done = 0;
    loop {
        let page = state
            .store
            .case_page(&CaseFilter {
                statuses: vec![Status::Accepted, Status::Dispatched, Status::Reopened],
                overdue: Some(overdue.clone()),
                limit: 500,
                ..CaseFilter::default()
            })
            .await?;
        let moves: Vec<_> = page
            .iter()
            .filter_map(|c| {
                let s = c.state();
                let e = s.escalation(now)?;
                let next = s.apply(&e);
                Some((c.id, c.events, e, next))
            })
            .collect();
        // One transaction a page; a case someone moved meanwhile is left
        // for the next pass.
        let written = state.store.apply_case_events(&moves).await?;
        for id in &written {
            super::api::announce_case(state, *id).await;
        }
        let moved = written.len();
        done += moved;
        if moved == 0 || page.len() < 500 {
            return Ok(done);
        }
    }
}

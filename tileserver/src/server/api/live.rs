//! `GET /api/live`: Server-Sent Events of workers' positions and their
//! online/offline transitions, scoped by the caller's token, resumable
//! with `Last-Event-ID` while the events are in the hub's window.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use tokio::sync::broadcast::error::RecvError;

use super::Who;
use super::counties::NoParams;
use crate::server::errors::ErrorBody;
use crate::server::live::LiveEvent;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};

fn event(e: &LiveEvent) -> Event {
    Event::default()
        .id(e.id.to_string())
        .event(e.kind)
        .data(e.data.clone())
}

/// Tells a client it missed events: reload the state, then follow on.
fn reset(next: u64) -> Event {
    Event::default()
        .event("reset")
        .data(format!("{{\"next\":{next}}}"))
}

#[utoipa::path(get, path = "/api/live", operation_id = "live", tag = "workers",
    summary = "Live events (SSE): position, online, offline; resume with Last-Event-ID; a reset event means reload the state",
    params(NoParams, ("Last-Event-ID" = Option<String>, Header, description = "The last event id received")),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream"),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "screen", "dispatcher"])))]
pub(super) async fn live(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let after = match headers.get("last-event-id") {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().parse::<u64>().ok())
                .ok_or_else(|| ApiError::BadRequest("Last-Event-ID is not an event id".into()))?,
        ),
    };
    let scope = who.0.scope.clone();
    // Subscribe first, then read the window: nothing falls in between.
    let rx = state.live.subscribe();
    let mut first: Vec<Event> = Vec::new();
    let mut last_sent = state.live.next_id().saturating_sub(1);
    if let Some(after) = after {
        let (missed, gone) = state.live.since(after, &scope);
        if gone {
            first.push(reset(state.live.next_id()));
        }
        last_sent = after;
        for e in &missed {
            first.push(event(e));
            last_sent = e.id;
        }
    }
    let follow = stream::unfold(
        (rx, last_sent, scope),
        |(mut rx, mut last, scope)| async move {
            loop {
                match rx.recv().await {
                    Ok(e) if e.id > last && e.visible_to(&scope) => {
                        last = e.id;
                        return Some((event(&e), (rx, last, scope)));
                    }
                    Ok(_) => {}
                    // Too slow a client: it is told to reload, then follows on.
                    Err(RecvError::Lagged(_)) => return Some((reset(last + 1), (rx, last, scope))),
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    let stream: std::pin::Pin<Box<dyn Stream<Item = Result<Event, Infallible>> + Send>> =
        Box::pin(stream::iter(first).chain(follow).map(Ok));
    let mut resp = Sse::new(stream)
        .keep_alive(
            KeepAlive::new()
                .interval(Duration::from_secs(5))
                .text("keep-alive"),
        )
        .into_response();
    let h = resp.headers_mut();
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    h.insert("cache-control", HeaderValue::from_static("no-cache"));
    Ok(resp)
}

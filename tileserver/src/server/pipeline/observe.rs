//! The outermost stage: a request id (the client's `X-Request-Id` when it
//! is a plain token, else a new one), the request counted once by route
//! group and its response once by status class, and a tracing span
//! around the rest.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use tower_layer::Layer;
use tower_service::Service;
use tracing::Instrument;
use tracing::instrument::Instrumented;

use super::check::Check;
use crate::server::AppState;
use crate::server::metrics::Metrics;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, for logs and the audit log.
#[derive(Debug, Clone)]
pub struct RequestId(pub HeaderValue);

static NEXT: AtomicU64 = AtomicU64::new(1);

fn fresh_id() -> HeaderValue {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    HeaderValue::from_str(&format!("{:08x}-{n}", std::process::id()))
        .unwrap_or(HeaderValue::from_static("0"))
}

fn usable(v: &HeaderValue) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.:".contains(c))
}

#[derive(Clone)]
pub struct Observe(pub Arc<AppState>);

pub struct Ticket {
    started: Instant,
    id: HeaderValue,
    tile: bool,
}

impl Check for Observe {
    type Ticket = Ticket;

    fn before(&self, req: &mut Request) -> Result<Ticket, Box<Response>> {
        let id = req
            .headers()
            .get(&X_REQUEST_ID)
            .filter(|v| usable(v))
            .cloned()
            .unwrap_or_else(fresh_id);
        req.extensions_mut().insert(RequestId(id.clone()));
        let path = req.uri().path();
        let tile = path.starts_with("/tiles/") && path.ends_with(".mvt");
        Metrics::inc(self.0.metrics.requests_for(path));
        Ok(Ticket {
            started: Instant::now(),
            id,
            tile,
        })
    }

    fn after(&self, t: Ticket, res: &mut Response) {
        let m = &self.0.metrics;
        m.status(res.status().as_u16());
        if t.tile {
            m.observe_tile(t.started.elapsed().as_secs_f64());
        }
        res.headers_mut().insert(X_REQUEST_ID, t.id);
    }
}

/// Runs the rest of the pipeline inside a span naming the request (by
/// path only: query strings may carry what logs should not).
#[derive(Clone, Copy)]
pub struct TraceLayer;

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;
    fn layer(&self, inner: S) -> Trace<S> {
        Trace(inner)
    }
}

#[derive(Clone)]
pub struct Trace<S>(S);

impl<S> Service<Request> for Trace<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let span = match req.extensions().get::<RequestId>() {
            Some(id) => tracing::debug_span!(
                "request",
                id = id.0.to_str().unwrap_or(""),
                method = %req.method(),
                path = req.uri().path(),
            ),
            None => {
                tracing::debug_span!("request", method = %req.method(), path = req.uri().path())
            }
        };
        self.0.call(req).instrument(span)
    }
}

//! The one request pipeline. Every request — tiles, API, style, fonts and
//! the web map's files — passes these stages in this order:
//!
//! 1. [`observe`]: request id, tracing span, request and status counts;
//!    then an over-long URL (414) or over-large headers (431) refused.
//! 2. [`host`]: only the server's own host names (defeats DNS rebinding).
//! 3. [`cors`]: cross-origin grants only for `--cors-origin`s; foreign
//!    cross-origin writes refused.
//! 4. [`open311_key`]: an Open311 form's `api_key` lifted into the
//!    Authorization header (the one stage that reads a body early).
//! 5. [`authenticate`]: bearer token or session cookie (with its CSRF
//!    token on writes) to a [`Caller`]; never refuses by itself, so that
//!    refusals are rate-limited and audited like everything else.
//! 6. [`rate`]: per-credential (or per-address) token buckets.
//! 7. [`audit`]: every write, refused or not, into the audit log.
//! 8. [`limits`]: body size per route, before the body is read.
//! 9. [`timeout`]: a deadline for the response head.
//! 10. dispatch ([`crate::server::routes`]): tiles to the tile handler,
//!     everything else to the router; both authorise by the roles the
//!     OpenAPI document gives each route ([`authorize`]).

pub mod audit;
pub mod authenticate;
pub mod authorize;
pub mod check;
pub mod cors;
pub mod host;
pub mod limits;
pub mod observe;
pub mod open311_key;
pub mod rate;
pub mod timeout;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::Request;
use axum::response::Response;
use tower::ServiceBuilder;
use tower_service::Service;

use super::AppState;
use crate::auth::Principal;
use check::CheckLayer;

/// Who is calling, as authentication found it.
#[derive(Debug, Clone)]
pub enum Caller {
    /// Valid credentials (or the anonymous reader of `--public-read`).
    Known(Principal),
    /// No credentials.
    Anonymous,
    /// Credentials that were refused: why, for the 401.
    Refused(&'static str),
    /// Valid credentials used without what they need here (a signed-in
    /// browser's write without its CSRF token): why, for the 403.
    Forbidden(&'static str),
}

impl Caller {
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Self::Known(p) => Some(p),
            _ => None,
        }
    }
}

/// The connection a request came on (set by the listener).
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    pub addr: SocketAddr,
    pub tls: bool,
}

/// Wraps the dispatching service in every stage.
pub fn stack<S>(
    state: Arc<AppState>,
    inner: S,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send> + Clone + Send + 'static
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    ServiceBuilder::new()
        .layer(CheckLayer(observe::Observe(state.clone())))
        .layer(CheckLayer(limits::RequestSize))
        .layer(observe::TraceLayer)
        .layer(CheckLayer(host::HostCheck(state.clone())))
        .layer(CheckLayer(cors::Cors(state.clone())))
        .layer(open311_key::LiftFormKeyLayer)
        .layer(CheckLayer(authenticate::Authenticate(state.clone())))
        .layer(CheckLayer(rate::RateLimit(state.clone())))
        .layer(audit::AuditLayer(state.clone()))
        .layer(CheckLayer(limits::BodyLimit(state.clone())))
        .layer(timeout::TimeoutLayer(state.config.request_timeout))
        .service(inner)
}

//! Every write is audited — who, with which role, when, what, from which
//! address, and how it ended — refused ones included. The row is committed
//! before the response leaves, so an acknowledged write has its entry.
//! Reads pass straight through.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::Method;
use axum::response::Response;
use futures_util::future::Either;
use tower_layer::Layer;
use tower_service::Service;

use super::{Caller, Peer};
use crate::server::AppState;
use crate::store::accounts::NewAudit;

/// What a handler says it did, for the audit log (else the method and
/// path are written).
#[derive(Debug, Clone, Default)]
pub struct AuditNote {
    pub action: String,
    pub target: String,
    pub county: String,
}

#[derive(Clone)]
pub struct AuditLayer(pub Arc<AppState>);

impl<S> Layer<S> for AuditLayer {
    type Service = Audit<S>;
    fn layer(&self, inner: S) -> Audit<S> {
        Audit {
            state: self.0.clone(),
            inner,
        }
    }
}

#[derive(Clone)]
pub struct Audit<S> {
    state: Arc<AppState>,
    inner: S,
}

type Boxed = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

impl<S> Service<Request> for Audit<S>
where
    S: Service<Request, Response = Response, Error = Infallible>,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Boxed>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return Either::Left(self.inner.call(req));
        }
        let (actor, role) = match req.extensions().get::<Caller>() {
            Some(Caller::Known(p)) => (p.actor.label(), p.role.as_str().to_string()),
            Some(Caller::Refused(why)) => (format!("refused credential ({why})"), String::new()),
            Some(Caller::Forbidden(why)) => (format!("refused ({why})"), String::new()),
            _ => ("anonymous".to_string(), String::new()),
        };
        let address = req
            .extensions()
            .get::<Peer>()
            .map(|p| p.addr.ip().to_string())
            .unwrap_or_default();
        let default_action = format!(
            "{} {}",
            req.method(),
            req.uri().path().chars().take(200).collect::<String>()
        );
        let state = self.state.clone();
        let fut = self.inner.call(req);
        Either::Right(Box::pin(async move {
            let res = fut.await?;
            let note = res
                .extensions()
                .get::<AuditNote>()
                .cloned()
                .unwrap_or_default();
            let status = res.status();
            let entry = NewAudit {
                actor,
                role,
                action: if note.action.is_empty() {
                    default_action
                } else {
                    note.action
                },
                target: note.target,
                address,
                outcome: if status.is_server_error() {
                    "failed"
                } else if status.is_client_error() {
                    "refused"
                } else {
                    "ok"
                }
                .into(),
                status: Some(status.as_u16()),
                county: note.county,
            };
            let action = entry.action.clone();
            if let Err(e) = state.audit.row(entry).await {
                tracing::error!(error = %e, %action, "the audit log could not be written");
            }
            Ok(res)
        }))
    }
}

//! Open311 clients send their key as `api_key` in a form-encoded body,
//! which authentication (a stage that reads headers, never bodies) cannot
//! see. For a form POST to an Open311 route without an Authorization
//! header, this stage reads the body (bounded), lifts the key into
//! `Authorization: Bearer`, and passes the body on untouched, so that the
//! one authentication stage judges it like any other token.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use futures_util::future::Either;
use tower_layer::Layer;
use tower_service::Service;

use crate::server::ApiError;

/// The paths of the Open311 GeoReport v2 routes.
pub const OPEN311_PREFIX: &str = "/open311/";

/// The largest Open311 form read here (the route's own limit).
const MAX_FORM: usize = 64 * 1024;

#[derive(Clone)]
pub struct LiftFormKeyLayer;

impl<S> Layer<S> for LiftFormKeyLayer {
    type Service = LiftFormKey<S>;
    fn layer(&self, inner: S) -> LiftFormKey<S> {
        LiftFormKey { inner }
    }
}

#[derive(Clone)]
pub struct LiftFormKey<S> {
    inner: S,
}

type Boxed = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

fn applies(req: &Request) -> bool {
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    req.method() == Method::POST
        && req.uri().path().starts_with(OPEN311_PREFIX)
        && is_form
        && !req.headers().contains_key(header::AUTHORIZATION)
}

impl<S> Service<Request> for LiftFormKey<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Either<S::Future, Boxed>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        if !applies(&req) {
            return Either::Left(self.inner.call(req));
        }
        // The service that was made ready goes into the future; a clone
        // stays for the next request.
        let ready = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, ready);
        Either::Right(Box::pin(async move {
            let (mut parts, body) = req.into_parts();
            let Ok(bytes) = to_bytes(body, MAX_FORM).await else {
                return Ok(ApiError::PayloadTooLarge(format!(
                    "an Open311 form takes at most {MAX_FORM} bytes"
                ))
                .into_response());
            };
            let key = form_urlencoded::parse(&bytes)
                .find(|(k, _)| k == "api_key")
                .map(|(_, v)| v.into_owned());
            if let Some(key) = key
                && let Ok(v) = HeaderValue::from_str(&format!("Bearer {}", key.trim()))
            {
                parts.headers.insert(header::AUTHORIZATION, v);
            }
            inner
                .call(Request::from_parts(parts, Body::from(bytes)))
                .await
        }))
    }
}

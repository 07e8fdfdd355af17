//! Request bodies are limited per route: a declared length past the limit
//! is a 413 before one byte of the body is read (so no `100 Continue` is
//! sent); a chunked body is cut off at the limit, which the JSON reader
//! also reports as a 413.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, header};
use axum::response::{IntoResponse, Response};
use http_body_util::Limited;

use super::check::Check;
use crate::server::{ApiError, AppState};

/// The largest body a route takes, bytes.
pub fn body_limit(method: &Method, path: &str) -> usize {
    match (method, path) {
        (&Method::GET | &Method::HEAD | &Method::OPTIONS | &Method::DELETE, _) => 0,
        (_, "/api/session") => 4 * 1024,
        // A selection of grid codes to export: tens of thousands of codes.
        (_, p) if p.ends_with("/export") => 2 * 1024 * 1024,
        _ => 64 * 1024,
    }
}

#[derive(Clone)]
pub struct BodyLimit(pub Arc<AppState>);

impl Check for BodyLimit {
    type Ticket = ();

    fn before(&self, req: &mut Request) -> Result<(), Box<Response>> {
        let limit = body_limit(req.method(), req.uri().path());
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if let Some(n) = declared
            && n > limit as u64
        {
            return Err(ApiError::PayloadTooLarge(format!(
                "a body of {n} bytes; {} takes at most {limit}",
                req.uri().path().chars().take(80).collect::<String>()
            ))
            .into_response()
            .into());
        }
        let no_body = declared == Some(0) || (declared.is_none() && !has_body(req));
        if no_body {
            return Ok(());
        }
        let body = std::mem::replace(req.body_mut(), Body::empty());
        *req.body_mut() = Body::new(Limited::new(body, limit));
        Ok(())
    }
}

fn has_body(req: &Request) -> bool {
    req.headers().contains_key(header::TRANSFER_ENCODING)
}

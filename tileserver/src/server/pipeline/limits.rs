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
        // A phone's batch: --max-batch fixes of about 150 bytes each.
        (_, "/api/positions") => 4 * 1024 * 1024,
        (_, "/api/workers") => 2 * 1024 * 1024,
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

/// Longest request target (path and query) taken, bytes.
pub const MAX_URI: usize = 8 * 1024;
/// Most header bytes (names and values) taken.
pub const MAX_HEADERS: usize = 32 * 1024;

/// Refuses an over-long URL (414) or over-large headers (431) with a JSON
/// body, counted like any answer. hyper's own refusals (an empty 414/431)
/// come only past its much larger buffer.
#[derive(Clone)]
pub struct RequestSize;

impl Check for RequestSize {
    type Ticket = ();

    fn before(&self, req: &mut Request) -> Result<(), Box<Response>> {
        let uri = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
        if uri > MAX_URI {
            return Err(ApiError::UriTooLong(format!(
                "a request target of {uri} bytes; at most {MAX_URI}"
            ))
            .into_response()
            .into());
        }
        let headers: usize = req
            .headers()
            .iter()
            .map(|(k, v)| k.as_str().len() + v.len() + 4)
            .sum();
        if headers > MAX_HEADERS {
            return Err(ApiError::HeadersTooLarge(format!(
                "{headers} bytes of headers; at most {MAX_HEADERS}"
            ))
            .into_response()
            .into());
        }
        Ok(())
    }
}

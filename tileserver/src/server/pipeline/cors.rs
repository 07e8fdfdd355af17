//! Cross-origin access: none unless an origin is named with
//! `--cors-origin`. A foreign origin gets no `Access-Control-Allow-Origin`
//! (its page cannot read the answer), its preflights are refused, and a
//! write it sends anyway (a "simple" `text/plain` POST needs no
//! preflight) is refused before it reaches a handler.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::check::Check;
use crate::server::errors::clip;
use crate::server::{ApiError, AppState};

#[derive(Clone)]
pub struct Cors(pub Arc<AppState>);

/// `Some(origin)` when the response must carry a grant for it.
pub type Ticket = Option<HeaderValue>;

/// Whether `origin` (`scheme://host[:port]`) names this server as the
/// request reached it.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    matches!((authority, host), (Some(a), Some(h)) if a.eq_ignore_ascii_case(h))
}

const ALLOW_HEADERS: &str = "authorization, content-type, if-none-match, if-match, x-csrf-token, x-request-id, last-event-id";
const ALLOW_METHODS: &str = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";
const EXPOSE: &str = "etag, x-request-id, x-tile-cache, retry-after, content-disposition";

impl Check for Cors {
    type Ticket = Ticket;

    fn before(&self, req: &mut Request) -> Result<Ticket, Box<Response>> {
        let Some(origin) = req.headers().get(header::ORIGIN).cloned() else {
            return Ok(None);
        };
        let o = origin.to_str().unwrap_or("");
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
        if same_origin(o, host) {
            return Ok(None);
        }
        let allowed = self.0.config.cors_origins.iter().any(|a| a == o);
        let preflight = req.method() == Method::OPTIONS
            && req
                .headers()
                .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        if preflight {
            if !allowed {
                return Err(ApiError::Forbidden(format!(
                    "cross-origin requests from {:?} are not allowed (see --cors-origin)",
                    clip(o)
                ))
                .into_response()
                .into());
            }
            let mut res = Response::new(Body::empty());
            *res.status_mut() = StatusCode::NO_CONTENT;
            let h = res.headers_mut();
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static(ALLOW_METHODS),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static(ALLOW_HEADERS),
            );
            h.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            h.insert(header::VARY, HeaderValue::from_static("Origin"));
            return Err(Box::new(res));
        }
        let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if !allowed && !safe {
            return Err(ApiError::Forbidden(format!(
                "a cross-origin write from {:?} is refused (see --cors-origin)",
                clip(o)
            ))
            .into_response()
            .into());
        }
        Ok(allowed.then_some(origin))
    }

    fn after(&self, grant: Ticket, res: &mut Response) {
        let h = res.headers_mut();
        // Answers differ by origin only when some origin is granted.
        if !self.0.config.cors_origins.is_empty() {
            h.append(header::VARY, HeaderValue::from_static("Origin"));
        }
        if let Some(origin) = grant {
            h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(EXPOSE),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_is_the_host_the_request_reached() {
        assert!(same_origin("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(same_origin("https://Map.Example", Some("map.example")));
        assert!(!same_origin("http://evil.example", Some("127.0.0.1:8080")));
        assert!(!same_origin("null", Some("127.0.0.1:8080")));
        assert!(!same_origin("http://127.0.0.1:8080", None));
    }
}

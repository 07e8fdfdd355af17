//! Finds who a request acts as: a bearer token (`Authorization: Bearer
//! wg_…`), or a browser's session cookie — which, on a write, must come
//! with the session's CSRF token in `X-CSRF-Token`. Credentials are looked
//! up in memory. This stage never answers by itself: a refused credential
//! becomes [`Caller::Refused`], which authorisation turns into a 401 on
//! any route that is not public.

use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::Response;

use super::Caller;
use super::check::Check;
use crate::auth::{Principal, SecretHash, same};
use crate::server::AppState;
use crate::server::credentials::Refusal;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "wangge_session";
/// The header a cookie session's writes carry its CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Bearer tokens are `wg_` and 43 base64url characters; anything much
/// longer is refused unread.
const MAX_TOKEN: usize = 128;

#[derive(Clone)]
pub struct Authenticate(pub Arc<AppState>);

impl Check for Authenticate {
    type Ticket = ();

    fn before(&self, req: &mut Request) -> Result<(), Box<Response>> {
        let caller = identify(&self.0, req.method(), req.headers(), req.uri());
        req.extensions_mut().insert(caller);
        Ok(())
    }
}

fn identify(state: &AppState, method: &Method, headers: &HeaderMap, uri: &Uri) -> Caller {
    let mut auth = headers.get_all(header::AUTHORIZATION).iter();
    if let Some(value) = auth.next() {
        if auth.next().is_some() {
            return Caller::Refused("more than one Authorization header");
        }
        return bearer(state, value.as_bytes());
    }
    // OsmAnd and Traccar Client send no headers of their own: their URL
    // carries the worker token as `key` (logs show paths only, never it).
    if uri.path() == OSMAND_PATH
        && let Some(key) = query_key(uri, "key")
    {
        return known_token(state, &key);
    }
    // Open311 clients carry theirs as `api_key` (in a form body, the
    // previous stage moved it into the header).
    if uri.path().starts_with(super::open311_key::OPEN311_PREFIX)
        && let Some(key) = query_key(uri, "api_key")
    {
        return known_token(state, &key);
    }
    // A stale cookie (signed out elsewhere, expired) is no credential at
    // all: the caller is anonymous.
    if let Some(id) = session_cookie(headers)
        && let Ok(p) = state.credentials.session(&SecretHash::of(id))
    {
        let safe = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe && !csrf_ok(&p, headers) {
            return Caller::Forbidden(
                "a write from a signed-in browser needs its CSRF token in X-CSRF-Token",
            );
        }
        return Caller::Known(p);
    }
    if state.config.public_read {
        Caller::Known(Principal::anonymous_reader())
    } else {
        Caller::Anonymous
    }
}

fn bearer(state: &AppState, value: &[u8]) -> Caller {
    let Ok(text) = std::str::from_utf8(value) else {
        return Caller::Refused("the Authorization header is not text");
    };
    let Some((scheme, token)) = text.trim().split_once(' ') else {
        return Caller::Refused("use `Authorization: Bearer <token>`");
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Caller::Refused(
            "only Bearer tokens are accepted (`Authorization: Bearer <token>`)",
        );
    }
    known_token(state, token.trim())
}

/// The route phones of the OsmAnd protocol report to.
pub const OSMAND_PATH: &str = "/api/osmand";

fn query_key(uri: &Uri, name: &str) -> Option<String> {
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn known_token(state: &AppState, token: &str) -> Caller {
    if token.is_empty()
        || token.len() > MAX_TOKEN
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Caller::Refused("malformed bearer token");
    }
    match state.credentials.token(&SecretHash::of(token)) {
        Ok(p) => Caller::Known(p),
        Err(Refusal::Unknown) => Caller::Refused("unknown or revoked token"),
        Err(Refusal::Expired) => Caller::Refused("the token has expired"),
    }
}

/// The session id from `Cookie: …; wangge_session=ws_…`.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, v)| *k == SESSION_COOKIE && !v.is_empty() && v.len() <= MAX_TOKEN)
        .map(|(_, v)| v)
}

fn csrf_ok(p: &Principal, headers: &HeaderMap) -> bool {
    match (
        &p.csrf,
        headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
    ) {
        (Some(want), Some(got)) => same(want, got.trim()),
        _ => false,
    }
}

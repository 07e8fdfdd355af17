//! Signing in from a browser: a password gives an HttpOnly, SameSite=Strict
//! session cookie and a CSRF token that every write from that browser must
//! echo in `X-CSRF-Token`.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::counties::NoParams;
use crate::auth::{Actor, SecretHash, new_secret, verify_password};
use crate::server::errors::ErrorBody;
use crate::server::params::{Body, Params};
use crate::server::pipeline::audit::AuditNote;
use crate::server::pipeline::authenticate::{SESSION_COOKIE, session_cookie};
use crate::server::pipeline::rate::{RateKey, RateLimiter};
use crate::server::pipeline::{Caller, Peer};
use crate::server::{ApiError, AppState};
use crate::store::accounts::{Session, now};

/// Sign-in attempts: a few a minute per address, and few argon2 hashes
/// at once (each takes ~20 MiB and tens of milliseconds).
pub struct LoginLimiter {
    attempts: RateLimiter,
    hashing: tokio::sync::Semaphore,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            attempts: RateLimiter::new(10.0 / 60.0, 10.0),
            hashing: tokio::sync::Semaphore::new(2),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub name: String,
    pub password: String,
}

/// Who the caller is.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    pub signed_in: bool,
    /// `user`, `token` or `anonymous`.
    pub kind: String,
    pub name: Option<String>,
    /// `viewer`, `planner`, `admin`, `worker` or `screen`; none when anonymous
    /// without `--public-read`.
    pub role: Option<String>,
    /// The code prefix the caller sees; empty for the whole store.
    pub scope: String,
    /// For a browser session: the token to send as `X-CSRF-Token` on writes.
    pub csrf: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    /// Whether anonymous callers may read (`--public-read`).
    pub public_read: bool,
    /// Why the credential sent was refused, if it was.
    pub refused: Option<String>,
}

#[utoipa::path(get, path = "/api/session", operation_id = "get_session", tag = "accounts",
    summary = "Who the caller is (signed in, by token, or anonymous)",
    params(NoParams),
    responses((status = 200, body = SessionView), (status = 400, body = ErrorBody)),
    security(()))]
pub(super) async fn current(
    State(state): State<Arc<AppState>>,
    Params(_): Params<NoParams>,
    req: Request,
) -> Json<SessionView> {
    let public_read = state.config.public_read;
    Json(match req.extensions().get::<Caller>() {
        Some(Caller::Known(p)) => {
            let (kind, name) = match &p.actor {
                Actor::User { name, .. } => ("user", Some(name.clone())),
                Actor::Token { name, .. } => ("token", Some(name.clone())),
                Actor::Anonymous | Actor::Cli { .. } => ("anonymous", None),
            };
            SessionView {
                signed_in: kind != "anonymous",
                kind: kind.into(),
                name,
                role: Some(p.role.as_str().into()),
                scope: p.scope.as_str().into(),
                csrf: p.csrf.clone(),
                expires_at: p.expires_at,
                public_read,
                refused: None,
            }
        }
        other => SessionView {
            signed_in: false,
            kind: "anonymous".into(),
            name: None,
            role: None,
            scope: String::new(),
            csrf: None,
            expires_at: None,
            public_read,
            refused: match other {
                Some(Caller::Refused(why)) => Some((*why).to_string()),
                _ => None,
            },
        },
    })
}

/// A hash to verify against when the name is unknown, made once.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        crate::auth::hash_password("no such user, no such password").unwrap_or_default()
    })
}

fn cookie(value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let v = format!(
        "{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&v).unwrap_or(HeaderValue::from_static("wangge_session=; Max-Age=0"))
}

#[utoipa::path(post, path = "/api/session", operation_id = "sign_in", tag = "accounts",
    summary = "Sign in with a name and password: sets the session cookie, returns the CSRF token",
    params(NoParams),
    request_body = SignIn,
    responses((status = 200, body = SessionView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody),
        (status = 503, body = ErrorBody)),
    security(()))]
pub(super) async fn sign_in(
    State(state): State<Arc<AppState>>,
    axum::Extension(peer): axum::Extension<Peer>,
    Params(_): Params<NoParams>,
    Body(s): Body<SignIn>,
) -> Result<Response, ApiError> {
    let limiter = &state.logins;
    limiter
        .attempts
        .take(RateKey::Addr(peer.addr.ip()))
        .map_err(|wait| ApiError::TooManyRequests {
            message: "too many sign-in attempts from this address; wait a minute".into(),
            retry_after: wait.ceil() as u64,
        })?;
    let note = |outcome: &str| AuditNote {
        action: format!("session.{outcome}"),
        target: format!("user:{}", s.name.chars().take(64).collect::<String>()),
        county: String::new(),
    };
    let refused = || {
        let mut r = ApiError::Unauthorized("wrong name or password".into()).into_response();
        r.extensions_mut().insert(note("refused"));
        r
    };
    if s.name.len() > 128 || s.password.len() > crate::auth::MAX_PASSWORD {
        return Ok(refused());
    }
    let found = state.store.user_for_login(&s.name).await?;
    let _permit = tokio::time::timeout(Duration::from_secs(10), limiter.hashing.acquire())
        .await
        .map_err(|_| ApiError::Unavailable {
            message: "too many sign-ins at once; try again".into(),
            retry_after: 1,
        })?
        .map_err(|_| ApiError::Internal("sign-in closed".into()))?;
    // Hash even for an unknown name, so timing does not tell names apart.
    let (user, phc) = match found {
        Some((u, phc)) => (Some(u), phc),
        None => (None, dummy_hash().to_string()),
    };
    let password = s.password.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let user = match user {
        Some(u) if ok && !u.disabled => u,
        _ => return Ok(refused()),
    };
    let secret = new_secret("ws_");
    let csrf = new_secret("").expose().to_string();
    let hours = state.config.session_hours.max(1);
    let expires_at = now() + i64::from(hours) * 3600;
    state
        .store
        .insert_session(secret.hash(), &csrf, user.id, expires_at)
        .await?;
    state.credentials.add_session(Session {
        hash: secret.hash(),
        csrf: csrf.clone(),
        user: user.clone(),
        expires_at,
    });
    let view = SessionView {
        signed_in: true,
        kind: "user".into(),
        name: Some(user.name.clone()),
        role: Some(user.role.as_str().into()),
        scope: user.scope.as_str().into(),
        csrf: Some(csrf),
        expires_at: Some(expires_at),
        public_read: state.config.public_read,
        refused: None,
    };
    let mut res = Json(view).into_response();
    res.headers_mut().insert(
        header::SET_COOKIE,
        cookie(secret.expose(), i64::from(hours) * 3600, peer.tls),
    );
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res.extensions_mut().insert(note("start"));
    Ok(res)
}

#[utoipa::path(delete, path = "/api/session", operation_id = "sign_out", tag = "accounts",
    summary = "Sign out: ends the browser's session",
    params(NoParams),
    responses((status = 204, description = "Signed out"), (status = 400, body = ErrorBody)),
    security(()))]
pub(super) async fn sign_out(
    State(state): State<Arc<AppState>>,
    axum::Extension(peer): axum::Extension<Peer>,
    Params(_): Params<NoParams>,
    req: Request,
) -> Result<Response, ApiError> {
    if let Some(id) = session_cookie(req.headers()) {
        let hash = SecretHash::of(id);
        state.credentials.drop_session(hash);
        state.store.end_session(hash).await?;
    }
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, cookie("", 0, peer.tls));
    res.extensions_mut().insert(AuditNote {
        action: "session.end".into(),
        ..AuditNote::default()
    });
    Ok(res)
}

//! Users and tokens, for admins: list, add, disable; issue and revoke
//! tokens. An admin scoped to a county manages only what lies inside it.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::Who;
use super::counties::NoParams;
use crate::auth::{Role, Scope, hash_password, new_secret};
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::{Body, Params};
use crate::server::pipeline::audit::AuditNote;
use crate::server::{ApiError, AppState};
use crate::store::accounts::{NewToken, Token, TokenRef, User, now};

#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub role: String,
    /// Code prefix; empty for the whole store.
    pub scope: String,
    pub disabled: bool,
    /// Unix seconds.
    pub created_at: i64,
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            name: u.name.clone(),
            role: u.role.as_str().into(),
            scope: u.scope.as_str().into(),
            disabled: u.disabled,
            created_at: u.created_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<UserView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub name: String,
    /// At least 10 characters.
    pub password: String,
    /// `viewer`, `planner`, `admin`, `worker` or `screen`.
    pub role: String,
    /// County, town or village code; empty or absent for the whole store.
    #[serde(default)]
    pub scope: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// Disabling ends the user's sessions and revokes their tokens.
    pub disabled: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub worker_id: Option<String>,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// Usable now: not revoked, not expired.
    pub live: bool,
}

impl From<&Token> for TokenView {
    fn from(t: &Token) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            role: t.role.as_str().into(),
            scope: t.scope.as_str().into(),
            worker_id: t.worker_id.clone(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            live: t.live_at(now()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenList {
    pub tokens: Vec<TokenView>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenRequest {
    pub role: String,
    /// County, town or village code; empty or absent for the whole store.
    #[serde(default)]
    pub scope: String,
    /// A note saying what the token is for.
    #[serde(default)]
    pub name: String,
    /// Days until it expires; none for a token that does not.
    pub expires_days: Option<f64>,
    /// The grid worker a `worker` token speaks for.
    pub worker: Option<String>,
}

/// A new token: `token` is shown this once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenView,
}

fn role(s: &str) -> Result<Role, ApiError> {
    s.parse()
        .map_err(|e: crate::auth::UnknownRole| ApiError::BadRequest(e.to_string()))
}

/// A scope the admin may grant: inside their own.
fn grantable(who: &Who, s: &str) -> Result<Scope, ApiError> {
    let scope: Scope = s
        .parse()
        .map_err(|e: crate::auth::BadScope| ApiError::BadRequest(e.to_string()))?;
    if !who.0.scope.covers(&scope) {
        return Err(ApiError::Forbidden(format!(
            "scope {scope} lies outside your own scope {}",
            who.0.scope
        )));
    }
    Ok(scope)
}

fn note(action: &str, target: String) -> AuditNote {
    AuditNote {
        action: action.into(),
        target,
        county: String::new(),
    }
}

#[utoipa::path(get, path = "/api/users", operation_id = "list_users", tag = "accounts", summary = "Users inside the admin's scope",
    params(NoParams),
    responses((status = 200, body = UserList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn users(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
) -> Result<Json<UserList>, ApiError> {
    let users = state.store.users().await?;
    Ok(Json(UserList {
        users: users
            .iter()
            .filter(|u| who.0.scope.covers(&u.scope))
            .map(UserView::from)
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/users", operation_id = "add_user", tag = "accounts", summary = "Add a user who signs in with a password",
    params(NoParams),
    request_body = NewUser,
    responses((status = 201, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn add_user(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
    Body(u): Body<NewUser>,
) -> Result<Response, ApiError> {
    let name = u.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ApiError::BadRequest(
            "name: 1 to 64 characters, no control characters".into(),
        ));
    }
    let role = role(&u.role)?;
    let scope = grantable(&who, &u.scope)?;
    let password = u.password;
    let phc = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::BadRequest(format!("password: {e}")))?;
    let id = state.store.add_user(&name, &phc, role, &scope).await?;
    let view = UserView {
        id,
        name: name.clone(),
        role: role.as_str().into(),
        scope: scope.as_str().into(),
        disabled: false,
        created_at: now(),
    };
    let mut res = (StatusCode::CREATED, Json(view)).into_response();
    res.extensions_mut().insert(note(
        "user.add",
        format!("user:{name} role:{role} scope:{scope}"),
    ));
    Ok(res)
}

#[utoipa::path(post, path = "/api/users/{name}", operation_id = "change_user", tag = "accounts", summary = "Disable or enable a user",
    params(("name" = String, Path, description = "User name"), NoParams),
    request_body = UserChange,
    responses((status = 200, body = UserView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn set_user(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(name): Path<String>,
    Params(_): Params<NoParams>,
    Body(c): Body<UserChange>,
) -> Result<Response, ApiError> {
    let users = state.store.users().await?;
    let u = users
        .iter()
        .find(|u| u.name == name && who.0.scope.covers(&u.scope))
        .ok_or_else(|| ApiError::NotFound(format!("no user {:?}", clip(&name))))?;
    state.store.set_user_disabled(&name, c.disabled).await?;
    let mut view = UserView::from(u);
    view.disabled = c.disabled;
    let mut res = Json(view).into_response();
    res.extensions_mut().insert(note(
        if c.disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        format!("user:{name}"),
    ));
    Ok(res)
}

#[utoipa::path(get, path = "/api/tokens", operation_id = "list_tokens", tag = "accounts", summary = "Tokens inside the admin's scope (never their text)",
    params(NoParams),
    responses((status = 200, body = TokenList), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn tokens(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
) -> Result<Json<TokenList>, ApiError> {
    let tokens = state.store.tokens().await?;
    Ok(Json(TokenList {
        tokens: tokens
            .iter()
            .filter(|t| who.0.scope.covers(&t.scope))
            .map(TokenView::from)
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/tokens", operation_id = "issue_token", tag = "accounts", summary = "Issue a bearer token (its text is in this answer only)",
    params(NoParams),
    request_body = NewTokenRequest,
    responses((status = 201, body = IssuedToken), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn issue_token(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(_): Params<NoParams>,
    Body(t): Body<NewTokenRequest>,
) -> Result<Response, ApiError> {
    let role = role(&t.role)?;
    let scope = grantable(&who, &t.scope)?;
    if t.name.chars().count() > 128 {
        return Err(ApiError::BadRequest("name: at most 128 characters".into()));
    }
    let expires_at = match t.expires_days {
        None => None,
        Some(d) if d.is_finite() && d > 0.0 && d <= 3650.0 => {
            Some(now() + (d * 86_400.0).ceil() as i64)
        }
        Some(d) => {
            return Err(ApiError::BadRequest(format!(
                "expires_days {d}: a number of days above 0 and at most 3650"
            )));
        }
    };
    if t.worker.is_some() != (role == Role::Worker) {
        return Err(ApiError::BadRequest(
            "a worker token names its worker (`worker`), and only a worker token does".into(),
        ));
    }
    let secret = new_secret("wg_");
    let id = state
        .store
        .insert_token(&NewToken {
            hash: secret.hash(),
            name: t.name.clone(),
            role,
            scope: scope.clone(),
            user_id: None,
            worker_id: t.worker.clone(),
            expires_at,
        })
        .await?;
    state.credentials.reload(&state.store).await?;
    let info = TokenView {
        id,
        name: t.name,
        role: role.as_str().into(),
        scope: scope.as_str().into(),
        worker_id: t.worker,
        created_at: now(),
        expires_at,
        revoked_at: None,
        live: true,
    };
    let mut res = (
        StatusCode::CREATED,
        Json(IssuedToken {
            token: secret.expose().to_string(),
            info,
        }),
    )
        .into_response();
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    res.extensions_mut().insert(note(
        "token.issue",
        format!("token:{id} role:{role} scope:{scope}"),
    ));
    Ok(res)
}

#[utoipa::path(delete, path = "/api/tokens/{id}", operation_id = "revoke_token", tag = "accounts", summary = "Revoke a token (refused by every server within seconds)",
    params(("id" = i64, Path, description = "Token id"), NoParams),
    responses((status = 200, body = TokenView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["admin"]), ("session" = ["admin"])))]
pub(super) async fn revoke_token(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(id): Path<String>,
    Params(_): Params<NoParams>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::BadRequest(format!("token ids are numbers, not {:?}", clip(&id))))?;
    let tokens = state.store.tokens().await?;
    let t = tokens
        .iter()
        .find(|t| t.id == id && who.0.scope.covers(&t.scope))
        .ok_or_else(|| ApiError::NotFound(format!("no token {id}")))?;
    state.store.revoke_token(TokenRef::Id(id)).await?;
    state.credentials.reload(&state.store).await?;
    let mut view = TokenView::from(t);
    view.revoked_at = Some(t.revoked_at.unwrap_or_else(now));
    view.live = false;
    let mut res = Json(view).into_response();
    res.extensions_mut()
        .insert(note("token.revoke", format!("token:{id}")));
    Ok(res)
}

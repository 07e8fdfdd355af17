use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// Every error a request can meet, as a status and a JSON body naming it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// No credentials, or ones that are malformed, unknown, expired or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// Credentials that may not do this.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UriTooLong(String),
    #[error("{0}")]
    HeadersTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// A `Host` this server does not answer for (DNS rebinding).
    #[error("{0}")]
    MisdirectedRequest(String),
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("{0}")]
    Internal(String),
    /// The store is busy (another program holds its lock) or unreachable.
    #[error("{message}")]
    Unavailable { message: String, retry_after: u64 },
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What was wrong, in words.
    pub error: String,
    /// The HTTP status again.
    pub status: u16,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UriTooLong(_) => StatusCode::URI_TOO_LONG,
            Self::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::MisdirectedRequest(_) => StatusCode::MISDIRECTED_REQUEST,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "request failed");
        }
        let retry = match &self {
            Self::TooManyRequests { retry_after, .. } | Self::Unavailable { retry_after, .. } => {
                Some(*retry_after)
            }
            _ => None,
        };
        let unauthorized = matches!(self, Self::Unauthorized(_));
        let mut res = (
            status,
            Json(ErrorBody {
                error: self.to_string(),
                status: status.as_u16(),
            }),
        )
            .into_response();
        if let Some(s) = retry
            && let Ok(v) = HeaderValue::from_str(&s.max(1).to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        if unauthorized {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"wangge\""),
            );
        }
        res
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        use crate::store::StoreError as E;
        match e {
            E::NoPlan { .. } | E::NoCounty { .. } | E::NotFound { .. } => {
                Self::NotFound(e.to_string())
            }
            E::WhichCounty { .. } => Self::BadRequest(e.to_string()),
            E::PlanInUse(_) | E::Exists { .. } | E::Conflict(_) => Self::Conflict(e.to_string()),
            ref other if other.is_busy() => Self::Unavailable {
                message: format!("the store is busy, try again: {other}"),
                retry_after: 2,
            },
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Clips user-supplied text quoted in an error message.
pub fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

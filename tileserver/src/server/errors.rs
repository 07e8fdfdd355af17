use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every error a request can meet, as a status and a JSON body naming it.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!(error = %self, "request failed");
        }
        (
            status,
            Json(serde_json::json!({"error": self.to_string(), "status": status.as_u16()})),
        )
            .into_response()
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            crate::store::StoreError::NoPlan { .. } => Self::NotFound(e.to_string()),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// Query strings longer than this are refused before anything is parsed.
pub const MAX_QUERY: usize = 512;

/// Refuses an over-long query string, then parses it (a malformed one is a
/// 400 naming the problem, not axum's plain-text rejection).
pub fn query_map(
    uri: &axum::http::Uri,
) -> Result<std::collections::HashMap<String, String>, ApiError> {
    let q = uri.query().unwrap_or("");
    if q.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    if q.len() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "query string of {} characters; at most {MAX_QUERY}",
            q.len()
        )));
    }
    axum::extract::Query::<std::collections::HashMap<String, String>>::try_from_uri(uri)
        .map(|axum::extract::Query(m)| m)
        .map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))
}

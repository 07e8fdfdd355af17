//! Query parameters and JSON bodies as typed values, with one rule for
//! every route: an over-long query string, a parameter given twice and a
//! parameter the route does not take are each a 400 naming the problem
//! (never the last of two values silently, never an ignored typo).

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::errors::{ApiError, clip};

/// Query strings longer than this are refused before anything is parsed.
pub const MAX_QUERY: usize = 2048;

/// A route's query parameters, deserialised into `T` (which lists every
/// parameter the route takes and denies the rest).
#[derive(Debug, Clone, Default)]
pub struct Params<T>(pub T);

/// Splits a query string into pairs, refusing repeats and over-long input.
pub fn pairs(query: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let q = query.unwrap_or("");
    if q.len() > MAX_QUERY {
        return Err(ApiError::BadRequest(format!(
            "query string of {} characters; at most {MAX_QUERY}",
            q.len()
        )));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q)
        .map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?;
    for (i, (k, _)) in pairs.iter().enumerate() {
        if pairs[..i].iter().any(|(j, _)| j == k) {
            return Err(ApiError::BadRequest(format!(
                "query parameter {:?} is given more than once",
                clip(k)
            )));
        }
    }
    Ok(pairs)
}

/// Deserialises a query string into `T` by the rule above.
pub fn parse_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T, ApiError> {
    let pairs = pairs(query)?;
    let encoded = serde_urlencoded::to_string(&pairs)
        .map_err(|e| ApiError::BadRequest(format!("malformed query string: {e}")))?;
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(encoded.as_bytes()));
    // The path names the parameter a value was wrong for.
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = e.path().to_string();
        let msg = e.inner().to_string();
        ApiError::BadRequest(if msg.starts_with("unknown field") {
            format!("unknown query parameter: {msg}")
        } else if field.is_empty() || field == "." {
            format!("query parameters: {msg}")
        } else {
            format!("query parameter {field}: {msg}")
        })
    })
}

impl<T, S> FromRequestParts<S> for Params<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parse_query(parts.uri.query()).map(Params)
    }
}

/// A JSON request body as `T`; the wrong media type is a 415, a body past
/// the route's limit a 413, anything else that is not a `T` a 400.
#[derive(Debug, Clone)]
pub struct Body<T>(pub T);

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Body(v)),
            Err(e) => Err(json_rejection(e)),
        }
    }
}

fn json_rejection(e: JsonRejection) -> ApiError {
    match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the request body is larger than this route takes".into())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
            "send the request body as JSON with `Content-Type: application/json`".into(),
        ),
        // The listener's body deadline (a client that sent half a body).
        _ if e.body_text().contains("stalled") => {
            ApiError::Timeout(format!("request body: {}", e.body_text()))
        }
        _ => ApiError::BadRequest(format!("request body: {}", e.body_text())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(deny_unknown_fields)]
    struct Q {
        plan: Option<String>,
        n: Option<u32>,
    }

    #[test]
    fn repeats_and_unknowns_are_refused() {
        assert_eq!(
            parse_query::<Q>(Some("plan=3&n=4")).unwrap(),
            Q {
                plan: Some("3".into()),
                n: Some(4)
            }
        );
        assert_eq!(parse_query::<Q>(None).unwrap(), Q::default());
        let e = parse_query::<Q>(Some("plan=3&plan=4")).unwrap_err();
        assert!(e.to_string().contains("more than once"), "{e}");
        let e = parse_query::<Q>(Some("plna=3")).unwrap_err();
        assert!(e.to_string().contains("unknown"), "{e}");
        let e = parse_query::<Q>(Some("n=x")).unwrap_err();
        assert!(matches!(e, ApiError::BadRequest(_)));
        let long = format!("plan={}", "1".repeat(MAX_QUERY));
        assert!(parse_query::<Q>(Some(&long)).is_err());
        // A comma is a comma whether encoded or not.
        assert_eq!(
            parse_query::<Q>(Some("plan=a%2Cb"))
                .unwrap()
                .plan
                .as_deref(),
            Some("a,b")
        );
    }
}

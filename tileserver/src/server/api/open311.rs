//! Open311 GeoReport v2 (<https://wiki.open311.org/GeoReport_v2>), JSON
//! only, so that existing Open311 clients report and follow cases: the
//! catalogue's categories are its services, a request is a case, and the
//! loop's ten statuses fold into Open311's two (open, closed) — the full
//! status stays in `status_notes`. The key is a wangge token, given as
//! `api_key` (query or form) or as a bearer header; errors are Open311's
//! `[{code, description}]` (but for a refusal before the route is reached —
//! no or a bad key — which is wangge's usual `{error, status}`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use ops::cases::{Catalogue, Level, Status};
use ops::positions::UnixMs;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::Who;
use super::cases::{
    NewCaseBody, category_code, deadline, prepare, store_case, time_param, visible_case,
};
use crate::server::errors::clip;
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::store::cases::{CaseFilter, StoredCase};

/// An Open311 error: the HTTP status and what was wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct Open311Error {
    pub code: u16,
    pub description: String,
}

/// An [`ApiError`] in Open311's shape (a one-element array).
pub struct Open311Failure(ApiError);

impl From<ApiError> for Open311Failure {
    fn from(e: ApiError) -> Self {
        Self(e)
    }
}

impl From<crate::store::StoreError> for Open311Failure {
    fn from(e: crate::store::StoreError) -> Self {
        Self(e.into())
    }
}

impl IntoResponse for Open311Failure {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let description = self.0.to_string();
        // The usual response first: it logs server faults and sets
        // Retry-After and WWW-Authenticate, which are kept.
        let usual = self.0.into_response();
        let mut res = (
            status,
            Json(vec![Open311Error {
                code: status.as_u16(),
                description,
            }]),
        )
            .into_response();
        for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
            if let Some(v) = usual.headers().get(&name) {
                res.headers_mut().insert(name, v.clone());
            }
        }
        res
    }
}

/// A service: one category of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct Service {
    pub service_code: String,
    pub service_name: String,
    pub description: String,
    /// No extra attributes are asked for.
    pub metadata: bool,
    #[serde(rename = "type")]
    pub kind: String,
    pub keywords: String,
    pub group: String,
}

#[utoipa::path(get, path = "/open311/v2/services.json", operation_id = "open311_services", tag = "open311",
    summary = "Open311 GeoReport v2: the services (the case categories)",
    responses((status = 200, body = Vec<Service>)))]
pub(super) async fn services(State(state): State<Arc<AppState>>) -> Json<Vec<Service>> {
    let c = &state.config.case_categories;
    Json(
        c.categories
            .iter()
            .map(|k| Service {
                service_code: k.code.clone(),
                service_name: k.name.clone(),
                description: format!(
                    "{}: handled within {} h at grid level",
                    k.name, k.deadline_hours[0]
                ),
                metadata: false,
                kind: "realtime".into(),
                keywords: String::new(),
                group: String::new(),
            })
            .collect(),
    )
}

/// A request as Open311 shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceRequest {
    pub service_request_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// wangge's own status, in Chinese and English, and the last note.
    pub status_notes: String,
    pub service_name: String,
    pub service_code: String,
    pub description: String,
    pub agency_responsible: String,
    pub service_notice: String,
    pub requested_datetime: String,
    pub updated_datetime: String,
    /// When the current stage runs out, for open requests.
    pub expected_datetime: Option<String>,
    pub address: String,
    pub address_id: String,
    pub zipcode: String,
    pub lat: f64,
    pub long: f64,
    pub media_url: String,
}

/// Open311's two statuses for one of the loop's.
pub fn open311_status(s: Status) -> &'static str {
    if s.is_open() { "open" } else { "closed" }
}

fn level_office(l: Level) -> &'static str {
    match l.get() {
        1 => "网格 (grid)",
        2 => "村（社区） (village)",
        3 => "乡镇（街道） (town)",
        _ => "县 (county)",
    }
}

fn as_request(
    c: &StoredCase,
    catalogue: &Catalogue,
    unit: Option<String>,
    note: &str,
) -> ServiceRequest {
    let state = c.state();
    let cat = catalogue.find(&c.category);
    let expected = deadline(&state, &c.category, catalogue).map(|t| UnixMs(t).rfc3339());
    let notes = if note.is_empty() {
        format!("{} ({})", state.status.chinese(), state.status.as_str())
    } else {
        format!(
            "{} ({}): {note}",
            state.status.chinese(),
            state.status.as_str()
        )
    };
    ServiceRequest {
        service_request_id: c.id.to_string(),
        status: open311_status(state.status).into(),
        status_notes: notes,
        service_name: cat.map(|k| k.name.clone()).unwrap_or_default(),
        service_code: c.category.clone(),
        description: c.description.clone(),
        agency_responsible: unit.unwrap_or_else(|| level_office(state.level).into()),
        service_notice: String::new(),
        requested_datetime: UnixMs(c.reported_at).rfc3339(),
        updated_datetime: UnixMs(c.updated_at).rfc3339(),
        expected_datetime: expected,
        address: String::new(),
        address_id: String::new(),
        zipcode: String::new(),
        lat: c.lat,
        long: c.lon,
        media_url: String::new(),
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RequestsQuery {
    /// Request ids, comma-separated (the other filters are then ignored).
    pub service_request_id: Option<String>,
    /// Service codes, comma-separated.
    pub service_code: Option<String>,
    /// Requested from (ISO 8601); default: 90 days before `end_date`.
    pub start_date: Option<String>,
    /// Requested before (ISO 8601); default: now.
    pub end_date: Option<String>,
    /// `open` or `closed`, or both comma-separated.
    pub status: Option<String>,
    /// The county code (6 digits); default: the caller's, else the store's first.
    pub jurisdiction_id: Option<String>,
}

/// Open311 lists at most this many requests (the standard's default cap).
const MAX_REQUESTS: i64 = 1000;
const NINETY_DAYS_MS: i64 = 90 * 86_400_000;

#[utoipa::path(get, path = "/open311/v2/requests.json", operation_id = "open311_requests", tag = "open311",
    summary = "Open311 GeoReport v2: requests (cases), newest first, by id, service, period and open/closed",
    params(RequestsQuery),
    responses((status = 200, body = Vec<ServiceRequest>), (status = 400, body = Vec<Open311Error>),
        (status = 401, body = Vec<Open311Error>)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn requests(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(q): Params<RequestsQuery>,
) -> Result<Json<Vec<ServiceRequest>>, Open311Failure> {
    let who = &who.0;
    let catalogue = &state.config.case_categories;
    if let Some(ids) = &q.service_request_id {
        let mut out = Vec::new();
        for id in ids.split(',').take(MAX_REQUESTS as usize) {
            let id: i64 = id.trim().parse().map_err(|_| {
                ApiError::BadRequest(format!("service_request_id {:?} is not a number", clip(id)))
            })?;
            // Ids outside the caller's reach are left out, as unknown ones.
            if let Ok(c) = visible_case(&state, who, id).await {
                out.push(as_request(&c, catalogue, None, ""));
            }
        }
        return Ok(Json(out));
    }
    let county = state
        .plans
        .county(q.jurisdiction_id.as_deref(), &who.scope)?;
    let statuses: Vec<Status> = match q.status.as_deref().map(str::trim) {
        None | Some("") => Vec::new(),
        Some(list) => {
            let mut open = false;
            let mut closed = false;
            for s in list.split(',') {
                match s.trim() {
                    "open" => open = true,
                    "closed" => closed = true,
                    other => {
                        return Err(ApiError::BadRequest(format!(
                            "status {:?} is neither open nor closed",
                            clip(other)
                        ))
                        .into());
                    }
                }
            }
            Status::ALL
                .into_iter()
                .filter(|s| (open && s.is_open()) || (closed && !s.is_open()))
                .collect()
        }
    };
    let end = time_param(&q.end_date, "end_date")?.unwrap_or_else(UnixMs::now);
    let start = time_param(&q.start_date, "start_date")?.unwrap_or(UnixMs(end.0 - NINETY_DAYS_MS));
    let codes: Vec<String> = match &q.service_code {
        None => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|c| category_code(catalogue, c.trim()))
            .collect::<Result<_, _>>()?,
    };
    let within = who.scope.within_county().map(str::to_owned);
    let mut out = Vec::new();
    for category in if codes.is_empty() {
        vec![None]
    } else {
        codes.into_iter().map(Some).collect()
    } {
        let f = CaseFilter {
            county: Some(county),
            within: within.clone(),
            statuses: statuses.clone(),
            category,
            categories: Vec::new(),
            level: None,
            source: None,
            from: Some(start),
            to: Some(end),
            overdue: None,
            limit: MAX_REQUESTS,
            offset: 0,
        };
        let rows = state.store.case_page(&f).await?;
        out.extend(rows);
    }
    out.sort_by(|a, b| b.reported_at.cmp(&a.reported_at).then(b.id.cmp(&a.id)));
    out.truncate(MAX_REQUESTS as usize);
    Ok(Json(
        out.iter()
            .map(|c| as_request(c, catalogue, None, ""))
            .collect(),
    ))
}

#[utoipa::path(get, path = "/open311/v2/requests/{file}", operation_id = "open311_request", tag = "open311",
    summary = "Open311 GeoReport v2: one request, `{id}.json`, as a one-element list; the unit it was dispatched to as agency_responsible",
    params(("file" = String, Path, description = "The request's id and `.json`, e.g. `42.json`")),
    responses((status = 200, body = Vec<ServiceRequest>), (status = 401, body = Vec<Open311Error>),
        (status = 404, body = Vec<Open311Error>)),
    security(("bearer" = ["viewer", "dispatcher", "planner", "admin", "screen"]), ("session" = ["viewer", "dispatcher", "planner", "admin", "screen"])))]
pub(super) async fn request(
    State(state): State<Arc<AppState>>,
    who: Who,
    Path(file): Path<String>,
) -> Result<Json<Vec<ServiceRequest>>, Open311Failure> {
    let id: i64 = file
        .strip_suffix(".json")
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no request {:?} (ask for {{id}}.json)",
                clip(&file)
            ))
        })?;
    let c = visible_case(&state, &who.0, id).await?;
    let history = state.store.case_events(id).await?;
    let unit = history.iter().rev().find_map(|e| e.unit.clone());
    let note = history.last().map(|e| e.note.clone()).unwrap_or_default();
    Ok(Json(vec![as_request(
        &c,
        &state.config.case_categories,
        unit,
        &note,
    )]))
}

/// A new request, form-encoded as Open311 sends it. Fields Open311
/// defines that wangge does not keep (e-mail, phone, device, media) are
/// taken and dropped: residents' contact data is not stored.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewRequestForm {
    pub service_code: String,
    pub lat: Option<String>,
    pub long: Option<String>,
    pub address_string: Option<String>,
    pub address_id: Option<String>,
    #[serde(default)]
    pub description: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub jurisdiction_id: Option<String>,
}

/// What a new request's reply holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestCreated {
    pub service_request_id: String,
    pub service_notice: String,
    pub account_id: Option<String>,
}

#[utoipa::path(post, path = "/open311/v2/requests.json", operation_id = "open311_report", tag = "open311",
    summary = "Open311 GeoReport v2: report a request (form-encoded: service_code, lat, long, description); becomes a case from a citizen",
    request_body(content = NewRequestForm, content_type = "application/x-www-form-urlencoded"),
    responses((status = 201, body = Vec<RequestCreated>), (status = 400, body = Vec<Open311Error>),
        (status = 401, body = Vec<Open311Error>), (status = 403, body = Vec<Open311Error>),
        (status = 413, body = Vec<Open311Error>), (status = 415, body = Vec<Open311Error>)),
    security(("bearer" = ["dispatcher", "admin"]), ("session" = ["dispatcher", "admin"])))]
pub(super) async fn report(
    State(state): State<Arc<AppState>>,
    who: Who,
    form: Result<axum::Form<NewRequestForm>, axum::extract::rejection::FormRejection>,
) -> Result<Response, Open311Failure> {
    let axum::Form(f) = form.map_err(|e| match e.status() {
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ApiError::UnsupportedMediaType(
            "send the request form-encoded (`Content-Type: application/x-www-form-urlencoded`)"
                .into(),
        ),
        StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::PayloadTooLarge("the request body is larger than this route takes".into())
        }
        _ => ApiError::BadRequest(format!("request form: {}", e.body_text())),
    })?;
    let coordinate = |v: &Option<String>, name: &str| -> Result<f64, ApiError> {
        match v.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t
                .parse::<f64>()
                .map_err(|_| ApiError::BadRequest(format!("{name} {:?} is not a number", clip(t)))),
            _ => Err(ApiError::BadRequest(
                if f.address_string.is_some() || f.address_id.is_some() {
                    "this server places requests by lat and long only (no address lookup)".into()
                } else {
                    format!("{name} is required")
                },
            )),
        }
    };
    let (lat, lon) = (coordinate(&f.lat, "lat")?, coordinate(&f.long, "long")?);
    let reporter = [f.first_name.as_deref(), f.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let body = NewCaseBody {
        category: f.service_code.clone(),
        lon,
        lat,
        description: f.description.clone(),
        time: None,
        level: None,
        source: Some("citizen".into()),
        reporter: (!reporter.is_empty()).then_some(reporter),
        external_id: None,
        crs: None,
        county: f.jurisdiction_id.clone(),
    };
    let new = prepare(&state, &who.0, &body).await?;
    let (id, _) = store_case(&state, &new).await?;
    Ok((
        StatusCode::CREATED,
        Json(vec![RequestCreated {
            service_request_id: id.to_string(),
            service_notice: format!("grid {}", new.grid_code),
            account_id: None,
        }]),
    )
        .into_response())
}

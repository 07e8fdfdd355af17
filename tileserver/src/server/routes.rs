//! The routes, the API document generated from them, and the innermost
//! service of the pipeline: tile requests go straight to the tile
//! handler (routing, path extraction into strings and per-route layers
//! were a measurable part of a cached tile at one connection), everything
//! else through the router, whose route layer authorises each route by
//! the roles its document entry names.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_service::Service;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::pipeline::Caller;
use super::pipeline::authorize::authorize;
use super::tile_request::TilePath;
use super::{ApiError, AppState, api, glyphs, meta, style, tiles};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wangge",
        description = "Governance grids (网格) of counties: vector tiles, plans, grids, locate, GeoJSON export, accounts and the audit log. Each operation's security requirement lists the roles that may call it (OpenAPI 3.1 role names); operations without one are public.",
        license(name = "MIT OR Apache-2.0"),
    ),
    modifiers(&Security),
    // The tile route is documented here and routed by hand: axum takes one
    // parameter a path segment, so it routes `{file}` where the document
    // says `{y}.mvt` (and the dispatch serves tiles before routing).
    paths(super::tiles::tile_route),
    components(schemas(super::errors::ErrorBody)),
    tags(
        (name = "tiles", description = "Vector tiles, TileJSON, style and glyphs"),
        (name = "plans", description = "Counties, plans and partitions"),
        (name = "grids", description = "Grids and their figures"),
        (name = "workers", description = "Grid workers, their GPS fixes, patrols and replay"),
        (name = "cases", description = "Cases (民情工单): reporting, the closed loop, lists, KPIs"),
        (name = "open311", description = "Open311 GeoReport v2 (JSON): services are the case categories, requests are cases"),
        (name = "export", description = "GeoJSON for GIS tools"),
        (name = "accounts", description = "Signing in, users, tokens, audit"),
        (name = "server", description = "Health, metrics, this document"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A token from `wangge tokens issue` (wg_…)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "wangge_session",
                "A browser session from POST /api/session; writes also need X-CSRF-Token",
            ))),
        );
    }
}

/// Every route with its document entry.
fn documented() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(meta::healthz))
        .routes(routes!(meta::metrics_text))
        .routes(routes!(meta::openapi))
        .routes(routes!(tiles::catalog))
        .routes(routes!(style::style))
        .routes(routes!(glyphs::glyph_range))
        .routes(routes!(tiles::tilejson))
        .merge(api::routes())
}

/// The API document, as JSON (generated from the routes' types).
pub fn openapi_document() -> serde_json::Value {
    let (_, doc) = documented().split_for_parts();
    let mut v = serde_json::to_value(&doc).unwrap_or_default();
    v["info"]["version"] = env!("CARGO_PKG_VERSION").into();
    v
}

/// Checks the caller against the roles the matched route admits, and
/// hands the handler its principal.
async fn authorize_route(
    State(state): State<Arc<AppState>>,
    mut req: Request,
    next: Next,
) -> Response {
    let template = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    let roles = state.authz.roles(req.method(), &template);
    let principal = match authorize(req.extensions().get::<Caller>(), &roles) {
        Ok(p) => p.cloned(),
        Err(e) => return e.into_response(),
    };
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::MethodNotAllowed(format!(
        "{} is not allowed on {}; see /openapi.json",
        req.method(),
        req.uri().path().chars().take(80).collect::<String>()
    ))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such endpoint; see /openapi.json".into())
}

/// The router of everything but tiles served by the dispatch.
pub fn router(state: Arc<AppState>) -> Router {
    let (documented, _) = documented().split_for_parts();
    let app = documented
        .route(
            "/tiles/{sources}/{z}/{x}/{file}",
            axum::routing::get(tiles::tile_route),
        )
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            authorize_route,
        ))
        .method_not_allowed_fallback(method_not_allowed);
    let app = match state.web_dir() {
        // The big screen is a page of the same build: `/screen` (its query
        // fixes scope, measure and tour; its token rides in the fragment,
        // which no request carries).
        Some(dir) => app
            .route_service(
                "/screen",
                tower_http::services::ServeFile::new(dir.join("screen.html")),
            )
            .fallback_service(
                tower_http::services::ServeDir::new(dir)
                    .fallback(axum::routing::any(not_found).with_state(())),
            ),
        None => app.fallback(not_found),
    };
    app.with_state(state)
}

/// The innermost service: GET and HEAD on a tile path to the tile
/// handler, the rest to the router.
#[derive(Clone)]
pub struct Dispatch {
    state: Arc<AppState>,
    router: Router,
}

impl Dispatch {
    pub fn new(state: Arc<AppState>) -> Self {
        Self {
            router: router(state.clone()),
            state,
        }
    }
}

impl Service<Request> for Dispatch {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let tile = matches!(*req.method(), Method::GET | Method::HEAD)
            && TilePath::split(req.uri().path()).is_some();
        if tile {
            let state = self.state.clone();
            Box::pin(async move { Ok(tiles::tile(state, req).await) })
        } else {
            Box::pin(Service::call(&mut self.router, req))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_documented_with_its_roles() {
        let doc = openapi_document();
        assert_eq!(doc["openapi"], "3.1.0");
        for path in [
            "/healthz",
            "/metrics",
            "/openapi.json",
            "/catalog",
            "/style.json",
            "/fonts/{stack}/{file}",
            "/tiles/{file}",
            "/tiles/{sources}/{z}/{x}/{y}.mvt",
            "/api/counties",
            "/api/plans",
            "/api/plans/{plan}",
            "/api/plans/{plan}/activate",
            "/api/plans/{plan}/grids",
            "/api/plans/{plan}/export.geojson",
            "/api/plans/{plan}/export",
            "/api/grids/{code}",
            "/api/locate",
            "/api/compare",
            "/api/partitions",
            "/api/partitions/{job}",
            "/api/session",
            "/api/users",
            "/api/users/{name}",
            "/api/tokens",
            "/api/tokens/{id}",
            "/api/audit",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} is not described");
        }
        // The table the server authorises by reads; every write names roles.
        let t = super::super::pipeline::authorize::AuthzTable::from_openapi(&doc).unwrap();
        assert!(t.len() >= 28);
        let w = t
            .roles(&Method::POST, "/api/plans/{plan}/activate")
            .unwrap();
        assert!(!w.contains(&crate::auth::Role::Viewer));
        assert!(t.roles(&Method::GET, "/healthz").is_none());
        // Operation ids are unique (generated clients name functions by them).
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (m, op) in item.as_object().unwrap() {
                let id = op["operationId"].as_str().unwrap_or_default().to_string();
                assert!(
                    ids.insert(id.clone()),
                    "{m} {path}: operationId {id:?} repeats"
                );
            }
        }
    }
}

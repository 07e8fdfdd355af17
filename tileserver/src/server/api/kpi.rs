//! `GET /api/kpi/patrol`: patrol KPIs per grid over a period — coverage of
//! the grid's buildings by its workers' tracks, patrol hours and distance,
//! visits, workers online — as JSON, CSV or GeoJSON.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use geo::InteriorPoint;
use ops::kpi::patrol::{self, GridInput, PatrolKpiParams, WorkerTracks};
use ops::positions::UnixMs;
use ops::roster::WorkerId;
use ops::tracks::{SegmentParams, Segmented, segment};
use serde::Deserialize;
use utoipa::IntoParams;

use super::Who;
use super::positions::{PeriodParams, period};
use crate::server::errors::{ErrorBody, clip};
use crate::server::params::Params;
use crate::server::{ApiError, AppState};
use crate::source::Shape;
use crate::source::{BuildAt, Built, SourceKind};
use crate::store::GridLevel;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KpiParams {
    /// County code (6 digits); default: the caller's county, else the store's first.
    pub county: Option<String>,
    /// Start, RFC 3339 or Unix seconds; default: local midnight today.
    pub from: Option<String>,
    /// End (excluded); default: now.
    pub to: Option<String>,
    /// `json` (default), `csv` or `geojson`.
    pub format: Option<String>,
    /// Grids whose coverage is below this (0–1, default 0.5) are listed.
    pub min_coverage: Option<f64>,
}

#[utoipa::path(get, path = "/api/kpi/patrol", operation_id = "patrol_kpis", tag = "workers",
    summary = "Patrol KPIs per grid over a period: coverage of buildings within 30 m of the grid's workers' tracks, hours, distance, visits, workers online",
    params(KpiParams),
    responses((status = 200, description = "JSON, CSV or GeoJSON", body = Object), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "screen", "dispatcher"])))]
pub(super) async fn patrol_kpis(
    State(state): State<Arc<AppState>>,
    who: Who,
    Params(p): Params<KpiParams>,
) -> Result<Response, ApiError> {
    let format = p.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "geojson") {
        return Err(ApiError::BadRequest(format!(
            "format {:?} is none of json, csv, geojson",
            clip(format)
        )));
    }
    let min_coverage = p.min_coverage.unwrap_or(0.5);
    if !(0.0..=1.0).contains(&min_coverage) {
        return Err(ApiError::BadRequest("min_coverage is a share, 0–1".into()));
    }
    let scope = &who.0.scope;
    let county = state.plans.county(p.county.as_deref(), scope)?;
    let (from, to) = period(&PeriodParams {
        from: p.from.clone(),
        to: p.to.clone(),
    })?;
    let cs = county.to_string();
    let plan = state.plans.resolve(Some("active"), Some(&cs), scope)?;
    let set = super::grid_set(&state, &plan, GridLevel::Grid).await?;
    let buildings = match &*state
        .registry
        .get_kind(
            &state.store,
            SourceKind::Buildings,
            BuildAt::new(county, None),
        )
        .await?
    {
        Built::Features(f) => Some(f.clone()),
        _ => None,
    };
    let roster: Vec<ops::roster::Worker> = state
        .store
        .workers(Some(county))
        .await?
        .into_iter()
        .map(|w| w.worker)
        .collect();
    let fixes = state.store.county_fixes(county, from, to).await?;
    let timeout = state.config.online_timeout.as_millis() as i64;
    let now = UnixMs::now();
    let online: HashSet<WorkerId> = state
        .store
        .latest_fixes(Some(county))
        .await?
        .into_iter()
        .filter(|f| now.0 - f.time.0 <= timeout)
        .map(|f| f.worker)
        .collect();
    let scope = scope.clone();
    let grids_of_plan = set.clone();
    let kpis = tokio::task::spawn_blocking(move || {
        // Buildings to the grid holding their interior point.
        let mut per_grid: Vec<Vec<geo_types::MultiPolygon<f64>>> =
            vec![Vec::new(); set.grids.len()];
        if let Some(bs) = &buildings {
            for f in bs.features() {
                let Shape::Area(mp) = &f.shape else { continue };
                if let Some(i) = mp.interior_point().and_then(|p| set.source.locate(p.0)) {
                    per_grid[i].push(mp.clone());
                }
            }
        }
        let grids: Vec<GridInput> = set
            .grids
            .iter()
            .zip(per_grid)
            .filter(|(g, _)| scope.allows_code(&g.code))
            .map(|(g, b)| GridInput {
                code: g.code.clone(),
                area: g.geometry.clone(),
                buildings: b,
            })
            .collect();
        let mut by_worker: HashMap<WorkerId, Vec<ops::positions::Fix>> = HashMap::new();
        for f in fixes {
            by_worker.entry(f.worker.clone()).or_default().push(f);
        }
        let params = SegmentParams::default();
        let segmented: Vec<(WorkerId, Segmented)> = by_worker
            .into_iter()
            .map(|(w, f)| {
                let s = segment(&f, &params);
                (w, s)
            })
            .collect();
        let tracks: Vec<WorkerTracks<'_>> = segmented
            .iter()
            .map(|(w, s)| WorkerTracks {
                worker: w,
                patrols: &s.patrols,
                visits: &s.visits,
            })
            .collect();
        patrol::patrol_kpis(
            &grids,
            &roster,
            &tracks,
            &online,
            &PatrolKpiParams {
                min_coverage,
                ..PatrolKpiParams::default()
            },
        )
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let name = format!(
        "patrol-kpis-{county}-{}",
        from.rfc3339().get(..10).unwrap_or("")
    );
    Ok(match format {
        "csv" => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}.csv\""),
                ),
            ],
            patrol::to_csv(&kpis),
        )
            .into_response(),
        "geojson" => {
            let by_code: HashMap<&str, &patrol::GridPatrolKpi> =
                kpis.grids.iter().map(|k| (k.grid.as_str(), k)).collect();
            let features: Vec<serde_json::Value> = grids_of_plan
                .grids
                .iter()
                .filter_map(|g| {
                    let k = by_code.get(g.code.as_str())?;
                    let geometry = geojson::Geometry::from(&g.geometry);
                    let mut props = serde_json::to_value(k).ok()?;
                    props["name"] = serde_json::Value::String(g.name.clone());
                    Some(serde_json::json!({"type": "Feature", "geometry": geometry, "properties": props}))
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, "application/geo+json".to_string()),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}.geojson\""),
                    ),
                ],
                serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
            )
                .into_response()
        }
        _ => axum::Json(serde_json::json!({
            "county": cs,
            "plan": plan.id.0,
            "from": from.rfc3339(),
            "to": to.rfc3339(),
            "grids": kpis.grids,
            "below": kpis.below,
            "min_coverage": kpis.min_coverage,
        }))
        .into_response(),
    })
}

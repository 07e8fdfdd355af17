//! `/style.json`: a MapLibre style that draws the county's own layers as
//! an offline basemap under the plan's grids. Every URL in it points back
//! at this server.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::api::Who;
use super::errors::ErrorBody;
use super::glyphs::FONT_STACK;
use super::params::parse_query;
use super::tiles::{TileQuery, base_url};
use super::{ApiError, AppState};
use crate::gis::cartography::{
    BACKGROUND, BLOCK_LINE, BUILDING, BUILDING_OUTLINE, GRID_LABEL, LANDUSE, LANDUSE_OPACITY,
    LANDUSE_OTHER, RAILWAY, ROAD_CASING, ROAD_LABEL, ROADS, TOWN_LABEL, TOWN_LINE, VILLAGE_LINE,
    WATER, road_classes,
};
use crate::gis::palette::{Shade, palette, stops};
use crate::source::{BuildAt, SourceKind};
use partition::grids::Band;

/// The basemap: imported layers, one request per tile for all of them.
pub const BASEMAP: &str = "landuse,water,roads,buildings,admin";

/// Grids by households under the common band (300–500), as the planner
/// colours them until it has read the plan's own band.
fn grid_fill() -> Value {
    let p = palette();
    let s = stops(Shade::Households, &Band::HOUSEHOLDS);
    let mut ramp = vec![
        json!("interpolate"),
        json!(["linear"]),
        json!(["get", "households"]),
    ];
    for (stop, colour) in s.iter().zip(&p.ramp) {
        ramp.extend([json!(stop), json!(colour)]);
    }
    json!(["case", ["!=", ["get", "dedicated"], ""], p.dedicated, ramp])
}

fn font() -> Value {
    json!([FONT_STACK])
}

/// The style for the server at `base` (`http://host:port`); `query` is
/// what every tile URL carries (`?county=…`, and `&plan=…` when pinned).
pub fn style_doc(base: &str, query: &str) -> Value {
    let plan_q = query;
    let mut landuse: Vec<Value> = vec![json!("match"), json!(["get", "class"])];
    for (class, colour) in LANDUSE {
        landuse.extend([json!(class), json!(colour)]);
    }
    landuse.push(json!(LANDUSE_OTHER));
    let mut layers = vec![
        json!({"id": "background", "type": "background", "paint": {"background-color": BACKGROUND}}),
        json!({"id": "landuse", "type": "fill", "source": "basemap", "source-layer": "landuse",
            "paint": {"fill-color": landuse, "fill-opacity": LANDUSE_OPACITY}}),
        json!({"id": "water", "type": "fill", "source": "basemap", "source-layer": "water",
            "filter": ["==", ["geometry-type"], "Polygon"], "paint": {"fill-color": WATER}}),
        json!({"id": "waterway", "type": "line", "source": "basemap", "source-layer": "water",
            "filter": ["==", ["geometry-type"], "LineString"],
            "paint": {"line-color": WATER, "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1, 16, 4]}}),
        json!({"id": "buildings", "type": "fill", "source": "basemap", "source-layer": "buildings", "minzoom": 14,
            "paint": {"fill-color": BUILDING, "fill-outline-color": BUILDING_OUTLINE}}),
        json!({"id": "railway", "type": "line", "source": "basemap", "source-layer": "roads",
            "filter": ["==", ["get", "class"], "rail"],
            "paint": {"line-color": RAILWAY, "line-width": 1.5, "line-dasharray": [3, 2]}}),
    ];
    for (class, colour, w12, w16, minzoom) in ROADS.iter().rev() {
        let filter = match road_classes(class) {
            [one] => json!(["==", ["get", "class"], one]),
            many => json!(["in", ["get", "class"], ["literal", many]]),
        };
        layers.push(json!({"id": format!("road-{class}-casing"), "type": "line", "source": "basemap",
            "source-layer": "roads", "minzoom": minzoom, "filter": filter,
            "layout": {"line-join": "round", "line-cap": "round"},
            "paint": {"line-color": ROAD_CASING, "line-width": ["interpolate", ["exponential", 1.5], ["zoom"], 12, w12 + 1.0, 16, w16 + 2.0]}}));
        layers.push(json!({"id": format!("road-{class}"), "type": "line", "source": "basemap",
            "source-layer": "roads", "minzoom": minzoom, "filter": filter,
            "layout": {"line-join": "round", "line-cap": "round"},
            "paint": {"line-color": colour, "line-width": ["interpolate", ["exponential", 1.5], ["zoom"], 12, w12, 16, w16]}}));
    }
    layers.extend([
        json!({"id": "blocks-line", "type": "line", "source": "blocks", "source-layer": "blocks",
            "layout": {"visibility": "none"},
            "paint": {"line-color": BLOCK_LINE, "line-width": 0.6, "line-dasharray": [2, 2]}}),
        json!({"id": "grids-fill", "type": "fill", "source": "plan", "source-layer": "grids",
            "paint": {
                "fill-color": grid_fill(),
                "fill-opacity": ["case", ["boolean", ["feature-state", "hover"], false], 0.75, palette().fill_opacity]}}),
        json!({"id": "grids-line", "type": "line", "source": "plan", "source-layer": "grids",
            "paint": {"line-color": palette().grid_line, "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.5, 16, 2.5]}}),
        json!({"id": "admin-village", "type": "line", "source": "basemap", "source-layer": "admin",
            "filter": ["==", ["get", "level"], "village"],
            "paint": {"line-color": VILLAGE_LINE, "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.8, 16, 2.5],
                "line-dasharray": [4, 2]}}),
        json!({"id": "admin-town", "type": "line", "source": "basemap", "source-layer": "admin",
            "filter": ["==", ["get", "level"], "town"],
            "paint": {"line-color": TOWN_LINE, "line-width": ["interpolate", ["linear"], ["zoom"], 8, 1.5, 16, 4]}}),
        json!({"id": "road-label", "type": "symbol", "source": "basemap", "source-layer": "roads", "minzoom": 14,
            "filter": ["!=", ["get", "name"], ""],
            "layout": {"symbol-placement": "line", "text-field": ["get", "name"], "text-font": font(), "text-size": 11},
            "paint": {"text-color": ROAD_LABEL, "text-halo-color": "#ffffff", "text-halo-width": 1.2}}),
        json!({"id": "grids-label", "type": "symbol", "source": "plan", "source-layer": "grids_label", "minzoom": 14,
            "layout": {"text-field": ["format", ["get", "name"], {}, "\n", {}, ["get", "code"], {"font-scale": 0.8},
                    "\n", {}, ["concat", ["to-string", ["get", "households"]], " 户"], {"font-scale": 0.8}],
                "text-font": font(), "text-size": 12},
            "paint": {"text-color": GRID_LABEL, "text-halo-color": "#ffffff", "text-halo-width": 1.5}}),
        json!({"id": "village-label", "type": "symbol", "source": "basemap", "source-layer": "admin_label",
            "minzoom": 12, "maxzoom": 14, "filter": ["==", ["get", "level"], "village"],
            "layout": {"text-field": ["get", "name"], "text-font": font(), "text-size": 12},
            "paint": {"text-color": TOWN_LINE, "text-halo-color": "#ffffff", "text-halo-width": 1.5}}),
        json!({"id": "town-label", "type": "symbol", "source": "basemap", "source-layer": "admin_label",
            "maxzoom": 12, "filter": ["==", ["get", "level"], "town"],
            "layout": {"text-field": ["get", "name"], "text-font": font(), "text-size": 14},
            "paint": {"text-color": TOWN_LABEL, "text-halo-color": "#ffffff", "text-halo-width": 2}}),
    ]);
    json!({
        "version": 8,
        "name": "wangge",
        "metadata": {"wangge:plan": plan_q},
        "glyphs": format!("{base}/fonts/{{fontstack}}/{{range}}.pbf"),
        "sources": {
            "basemap": {"type": "vector", "tiles": [format!("{base}/tiles/{BASEMAP}/{{z}}/{{x}}/{{y}}.mvt{}", county_only(query))],
                "maxzoom": 18, "attribution": "© OpenStreetMap contributors"},
            "plan": {"type": "vector", "tiles": [format!("{base}/tiles/grids/{{z}}/{{x}}/{{y}}.mvt{plan_q}")],
                "maxzoom": 18},
            "blocks": {"type": "vector", "tiles": [format!("{base}/tiles/blocks/{{z}}/{{x}}/{{y}}.mvt{plan_q}")],
                "maxzoom": 18},
        },
        "layers": layers,
    })
}

/// The county part of a tile query (`?county=…&plan=…` → `?county=…`).
fn county_only(query: &str) -> &str {
    match query.find('&') {
        Some(i) => &query[..i],
        None => query,
    }
}

#[utoipa::path(get, path = "/style.json", tag = "tiles",
    summary = "MapLibre style: offline basemap from the county's layers plus the plan's grids",
    params(TileQuery),
    responses((status = 200, description = "MapLibre style v8", content_type = "application/json", body = Object),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)),
    security(("bearer" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"]), ("session" = ["viewer", "planner", "admin", "worker", "screen", "dispatcher"])))]
pub(crate) async fn style(
    State(state): State<Arc<AppState>>,
    who: Who,
    req: Request,
) -> Result<Response, ApiError> {
    let (parts, _) = req.into_parts();
    let q: TileQuery = parse_query(parts.uri.query())?;
    let scope = &who.0.scope;
    let (county, query, active) = match q.plan.as_deref() {
        Some(sel) if sel != "active" => {
            let p = state.plans.resolve(Some(sel), q.county.as_deref(), scope)?;
            (
                p.county,
                format!("?county={}&plan={}", p.county, p.id),
                Some(p.id),
            )
        }
        _ => {
            let c = state.plans.county(q.county.as_deref(), scope)?;
            (c, format!("?county={c}"), state.plans.snapshot().active(c))
        }
    };
    let base = base_url(&state, &parts.headers, parts.extensions.get());
    let mut doc = style_doc(&base, &query);
    doc["metadata"]["wangge:county"] = county.to_string().into();
    if let Some(p) = active {
        doc["metadata"]["wangge:active_plan"] = p.0.into();
    }
    // Centre on the county.
    if let Ok(b) = state
        .registry
        .get_kind(&state.store, SourceKind::Admin, BuildAt::new(county, None))
        .await
        && let Some(bb) = b.tiles().bounds()
    {
        doc["center"] = json!([(bb[0] + bb[2]) / 2.0, (bb[1] + bb[3]) / 2.0]);
        doc["zoom"] = 12.into();
    }
    Ok(axum::Json(doc).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_style_names_no_remote_url() {
        let doc = style_doc("http://127.0.0.1:8080", "?county=110108").to_string();
        for (i, _) in doc.match_indices("http") {
            assert!(
                doc[i..].starts_with("http://127.0.0.1:8080/"),
                "remote URL at {}",
                &doc[i..(i + 60).min(doc.len())]
            );
        }
        assert!(doc.contains("OpenStreetMap contributors"));
    }
}

//! `/openapi.json`: the HTTP API described as OpenAPI 3.1. Written out by
//! hand (a derive crate would annotate every handler for a dozen routes);
//! a test checks that every route the router serves is described here.

use serde_json::{Value, json};

fn param(name: &str, location: &str, required: bool, description: &str) -> Value {
    json!({"name": name, "in": location, "required": required, "description": description,
        "schema": {"type": "string"}})
}

fn plan_path() -> Value {
    param("plan", "path", true, "Plan id, or `active`")
}

fn plan_query() -> Value {
    param("plan", "query", false, "Plan id (default: the active plan)")
}

fn ok(description: &str, content_type: &str) -> Value {
    json!({
        "200": {"description": description, "content": {content_type: {}}},
        "400": {"$ref": "#/components/responses/Error"},
        "404": {"$ref": "#/components/responses/Error"},
    })
}

fn get(summary: &str, params: Vec<Value>, responses: Value) -> Value {
    json!({"get": {"summary": summary, "parameters": params, "responses": responses}})
}

pub fn document() -> Value {
    let filter = || {
        vec![
            param("town", "query", false, "Town code or name"),
            param("village", "query", false, "Village/community code or name"),
            param("level", "query", false, "`grid` (default) or `cell`"),
        ]
    };
    let mut tile_responses = ok(
        "Mapbox Vector Tile (gzip or br when accepted)",
        "application/vnd.mapbox-vector-tile",
    );
    tile_responses["204"] = json!({"description": "Nothing in this tile"});
    tile_responses["304"] = json!({"description": "Not modified (If-None-Match)"});
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "wangge",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Governance grids (网格) of a county: vector tiles, plans, grids, locate and GeoJSON export.",
            "license": {"name": "MIT OR Apache-2.0"},
        },
        "paths": {
            "/healthz": get("Liveness and the store kind", vec![], ok("Status", "application/json")),
            "/metrics": get("Prometheus metrics", vec![], ok("Prometheus text format 0.0.4", "text/plain")),
            "/openapi.json": get("This document", vec![], ok("OpenAPI 3.1", "application/json")),
            "/catalog": get("Every tile source with its TileJSON URL, features and bounds", vec![], ok("Catalog", "application/json")),
            "/style.json": get("MapLibre style: offline basemap from the county's layers plus the plan's grids",
                vec![plan_query()], ok("MapLibre style v8", "application/json")),
            "/fonts/{fontstack}/{range}.pbf": get("SDF glyphs for map labels, made from a local font",
                vec![param("fontstack", "path", true, "Any name; the server's font is used"),
                     param("range", "path", true, "`0-255`, `256-511`, …")],
                ok("Glyph range protobuf", "application/x-protobuf")),
            "/tiles/{sources}.json": get("TileJSON 3.0 of one source or a comma list",
                vec![param("sources", "path", true, "grids, cells, blocks, admin, buildings, roads, water, landuse (comma-separated)"), plan_query()],
                ok("TileJSON 3.0", "application/json")),
            "/tiles/{sources}/{z}/{x}/{y}.mvt": get("A vector tile of one or more sources",
                vec![param("sources", "path", true, "Comma-separated source ids"),
                     param("z", "path", true, "Zoom 0–22"), param("x", "path", true, "Column"),
                     param("y", "path", true, "Row"), plan_query()],
                tile_responses),
            "/api/plans": get("Plans, newest last", vec![], ok("Plan list", "application/json")),
            "/api/plans/{plan}": get("One plan with its parameters and report", vec![plan_path()], ok("Plan", "application/json")),
            "/api/plans/{plan}/activate": {"post": {"summary": "Make a plan the active one", "parameters": [plan_path()],
                "responses": ok("The plan, now active", "application/json")}},
            "/api/plans/{plan}/grids": get("Grids (or cells) of a plan with their figures and totals",
                [vec![plan_path()], filter()].concat(), ok("Grid list", "application/json")),
            "/api/plans/{plan}/export.geojson": get("RFC 7946 GeoJSON of a plan's grids, streamed",
                [vec![plan_path(), param("codes", "query", false, "Comma-separated grid codes")], filter()].concat(),
                ok("GeoJSON FeatureCollection", "application/geo+json")),
            "/api/grids/{code}": get("One grid or cell with its figures and neighbours",
                vec![param("code", "path", true, "Grid code (15 digits) or cell code"), plan_query()],
                ok("Grid", "application/json")),
            "/api/compare": get("What changed from plan a to plan b: grids whose boundary or households differ, added and removed codes, households whose building is in a grid of another code",
                vec![param("a", "query", true, "Plan id or `active`"), param("b", "query", true, "Plan id or `active`")],
                ok("Comparison", "application/json")),
            "/api/partitions": {"post": {"summary": "Start a partition into a new plan (one at a time); 202 with the job",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "required": ["band"],
                    "properties": {"band": {"type": "string", "example": "residents:1000-2000"}, "rural_band": {"type": "string"},
                        "cells": {"type": "string", "example": "households:30-50"}, "name": {"type": "string"},
                        "from": {"type": "string", "description": "plan to keep stable against"},
                        "min_road_class": {"type": "string"}, "activate": {"type": "boolean", "default": true}}}}}},
                "responses": {"202": {"description": "The job"}, "400": {"$ref": "#/components/responses/Error"},
                    "409": {"$ref": "#/components/responses/Error"}}}},
            "/api/partitions/{job}": get("A partition job: running (with its stage), done (with the plan) or failed (with the error)",
                vec![param("job", "path", true, "Job id")], ok("Job", "application/json")),
            "/api/locate": get("Town, village and grid at a point",
                vec![param("lon", "query", true, "Longitude (WGS84)"), param("lat", "query", true, "Latitude (WGS84)"), plan_query()],
                ok("Where the point is", "application/json")),
        },
        "components": {"responses": {"Error": {"description": "What was wrong with the request",
            "content": {"application/json": {"schema": {"type": "object",
                "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}}}}}}},
    })
}

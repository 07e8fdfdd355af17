//! `wangge serve` over real HTTP on both stores: the same sample data is
//! imported and partitioned into a GeoPackage and into a private PostGIS,
//! and the same checks run against each — tiles (decoded geometry inside
//! the buffer, neighbours' boundaries coincide at z10–z16, ≤ 500 KB),
//! caching headers, TileJSON/catalog/style/glyphs, the REST API, GeoJSON
//! export, bad requests — then the two servers' tiles are compared.

mod common;
use common::http::{accepted, get, request, serve, tile_of, token};
use common::postgis::PgCluster;
use common::*;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::time::{Duration, Instant};

use geo::{BooleanOps, Distance, Euclidean};
use geo_types::{Coord, LineString, MultiPolygon, Point};
use geozero::ToGeo;
use geozero::mvt::{Message, Tile};

const EXTRACT: &str = "cn_beijing_haidian_qinghuayuan_2017.osm.pbf";

/// Imports Qinghuayuan into `store` and makes two plans: plan 1 active
/// (residents 1,000–2,000, with unit cells), plan 2 by households, not
/// active.
fn prepare(store: &[&str]) {
    let pbf = data(&format!("osm/{EXTRACT}"));
    let census = data("census/county_2020.csv");
    let mut args = vec!["import"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[
        p(&pbf),
        "--census",
        p(&census),
        "--county",
        "110108",
        "--population-total",
        "44166",
    ]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let mut args = vec!["partition"];
    args.extend_from_slice(store);
    args.push("--cells");
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let mut args = vec!["partition"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[
        "--band",
        "households:300-500",
        "--no-activate",
        "--name",
        "by households",
    ]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
}

/// The plan's grids as exported, for the outline and the figures.
fn exported(store: &[&str], dir: &std::path::Path) -> geojson::FeatureCollection {
    let out = dir.join("grids.geojson");
    let mut args = vec!["export"];
    args.extend_from_slice(store);
    args.extend_from_slice(&["-o", p(&out)]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(&out).unwrap();
    text.parse::<geojson::GeoJson>()
        .ok()
        .and_then(|g| geojson::FeatureCollection::try_from(g).ok())
        .expect("a FeatureCollection")
}

fn to_mp(f: &geojson::Feature) -> MultiPolygon<f64> {
    let g: geo_types::Geometry<f64> = f.geometry.clone().unwrap().try_into().unwrap();
    match g {
        geo_types::Geometry::MultiPolygon(mp) => mp,
        geo_types::Geometry::Polygon(p) => MultiPolygon(vec![p]),
        other => panic!("not a polygon: {other:?}"),
    }
}

/// A decoded feature: id, properties, and its rings in tile units.
type Decoded = (u64, BTreeMap<String, String>, Vec<Vec<(i64, i64)>>);

fn decode(body: &[u8]) -> BTreeMap<String, Vec<Decoded>> {
    let tile = Tile::decode(body).expect("an MVT");
    let mut out = BTreeMap::new();
    for layer in tile.layers {
        assert_eq!(layer.extent, Some(4096));
        let feats = layer
            .features
            .iter()
            .map(|f| {
                let mut props = BTreeMap::new();
                for kv in f.tags.chunks(2) {
                    let v = &layer.values[kv[1] as usize];
                    props.insert(layer.keys[kv[0] as usize].clone(), format!("{v:?}"));
                }
                let rings: Vec<Vec<(i64, i64)>> = match f.to_geo().expect("geometry decodes") {
                    geo_types::Geometry::Polygon(p) => std::iter::once(p.exterior().clone())
                        .chain(p.interiors().iter().cloned())
                        .map(|r| r.0.iter().map(|c| (c.x as i64, c.y as i64)).collect())
                        .collect(),
                    geo_types::Geometry::MultiPolygon(mp) => {
                        mp.0.iter()
                            .flat_map(|p| {
                                std::iter::once(p.exterior().clone())
                                    .chain(p.interiors().iter().cloned())
                            })
                            .map(|r| r.0.iter().map(|c| (c.x as i64, c.y as i64)).collect())
                            .collect()
                    }
                    geo_types::Geometry::LineString(l) => {
                        vec![l.0.iter().map(|c| (c.x as i64, c.y as i64)).collect()]
                    }
                    geo_types::Geometry::MultiLineString(ml) => {
                        ml.0.iter()
                            .map(|l| l.0.iter().map(|c| (c.x as i64, c.y as i64)).collect())
                            .collect()
                    }
                    geo_types::Geometry::Point(p) => vec![vec![(p.x() as i64, p.y() as i64)]],
                    other => panic!("unexpected geometry {other:?}"),
                };
                (f.id.expect("integer feature ids"), props, rings)
            })
            .collect();
        out.insert(layer.name.clone(), feats);
    }
    out
}

/// A directed edge between two tile-unit points.
type Edge = ((i64, i64), (i64, i64));

/// lon/lat → tile units of tile (z, x, y).
fn to_tile(c: Coord<f64>, z: u32, x: u32, y: u32) -> Coord<f64> {
    let n = f64::from(1u32 << z);
    let px = (c.x + 180.0) / 360.0 * n;
    let r = c.y.to_radians();
    let py = (1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n;
    Coord {
        x: (px - f64::from(x)) * 4096.0,
        y: (py - f64::from(y)) * 4096.0,
    }
}

/// The tiles at zoom z covering the grids' bounds.
fn covering(b: [f64; 4], z: u32) -> Vec<(u32, u32)> {
    let (x0, y0) = tile_of(b[0], b[3], z);
    let (x1, y1) = tile_of(b[2], b[1], z);
    (x0..=x1)
        .flat_map(|x| (y0..=y1).map(move |y| (x, y)))
        .collect()
}

/// Checks the tiles of one zoom; returns them decoded by path.
fn check_grid_tiles(
    port: u16,
    z: u32,
    outline: &[LineString<f64>],
    bounds: [f64; 4],
    out: &mut BTreeMap<String, BTreeMap<String, Vec<Decoded>>>,
) {
    let mut shared_edges = 0;
    for (x, y) in covering(bounds, z) {
        let path = format!("/tiles/grids/{z}/{x}/{y}.mvt");
        let r = get(port, &path);
        if r.status == 204 {
            continue;
        }
        assert_eq!(r.status, 200, "{path}");
        assert!(r.body.len() <= 500 * 1024, "{path}: {} bytes", r.body.len());
        let decoded = decode(&r.body);
        let grids = &decoded["grids"];
        // Decoded geometry stays inside the tile plus its 64-unit buffer.
        for (id, _, rings) in grids {
            for ring in rings {
                for &(px, py) in ring {
                    assert!(
                        (-64..=4160).contains(&px) && (-64..=4160).contains(&py),
                        "{path}: feature {id} at ({px}, {py}) is outside the buffer"
                    );
                }
            }
        }
        // Every edge away from the clip window is walked backwards by a
        // neighbour, or lies on the plan's outer boundary: no gap, no overlap.
        let mut owner: HashMap<Edge, u64> = HashMap::new();
        for (id, _, rings) in grids {
            for ring in rings {
                for w in ring.windows(2) {
                    owner.insert((w[0], w[1]), *id);
                }
            }
        }
        let on_window = |p: (i64, i64)| p.0 <= -60 || p.0 >= 4156 || p.1 <= -60 || p.1 >= 4156;
        let outline_px: Vec<LineString<f64>> = outline
            .iter()
            .map(|l| LineString::from(l.0.iter().map(|&c| to_tile(c, z, x, y)).collect::<Vec<_>>()))
            .collect();
        for (&(a, b), id) in &owner {
            if on_window(a) || on_window(b) {
                continue;
            }
            match owner.get(&(b, a)) {
                Some(other) => {
                    assert_ne!(other, id, "{path}: a feature walks its own edge back");
                    shared_edges += 1;
                }
                None => {
                    let mid = Point::new((a.0 + b.0) as f64 / 2.0, (a.1 + b.1) as f64 / 2.0);
                    let d = outline_px
                        .iter()
                        .map(|l| Euclidean.distance(&mid, l))
                        .fold(f64::INFINITY, f64::min);
                    // One pixel of simplification (16 units) plus snapping.
                    assert!(
                        d <= 20.0,
                        "{path}: edge {a:?}-{b:?} of grid {id} has no neighbour and is {d:.1} units from the plan's outline (a gap or overlap)"
                    );
                }
            }
        }
        out.insert(path, decoded);
    }
    assert!(shared_edges > 0, "zoom {z}: shared edges seen");
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    flate2::read::GzDecoder::new(b).read_to_end(&mut v).unwrap();
    v
}

fn unbrotli(b: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    brotli::Decompressor::new(b, 4096)
        .read_to_end(&mut v)
        .unwrap();
    v
}

/// Every check of one running server; returns the grid tiles decoded.
fn suite(
    port: u16,
    store: &[&str],
    dir: &std::path::Path,
) -> BTreeMap<String, BTreeMap<String, Vec<Decoded>>> {
    let fc = exported(store, dir);
    let polys: Vec<MultiPolygon<f64>> = fc.features.iter().map(to_mp).collect();
    let union = polys
        .iter()
        .skip(1)
        .fold(polys[0].clone(), |acc, p| acc.union(p));
    let outline: Vec<LineString<f64>> = union
        .0
        .iter()
        .flat_map(|p| std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned()))
        .collect();
    let mut b = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    for l in &outline {
        for c in &l.0 {
            b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
        }
    }

    // Health, counties, catalog, OpenAPI.
    let h = get(port, "/healthz").json();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["counties"], 1);
    let counties = get(port, "/api/counties").json();
    assert_eq!(counties["counties"][0]["code"], "110108");
    assert_eq!(counties["counties"][0]["active_plan"], 1);
    let cat = get(port, "/catalog").json();
    let ids: Vec<&str> = cat["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "grids",
            "cells",
            "blocks",
            "admin",
            "buildings",
            "roads",
            "water",
            "landuse",
            "positions",
            "tracks",
            "visits",
            "cases",
            "hotspots"
        ]
    );
    // The workers' sources take a window and a worker, and list no figures
    // (they are built per window and expire in seconds).
    let tracks = &cat["sources"][9];
    assert_eq!(
        tracks["params"],
        serde_json::json!(["from", "to", "worker"])
    );
    assert_eq!(tracks["cache_max_age"], 15);
    assert!(tracks["features"].is_null());
    let grids_entry = &cat["sources"][0];
    assert_eq!(
        grids_entry["features"].as_u64().unwrap() as usize,
        fc.features.len()
    );
    let buildings = cat["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "buildings")
        .unwrap();
    assert_eq!(buildings["features"], 521, "Qinghuayuan's 521 buildings");
    assert_eq!(buildings["minzoom"], 14);
    let api = get(port, "/openapi.json").json();
    assert_eq!(api["openapi"], "3.1.0");

    // Grid tiles at z10–z16: inside the buffer, neighbours joined, ≤ 500 KB.
    let mut tiles = BTreeMap::new();
    for z in [10, 12, 14, 16] {
        check_grid_tiles(port, z, &outline, b, &mut tiles);
    }

    // The basemap in one request; buildings only from z14.
    let bb: Vec<f64> = buildings["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (cx, cy) = ((bb[0] + bb[2]) / 2.0, (bb[1] + bb[3]) / 2.0);
    let (x, y) = tile_of(cx, cy, 15);
    let r = get(
        port,
        &format!("/tiles/landuse,water,roads,buildings,admin/15/{x}/{y}.mvt"),
    );
    assert_eq!(r.status, 200);
    let d = decode(&r.body);
    for layer in ["roads", "buildings", "admin"] {
        assert!(
            d.contains_key(layer),
            "z15 basemap has {layer}: {:?}",
            d.keys()
        );
    }
    let (x13, y13) = tile_of(cx, cy, 13);
    let r = get(port, &format!("/tiles/buildings/13/{x13}/{y13}.mvt"));
    assert_eq!(r.status, 204, "no buildings below z14");
    let r = get(port, &format!("/tiles/roads/13/{x13}/{y13}.mvt"));
    assert_eq!(r.status, 200);
    tiles.insert(
        format!("/tiles/landuse,water,roads,buildings,admin/15/{x}/{y}.mvt"),
        d,
    );

    // Caching: compressed once, ETag + 304, Vary, Cache-Control.
    let path = format!("/tiles/grids/15/{x}/{y}.mvt");
    let plain = get(port, &path);
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), "");
    assert_eq!(plain.header("vary"), "Accept-Encoding");
    assert_eq!(plain.header("cache-control"), "public, max-age=60");
    let etag = plain.header("etag").to_string();
    assert!(etag.starts_with("W/\""), "{etag}");
    let gz = request(port, "GET", &path, &[("Accept-Encoding", "gzip")]);
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gunzip(&gz.body), plain.body);
    assert_eq!(gz.header("x-tile-cache"), "hit");
    let br = request(
        port,
        "GET",
        &path,
        &[("Accept-Encoding", "gzip, deflate, br, zstd")],
    );
    assert_eq!(br.header("content-encoding"), "br");
    assert_eq!(unbrotli(&br.body), plain.body);
    let again = request(port, "GET", &path, &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), etag);
    let r = get(port, &format!("/tiles/roads/15/{x}/{y}.mvt"));
    assert_eq!(r.header("cache-control"), "public, max-age=3600");
    let head = request(port, "HEAD", &path, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), etag);
    assert_eq!(head.header("content-length"), plain.body.len().to_string());
    // A percent-encoded comma is the same source list.
    let enc = get(port, &format!("/tiles/grids%2Croads/15/{x}/{y}.mvt"));
    assert_eq!(
        enc.body,
        get(port, &format!("/tiles/grids,roads/15/{x}/{y}.mvt")).body
    );

    // TileJSON, style, glyphs: every URL on this server.
    let tj = get(port, "/tiles/grids,roads.json").json();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://127.0.0.1/tiles/grids,roads/{z}/{x}/{y}.mvt?county=110108"
    );
    let layer_ids: Vec<&str> = tj["vector_layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(layer_ids, ["grids", "grids_label", "roads"]);
    let style = get(port, "/style.json");
    assert_eq!(style.status, 200);
    let text = style.text();
    for (i, _) in text.match_indices("http") {
        assert!(
            text[i..].starts_with("http://127.0.0.1/"),
            "remote URL in the style: {}",
            &text[i..i + 50]
        );
    }
    let glyphs = get(port, "/fonts/Noto%20Sans%20CJK%20SC%20Regular/0-255.pbf");
    assert_eq!(glyphs.status, 200, "{}", glyphs.text());
    assert!(glyphs.body.len() > 1000);

    // Plans.
    let plans = get(port, "/api/plans").json();
    let list = plans["plans"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["active"], true);
    let plan = get(port, "/api/plans/1").json();
    assert!(plan["report"]["in_band_feasible"].as_f64().unwrap() > 0.9);
    assert_eq!(plan["params"]["band"], "residents:1000-2000");

    // Grids: the list matches the export; one grid has symmetric neighbours.
    let listed = get(port, "/api/plans/active/grids").json();
    assert_eq!(
        listed["count"].as_u64().unwrap() as usize,
        fc.features.len()
    );
    let g0 = &listed["grids"][0];
    let code = g0["code"].as_str().unwrap();
    let one = get(port, &format!("/api/grids/{code}")).json();
    assert_eq!(one["households"], g0["households"]);
    let ns = one["neighbours"].as_array().unwrap();
    assert!(!ns.is_empty());
    let n0 = ns[0]["code"].as_str().unwrap();
    assert!(ns[0]["shared_boundary_m"].as_f64().unwrap() > 1.0);
    let back = get(port, &format!("/api/grids/{n0}")).json();
    assert!(
        back["neighbours"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["code"] == code)
    );
    let exported_props = &fc
        .features
        .iter()
        .find(|f| f.id == Some(geojson::feature::Id::String(code.into())))
        .unwrap()
        .properties;
    assert_eq!(
        exported_props.as_ref().unwrap()["households"],
        one["households"]
    );
    let village = one["village_code"].as_str().unwrap().to_string();
    let in_village = get(port, &format!("/api/plans/1/grids?village={village}")).json();
    assert!(in_village["count"].as_u64().unwrap() >= 1);
    assert!(
        in_village["grids"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["village_code"] == village.as_str())
    );

    // Locate: a point inside that grid.
    let mp = to_mp(
        fc.features
            .iter()
            .find(|f| f.id == Some(geojson::feature::Id::String(code.into())))
            .unwrap(),
    );
    let inside = geo::InteriorPoint::interior_point(&mp).unwrap();
    let at = get(
        port,
        &format!("/api/locate?lon={}&lat={}", inside.x(), inside.y()),
    )
    .json();
    assert_eq!(at["grid"]["code"], code);
    assert_eq!(at["village"]["code"], village.as_str());
    assert!(at["town"]["name"].is_string());

    // Export: streamed GeoJSON of a village and of selected grids.
    let r = get(
        port,
        &format!("/api/plans/1/export.geojson?village={village}"),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/geo+json");
    assert!(r.header("content-disposition").contains("attachment"));
    let gj: serde_json::Value = r.json();
    assert_eq!(
        gj["features"].as_array().unwrap().len() as u64,
        in_village["count"].as_u64().unwrap()
    );
    let r = get(
        port,
        &format!("/api/plans/1/export.geojson?codes={code},{n0}"),
    )
    .json();
    assert_eq!(r["features"].as_array().unwrap().len(), 2);
    assert_eq!(
        r["features"][0]["properties"]["households"],
        one["households"]
    );
    let all = get(port, "/api/plans/1/export.geojson").json();
    assert_eq!(all["features"].as_array().unwrap().len(), fc.features.len());

    // Bad requests: 4xx with a JSON error, never a 5xx (as a planner, who
    // may also look at partition jobs).
    let planner = token(store, "planner", &[]);
    accepted(port, &planner);
    let auth = format!("Bearer {planner}");
    for (path, code_, says) in [
        ("/tiles/grids/40/0/0.mvt", 400, "zoom 40 is out of range"),
        ("/tiles/grids/3/8/0.mvt", 400, "outside zoom 3"),
        ("/tiles/grids/-1/0/0.mvt", 400, "is not a tile number"),
        ("/tiles/grids/a/0/0.mvt", 400, "is not a tile number"),
        ("/tiles/roofs/1/0/0.mvt", 404, "unknown tile source"),
        ("/tiles/grids,roofs/1/0/0.mvt", 404, "unknown tile source"),
        ("/tiles/grids/1/0/0.png", 404, "tiles end in .mvt"),
        ("/tiles/grids/1/0/0.mvt?plan=99", 404, "no plan"),
        (
            "/tiles/grids/1/0/0.mvt?plan=1%27%20OR%201=1",
            400,
            "plan must be a number",
        ),
        (
            "/tiles/grids/1/0/0.mvt?plan=1;DROP%20TABLE%20grids",
            400,
            "plan must be a number",
        ),
        (
            "/tiles/grids/1/0/0.mvt?x=%22%3Cscript%3E",
            400,
            "unknown query parameter",
        ),
        (
            "/tiles/grids'%20OR%20'1'='1/1/0/0.mvt",
            404,
            "unknown tile source",
        ),
        ("/tiles/roofs.json", 404, "unknown tile source"),
        ("/api/plans/99", 404, "no plan"),
        ("/api/plans/1%20OR%201=1", 400, "plan must be a number"),
        (
            "/api/plans/1/grids?level=street",
            400,
            "unknown variant `street`, expected `grid` or `cell`",
        ),
        ("/api/grids/110108'--", 400, "grid codes are digits"),
        ("/api/grids/999999999999999", 404, "no grid"),
        ("/api/locate?lon=abc&lat=40", 400, "lon"),
        ("/api/locate?lon=116.3", 400, "missing field `lat`"),
        ("/api/locate?lon=1e400&lat=40", 400, "lon"),
        ("/api/plans/1/export.geojson?codes=1,2", 404, "no grid"),
        ("/fonts/x/1-2.pbf", 400, "glyph range"),
        ("/api/compare?a=1", 400, "missing field `b`"),
        ("/api/compare?a=1&b=77", 404, "no plan"),
        ("/api/compare?a=1&b=2%27--", 400, "plan must be a number"),
        ("/api/partitions/abc", 400, "job ids are numbers"),
        ("/api/partitions/99", 404, "no partition job"),
        ("/fonts/x/0-255.png", 400, "glyph ranges look like"),
        ("/nothing", 404, "no such endpoint"),
    ] {
        let r = request(port, "GET", path, &[("Authorization", &auth)]);
        assert_eq!(r.status, code_, "{path}: {}", r.text());
        assert!(
            r.header("content-type").starts_with("application/json"),
            "{path}"
        );
        assert!(r.text().contains(says), "{path}: {}", r.text());
    }
    let r = request(
        port,
        "POST",
        "/api/partitions",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
    );
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("request body"), "{}", r.text());
    // Tile paths skip the router for GET and HEAD only; other methods
    // still get the router's answer, as JSON.
    let r = request(port, "POST", "/tiles/grids/14/0/0.mvt", &[]);
    assert_eq!(r.status, 405, "{}", r.text());
    assert!(r.text().contains("POST is not allowed"), "{}", r.text());
    let r = request(port, "DELETE", "/api/plans", &[]);
    assert_eq!(r.status, 405, "{}", r.text());
    assert!(r.header("content-type").starts_with("application/json"));
    let cmp = get(port, "/api/compare?a=1&b=2").json();
    assert!(cmp["changed"].as_array().unwrap().len() + cmp["added"].as_array().unwrap().len() > 0);
    assert!(cmp["households_changing_grid"].as_f64().unwrap() > 0.0);
    assert_eq!(
        get(port, "/api/compare?a=1&b=1").json()["changed"],
        serde_json::json!([])
    );
    let long = format!("/tiles/grids/1/0/0.mvt?plan={}", "9".repeat(4000));
    assert_eq!(get(port, &long).status, 400);
    let long = format!("/api/locate?lon=1&lat=1&x={}", "%27".repeat(2000));
    assert_eq!(get(port, &long).status, 400);
    // Past 8 KiB the request line itself is refused.
    let long = format!("/api/locate?lon=1&lat=1&x={}", "%27".repeat(3000));
    assert_eq!(get(port, &long).status, 414);

    // Metrics saw all of it.
    let m = get(port, "/metrics").text();
    assert!(m.contains("wangge_tile_cache_total{result=\"hit\"}"));
    assert!(m.contains("wangge_http_responses_total{class=\"4xx\"}"));
    assert!(!m.contains("class=\"5xx\"} 1"), "no 5xx");
    tiles
}

fn activate_elsewhere(store: &[&str], plan: &str) {
    let mut args = vec!["plans"];
    args.extend_from_slice(store);
    args.extend_from_slice(&["--activate", plan]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
}

fn wait_for_active(port: u16, plan: i64) {
    let start = Instant::now();
    while get(port, "/api/counties").json()["counties"][0]["active_plan"] != plan {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the change was not heard"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn geopackage_and_postgis_serve_the_same_tiles() {
    let dir = tempfile::tempdir().unwrap();
    let gpkg = dir.path().join("s.gpkg");
    let gpkg_args = ["--store", p(&gpkg)];
    prepare(&gpkg_args);
    let cluster = PgCluster::start();
    let url = cluster.database("county");
    let pg_args = ["--db", url.as_str()];
    prepare(&pg_args);

    // Both stores have the active plan's grids and cells as views of their
    // own, and each plan's on request, with the same rows.
    for args in [&gpkg_args, &pg_args] {
        let mut a = vec!["plans"];
        a.extend_from_slice(args);
        a.push("--views");
        let r = wangge(&a);
        assert_eq!(r.code, 0, "{}", r.all());
        assert!(r.stderr.contains("plan_2_grids"), "{}", r.stderr);
    }
    let psql = |sql: &str| -> String {
        let out = std::process::Command::new("psql")
            .args(["-At", "-v", "ON_ERROR_STOP=1", &url, "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    let ogr = |sql: &str| -> String {
        let out = std::process::Command::new("ogrinfo")
            .args(["-ro", "-q", p(&gpkg), "-sql", sql])
            .output()
            .expect("ogrinfo runs");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    for (view, sql) in [
        (
            "active_grids",
            "SELECT count(*), round(sum(population)) FROM active_grids",
        ),
        (
            "active_cells",
            "SELECT count(*), round(sum(population)) FROM active_cells",
        ),
        (
            "plan_2_grids",
            "SELECT count(*), round(sum(population)) FROM plan_2_grids",
        ),
    ] {
        let pg = psql(sql);
        let (n, sum) = pg.split_once('|').expect("count|sum");
        let lite = ogr(&sql.replace(
            "count(*), round(sum(population))",
            "count(*) AS n, round(sum(population)) AS s",
        ));
        assert!(
            lite.contains(&format!("n (Integer) = {n}")),
            "{view}: PostGIS {pg}, GeoPackage {lite}"
        );
        assert!(
            lite.contains(&format!("s (Real) = {sum}")),
            "{view}: PostGIS {pg}, GeoPackage {lite}"
        );
        assert!(n.parse::<i64>().unwrap_or(0) > 0, "{view} is empty");
    }

    // Both stores hold the same plans: the exports are identical.
    let a = exported(&gpkg_args, dir.path());
    let b = exported(&pg_args, dir.path());
    assert_eq!(a, b, "GeoPackage and PostGIS exports differ");

    let gpkg_server = serve(&gpkg_args, &["--public-read", "--rate-limit", "0"]);
    let pg_server = serve(&pg_args, &["--public-read", "--rate-limit", "0"]);
    let from_gpkg = suite(gpkg_server.port, &gpkg_args, dir.path());
    let from_pg = suite(pg_server.port, &pg_args, dir.path());
    assert_eq!(from_gpkg.len(), from_pg.len());
    for (path, tile) in &from_gpkg {
        assert_eq!(
            Some(tile),
            from_pg.get(path),
            "{path} differs between the stores"
        );
    }

    // Activation through the API, heard by the other instance on the same
    // PostGIS through LISTEN/NOTIFY.
    let second = serve(&pg_args, &["--lazy", "--public-read"]);
    let planner = token(&pg_args, "planner", &[]);
    accepted(pg_server.port, &planner);
    let planner = format!("Bearer {planner}");
    let r = request(
        pg_server.port,
        "POST",
        "/api/plans/2/activate",
        &[("Authorization", &planner)],
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["active"], true);
    wait_for_active(second.port, 2);
    let grids2 = get(second.port, "/api/plans/active/grids").json();
    assert_eq!(grids2["plan"], 2);
    // A tile of the active plan now comes from plan 2.
    let (x, y) = tile_of(116.33, 40.0, 14);
    let t1 = get(second.port, &format!("/tiles/grids/14/{x}/{y}.mvt?plan=1")).body;
    let t2 = get(second.port, &format!("/tiles/grids/14/{x}/{y}.mvt")).body;
    let t2b = get(second.port, &format!("/tiles/grids/14/{x}/{y}.mvt?plan=2")).body;
    assert_eq!(t2, t2b);
    assert_ne!(t1, t2);

    // The CLI activating a plan in the GeoPackage is heard by its server.
    activate_elsewhere(&gpkg_args, "2");
    wait_for_active(gpkg_server.port, 2);
    // A re-import is heard too: the basemap is rebuilt from the new layers.
    let heard = |port: u16| -> u64 {
        let m = get(port, "/metrics").text();
        m.lines()
            .find_map(|l| l.strip_prefix("wangge_store_changes_total "))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    let before = heard(gpkg_server.port);
    let kotka = data("osm/fi_kotka_pyrosm_test.osm.pbf");
    let r = wangge(&[
        "import",
        "--store",
        p(&gpkg),
        p(&kotka),
        "--county",
        "110108",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let start = Instant::now();
    while heard(gpkg_server.port) == before {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the import was not heard"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let after = get(gpkg_server.port, "/catalog").json();
    assert_ne!(
        after["sources"][4]["features"], 521,
        "buildings rebuilt from the new import"
    );
}

#[test]
fn a_store_without_plans_serves_the_basemap() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let server = serve(
        &["--store", p(&store)],
        &["--cache-mb", "0", "--public-read"],
    );
    let cat = get(server.port, "/catalog").json();
    let bb: Vec<f64> = cat["sources"][4]["bounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    let (x, y) = tile_of((bb[0] + bb[2]) / 2.0, (bb[1] + bb[3]) / 2.0, 14);
    let r = get(
        server.port,
        &format!("/tiles/roads,buildings/14/{x}/{y}.mvt"),
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-tile-cache"), "miss");
    let r = get(server.port, &format!("/tiles/grids/14/{x}/{y}.mvt"));
    assert_eq!(r.status, 404);
    assert!(r.text().contains("no active plan"), "{}", r.text());
    let c = get(server.port, "/api/counties").json();
    assert_eq!(c["counties"][0]["active_plan"], serde_json::Value::Null);
}

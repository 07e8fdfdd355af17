//! `wangge partition` and `wangge export` on the real extracts, checked
//! through the exported GeoJSON as a GIS user would get it.

mod common;
use common::*;

use geo::{Area, BooleanOps, Contains, InteriorPoint};
use geo_types::{Geometry, MultiPolygon};
use std::collections::HashSet;
use std::path::Path;

fn read_polygons(
    path: &Path,
) -> Vec<(
    serde_json::Map<String, serde_json::Value>,
    MultiPolygon<f64>,
)> {
    let text = std::fs::read_to_string(path).unwrap();
    let gj: geojson::GeoJson = text.parse().expect("valid GeoJSON");
    let geojson::GeoJson::FeatureCollection(fc) = gj else {
        panic!("not a FeatureCollection")
    };
    fc.features
        .into_iter()
        .map(|f| {
            let g: Geometry<f64> = f
                .geometry
                .expect("a geometry")
                .try_into()
                .expect("a geo geometry");
            let mp = match g {
                Geometry::MultiPolygon(m) => m,
                Geometry::Polygon(p) => MultiPolygon(vec![p]),
                other => panic!("not a polygon: {other:?}"),
            };
            (f.properties.unwrap_or_default(), mp)
        })
        .collect()
}

fn ogr_export(store: &Path, layer: &str, out: &Path) {
    let o = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", p(out), p(store), layer])
        .output()
        .expect("ogr2ogr (gdal-bin) runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Imports, partitions and checks one extract; returns the report.
fn partition_and_check(pbf: &str, import_extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    let mut args = vec!["import", "--store", p(&store), pbf];
    args.extend_from_slice(import_extra);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let report = dir.path().join("report.json");
    let r = wangge(&["partition", "--store", p(&store), "--report", p(&report)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let rep: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();

    let grids_path = dir.path().join("grids.geojson");
    let r = wangge(&[
        "export",
        "--store",
        p(&store),
        "--plan",
        "active",
        "--layer",
        "grids",
        "--format",
        "geojson",
        "-o",
        p(&grids_path),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let text = std::fs::read_to_string(&grids_path).unwrap();
    // RFC 7946 coordinates with at most 7 decimals.
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    fn coords(v: &serde_json::Value, out: &mut Vec<f64>) {
        match v {
            serde_json::Value::Array(a) => a.iter().for_each(|x| coords(x, out)),
            serde_json::Value::Number(n) => out.push(n.as_f64().unwrap()),
            _ => {}
        }
    }
    let mut all = Vec::new();
    for f in doc["features"].as_array().unwrap() {
        coords(&f["geometry"]["coordinates"], &mut all);
    }
    assert!(!all.is_empty());
    assert!(
        all.iter()
            .all(|c| ((c * 1e7).round() / 1e7 - c).abs() < 1e-12),
        "coordinates with more than 7 decimals"
    );
    let grids = read_polygons(&grids_path);
    assert_eq!(
        grids.len() as u64,
        rep["grids"].as_u64().unwrap() + rep["dedicated_grids"].as_u64().unwrap()
    );
    let codes: HashSet<String> = grids
        .iter()
        .map(|(pr, _)| pr["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), grids.len(), "codes unique");
    for (pr, mp) in &grids {
        let code = pr["code"].as_str().unwrap();
        assert_eq!(code.len(), 15);
        assert!(code.starts_with(pr["village_code"].as_str().unwrap()));
        for poly in &mp.0 {
            // Counter-clockwise outer rings, clockwise holes.
            assert!(
                geo::Area::signed_area(&geo_types::Polygon::new(poly.exterior().clone(), vec![]))
                    > 0.0,
                "{code}"
            );
            for h in poly.interiors() {
                assert!(
                    geo::Area::signed_area(&geo_types::Polygon::new(h.clone(), vec![])) < 0.0,
                    "{code}"
                );
            }
        }
        // A dedicated grid takes its site's shape, which may come in parts.
        if pr["dedicated"].is_null() {
            assert_eq!(mp.0.len(), 1, "grid {code} is one polygon");
        }
        assert!(geo::Validation::is_valid(mp), "grid {code} is valid");
        for key in [
            "name",
            "village_name",
            "town_code",
            "town_name",
            "population",
            "households",
            "buildings",
            "area_m2",
            "polsby_popper",
        ] {
            assert!(pr.contains_key(key), "{key}");
        }
    }

    // Nothing lost: every resident of the store is in a grid, and no grid
    // boundary runs through a building.
    let b_path = dir.path().join("buildings.geojson");
    ogr_export(&store, "buildings", &b_path);
    let buildings = read_polygons(&b_path);
    let store_residents: f64 = buildings
        .iter()
        .filter_map(|(pr, _)| pr.get("population").and_then(|v| v.as_f64()))
        .sum();
    let in_grids: f64 = grids
        .iter()
        .map(|(pr, _)| pr["population"].as_f64().unwrap())
        .sum();
    assert!(store_residents > 0.0);
    assert!(
        (in_grids - store_residents).abs() <= 0.01 * grids.len() as f64 + 1e-6 * store_residents,
        "grids hold {in_grids} of the store's {store_residents} residents"
    );
    assert_eq!(rep["residents_in_grids"], rep["residents_total"], "{rep}");
    assert_eq!(rep["buildings_in_grids"], rep["buildings_total"], "{rep}");
    assert_eq!(rep["buildings_cut"], 0, "{rep}");

    // The grids' union is the village's union (7-decimal export: 1 cm tolerance).
    let admin_path = dir.path().join("admin.geojson");
    ogr_export(&store, "admin", &admin_path);
    let villages: Vec<MultiPolygon<f64>> = read_polygons(&admin_path)
        .into_iter()
        .filter(|(pr, _)| pr["level"] == "village")
        .map(|(_, g)| g)
        .collect();
    let mut vu = MultiPolygon::<f64>(vec![]);
    for v in &villages {
        vu = vu.union(v);
    }
    let mut gu = MultiPolygon::<f64>(vec![]);
    let mut sum = 0.0;
    for (_, g) in &grids {
        gu = gu.union(g);
        sum += g.unsigned_area();
    }
    let area = vu.unsigned_area();
    assert!(vu.difference(&gu).unsigned_area() < 1e-6 * area, "gap");
    assert!(gu.difference(&vu).unsigned_area() < 1e-6 * area, "outside");
    assert!(sum - gu.unsigned_area() < 1e-6 * area, "overlap");

    // Every building lies in exactly one grid.
    let mut misplaced = 0;
    for (_, b) in &buildings {
        let Some(pt) = b.interior_point() else {
            continue;
        };
        if grids.iter().filter(|(_, g)| g.contains(&pt)).count() != 1 {
            misplaced += 1;
        }
    }
    assert_eq!(misplaced, 0);

    // Blocks export carries what the peer benchmark needs.
    let blocks_path = dir.path().join("blocks.geojson");
    let r = wangge(&[
        "export",
        "--store",
        p(&store),
        "--layer",
        "blocks",
        "-o",
        p(&blocks_path),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let blocks = read_polygons(&blocks_path);
    assert_eq!(blocks.len() as u64, rep["blocks"].as_u64().unwrap());
    assert!(
        blocks
            .iter()
            .all(|(pr, _)| pr["population"].is_number() && pr["village"].is_string())
    );
    let total: f64 = blocks
        .iter()
        .map(|(pr, _)| pr["population"].as_f64().unwrap())
        .sum();
    let grid_total: f64 = grids
        .iter()
        .map(|(pr, _)| pr["population"].as_f64().unwrap())
        .sum();
    // Figures are exported to 0.01; allow that much per feature.
    assert!(
        (total - grid_total).abs() < 0.01 * (blocks.len() + grids.len()) as f64,
        "{total} vs {grid_total}"
    );
    rep
}

#[test]
fn qinghuayuan_scaled_to_its_residents() {
    let rep = partition_and_check(
        p(&data("osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf")),
        &[
            "--census",
            p(&data("census/county_2020.csv")),
            "--county",
            "110108",
            "--population-total",
            "44166",
        ],
    );
    assert!(rep["in_band_feasible"].as_f64().unwrap() >= 0.95, "{rep}");
    assert_eq!(rep["noncontiguous"], 0);
    // Tsinghua's campus is a dedicated site: split into dedicated grids.
    assert!(rep["dedicated_grids"].as_u64().unwrap() >= 1);
}

#[test]
fn kotka_estimated() {
    let rep = partition_and_check(p(&data("osm/fi_kotka_pyrosm_test.osm.pbf")), &[]);
    assert!(rep["in_band_feasible"].as_f64().unwrap() >= 0.95, "{rep}");
    assert!(rep["grids"].as_u64().unwrap() >= 10, "{rep}");
    assert_eq!(rep["noncontiguous"], 0);
}

#[test]
fn guixi_with_a_boundary_covering_part_of_the_data() {
    // The extract's one admin_level 8 boundary (东门街道) holds part of the
    // buildings; the rest become a unit "outside the given boundaries".
    let rep = partition_and_check(
        p(&data("osm/cn_jiangxi_guixi_2024.osm.pbf")),
        &["--county", "360681", "--population-total", "20000"],
    );
    assert!(rep["villages"].as_u64().unwrap() >= 2, "{rep}");
}

#[test]
fn export_and_partition_refuse_bad_requests() {
    let (dir, store, _) = imported("cn_jiangxi_guixi_2024.osm.pbf", &[]);
    let out = dir.path().join("x.geojson");
    let r = wangge(&[
        "export",
        "--store",
        p(&store),
        "--plan",
        "active",
        "--layer",
        "grids",
        "-o",
        p(&out),
    ]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("no plan \"active (county 999999)\""),
        "{}",
        r.stderr
    );
    for band in ["2000-1000", "cows:1-2", "abc"] {
        let r = wangge(&["partition", "--store", p(&store), "--band", band]);
        assert_ne!(r.code, 0);
        assert!(r.stderr.contains("--band"), "{}", r.stderr);
    }
    let r = wangge(&[
        "partition",
        "--store",
        p(&store),
        "--min-road-class",
        "highway",
    ]);
    assert!(r.stderr.contains("known classes"), "{}", r.stderr);
    let r = wangge(&["partition", "--store", p(&store)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let r = wangge(&[
        "export",
        "--store",
        p(&store),
        "--plan",
        "99",
        "-o",
        p(&out),
    ]);
    assert!(
        r.stderr.contains("no plan \"99\" in the store (plans: 1)"),
        "{}",
        r.stderr
    );
    let r = wangge(&[
        "export",
        "--store",
        p(&store),
        "--layer",
        "roads",
        "-o",
        p(&out),
    ]);
    assert!(r.stderr.contains("grids, cells or blocks"), "{}", r.stderr);
}

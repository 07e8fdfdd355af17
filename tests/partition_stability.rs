//! Stability (相对固定): raise one village's residents by 30 %, re-import,
//! re-partition with `--from`: no grid outside that village changes, and
//! every unchanged grid keeps its code.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::path::Path;

/// code → (village code, geometry as JSON text).
fn grids(store: &Path, out: &Path) -> BTreeMap<String, (String, String)> {
    let r = wangge(&[
        "export",
        "--store",
        p(store),
        "--plan",
        "active",
        "-o",
        p(out),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    v["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let pr = &f["properties"];
            (
                pr["code"].as_str().unwrap().to_string(),
                (
                    pr["village_code"].as_str().unwrap().to_string(),
                    f["geometry"].to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn raising_one_village_changes_only_that_village() {
    let dir = tempfile::tempdir().unwrap();
    let county = dir.path().join("county");
    let r = wangge(&[
        "synth",
        "--seed",
        "3",
        "--buildings",
        "12000",
        "--population",
        "150000",
        "--out",
        p(&county),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let store = dir.path().join("s.gpkg");
    assert_eq!(
        wangge(&["import", "--store", p(&store), "--dir", p(&county)]).code,
        0
    );
    let r = wangge(&["partition", "--store", p(&store)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let before = grids(&store, &dir.path().join("a.geojson"));

    // The village with the most grids gets 30 % more residents.
    let mut per_village: BTreeMap<&str, usize> = BTreeMap::new();
    for (village, _) in before.values() {
        *per_village.entry(village.as_str()).or_default() += 1;
    }
    let (target, n) = per_village
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(v, n)| (v.to_string(), *n))
        .unwrap();
    assert!(n >= 2, "the chosen village has several grids");
    let admin_path = county.join("admin.geojson");
    let mut admin: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&admin_path).unwrap()).unwrap();
    for f in admin["features"].as_array_mut().unwrap() {
        if f["properties"]["code"] == target.as_str() {
            let pop = f["properties"]["population"].as_f64().unwrap();
            f["properties"]["population"] = serde_json::json!((pop * 1.3).round());
        }
    }
    std::fs::write(&admin_path, admin.to_string()).unwrap();
    assert_eq!(
        wangge(&["import", "--store", p(&store), "--dir", p(&county)]).code,
        0
    );
    let report = dir.path().join("r.json");
    let r = wangge(&[
        "partition",
        "--store",
        p(&store),
        "--from",
        "active",
        "--report",
        p(&report),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    let rep: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(rep["kept_from_previous"].as_u64().unwrap() > 0);
    let after = grids(&store, &dir.path().join("b.geojson"));

    let mut unchanged_inside = 0;
    for (code, (village, geometry)) in &before {
        if *village == target {
            if after.get(code).is_some_and(|(_, g)| g == geometry) {
                unchanged_inside += 1;
            }
            continue;
        }
        let Some((_, g)) = after.get(code) else {
            panic!("grid {code} outside {target} lost its code")
        };
        assert_eq!(g, geometry, "grid {code} outside {target} changed");
    }
    let outside_before = before.values().filter(|(v, _)| *v != target).count();
    let outside_after = after.values().filter(|(v, _)| *v != target).count();
    assert_eq!(
        outside_before, outside_after,
        "no grid appears outside {target}"
    );
    // Inside the village, any grid drawn the same keeps its code too (checked
    // above by code); and the village changed.
    let inside_after: Vec<_> = after.iter().filter(|(_, (v, _))| *v == target).collect();
    assert!(
        inside_after.len() >= n || unchanged_inside < n,
        "the raised village was re-partitioned"
    );
}

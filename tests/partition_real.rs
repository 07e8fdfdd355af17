//! The partition on extracts shaped unlike our synthetic county: admin
//! boundaries at other levels and covering only part of the data, and ways
//! running under and through buildings (`tests/fixtures/`, made by
//! `make_extracts.py`). Nothing may be lost and no building cut.

mod common;
use common::*;

fn fixture(name: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

/// Imports with `extra`, partitions, and returns (import, partition, report).
fn run(extract: &str, extra: &[&str]) -> (Run, Run, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    let pbf = fixture(extract);
    let mut args = vec!["import", "--store", p(&store), &pbf];
    args.extend_from_slice(extra);
    let imp = wangge(&args);
    assert_eq!(imp.code, 0, "{}", imp.all());
    let report = dir.path().join("report.json");
    let part = wangge(&["partition", "--store", p(&store), "--report", p(&report)]);
    assert_eq!(part.code, 0, "{}", part.all());
    let rep = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    (imp, part, rep)
}

/// Asserts that a command's output says `text`.
fn says(out: &str, text: &str) {
    assert!(out.contains(text), "{text:?} not in:\n{out}");
}

fn assert_nothing_lost(rep: &serde_json::Value, residents: f64) {
    let total = rep["residents_total"].as_f64().unwrap();
    assert!((total - residents).abs() < 0.5, "{rep}");
    assert_eq!(rep["residents_in_grids"], rep["residents_total"], "{rep}");
    assert_eq!(rep["buildings_in_grids"], rep["buildings_total"], "{rep}");
    assert_eq!(rep["buildings_left_out"], serde_json::json!([]), "{rep}");
}

#[test]
fn boundaries_at_other_levels_and_partial_lose_nobody() {
    // Defaults (town=8, village=9+10): the parishes at level 7 are listed
    // and not used; the one level-8 boundary covers a few buildings; the
    // rest become a unit outside the given boundaries.
    let (imp, part, rep) = run("levels_partial.osm.pbf", &["--population-total", "8500"]);
    says(
        &imp.stdout,
        "OSM admin_level 7: 2 boundaries (Parish A, Parish B) (not used)",
    );
    says(
        &imp.stdout,
        "OSM admin_level 8: 1 boundary (Neighbour commune) → towns",
    );
    says(
        &imp.stdout,
        "72 buildings (7650 residents) lie outside every given village",
    );
    says(&part.stdout, "residents in grids: 8500 of 8500 (100.00 %)");
    assert_nothing_lost(&rep, 8500.0);
    assert!(rep["grids"].as_u64().unwrap() >= 4, "{rep}");

    // The parishes as towns and the commune as a village: the commune lies
    // in no parish and gets a town of its own; the strip between is outside.
    let (imp, _, rep) = run(
        "levels_partial.osm.pbf",
        &[
            "--population-total",
            "8500",
            "--admin-levels",
            "town=7,village=8",
        ],
    );
    says(&imp.stdout, "→ towns");
    says(&imp.stdout, "in no town boundary (Neighbour commune)");
    says(&imp.stdout, "16 buildings (1700 residents) lie outside");
    assert_nothing_lost(&rep, 8500.0);
}

#[test]
fn a_bad_admin_levels_option_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    let pbf = fixture("levels_partial.osm.pbf");
    let r = wangge(&[
        "import",
        "--store",
        p(&store),
        &pbf,
        "--admin-levels",
        "town=7",
    ]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("no village level given"), "{}", r.stderr);
    assert!(!store.exists());
}

#[test]
fn ways_under_and_through_buildings_cut_none() {
    let (imp, part, rep) = run("footway_under_building.osm.pbf", &[]);
    // The tunnel and the corridor bound nothing; the footway and the
    // service road through the other two are joined over.
    says(
        &imp.stdout,
        "2 ways in tunnels, covered, indoor or below ground left out",
    );
    assert_eq!(rep["buildings_cut"], 0, "{rep}\n{}", part.stdout);
    let total = rep["residents_total"].as_f64().unwrap();
    assert_nothing_lost(&rep, total);
}

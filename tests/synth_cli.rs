//! `wangge synth`: deterministic by seed, importable, and a store written
//! directly holds the same county.

mod common;
use common::*;

#[test]
fn same_seed_same_files_and_import_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    for out in [&a, &b] {
        let r = wangge(&[
            "synth",
            "--seed",
            "5",
            "--population",
            "40000",
            "--buildings",
            "8000",
            "--out",
            p(out),
        ]);
        assert_eq!(r.code, 0, "{}", r.all());
    }
    for layer in [
        "admin",
        "buildings",
        "roads",
        "railways",
        "waterways",
        "water",
        "sites",
        "landuse",
    ] {
        let fa = std::fs::read(a.join(format!("{layer}.geojson"))).unwrap();
        let fb = std::fs::read(b.join(format!("{layer}.geojson"))).unwrap();
        assert!(
            fa == fb,
            "{layer} differs between two runs with the same seed"
        );
    }
    let other = dir.path().join("c");
    wangge(&[
        "synth",
        "--seed",
        "6",
        "--population",
        "40000",
        "--buildings",
        "8000",
        "--out",
        p(&other),
    ]);
    assert_ne!(
        std::fs::read(a.join("buildings.geojson")).unwrap(),
        std::fs::read(other.join("buildings.geojson")).unwrap()
    );

    let store = dir.path().join("s.gpkg");
    let r = wangge(&["import", "--store", p(&store), "--dir", p(&a)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let imported = row(&r.stdout, "buildings");
    assert_eq!(
        imported[0], imported[1],
        "every synthetic building is valid: {}",
        r.stdout
    );
    assert!((7_500..=8_000).contains(&imported[1]), "{imported:?}");
    // Village totals are given, so residents add up to the county's.
    assert!(r.stdout.contains("40000 residents"), "{}", r.stdout);
    assert!(r.stdout.contains("admin unit totals"), "{}", r.stdout);

    let direct = dir.path().join("d.gpkg");
    let r = wangge(&[
        "synth",
        "--seed",
        "5",
        "--population",
        "40000",
        "--buildings",
        "8000",
        "--store",
        p(&direct),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(store_counts(&direct), store_counts(&store));
}

#[test]
fn synth_refuses_nonsense() {
    let dir = tempfile::tempdir().unwrap();
    let r = wangge(&["synth", "--buildings", "0", "--out", p(dir.path())]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("--buildings must be between"),
        "{}",
        r.stderr
    );
    let r = wangge(&["synth", "--county", "12", "--out", p(dir.path())]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("--county 12"), "{}", r.stderr);
    let r = wangge(&["synth", "--seed", "1"]);
    assert_ne!(r.code, 0, "needs --out or --store");
}

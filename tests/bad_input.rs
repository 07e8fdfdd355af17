//! The bad-input corpus (tests/bad_input/, see its README): every file gives
//! a clear message naming the feature or file, exit code ≠ 0 only where
//! nothing usable was read, never a panic, and never a loss of what the
//! store already held.

mod common;
use common::*;

fn import_layer(flag: &str, file: &std::path::Path, extra: &[&str]) -> (Run, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    let mut args = vec!["import", "--store", p(&store), flag, p(file)];
    args.extend_from_slice(extra);
    (wangge(&args), dir)
}

#[test]
fn repairable_geometry_is_repaired_and_named() {
    for (file, feature, what) in [
        ("bowtie.geojson", "bowtie-1", "self-intersection); repaired"),
        ("unclosed_ring.geojson", "open-1", "unclosed ring; closed"),
        (
            "swapped_latlon.geojson",
            "swapped-1",
            "lat/lon swapped; swapped back",
        ),
    ] {
        let (r, _d) = import_layer("--buildings", &corpus(file), &[]);
        assert_eq!(r.code, 0, "{file}: {}", r.all());
        assert!(
            r.stdout.contains(&format!("buildings {feature}: repaired")),
            "{file}: {}",
            r.stdout
        );
        assert!(r.stdout.contains(what), "{file}: {}", r.stdout);
        assert_eq!(row(&r.stdout, "buildings"), [1, 1, 1, 0], "{file}");
    }
}

#[test]
fn bowtie_becomes_two_parts() {
    let (r, d) = import_layer("--buildings", &corpus("bowtie.geojson"), &[]);
    assert_eq!(r.code, 0);
    let out = d.path().join("b.geojson");
    let ogr = std::process::Command::new("ogr2ogr")
        .args([
            "-f",
            "GeoJSON",
            p(&out),
            p(&d.path().join("s.gpkg")),
            "buildings",
        ])
        .output()
        .expect("ogr2ogr (gdal-bin) runs");
    assert!(
        ogr.status.success(),
        "{}",
        String::from_utf8_lossy(&ogr.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let coords = v["features"][0]["geometry"]["coordinates"]
        .as_array()
        .unwrap();
    assert_eq!(coords.len(), 2, "two triangles: {v}");
}

#[test]
fn unusable_features_are_skipped_with_their_reason() {
    let (r, _d) = import_layer("--buildings", &corpus("degenerate.geojson"), &[]);
    assert_eq!(r.code, 0, "one feature is usable: {}", r.all());
    for (feature, reason) in [
        ("line-ring", "degenerate ring"),
        ("flat-ring", "degenerate ring"),
        ("no-geometry", "missing geometry"),
        ("empty-polygon", "empty geometry"),
        (
            "a-point",
            "geometry type Point where the buildings layer needs Polygon or MultiPolygon",
        ),
        ("bad-levels", "levels \"many\" is not a non-negative number"),
    ] {
        assert!(
            r.stdout
                .contains(&format!("buildings {feature}: skipped: {reason}")),
            "{feature}: {}",
            r.stdout
        );
    }
}

#[test]
fn mixed_file_keeps_the_good_and_names_the_bad() {
    let (r, _d) = import_layer("--buildings", &corpus("mixed.geojson"), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(row(&r.stdout, "buildings"), [3, 2, 1, 1]);
    assert!(
        r.stdout
            .contains("out-of-range: skipped: lon/lat out of range"),
        "{}",
        r.stdout
    );
}

#[test]
fn nothing_usable_exits_non_zero_and_says_why() {
    for (flag, file, says) in [
        (
            "--buildings",
            "projected_metres.geojson",
            "utm-1: skipped: coordinates look like projected metres",
        ),
        (
            "--admin",
            "admin_bad_code.geojson",
            "division code \"12345\" is not 6, 9 or 12 digits",
        ),
        (
            "--buildings",
            "malformed_json.geojson",
            "malformed JSON at line 1, column",
        ),
        ("--buildings", "empty.geojson", "empty file"),
        (
            "--buildings",
            "not_geojson.geojson",
            "not GeoJSON: unknown GeoJSON type \"Banana\"",
        ),
    ] {
        let (r, d) = import_layer(flag, &corpus(file), &[]);
        assert_ne!(r.code, 0, "{file}: {}", r.all());
        assert!(r.all().contains(says), "{file}: {}", r.all());
        assert!(
            r.all().contains("nothing usable was read"),
            "{file}: {}",
            r.all()
        );
        assert!(
            !d.path().join("s.gpkg").exists(),
            "{file}: no store is created from nothing"
        );
    }
    let (r, _d) = import_layer("--admin", &corpus("admin_bad_code.geojson"), &[]);
    assert!(
        r.stdout.contains("admin-2: skipped: no division code"),
        "{}",
        r.stdout
    );
}

#[test]
fn truncated_geojson_keeps_what_came_before() {
    let (r, _d) = import_layer("--buildings", &corpus("truncated.geojson"), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr
            .contains("truncated.geojson: malformed JSON at line 1"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("kept what was read before it (1 features)"),
        "{}",
        r.stderr
    );
    assert_eq!(row(&r.stdout, "buildings")[1], 1);
    let (r, _d) = import_layer("--buildings", &corpus("overflow_number.geojson"), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    // The feature cannot be parsed, so it is named by its index in the file.
    assert!(
        r.stdout
            .contains("buildings #1: skipped: not a valid GeoJSON feature: number out of range"),
        "{}",
        r.stdout
    );
}

#[test]
fn huge_feature_over_the_vertex_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("huge.geojson");
    // A circle with one vertex more than the default limit of 1,000,000.
    let n = 1_000_001;
    let mut s = String::from(
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"huge-1","properties":{},"geometry":{"type":"Polygon","coordinates":[["#,
    );
    for i in 0..=n {
        let a = (i % n) as f64 / n as f64 * std::f64::consts::TAU;
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            "[{:.7},{:.7}]",
            116.3 + 0.01 * a.cos(),
            40.0 + 0.01 * a.sin()
        ));
    }
    s.push_str("]]}}]}");
    std::fs::write(&file, s).unwrap();
    let (r, _d) = import_layer("--landuse", &file, &[]);
    assert_ne!(r.code, 0);
    assert!(
        r.stdout
            .contains("huge-1: skipped: 1000002 vertices, over the limit of 1000000 per feature"),
        "{}",
        r.stdout
    );
    // A file over the size limit is refused before it is read.
    let (r, _d) = import_layer("--landuse", &file, &["--max-input-mb", "1"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("is over the input limit of 1048576 bytes"),
        "{}",
        r.stderr
    );
}

#[test]
fn broken_pbf_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    let r = wangge(&[
        "import",
        "--store",
        p(&store),
        p(&corpus("not_a_pbf.osm.pbf")),
    ]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr
            .contains("not_a_pbf.osm.pbf: not a readable OSM PBF"),
        "{}",
        r.stderr
    );

    let full = std::fs::read(data("osm/fi_kotka_pyrosm_test.osm.pbf")).unwrap();
    let head = dir.path().join("head.osm.pbf");
    std::fs::write(&head, &full[..200]).unwrap();
    let r = wangge(&["import", "--store", p(&store), p(&head)]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("head.osm.pbf: not a readable OSM PBF"),
        "{}",
        r.stderr
    );

    // Cut after the nodes and some ways: what was read is kept, with a warning.
    let cut = dir.path().join("cut.osm.pbf");
    std::fs::write(&cut, &full[..full.len() * 9 / 10]).unwrap();
    let r = wangge(&["import", "--store", p(&store), p(&cut)]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("PBF is truncated or corrupt"),
        "{}",
        r.stderr
    );
    let b = row(&r.stdout, "buildings");
    assert!(b[0] > 0 && b[0] < 2219, "{b:?}");
}

#[test]
fn a_failed_import_loses_nothing_already_stored() {
    let (_dir, store, _r) = imported("cn_jiangxi_guixi_2024.osm.pbf", &[]);
    let before = store_counts(&store);
    for (flag, file) in [
        ("--buildings", "projected_metres.geojson"),
        ("--buildings", "malformed_json.geojson"),
        ("--admin", "admin_bad_code.geojson"),
    ] {
        let r = wangge(&["import", "--store", p(&store), flag, p(&corpus(file))]);
        assert_ne!(r.code, 0);
        assert!(r.all().contains("is unchanged"), "{}", r.all());
        assert_eq!(store_counts(&store), before, "{file}");
    }
}

#[test]
fn duplicate_admin_codes_are_skipped_and_named() {
    let (r, d) = import_layer("--admin", &corpus("admin_duplicate_code.geojson"), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("v-2: skipped: division code 110108001001 is already used by v-1"),
        "{}",
        r.stdout
    );
    assert_eq!(row(&r.stdout, "admin"), [3, 2, 0, 1]);
    let counts = store_counts(&d.path().join("s.gpkg"));
    // Two villages and the town made for them.
    assert_eq!(counts["admin"], 3, "{counts:?}");
}

#[test]
fn a_byte_order_mark_is_not_an_error() {
    let (r, _d) = import_layer("--buildings", &corpus("utf8_bom.geojson"), &[]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(row(&r.stdout, "buildings"), [1, 1, 0, 0]);
}

#[test]
fn devices_and_pipes_are_refused_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    let r = wangge(&["import", "--store", p(&store), "/dev/zero"]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("/dev/zero: not a regular file"),
        "{}",
        r.stderr
    );
    let fifo = dir.path().join("pipe.geojson");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let r = wangge(&["import", "--store", p(&store), "--buildings", p(&fifo)]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("not a regular file"), "{}", r.stderr);
    assert!(!store.exists(), "no store is made from nothing");
}

#[test]
fn messages_say_each_error_once_without_colour_codes() {
    let (r, _d) = import_layer("--buildings", &corpus("malformed_json.geojson"), &[]);
    assert_ne!(r.code, 0);
    assert!(
        !r.stderr.contains('\u{1b}'),
        "ANSI codes in: {:?}",
        r.stderr
    );
    let lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.contains("malformed JSON"))
        .collect();
    assert_eq!(lines.len(), 1, "said more than once: {}", r.stderr);
}

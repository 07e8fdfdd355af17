//! GIS staff open wangge's GeoPackage in Debian's QGIS 3.22 and GDAL: the
//! active plan's grids and cells are layers of their own whose figures sum
//! to the store's, every layer's geometries are valid, each layer opens
//! with its default style (drawn in the web map's colours, checked pixel by
//! pixel), columns carry Chinese and English descriptions, and exports in
//! every format open again. Needs Debian's `qgis`, `python3-qgis` and
//! `gdal-bin` (scripts/setup.sh installs them); a missing one fails.

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;
use tileserver::gis::palette::{Rgb, Shade, grid_colour, palette, stops};

/// One store for every test here, as `scripts/demo.sh` makes it: the
/// Qinghuayuan sample partitioned twice, the second time with unit cells,
/// and per-plan views asked for.
struct Prepared {
    _dir: tempfile::TempDir,
    store: PathBuf,
    plans: Vec<Value>,
}

fn prepared_store() -> &'static Prepared {
    static P: OnceLock<Prepared> = OnceLock::new();
    P.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let store = dir.path().join("county.gpkg");
        prepared(&["--store", p(&store)]);
        let r = wangge(&["partition", "--store", p(&store), "--cells"]);
        assert_eq!(r.code, 0, "{}", r.all());
        let r = wangge(&["plans", "--store", p(&store), "--views", "--json"]);
        assert_eq!(r.code, 0, "{}", r.all());
        let plans: Vec<Value> = serde_json::from_str(&r.stdout).expect("plans as JSON");
        Prepared {
            _dir: dir,
            store,
            plans,
        }
    })
}

fn plan_field(plans: &[Value], id: i64, field: &str) -> i64 {
    plans
        .iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p[field].as_i64())
        .unwrap_or_else(|| panic!("plan {id} has no {field}"))
}

/// `ogrinfo`'s standard output.
fn ogr(args: &[&str]) -> String {
    ogrinfo(args).0
}

fn feature_count(path: &str, layer: &str, extra: &[&str]) -> u64 {
    let mut args = vec!["-ro", "-so"];
    args.extend_from_slice(extra);
    args.extend([path, layer]);
    ogr(&args)
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no feature count for {layer} in {path}"))
}

/// One value from GDAL's SQL on the file.
fn gdal_sql(path: &str, sql: &str) -> String {
    ogr(&["-ro", "-q", path, "-sql", sql])
}

/// A private 0700 runtime folder and the offscreen platform, as QGIS
/// needs them headless.
fn qgis_runtime() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().expect("a runtime folder");
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700))
            .expect("chmod 0700");
        d
    })
    .path()
}

/// Runs a QGIS program headless, which must succeed; its standard output.
fn run_qgis(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .env("QT_QPA_PLATFORM", "offscreen")
        .env("XDG_RUNTIME_DIR", qgis_runtime())
        .output()
        .unwrap_or_else(|e| {
            panic!("{what}: {e} (Debian's qgis and python3-qgis must be installed)")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{what}: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `qgis_process.bin --json run ALG -- PARAM=VALUE…`: the algorithm's
/// results.
fn qgis_process(algorithm: &str, params: &[String]) -> Value {
    let stdout = run_qgis(
        Command::new("qgis_process.bin")
            .args(["--json", "run", algorithm, "--"])
            .args(params),
        &format!("qgis_process {algorithm} {params:?}"),
    );
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("qgis_process JSON: {e}\n{stdout}"));
    doc["results"].clone()
}

fn layer_uri(path: &str, table: &str) -> String {
    format!("{path}|layername={table}")
}

fn sum_of(uri: &str, field: &str) -> f64 {
    let r = qgis_process(
        "qgis:basicstatisticsforfields",
        &[format!("INPUT_LAYER={uri}"), format!("FIELD_NAME={field}")],
    );
    r["SUM"]
        .as_f64()
        .unwrap_or_else(|| panic!("no SUM for {uri}: {r}"))
}

fn invalid_features(uri: &str) -> (i64, i64, i64) {
    let r = qgis_process(
        "qgis:checkvalidity",
        &[
            format!("INPUT_LAYER={uri}"),
            "METHOD=2".into(),
            "VALID_OUTPUT=TEMPORARY_OUTPUT".into(),
            "INVALID_OUTPUT=TEMPORARY_OUTPUT".into(),
            "ERROR_OUTPUT=TEMPORARY_OUTPUT".into(),
        ],
    );
    let n = |k: &str| r[k].as_i64().unwrap_or_else(|| panic!("no {k}: {r}"));
    (n("VALID_COUNT"), n("INVALID_COUNT"), n("ERROR_COUNT"))
}

/// The layer rendered in PyQGIS with the style QGIS loads by default.
fn render(path: &str, table: &str, png: &Path) -> Value {
    let script = root().join("tests/qgis/render_layer.py");
    let stdout = run_qgis(
        Command::new("/usr/bin/python3")
            .arg(&script)
            .args([path, table, p(png)]),
        &format!("render_layer.py {table}"),
    );
    serde_json::from_str(stdout.lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("render_layer.py JSON: {e}\n{stdout}"))
}

#[test]
fn active_layers_are_listed_indexed_and_sum_to_the_store() {
    let s = prepared_store();
    let path = p(&s.store);
    let (first, second) = (1, 2);
    let list = ogr(&["-ro", "-q", path]);
    for layer in [
        "active_grids",
        "active_cells",
        "grids",
        "plan_1_grids",
        "plan_2_grids",
        "plan_2_cells",
    ] {
        assert!(
            list.lines()
                .any(|l| l.contains(&format!(": {layer} (Multi Polygon)"))),
            "{layer} missing from:\n{list}"
        );
        let idx = gdal_sql(path, &format!("SELECT HasSpatialIndex('{layer}', 'geom')"));
        assert!(idx.contains("= 1"), "{layer} has no spatial index:\n{idx}");
    }
    assert_eq!(
        feature_count(path, "active_grids", &[]) as i64,
        plan_field(&s.plans, second, "grids")
    );
    assert_eq!(
        feature_count(path, "active_cells", &[]) as i64,
        plan_field(&s.plans, second, "cells")
    );
    assert_eq!(
        feature_count(path, "plan_1_grids", &[]) as i64,
        plan_field(&s.plans, first, "grids")
    );
    assert_eq!(feature_count(path, "plan_1_cells", &[]), 0);
    // The index answers a spatial filter on a view.
    let all = feature_count(path, "active_grids", &[]);
    let some = feature_count(
        path,
        "active_grids",
        &["-spat", "116.320", "40.000", "116.330", "40.005"],
    );
    assert!(some > 0 && some < all, "{some} of {all}");

    // Layer titles in Chinese.
    let ids = gdal_sql(
        path,
        "SELECT identifier FROM gpkg_contents WHERE table_name IN ('active_grids', 'active_cells') ORDER BY table_name",
    );
    assert!(
        ids.contains("现行网格") && ids.contains("现行单元格"),
        "{ids}"
    );

    // Residents: QGIS's sum over the active grids is the store's total.
    let total: f64 = gdal_sql(path, "SELECT sum(population) AS total FROM buildings")
        .lines()
        .find_map(|l| l.trim().strip_prefix("total (Real) = "))
        .and_then(|v| v.parse().ok())
        .expect("the store's residents");
    let in_grids = sum_of(&layer_uri(path, "active_grids"), "population");
    assert!(
        (in_grids - total).abs() <= 0.5,
        "active grids hold {in_grids} residents, the store {total}"
    );
    let in_cells = sum_of(&layer_uri(path, "active_cells"), "population");
    assert!(
        (in_cells - total).abs() <= 0.5,
        "cells {in_cells} vs {total}"
    );
    // The combined table is what made sums wrong: it holds every plan.
    let combined = sum_of(&layer_uri(path, "grids"), "population");
    assert!(combined > 2.5 * total, "{combined} vs {total}");
}

#[test]
fn every_layer_has_only_valid_geometries_in_qgis() {
    let s = prepared_store();
    let path = p(&s.store);
    for layer in [
        "active_grids",
        "active_cells",
        "plan_1_grids",
        "grids",
        "blocks",
        "admin",
        "buildings",
        "roads",
        "waterways",
        "water",
        "sites",
        "landuse",
    ] {
        let (valid, invalid, errors) = invalid_features(&layer_uri(path, layer));
        assert_eq!((invalid, errors), (0, 0), "{layer}: {valid} valid");
        assert!(valid > 0, "{layer} is empty");
    }
}

#[test]
fn fields_are_described_in_chinese_and_english_for_gdal() {
    let s = prepared_store();
    let path = p(&s.store);
    let row = gdal_sql(
        path,
        "SELECT name, title, description FROM gpkg_data_columns WHERE table_name = 'active_grids' AND column_name = 'households'",
    );
    assert!(row.contains("name (String) = 户数"), "{row}");
    assert!(
        row.contains("title (String) = 户数 Households (户)"),
        "{row}"
    );
    assert!(
        row.contains("单位：户") && row.contains("Unit: 户"),
        "{row}"
    );
    let area = gdal_sql(
        path,
        "SELECT title FROM gpkg_data_columns WHERE table_name = 'buildings' AND column_name = 'height'",
    );
    assert!(area.contains("高度 Height (m)"), "{area}");
    // Every column of the active grids is described.
    let n = gdal_sql(
        path,
        "SELECT count(*) AS n FROM gpkg_data_columns WHERE table_name = 'active_grids'",
    );
    assert!(n.contains("n (Integer) = 18"), "{n}");
    // The schema extension is declared.
    let ext = gdal_sql(
        path,
        "SELECT extension_name FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns'",
    );
    assert!(ext.contains("gpkg_schema"), "{ext}");
}

/// The band the demo's plans were made with (the partition's default).
fn demo_band() -> partition::grids::Band {
    partition::grids::Band::RESIDENTS
}

/// Each grid, drawn in QGIS with its default style, has the colour the web
/// map gives it: the palette's ramp at its residents (or the dedicated
/// colour), at the web map's fill opacity over the map's background.
/// `min_share` of the features must be wide enough to sample.
fn assert_web_map_colours(
    doc: &Value,
    shade: Shade,
    band: &partition::grids::Band,
    min_share: f64,
) {
    let s = stops(shade, band);
    let background = Rgb::hex("#f2efe9");
    let opacity = palette().fill_opacity;
    let samples = doc["samples"].as_array().expect("samples");
    let mut checked = 0;
    for g in samples {
        if g["margin_px"].as_f64().unwrap_or(0.0) < 4.0 {
            continue; // too thin to sample away from its outline
        }
        let value = g[shade.column()].as_f64().expect("a figure");
        let dedicated = !g["dedicated"].as_str().unwrap_or("").is_empty();
        let want = grid_colour(value, &s, dedicated).over(background, opacity);
        let got: Vec<i64> = g["rgb"]
            .as_array()
            .expect("rgb")
            .iter()
            .map(|v| v.as_i64().unwrap_or(-1))
            .collect();
        let diff = [want.0, want.1, want.2]
            .iter()
            .zip(&got)
            .map(|(w, g)| (*w as i64 - g).abs())
            .max()
            .unwrap_or(255);
        assert!(
            diff <= 4,
            "grid {} ({value} {}): QGIS drew {got:?}, the web map {want:?}",
            g["code"],
            shade.unit()
        );
        checked += 1;
    }
    assert!(
        checked as f64 >= min_share * samples.len() as f64,
        "only {checked} of {} grids could be sampled",
        samples.len()
    );
}

fn assert_not_blank(png: &Path) {
    let bytes = std::fs::metadata(png).expect("a PNG was written").len();
    assert!(bytes > 10_000, "{} is {bytes} bytes", png.display());
}

#[test]
fn the_default_style_loads_and_draws_the_web_map_colours() {
    let s = prepared_store();
    let path = p(&s.store);
    let dir = tempfile::tempdir().expect("a folder");
    let png = dir.path().join("active_grids.png");
    let doc = render(path, "active_grids", &png);
    assert_eq!(doc["renderer"], "RuleRenderer", "{doc}");
    let rules: Vec<&str> = doc["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(rules.len(), 6, "{rules:?}");
    assert!(rules[0].contains("专属网格"), "{rules:?}");
    assert!(rules[1].ends_with(" 人"), "graded by residents: {rules:?}");
    assert_eq!(doc["labels"], true, "labels are on");
    let label = doc["label_expression"].as_str().unwrap_or("");
    assert!(
        label.contains("\"name\"")
            && label.contains("\"code\"")
            && label.contains("\"households\""),
        "{label}"
    );
    assert_eq!(doc["aliases"]["households"], "户数（户）", "{doc}");
    assert_eq!(doc["aliases"]["population"], "常住人口（人）");
    assert_not_blank(&png);
    assert_web_map_colours(&doc, Shade::Residents, &demo_band(), 0.9);

    // Cells and the basemap layers open styled too.
    let cells = render(path, "active_cells", &dir.path().join("cells.png"));
    assert_eq!(cells["renderer"], "RuleRenderer", "{cells}");
    // Cells are small at a county's extent: half are wide enough to sample.
    assert_web_map_colours(
        &cells,
        Shade::Households,
        &partition::grids::Band::CELL,
        0.5,
    );
    for (layer, renderer) in [
        ("roads", "RuleRenderer"),
        ("admin", "RuleRenderer"),
        ("landuse", "RuleRenderer"),
        ("buildings", "singleSymbol"),
    ] {
        let png = dir.path().join(format!("{layer}.png"));
        let doc = render(path, layer, &png);
        assert_eq!(doc["renderer"], renderer, "{layer}: {doc}");
        assert_not_blank(&png);
    }
}

#[test]
fn exports_in_every_format_open_in_gdal_and_qgis() {
    let s = prepared_store();
    let store = p(&s.store);
    let dir = tempfile::tempdir().expect("a folder");
    let grids = plan_field(&s.plans, 2, "grids") as u64;
    let total = sum_of(&layer_uri(store, "active_grids"), "population");

    // Shapefile labelled CGCS2000: ten-character fields, UTF-8 names.
    let shp = dir.path().join("grids.shp");
    let r = wangge(&[
        "export",
        "--store",
        store,
        "--format",
        "shp",
        "--crs",
        "EPSG:4490",
        "-o",
        p(&shp),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    for ext in ["shx", "dbf", "prj", "cpg"] {
        assert!(shp.with_extension(ext).exists(), ".{ext} missing");
    }
    let info = ogr(&["-ro", "-so", p(&shp), "grids"]);
    assert!(info.contains(&format!("Feature Count: {grids}")), "{info}");
    assert!(
        info.contains("China Geodetic Coordinate System 2000") || info.contains("CGCS2000"),
        "{info}"
    );
    for field in [
        "vill_code:",
        "vill_name:",
        "households:",
        "compact:",
        "pop:",
    ] {
        assert!(info.contains(field), "{field} in:\n{info}");
    }
    // Chinese names survive dBase and its code page.
    let names = |path: &str, sql: &str| -> Vec<String> {
        let mut v: Vec<String> = ogr(&["-ro", "-q", path, "-sql", sql])
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix("name (String) = ")
                    .map(str::to_string)
            })
            .collect();
        v.sort();
        v
    };
    let shp_names = names(p(&shp), "SELECT name FROM grids");
    assert_eq!(shp_names, names(store, "SELECT name FROM active_grids"));
    assert!(
        shp_names
            .iter()
            .any(|n| n.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "{shp_names:?}"
    );
    let shp_sum = sum_of(p(&shp), "pop");
    assert!((shp_sum - total).abs() <= 0.5, "{shp_sum} vs {total}");
    assert_eq!(invalid_features(p(&shp)).1, 0);

    // A styled GeoPackage of one layer.
    let gpkg = dir.path().join("grids.gpkg");
    let r = wangge(&[
        "export",
        "--store",
        store,
        "--format",
        "gpkg",
        "-o",
        p(&gpkg),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(feature_count(p(&gpkg), "grids", &[]), grids);
    let idx = gdal_sql(p(&gpkg), "SELECT HasSpatialIndex('grids', 'geom')");
    assert!(idx.contains("= 1"), "{idx}");
    let doc = render(p(&gpkg), "grids", &dir.path().join("export.png"));
    assert_eq!(doc["renderer"], "RuleRenderer", "{doc}");
    assert_web_map_colours(&doc, Shade::Residents, &demo_band(), 0.9);
    let again = wangge(&[
        "export",
        "--store",
        store,
        "--format",
        "gpkg",
        "-o",
        p(&gpkg),
    ]);
    assert_ne!(again.code, 0, "an existing GeoPackage is not overwritten");
    assert!(again.stderr.contains("exists"), "{}", again.stderr);

    // CSV with WKT, which GDAL reads back as polygons.
    let csv = dir.path().join("grids.csv");
    let r = wangge(&["export", "--store", store, "--format", "csv", "-o", p(&csv)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let info = ogr(&[
        "-ro",
        "-so",
        "-oo",
        "GEOM_POSSIBLE_NAMES=wkt",
        "-oo",
        "KEEP_GEOM_COLUMNS=NO",
        p(&csv),
        "grids",
    ]);
    assert!(info.contains(&format!("Feature Count: {grids}")), "{info}");
    let rows = ogr(&[
        "-ro",
        "-q",
        "-oo",
        "GEOM_POSSIBLE_NAMES=wkt",
        "-oo",
        "KEEP_GEOM_COLUMNS=NO",
        p(&csv),
        "grids",
    ]);
    assert_eq!(
        rows.matches("  MULTIPOLYGON (((").count() as u64,
        grids,
        "{rows}"
    );

    // GeoJSON labelled CGCS2000 names it in a crs member.
    let json = dir.path().join("grids.geojson");
    let r = wangge(&["export", "--store", store, "--crs", "4490", "-o", p(&json)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let info = ogr(&["-ro", "-so", p(&json), "grids"]);
    assert!(
        info.contains("4490") || info.contains("China Geodetic"),
        "{info}"
    );

    // Refusals name what is wrong.
    for (args, says) in [
        (vec!["--format", "dxf"], "geojson, gpkg, shp or csv"),
        (vec!["--crs", "3857"], "EPSG:4490"),
        (vec!["--format", "shp", "-o", "-"], "not a stream"),
    ] {
        let out = dir.path().join("x.shp");
        let mut a = vec!["export", "--store", store];
        a.extend(args.iter().copied());
        if !args.contains(&"-o") {
            a.extend(["-o", p(&out)]);
        }
        let r = wangge(&a);
        assert_ne!(r.code, 0, "{a:?}");
        assert!(r.stderr.contains(says), "{a:?}: {}", r.stderr);
    }
}

//! GeoJSON layers with admin units, resident totals, field mapping and a
//! boundary, through the real binary.

mod common;
use common::*;
use serde_json::json;

fn square(x: f64, y: f64, d: f64) -> serde_json::Value {
    json!({"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]})
}

fn write(
    dir: &std::path::Path,
    name: &str,
    features: Vec<serde_json::Value>,
) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    path
}

#[test]
fn villages_with_totals_scale_their_buildings_and_fields_map() {
    let dir = tempfile::tempdir().unwrap();
    let admin = write(
        dir.path(),
        "admin.geojson",
        vec![
            json!({"type": "Feature", "properties": {"adcode": "110108001000", "name": "甲街道"}, "geometry": square(116.30, 40.00, 0.02)}),
            json!({"type": "Feature", "properties": {"adcode": "110108001001", "name": "东社区", "常住人口": 3000}, "geometry": square(116.30, 40.00, 0.01)}),
            json!({"type": "Feature", "properties": {"adcode": "110108001002", "name": "西社区", "常住人口": "1200"}, "geometry": square(116.31, 40.00, 0.01)}),
        ],
    );
    let mut houses = Vec::new();
    for i in 0..10 {
        let x = 116.301 + 0.0008 * i as f64;
        houses.push(json!({"type": "Feature", "id": format!("b{i}"), "properties": {"TYPE": "apartments", "FLOORS": 6}, "geometry": square(x, 40.001, 0.0003)}));
        houses.push(json!({"type": "Feature", "id": format!("w{i}"), "properties": {"TYPE": "apartments", "FLOORS": "9"}, "geometry": square(x + 0.01, 40.001, 0.0003)}));
    }
    // One building with a surveyed figure that must be kept as it is.
    houses.push(json!({"type": "Feature", "id": "surveyed", "properties": {"TYPE": "house", "POP": 7}, "geometry": square(116.309, 40.005, 0.0002)}));
    let buildings = write(dir.path(), "b.geojson", houses);
    let store = dir.path().join("s.gpkg");
    let r = wangge(&[
        "import",
        "--store",
        p(&store),
        "--admin",
        p(&admin),
        "--buildings",
        p(&buildings),
        "--field",
        "buildings.kind=TYPE",
        "--field",
        "levels=FLOORS",
        "--field",
        "buildings.population=POP",
        "--household-size",
        "2.5",
        "--report",
        p(&dir.path().join("r.json")),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert_eq!(row(&r.stdout, "admin"), [3, 3, 0, 0]);
    assert_eq!(row(&r.stdout, "buildings"), [21, 21, 0, 0]);
    assert!(
        r.stdout.contains("4200 residents, 1680 households"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("1 given, 20 estimated, 20 scaled"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("scaled to 2 admin unit totals"),
        "{}",
        r.stdout
    );

    // Read the buildings back through GDAL and check the split.
    let out = dir.path().join("b_out.geojson");
    let ogr = std::process::Command::new("ogr2ogr")
        .args(["-f", "GeoJSON", p(&out), p(&store), "buildings"])
        .output()
        .expect("ogr2ogr runs");
    assert!(ogr.status.success());
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let mut east = 0.0;
    let mut west = 0.0;
    for f in v["features"].as_array().unwrap() {
        let pr = &f["properties"];
        let pop = pr["population"].as_f64().unwrap();
        match pr["source_id"].as_str().unwrap() {
            "surveyed" => {
                assert_eq!(pop, 7.0);
                assert_eq!(pr["population_source"], "given");
            }
            s if s.starts_with('b') => east += pop,
            _ => west += pop,
        }
        assert_eq!(
            pr["kind"]
                .as_str()
                .map(|k| k == "apartments" || k == "house"),
            Some(true)
        );
    }
    assert!((east + 7.0 - 3000.0).abs() < 1e-6, "east {east}");
    assert!((west - 1200.0).abs() < 1e-6, "west {west}");
}

#[test]
fn boundary_gives_the_default_unit_its_shape() {
    let dir = tempfile::tempdir().unwrap();
    let boundary = write(
        dir.path(),
        "boundary.geojson",
        vec![json!({"type": "Feature", "properties": {}, "geometry": square(116.0, 40.0, 0.5)})],
    );
    let roads = write(
        dir.path(),
        "roads.geojson",
        vec![
            json!({"type": "Feature", "properties": {"highway": "primary"}, "geometry": {"type": "LineString", "coordinates": [[116.1, 40.1], [116.2, 40.2]]}}),
        ],
    );
    let store = dir.path().join("s.gpkg");
    let r = wangge(&[
        "import",
        "--store",
        p(&store),
        "--roads",
        p(&roads),
        "--boundary",
        p(&boundary),
        "--county",
        "360681",
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stdout
            .contains("no admin units given: one village 360681001001 covers the given boundary"),
        "{}",
        r.stdout
    );
    let info = wangge(&["layers", "--store", p(&store), "--json"]);
    let v: serde_json::Value = serde_json::from_str(&info.stdout).unwrap();
    let admin = v
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "admin")
        .unwrap();
    assert_eq!(admin["extent"], json!([116.0, 40.0, 116.5, 40.5]));
}

#[test]
fn later_imports_replace_only_their_layers() {
    let (dir, store, _) = imported("cn_jiangxi_guixi_2024.osm.pbf", &["--county", "360681"]);
    let first = store_counts(&store);
    let roads = write(
        dir.path(),
        "roads.geojson",
        vec![
            json!({"type": "Feature", "properties": {"highway": "residential"}, "geometry": {"type": "LineString", "coordinates": [[117.2, 28.3], [117.21, 28.31]]}}),
        ],
    );
    let r = wangge(&["import", "--store", p(&store), "--roads", p(&roads)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let second = store_counts(&store);
    assert_eq!(second["roads"], 1);
    for layer in ["admin", "buildings", "water", "railways"] {
        assert_eq!(second[layer], first[layer], "{layer} kept");
    }
}

//! wangge's Gi* beside PySAL esda's `G_Local(star=True, transform='B')`
//! on the same counts and weights: esda's documented example, and a
//! county-sized layer of H3 cells (resolution 9, k = 2) with clustered
//! cases. esda runs from the venv `scripts/esda-venv.sh` makes (its path in
//! `WANGGE_ESDA_PYTHON`, which `scripts/test.sh` sets).

use std::path::PathBuf;
use std::process::Command;

use ops::hotspots::{HotspotParams, count_cells, gi_star};
use ops::simulate::hotspot_county;
use serde_json::{Value, json};

fn esda_python() -> PathBuf {
    match std::env::var_os("WANGGE_ESDA_PYTHON") {
        Some(p) => PathBuf::from(p),
        None => {
            let local =
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/esda-venv/bin/python");
            assert!(
                local.exists(),
                "esda is needed: run scripts/esda-venv.sh (or set WANGGE_ESDA_PYTHON)"
            );
            local
        }
    }
}

fn esda(cases: Value) -> Value {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (input, output) = (dir.path().join("in.json"), dir.path().join("out.json"));
    std::fs::write(&input, cases.to_string()).expect("writing esda's input");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("bench/esda_gistar.py");
    let run = Command::new(esda_python())
        .arg(script)
        .arg(&input)
        .arg(&output)
        .output()
        .expect("running esda");
    assert!(
        run.status.success(),
        "esda failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    serde_json::from_slice(&std::fs::read(&output).expect("esda's output")).expect("esda's JSON")
}

fn assert_same(name: &str, ours: &[f64], theirs: &Value) {
    let theirs = theirs["z"].as_array().expect("z from esda");
    assert_eq!(ours.len(), theirs.len(), "{name}: as many cells");
    let mut worst = 0.0f64;
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let b = b.as_f64().unwrap_or(f64::NAN);
        assert_eq!(a.is_nan(), b.is_nan(), "{name}: cell {i}: {a} vs {b}");
        if a.is_finite() {
            worst = worst.max((a - b).abs());
        }
    }
    assert!(worst <= 1e-9, "{name}: largest difference {worst:e}");
}

#[test]
fn gi_star_equals_esda_to_1e_9() {
    // esda's documented example: six points, a distance band of 15.
    let pts: [(f64, f64); 6] = [
        (10.0, 10.0),
        (20.0, 10.0),
        (40.0, 10.0),
        (15.0, 20.0),
        (30.0, 20.0),
        (30.0, 30.0),
    ];
    let y = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];
    let band: Vec<Vec<usize>> = (0..pts.len())
        .map(|i| {
            let (a, b) = pts[i];
            (0..pts.len())
                .filter(|&j| j != i && (a - pts[j].0).hypot(b - pts[j].1) <= 15.0)
                .collect()
        })
        .collect();
    let example = gi_star(&y, &band).expect("Gi* of the example");

    let (area, points) = hotspot_county();
    let counted = count_cells(&points, &area, &HotspotParams::default()).expect("cells");
    assert!(
        (15_000..30_000).contains(&counted.cells.len()),
        "a county at resolution 9: {} cells",
        counted.cells.len()
    );
    let values: Vec<f64> = counted.counts.iter().map(|&c| f64::from(c)).collect();
    let ours = gi_star(&values, &counted.neighbours).expect("Gi* of the county");

    let theirs = esda(json!({"cases": [
        {"name": "example", "values": y, "points": pts, "band": 15.0},
        {"name": "county", "values": values, "neighbours": counted.neighbours},
    ]}));
    assert_same("esda's documented example", &example.z, &theirs["example"]);
    assert_same("county at resolution 9, k = 2", &ours.z, &theirs["county"]);
}

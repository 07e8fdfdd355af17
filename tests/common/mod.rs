//! Helpers shared by the end-to-end tests: run the real `wangge` binary on
//! the real sample data.
#![allow(dead_code)]

pub mod http;
pub mod postgis;
pub mod sse;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn data(rel: &str) -> PathBuf {
    root().join("data").join(rel)
}

pub fn corpus(name: &str) -> PathBuf {
    root().join("tests/bad_input").join(name)
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn wangge(args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(args)
        .output()
        .expect("the wangge binary runs");
    let run = Run::from(out);
    assert!(
        !run.stderr.contains("panicked"),
        "wangge panicked:\n{}",
        run.stderr
    );
    run
}

pub fn p(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// Feature counts per layer, read back from the store by `wangge layers`.
pub fn store_counts(store: &Path) -> std::collections::BTreeMap<String, u64> {
    let r = wangge(&["layers", "--store", p(store), "--json"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("layers --json is JSON");
    v.as_array()
        .expect("an array")
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap_or("").to_string(),
                l["features"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

/// The `read imported repaired skipped` row of a layer in import output.
pub fn row(stdout: &str, layer: &str) -> [u64; 4] {
    let line = stdout
        .lines()
        .find(|l| l.split_whitespace().next() == Some(layer))
        .unwrap_or_else(|| panic!("no {layer} row in:\n{stdout}"));
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().expect("a count"))
        .collect();
    [n[0], n[1], n[2], n[3]]
}

/// A fresh store in a temporary folder with one sample extract imported
/// (`extra` arguments appended); the import must succeed.
pub fn imported(extract: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, Run) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let store = dir.path().join("s.gpkg");
    let pbf = data(&format!("osm/{extract}"));
    let mut args = vec!["import", "--store", p(&store), p(&pbf)];
    args.extend_from_slice(extra);
    let run = wangge(&args);
    assert_eq!(run.code, 0, "import of {extract} failed:\n{}", run.all());
    (dir, store, run)
}

/// A store with the Qinghuayuan extract imported (county 110108, its
/// census population) and partitioned: a plan in force.
pub fn prepared(store: &[&str]) {
    let pbf = data("osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf");
    let mut args = vec!["import"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[p(&pbf), "--county", "110108", "--population-total", "44166"]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let mut args = vec!["partition"];
    args.extend_from_slice(store);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
}

/// GDAL's `ogrinfo` (Debian gdal-bin), which must succeed: its standard
/// output and error.
pub fn ogrinfo(args: &[&str]) -> (String, String) {
    let out = Command::new("ogrinfo")
        .args(args)
        .output()
        .expect("ogrinfo (Debian gdal-bin) must be installed");
    assert!(
        out.status.success(),
        "ogrinfo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

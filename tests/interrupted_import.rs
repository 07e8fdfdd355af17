//! An import killed while it writes leaves the store as it was: the write
//! is one SQLite transaction with a rollback journal, and the next open
//! rolls the journal back.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

#[test]
fn killed_import_leaves_the_previous_content() {
    let (dir, store, _r) = imported("cn_beijing_haidian_qinghuayuan_2017.osm.pbf", &[]);
    let before = store_counts(&store);

    let county = dir.path().join("county");
    let r = wangge(&[
        "synth",
        "--seed",
        "2",
        "--buildings",
        "120000",
        "--out",
        p(&county),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());

    let journal = dir.path().join("s.gpkg-journal");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args(["import", "--store", p(&store), "--dir", p(&county)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as the write transaction has begun.
    let start = Instant::now();
    let mut killed_mid_write = false;
    while start.elapsed() < Duration::from_secs(120) {
        if journal.exists() {
            child.kill().unwrap();
            killed_mid_write = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.wait();
    assert!(
        killed_mid_write,
        "the import finished before it could be interrupted"
    );
    assert!(
        journal.exists(),
        "the hot journal is left behind for recovery"
    );

    // The next open rolls back: the old content, whole.
    assert_eq!(store_counts(&store), before);
    let check = Command::new("ogrinfo")
        .args(["-ro", "-q", p(&store), "-sql", "PRAGMA integrity_check"])
        .output()
        .expect("ogrinfo runs");
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("ok"),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

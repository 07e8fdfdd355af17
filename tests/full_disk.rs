//! Writes that fail because the disk is full, on a real small file system
//! (a tmpfs mounted for the test; mounting needs root, as CI runs): the
//! command exits non-zero with a clear message, the rollback has finished
//! before it exits (no hot journal beside the file), the file copied alone
//! passes SQLite's integrity check and opens read-only, what was stored
//! before is still there, and the space is free again.

mod common;
use common::*;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A tmpfs of `mb` MiB, unmounted when dropped.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mb: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mb}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("mount runs");
        assert!(
            out.status.success(),
            "mounting a {mb} MB tmpfs failed (this test needs root, as CI has): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Bytes used on the file system.
    fn used(&self) -> u64 {
        let out = Command::new("df")
            .args(["-B1", "--output=used"])
            .arg(self.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// SQLite's own verdict on a copy of the file, opened read-only.
fn integrity_of_copy(store: &Path) -> String {
    let copy = tempfile::tempdir().unwrap();
    let c = copy.path().join("copy.gpkg");
    std::fs::copy(store, &c).unwrap();
    let mut perms = std::fs::metadata(&c).unwrap().permissions();
    perms.set_readonly(true);
    std::fs::set_permissions(&c, perms).unwrap();
    let out = Command::new("python3")
        .arg("-c")
        .arg(
            "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); \
             print(c.execute('PRAGMA integrity_check').fetchone()[0]); \
             print(c.execute('SELECT count(*) FROM buildings').fetchone()[0])",
        )
        .arg(&c)
        .output()
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn journal(store: &Path) -> PathBuf {
    PathBuf::from(format!("{}-journal", store.display()))
}

/// A synthetic county too large for the disk, written as GeoJSON elsewhere.
fn big_county(dir: &Path) -> PathBuf {
    let out = dir.join("big");
    let r = wangge(&[
        "synth",
        "--seed",
        "5",
        "--buildings",
        "120000",
        "--population",
        "400000",
        "--county",
        "360681",
        "--out",
        p(&out),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    out
}

fn import_qinghuayuan(store: &Path) {
    let pbf = data("osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf");
    let r = wangge(&["import", "--store", p(store), p(&pbf), "--county", "110108"]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn an_import_that_fills_the_disk_leaves_the_store_whole() {
    let fs = Tmpfs::mount(20);
    let work = tempfile::tempdir().unwrap();
    let big = big_county(work.path());
    let store = fs.path().join("city.gpkg");
    import_qinghuayuan(&store);
    let before = store_counts(&store);
    assert_eq!(before["buildings"], 521);
    let used_before = fs.used();

    // Checked first: the write is refused before it starts.
    let r = wangge(&["import", "--store", p(&store), "--dir", p(&big)]);
    assert_ne!(r.code, 0);
    assert!(
        r.stderr.contains("MB of disk") && r.stderr.contains("nothing was written"),
        "{}",
        r.stderr
    );
    assert!(!journal(&store).exists());

    // Unchecked, it really fills the disk, and rolls back before exiting.
    let r = wangge(&[
        "import",
        "--store",
        p(&store),
        "--dir",
        p(&big),
        "--no-space-check",
    ]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("nothing was changed"), "{}", r.stderr);
    assert!(
        r.stderr.to_lowercase().contains("full") || r.stderr.contains("disk"),
        "the error names the full disk: {}",
        r.stderr
    );
    assert!(
        !journal(&store).exists(),
        "a hot journal was left beside the store"
    );
    let verdict = integrity_of_copy(&store);
    assert!(verdict.starts_with("ok\n521"), "the copied file: {verdict}");
    assert_eq!(
        store_counts(&store),
        before,
        "what was stored is still there"
    );
    assert!(
        fs.used() <= used_before + 1024 * 1024,
        "the space is free again: {} → {} bytes used",
        used_before,
        fs.used()
    );
}

#[test]
fn a_partition_that_fills_the_disk_leaves_the_store_whole() {
    let fs = Tmpfs::mount(12);
    let store = fs.path().join("q.gpkg");
    import_qinghuayuan(&store);
    // Leave about 150 KB free.
    let free = {
        let out = Command::new("df")
            .args(["-B1", "--output=avail"])
            .arg(fs.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse::<u64>().ok())
            .unwrap()
    };
    let filler = fs.path().join("filler");
    std::fs::write(&filler, vec![0u8; (free - 150 * 1024) as usize]).unwrap();

    let r = wangge(&["partition", "--store", p(&store), "--cells"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("MB of disk"), "{}", r.stderr);

    let r = wangge(&[
        "partition",
        "--store",
        p(&store),
        "--cells",
        "--no-space-check",
    ]);
    assert_ne!(r.code, 0, "{}", r.all());
    assert!(r.stderr.contains("nothing was changed"), "{}", r.stderr);
    assert!(
        !journal(&store).exists(),
        "a hot journal was left beside the store"
    );
    assert!(integrity_of_copy(&store).starts_with("ok\n521"));
    let plans = wangge(&["plans", "--store", p(&store), "--json"]);
    assert_eq!(plans.code, 0, "{}", plans.all());
    assert_eq!(plans.stdout.trim(), "[]", "no half-saved plan");

    // With room again, the same store takes the plan.
    std::fs::remove_file(&filler).unwrap();
    let r = wangge(&["partition", "--store", p(&store)]);
    assert_eq!(r.code, 0, "{}", r.all());
}

#[test]
fn a_read_only_store_is_refused_before_the_work() {
    let fs = Tmpfs::mount(12);
    let store = fs.path().join("q.gpkg");
    import_qinghuayuan(&store);
    // Read-only for root too.
    let out = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(fs.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = wangge(&["partition", "--store", p(&store), "--cells"]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("cannot be written"), "{}", r.stderr);
    assert!(
        !r.stdout.contains("grids"),
        "refused before partitioning: {}",
        r.stdout
    );
    let pbf = data("osm/fi_kotka_pyrosm_test.osm.pbf");
    let r = wangge(&["import", "--store", p(&store), p(&pbf)]);
    assert_ne!(r.code, 0);
    assert!(r.stderr.contains("cannot be written"), "{}", r.stderr);
    assert!(
        !r.stdout.contains("layer"),
        "refused before reading the inputs: {}",
        r.stdout
    );
    // Reading still works.
    assert_eq!(store_counts(&store)["buildings"], 521);
}

//! While another program holds the store's lock (QGIS, `sqlite3`, an
//! import; on PostGIS a long transaction), the server answers what it can
//! from memory and the rest with a quick 503 and `Retry-After` — never a
//! 30-second hang, never a 5xx counted as its own fault.

mod common;
use common::http::{accepted, get, request, serve, token};
use common::postgis::PgCluster;
use common::*;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Qinghuayuan with two plans, plan 1 active.
fn prepare(store: &[&str]) {
    let pbf = data("osm/cn_beijing_haidian_qinghuayuan_2017.osm.pbf");
    let mut args = vec!["import"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[p(&pbf), "--county", "110108"]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    for extra in [
        &[][..],
        &["--no-activate", "--band", "households:300-500"][..],
    ] {
        let mut args = vec!["partition"];
        args.extend_from_slice(store);
        args.extend_from_slice(extra);
        let r = wangge(&args);
        assert_eq!(r.code, 0, "{}", r.all());
    }
}

/// A process holding a lock until dropped; started once it holds it.
struct Holder(Child);

impl Holder {
    /// Starts `cmd`, writes `input` to it (keeping its input open), and
    /// waits for it to say "locked".
    fn start(mut cmd: Command, input: &str) -> Self {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the lock holder starts");
        {
            use std::io::Write;
            let stdin = child.stdin.as_mut().unwrap();
            stdin.write_all(input.as_bytes()).unwrap();
            stdin.flush().unwrap();
        }
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("locked"), "the lock holder said {line:?}");
        Self(child)
    }
}

impl Drop for Holder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// What a server answers while its store is locked.
fn while_locked(port: u16, planner: &str) {
    let auth = format!("Bearer {planner}");
    for path in ["/api/plans", "/api/plans/1", "/api/counties", "/healthz"] {
        let t = Instant::now();
        let r = get(port, path);
        assert_eq!(r.status, 200, "{path} from memory: {}", r.text());
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{path} took {:?}",
            t.elapsed()
        );
    }
    let (x, y) = common::http::tile_of(116.33, 40.0, 14);
    assert!(matches!(
        get(port, &format!("/tiles/grids/14/{x}/{y}.mvt")).status,
        200 | 204
    ));
    let t = Instant::now();
    let r = request(
        port,
        "POST",
        "/api/plans/2/activate",
        &[("Authorization", &auth)],
    );
    let took = t.elapsed();
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
    assert!(r.text().contains("busy"), "{}", r.text());
    assert!(
        took < Duration::from_secs(8),
        "a busy store answered after {took:?}"
    );
    let m = get(port, "/metrics").text();
    assert!(
        m.contains("wangge_http_responses_total{class=\"5xx\"} 0"),
        "a busy store is not a server fault: {}",
        m.lines()
            .filter(|l| l.contains("responses_total"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(!m.contains("wangge_http_responses_total{class=\"unavailable\"} 0"));
}

fn after_unlock(port: u16, planner: &str) {
    let auth = format!("Bearer {planner}");
    let start = Instant::now();
    loop {
        let r = request(
            port,
            "POST",
            "/api/plans/2/activate",
            &[("Authorization", &auth)],
        );
        if r.status == 200 {
            break;
        }
        assert_eq!(r.status, 503, "{}", r.text());
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the store stayed busy"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A served, partitioned store; then another program's lock, taken by
/// `locker` (fed `script` on stdin), held while the server is probed, and
/// released.
fn probe_under_lock(args: &[&str], locker: Command, script: &str) {
    prepare(args);
    let planner = token(args, "planner", &[]);
    let server = serve(
        args,
        &["--public-read", "--busy-timeout", "1", "--rate-limit", "0"],
    );
    accepted(server.port, &planner);
    {
        let _lock = Holder::start(locker, script);
        while_locked(server.port, &planner);
    }
    after_unlock(server.port, &planner);
}

#[test]
fn a_locked_geopackage_gives_quick_503s_and_reads_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("q.gpkg");
    // What `sqlite3` or QGIS editing a layer does: an exclusive lock.
    let mut cmd = Command::new("python3");
    cmd.arg("-c")
        .arg(
            "import sqlite3,sys,time; c=sqlite3.connect(sys.argv[1], isolation_level=None); \
             c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(120)",
        )
        .arg(&store);
    probe_under_lock(&["--store", p(&store)], cmd, "");
}

#[test]
fn a_locked_postgis_table_gives_quick_503s_and_reads_from_memory() {
    let cluster = PgCluster::start();
    let url = cluster.database("busy");
    // A long transaction holding the plans table (released when psql is
    // killed and its connection closes).
    let mut cmd = Command::new("psql");
    cmd.args(["-q", "-v", "ON_ERROR_STOP=1", &url]);
    probe_under_lock(
        &["--db", url.as_str()],
        cmd,
        "BEGIN;\nLOCK TABLE plans IN ACCESS EXCLUSIVE MODE;\n\\echo locked\n",
    );
}

//! Acknowledged means committed: a phone posts batches while the server is
//! killed with SIGKILL (both stores) or PostgreSQL is restarted under it.
//! Afterwards every acknowledged fix is in the store once (a resend of its
//! batch is all duplicates) and every unacknowledged batch is all or
//! nothing (a resend is all new or all duplicates).

mod common;
use common::http::{Server, accepted, send, serve, token};
use common::postgis::PgCluster;
use common::*;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const EXTRACT: &str = "cn_beijing_haidian_qinghuayuan_2017.osm.pbf";
const BATCH: usize = 50;

fn prepare(store: &[&str]) {
    let pbf = data(&format!("osm/{EXTRACT}"));
    let mut args = vec!["import"];
    args.extend_from_slice(store);
    args.extend_from_slice(&[p(&pbf), "--county", "110108"]);
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let roster = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(roster.path(), "id,name,role,grids\nw1,张三,专职网格员,\n").unwrap();
    let mut args = vec!["workers", "import"];
    args.extend_from_slice(store);
    args.push(p(roster.path()));
    let r = wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Batch `k`: BATCH fixes a second apart, a walk through Qinghuayuan.
fn batch(t0: i64, k: usize) -> Value {
    Value::Array(
        (0..BATCH)
            .map(|i| {
                let n = (k * BATCH + i) as f64;
                json!({"time": t0 + n as i64, "lon": 116.30 + n * 2e-6, "lat": 40.0})
            })
            .collect(),
    )
}

fn post(port: u16, token: &str, body: &Value) -> Option<Value> {
    let auth = format!("Bearer {token}");
    let bytes = serde_json::to_vec(body).unwrap();
    let r = std::panic::catch_unwind(|| {
        send(
            port,
            "POST",
            "/api/positions",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            Some(&bytes),
        )
    })
    .ok()?;
    (r.status == 200).then(|| r.json())
}

/// Posts batches one after another until `stop`; the acknowledged ones
/// and the one in flight when it stopped are returned.
fn poster(
    port: u16,
    token: String,
    t0: i64,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<(Vec<usize>, usize)> {
    std::thread::spawn(move || {
        let mut acked = Vec::new();
        let mut k = 0;
        // (at most two days of fixes: all in the past)
        while !stop.load(Ordering::Relaxed) && k < 3_000 {
            match post(port, &token, &batch(t0, k)) {
                Some(v) if v["accepted"].as_u64() == Some(BATCH as u64) => acked.push(k),
                Some(v) => panic!("batch {k}: {v}"),
                None => break,
            }
            k += 1;
        }
        (acked, k)
    })
}

/// After the crash: every acknowledged batch is stored once, the one in
/// flight all or nothing.
fn check_after(port: u16, token: &str, t0: i64, acked: &[usize], in_flight: usize) {
    assert!(
        acked.len() > 3,
        "too few batches before the crash: {}",
        acked.len()
    );
    for &k in acked {
        let v = post(port, token, &batch(t0, k)).expect("a reply");
        assert_eq!(
            (v["accepted"].as_u64(), v["duplicates"].as_u64()),
            (Some(0), Some(BATCH as u64)),
            "acknowledged batch {k} is not all there: {v}"
        );
    }
    let v = post(port, token, &batch(t0, in_flight)).expect("a reply");
    let (a, d) = (
        v["accepted"].as_u64().unwrap(),
        v["duplicates"].as_u64().unwrap(),
    );
    assert!(
        a == BATCH as u64 || d == BATCH as u64,
        "batch {in_flight} half stored: {v}"
    );
}

fn kill_9(server: &Server) {
    let st = std::process::Command::new("kill")
        .args(["-9", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
}

fn crash_and_restart(store: &[&str]) {
    prepare(store);
    let phone = token(store, "worker", &["--worker", "w1"]);
    let t0 = now() - 3 * 86_400;
    let server = serve(store, &["--rate-limit", "0"]);
    accepted(server.port, &phone);
    let stop = Arc::new(AtomicBool::new(false));
    let h = poster(server.port, phone.clone(), t0, stop.clone());
    std::thread::sleep(Duration::from_millis(1500));
    kill_9(&server);
    let (acked, in_flight) = h.join().unwrap();
    drop(server);
    let server = serve(store, &["--rate-limit", "0"]);
    accepted(server.port, &phone);
    check_after(server.port, &phone, t0, &acked, in_flight);
}

#[test]
fn kill_9_of_the_server_loses_no_acknowledged_fix_geopackage() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s.gpkg");
    crash_and_restart(&["--store", p(&store)]);
}

#[test]
fn kill_9_of_the_server_loses_no_acknowledged_fix_postgis() {
    let cluster = PgCluster::start();
    let url = cluster.database("durable");
    crash_and_restart(&["--db", url.as_str()]);
}

#[test]
fn a_postgresql_restart_under_load_loses_no_acknowledged_fix() {
    let cluster = PgCluster::start();
    let url = cluster.database("restart");
    let store = ["--db", url.as_str()];
    prepare(&store);
    let phone = token(&store, "worker", &["--worker", "w1"]);
    let t0 = now() - 3 * 86_400;
    let server = serve(&store, &["--rate-limit", "0"]);
    accepted(server.port, &phone);
    // The phone keeps posting through the restart: refused batches (503
    // while the database is down) are sent again, as a phone does.
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let h = {
        let (acked, stop, phone) = (acked.clone(), stop.clone(), phone.clone());
        let port = server.port;
        std::thread::spawn(move || {
            let mut k = 0;
            let mut failures = 0;
            while !stop.load(Ordering::Relaxed) {
                match post(port, &phone, &batch(t0, k)) {
                    Some(v) => {
                        let (a, d) = (
                            v["accepted"].as_u64().unwrap(),
                            v["duplicates"].as_u64().unwrap(),
                        );
                        assert!(
                            a + d == BATCH as u64 && (a == 0 || d == 0),
                            "batch {k}: {v}"
                        );
                        acked.lock().unwrap().push(k);
                        k += 1;
                    }
                    None => {
                        failures += 1;
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
            failures
        })
    };
    std::thread::sleep(Duration::from_millis(1000));
    cluster.restart();
    let start = Instant::now();
    let before = acked.lock().unwrap().len();
    while acked.lock().unwrap().len() < before + 20 {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "ingest did not resume after the restart"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    stop.store(true, Ordering::Relaxed);
    let failures = h.join().unwrap();
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "{} batches acknowledged, {failures} refused while PostgreSQL restarted",
        acked.len()
    );
    let last = *acked.last().unwrap();
    check_after(server.port, &phone, t0, &acked, last + 1);
}

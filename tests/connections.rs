//! Connection bounds, probed as a hostile or careless client would: a
//! request whose headers never finish (slowloris), a body that stops half
//! way, an idle keep-alive connection, more connections than the cap, a
//! burst of connections dropped by their clients, a shutdown while a
//! client is mid-request, and requests too large for the server.

mod common;
use common::http::{Server, free_port, get};
use common::*;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn start(store: &std::path::Path, extra: &[&str]) -> Server {
    let mut args = vec![
        "--public-read",
        "--header-timeout",
        "1",
        "--body-timeout",
        "1",
    ];
    args.extend_from_slice(&["--idle-timeout", "2", "--shutdown-grace", "2"]);
    args.extend_from_slice(extra);
    common::http::serve(&["--store", p(store)], &args)
}

fn connect(port: u16) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads until the server closes; returns what it sent and how long that took.
fn until_closed(s: &mut TcpStream) -> (Vec<u8>, Duration) {
    let t = Instant::now();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    (out, t.elapsed())
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn slow_headers_half_bodies_and_idle_connections_are_closed() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let server = start(&store, &[]);
    let port = server.port;

    // Headers that never finish: closed after the header timeout.
    let mut s = connect(port);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        .unwrap();
    let (_, took) = until_closed(&mut s);
    assert!(took < Duration::from_secs(5), "slowloris held for {took:?}");

    // A body that stops half way: answered 408 and closed.
    let mut s = connect(port);
    s.write_all(
        b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":",
    )
    .unwrap();
    let (out, took) = until_closed(&mut s);
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("stalled"), "{text}");
    assert!(
        took < Duration::from_secs(5),
        "a half body held for {took:?}"
    );

    // An idle keep-alive connection: closed after the idle timeout.
    let mut s = connect(port);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let (_, took) = until_closed(&mut s);
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(8),
        "idle connection closed after {took:?}"
    );

    // No connection held is left after a burst of clients that vanish.
    let pid = server.pid();
    let baseline = open_fds(pid);
    let burst: Vec<TcpStream> = (0..300).map(|_| connect(port)).collect();
    for mut s in burst.into_iter().take(150) {
        let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    }
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(300));
        if open_fds(pid) <= baseline + 5 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "{} descriptors still open (baseline {baseline})",
            open_fds(pid)
        );
    }
    let m = get(port, "/metrics").text();
    assert!(m.contains("wangge_connections_open "), "{m}");
}

#[test]
fn the_connection_cap_makes_extra_clients_wait_not_fail() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let server = start(&store, &["--max-connections", "3"]);
    let port = server.port;
    // Three clients hold every slot with headers that never finish.
    let holders: Vec<TcpStream> = (0..3)
        .map(|_| {
            let mut s = connect(port);
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    // A fourth is accepted once a slot frees (the header timeout ends a
    // holder), and answered.
    let t = Instant::now();
    let r = get(port, "/healthz");
    assert_eq!(r.status, 200);
    // The holders' 1 s header timeout began about 300 ms ago.
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "answered at once: the cap did not hold"
    );
    drop(holders);
}

#[test]
fn sigterm_finishes_within_the_grace_even_with_a_client_mid_request() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args([
            "serve",
            "--store",
            p(&store),
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .args([
            "--public-read",
            "--header-timeout",
            "30",
            "--shutdown-grace",
            "2",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() || get(port, "/healthz").status != 200 {
        assert!(start.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(100));
    }
    // A client mid-request (its headers never end) and a request finished.
    let mut s = connect(port);
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .unwrap();
    assert_eq!(get(port, "/healthz").status, 200);
    let t = Instant::now();
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(8),
            "still running {:?} after SIGTERM with a 2 s grace",
            t.elapsed()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // New connections are refused once it stopped.
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err());
}

#[test]
fn requests_too_large_get_json_errors_counted_in_metrics() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let server = start(&store, &[]);
    let port = server.port;
    let long = format!("/healthz?{}", "a".repeat(10 * 1024));
    let r = get(port, &long);
    assert_eq!(r.status, 414, "{}", r.text());
    assert_eq!(r.json()["status"], 414);
    let cookie = "c".repeat(40 * 1024);
    let r = common::http::request(port, "GET", "/healthz", &[("Cookie", &cookie)]);
    assert_eq!(r.status, 431, "{}", r.text());
    assert_eq!(r.json()["status"], 431);
    // Without a Host header, TileJSON keeps the listening address's port.
    let mut s = connect(port);
    s.write_all(b"GET /tiles/roads.json HTTP/1.0\r\n\r\n")
        .unwrap();
    let (out, _) = until_closed(&mut s);
    let text = String::from_utf8_lossy(&out);
    assert!(
        text.contains(&format!("http://127.0.0.1:{port}/tiles/roads/")),
        "{text}"
    );
    let m = get(port, "/metrics").text();
    assert!(
        !m.contains("wangge_http_responses_total{class=\"4xx\"} 0"),
        "{m}"
    );
}

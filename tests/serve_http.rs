//! `wangge serve` over real HTTP: grid tiles of the active plan decode to
//! the plan's grids; empty tiles are 204; bad requests are 4xx with JSON.

mod common;
use common::*;

use geozero::mvt::{Message, Tile};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (status, content type, body) of a GET.
fn get(port: u16, path: &str) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("headers end");
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("a status");
    let ctype = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-type: ")
                .map(str::to_string)
        })
        .unwrap_or_default();
    let mut body = raw[split + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        // Undo chunking.
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(nl) = rest.windows(2).position(|w| w == b"\r\n") {
            let size =
                usize::from_str_radix(String::from_utf8_lossy(&rest[..nl]).trim(), 16).unwrap_or(0);
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[nl + 2..nl + 2 + size]);
            rest = &rest[nl + 2 + size + 2..];
        }
        body = out;
    }
    (status, ctype, body)
}

fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

#[test]
fn grid_tiles_over_http() {
    let (_dir, store, _) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    let r = wangge(&["partition", "--store", p(&store)]);
    assert_eq!(r.code, 0, "{}", r.all());
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_wangge"))
        .args([
            "serve",
            "--store",
            p(&store),
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Server(child);
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, _, body) = get(port, "/healthz");
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("ok"));

    // Kotka's centre at z14 holds grids.
    let (x, y) = tile_of(26.95, 60.53, 14);
    let (status, ctype, body) = get(port, &format!("/tiles/grids/14/{x}/{y}.mvt"));
    assert_eq!(status, 200);
    assert_eq!(ctype, "application/vnd.mapbox-vector-tile");
    let tile = Tile::decode(body.as_slice()).expect("an MVT");
    assert_eq!(tile.layers.len(), 1);
    let layer = &tile.layers[0];
    assert_eq!(layer.name, "grids");
    assert!(!layer.features.is_empty());
    assert!(layer.features.iter().all(|f| f.id.is_some()));
    assert!(layer.keys.iter().any(|k| k == "code") && layer.keys.iter().any(|k| k == "households"));
    let (status, _, body2) = get(port, &format!("/tiles/grids/14/{x}/{y}.mvt?plan=1"));
    assert_eq!((status, body2.len()), (200, body.len()));

    // Several sources in one tile, one layer each.
    let (status, _, body) = get(port, &format!("/tiles/grids,blocks,admin/14/{x}/{y}.mvt"));
    assert_eq!(status, 200);
    let tile = Tile::decode(body.as_slice()).unwrap();
    let names: Vec<&str> = tile.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, vec!["grids", "blocks", "admin"]);
    let admin = &tile.layers[2];
    assert!(admin.keys.iter().any(|k| k == "level"));
    let (status, _, body) = get(port, &format!("/tiles/grids,roofs/14/{x}/{y}.mvt"));
    assert_eq!(status, 404);
    let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        err["error"],
        "unknown tile source \"roofs\"; known: grids, blocks, admin"
    );
    for source in ["blocks", "admin"] {
        let (status, _, body) = get(port, &format!("/tiles/{source}.json"));
        assert_eq!(status, 200);
        let tj: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(tj["vector_layers"][0]["id"], source);
    }

    // TileJSON 3.0 points at the tiles on the same host.
    let (status, ctype, body) = get(port, "/tiles/grids.json");
    assert_eq!(status, 200);
    assert!(ctype.starts_with("application/json"));
    let tj: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(tj["tilejson"], "3.0.0");
    assert_eq!(
        tj["tiles"][0],
        "http://127.0.0.1/tiles/grids/{z}/{x}/{y}.mvt"
    );
    assert_eq!(tj["vector_layers"][0]["fields"]["code"], "String");
    assert_eq!(tj["attribution"], "© OpenStreetMap contributors");
    let b = tj["bounds"].as_array().unwrap();
    assert!(
        b[0].as_f64().unwrap() > 26.8 && b[2].as_f64().unwrap() < 27.1,
        "{b:?}"
    );
    assert_eq!(get(port, "/tiles/roofs.json").0, 404);

    // Nothing there: 204. Bad requests: 4xx with a JSON error.
    assert_eq!(get(port, "/tiles/grids/14/0/0.mvt").0, 204);
    for (path, code, says) in [
        ("/tiles/grids/40/0/0.mvt", 400, "zoom 40 is out of range"),
        ("/tiles/grids/3/8/0.mvt", 400, "outside zoom 3"),
        ("/tiles/grids/a/0/0.mvt", 400, "is not a tile number"),
        ("/tiles/roofs/1/0/0.mvt", 404, "unknown tile source"),
        ("/tiles/grids/1/0/0.png", 404, "tiles end in .mvt"),
        ("/tiles/grids/1/0/0.mvt?plan=99", 404, "no plan"),
        (
            "/tiles/grids/1/0/0.mvt?plan=1%27%20OR%201=1",
            404,
            "no plan",
        ),
        ("/nothing", 404, "no such endpoint"),
    ] {
        let (status, ctype, body) = get(port, path);
        let text = String::from_utf8_lossy(&body);
        assert_eq!(status, code, "{path}: {text}");
        assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
        assert!(text.contains(says), "{path}: {text}");
    }
    let long = format!("/tiles/grids/1/0/0.mvt?plan={}", "9".repeat(4000));
    assert_eq!(get(port, &long).0, 400);
}

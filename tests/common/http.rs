//! A small HTTP/1.1 client over a plain socket (one request a connection):
//! enough to see exactly the status, headers and bytes the server sends.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Reply {
    pub status: u16,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    send(port, method, path, headers, None)
}

/// A request with a body (its Content-Length is set here). A `Host`
/// among `headers` replaces the default `127.0.0.1`.
pub fn send(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
        head.push_str("Host: 127.0.0.1\r\n");
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let declared = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-length"));
    match body {
        _ if declared => {}
        Some(b) => head.push_str(&format!("Content-Length: {}\r\n", b.len())),
        None if method == "POST" || method == "DELETE" => head.push_str("Content-Length: 0\r\n"),
        None => {}
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    if let Some(b) = body {
        // A server may answer (413) before taking the body: ignore a reset.
        let _ = s.write_all(b);
    }
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
    let headers: HashMap<String, String> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
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
    Reply {
        status,
        headers,
        body,
    }
}

pub fn get(port: u16, path: &str) -> Reply {
    request(port, "GET", path, &[])
}

/// A `wangge serve` child process, killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `wangge serve` with `store_args` (`--store F` or `--db URL`) and
/// waits until /healthz answers.
pub fn serve(store_args: &[&str], extra: &[&str]) -> Server {
    serve_logged(store_args, extra, None)
}

/// Like [`serve`], with everything the server logs (at debug level) written
/// to `log`.
pub fn serve_logged(store_args: &[&str], extra: &[&str], log: Option<&std::path::Path>) -> Server {
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec!["serve"];
    args.extend_from_slice(store_args);
    args.extend_from_slice(&["--addr", &addr]);
    args.extend_from_slice(extra);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangge"));
    cmd.args(&args).stdout(Stdio::null());
    match log {
        Some(path) => {
            let f = std::fs::File::create(path).expect("a log file");
            cmd.env("WANGGE_LOG", "debug").stderr(f);
        }
        None => {
            cmd.stderr(Stdio::null());
        }
    }
    let child = cmd.spawn().unwrap();
    let server = Server { child, port };
    let start = Instant::now();
    loop {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() && get(port, "/healthz").status == 200 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    server
}

pub fn tile_of(lon: f64, lat: f64, z: u32) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = ((lon + 180.0) / 360.0 * n) as u32;
    let r = lat.to_radians();
    let y = ((1.0 - (r.tan() + 1.0 / r.cos()).ln() / std::f64::consts::PI) / 2.0 * n) as u32;
    (x, y)
}

/// Issues a token with the CLI and returns its text.
pub fn token(store_args: &[&str], role: &str, extra: &[&str]) -> String {
    let mut args = vec!["tokens", "issue"];
    args.extend_from_slice(store_args);
    args.extend_from_slice(&["--role", role]);
    args.extend_from_slice(extra);
    let r = super::wangge(&args);
    assert_eq!(r.code, 0, "{}", r.all());
    let t = r.stdout.trim().to_string();
    assert!(t.starts_with("wg_"), "{t}");
    t
}

/// `Authorization: Bearer …` for `request`.
pub fn bearer(token: &str) -> (String, String) {
    ("Authorization".into(), format!("Bearer {token}"))
}

/// Waits until a running server accepts a token just issued by the CLI
/// (a server hears of new tokens within a second or two).
pub fn accepted(port: u16, token: &str) {
    let auth = format!("Bearer {token}");
    let start = Instant::now();
    loop {
        let r = request(port, "GET", "/api/session", &[("Authorization", &auth)]);
        if r.status == 200 && r.json()["signed_in"] == true {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the server never accepted the token: {}",
            r.text()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A JSON request with a bearer token: the status and the JSON answer
/// (`Null` for an empty body).
pub fn call(
    port: u16,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&serde_json::Value>,
) -> (u16, serde_json::Value) {
    let auth = format!("Bearer {token}");
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    let mut headers = vec![("Authorization", auth.as_str())];
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    let r = send(port, method, path, &headers, bytes.as_deref());
    let v = if r.body.is_empty() {
        serde_json::Value::Null
    } else {
        r.json()
    };
    (r.status, v)
}

/// A decoded tile's features in `layer`: their properties by name.
pub fn tile_features(body: &[u8], layer: &str) -> Vec<serde_json::Map<String, serde_json::Value>> {
    use geozero::mvt::{Message, Tile};
    let t = Tile::decode(body).expect("an MVT");
    let mut out = Vec::new();
    for l in t.layers.iter().filter(|l| l.name == layer) {
        for f in &l.features {
            let mut m = serde_json::Map::new();
            for kv in f.tags.chunks(2) {
                let v = &l.values[kv[1] as usize];
                let j = if let Some(s) = &v.string_value {
                    serde_json::json!(s)
                } else if let Some(b) = v.bool_value {
                    serde_json::json!(b)
                } else if let Some(i) = v.int_value.or(v.sint_value) {
                    serde_json::json!(i)
                } else {
                    serde_json::json!(v.double_value.or(v.float_value.map(f64::from)))
                };
                m.insert(l.keys[kv[0] as usize].clone(), j);
            }
            out.push(m);
        }
    }
    out
}

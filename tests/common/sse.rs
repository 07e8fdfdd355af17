//! A Server-Sent Events client over a plain socket, for the live stream's
//! tests. The body comes chunked (HTTP/1.1), and a chunk may end inside an
//! event's line: chunks are decoded first, events split from the text.

use std::io::{BufRead, Read, Write};
use std::time::Duration;

use serde_json::Value;

/// An SSE stream over a plain socket: the head, then events as they come.
pub struct Sse {
    reader: std::io::BufReader<std::net::TcpStream>,
    pub head: String,
    /// Decoded body not yet split into events.
    text: String,
    /// Every event read so far: (kind, data).
    pub seen: Vec<(String, String)>,
}

/// One event: (kind, id, data).
type Parsed = (String, Option<u64>, String);

impl Sse {
    pub fn open(port: u16, token: &str, last_id: Option<u64>) -> Self {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut req = format!(
            "GET /api/live HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nAccept: text/event-stream\r\n"
        );
        if let Some(id) = last_id {
            req.push_str(&format!("Last-Event-ID: {id}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut reader = std::io::BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
            head.push_str(&line);
        }
        Self {
            reader,
            head,
            text: String::new(),
            seen: Vec::new(),
        }
    }

    /// Reads one chunk into the text; `false` when the read timed out or
    /// the stream ended.
    fn chunk(&mut self) -> bool {
        let mut size = String::new();
        match self.reader.read_line(&mut size) {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            return false;
        };
        let mut buf = vec![0u8; n + 2];
        if self.reader.read_exact(&mut buf).is_err() {
            return false;
        }
        buf.truncate(n);
        self.text.push_str(&String::from_utf8_lossy(&buf));
        n > 0
    }

    /// An event whole in the text, if any (comments skipped).
    fn take(&mut self) -> Option<Parsed> {
        loop {
            let end = self.text.find("\n\n")?;
            let block: String = self.text.drain(..end + 2).collect();
            let (mut kind, mut id, mut data) = (String::new(), None, String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    kind = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if !kind.is_empty() {
                self.seen.push((kind.clone(), data.clone()));
                return Some((kind, id, data));
            }
        }
    }

    /// The next event (kind, id, data), skipping keep-alive comments.
    pub fn next(&mut self) -> (String, Option<u64>, String) {
        loop {
            if let Some(e) = self.take() {
                return e;
            }
            assert!(self.chunk(), "the stream ended or went quiet for 20 s");
        }
    }

    /// Every event that arrives within `d` (the stream stays open).
    pub fn for_a_while(&mut self, d: Duration) -> Vec<(String, String)> {
        self.reader.get_ref().set_read_timeout(Some(d)).unwrap();
        let mut out = Vec::new();
        loop {
            while let Some((k, _, data)) = self.take() {
                out.push((k, data));
            }
            if !self.chunk() {
                break;
            }
        }
        self.reader
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        out
    }

    /// Events until one of `kind` about `worker` arrives.
    pub fn until(&mut self, kind: &str, worker: &str) -> (Option<u64>, Value) {
        self.until_where(kind, |v| v["worker"] == worker)
    }

    /// Events until one of `kind` whose data satisfies `wanted` arrives.
    pub fn until_where(
        &mut self,
        kind: &str,
        wanted: impl Fn(&Value) -> bool,
    ) -> (Option<u64>, Value) {
        loop {
            let (k, id, data) = self.next();
            if k == kind {
                let v: Value = serde_json::from_str(&data)
                    .unwrap_or_else(|e| panic!("event data is not JSON ({e}): {data}"));
                if wanted(&v) {
                    return (id, v);
                }
            }
        }
    }
}

//! Counters in the Prometheus text format at `/metrics`. A handful of
//! atomics: the `prometheus` crates would bring a registry and macros for
//! what is here a dozen numbers.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds (seconds) of the tile latency histogram.
const BUCKETS: [f64; 9] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5];

#[derive(Default)]
pub struct Metrics {
    pub requests_tiles: AtomicU64,
    pub requests_api: AtomicU64,
    pub requests_other: AtomicU64,
    pub status_2xx: AtomicU64,
    pub status_3xx: AtomicU64,
    pub status_4xx: AtomicU64,
    pub status_5xx: AtomicU64,
    /// 503s: the store busy or a deadline passed — not a fault of the server.
    pub status_unavailable: AtomicU64,
    pub tile_cache_hits: AtomicU64,
    pub tile_cache_misses: AtomicU64,
    pub tiles_not_modified: AtomicU64,
    pub tiles_empty: AtomicU64,
    pub tile_bytes_sent: AtomicU64,
    pub tile_encode_micros: AtomicU64,
    pub tiles_encoded: AtomicU64,
    pub changes_heard: AtomicU64,
    pub rate_limited: AtomicU64,
    pub tile_handler_micros: AtomicU64,
    latency: [AtomicU64; BUCKETS.len() + 1],
    latency_micros: AtomicU64,
}

impl Metrics {
    pub fn inc(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }

    pub fn add(c: &AtomicU64, v: u64) {
        c.fetch_add(v, Ordering::Relaxed);
    }

    /// The request counter of a path's route group.
    pub fn requests_for(&self, path: &str) -> &AtomicU64 {
        if path.starts_with("/tiles/") {
            &self.requests_tiles
        } else if path.starts_with("/api/") {
            &self.requests_api
        } else {
            &self.requests_other
        }
    }

    pub fn observe_tile(&self, seconds: f64) {
        let i = BUCKETS
            .iter()
            .position(|b| seconds <= *b)
            .unwrap_or(BUCKETS.len());
        self.latency[i].fetch_add(1, Ordering::Relaxed);
        self.latency_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub fn status(&self, code: u16) {
        Self::inc(match code {
            200..=299 => &self.status_2xx,
            300..=399 => &self.status_3xx,
            400..=499 => &self.status_4xx,
            503 => &self.status_unavailable,
            _ => &self.status_5xx,
        });
    }

    /// The text exposition, with gauges given by the caller.
    pub fn render(&self, gauges: &[(&str, &str, f64)]) -> String {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut s = String::new();
        counter(
            &mut s,
            "wangge_http_requests_total",
            "HTTP requests by route group.",
            &[
                ("route=\"tiles\"", g(&self.requests_tiles)),
                ("route=\"api\"", g(&self.requests_api)),
                ("route=\"other\"", g(&self.requests_other)),
            ],
        );
        counter(
            &mut s,
            "wangge_http_responses_total",
            "HTTP responses by status class.",
            &[
                ("class=\"2xx\"", g(&self.status_2xx)),
                ("class=\"3xx\"", g(&self.status_3xx)),
                ("class=\"4xx\"", g(&self.status_4xx)),
                ("class=\"5xx\"", g(&self.status_5xx)),
                ("class=\"unavailable\"", g(&self.status_unavailable)),
            ],
        );
        counter(
            &mut s,
            "wangge_tile_cache_total",
            "Tile cache lookups by result.",
            &[
                ("result=\"hit\"", g(&self.tile_cache_hits)),
                ("result=\"miss\"", g(&self.tile_cache_misses)),
            ],
        );
        counter(
            &mut s,
            "wangge_tiles_not_modified_total",
            "Tile requests answered 304 from If-None-Match.",
            &[("", g(&self.tiles_not_modified))],
        );
        counter(
            &mut s,
            "wangge_tiles_empty_total",
            "Tile requests answered 204 (nothing in the tile).",
            &[("", g(&self.tiles_empty))],
        );
        counter(
            &mut s,
            "wangge_tile_bytes_sent_total",
            "Tile body bytes sent (compressed size).",
            &[("", g(&self.tile_bytes_sent))],
        );
        counter(
            &mut s,
            "wangge_tiles_encoded_total",
            "Tiles encoded (cache misses that reached the encoder).",
            &[("", g(&self.tiles_encoded))],
        );
        counter(
            &mut s,
            "wangge_tile_encode_seconds_total",
            "Time spent encoding tiles.",
            &[],
        );
        let _ = writeln!(
            s,
            "wangge_tile_encode_seconds_total {}",
            g(&self.tile_encode_micros) as f64 / 1e6
        );
        counter(
            &mut s,
            "wangge_store_changes_total",
            "Store changes heard (NOTIFY or polling) that invalidated sources.",
            &[("", g(&self.changes_heard))],
        );
        counter(
            &mut s,
            "wangge_rate_limited_total",
            "Requests refused with 429 by the per-credential rate limit.",
            &[("", g(&self.rate_limited))],
        );
        let _ = writeln!(
            s,
            "wangge_tile_handler_seconds_total {}",
            g(&self.tile_handler_micros) as f64 / 1e6
        );
        let _ = writeln!(
            s,
            "# HELP wangge_tile_request_seconds Tile request latency.\n# TYPE wangge_tile_request_seconds histogram"
        );
        let mut cum = 0;
        for (i, b) in BUCKETS.iter().enumerate() {
            cum += g(&self.latency[i]);
            let _ = writeln!(s, "wangge_tile_request_seconds_bucket{{le=\"{b}\"}} {cum}");
        }
        cum += g(&self.latency[BUCKETS.len()]);
        let _ = writeln!(s, "wangge_tile_request_seconds_bucket{{le=\"+Inf\"}} {cum}");
        let _ = writeln!(
            s,
            "wangge_tile_request_seconds_sum {}\nwangge_tile_request_seconds_count {cum}",
            g(&self.latency_micros) as f64 / 1e6
        );
        for (name, help, v) in gauges {
            let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {v}");
        }
        s
    }
}

fn counter(s: &mut String, name: &str, help: &str, labels: &[(&str, u64)]) {
    let _ = writeln!(s, "# HELP {name} {help}\n# TYPE {name} counter");
    for (l, v) in labels {
        if l.is_empty() {
            let _ = writeln!(s, "{name} {v}");
        } else {
            let _ = writeln!(s, "{name}{{{l}}} {v}");
        }
    }
}

//! Per-caller rate limits: a token bucket per credential (token or
//! signed-in user), or per address for callers without one. Over the
//! limit is a 429 with `Retry-After`.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::response::{IntoResponse, Response};

use super::check::Check;
use super::{Caller, Peer};
use crate::auth::Actor;
use crate::server::{ApiError, AppState};

/// Whose bucket a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateKey {
    Token(i64),
    User(i64),
    Addr(IpAddr),
}

impl RateKey {
    pub fn of(caller: Option<&Caller>, peer: Option<&Peer>) -> Option<Self> {
        if let Some(Caller::Known(p)) = caller {
            match p.actor {
                Actor::Token { id, .. } => return Some(Self::Token(id)),
                Actor::User { id, .. } => return Some(Self::User(id)),
                _ => {}
            }
        }
        peer.map(|p| Self::Addr(p.addr.ip()))
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

const SHARDS: usize = 16;
/// Buckets kept per shard before idle (full) ones are dropped.
const KEEP: usize = 4096;

/// Token buckets: `rate` requests a second, up to `burst` at once.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    shards: [Mutex<HashMap<RateKey, Bucket>>; SHARDS],
    hasher: std::collections::hash_map::RandomState,
}

impl RateLimiter {
    /// A `rate` of 0 or less turns limiting off.
    pub fn new(rate: f64, burst: f64) -> Self {
        Self {
            rate,
            burst: burst.max(1.0),
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            hasher: Default::default(),
        }
    }

    /// `Ok` when a request may go now, else the seconds to wait.
    pub fn take(&self, key: RateKey) -> Result<(), f64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let shard = (self.hasher.hash_one(key) as usize) % SHARDS;
        let mut m = self.shards[shard].lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if m.len() >= KEEP && !m.contains_key(&key) {
            let (rate, burst) = (self.rate, self.burst);
            m.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let b = m.entry(key).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens = (b.tokens + now.duration_since(b.at).as_secs_f64() * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            Err((1.0 - b.tokens) / self.rate)
        }
    }
}

#[derive(Clone)]
pub struct RateLimit(pub Arc<AppState>);

impl Check for RateLimit {
    type Ticket = ();

    fn before(&self, req: &mut Request) -> Result<(), Box<Response>> {
        let key = RateKey::of(req.extensions().get(), req.extensions().get());
        let Some(key) = key else { return Ok(()) };
        self.0.rate.take(key).map_err(|wait| {
            crate::server::metrics::Metrics::inc(&self.0.metrics.rate_limited);
            ApiError::TooManyRequests {
                message: format!(
                    "too many requests from this {}; at most {} a second",
                    match key {
                        RateKey::Addr(_) => "address",
                        _ => "credential",
                    },
                    self.0.config.rate_limit
                ),
                retry_after: wait.ceil() as u64,
            }
            .into_response()
            .into()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_and_refuse() {
        let r = RateLimiter::new(10.0, 3.0);
        let k = RateKey::Token(1);
        assert!(r.take(k).is_ok() && r.take(k).is_ok() && r.take(k).is_ok());
        let wait = r.take(k).unwrap_err();
        assert!(wait > 0.0 && wait <= 0.1, "{wait}");
        // Another credential has its own bucket.
        assert!(r.take(RateKey::Token(2)).is_ok());
        std::thread::sleep(std::time::Duration::from_millis(120));
        assert!(r.take(k).is_ok());
        assert!(RateLimiter::new(0.0, 1.0).take(k).is_ok());
    }
}

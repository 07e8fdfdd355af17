//! The live stream's hub: committed fixes, coalesced to at most one event
//! per worker a second, and online/offline transitions, numbered and kept
//! in a bounded window so a client that reconnects with `Last-Event-ID`
//! misses nothing that is still in the window.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ops::positions::{Fix, UnixMs};
use ops::roster::WorkerId;
use serde::Serialize;
use tokio::sync::broadcast;

use super::AppState;
use crate::auth::Scope;
use crate::store::CountyCode;

/// Events kept for resuming; older ids get a `reset` (reload the state).
pub const WINDOW: usize = 20_000;

/// One event of the stream, ready to send.
#[derive(Debug)]
pub struct LiveEvent {
    pub id: u64,
    /// `position`, `online`, `offline` or `case`.
    pub kind: &'static str,
    pub county: CountyCode,
    /// The grids of the worker (or the case) it is about, for town-scoped
    /// callers.
    pub grids: Arc<[String]>,
    pub data: String,
}

impl LiveEvent {
    pub fn visible_to(&self, scope: &Scope) -> bool {
        scope.allows_county(self.county)
            && (scope.within_county().is_none() || self.grids.iter().any(|g| scope.allows_code(g)))
    }
}

#[derive(Serialize)]
struct PositionData<'a> {
    worker: &'a str,
    t: i64,
    lon: f64,
    lat: f64,
    accuracy: Option<f32>,
    speed: Option<f32>,
    heading: Option<f32>,
    battery: Option<f32>,
    online: bool,
    /// When the server committed it (Unix ms): a client's lag is its
    /// clock minus this.
    committed: i64,
}

#[derive(Serialize)]
struct StateData<'a> {
    worker: &'a str,
    /// The latest fix's time, Unix ms.
    last: i64,
}

/// What the hub knows of a worker.
struct Known {
    county: CountyCode,
    grids: Arc<[String]>,
    last: Option<UnixMs>,
    online: bool,
    /// When its last position event went out (server clock).
    sent: Option<UnixMs>,
}

pub struct LiveHub {
    tx: broadcast::Sender<Arc<LiveEvent>>,
    window: Mutex<VecDeque<Arc<LiveEvent>>>,
    next_id: AtomicU64,
    /// The newest fix of each worker not sent yet, with its commit time.
    pending: Mutex<HashMap<WorkerId, (Fix, UnixMs)>>,
    known: Mutex<HashMap<WorkerId, Known>>,
    roster_stale: AtomicBool,
    timeout: Duration,
}

impl LiveHub {
    pub fn new(timeout: Duration) -> Self {
        let (tx, _) = broadcast::channel(4096);
        Self {
            tx,
            window: Mutex::new(VecDeque::with_capacity(1024)),
            next_id: AtomicU64::new(1),
            pending: Mutex::new(HashMap::new()),
            known: Mutex::new(HashMap::new()),
            roster_stale: AtomicBool::new(true),
            timeout,
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.tx.subscribe()
    }

    /// Events after `after` visible to `scope`, and whether some that
    /// followed it have left the window already.
    pub fn since(&self, after: u64, scope: &Scope) -> (Vec<Arc<LiveEvent>>, bool) {
        let w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let gone = w.front().is_some_and(|e| e.id > after + 1)
            || (w.is_empty() && self.next_id.load(Ordering::Relaxed) > after + 1);
        let events = w
            .iter()
            .filter(|e| e.id > after && e.visible_to(scope))
            .cloned()
            .collect();
        (events, gone)
    }

    /// The id the next event will have.
    pub fn next_id(&self) -> u64 {
        self.next_id.load(Ordering::Relaxed)
    }

    /// Fixes just committed (any order); sent at the next flush.
    pub fn fixes_stored(&self, fixes: &[Fix]) {
        let committed = UnixMs::now();
        let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
        for f in fixes {
            match p.get(&f.worker) {
                Some((old, _)) if old.time >= f.time => {}
                _ => {
                    p.insert(f.worker.clone(), (f.clone(), committed));
                }
            }
        }
    }

    pub fn roster_changed(&self) {
        self.roster_stale.store(true, Ordering::Relaxed);
    }

    /// A case reported or moved: its new state, to everyone who may see
    /// its grid.
    pub fn case_changed(&self, county: CountyCode, grid: &str, data: String) {
        self.emit("case", county, Arc::from(vec![grid.to_string()]), data);
    }

    fn emit(&self, kind: &'static str, county: CountyCode, grids: Arc<[String]>, data: String) {
        // Ids are taken and sent under the window's lock: events from
        // request handlers and the hub's flush go out in id order.
        let mut w = self.window.lock().unwrap_or_else(|p| p.into_inner());
        let e = Arc::new(LiveEvent {
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
            kind,
            county,
            grids,
            data,
        });
        if w.len() == WINDOW {
            w.pop_front();
        }
        w.push_back(e.clone());
        // No listener is not an error.
        let _ = self.tx.send(e);
    }

    /// Sends the coalesced fixes and the transitions due by `now`.
    fn flush(&self, now: UnixMs) {
        let pending = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|p| p.into_inner()));
        let timeout = self.timeout.as_millis() as i64;
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let mut fixes: Vec<(Fix, UnixMs)> = pending.into_values().collect();
        fixes.sort_by(|a, b| a.0.worker.cmp(&b.0.worker));
        let mut unknown = Vec::new();
        let mut later = Vec::new();
        for (f, committed) in fixes {
            let Some(k) = known.get_mut(&f.worker) else {
                // Added to the roster since the hub read it: kept for the
                // next flush, after the reload.
                unknown.push((f, committed));
                continue;
            };
            if k.last.is_some_and(|l| l >= f.time) {
                // A late fix from a phone's buffer: stored, but not news.
                continue;
            }
            // One position a worker a second: a newer one waits its turn.
            if k.sent.is_some_and(|s| now.0 - s.0 < MIN_SPACING_MS) {
                later.push((f, committed));
                continue;
            }
            k.last = Some(f.time);
            k.sent = Some(now);
            let online = now.0 - f.time.0 <= timeout;
            if online && !k.online {
                k.online = true;
                let data = serde_json::to_string(&StateData {
                    worker: f.worker.as_str(),
                    last: f.time.0,
                })
                .unwrap_or_default();
                self.emit("online", k.county, k.grids.clone(), data);
            }
            let data = serde_json::to_string(&PositionData {
                worker: f.worker.as_str(),
                t: f.time.0,
                lon: f.lon,
                lat: f.lat,
                accuracy: f.accuracy,
                speed: f.speed,
                heading: f.heading,
                battery: f.battery,
                online: k.online,
                committed: committed.0,
            })
            .unwrap_or_default();
            self.emit("position", k.county, k.grids.clone(), data);
        }
        if !unknown.is_empty() {
            self.roster_stale.store(true, Ordering::Relaxed);
        }
        if !unknown.is_empty() || !later.is_empty() {
            // Back in the queue unless a newer fix came meanwhile.
            let mut p = self.pending.lock().unwrap_or_else(|p| p.into_inner());
            for (f, c) in unknown.into_iter().chain(later) {
                p.entry(f.worker.clone()).or_insert((f, c));
            }
        }
        let mut gone: Vec<(&WorkerId, &mut Known)> = known
            .iter_mut()
            .filter(|(_, k)| k.online && k.last.is_none_or(|l| now.0 - l.0 > timeout))
            .collect();
        gone.sort_by(|a, b| a.0.cmp(b.0));
        for (w, k) in gone {
            k.online = false;
            let data = serde_json::to_string(&StateData {
                worker: w.as_str(),
                last: k.last.map_or(0, |l| l.0),
            })
            .unwrap_or_default();
            self.emit("offline", k.county, k.grids.clone(), data);
        }
    }

    /// Reads the roster and each worker's latest fix (at start, and after
    /// the roster changed).
    async fn load(&self, state: &AppState) {
        let (workers, latest) = match (
            state.store.workers(None).await,
            state.store.latest_fixes(None).await,
        ) {
            (Ok(w), Ok(l)) => (w, l),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "the live stream could not read the roster");
                return;
            }
        };
        let latest: HashMap<WorkerId, UnixMs> =
            latest.into_iter().map(|f| (f.worker, f.time)).collect();
        let now = UnixMs::now();
        let timeout = self.timeout.as_millis() as i64;
        let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        let mut next = HashMap::with_capacity(workers.len());
        for w in workers {
            let Ok(county) = w.county.parse() else {
                continue;
            };
            let id = w.worker.id;
            let (last, online) = match known.remove(&id) {
                Some(k) => (k.last, k.online),
                None => {
                    let last = latest.get(&id).copied();
                    (last, last.is_some_and(|l| now.0 - l.0 <= timeout))
                }
            };
            next.insert(
                id,
                Known {
                    county,
                    grids: w.worker.grids.into(),
                    last,
                    online,
                    sent: None,
                },
            );
        }
        *known = next;
    }

    /// The county of a worker on the roster as the hub last read it
    /// (`None` when it is not there, or not yet).
    pub fn county_of(&self, worker: &WorkerId) -> Option<CountyCode> {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known.get(worker).map(|k| k.county)
    }

    /// Workers online now, by county.
    pub fn online(&self, county: CountyCode) -> usize {
        let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
        known
            .values()
            .filter(|k| k.county == county && k.online)
            .count()
    }
}

/// A worker's position events are at least this far apart.
const MIN_SPACING_MS: i64 = 1000;

/// Runs the hub until the server stops: a flush every 250 ms, so a fix
/// goes out within a quarter second of its commit (or of its worker's
/// previous event plus a second), and an offline transition within a
/// quarter second of its timeout.
pub async fn run(state: Arc<AppState>) {
    let mut every = tokio::time::interval(Duration::from_millis(250));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if state.live.roster_stale.swap(false, Ordering::Relaxed) {
            state.live.load(&state).await;
        }
        state.live.flush(UnixMs::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hub_with(worker: &str) -> LiveHub {
        let hub = LiveHub::new(Duration::from_secs(300));
        hub.known.lock().unwrap().insert(
            WorkerId::parse(worker).unwrap(),
            Known {
                county: "110108".parse().unwrap(),
                grids: vec!["110108001001001".to_string()].into(),
                last: None,
                online: false,
                sent: None,
            },
        );
        hub
    }

    fn fix(worker: &str, t: i64) -> Fix {
        Fix {
            worker: WorkerId::parse(worker).unwrap(),
            time: UnixMs(t),
            lon: 116.3,
            lat: 40.0,
            accuracy: None,
            speed: None,
            heading: None,
            battery: None,
        }
    }

    #[test]
    fn many_fixes_a_second_are_one_event_and_timeouts_go_offline() {
        let hub = hub_with("w1");
        let now = 1_800_000_000_000;
        hub.fixes_stored(&[
            fix("w1", now - 2000),
            fix("w1", now - 1000),
            fix("w1", now - 1500),
        ]);
        hub.flush(UnixMs(now));
        let (events, gone) = hub.since(0, &Scope::All);
        assert!(!gone);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind).collect();
        assert_eq!(kinds, vec!["online", "position"]);
        assert!(events[1].data.contains(&format!("\"t\":{}", now - 1000)));
        // Five minutes and a second later, with nothing new: offline.
        hub.flush(UnixMs(now - 1000 + 300_001));
        let (events, _) = hub.since(2, &Scope::All);
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            vec!["offline"]
        );
        // A town elsewhere sees none of it.
        let other = Scope::Prefix("110108002".into());
        assert!(hub.since(0, &other).0.is_empty());
    }

    #[test]
    fn a_worker_gets_one_position_a_second_and_the_newest_goes_out() {
        let hub = hub_with("w1");
        let now = 1_800_000_000_000;
        hub.fixes_stored(&[fix("w1", now)]);
        hub.flush(UnixMs(now + 100));
        hub.fixes_stored(&[fix("w1", now + 300)]);
        hub.flush(UnixMs(now + 350));
        hub.fixes_stored(&[fix("w1", now + 600)]);
        hub.flush(UnixMs(now + 600));
        let positions = |hub: &LiveHub| {
            hub.since(0, &Scope::All)
                .0
                .iter()
                .filter(|e| e.kind == "position")
                .count()
        };
        assert_eq!(positions(&hub), 1, "the second and third wait their turn");
        hub.flush(UnixMs(now + 1100));
        let (events, _) = hub.since(0, &Scope::All);
        let last = events.last().unwrap();
        assert_eq!(positions(&hub), 2);
        assert!(
            last.data.contains(&format!("\"t\":{}", now + 600)),
            "{}",
            last.data
        );
    }

    #[test]
    fn a_resume_past_the_window_is_told_to_reset() {
        let hub = hub_with("w1");
        for i in 0..(WINDOW as i64 + 10) {
            hub.fixes_stored(&[fix("w1", 1_800_000_000_000 + i * 1000)]);
            hub.flush(UnixMs(1_800_000_000_000 + i * 1000));
        }
        let (_, gone) = hub.since(3, &Scope::All);
        assert!(gone);
        let last = hub.next_id() - 1;
        let (events, gone) = hub.since(last - 5, &Scope::All);
        assert!(!gone);
        assert_eq!(events.len(), 5);
    }
}

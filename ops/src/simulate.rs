//! Simulated grid workers: each walks the roads of its grids and carries a
//! phone with the faults real phones have — it goes offline and sends its
//! buffer late, resends batches it already sent, reports GPS jumps, and
//! may speak GCJ-02. The demo's source of life and the ingest benchmark's
//! load; the command that posts over HTTP is `wangge simulate`.

use std::collections::VecDeque;

use geo_types::{Coord, LineString};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::coords::{Crs, LocalPlane, gcj02};
use crate::positions::{Fix, UnixMs};
use crate::roster::WorkerId;

/// A worker's streets, in a local metric plane.
#[derive(Debug, Clone)]
pub struct Streets {
    plane: LocalPlane,
    lines: Vec<Vec<Coord<f64>>>,
    /// Where to walk when there are no streets: the area's box.
    lo: Coord<f64>,
    hi: Coord<f64>,
}

impl Streets {
    /// Streets (WGS84 lines) within an area whose box is `lo`–`hi`.
    pub fn new(lines: &[LineString<f64>], lo: Coord<f64>, hi: Coord<f64>) -> Self {
        let plane = LocalPlane::new(Coord {
            x: (lo.x + hi.x) / 2.0,
            y: (lo.y + hi.y) / 2.0,
        });
        Self {
            lines: lines
                .iter()
                .filter(|l| l.0.len() >= 2)
                .map(|l| l.0.iter().map(|&c| plane.forward(c)).collect())
                .collect(),
            lo: plane.forward(lo),
            hi: plane.forward(hi),
            plane,
        }
    }
}

/// What can go wrong with a phone, as chances.
#[derive(Debug, Clone)]
pub struct Faults {
    /// A minute's chance of losing the network for 1–5 minutes.
    pub offline_per_min: f64,
    /// A batch's chance of being sent twice (the answer was lost).
    pub resend: f64,
    /// A fix's chance of being a GPS jump of about 2 km.
    pub jump: f64,
    /// Share of phones reporting GCJ-02.
    pub gcj02_share: f64,
    /// A minute's chance of stopping for a visit of 10–20 minutes.
    pub visit_per_min: f64,
}

impl Faults {
    pub fn none() -> Self {
        Self {
            offline_per_min: 0.0,
            resend: 0.0,
            jump: 0.0,
            gcj02_share: 0.0,
            visit_per_min: 0.0,
        }
    }
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            offline_per_min: 0.02,
            resend: 0.03,
            jump: 0.002,
            gcj02_share: 0.2,
            visit_per_min: 0.03,
        }
    }
}

/// A batch a phone sends: its fixes in the phone's coordinate system.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub crs: Crs,
    pub fixes: Vec<Fix>,
    /// A resend of a batch already sent.
    pub resend: bool,
}

/// One simulated worker and phone.
#[derive(Debug)]
pub struct Walker {
    pub id: WorkerId,
    streets: Streets,
    rng: ChaCha8Rng,
    pos: Coord<f64>,
    route: VecDeque<Coord<f64>>,
    speed: f64,
    stay_until: Option<i64>,
    crs: Crs,
    buffer: Vec<Fix>,
    offline_until: Option<i64>,
    last_sent: Option<Vec<Fix>>,
    next_send: i64,
    battery: f32,
}

impl Walker {
    pub fn new(id: WorkerId, streets: Streets, seed: u64, faults: &Faults) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let crs = if rng.random::<f64>() < faults.gcj02_share {
            Crs::Gcj02
        } else {
            Crs::Wgs84
        };
        let pos = match streets.lines.is_empty() {
            true => random_in(&mut rng, &streets),
            false => {
                let l = &streets.lines[rng.random_range(0..streets.lines.len())];
                l[rng.random_range(0..l.len())]
            }
        };
        Self {
            id,
            speed: rng.random_range(0.9..1.5),
            battery: rng.random_range(40.0..100.0),
            streets,
            rng,
            pos,
            route: VecDeque::new(),
            stay_until: None,
            crs,
            buffer: Vec::new(),
            offline_until: None,
            last_sent: None,
            next_send: 0,
        }
    }

    pub fn crs(&self) -> Crs {
        self.crs
    }

    /// Plans the next leg: to the nearest end of another street, then
    /// along it (or, without streets, to a random point).
    fn plan(&mut self) {
        if self.streets.lines.is_empty() {
            let to = random_in(&mut self.rng, &self.streets);
            self.route.push_back(to);
            return;
        }
        let i = self.rng.random_range(0..self.streets.lines.len());
        let line = &self.streets.lines[i];
        let (first, last) = (line[0], line[line.len() - 1]);
        let d = |c: Coord<f64>| (c.x - self.pos.x).hypot(c.y - self.pos.y);
        if d(first) <= d(last) {
            self.route.extend(line.iter().copied());
        } else {
            self.route.extend(line.iter().rev().copied());
        }
    }

    /// Moves for `dt` seconds and reads the GPS at `t`.
    pub fn step(&mut self, t: UnixMs, dt: f64, faults: &Faults) -> Fix {
        let per_step = dt / 60.0;
        if self.stay_until.is_some_and(|u| t.0 >= u) {
            self.stay_until = None;
        }
        if self.stay_until.is_none() && self.rng.random::<f64>() < faults.visit_per_min * per_step {
            self.stay_until = Some(t.0 + self.rng.random_range(600_000..1_200_000));
        }
        let moving = self.stay_until.is_none();
        if moving {
            let mut left = self.speed * dt;
            while left > 0.0 {
                if self.route.is_empty() {
                    self.plan();
                }
                let Some(&next) = self.route.front() else {
                    break;
                };
                let d = (next.x - self.pos.x).hypot(next.y - self.pos.y);
                if d <= left {
                    self.pos = next;
                    self.route.pop_front();
                    left -= d;
                } else {
                    self.pos.x += (next.x - self.pos.x) / d * left;
                    self.pos.y += (next.y - self.pos.y) / d * left;
                    left = 0.0;
                }
            }
        }
        // GPS noise of a few metres, now and then a jump.
        let mut seen = Coord {
            x: self.pos.x + self.rng.random_range(-3.0..3.0),
            y: self.pos.y + self.rng.random_range(-3.0..3.0),
        };
        if self.rng.random::<f64>() < faults.jump {
            seen.x += 2_000.0;
        }
        self.battery = (self.battery - 0.0005 * dt as f32).max(5.0);
        let w = self.streets.plane.inverse(seen);
        Fix {
            worker: self.id.clone(),
            time: t,
            lon: w.x,
            lat: w.y,
            accuracy: Some(self.rng.random_range(3.0..12.0)),
            speed: Some(if moving { self.speed as f32 } else { 0.0 }),
            heading: None,
            battery: Some(self.battery.round()),
        }
    }

    /// Takes a fix; returns the batches due at `t` (every `every_s`
    /// seconds when online; the whole buffer when the network returns).
    pub fn carry(&mut self, fix: Fix, every_s: i64, faults: &Faults) -> Vec<Batch> {
        let t = fix.time.0;
        self.buffer.push(fix);
        if self.offline_until.is_some_and(|u| t < u) {
            return Vec::new();
        }
        self.offline_until = None;
        // Called once a fix, about once a second.
        if self.rng.random::<f64>() < faults.offline_per_min / 60.0 {
            self.offline_until = Some(t + self.rng.random_range(60_000..300_000));
            return Vec::new();
        }
        if t < self.next_send {
            return Vec::new();
        }
        self.next_send = t + every_s * 1000;
        let mut out = Vec::new();
        if let Some(prev) = self.last_sent.take()
            && self.rng.random::<f64>() < faults.resend
        {
            out.push(self.in_crs(prev, true));
        }
        let fixes = std::mem::take(&mut self.buffer);
        self.last_sent = Some(fixes.clone());
        out.push(self.in_crs(fixes, false));
        out
    }

    fn in_crs(&self, fixes: Vec<Fix>, resend: bool) -> Batch {
        let fixes = match self.crs {
            Crs::Wgs84 => fixes,
            Crs::Gcj02 => fixes
                .into_iter()
                .map(|mut f| {
                    let g = gcj02::from_wgs84(f.coord());
                    f.lon = g.x;
                    f.lat = g.y;
                    f
                })
                .collect(),
        };
        Batch {
            crs: self.crs,
            fixes,
            resend,
        }
    }
}

fn random_in(rng: &mut ChaCha8Rng, s: &Streets) -> Coord<f64> {
    let (lo, hi) = (s.lo, s.hi);
    Coord {
        x: if hi.x > lo.x {
            rng.random_range(lo.x..hi.x)
        } else {
            lo.x
        },
        y: if hi.y > lo.y {
            rng.random_range(lo.y..hi.y)
        } else {
            lo.y
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coords::haversine_m;

    fn streets() -> Streets {
        let l: LineString<f64> = vec![(117.0, 28.0), (117.01, 28.0), (117.01, 28.01)].into();
        Streets::new(
            &[l],
            Coord { x: 117.0, y: 28.0 },
            Coord {
                x: 117.01,
                y: 28.01,
            },
        )
    }

    #[test]
    fn a_walker_keeps_to_walking_speed_and_its_streets() {
        let faults = Faults::none();
        let mut w = Walker::new(WorkerId::parse("w1").unwrap(), streets(), 7, &faults);
        let mut prev: Option<Fix> = None;
        for s in 0..600 {
            let f = w.step(UnixMs::seconds(1_800_000_000 + s), 1.0, &faults);
            assert!(
                f.lon > 116.999 && f.lon < 117.011 && f.lat > 27.999 && f.lat < 28.011,
                "{f:?}"
            );
            if let Some(p) = &prev {
                // 1.5 m/s at most, plus 3 m of noise each way.
                assert!(haversine_m(p.coord(), f.coord()) < 10.0);
            }
            prev = Some(f);
        }
    }

    #[test]
    fn batches_carry_every_fix_once_unless_resent() {
        let faults = Faults {
            resend: 0.5,
            offline_per_min: 0.5,
            ..Faults::none()
        };
        let mut w = Walker::new(WorkerId::parse("w1").unwrap(), streets(), 3, &faults);
        let mut sent = Vec::new();
        let mut resent = 0;
        for s in 0..3_600 {
            let f = w.step(UnixMs::seconds(1_800_000_000 + s), 1.0, &faults);
            for b in w.carry(f, 5, &faults) {
                if b.resend {
                    resent += 1;
                } else {
                    sent.extend(b.fixes.into_iter().map(|f| f.time));
                }
            }
        }
        assert!(resent > 0);
        let n = sent.len();
        sent.sort();
        sent.dedup();
        assert_eq!(n, sent.len(), "no fix is sent twice outside a resend");
        assert!(n > 3_000, "{n}");
    }
}

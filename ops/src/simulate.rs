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

    /// Where the worker is (WGS84; the walk itself runs in a local plane).
    pub fn position(&self) -> Coord<f64> {
        self.streets.plane.inverse(self.pos)
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

/// `n` case locations over the box `lo`–`hi`: half within `radius`
/// degrees of the `centres` (the towns' market streets), half spread out.
/// The hot-spot test and benchmark's county, the same on every machine.
pub fn clustered_cases(
    lo: Coord<f64>,
    hi: Coord<f64>,
    centres: &[Coord<f64>],
    radius: f64,
    n: usize,
    seed: u64,
) -> Vec<Coord<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| {
            if i % 2 == 0 && !centres.is_empty() {
                let c = centres[(i / 2) % centres.len()];
                let r = radius * rng.random::<f64>().sqrt();
                let a = std::f64::consts::TAU * rng.random::<f64>();
                Coord {
                    x: c.x + r * a.cos(),
                    y: c.y + r * a.sin(),
                }
            } else {
                Coord {
                    x: lo.x + (hi.x - lo.x) * rng.random::<f64>(),
                    y: lo.y + (hi.y - lo.y) * rng.random::<f64>(),
                }
            }
        })
        .collect()
}

/// The hot-spot test and benchmark's county: a box of about 40 × 50 km
/// near Guixi with 6,000 cases, half around five towns' centres.
pub fn hotspot_county() -> (geo_types::MultiPolygon<f64>, Vec<Coord<f64>>) {
    let (lo, hi) = (
        Coord {
            x: 116.95,
            y: 28.05,
        },
        Coord { x: 117.37, y: 28.5 },
    );
    let ring = vec![
        (lo.x, lo.y),
        (hi.x, lo.y),
        (hi.x, hi.y),
        (lo.x, hi.y),
        (lo.x, lo.y),
    ];
    let area = geo_types::MultiPolygon(vec![geo_types::Polygon::new(ring.into(), vec![])]);
    let centres = [
        (117.05, 28.15),
        (117.2, 28.3),
        (117.3, 28.42),
        (117.0, 28.4),
        (117.25, 28.1),
    ]
    .map(|(x, y)| Coord { x, y });
    (area, clustered_cases(lo, hi, &centres, 0.012, 6000, 2026))
}

/// The simulated case desk: when workers report cases (bursts now and
/// then), which workers (a few in one area report most: a cluster in
/// space), under which category, and how the offices move each open case
/// along (some are left alone and run overdue).
#[derive(Debug)]
pub struct CaseDesk {
    rng: ChaCha8Rng,
    burst_until: f64,
    next_burst: f64,
}

/// What the desk does next with an open case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeskMove {
    /// To this status, by the office.
    Office(&'static str),
    /// To `handled`, by the worker who reported it.
    Worker,
    /// Followed up with this satisfaction.
    FollowUp(&'static str),
}

impl CaseDesk {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_ca5e),
            burst_until: 0.0,
            next_burst: 600.0,
        }
    }

    /// Whether a case is reported in this tick of `dt` seconds at `t`
    /// seconds into the run, at `per_hour` on average (four times that in
    /// a five-minute burst about every twenty minutes).
    pub fn report_now(&mut self, t: f64, dt: f64, per_hour: f64) -> bool {
        if t >= self.next_burst {
            self.burst_until = t + 300.0;
            self.next_burst = t + self.rng.random_range(900.0..1500.0);
        }
        let rate = if t < self.burst_until {
            per_hour * 4.0
        } else {
            per_hour * 0.8
        };
        self.rng.random::<f64>() < rate * dt / 3600.0
    }

    /// Which of `n` workers reports: half the cases come from the first
    /// eighth (their grids are the hot spot).
    pub fn reporter(&mut self, n: usize) -> usize {
        let hot = (n / 8).max(1);
        if self.rng.random::<f64>() < 0.5 {
            self.rng.random_range(0..hot)
        } else {
            self.rng.random_range(0..n.max(1))
        }
    }

    /// Which of `n` categories (the first ones more often).
    pub fn category(&mut self, n: usize) -> usize {
        let a = self.rng.random_range(0..n.max(1));
        let b = self.rng.random_range(0..n.max(1));
        a.min(b)
    }

    /// Whether a new case will be left alone (it runs overdue).
    pub fn neglect(&mut self) -> bool {
        self.rng.random::<f64>() < 0.15
    }

    /// The next move of an open case in this tick, if any: each step takes
    /// about `step_s` seconds on average.
    pub fn next_move(&mut self, status: &str, dt: f64, step_s: f64) -> Option<DeskMove> {
        if self.rng.random::<f64>() >= dt / step_s {
            return None;
        }
        Some(match status {
            "reported" => DeskMove::Office(if self.rng.random::<f64>() < 0.05 {
                "rejected"
            } else {
                "accepted"
            }),
            "accepted" | "reopened" => DeskMove::Office("dispatched"),
            "dispatched" => DeskMove::Worker,
            "handled" => DeskMove::Office("verified"),
            "verified" => DeskMove::Office(if self.rng.random::<f64>() < 0.1 {
                "closed_not_fixed"
            } else {
                "closed"
            }),
            "closed" | "closed_not_fixed" => {
                let x = self.rng.random::<f64>();
                DeskMove::FollowUp(if x < 0.8 {
                    "satisfied"
                } else if x < 0.95 {
                    "partly"
                } else {
                    "unsatisfied"
                })
            }
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    fn ops_id(s: &str) -> crate::roster::WorkerId {
        crate::roster::WorkerId::parse(s).unwrap()
    }

    #[test]
    fn the_desk_reports_in_bursts_from_a_hot_area_and_moves_cases_along() {
        let mut d = super::CaseDesk::new(3);
        let reported = (0..7200)
            .filter(|&s| d.report_now(f64::from(s), 1.0, 60.0))
            .count();
        assert!(
            (60..400).contains(&reported),
            "{reported} in two hours at 60 an hour"
        );
        let hot = (0..1000).filter(|_| d.reporter(80) < 10).count();
        let a = geo_types::Coord {
            x: 116.29,
            y: 39.99,
        };
        let b = geo_types::Coord {
            x: 116.31,
            y: 40.01,
        };
        let w = super::Walker::new(
            ops_id("w"),
            super::Streets::new(&[], a, b),
            1,
            &super::Faults::none(),
        );
        let at = w.position();
        assert!(
            (116.28..116.32).contains(&at.x) && (39.98..40.02).contains(&at.y),
            "{at:?}"
        );
        assert!(hot > 450, "{hot} of 1000 from the hot eighth");
        let mut status = "reported".to_string();
        let mut steps = 0;
        while status != "followed_up" && steps < 100_000 {
            steps += 1;
            match d.next_move(&status, 1.0, 30.0) {
                Some(super::DeskMove::Office(to)) => status = to.into(),
                Some(super::DeskMove::Worker) => status = "handled".into(),
                Some(super::DeskMove::FollowUp(_)) => status = "followed_up".into(),
                None => {}
            }
            if status == "rejected" {
                status = "reported".into();
            }
        }
        assert_eq!(status, "followed_up");
    }

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

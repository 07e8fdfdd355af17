//! Which well-formed fixes are refused, and why: the same rules for every
//! path in (JSON, GeoJSON, OsmAnd), so nothing bypasses them.
//!
//! Each rule looks at one fix alone, so what is stored never depends on
//! the order fixes arrive in. Jumps (a speed no walker or rider reaches
//! from the fix before) need the neighbours, so the track builder drops
//! them from the sorted set instead (`tracks::segment`).

use std::collections::HashSet;

use geo_types::{Coord, Rect};
use serde::Serialize;

use super::{Fix, UnixMs};
use crate::coords::haversine_m;
use crate::roster::WorkerId;

/// The screen's parameters.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Fixes later than now plus this are refused (phone clocks drift).
    pub future_ms: i64,
    /// Fixes before this are refused (year 2000: a phone without a clock).
    pub earliest: UnixMs,
    /// The county's extent, WGS84; fixes farther than `margin_m` outside
    /// are refused.
    pub extent: Option<Rect<f64>>,
    pub margin_m: f64,
    /// Fixes whose reported accuracy is worse are refused.
    pub max_accuracy_m: f32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            future_ms: 5 * 60 * 1000,
            earliest: UnixMs(946_684_800_000),
            extent: None,
            margin_m: 5_000.0,
            max_accuracy_m: 200.0,
        }
    }
}

/// Why a fix was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    #[error("time is more than the allowed drift in the future")]
    Future,
    #[error("time is before the year 2000")]
    TooOld,
    #[error("position is (0, 0): the phone had no fix")]
    NullIsland,
    #[error("position lies outside the county's extent and its margin")]
    OutsideCounty,
    #[error("reported accuracy is worse than allowed")]
    Inaccurate,
    #[error("the worker is not on the roster")]
    UnknownWorker,
    #[error("a worker's token may post only that worker's positions")]
    OtherWorker,
}

/// A batch after the screen.
#[derive(Debug, Default)]
pub struct Screened {
    pub accepted: Vec<Fix>,
    /// Fixes repeated within the batch (same worker and time).
    pub duplicates: usize,
    /// (index in the batch, reason).
    pub rejected: Vec<(usize, Rejection)>,
}

/// Screens a batch: `known` says whether a worker is on the roster, `only`
/// is the one worker a phone's token may post for.
pub fn screen(
    fixes: Vec<Fix>,
    limits: &Limits,
    now: UnixMs,
    known: impl Fn(&WorkerId) -> bool,
    only: Option<&WorkerId>,
) -> Screened {
    let mut out = Screened::default();
    let mut seen: HashSet<(WorkerId, UnixMs)> = HashSet::new();
    for (i, f) in fixes.into_iter().enumerate() {
        match judge(&f, limits, now, &known, only) {
            Some(r) => out.rejected.push((i, r)),
            None if !seen.insert((f.worker.clone(), f.time)) => out.duplicates += 1,
            None => out.accepted.push(f),
        }
    }
    out
}

fn judge(
    f: &Fix,
    limits: &Limits,
    now: UnixMs,
    known: &impl Fn(&WorkerId) -> bool,
    only: Option<&WorkerId>,
) -> Option<Rejection> {
    if only.is_some_and(|w| *w != f.worker) {
        return Some(Rejection::OtherWorker);
    }
    if !known(&f.worker) {
        return Some(Rejection::UnknownWorker);
    }
    if f.time.0 > now.0.saturating_add(limits.future_ms) {
        return Some(Rejection::Future);
    }
    if f.time < limits.earliest {
        return Some(Rejection::TooOld);
    }
    if f.lon.abs() < 1e-6 && f.lat.abs() < 1e-6 {
        return Some(Rejection::NullIsland);
    }
    if let Some(e) = limits.extent
        && outside_by(e, f.coord()) > limits.margin_m
    {
        return Some(Rejection::OutsideCounty);
    }
    if f.accuracy.is_some_and(|a| a > limits.max_accuracy_m) {
        return Some(Rejection::Inaccurate);
    }
    None
}

/// Metres from a point to a lon/lat box (0 inside).
fn outside_by(e: Rect<f64>, c: Coord<f64>) -> f64 {
    let nearest = Coord {
        x: c.x.clamp(e.min().x, e.max().x),
        y: c.y.clamp(e.min().y, e.max().y),
    };
    haversine_m(c, nearest)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(w: &str, t: i64, lon: f64, lat: f64) -> Fix {
        Fix {
            worker: WorkerId::parse(w).unwrap(),
            time: UnixMs::seconds(t),
            lon,
            lat,
            accuracy: None,
            speed: None,
            heading: None,
            battery: None,
        }
    }

    #[test]
    fn each_rule_refuses_what_it_names() {
        let now = UnixMs::seconds(1_795_996_800);
        let limits = Limits {
            extent: Some(Rect::new(
                Coord { x: 116.9, y: 28.1 },
                Coord { x: 117.3, y: 28.4 },
            )),
            ..Limits::default()
        };
        let mut inaccurate = fix("w1", 1_795_996_000, 117.0, 28.2);
        inaccurate.accuracy = Some(500.0);
        let batch = vec![
            fix("w1", 1_795_996_700, 117.0, 28.2),   // fine
            fix("w1", 1_795_996_700, 117.0, 28.2),   // duplicate
            fix("w1", 4_070_908_800, 117.0, 28.2),   // 2099
            fix("w1", 100, 117.0, 28.2),             // 1970
            fix("w1", 1_795_996_600, 0.0, 0.0),      // no fix
            fix("w1", 1_795_996_500, 116.0, 28.2),   // 90 km west
            fix("w1", 1_795_996_400, 117.301, 28.2), // within the margin
            inaccurate,
            fix("nobody", 1_795_996_300, 117.0, 28.2),
            fix("w2", 1_795_996_200, 117.0, 28.2),
        ];
        let w1 = WorkerId::parse("w1").unwrap();
        let s = screen(batch, &limits, now, |w| w.as_str() != "nobody", Some(&w1));
        assert_eq!(s.accepted.len(), 2);
        assert_eq!(s.duplicates, 1);
        let reasons: Vec<Rejection> = s.rejected.iter().map(|r| r.1).collect();
        assert_eq!(
            reasons,
            vec![
                Rejection::Future,
                Rejection::TooOld,
                Rejection::NullIsland,
                Rejection::OutsideCounty,
                Rejection::Inaccurate,
                Rejection::OtherWorker,
                Rejection::OtherWorker,
            ]
        );
    }

    #[test]
    fn years_old_patrols_are_accepted() {
        let now = UnixMs::seconds(1_795_996_800);
        let s = screen(
            vec![fix("w1", 1_609_459_200, 117.0, 28.2)],
            &Limits::default(),
            now,
            |_| true,
            None,
        );
        assert_eq!(s.accepted.len(), 1);
    }
}

//! A worker's fixes into patrols and visits.
//!
//! The input is sorted and deduplicated first, so the result is a function
//! of the set of fixes: arrival order (phones buffer offline and send late)
//! cannot change it. Then, in one pass: jumps are dropped, stays become
//! visits, and patrols end at gaps, stays, local midnight and 24 hours.

use geo_types::Coord;
use serde::Serialize;

use super::measure::{Measures, measure};
use crate::coords::{LocalPlane, haversine_m};
use crate::positions::time::LocalDays;
use crate::positions::{Fix, UnixMs};

/// Segmentation parameters (the defaults are the issue's: 10 min gaps,
/// 50 m / 10 min stays, 50 m/s jumps, days in Asia/Shanghai).
#[derive(Debug, Clone)]
pub struct SegmentParams {
    pub max_gap_ms: i64,
    pub stay_radius_m: f64,
    pub stay_min_ms: i64,
    pub max_speed_mps: f64,
    pub days: LocalDays,
}

impl Default for SegmentParams {
    fn default() -> Self {
        Self {
            max_gap_ms: 10 * 60 * 1000,
            stay_radius_m: 50.0,
            stay_min_ms: 10 * 60 * 1000,
            max_speed_mps: 50.0,
            days: LocalDays::china(),
        }
    }
}

/// No patrol spans more than this, whatever the zone's day length.
pub const MAX_PATROL_MS: i64 = 24 * 3600 * 1000;

/// A stay: the worker was within the stay radius for at least the minimum
/// time (走访: a household or place visited).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Visit {
    pub start: UnixMs,
    pub end: UnixMs,
    /// Mean position of the stay's fixes, WGS84.
    pub lon: f64,
    pub lat: f64,
    pub fixes: usize,
}

/// A stretch of movement between gaps, stays and midnights.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Patrol {
    /// The fixes, in time order (WGS84).
    pub points: Vec<(UnixMs, Coord<f64>)>,
    pub measures: Measures,
    /// The local day it lies in (days since 1970-01-01).
    pub day: i32,
}

impl Patrol {
    pub fn start(&self) -> UnixMs {
        self.points.first().map_or(UnixMs(0), |p| p.0)
    }

    pub fn end(&self) -> UnixMs {
        self.points.last().map_or(UnixMs(0), |p| p.0)
    }
}

/// One worker's patrols and visits.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Segmented {
    pub patrols: Vec<Patrol>,
    pub visits: Vec<Visit>,
    /// Fixes dropped as jumps.
    pub jumps: usize,
}

/// Sorted by time, one fix per instant (the smallest coordinates win a
/// tie, so even conflicting duplicates resolve the same way every time).
fn canonical(fixes: &[Fix]) -> Vec<(UnixMs, Coord<f64>)> {
    let mut pts: Vec<(UnixMs, Coord<f64>)> = fixes
        .iter()
        .filter(|f| f.lon.is_finite() && f.lat.is_finite())
        .map(|f| (f.time, f.coord()))
        .collect();
    pts.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then(a.1.x.total_cmp(&b.1.x))
            .then(a.1.y.total_cmp(&b.1.y))
    });
    pts.dedup_by_key(|p| p.0);
    pts
}

/// Drops fixes that could only be reached from the last kept one faster
/// than `max_speed` (GPS jumps). Greedy in time order: deterministic.
fn without_jumps(
    pts: Vec<(UnixMs, Coord<f64>)>,
    max_speed: f64,
) -> (Vec<(UnixMs, Coord<f64>)>, usize) {
    let mut kept: Vec<(UnixMs, Coord<f64>)> = Vec::with_capacity(pts.len());
    let mut dropped = 0;
    for p in pts {
        if let Some(&(t0, c0)) = kept.last() {
            let dt = t0.secs_until(p.0).max(1.0);
            if haversine_m(c0, p.1) / dt > max_speed {
                dropped += 1;
                continue;
            }
        }
        kept.push(p);
    }
    (kept, dropped)
}

/// Where stays begin and end: (first index, last index) of each, by the
/// classic rule — from a fix, the longest run within the radius of it.
fn stays(pts: &[(UnixMs, Coord<f64>)], p: &SegmentParams) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < pts.len() {
        let plane = LocalPlane::new(pts[i].1);
        let mut j = i;
        while j + 1 < pts.len() && pts[j + 1].0.0 - pts[j].0.0 <= p.max_gap_ms && {
            let q = plane.forward(pts[j + 1].1);
            q.x.hypot(q.y) <= p.stay_radius_m
        } {
            j += 1;
        }
        if pts[j].0.0 - pts[i].0.0 >= p.stay_min_ms {
            out.push((i, j));
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// A worker's fixes (any order, duplicates allowed) into patrols and visits.
pub fn segment(fixes: &[Fix], p: &SegmentParams) -> Segmented {
    let (pts, jumps) = without_jumps(canonical(fixes), p.max_speed_mps);
    let stays = stays(&pts, p);
    let mut out = Segmented {
        jumps,
        ..Segmented::default()
    };
    let mut in_stay = vec![false; pts.len()];
    for &(a, b) in &stays {
        let n = (b - a + 1) as f64;
        let (sx, sy) = pts[a..=b]
            .iter()
            .fold((0.0, 0.0), |(x, y), q| (x + q.1.x, y + q.1.y));
        out.visits.push(Visit {
            start: pts[a].0,
            end: pts[b].0,
            lon: sx / n,
            lat: sy / n,
            fixes: b - a + 1,
        });
        in_stay[a + 1..b].iter_mut().for_each(|s| *s = true);
    }
    // A stay's first fix ends the patrol that led to it; its last fix
    // begins the next.
    let stay_first: std::collections::HashSet<usize> = stays.iter().map(|&(a, _)| a).collect();
    let mut current: Vec<(UnixMs, Coord<f64>)> = Vec::new();
    let mut day = 0;
    let flush = |cur: &mut Vec<(UnixMs, Coord<f64>)>, day: i32, out: &mut Segmented| {
        if cur.len() >= 2 {
            let points = std::mem::take(cur);
            out.patrols.push(Patrol {
                measures: measure(&points),
                points,
                day,
            });
        } else {
            cur.clear();
        }
    };
    for (i, &(t, c)) in pts.iter().enumerate() {
        if in_stay[i] {
            continue;
        }
        let d = p.days.day_of(t);
        if let Some(&(t0, _)) = current.last() {
            let first = current[0].0;
            if t.0 - t0.0 > p.max_gap_ms || d != day || t.0 - first.0 > MAX_PATROL_MS {
                flush(&mut current, day, &mut out);
            }
        }
        if current.is_empty() {
            day = d;
        }
        current.push((t, c));
        if stay_first.contains(&i) {
            flush(&mut current, day, &mut out);
        }
    }
    flush(&mut current, day, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::roster::WorkerId;
    use proptest::prelude::*;

    const T0: i64 = 1_795_996_800; // 2026-11-30 08:00 in Shanghai

    fn fix(t: i64, east_m: f64, north_m: f64) -> Fix {
        let plane = LocalPlane::new(Coord {
            x: 117.05,
            y: 28.29,
        });
        let c = plane.inverse(Coord {
            x: east_m,
            y: north_m,
        });
        Fix {
            worker: WorkerId::parse("w1").unwrap(),
            time: UnixMs::seconds(t),
            lon: c.x,
            lat: c.y,
            accuracy: None,
            speed: None,
            heading: None,
            battery: None,
        }
    }

    /// A walk east at 1 m/s for `secs`, one fix a second, from `t`.
    fn walk(t: i64, secs: i64, from_m: f64) -> Vec<Fix> {
        (0..secs)
            .map(|s| fix(t + s, from_m + s as f64, 0.0))
            .collect()
    }

    #[test]
    fn a_gap_splits_and_distance_comes_from_points() {
        let mut fixes = walk(T0, 600, 0.0);
        fixes.extend(walk(T0 + 600 + 1200, 300, 600.0));
        let s = segment(&fixes, &SegmentParams::default());
        assert_eq!(s.patrols.len(), 2);
        assert!((s.patrols[0].measures.distance_m - 599.0).abs() < 1.0);
        assert!((s.patrols[0].measures.duration_s - 599.0).abs() < 1e-6);
    }

    #[test]
    fn a_stay_is_a_visit_between_two_patrols() {
        let mut fixes = walk(T0, 300, 0.0);
        // 15 minutes within 10 m of the same door.
        fixes.extend((0..900).map(|s| fix(T0 + 300 + s, 300.0 + (s % 7) as f64, (s % 5) as f64)));
        fixes.extend(walk(T0 + 1200, 300, 300.0));
        let s = segment(&fixes, &SegmentParams::default());
        assert_eq!(s.visits.len(), 1, "{:?}", s.visits);
        let v = &s.visits[0];
        assert!(v.end.0 - v.start.0 >= 600_000);
        assert_eq!(s.patrols.len(), 2);
        assert!(s.patrols[0].end() <= v.start && s.patrols[1].start() >= v.end);
    }

    #[test]
    fn midnight_splits_a_patrol() {
        // 23:55 to 00:05 local, walking all the way.
        let t = T0 + 16 * 3600 - 300;
        let s = segment(&walk(t, 600, 0.0), &SegmentParams::default());
        assert_eq!(s.patrols.len(), 2);
        assert_eq!(s.patrols[0].day + 1, s.patrols[1].day);
    }

    #[test]
    fn a_jump_is_dropped() {
        let mut with_jump = walk(T0, 100, 0.0);
        with_jump[50] = fix(T0 + 50, 50.0, 5_000.0);
        let s = segment(&with_jump, &SegmentParams::default());
        assert_eq!(s.jumps, 1);
        assert!(s.patrols[0].measures.distance_m < 100.0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn arrival_order_does_not_matter(seed in any::<u64>(), resend in 0usize..50) {
            let mut fixes = walk(T0, 400, 0.0);
            fixes.extend((0..700).map(|s| fix(T0 + 400 + s, 400.0 + (s % 9) as f64, 0.0)));
            fixes.extend(walk(T0 + 1100 + 900, 200, 400.0));
            let expected = segment(&fixes, &SegmentParams::default());
            let mut shuffled = fixes.clone();
            shuffled.extend(fixes[..resend].iter().cloned());
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            prop_assert_eq!(segment(&shuffled, &SegmentParams::default()), expected);
        }

        #[test]
        fn no_patrol_spans_more_than_a_day(start in 0i64..86_400, step in 30i64..590, n in 10usize..400) {
            let fixes: Vec<Fix> = (0..n)
                .map(|i| fix(T0 + start + i as i64 * step, i as f64 * 20.0, 0.0))
                .collect();
            let s = segment(&fixes, &SegmentParams::default());
            for p in &s.patrols {
                prop_assert!(p.end().0 - p.start().0 <= MAX_PATROL_MS);
            }
        }
    }
}

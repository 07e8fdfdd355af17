//! Replay in the form deck.gl's TripsLayer and kepler.gl trips read: per
//! patrol a path and, per vertex, seconds from one shared start. Seconds
//! from a start (not Unix times) keep every timestamp exact in float32.

use serde::Serialize;

use super::Patrol;
use crate::positions::UnixMs;

/// Coordinates are written to 1e-6° (about 0.1 m): finer is GPS noise
/// and only makes the payload bigger.
const DEGREE_DIGITS: f64 = 1e6;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trip {
    pub path: Vec<[f64; 2]>,
    /// Seconds from `Replay::start`, one per vertex.
    #[serde(serialize_with = "whole_as_integers")]
    pub timestamps: Vec<f32>,
}

/// Whole seconds as `12`, not `12.0`, and tenths as `12.3`: a day at
/// 1 Hz is 86,400 of them, a large part of the replay's bytes.
fn whole_as_integers<S: serde::Serializer>(v: &[f32], s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = s.serialize_seq(Some(v.len()))?;
    for &x in v {
        if x.fract() == 0.0 && x.abs() < 16_777_216.0 {
            seq.serialize_element(&(x as i64))?;
        } else {
            seq.serialize_element(&x)?;
        }
    }
    seq.end()
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replay {
    /// Unix seconds the timestamps count from.
    pub start: i64,
    pub start_time: String,
    pub end: i64,
    pub trips: Vec<Trip>,
}

/// The patrols within `[from, to)` (clipped to it) as trips.
pub fn replay(patrols: &[Patrol], from: UnixMs, to: UnixMs) -> Replay {
    let round = |v: f64| (v * DEGREE_DIGITS).round() / DEGREE_DIGITS;
    let start = from.0.div_euclid(1000);
    let trips = patrols
        .iter()
        .filter_map(|p| {
            let pts: Vec<_> = p
                .points
                .iter()
                .filter(|(t, _)| *t >= from && *t < to)
                .collect();
            (pts.len() >= 2).then(|| Trip {
                path: pts.iter().map(|(_, c)| [round(c.x), round(c.y)]).collect(),
                // Tenths of a second: finer than a replay at 1× shows,
                // and a day's worth stays short (f32 holds them exactly
                // enough: 1/128 s at 86,400 s).
                timestamps: pts
                    .iter()
                    .map(|(t, _)| (((t.0 - start * 1000) as f64 / 100.0).round() / 10.0) as f32)
                    .collect(),
            })
        })
        .collect();
    Replay {
        start,
        start_time: UnixMs::seconds(start).rfc3339(),
        end: to.0.div_euclid(1000),
        trips,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracks::measure::measure;
    use geo_types::Coord;

    #[test]
    fn a_day_at_one_hertz_keeps_whole_seconds_exact() {
        let from = UnixMs::seconds(1_795_996_800);
        let points: Vec<_> = (0..86_400)
            .map(|s| {
                (
                    UnixMs(from.0 + s * 1000),
                    Coord {
                        x: 117.0 + s as f64 * 1e-7,
                        y: 28.0,
                    },
                )
            })
            .collect();
        let p = Patrol {
            measures: measure(&points),
            points,
            day: 0,
        };
        let r = replay(&[p], from, UnixMs(from.0 + 86_400_000));
        let ts = &r.trips[0].timestamps;
        assert_eq!(ts.len(), 86_400);
        assert!(ts.iter().enumerate().all(|(i, t)| *t == i as f32));
        let json = serde_json::to_string(&r.trips[0]).unwrap();
        assert!(
            json.contains("\"timestamps\":[0,1,2,3,"),
            "{}",
            &json[json.len() - 200..]
        );
    }
}

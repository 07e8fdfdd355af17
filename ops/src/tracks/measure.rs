//! What a patrol measures, recomputed from its points (never from the
//! phone's odometer or the arrival order).

use geo_types::Coord;
use serde::Serialize;

use crate::coords::haversine_m;
use crate::positions::UnixMs;

/// Below this speed between two fixes the worker is standing, not moving
/// (GPS noise alone moves a still phone by about this much a second).
pub const MOVING_MPS: f64 = 0.3;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Default)]
pub struct Measures {
    pub distance_m: f64,
    pub duration_s: f64,
    pub moving_s: f64,
}

pub fn measure(points: &[(UnixMs, Coord<f64>)]) -> Measures {
    let mut m = Measures::default();
    for w in points.windows(2) {
        let d = haversine_m(w[0].1, w[1].1);
        let dt = w[0].0.secs_until(w[1].0);
        m.distance_m += d;
        if dt > 0.0 && d / dt >= MOVING_MPS {
            m.moving_s += dt;
        }
    }
    if let (Some(a), Some(b)) = (points.first(), points.last()) {
        m.duration_s = a.0.secs_until(b.0);
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_time_is_not_moving_time() {
        let c = |x: f64| Coord {
            x: 117.0 + x,
            y: 28.0,
        };
        let pts = vec![
            (UnixMs::seconds(0), c(0.0)),
            (UnixMs::seconds(60), c(0.001)),  // ~98 m in 60 s: moving
            (UnixMs::seconds(120), c(0.001)), // standing
        ];
        let m = measure(&pts);
        assert_eq!(m.duration_s, 120.0);
        assert_eq!(m.moving_s, 60.0);
        assert!((m.distance_m - 98.0).abs() < 1.0, "{}", m.distance_m);
    }
}

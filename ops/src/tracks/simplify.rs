//! A patrol's display line: Ramer–Douglas–Peucker in a local metric plane,
//! whose result lies within the tolerance of every fix and the fixes
//! within it of the result (Hausdorff distance ≤ tolerance).

use geo::Simplify;
use geo_types::{Coord, LineString};

use crate::coords::LocalPlane;

/// The display tolerance, metres.
pub const DISPLAY_TOLERANCE_M: f64 = 5.0;

/// The simplified line (WGS84), at least the two end points.
pub fn simplify(points: &[Coord<f64>], tolerance_m: f64) -> LineString<f64> {
    let Some(&origin) = points.first() else {
        return LineString::new(Vec::new());
    };
    let plane = LocalPlane::new(origin);
    let local: LineString<f64> = points.iter().map(|&c| plane.forward(c)).collect();
    local
        .simplify(tolerance_m)
        .0
        .into_iter()
        .map(|c| plane.inverse(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Distance, Euclidean};
    use proptest::prelude::*;

    /// The Hausdorff distance between two lines, each vertex to the other
    /// line (geo's `HausdorffDistance` measures vertices to vertices).
    fn hausdorff(a: &LineString<f64>, b: &LineString<f64>) -> f64 {
        let one_way = |x: &LineString<f64>, y: &LineString<f64>| {
            x.points()
                .map(|p| Euclidean.distance(&p, y))
                .fold(0.0, f64::max)
        };
        one_way(a, b).max(one_way(b, a))
    }

    proptest! {
        #[test]
        fn hausdorff_within_the_tolerance(steps in proptest::collection::vec((-8.0f64..8.0, -8.0f64..8.0), 2..300)) {
            let origin = Coord { x: 117.05, y: 28.29 };
            let plane = LocalPlane::new(origin);
            let mut p = Coord { x: 0.0, y: 0.0 };
            let mut pts = vec![origin];
            for (dx, dy) in steps {
                p.x += dx;
                p.y += dy;
                pts.push(plane.inverse(p));
            }
            let s = simplify(&pts, DISPLAY_TOLERANCE_M);
            let a: LineString<f64> = pts.iter().map(|&c| plane.forward(c)).collect();
            let b: LineString<f64> = s.0.iter().map(|&c| plane.forward(c)).collect();
            prop_assert!(hausdorff(&a, &b) <= DISPLAY_TOLERANCE_M + 1e-6);
            prop_assert!(s.0.len() <= pts.len());
        }
    }
}

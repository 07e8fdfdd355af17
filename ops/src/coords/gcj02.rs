//! GCJ-02, the offset coordinates of maps published in mainland China, to
//! and from WGS84.
//!
//! The forward offset is a fixed public formula; the inverse has no closed
//! form, so it is found by fixed-point iteration until the forward image of
//! the estimate is within a millimetre of the input. The small crates that
//! offer this stop after one step (metres off) or a fixed count, so the
//! tolerance is ours to guarantee: written here, tested over China.

use geo_types::Coord;

/// Semi-major axis and eccentricity² of the Krasovsky 1940 ellipsoid the
/// formula uses.
const A: f64 = 6_378_245.0;
const EE: f64 = 0.006_693_421_622_965_943;

/// Degrees of latitude in a millimetre: the inverse stops when it is
/// this close (latitude degrees are the longest, so longitude is closer).
const MM_DEG: f64 = 1e-3 / 111_000.0;

/// The rough box where the offset applies (outside it GCJ-02 = WGS84).
pub fn in_china(c: Coord<f64>) -> bool {
    (72.004..=137.8347).contains(&c.x) && (0.8293..=55.8271).contains(&c.y)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// WGS84 → GCJ-02 (identity outside China).
pub fn from_wgs84(c: Coord<f64>) -> Coord<f64> {
    if !in_china(c) {
        return c;
    }
    let (x, y) = (c.x - 105.0, c.y - 35.0);
    let mut d_lat = offset_lat(x, y);
    let mut d_lon = offset_lon(x, y);
    let rad = c.y.to_radians();
    let magic = 1.0 - EE * rad.sin().powi(2);
    let sqrt_magic = magic.sqrt();
    d_lat = (d_lat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrt_magic) * std::f64::consts::PI);
    d_lon = (d_lon * 180.0) / (A / sqrt_magic * rad.cos() * std::f64::consts::PI);
    Coord {
        x: c.x + d_lon,
        y: c.y + d_lat,
    }
}

/// GCJ-02 → WGS84, to within a millimetre (identity outside China).
pub fn to_wgs84(g: Coord<f64>) -> Coord<f64> {
    if !in_china(g) {
        return g;
    }
    // The offset changes slowly (under 1e-5 per metre), so each step of
    // w ← w + (g − f(w)) gains about five digits: three steps suffice,
    // eight bound a pathological input.
    let mut w = g;
    for _ in 0..8 {
        let f = from_wgs84(w);
        let (dx, dy) = (g.x - f.x, g.y - f.y);
        w.x += dx;
        w.y += dy;
        if dx.abs() < MM_DEG / 10.0 && dy.abs() < MM_DEG / 10.0 {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn metres(a: Coord<f64>, b: Coord<f64>) -> f64 {
        let k = 111_320.0;
        ((a.x - b.x) * k * a.y.to_radians().cos()).hypot((a.y - b.y) * k)
    }

    #[test]
    fn beijing_railway_station_matches_the_published_pair() {
        // The pair quoted with the formula's public descriptions.
        let g = from_wgs84(Coord {
            x: 116.42079,
            y: 39.90105,
        });
        assert!((g.x - 116.42703).abs() < 2e-5, "{g:?}");
        assert!((g.y - 39.90245).abs() < 2e-5, "{g:?}");
    }

    #[test]
    fn outside_china_nothing_moves() {
        let c = Coord { x: 26.9, y: 60.47 };
        assert_eq!(from_wgs84(c), c);
        assert_eq!(to_wgs84(c), c);
    }

    proptest! {
        #[test]
        fn round_trip_within_a_millimetre_over_china(x in 73.5f64..135.0, y in 18.0f64..53.5) {
            let w = Coord { x, y };
            let back = to_wgs84(from_wgs84(w));
            prop_assert!(metres(w, back) <= 1e-3, "{} m at {w:?}", metres(w, back));
        }
    }
}

use geo::{Area, BoundingRect, Geodesic, GeodesicArea, Length};
use geo_types::{Coord, LineString, MultiPolygon};

/// WGS84 semi-major axis, metres, and first eccentricity squared.
const WGS84_A: f64 = 6_378_137.0;
const WGS84_E2: f64 = 0.006_694_379_990_14;

/// Features smaller than this (degrees of latitude, ~5 km) are measured on a
/// local equirectangular plane; larger ones geodesically.
const LOCAL_LIMIT_DEG: f64 = 0.05;

/// An equirectangular plane tangent at a reference point, scaled by the
/// ellipsoid's radii of curvature there: within 0.01 % of geodesic areas
/// over a few kilometres, and far cheaper than a geodesic polygon area,
/// which matters for a million building footprints.
#[derive(Debug, Clone, Copy)]
pub struct LocalProjection {
    lon0: f64,
    lat0: f64,
    kx: f64,
    ky: f64,
}

impl LocalProjection {
    pub fn new(lon0: f64, lat0: f64) -> Self {
        let (sin, cos) = lat0.to_radians().sin_cos();
        let w = 1.0 - WGS84_E2 * sin * sin;
        let meridian = WGS84_A * (1.0 - WGS84_E2) / w.powf(1.5);
        let normal = WGS84_A / w.sqrt();
        let rad = std::f64::consts::PI / 180.0;
        Self {
            lon0,
            lat0,
            kx: normal * cos * rad,
            ky: meridian * rad,
        }
    }

    pub fn forward(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.lon0) * self.kx,
            y: (c.y - self.lat0) * self.ky,
        }
    }

    pub fn inverse(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: c.x / self.kx + self.lon0,
            y: c.y / self.ky + self.lat0,
        }
    }

    /// Square metres per square degree at the reference latitude.
    pub fn area_scale(&self) -> f64 {
        self.kx * self.ky
    }
}

/// Area of a lon/lat multipolygon in square metres.
pub fn area_m2(mp: &MultiPolygon<f64>) -> f64 {
    let Some(rect) = mp.bounding_rect() else {
        return 0.0;
    };
    if rect.height() < LOCAL_LIMIT_DEG && rect.width() < LOCAL_LIMIT_DEG {
        let c = rect.center();
        mp.unsigned_area() * LocalProjection::new(c.x, c.y).area_scale()
    } else {
        mp.geodesic_area_unsigned()
    }
}

/// Length of a lon/lat line in metres (geodesic).
pub fn length_m(ls: &LineString<f64>) -> f64 {
    Geodesic.length(ls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn small_square_area_matches_geodesic() {
        // ~100 m square near Beijing.
        let d = 0.0009;
        let p = polygon![(x: 116.3, y: 40.0), (x: 116.3 + d, y: 40.0), (x: 116.3 + d, y: 40.0 + d), (x: 116.3, y: 40.0 + d)];
        let mp = MultiPolygon(vec![p]);
        let local = area_m2(&mp);
        let geod = mp.geodesic_area_unsigned();
        assert!((local - geod).abs() / geod < 1e-4, "{local} vs {geod}");
    }

    #[test]
    fn projection_round_trips() {
        let p = LocalProjection::new(117.2, 28.3);
        let c = Coord {
            x: 117.25,
            y: 28.31,
        };
        let back = p.inverse(p.forward(c));
        assert!((back.x - c.x).abs() < 1e-12 && (back.y - c.y).abs() < 1e-12);
    }
}

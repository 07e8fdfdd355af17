//! Coordinate systems positions arrive in.

pub mod gcj02;

use geo_types::Coord;
use serde::{Deserialize, Serialize};

/// The coordinate system of incoming points; everything is stored in WGS84.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Crs {
    #[default]
    Wgs84,
    /// The offset system of Chinese web maps and many phone SDKs.
    Gcj02,
}

impl Crs {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "wgs84" | "epsg4326" | "4326" => Some(Self::Wgs84),
            "gcj02" | "gcj" | "mars" => Some(Self::Gcj02),
            _ => None,
        }
    }

    /// The point in WGS84.
    pub fn to_wgs84(self, c: Coord<f64>) -> Coord<f64> {
        match self {
            Self::Wgs84 => c,
            Self::Gcj02 => gcj02::to_wgs84(c),
        }
    }
}

/// Great-circle distance in metres (spherical; the error against the
/// ellipsoid, under 0.5 %, is far below GPS noise).
pub fn haversine_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    const R: f64 = 6_371_008.8;
    let (la1, la2) = (a.y.to_radians(), b.y.to_radians());
    let dla = la2 - la1;
    let dlo = (b.x - a.x).to_radians();
    let h = (dla / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlo / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().min(1.0).asin()
}

/// A plane in metres around an origin (equirectangular): exact enough for
/// the few kilometres a patrol spans.
#[derive(Debug, Clone, Copy)]
pub struct LocalPlane {
    origin: Coord<f64>,
    kx: f64,
    ky: f64,
}

impl LocalPlane {
    pub fn new(origin: Coord<f64>) -> Self {
        let ky = 111_320.0;
        Self {
            origin,
            kx: ky * origin.y.to_radians().cos(),
            ky,
        }
    }

    pub fn forward(&self, c: Coord<f64>) -> Coord<f64> {
        Coord {
            x: (c.x - self.origin.x) * self.kx,
            y: (c.y - self.origin.y) * self.ky,
        }
    }

    pub fn inverse(&self, p: Coord<f64>) -> Coord<f64> {
        Coord {
            x: p.x / self.kx + self.origin.x,
            y: p.y / self.ky + self.origin.y,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crs_names_are_forgiving() {
        assert_eq!(Crs::parse("GCJ-02"), Some(Crs::Gcj02));
        assert_eq!(Crs::parse("wgs84"), Some(Crs::Wgs84));
        assert_eq!(Crs::parse("bd09"), None);
    }

    #[test]
    fn a_degree_of_latitude_is_about_111_km() {
        let d = haversine_m(Coord { x: 116.0, y: 39.0 }, Coord { x: 116.0, y: 40.0 });
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
    }
}

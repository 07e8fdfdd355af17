//! GeoPackage geometry blobs (a header with SRS and envelope, then WKB),
//! through geozero.

use geo::BoundingRect;
use geo_types::Geometry;
use geozero::wkb::GpkgWkb;
use geozero::{CoordDimensions, ToGeo, ToWkb};

/// WGS84 lon/lat, the only SRS wangge stores.
pub const SRS_ID: i32 = 4326;

pub fn encode(g: &Geometry<f64>) -> Result<Vec<u8>, String> {
    encode_in(g, SRS_ID)
}

/// With another SRS id in the header (an export labelled CGCS2000).
pub fn encode_in(g: &Geometry<f64>, srs_id: i32) -> Result<Vec<u8>, String> {
    let env = g
        .bounding_rect()
        .map(|r| vec![r.min().x, r.max().x, r.min().y, r.max().y])
        .unwrap_or_default();
    g.to_gpkg_wkb(CoordDimensions::xy(), Some(srs_id), env)
        .map_err(|e| e.to_string())
}

pub fn decode(blob: &[u8]) -> Result<Geometry<f64>, String> {
    GpkgWkb(blob).to_geo().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::{MultiPolygon, polygon};
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn multipolygons_round_trip(x in -180.0f64..179.0, y in -90.0f64..89.0, d in 1e-7f64..1.0) {
            let mp: Geometry<f64> = MultiPolygon(vec![polygon![(x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d)]]).into();
            let back = decode(&encode(&mp).unwrap()).unwrap();
            prop_assert_eq!(back, mp);
        }
    }
}

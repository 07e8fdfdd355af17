//! The coordinate reference systems an export can be labelled with.
//!
//! wangge keeps WGS 84 (EPSG:4326). Chinese government systems often ask
//! for CGCS2000 (EPSG:4490). The two frames differ by a few centimetres, far
//! below what OSM-derived boundaries mean, and PROJ knows no published
//! transformation between them (it uses a null "ballpark" one), so an
//! export in CGCS2000 keeps the coordinates and changes the label.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crs {
    Wgs84,
    Cgcs2000,
}

impl Crs {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "4326" | "EPSG:4326" | "WGS84" | "WGS 84" => Ok(Crs::Wgs84),
            "4490" | "EPSG:4490" | "CGCS2000" => Ok(Crs::Cgcs2000),
            _ => Err(format!(
                "--crs {s:?}: EPSG:4326 (WGS 84, the default) or EPSG:4490 (CGCS2000)"
            )),
        }
    }

    pub fn epsg(self) -> i32 {
        match self {
            Crs::Wgs84 => 4326,
            Crs::Cgcs2000 => 4490,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Crs::Wgs84 => "WGS 84",
            Crs::Cgcs2000 => "China Geodetic Coordinate System 2000",
        }
    }

    /// OGC WKT 1 with EPSG authority, as `gpkg_spatial_ref_sys` wants it.
    pub fn wkt(self) -> &'static str {
        match self {
            Crs::Wgs84 => {
                r#"GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]"#
            }
            Crs::Cgcs2000 => {
                r#"GEOGCS["China Geodetic Coordinate System 2000",DATUM["China_2000",SPHEROID["CGCS2000",6378137,298.257222101,AUTHORITY["EPSG","1024"]],AUTHORITY["EPSG","1043"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4490"]]"#
            }
        }
    }

    /// ESRI WKT for a Shapefile's `.prj`.
    pub fn esri_prj(self) -> &'static str {
        match self {
            Crs::Wgs84 => {
                r#"GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#
            }
            Crs::Cgcs2000 => {
                r#"GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]"#
            }
        }
    }

    /// The URN GeoJSON (2008) used in its `crs` member; RFC 7946 drops the
    /// member and means WGS 84, so only CGCS2000 output carries it.
    pub fn urn(self) -> String {
        format!("urn:ogc:def:crs:EPSG::{}", self.epsg())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings_and_refuses_others() {
        assert_eq!(Crs::parse("EPSG:4490"), Ok(Crs::Cgcs2000));
        assert_eq!(Crs::parse("cgcs2000"), Ok(Crs::Cgcs2000));
        assert_eq!(Crs::parse("4326"), Ok(Crs::Wgs84));
        let e = Crs::parse("3857").unwrap_err();
        assert!(e.contains("4490") && e.contains("3857"), "{e}");
    }
}

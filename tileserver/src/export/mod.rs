//! Grids and blocks for other GIS: the properties every format shares
//! (`properties`), the typed columns of tabular formats (`columns`), the
//! CRS an export is labelled with (`crs`), and one writer a format:
//! GeoJSON (in `partition::export`), a styled GeoPackage (`gpkg_file`),
//! Shapefile (`shapefile_file`) and CSV (`csv_file`).

pub mod columns;
pub mod crs;
pub mod csv_file;
pub mod gpkg_file;
mod properties;
pub mod shapefile_file;

pub use properties::{block_properties, grid_properties};

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Usage(String),
    #[error("writing the export: {0}")]
    Write(String),
}

/// The formats `wangge export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    GeoJson,
    GeoPackage,
    Shapefile,
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "geojson" | "json" => Ok(Format::GeoJson),
            "gpkg" | "geopackage" => Ok(Format::GeoPackage),
            "shp" | "shapefile" => Ok(Format::Shapefile),
            "csv" => Ok(Format::Csv),
            other => Err(format!("--format {other:?}: geojson, gpkg, shp or csv")),
        }
    }

    /// What a format's output file ends in.
    pub fn extension(self) -> &'static str {
        match self {
            Format::GeoJson => "geojson",
            Format::GeoPackage => "gpkg",
            Format::Shapefile => "shp",
            Format::Csv => "csv",
        }
    }
}

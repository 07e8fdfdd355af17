//! Readers that turn input files into [`Layers`](crate::Layers): OSM PBF,
//! GeoJSON per layer, the census table. Each feature is validated and
//! repaired; whatever cannot be used is skipped and named in the report.

mod admin_hierarchy;
mod census;
mod error;
mod fields;
mod geojson;
mod guard;
mod importer;
mod limits;
mod osm;
mod osm_levels;
mod outside;
mod report;

pub use admin_hierarchy::{HierarchyNote, complete_hierarchy};
pub use census::{CensusTable, CountyCensus};
pub use error::ImportError;
pub use fields::{FieldMap, FieldRole};
pub use importer::{ImportOptions, Importer};
pub use limits::Limits;
pub use osm_levels::{AdminLevels, AdminLevelsError};
pub use outside::{OUTSIDE_NAME, Outside, cover_the_rest};
pub use report::{Action, ImportReport, Issue, LayerStats};

/// Reads a GeoJSON document from bytes into one layer; the entry point the
/// fuzzer drives.
pub fn read_geojson_bytes(
    bytes: &[u8],
    kind: crate::LayerKind,
    opts: &ImportOptions,
) -> Result<(crate::Layers, ImportReport), ImportError> {
    let mut imp = Importer::new(opts.clone());
    imp.read_geojson_slice("input", bytes, kind)?;
    Ok(imp.finish())
}

/// Reads an OSM PBF from bytes; the entry point the fuzzer drives.
pub fn read_pbf_bytes(
    bytes: &[u8],
    opts: &ImportOptions,
) -> Result<(crate::Layers, ImportReport), ImportError> {
    let mut imp = Importer::new(opts.clone());
    imp.read_pbf_slice("input", bytes)?;
    Ok(imp.finish())
}

/// Reads a boundary polygon (any GeoJSON of polygons) as one multipolygon.
pub fn read_boundary_file(
    path: &std::path::Path,
    opts: &ImportOptions,
) -> Result<geo_types::MultiPolygon<f64>, ImportError> {
    let mut imp = Importer::new(opts.clone());
    imp.read_geojson_file(path, crate::LayerKind::Landuse)?;
    let (layers, _) = imp.finish();
    let polys: Vec<geo_types::Polygon<f64>> = layers
        .landuse
        .into_iter()
        .flat_map(|l| l.geometry.0)
        .collect();
    if polys.is_empty() {
        return Err(ImportError::NotGeoJson {
            source_name: path.display().to_string(),
            message: "no usable polygon in the boundary file".into(),
        });
    }
    Ok(geo::unary_union(&polys))
}

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
mod report;

pub use admin_hierarchy::{HierarchyNote, complete_hierarchy};
pub use census::{CensusTable, CountyCensus};
pub use error::ImportError;
pub use fields::{FieldMap, FieldRole};
pub use importer::{ImportOptions, Importer};
pub use limits::Limits;
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

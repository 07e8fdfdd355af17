//! Any bytes given to the GeoJSON reader, for any layer, give layers or an
//! error, never a panic; whatever comes out is valid geometry.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partition::LayerKind;
use partition::import::{ImportOptions, Limits, read_geojson_bytes};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    let kind = LayerKind::ALL[selector as usize % LayerKind::ALL.len()];
    let opts = ImportOptions { limits: Limits { max_feature_vertices: 10_000, ..Limits::default() }, ..Default::default() };
    if let Ok((layers, report)) = read_geojson_bytes(bytes, kind, &opts) {
        assert_eq!(report.stats(kind).imported as usize <= report.stats(kind).read as usize, true);
        for b in &layers.buildings {
            assert!(geo::Validation::is_valid(&b.geometry));
        }
    }
});

//! Any bytes given to the OSM PBF reader give layers or an error, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partition::import::{ImportOptions, read_pbf_bytes};

fuzz_target!(|data: &[u8]| {
    let _ = read_pbf_bytes(data, &ImportOptions::default());
});

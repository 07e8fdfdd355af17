//! The web map's built files (`web-map/dist`), served at `/`.

use std::path::PathBuf;

/// The built web map: `--web DIR`, else `web-map/dist` beside the working
/// directory or the binary's workspace, when it has an `index.html`.
pub fn find_web_dir(given: Option<PathBuf>) -> Option<PathBuf> {
    let candidates = given.into_iter().chain([
        PathBuf::from("web-map/dist"),
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../web-map/dist"),
    ]);
    candidates
        .into_iter()
        .find(|d| d.join("index.html").is_file())
}

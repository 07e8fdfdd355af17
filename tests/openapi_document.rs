//! The web map's TypeScript types are generated from `web-map/openapi.json`
//! at build time; this keeps that copy equal to what the server serves, so
//! a change to the API that the map does not follow fails its build.

mod common;
use common::wangge;

#[test]
fn the_web_maps_copy_of_the_api_document_is_current() {
    let r = wangge(&["openapi"]);
    assert_eq!(r.code, 0, "{}", r.all());
    let served: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    let path = common::root().join("web-map/openapi.json");
    let copy: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("web-map/openapi.json"))
            .expect("JSON");
    assert!(
        served == copy,
        "web-map/openapi.json is stale: run `cargo run -q -- openapi > web-map/openapi.json` and rebuild the web map"
    );
}

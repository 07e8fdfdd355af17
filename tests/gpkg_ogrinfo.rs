//! The store is a GeoPackage that GDAL opens as it is: every layer with the
//! right feature count and an R-tree spatial index (`ogrinfo`, Debian
//! gdal-bin). A missing ogrinfo fails the test.

mod common;
use common::*;

#[test]
fn ogrinfo_lists_every_layer_with_counts_and_a_spatial_index() {
    let (_dir, store, _r) = imported(
        "cn_beijing_haidian_qinghuayuan_2017.osm.pbf",
        &["--county", "110108"],
    );
    let ours = store_counts(&store);

    let (list, warnings) = ogrinfo(&["-ro", "-q", p(&store)]);
    assert!(
        !warnings.contains("Warning") && !warnings.contains("ERROR"),
        "{warnings}"
    );
    for layer in [
        "admin",
        "buildings",
        "roads",
        "railways",
        "waterways",
        "water",
        "sites",
        "landuse",
    ] {
        assert!(
            list.lines().any(|l| l.contains(&format!(": {layer} ("))),
            "{layer} missing from:\n{list}"
        );
        let (summary, _) = ogrinfo(&["-ro", "-so", p(&store), layer]);
        let count: u64 = summary
            .lines()
            .find_map(|l| l.strip_prefix("Feature Count: "))
            .and_then(|n| n.trim().parse().ok())
            .unwrap_or_else(|| panic!("no feature count for {layer}:\n{summary}"));
        assert_eq!(count, ours[layer], "{layer}");
        assert!(
            summary.contains("EPSG") || summary.contains("WGS 84"),
            "{layer} has its SRS:\n{summary}"
        );
        let (idx, _) = ogrinfo(&[
            "-ro",
            p(&store),
            "-sql",
            &format!("SELECT HasSpatialIndex('{layer}', 'geom')"),
        ]);
        assert!(idx.contains("= 1"), "{layer} has no spatial index:\n{idx}");
    }
    // The index answers a spatial filter: the buildings inside Tsinghua's main building square.
    let (hits, _) = ogrinfo(&[
        "-ro",
        "-so",
        "-spat",
        "116.320",
        "40.000",
        "116.330",
        "40.005",
        p(&store),
        "buildings",
    ]);
    let n: u64 = hits
        .lines()
        .find_map(|l| l.strip_prefix("Feature Count: "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(n > 0 && n < ours["buildings"], "{n}");
    // Attributes arrive with their names.
    let (b, _) = ogrinfo(&["-ro", "-so", p(&store), "buildings"]);
    for field in [
        "source_id",
        "kind",
        "levels",
        "population",
        "households",
        "population_source",
    ] {
        assert!(b.contains(&format!("{field}:")), "{field} missing:\n{b}");
    }
}

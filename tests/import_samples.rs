//! `wangge import` of the real OSM extracts in data/, counted against
//! figures taken independently with osmium-tool 1.15 (recorded below).

mod common;
use common::*;

#[test]
fn qinghuayuan_counts_match_osmium() {
    let (_dir, store, r) = imported(
        "cn_beijing_haidian_qinghuayuan_2017.osm.pbf",
        &[
            "--census",
            p(&data("census/county_2020.csv")),
            "--county",
            "110108",
            "--population-total",
            "44166",
        ],
    );
    // osmium tags-filter -R … w/building r/building: 520 ways + 1 multipolygon relation.
    assert_eq!(row(&r.stdout, "buildings"), [521, 521, 0, 0]);
    // osmium tags-filter -R … w/highway: 684 ways, of which 44 highway=platform
    // and 6 area=yes (squares, not centre lines) are not roads, and 14 run
    // in tunnels, covered, indoors or below ground (they bound no block).
    let roads = row(&r.stdout, "roads");
    assert_eq!(roads[0], 684 - 44 - 6 - 14);
    assert!(
        r.stdout
            .contains("14 ways in tunnels, covered, indoor or below ground left out"),
        "{}",
        r.stdout
    );
    assert_eq!(roads[1], roads[0]);
    assert!(r.stdout.contains("44166 residents"), "{}", r.stdout);
    // Haidian's census household size.
    assert!(r.stdout.contains("18955 households"), "{}", r.stdout);
    assert!(r.stdout.contains("no admin units given"), "{}", r.stdout);
    let counts = store_counts(&store);
    assert_eq!(counts["buildings"], 521);
    assert_eq!(counts["roads"], 620);
    assert_eq!(
        counts["admin"], 2,
        "one town and one village cover the data"
    );
}

#[test]
fn kotka_counts_match_osmium() {
    let (_dir, store, r) = imported("fi_kotka_pyrosm_test.osm.pbf", &[]);
    // osmium fileinfo: 2219 building ways; osmium check-refs -i: 48 of them
    // reference nodes outside the extract and cannot be closed.
    assert_eq!(row(&r.stdout, "buildings"), [2219, 2171, 0, 48]);
    // 343 highway ways, one highway=construction, 9 under or in buildings.
    assert_eq!(row(&r.stdout, "roads")[0], 333);
    assert!(
        r.stdout
            .contains("referenced nodes or ways are missing from the extract")
    );
    assert_eq!(store_counts(&store)["buildings"], 2171);
}

#[test]
fn guixi_boundary_relations_cut_by_the_extract_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("g.gpkg");
    let r = wangge(&[
        "import",
        "--store",
        p(&store),
        "--county",
        "360681",
        p(&data("osm/cn_jiangxi_guixi_2024.osm.pbf")),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    // osmium: 165 building ways; 176 highway ways, 6 under construction,
    // one in a tunnel.
    assert_eq!(row(&r.stdout, "buildings"), [165, 165, 0, 0]);
    assert_eq!(row(&r.stdout, "roads")[0], 169);
    // Twelve boundary relations of every level (seven at admin_level 8, the
    // rest the province, prefecture and county ones); only one is complete
    // in the extract.
    assert_eq!(row(&r.stdout, "admin"), [12, 1, 0, 11]);
    assert!(r.stdout.contains("osm:r6662715: skipped"), "{}", r.stdout);
    assert!(
        r.stdout.contains("360681001000"),
        "the town is coded under the county: {}",
        r.stdout
    );
}

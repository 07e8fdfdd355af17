use std::collections::BTreeMap;

use geo_types::{LineString, MultiPolygon, polygon};
use partition::model::{AdminLevel, AdminUnit, Building, DivisionCode, FeatureId, Road, RoadClass};
use partition::{LayerKind, Layers};

use super::*;
use crate::store::{CountyCode, ImportRecord};

fn sample() -> Layers {
    let sq = MultiPolygon(vec![
        polygon![(x: 116.0, y: 40.0), (x: 116.01, y: 40.0), (x: 116.01, y: 40.01), (x: 116.0, y: 40.01)],
    ]);
    let mut l = Layers::default();
    l.admin.push(AdminUnit {
        id: FeatureId("a".into()),
        code: DivisionCode::parse("110108001001").unwrap(),
        name: "清华园社区".into(),
        level: AdminLevel::Village,
        population: Some(1200.0),
        geometry: sq.clone(),
    });
    l.buildings.push(Building {
        id: FeatureId("osm:w1".into()),
        kind: "apartments".into(),
        levels: Some(6.0),
        height: None,
        population: Some(120.0),
        households: Some(50.0),
        population_source: Some(partition::model::PopulationSource::Given),
        geometry: sq,
    });
    l.roads.push(Road {
        id: FeatureId("osm:w2".into()),
        class: RoadClass::Primary,
        highway: "primary".into(),
        name: Some("成府路".into()),
        geometry: LineString::from(vec![(116.0, 40.0), (116.01, 40.01)]),
    });
    l.supplied
        .extend([LayerKind::Admin, LayerKind::Buildings, LayerKind::Roads]);
    l
}

#[tokio::test]
async fn layers_round_trip_and_are_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.gpkg");
    let store = GpkgStore::create_or_open(&path).await.unwrap();
    let l = sample();
    store
        .replace_layers(county(), &l, &ImportRecord::default(), &|_| {})
        .await
        .unwrap();
    let back = store
        .read_layers(
            county(),
            &[LayerKind::Admin, LayerKind::Buildings, LayerKind::Roads],
        )
        .await
        .unwrap();
    assert_eq!(back, l);
    let rtree: i64 = sqlx::query_scalar("SELECT count(*) FROM rtree_buildings_geom WHERE minx <= 116.005 AND maxx >= 116.005 AND miny <= 40.005 AND maxy >= 40.005")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rtree, 1);
    let info = store.layers(None).await.unwrap();
    let counts: BTreeMap<_, _> = info.iter().map(|i| (i.name.clone(), i.features)).collect();
    assert_eq!(counts["buildings"], 1);
    assert_eq!(counts["water"], 0);
    store.close().await;

    // Reopening runs no migration twice and keeps the data.
    let store = GpkgStore::open(&path).await.unwrap();
    assert_eq!(
        store
            .read_layers(county(), &[LayerKind::Buildings])
            .await
            .unwrap()
            .buildings
            .len(),
        1
    );
}

#[tokio::test]
async fn replacing_a_layer_keeps_the_others_and_the_index_in_step() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::create_or_open(&dir.path().join("t.gpkg"))
        .await
        .unwrap();
    store
        .replace_layers(county(), &sample(), &ImportRecord::default(), &|_| {})
        .await
        .unwrap();
    let mut only_roads = Layers::default();
    only_roads.supplied.insert(LayerKind::Roads);
    store
        .replace_layers(county(), &only_roads, &ImportRecord::default(), &|_| {})
        .await
        .unwrap();
    let back = store
        .read_layers(county(), &[LayerKind::Buildings, LayerKind::Roads])
        .await
        .unwrap();
    assert_eq!(back.buildings.len(), 1);
    assert!(back.roads.is_empty());
    let rtree: i64 = sqlx::query_scalar("SELECT count(*) FROM rtree_roads_geom")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rtree, 0);
}

fn county() -> CountyCode {
    "110108".parse().unwrap()
}

#[tokio::test]
async fn counties_keep_their_own_layers() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::create_or_open(&dir.path().join("t.gpkg"))
        .await
        .unwrap();
    let other: CountyCode = "360681".parse().unwrap();
    for c in [county(), other] {
        let mut l = sample();
        for u in &mut l.admin {
            u.code = DivisionCode::from_parts(c.as_u32(), u.code.town(), u.code.village());
        }
        store
            .replace_layers(c, &l, &ImportRecord::default(), &|_| {})
            .await
            .unwrap();
    }
    // Replacing one county's roads with none leaves the other's.
    let mut only_roads = Layers::default();
    only_roads.supplied.insert(LayerKind::Roads);
    store
        .replace_layers(other, &only_roads, &ImportRecord::default(), &|_| {})
        .await
        .unwrap();
    let mine = store
        .read_layers(county(), &[LayerKind::Roads])
        .await
        .unwrap();
    let theirs = store.read_layers(other, &[LayerKind::Roads]).await.unwrap();
    assert_eq!(mine.roads.len(), sample().roads.len());
    assert!(theirs.roads.is_empty());
    let all = store.layers(None).await.unwrap();
    let one = store.layers(Some(county())).await.unwrap();
    let n = |v: &[crate::store::LayerInfo], name: &str| {
        v.iter()
            .find(|l| l.name == name)
            .map(|l| l.features)
            .unwrap()
    };
    assert_eq!(n(&all, "buildings"), 2 * n(&one, "buildings"));
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM counties ORDER BY code")
        .fetch_all(store.pool())
        .await
        .unwrap();
    assert_eq!(codes, ["110108", "360681"]);
}

#[tokio::test]
async fn refuses_files_that_are_not_geopackages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not.gpkg");
    std::fs::write(
        &path,
        b"this is not sqlite at all, just some text padding it out...",
    )
    .unwrap();
    let err = GpkgStore::open(&path).await.unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::NotGeoPackage { .. } | StoreError::Open { .. }
        ),
        "{err}"
    );
    let missing = GpkgStore::open(&dir.path().join("missing.gpkg"))
        .await
        .unwrap_err();
    assert!(matches!(missing, StoreError::Missing { .. }));
}

fn grid(code: &str, x: f64, households: f64) -> crate::store::StoredGrid {
    crate::store::StoredGrid {
        level: crate::store::GridLevel::Grid,
        code: code.into(),
        name: format!("网格 {code}"),
        village_code: code[..12].into(),
        village_name: "村".into(),
        town_code: code[..9].into(),
        town_name: "镇".into(),
        population: households * 2.6,
        households,
        buildings: 3,
        area_m2: 1.0,
        perimeter_m: 4.0,
        polsby_popper: 0.78,
        dedicated: None,
        in_band: Some(true),
        parent_code: None,
        geometry: MultiPolygon(vec![
            polygon![(x: x, y: 40.0), (x: x + 0.01, y: 40.0), (x: x + 0.01, y: 40.01), (x: x, y: 40.01)],
        ]),
    }
}

fn plan(
    county: &str,
    band: &str,
    grids: Vec<crate::store::StoredGrid>,
    activate: bool,
) -> crate::store::NewPlan {
    crate::store::NewPlan {
        county: county.parse().unwrap(),
        name: format!("{county} {band}"),
        parent_id: None,
        params: serde_json::json!({ "band": band }).to_string(),
        report: "{}".into(),
        grids,
        blocks: Vec::new(),
        activate,
    }
}

async fn count(store: &GpkgStore, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(&store.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn active_layers_follow_each_countys_active_plan_with_styles_and_views() {
    let dir = tempfile::tempdir().unwrap();
    let store = GpkgStore::create_or_open(&dir.path().join("t.gpkg"))
        .await
        .unwrap();
    let a = store
        .save_plan(&plan(
            "110108",
            "residents:1000-2000",
            vec![
                grid("110108001001001", 116.0, 300.0),
                grid("110108001001002", 116.01, 400.0),
            ],
            true,
        ))
        .await
        .unwrap();
    let b = store
        .save_plan(&plan(
            "110108",
            "households:300-500",
            vec![
                grid("110108001001001", 116.0, 250.0),
                grid("110108001001002", 116.01, 250.0),
                grid("110108001001003", 116.02, 200.0),
            ],
            false,
        ))
        .await
        .unwrap();
    store
        .save_plan(&plan(
            "360681",
            "residents:1000-2000",
            vec![grid("360681001001001", 117.0, 500.0)],
            true,
        ))
        .await
        .unwrap();
    // Each county's active plan: two grids of 110108, one of 360681.
    assert_eq!(count(&store, "SELECT count(*) FROM active_grids").await, 3);
    assert_eq!(count(&store, "SELECT count(*) FROM active_cells").await, 0);
    let default_style = |store: &GpkgStore| {
        let pool = store.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT styleName FROM layer_styles WHERE f_table_name = 'active_grids' AND useAsDefault",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(default_style(&store).await.len(), 1);
    assert!(default_style(&store).await[0].contains("人口"));

    store.activate_plan(b).await.unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM active_grids").await, 4);
    // The extent follows: 116.0 to 117.01 (the R-tree keeps 32-bit floats,
    // rounded outward).
    let (min_x, max_x): (f64, f64) =
        sqlx::query_as("SELECT min_x, max_x FROM gpkg_contents WHERE table_name = 'active_grids'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert!(
        (min_x - 116.0).abs() < 1e-4 && (max_x - 117.01).abs() < 1e-4,
        "{min_x} {max_x}"
    );
    // The first county's band is now households: so is the default style.
    assert!(
        default_style(&store).await[0].contains("户数"),
        "{:?}",
        default_style(&store).await
    );

    // A user's own default style stays the default.
    sqlx::query("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, styleQML, useAsDefault, owner) VALUES ('', '', 'active_grids', 'geom', 'mine', '<qgis/>', 1, 'planner')")
        .execute(&store.pool)
        .await
        .unwrap();
    store.activate_plan(a).await.unwrap();
    assert_eq!(default_style(&store).await, vec!["mine".to_string()]);

    // Per-plan views, registered and described; dropped with their plan.
    let views = store.create_plan_views().await.unwrap();
    assert!(views.contains(&format!("plan_{}_grids", b.0)), "{views:?}");
    assert_eq!(
        count(&store, &format!("SELECT count(*) FROM plan_{}_grids", b.0)).await,
        3
    );
    assert_eq!(
        count(
            &store,
            &format!(
                "SELECT count(*) FROM gpkg_contents WHERE table_name = 'plan_{}_grids'",
                b.0
            )
        )
        .await,
        1
    );
    assert!(
        count(
            &store,
            &format!(
                "SELECT count(*) FROM gpkg_data_columns WHERE table_name = 'plan_{}_grids'",
                b.0
            )
        )
        .await
            > 10
    );
    assert_eq!(
        count(
            &store,
            &format!(
                "SELECT count(*) FROM layer_styles WHERE f_table_name = 'plan_{}_grids'",
                b.0
            )
        )
        .await,
        2
    );
    store.delete_plan(b).await.unwrap();
    for t in [
        "sqlite_master WHERE name",
        "gpkg_contents WHERE table_name",
        "gpkg_geometry_columns WHERE table_name",
        "gpkg_data_columns WHERE table_name",
        "layer_styles WHERE f_table_name",
    ] {
        assert_eq!(
            count(
                &store,
                &format!("SELECT count(*) FROM {t} = 'plan_{}_grids'", b.0)
            )
            .await,
            0,
            "{t}"
        );
    }
    // Reopening does not rewrite what is current.
    let digest: String =
        sqlx::query_scalar("SELECT value FROM wangge_meta WHERE key = 'gis_metadata'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    drop(store);
    let store = GpkgStore::open(&dir.path().join("t.gpkg")).await.unwrap();
    let again: String =
        sqlx::query_scalar("SELECT value FROM wangge_meta WHERE key = 'gis_metadata'")
            .fetch_one(&store.pool)
            .await
            .unwrap();
    assert_eq!(digest, again);
}

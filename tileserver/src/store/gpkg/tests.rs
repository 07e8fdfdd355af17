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

use std::sync::Arc;

use geo_types::MultiLineString;
use partition::model::{AdminLevel, RoadClass};
use partition::{LayerKind, Layers};

use super::{
    AdminSource, BasemapFeature, FeatureSource, PolygonFeature, PolygonSource, Shape, TileSource,
};
use crate::mvt::TileValue;
use crate::store::{CountyCode, GridLevel, PlanId, Store, StoreError, StoredBlock, StoredGrid};

/// The tile sources a request may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SourceKind {
    Grids,
    Cells,
    Blocks,
    Admin,
    Buildings,
    Roads,
    Water,
    Landuse,
}

impl SourceKind {
    pub const ALL: [SourceKind; 8] = [
        Self::Grids,
        Self::Cells,
        Self::Blocks,
        Self::Admin,
        Self::Buildings,
        Self::Roads,
        Self::Water,
        Self::Landuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grids => "grids",
            Self::Cells => "cells",
            Self::Blocks => "blocks",
            Self::Admin => "admin",
            Self::Buildings => "buildings",
            Self::Roads => "roads",
            Self::Water => "water",
            Self::Landuse => "landuse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the source belongs to a plan (else to the imported layers).
    pub fn per_plan(self) -> bool {
        matches!(self, Self::Grids | Self::Cells | Self::Blocks)
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Grids => "Grids (网格) of a plan, with residents, households and band status",
            Self::Cells => "Unit cells (单元格) of a plan (zoom 12 and up)",
            Self::Blocks => "Road-bounded blocks a plan was built from (zoom 12 and up)",
            Self::Admin => "Towns (乡镇/街道) and villages/communities (村/社区)",
            Self::Buildings => "Buildings with households (zoom 14 and up)",
            Self::Roads => "Roads by class, and railways (basemap)",
            Self::Water => "Water areas and waterways (basemap)",
            Self::Landuse => "Land use and land cover (basemap)",
        }
    }

    /// The first zoom that has anything.
    pub fn min_zoom(self) -> u8 {
        match self {
            Self::Cells | Self::Blocks => 12,
            Self::Buildings => 14,
            _ => 0,
        }
    }

    /// Seconds clients may keep a tile: plan layers change with every new
    /// or activated plan, the imported layers only on import.
    pub fn max_age(self) -> u32 {
        if self.per_plan() { 60 } else { 3600 }
    }
}

/// A stable numeric feature id: the division or grid code when it is a
/// number a browser holds exactly (below 2^53), else the row's position.
fn code_id(code: &str, fallback: usize) -> u64 {
    code.parse::<u64>()
        .ok()
        .filter(|v| *v < (1u64 << 53))
        .unwrap_or(fallback as u64 + 1)
}

pub(crate) fn grid_features(grids: &[StoredGrid]) -> Vec<PolygonFeature> {
    grids
        .iter()
        .enumerate()
        .map(|(i, g)| PolygonFeature {
            id: code_id(&g.code, i),
            properties: vec![
                ("code".into(), TileValue::Str(g.code.clone())),
                ("name".into(), TileValue::Str(g.name.clone())),
                (
                    "village_code".into(),
                    TileValue::Str(g.village_code.clone()),
                ),
                (
                    "village_name".into(),
                    TileValue::Str(g.village_name.clone()),
                ),
                ("town_name".into(), TileValue::Str(g.town_name.clone())),
                ("population".into(), TileValue::Double(g.population.round())),
                ("households".into(), TileValue::Double(g.households.round())),
                ("buildings".into(), TileValue::Sint(g.buildings)),
                ("in_band".into(), TileValue::Bool(g.in_band.unwrap_or(true))),
                (
                    "dedicated".into(),
                    TileValue::Str(g.dedicated.clone().unwrap_or_default()),
                ),
            ],
            geometry: g.geometry.clone(),
        })
        .collect()
}

fn block_source(blocks: Vec<StoredBlock>) -> PolygonSource {
    let features = blocks
        .into_iter()
        .map(|b| PolygonFeature {
            id: b.block_id as u64 + 1,
            properties: vec![
                ("village_code".into(), TileValue::Str(b.village_code)),
                (
                    "grid_code".into(),
                    TileValue::Str(b.grid_code.unwrap_or_default()),
                ),
                ("population".into(), TileValue::Double(b.population.round())),
                ("households".into(), TileValue::Double(b.households.round())),
                ("buildings".into(), TileValue::Sint(b.buildings)),
            ],
            geometry: b.geometry,
        })
        .collect();
    PolygonSource::new("blocks", features)
        .from_zoom(12)
        .scoped_by("village_code")
}

fn admin_source(units: Vec<partition::AdminUnit>) -> AdminSource {
    let level = |want: AdminLevel| {
        let features = units
            .iter()
            .filter(|u| u.level == want)
            .enumerate()
            .map(|(i, u)| PolygonFeature {
                id: u.code.as_u64().max(i as u64 + 1),
                properties: vec![
                    ("code".into(), TileValue::Str(u.code.to_string())),
                    ("name".into(), TileValue::Str(u.name.clone())),
                    ("level".into(), TileValue::Str(u.level.as_str().into())),
                    (
                        "town_code".into(),
                        TileValue::Str(u.code.parent().map(|c| c.to_string()).unwrap_or_default()),
                    ),
                ],
                geometry: u.geometry.clone(),
            })
            .collect();
        // Town names at every zoom; village names from z12.
        let from = if want == AdminLevel::Town { 0 } else { 12 };
        PolygonSource::new("admin", features)
            .with_labels(from)
            .scoped_by("code")
    };
    AdminSource::new(level(AdminLevel::Town), level(AdminLevel::Village))
}

/// The first zoom a road class is drawn at.
fn road_min_zoom(class: RoadClass) -> u8 {
    match class {
        RoadClass::Motorway | RoadClass::Trunk => 5,
        RoadClass::Primary => 8,
        RoadClass::Secondary => 9,
        RoadClass::Tertiary => 11,
        RoadClass::Residential | RoadClass::Unclassified | RoadClass::LivingStreet => 12,
        RoadClass::Service | RoadClass::Pedestrian | RoadClass::Track => 14,
        RoadClass::Path | RoadClass::Other => 15,
    }
}

fn text(v: &str) -> TileValue {
    TileValue::Str(v.to_string())
}

fn name(v: &Option<String>) -> TileValue {
    TileValue::Str(v.clone().unwrap_or_default())
}

fn roads_source(l: &Layers) -> FeatureSource {
    let mut features: Vec<BasemapFeature> = l
        .roads
        .iter()
        .enumerate()
        .map(|(i, r)| BasemapFeature {
            id: i as u64 + 1,
            min_zoom: road_min_zoom(r.class),
            values: vec![text(r.class.as_str()), text(&r.highway), name(&r.name)],
            shape: Shape::Lines(MultiLineString(vec![r.geometry.clone()])),
        })
        .collect();
    let base = features.len();
    features.extend(l.railways.iter().enumerate().map(|(i, r)| BasemapFeature {
        id: (base + i) as u64 + 1,
        min_zoom: 8,
        values: vec![text("rail"), text(&r.kind), name(&r.name)],
        shape: Shape::Lines(MultiLineString(vec![r.geometry.clone()])),
    }));
    FeatureSource::new("roads", 5, &["class", "highway", "name"], features)
}

fn water_source(l: &Layers) -> FeatureSource {
    let mut features: Vec<BasemapFeature> = l
        .water
        .iter()
        .enumerate()
        .map(|(i, w)| BasemapFeature {
            id: i as u64 + 1,
            min_zoom: 0,
            values: vec![text(&w.kind), name(&w.name)],
            shape: Shape::Area(w.geometry.clone()),
        })
        .collect();
    let base = features.len();
    features.extend(l.waterways.iter().enumerate().map(|(i, w)| BasemapFeature {
        id: (base + i) as u64 + 1,
        min_zoom: if w.kind == "river" || w.kind == "canal" {
            8
        } else {
            13
        },
        values: vec![text(&w.kind), name(&w.name)],
        shape: Shape::Lines(MultiLineString(vec![w.geometry.clone()])),
    }));
    FeatureSource::new("water", 0, &["kind", "name"], features)
}

fn landuse_source(l: &Layers) -> FeatureSource {
    let features = l
        .landuse
        .iter()
        .enumerate()
        .map(|(i, u)| BasemapFeature {
            id: i as u64 + 1,
            min_zoom: 0,
            values: vec![text(&u.class), name(&u.name)],
            shape: Shape::Area(u.geometry.clone()),
        })
        .collect();
    FeatureSource::new("landuse", 0, &["class", "name"], features)
}

fn buildings_source(l: Layers) -> FeatureSource {
    let features = l
        .buildings
        .into_iter()
        .enumerate()
        .map(|(i, b)| BasemapFeature {
            id: i as u64 + 1,
            min_zoom: 14,
            values: vec![
                TileValue::Str(b.kind),
                TileValue::Double(b.levels.unwrap_or(0.0)),
                TileValue::Double(b.households.unwrap_or(0.0).round()),
            ],
            shape: Shape::Area(b.geometry),
        })
        .collect();
    FeatureSource::new("buildings", 14, &["kind", "levels", "households"], features)
}

/// A plan's grids with what the API needs besides their tiles.
pub struct GridSet {
    pub plan: PlanId,
    pub county: CountyCode,
    pub grids: Vec<StoredGrid>,
    /// Per grid, (index of neighbour, shared boundary in m).
    pub neighbours: Vec<Vec<(usize, f64)>>,
    pub source: PolygonSource,
}

impl GridSet {
    pub fn index_of(&self, code: &str) -> Option<usize> {
        self.grids
            .binary_search_by(|g| g.code.as_str().cmp(code))
            .ok()
    }

    /// Grids in a town and/or village, each given by code or name.
    pub fn matching(&self, town: Option<&str>, village: Option<&str>) -> Vec<usize> {
        (0..self.grids.len())
            .filter(|&i| {
                let g = &self.grids[i];
                town.is_none_or(|t| g.town_code == t || g.town_name == t)
                    && village.is_none_or(|v| g.village_code == v || g.village_name == v)
            })
            .collect()
    }
}

impl TileSource for GridSet {
    fn layer_names(&self) -> Vec<String> {
        self.source.layer_names()
    }
    fn min_zoom(&self) -> u8 {
        self.source.min_zoom()
    }
    fn bounds(&self) -> Option<[f64; 4]> {
        self.source.bounds()
    }
    fn fields(&self) -> Vec<(String, &'static str)> {
        self.source.fields()
    }
    fn feature_count(&self) -> usize {
        self.source.feature_count()
    }
    fn heap_bytes(&self) -> usize {
        use geo::CoordsIter;
        self.source.heap_bytes()
            + self
                .grids
                .iter()
                .map(|g| g.geometry.coords_count() * 16 + 512)
                .sum::<usize>()
    }
    fn layers(
        &self,
        tile: crate::mvt::TileId,
        within: Option<&str>,
    ) -> Vec<crate::mvt::LayerBuilder> {
        self.source.layers(tile, within)
    }
}

/// Builds a plan's grid set (grids sorted by code, as the store gives them).
pub async fn build_grid_set(
    store: &Store,
    county: CountyCode,
    plan: PlanId,
    level: GridLevel,
) -> Result<GridSet, StoreError> {
    let mut grids = store.plan_grids(plan, level).await?;
    grids.sort_by(|a, b| a.code.cmp(&b.code));
    let cell = level == GridLevel::Cell;
    let name = if cell { "cells" } else { "grids" };
    let set = tokio::task::spawn_blocking(move || {
        let source = PolygonSource::new(name, grid_features(&grids))
            .from_zoom(if cell { 12 } else { 0 })
            .with_labels(if cell { 15 } else { 14 })
            .lean_below(
                11,
                &["code", "population", "households", "in_band", "dedicated"],
            )
            .scoped_by("code");
        let neighbours = source.neighbours();
        GridSet {
            plan,
            county,
            grids,
            neighbours,
            source,
        }
    })
    .await
    .map_err(|e| StoreError::Open {
        path: name.into(),
        message: e.to_string(),
    })?;
    Ok(set)
}

/// What a built source is: plain tiles, or a grid set the API reads too.
pub enum Built {
    Tiles(Arc<dyn TileSource>),
    Grids(Arc<GridSet>),
    Admin(Arc<AdminSource>),
    Features(Arc<FeatureSource>),
}

impl Built {
    pub fn tiles(&self) -> Arc<dyn TileSource> {
        match self {
            Built::Tiles(t) => t.clone(),
            Built::Grids(g) => g.clone(),
            Built::Admin(a) => a.clone(),
            Built::Features(f) => f.clone(),
        }
    }
}

/// Builds one source from the store (the CPU part off the async executor):
/// a plan's for plan sources, else the county's imported layers'.
pub async fn build_source(
    store: &Store,
    kind: SourceKind,
    county: CountyCode,
    plan: Option<PlanId>,
) -> Result<Built, StoreError> {
    let failed = |e: tokio::task::JoinError| StoreError::Open {
        path: kind.as_str().into(),
        message: e.to_string(),
    };
    let plan = || {
        plan.ok_or_else(|| StoreError::NoPlan {
            selector: format!("active (county {county})"),
            known: String::new(),
        })
    };
    Ok(match kind {
        SourceKind::Grids => Built::Grids(Arc::new(
            build_grid_set(store, county, plan()?, GridLevel::Grid).await?,
        )),
        SourceKind::Cells => Built::Grids(Arc::new(
            build_grid_set(store, county, plan()?, GridLevel::Cell).await?,
        )),
        SourceKind::Blocks => {
            let blocks = store.plan_blocks(plan()?).await?;
            Built::Tiles(Arc::new(
                tokio::task::spawn_blocking(move || block_source(blocks))
                    .await
                    .map_err(failed)?,
            ))
        }
        SourceKind::Admin => {
            let l = store.read_layers(county, &[LayerKind::Admin]).await?;
            Built::Admin(Arc::new(
                tokio::task::spawn_blocking(move || admin_source(l.admin))
                    .await
                    .map_err(failed)?,
            ))
        }
        SourceKind::Buildings => {
            let l = store.read_layers(county, &[LayerKind::Buildings]).await?;
            Built::Features(Arc::new(
                tokio::task::spawn_blocking(move || buildings_source(l))
                    .await
                    .map_err(failed)?,
            ))
        }
        SourceKind::Roads => {
            let l = store
                .read_layers(county, &[LayerKind::Roads, LayerKind::Railways])
                .await?;
            Built::Features(Arc::new(
                tokio::task::spawn_blocking(move || roads_source(&l))
                    .await
                    .map_err(failed)?,
            ))
        }
        SourceKind::Water => {
            let l = store
                .read_layers(county, &[LayerKind::Water, LayerKind::Waterways])
                .await?;
            Built::Features(Arc::new(
                tokio::task::spawn_blocking(move || water_source(&l))
                    .await
                    .map_err(failed)?,
            ))
        }
        SourceKind::Landuse => {
            let l = store.read_layers(county, &[LayerKind::Landuse]).await?;
            Built::Features(Arc::new(
                tokio::task::spawn_blocking(move || landuse_source(&l))
                    .await
                    .map_err(failed)?,
            ))
        }
    })
}

use std::collections::BTreeSet;

use geo::BoundingRect;
use geo_types::Rect;

use super::{AdminUnit, Building, Landuse, LayerKind, Railway, Road, Site, WaterArea, Waterway};

/// A county's layers, as read from one or more inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layers {
    pub admin: Vec<AdminUnit>,
    pub buildings: Vec<Building>,
    pub roads: Vec<Road>,
    pub railways: Vec<Railway>,
    pub waterways: Vec<Waterway>,
    pub water: Vec<WaterArea>,
    pub sites: Vec<Site>,
    pub landuse: Vec<Landuse>,
    /// Layers an input supplied, even if it held no feature of that kind;
    /// only these replace what a store already holds.
    pub supplied: BTreeSet<LayerKind>,
}

impl Layers {
    pub fn count(&self, kind: LayerKind) -> usize {
        match kind {
            LayerKind::Admin => self.admin.len(),
            LayerKind::Buildings => self.buildings.len(),
            LayerKind::Roads => self.roads.len(),
            LayerKind::Railways => self.railways.len(),
            LayerKind::Waterways => self.waterways.len(),
            LayerKind::Water => self.water.len(),
            LayerKind::Sites => self.sites.len(),
            LayerKind::Landuse => self.landuse.len(),
        }
    }

    /// Adds another input's layers to these.
    pub fn extend(&mut self, other: Layers) {
        self.admin.extend(other.admin);
        self.buildings.extend(other.buildings);
        self.roads.extend(other.roads);
        self.railways.extend(other.railways);
        self.waterways.extend(other.waterways);
        self.water.extend(other.water);
        self.sites.extend(other.sites);
        self.landuse.extend(other.landuse);
        self.supplied.extend(other.supplied);
    }

    /// The bounding box of every feature except admin units, or `None` when
    /// there is none.
    pub fn data_extent(&self) -> Option<Rect<f64>> {
        let rects = self
            .buildings
            .iter()
            .filter_map(|f| f.geometry.bounding_rect())
            .chain(self.roads.iter().filter_map(|f| f.geometry.bounding_rect()))
            .chain(
                self.railways
                    .iter()
                    .filter_map(|f| f.geometry.bounding_rect()),
            )
            .chain(
                self.waterways
                    .iter()
                    .filter_map(|f| f.geometry.bounding_rect()),
            )
            .chain(self.water.iter().filter_map(|f| f.geometry.bounding_rect()))
            .chain(self.sites.iter().filter_map(|f| f.geometry.bounding_rect()))
            .chain(
                self.landuse
                    .iter()
                    .filter_map(|f| f.geometry.bounding_rect()),
            );
        rects.reduce(|a, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        })
    }
}

use geo::{BoundingRect, Simplify};
use geo_types::{LineString, MultiLineString, MultiPolygon, Polygon};
use rstar::RTree;

use super::index::{Indexed, build_index, hits, tree_bounds};
use super::{TileSource, field_type, pixel_degrees};
use crate::mvt::{LayerBuilder, TileId, TileValue};

/// The geometry of a basemap feature.
#[derive(Debug, Clone)]
pub enum Shape {
    Area(MultiPolygon<f64>),
    Lines(MultiLineString<f64>),
}

/// A feature of the offline basemap (a building, a road, water, land use).
#[derive(Debug, Clone)]
pub struct BasemapFeature {
    pub id: u64,
    /// The first zoom it is drawn at (major roads early, paths late).
    pub min_zoom: u8,
    /// Values in the order of the source's keys.
    pub values: Vec<TileValue>,
    pub shape: Shape,
}

/// Features drawn each on its own (they do not tile the area, so each is
/// simplified alone, to about a quarter pixel, and dropped where smaller
/// than a pixel): the offline basemap layers.
pub struct FeatureSource {
    name: String,
    min_zoom: u8,
    keys: Vec<String>,
    features: Vec<BasemapFeature>,
    /// Per feature, the larger side of its bounding box in degrees.
    size: Vec<f64>,
    index: RTree<Indexed>,
    extent: u32,
    buffer: u32,
}

impl FeatureSource {
    pub fn new(name: &str, min_zoom: u8, keys: &[&str], features: Vec<BasemapFeature>) -> Self {
        let rects: Vec<_> = features
            .iter()
            .map(|f| match &f.shape {
                Shape::Area(mp) => mp.bounding_rect(),
                Shape::Lines(ml) => ml.bounding_rect(),
            })
            .collect();
        let size = rects
            .iter()
            .map(|r| r.map(|r| r.width().max(r.height())).unwrap_or(0.0))
            .collect();
        let index = build_index(
            rects
                .iter()
                .enumerate()
                .filter_map(|(i, r)| Some((i, (*r)?))),
        );
        Self {
            name: name.to_string(),
            min_zoom,
            keys: keys.iter().map(|k| k.to_string()).collect(),
            features,
            size,
            index,
            extent: 4096,
            buffer: 64,
        }
    }
}

impl FeatureSource {
    pub fn features(&self) -> &[BasemapFeature] {
        &self.features
    }

    /// The position of a property among each feature's values.
    pub fn key_index(&self, key: &str) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }
}

fn simplify_area(mp: &MultiPolygon<f64>, tol: f64) -> MultiPolygon<f64> {
    MultiPolygon(
        mp.0.iter()
            .map(|p| {
                Polygon::new(
                    p.exterior().simplify(tol),
                    p.interiors().iter().map(|r| r.simplify(tol)).collect(),
                )
            })
            .collect(),
    )
}

impl TileSource for FeatureSource {
    fn layer_names(&self) -> Vec<String> {
        vec![self.name.clone()]
    }

    fn min_zoom(&self) -> u8 {
        self.min_zoom
    }

    fn bounds(&self) -> Option<[f64; 4]> {
        tree_bounds(&self.index)
    }

    fn fields(&self) -> Vec<(String, &'static str)> {
        match self.features.first() {
            Some(f) => self
                .keys
                .iter()
                .zip(&f.values)
                .map(|(k, v)| (k.clone(), field_type(v)))
                .collect(),
            None => Vec::new(),
        }
    }

    fn feature_count(&self) -> usize {
        self.features.len()
    }

    fn heap_bytes(&self) -> usize {
        use geo::CoordsIter;
        let coords: usize = self
            .features
            .iter()
            .map(|f| match &f.shape {
                Shape::Area(mp) => mp.coords_count(),
                Shape::Lines(ml) => ml.coords_count(),
            })
            .sum();
        coords * 16 + self.features.len() * 160
    }

    fn layers(&self, tile: TileId, _within: Option<&str>) -> Vec<LayerBuilder> {
        if tile.z < self.min_zoom {
            return Vec::new();
        }
        let px = pixel_degrees(tile.z);
        // Simplification in degrees of latitude shrinks a little towards
        // the poles; a quarter pixel leaves room for that.
        let tol = px / 4.0;
        let mut layer = LayerBuilder::new(&self.name, tile, self.extent, self.buffer);
        let pad = f64::from(self.buffer) / f64::from(self.extent);
        for i in hits(&self.index, tile.lonlat_bounds(), pad) {
            let f = &self.features[i];
            if tile.z < f.min_zoom || self.size[i] < px {
                continue;
            }
            let props: Vec<(&str, TileValue)> = self
                .keys
                .iter()
                .map(String::as_str)
                .zip(f.values.iter().cloned())
                .collect();
            match &f.shape {
                Shape::Area(mp) if tile.z >= 16 => {
                    layer.add_multipolygon(f.id, mp, props);
                }
                Shape::Area(mp) => {
                    layer.add_multipolygon(f.id, &simplify_area(mp, tol), props);
                }
                Shape::Lines(ml) if tile.z >= 16 => {
                    layer.add_lines(f.id, &ml.0, props);
                }
                Shape::Lines(ml) => {
                    let lines: Vec<LineString<f64>> =
                        ml.0.iter().map(|l| l.simplify(tol)).collect();
                    layer.add_lines(f.id, &lines, props);
                }
            }
        }
        if layer.is_empty() {
            Vec::new()
        } else {
            vec![layer]
        }
    }
}

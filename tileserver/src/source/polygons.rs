use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use geo::{BoundingRect, InteriorPoint, Intersects, MapCoordsInPlace};
use geo_types::{Coord, Geometry, MultiPolygon, Point};
use partition::planar::Topology;
use rstar::RTree;

use super::index::{Indexed, build_index, hits, tree_bounds};
use super::{TileSource, field_type};
use crate::mvt::{LayerBuilder, TileId, TileValue, lonlat_to_mercator};

/// A polygon to serve with its integer id and styling attributes.
#[derive(Debug, Clone)]
pub struct PolygonFeature {
    pub id: u64,
    pub properties: Vec<(String, TileValue)>,
    pub geometry: MultiPolygon<f64>,
}

/// A feature's label point: (lon/lat, Web Mercator).
type LabelPoint = (Coord<f64>, Coord<f64>);

/// Polygons that tile an area (grids, blocks, villages), served so that
/// neighbours stay joined at every zoom: their shared arcs are simplified
/// once per zoom (to about a pixel) and every polygon is rebuilt from them.
/// With labels, a `{name}_label` layer carries one point per polygon (in
/// the one tile that holds it, so labels are never doubled at tile edges).
pub struct PolygonSource {
    name: String,
    features: Vec<PolygonFeature>,
    topology: Topology,
    index: RTree<Indexed>,
    labels: Option<Vec<Option<LabelPoint>>>,
    /// Nothing is written below this zoom.
    min_zoom: u8,
    /// Labels are written from this zoom on.
    label_min_zoom: u8,
    /// Below `detail_zoom`, only these properties are written: a county's
    /// thousands of grids fit a low-zoom tile only without their names.
    lean: Option<(u8, Vec<String>)>,
    /// The property whose text value is the feature's division or grid
    /// code, for callers scoped to a town or village.
    scope_key: Option<usize>,
    /// Simplified geometries per zoom, made on first use.
    by_zoom: Mutex<HashMap<u8, Arc<Vec<MultiPolygon<f64>>>>>,
    pub extent: u32,
    pub buffer: u32,
}

impl PolygonSource {
    pub fn new(name: &str, features: Vec<PolygonFeature>) -> Self {
        let polys: Vec<MultiPolygon<f64>> = features.iter().map(|f| f.geometry.clone()).collect();
        let topology = Topology::build(&polys);
        let index = build_index(
            features
                .iter()
                .enumerate()
                .filter_map(|(i, f)| Some((i, f.geometry.bounding_rect()?))),
        );
        Self {
            name: name.to_string(),
            features,
            topology,
            index,
            labels: None,
            min_zoom: 0,
            label_min_zoom: 0,
            lean: None,
            scope_key: None,
            by_zoom: Mutex::new(HashMap::new()),
            extent: 4096,
            buffer: 64,
        }
    }

    /// Writes nothing below `z`: too many features for a low-zoom tile.
    pub fn from_zoom(mut self, z: u8) -> Self {
        self.min_zoom = z;
        self
    }

    /// Below zoom `detail_zoom`, writes only the properties `keep`.
    pub fn lean_below(mut self, detail_zoom: u8, keep: &[&str]) -> Self {
        self.lean = Some((detail_zoom, keep.iter().map(|k| k.to_string()).collect()));
        self
    }

    /// Names the property that holds each feature's code, so a scoped
    /// caller's tiles carry only features inside its scope.
    pub fn scoped_by(mut self, key: &str) -> Self {
        self.scope_key = self
            .features
            .first()
            .and_then(|f| f.properties.iter().position(|(k, _)| k == key));
        self
    }

    /// Adds the `{name}_label` point layer, written from `min_zoom` on.
    pub fn with_labels(mut self, min_zoom: u8) -> Self {
        self.label_min_zoom = min_zoom;
        self.labels = Some(
            self.features
                .iter()
                .map(|f| {
                    let largest = f.geometry.0.iter().max_by(|a, b| {
                        let ar = |p: &geo_types::Polygon<f64>| {
                            p.bounding_rect()
                                .map(|r| r.width() * r.height())
                                .unwrap_or(0.0)
                        };
                        ar(a).total_cmp(&ar(b))
                    })?;
                    largest
                        .interior_point()
                        .map(|p| (p.0, lonlat_to_mercator(p.0)))
                })
                .collect(),
        );
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn features(&self) -> &[PolygonFeature] {
        &self.features
    }

    /// The feature holding a point (on a shared edge: the lower index).
    pub fn locate(&self, c: Coord<f64>) -> Option<usize> {
        let p = Point(c);
        self.index
            .locate_in_envelope_intersecting(rstar::AABB::from_point([c.x, c.y]))
            .map(|i| i.idx)
            .filter(|&i| self.features[i].geometry.intersects(&p))
            .min()
    }

    /// Per feature, its neighbours (feature index, shared boundary in m).
    pub fn neighbours(&self) -> Vec<Vec<(usize, f64)>> {
        self.topology.neighbours()
    }

    /// The polygons as drawn at zoom `z`: shared arcs simplified to about
    /// one screen pixel (a 256-pixel tile), projected to Web Mercator once
    /// here rather than in every tile.
    fn at_zoom(&self, z: u8) -> Arc<Vec<MultiPolygon<f64>>> {
        let cached = self.by_zoom.lock().ok().and_then(|m| m.get(&z).cloned());
        if let Some(c) = cached {
            return c;
        }
        let mut made = self.topology.simplified(super::pixel_degrees(z));
        for mp in &mut made {
            mp.map_coords_in_place(lonlat_to_mercator);
        }
        let made = Arc::new(made);
        if let Ok(mut m) = self.by_zoom.lock() {
            m.insert(z, made.clone());
        }
        made
    }

    /// Adds the features in `tile` to `layer` (and their labels to
    /// `labels`), with `extra` properties appended to each. Both layers
    /// must take Web Mercator input.
    pub fn add_to(
        &self,
        tile: TileId,
        layer: &mut LayerBuilder,
        mut labels: Option<&mut LayerBuilder>,
        extra: &[(&str, TileValue)],
        within: Option<&str>,
    ) {
        let found = hits(
            &self.index,
            tile.lonlat_bounds(),
            f64::from(self.buffer) / f64::from(self.extent),
        );
        if found.is_empty() {
            return;
        }
        let geoms = self.at_zoom(tile.z);
        let [w, s, e, n] = tile.lonlat_bounds();
        let keep = self
            .lean
            .as_ref()
            .filter(|(detail, _)| tile.z < *detail)
            .map(|(_, keep)| keep);
        if tile.z < self.label_min_zoom {
            labels = None;
        }
        for i in found {
            let f = &self.features[i];
            if let (Some(prefix), Some(k)) = (within, self.scope_key) {
                let inside = matches!(f.properties.get(k), Some((_, TileValue::Str(code))) if code.starts_with(prefix));
                if !inside {
                    continue;
                }
            }
            let mut props: Vec<(&str, TileValue)> = f
                .properties
                .iter()
                .filter(|(k, _)| keep.is_none_or(|keep| keep.contains(k)))
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            props.extend(extra.iter().cloned());
            if let (Some(out), Some(points)) = (labels.as_deref_mut(), &self.labels)
                && let Some((c, m)) = points[i]
                && c.x >= w
                && c.x < e
                && c.y > s
                && c.y <= n
            {
                out.add(f.id, &Geometry::Point(Point(m)), props.clone());
            }
            layer.add_multipolygon(f.id, &geoms[i], props);
        }
    }
}

impl TileSource for PolygonSource {
    fn layer_names(&self) -> Vec<String> {
        let mut v = vec![self.name.clone()];
        if self.labels.is_some() {
            v.push(format!("{}_label", self.name));
        }
        v
    }

    fn min_zoom(&self) -> u8 {
        self.min_zoom
    }

    fn bounds(&self) -> Option<[f64; 4]> {
        tree_bounds(&self.index)
    }

    fn fields(&self) -> Vec<(String, &'static str)> {
        self.features
            .first()
            .map(|f| {
                f.properties
                    .iter()
                    .map(|(k, v)| (k.clone(), field_type(v)))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn feature_count(&self) -> usize {
        self.features.len()
    }

    /// Each coordinate is held in the features, in the shared-arc topology
    /// and once per zoom simplified so far (fewer there): about three
    /// times 16 bytes, plus the properties and index.
    fn heap_bytes(&self) -> usize {
        use geo::CoordsIter;
        let coords: usize = self
            .features
            .iter()
            .map(|f| f.geometry.coords_count())
            .sum();
        let zooms = self.by_zoom.lock().map(|m| m.len()).unwrap_or(0);
        coords * 16 * (2 + zooms.min(4)) + self.features.len() * 256
    }

    fn layers(&self, tile: TileId, within: Option<&str>) -> Vec<LayerBuilder> {
        if tile.z < self.min_zoom {
            return Vec::new();
        }
        let mut layer =
            LayerBuilder::new(&self.name, tile, self.extent, self.buffer).with_mercator_input();
        let mut labels = self.labels.as_ref().map(|_| {
            LayerBuilder::new(&format!("{}_label", self.name), tile, self.extent, 0)
                .with_mercator_input()
        });
        self.add_to(tile, &mut layer, labels.as_mut(), &[], within);
        [Some(layer), labels]
            .into_iter()
            .flatten()
            .filter(|l| !l.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mvt::encode_tile;
    use geo_types::{Coord, Geometry, LineString, Polygon};
    use geozero::ToGeo;
    use geozero::mvt::{Message, Tile};
    use std::collections::HashSet;

    /// 6 × 6 grids on a perturbed lattice around Qinghuayuan.
    fn grids() -> Vec<PolygonFeature> {
        let pt = |i: usize, j: usize| -> (f64, f64) {
            let border = i == 0 || j == 0 || i == 60 || j == 60;
            let w = if border { 0.0 } else { 0.00003 };
            (
                116.30 + i as f64 * 0.0005 + w * ((i * 7 + j * 3) as f64).sin(),
                39.99 + j as f64 * 0.0004 + w * ((i * 5 + j * 11) as f64).cos(),
            )
        };
        let mut out = Vec::new();
        for ci in 0..6 {
            for cj in 0..6 {
                let (i0, j0) = (ci * 10, cj * 10);
                let mut ring = Vec::new();
                (i0..i0 + 10).for_each(|i| ring.push(pt(i, j0)));
                (j0..j0 + 10).for_each(|j| ring.push(pt(i0 + 10, j)));
                (i0 + 1..=i0 + 10)
                    .rev()
                    .for_each(|i| ring.push(pt(i, j0 + 10)));
                (j0 + 1..=j0 + 10).rev().for_each(|j| ring.push(pt(i0, j)));
                ring.push(ring[0]);
                out.push(PolygonFeature {
                    id: (ci * 6 + cj) as u64 + 1,
                    properties: vec![(
                        "code".into(),
                        TileValue::Str(format!("11010800100100{}", ci * 6 + cj)),
                    )],
                    geometry: MultiPolygon(vec![Polygon::new(LineString::from(ring), vec![])]),
                });
            }
        }
        out
    }

    /// A decoded edge in tile units.
    type Edge = ((i64, i64), (i64, i64));

    fn segments(g: Geometry<f64>) -> Vec<Edge> {
        let polys = match g {
            Geometry::Polygon(p) => vec![p],
            Geometry::MultiPolygon(mp) => mp.0,
            _ => vec![],
        };
        let key = |c: Coord<f64>| (c.x.round() as i64, c.y.round() as i64);
        polys
            .iter()
            .flat_map(|p| {
                std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned())
            })
            .flat_map(|r| {
                r.0.windows(2)
                    .map(|w| (key(w[0]), key(w[1])))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn neighbours_share_their_edges_in_every_tile() {
        let source = PolygonSource::new("grids", grids());
        for z in [10u32, 12, 14, 16] {
            let n = f64::from(1u32 << z);
            let x = ((116.315 + 180.0) / 360.0 * n) as u32;
            let y = ((1.0
                - (39.9985f64.to_radians().tan() + 1.0 / 39.9985f64.to_radians().cos()).ln()
                    / std::f64::consts::PI)
                / 2.0
                * n) as u32;
            let tile = TileId::new(z, x, y).unwrap();
            let layer = source
                .layers(tile, None)
                .into_iter()
                .next()
                .expect("the grids are in this tile");
            let decoded = Tile::decode(encode_tile(vec![layer]).as_slice()).unwrap();
            let feats = &decoded.layers[0].features;
            let mut owner: HashMap<Edge, u64> = HashMap::new();
            let mut all: Vec<(u64, Edge)> = Vec::new();
            for f in feats {
                let ids: HashSet<u64> = feats.iter().filter_map(|g| g.id).collect();
                assert_eq!(ids.len(), feats.len(), "integer ids, unique");
                for s in segments(f.to_geo().unwrap()) {
                    owner.insert(s, f.id.unwrap());
                    all.push((f.id.unwrap(), s));
                }
            }
            // Every edge inside the tile (off the clip window and the outer
            // border of the block of grids) is walked back by a neighbour.
            let on_window = |p: (i64, i64)| p.0 <= -64 || p.0 >= 4160 || p.1 <= -64 || p.1 >= 4160;
            let mut inner = 0;
            for (id, (a, b)) in &all {
                if on_window(*a) || on_window(*b) {
                    continue;
                }
                if let Some(other) = owner.get(&(*b, *a)) {
                    assert_ne!(other, id);
                    inner += 1;
                }
            }
            assert!(inner > 0, "zoom {z}: shared edges found");
            let unmatched = all
                .iter()
                .filter(|(_, (a, b))| {
                    !on_window(*a) && !on_window(*b) && !owner.contains_key(&(*b, *a))
                })
                .count();
            // Only the block's outer border may be unmatched.
            assert!(
                unmatched * 4 <= all.len(),
                "zoom {z}: {unmatched} of {} edges unmatched",
                all.len()
            );
        }
    }

    #[test]
    fn empty_tiles_have_no_layer() {
        let source = PolygonSource::new("grids", grids());
        assert!(
            source
                .layers(TileId::new(14, 0, 0).unwrap(), None)
                .is_empty()
        );
    }
}

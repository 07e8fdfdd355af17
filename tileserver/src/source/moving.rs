//! Features of the command centre's side — workers' positions, patrols
//! and visits, cases, hot spots — as a tile source. Unlike the county's
//! layers each feature belongs to a worker (or a reporter) and carries the
//! grid codes it is seen under, so a tile can be cut to one worker and to
//! a town- or village-scoped caller's grids.

use geo::{BoundingRect, Simplify};
use geo_types::{Coord, Geometry, LineString, Point, Rect};
use rstar::RTree;

use super::index::{Indexed, build_index, hits, tree_bounds};
use super::{TileSource, field_type, pixel_degrees};
use crate::mvt::{LayerBuilder, TileId, TileValue};

/// A worker's feature's geometry.
#[derive(Debug, Clone)]
pub enum Movement {
    /// A position or a visit.
    At(Coord<f64>),
    /// A patrol's display line.
    Path(LineString<f64>),
    /// An area (a hot spot's H3 cell).
    Area(geo_types::MultiPolygon<f64>),
}

#[derive(Debug, Clone)]
pub struct WorkerFeature {
    pub id: u64,
    pub worker: String,
    /// The grids (or a larger area's code) it is seen under: a scoped
    /// caller sees it when one of them lies in its town or village, or
    /// holds it.
    pub grids: Vec<String>,
    /// Values in the order of the source's keys (`None`: left out, as a
    /// phone that reports no battery level).
    pub values: Vec<Option<TileValue>>,
    pub shape: Movement,
}

pub struct WorkerSource {
    name: &'static str,
    keys: &'static [&'static str],
    features: Vec<WorkerFeature>,
    index: RTree<Indexed>,
    clusters: Option<Clusters>,
}

/// Points drawn as clusters below a zoom: one point a cell of the tile
/// (the mean of its members) with `count` and, for each of `flags` (true
/// or false values), how many members have it true. The map shows a
/// county's thousands of open cases this way, and tiles stay small.
#[derive(Debug, Clone)]
pub struct Clusters {
    pub below_zoom: u8,
    pub flags: &'static [&'static str],
    /// The highest value of this integer key among the members.
    pub max_of: Option<&'static str>,
}

/// Cluster cells across a tile's side.
const CLUSTER_CELLS: f64 = 48.0;

impl WorkerSource {
    pub fn new(
        name: &'static str,
        keys: &'static [&'static str],
        features: Vec<WorkerFeature>,
    ) -> Self {
        let index = build_index(features.iter().enumerate().filter_map(|(i, f)| {
            let r = match &f.shape {
                Movement::At(c) => Some(Rect::new(*c, *c)),
                Movement::Path(l) => l.bounding_rect(),
                Movement::Area(a) => a.bounding_rect(),
            }?;
            Some((i, r))
        }));
        Self {
            name,
            keys,
            features,
            index,
            clusters: None,
        }
    }

    /// Clusters the points below a zoom.
    pub fn clustered(mut self, c: Clusters) -> Self {
        self.clusters = Some(c);
        self
    }

    pub fn features(&self) -> &[WorkerFeature] {
        &self.features
    }
}

const EXTENT: u32 = 4096;
const BUFFER: u32 = 64;

impl TileSource for WorkerSource {
    fn layer_names(&self) -> Vec<String> {
        vec![self.name.to_string()]
    }

    fn bounds(&self) -> Option<[f64; 4]> {
        tree_bounds(&self.index)
    }

    fn fields(&self) -> Vec<(String, &'static str)> {
        let mut out = vec![("worker".to_string(), "String")];
        for (i, k) in self.keys.iter().enumerate() {
            let kind = self
                .features
                .iter()
                .find_map(|f| f.values.get(i).and_then(Option::as_ref))
                .map_or("Number", field_type);
            out.push((k.to_string(), kind));
        }
        out
    }

    fn feature_count(&self) -> usize {
        self.features.len()
    }

    fn heap_bytes(&self) -> usize {
        self.features
            .iter()
            .map(|f| {
                let coords = match &f.shape {
                    Movement::At(_) => 1,
                    Movement::Path(l) => l.0.len(),
                    Movement::Area(a) => {
                        use geo::CoordsIter;
                        a.coords_count()
                    }
                };
                coords * 16 + 200 + f.values.len() * 32
            })
            .sum()
    }

    fn layers(&self, tile: TileId, within: Option<&str>) -> Vec<LayerBuilder> {
        self.layers_of(tile, within, None)
    }

    fn layers_of(
        &self,
        tile: TileId,
        within: Option<&str>,
        worker: Option<&str>,
    ) -> Vec<LayerBuilder> {
        let mut layer = LayerBuilder::new(self.name, tile, EXTENT, BUFFER);
        let pad = f64::from(BUFFER) / f64::from(EXTENT);
        let clusters = self.clusters.as_ref().filter(|c| tile.z < c.below_zoom);
        let mut cells: std::collections::BTreeMap<(i64, i64), Cell> = Default::default();
        let bounds = tile.lonlat_bounds();
        // A patrol line was simplified to 5 m for display; at low zooms a
        // quarter pixel is coarser still.
        let tol = pixel_degrees(tile.z) / 4.0;
        for i in hits(&self.index, tile.lonlat_bounds(), pad) {
            let f = &self.features[i];
            if worker.is_some_and(|w| w != f.worker)
                || within.is_some_and(|p| {
                    !f.grids
                        .iter()
                        .any(|g| g.starts_with(p) || p.starts_with(g.as_str()))
                })
            {
                continue;
            }
            let mut props: Vec<(&str, TileValue)> = Vec::with_capacity(self.keys.len() + 1);
            props.push(("worker", TileValue::Str(f.worker.clone())));
            props.extend(
                self.keys
                    .iter()
                    .copied()
                    .zip(&f.values)
                    .filter_map(|(k, v)| Some((k, v.clone()?))),
            );
            match &f.shape {
                Movement::At(c) if clusters.is_some() => {
                    let Some(cl) = clusters else { continue };
                    let [west, south, east, north] = bounds;
                    let fx = (c.x - west) / (east - west).max(f64::MIN_POSITIVE);
                    let fy = (north - c.y) / (north - south).max(f64::MIN_POSITIVE);
                    let key = (
                        (fx * CLUSTER_CELLS).floor() as i64,
                        (fy * CLUSTER_CELLS).floor() as i64,
                    );
                    let cell = cells.entry(key).or_insert_with(|| Cell {
                        flags: vec![0; cl.flags.len()],
                        ..Cell::default()
                    });
                    cell.add(*c, &props, cl);
                }
                Movement::At(c) => {
                    layer.add(f.id, &Geometry::Point(Point(*c)), props);
                }
                Movement::Path(l) if tile.z >= 16 => {
                    layer.add_lines(f.id, std::slice::from_ref(l), props);
                }
                Movement::Path(l) => {
                    layer.add_lines(f.id, &[l.simplify(tol)], props);
                }
                Movement::Area(a) => {
                    layer.add_multipolygon(f.id, a, props);
                }
            }
        }
        if let Some(cl) = clusters {
            for ((x, y), cell) in cells {
                let n = cell.count as f64;
                let at = Coord {
                    x: cell.sum.x / n,
                    y: cell.sum.y / n,
                };
                let mut props: Vec<(&str, TileValue)> = vec![
                    ("cluster", TileValue::Bool(true)),
                    ("count", TileValue::Int(cell.count)),
                ];
                props.extend(
                    cl.flags
                        .iter()
                        .zip(&cell.flags)
                        .map(|(k, v)| (*k, TileValue::Int(*v))),
                );
                if let (Some(k), Some(m)) = (cl.max_of, cell.max) {
                    props.push((k, TileValue::Int(m)));
                }
                // Ids apart from the members' (below 2^53 for MapLibre).
                let id = (1u64 << 52)
                    | (u64::from(tile.z) << 40)
                    | ((x as u64 & 0xfffff) << 20)
                    | (y as u64 & 0xfffff);
                layer.add(id, &Geometry::Point(Point(at)), props);
            }
        }
        if layer.is_empty() {
            Vec::new()
        } else {
            vec![layer]
        }
    }
}

/// The members of a cluster cell so far.
#[derive(Debug, Default)]
struct Cell {
    count: i64,
    sum: Coord<f64>,
    flags: Vec<i64>,
    max: Option<i64>,
}

impl Cell {
    fn add(&mut self, c: Coord<f64>, props: &[(&str, TileValue)], cl: &Clusters) {
        self.count += 1;
        self.sum = self.sum + c;
        for (k, v) in props {
            if let Some(i) = cl.flags.iter().position(|f| f == k)
                && matches!(v, TileValue::Bool(true))
            {
                self.flags[i] += 1;
            }
            if cl.max_of == Some(*k)
                && let TileValue::Int(x) = v
            {
                self.max = Some(self.max.map_or(*x, |m| m.max(*x)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(id: u64, worker: &str, grid: &str, c: Coord<f64>) -> WorkerFeature {
        WorkerFeature {
            id,
            worker: worker.into(),
            grids: vec![grid.into()],
            values: vec![Some(TileValue::Bool(true))],
            shape: Movement::At(c),
        }
    }

    #[test]
    fn tiles_are_cut_to_a_worker_and_a_scope() {
        let c = Coord { x: 116.33, y: 40.0 };
        let s = WorkerSource::new(
            "positions",
            &["online"],
            vec![
                feature(1, "a", "110108001001001", c),
                feature(2, "b", "110108002001001", c),
            ],
        );
        let tile = TileId::new(14, 13486, 6202).unwrap();
        let count = |within, worker| {
            s.layers_of(tile, within, worker)
                .into_iter()
                .map(|l| l.build().features.len())
                .sum::<usize>()
        };
        assert_eq!(count(None, None), 2);
        assert_eq!(count(None, Some("a")), 1);
        assert_eq!(count(Some("110108002"), None), 1);
        assert_eq!(count(Some("110108002"), Some("a")), 0);
        assert_eq!(s.fields()[0], ("worker".to_string(), "String"));
    }

    #[test]
    fn points_cluster_below_the_zoom_with_their_counts_and_scope() {
        // Ten cases a few metres apart and one 700 m off.
        let mut fs: Vec<WorkerFeature> = (0..10)
            .map(|i| {
                feature(
                    i,
                    "r",
                    "110108001001001",
                    Coord {
                        x: 116.33 + i as f64 * 1e-5,
                        y: 40.0,
                    },
                )
            })
            .collect();
        fs.push(feature(
            10,
            "r",
            "110108002001001",
            Coord {
                x: 116.338,
                y: 40.0,
            },
        ));
        fs[3].values = vec![Some(TileValue::Bool(false))];
        let s = WorkerSource::new("cases", &["open"], fs).clustered(Clusters {
            below_zoom: 14,
            flags: &["open"],
            max_of: None,
        });
        let at = |z: u32, within| {
            let (x, y) = (
                ((116.334 + 180.0) / 360.0 * f64::from(1u32 << z)) as u32,
                ((1.0
                    - (40.0f64.to_radians().tan() + 1.0 / 40.0f64.to_radians().cos()).ln()
                        / std::f64::consts::PI)
                    / 2.0
                    * f64::from(1u32 << z)) as u32,
            );
            let tile = TileId::new(z, x, y).unwrap();
            s.layers_of(tile, within, None)
                .into_iter()
                .flat_map(|l| l.build().features)
                .collect::<Vec<_>>()
        };
        // At zoom 12 the ten are one cluster of 10 (9 open), the far one its own.
        let z12 = at(12, None);
        assert_eq!(z12.len(), 2, "{z12:?}");
        assert!(z12.iter().all(|f| f.id.unwrap_or(0) >= 1 << 52));
        // A village scope sees only its own: one cluster of the ten.
        assert_eq!(at(12, Some("110108001")).len(), 1);
        // From zoom 14 every case is its own point.
        assert_eq!(at(14, None).len(), 11);
    }
}

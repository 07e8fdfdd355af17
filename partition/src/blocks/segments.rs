use geo::BoundingRect;
use geo_types::{Coord, LineString, MultiPolygon, Rect};
use rstar::{AABB, RTree, RTreeObject};

use super::BlockParams;
use super::tags::{RAIL, SITE, VILLAGE, WATER, road};
use crate::model::Layers;
use crate::planar::{EdgeTags, IPoint, Segment};

pub(crate) fn push_line(out: &mut Vec<Segment>, coords: &[Coord<f64>], tags: EdgeTags) {
    for w in coords.windows(2) {
        let (a, b) = (IPoint::from_coord(w[0]), IPoint::from_coord(w[1]));
        if a != b {
            out.push(Segment { a, b, tags });
        }
    }
}

pub(crate) fn push_rings(out: &mut Vec<Segment>, mp: &MultiPolygon<f64>, tags: EdgeTags) {
    for p in &mp.0 {
        push_line(out, &p.exterior().0, tags);
        for h in p.interiors() {
            push_line(out, &h.0, tags);
        }
    }
}

struct Env(AABB<[f64; 2]>);
impl RTreeObject for Env {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.0
    }
}

fn env(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// The base segments of the arrangement: village boundaries, roads of the
/// bounding classes, railways, rivers, water areas and large sites —
/// leaving out lines that touch no village.
pub(crate) fn base_segments(
    layers: &Layers,
    villages: &[&MultiPolygon<f64>],
    params: &BlockParams,
    dedicated: &[usize],
) -> Vec<Segment> {
    let tree = RTree::bulk_load(
        villages
            .iter()
            .filter_map(|g| g.bounding_rect())
            .map(|r| Env(env(r)))
            .collect(),
    );
    let near = |ls: &LineString<f64>| {
        ls.bounding_rect().is_some_and(|r| {
            tree.locate_in_envelope_intersecting(env(r))
                .next()
                .is_some()
        })
    };
    let mut out = Vec::new();
    for v in villages {
        push_rings(&mut out, v, VILLAGE);
    }
    for r in &layers.roads {
        if r.class <= params.min_road_class && near(&r.geometry) {
            push_line(&mut out, &r.geometry.0, road(r.class, false));
        }
    }
    if params.railways {
        for r in layers.railways.iter().filter(|r| near(&r.geometry)) {
            push_line(&mut out, &r.geometry.0, RAIL);
        }
    }
    if params.waterways {
        for w in layers.waterways.iter().filter(|w| near(&w.geometry)) {
            push_line(&mut out, &w.geometry.0, WATER);
        }
        for w in &layers.water {
            push_rings(&mut out, &w.geometry, WATER);
        }
    }
    for &i in dedicated {
        push_rings(&mut out, &layers.sites[i].geometry, SITE);
    }
    out
}

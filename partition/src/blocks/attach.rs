use geo::{Area, BooleanOps, BoundingRect};
use geo_types::MultiPolygon;
use rayon::prelude::*;
use rstar::{AABB, RTree};

use super::faces::{FaceInfo, FaceRings, Indexed, to_polygon};
use crate::model::Building;
use crate::planar::point::point_in_ring;
use crate::planar::{FaceId, IPoint};

fn face_holds(rings: &[Vec<IPoint>], p: IPoint) -> bool {
    let mut it = rings.iter();
    it.next().is_some_and(|outer| point_in_ring(p, outer)) && !it.any(|h| point_in_ring(p, h))
}

/// Buildings whose corners fall in several faces, with those faces.
pub(crate) type Crossing = Vec<(usize, Vec<FaceId>)>;

/// The face each building belongs to: the one holding all its corners, or,
/// when the footprint crosses face edges, the one holding most of its area;
/// and, for those that cross, every face their corners fall in.
pub(crate) fn attach_buildings(
    rings: &FaceRings,
    faces: &[FaceInfo],
    buildings: &[Building],
) -> (Vec<Option<FaceId>>, Crossing) {
    let tree = RTree::bulk_load(
        rings
            .iter()
            .enumerate()
            .filter(|(i, _)| faces[*i].village.is_some())
            .filter_map(|(i, r)| {
                let outer = r.first()?;
                let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
                for p in outer {
                    let c = p.to_coord();
                    x0 = x0.min(c.x);
                    y0 = y0.min(c.y);
                    x1 = x1.max(c.x);
                    y1 = y1.max(c.y);
                }
                Some(Indexed {
                    idx: i as u32,
                    env: AABB::from_corners([x0, y0], [x1, y1]),
                })
            })
            .collect(),
    );
    let results: Vec<(Option<FaceId>, Option<Vec<FaceId>>)> = buildings
        .par_iter()
        .map(|b| {
            let Some(r) = b.geometry.bounding_rect() else {
                return (None, None);
            };
            let candidates: Vec<u32> = tree
                .locate_in_envelope_intersecting(AABB::from_corners(
                    [r.min().x, r.min().y],
                    [r.max().x, r.max().y],
                ))
                .map(|c| c.idx)
                .collect();
            let corners: Vec<IPoint> = b
                .geometry
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter())
                .map(|c| IPoint::from_coord(*c))
                .collect();
            let mut holder: Option<u32> = None;
            let mut touched: Vec<u32> = Vec::new();
            for &p in &corners {
                if let Some(f) = candidates
                    .iter()
                    .copied()
                    .find(|&f| face_holds(&rings[f as usize], p))
                {
                    holder.get_or_insert(f);
                    if !touched.contains(&f) {
                        touched.push(f);
                    }
                }
            }
            if touched.len() <= 1 {
                return (holder, None);
            }
            // Crossing an edge: the face with the largest share.
            let best = candidates
                .iter()
                .map(|&f| {
                    let poly = MultiPolygon(vec![to_polygon(&rings[f as usize])]);
                    (f, poly.intersection(&b.geometry).unsigned_area())
                })
                .filter(|(_, a)| *a > 0.0)
                .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
                .map(|(f, _)| f)
                .or(holder);
            (best, Some(touched))
        })
        .collect();
    let mut crossing = Vec::new();
    let mut attached = Vec::with_capacity(results.len());
    for (bi, (face, touched)) in results.into_iter().enumerate() {
        attached.push(face);
        if let Some(t) = touched {
            crossing.push((bi, t));
        }
    }
    (attached, crossing)
}

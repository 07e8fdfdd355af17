use geo::{BoundingRect, Contains, InteriorPoint};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};

use crate::geometry::{LocalProjection, area_m2};
use crate::planar::{Arrangement, FaceId, IPoint};

/// What a face of the arrangement is: where it lies and how big it is.
#[derive(Debug, Clone)]
pub(crate) struct FaceInfo {
    /// Index into the list of villages, or `None` outside every village.
    pub village: Option<u32>,
    /// Index into the list of dedicated sites.
    pub site: Option<u32>,
    pub area_m2: f64,
    pub perimeter_m: f64,
    pub point: Coord<f64>,
}

pub(crate) fn to_polygon(rings: &[Vec<IPoint>]) -> Polygon<f64> {
    let line = |r: &Vec<IPoint>| {
        let mut pts: Vec<Coord<f64>> = r.iter().map(|p| p.to_coord()).collect();
        if let Some(&f) = pts.first() {
            pts.push(f);
        }
        LineString(pts)
    };
    let mut it = rings.iter();
    let outer = it.next().map(line).unwrap_or_else(|| LineString(vec![]));
    Polygon::new(outer, it.map(line).collect())
}

pub(crate) struct Indexed {
    pub idx: u32,
    pub env: AABB<[f64; 2]>,
}
impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

pub(crate) fn index(geoms: &[&MultiPolygon<f64>]) -> RTree<Indexed> {
    RTree::bulk_load(
        geoms
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.bounding_rect()?;
                Some(Indexed {
                    idx: i as u32,
                    env: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                })
            })
            .collect(),
    )
}

pub(crate) fn lookup(
    tree: &RTree<Indexed>,
    geoms: &[&MultiPolygon<f64>],
    p: Coord<f64>,
) -> Option<u32> {
    tree.locate_in_envelope_intersecting(AABB::from_point([p.x, p.y]))
        .find(|c| geoms[c.idx as usize].contains(&Point(p)))
        .map(|c| c.idx)
}

/// How many villages hold each face (more than one where the input's
/// villages overlap); exact, since village boundaries are edges. Counted
/// once, for the final arrangement, since it tests every candidate.
pub(crate) fn face_cover(faces: &[FaceInfo], villages: &[&MultiPolygon<f64>]) -> Vec<u16> {
    let tree = index(villages);
    faces
        .par_iter()
        .map(|f| match f.village {
            None => 0,
            Some(_) => covering(&tree, villages, f.point)
                .count()
                .min(u16::MAX as usize) as u16,
        })
        .collect()
}

/// Every polygon of `geoms` that holds `p`.
fn covering<'a>(
    tree: &'a RTree<Indexed>,
    geoms: &'a [&MultiPolygon<f64>],
    p: Coord<f64>,
) -> impl Iterator<Item = u32> + 'a {
    tree.locate_in_envelope_intersecting(AABB::from_point([p.x, p.y]))
        .filter(move |c| geoms[c.idx as usize].contains(&Point(p)))
        .map(|c| c.idx)
}

/// Length of a ring in metres on a local plane.
pub(crate) fn ring_length_m(ring: &[IPoint]) -> f64 {
    let Some(first) = ring.first() else {
        return 0.0;
    };
    let proj = LocalProjection::new(first.to_coord().x, first.to_coord().y);
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (
                proj.forward(ring[i].to_coord()),
                proj.forward(ring[(i + 1) % n].to_coord()),
            );
            (a.x - b.x).hypot(a.y - b.y)
        })
        .sum()
}

/// Every face's rings (outer first), traced once per round and shared by
/// the face figures and the building attachment.
pub(crate) type FaceRings = Vec<Vec<Vec<IPoint>>>;

pub(crate) fn face_rings(arr: &Arrangement) -> FaceRings {
    (0..arr.face_count() as FaceId)
        .into_par_iter()
        .map(|f| arr.face_rings(f))
        .collect()
}

pub(crate) fn face_infos(
    rings: &FaceRings,
    villages: &[&MultiPolygon<f64>],
    sites: &[&MultiPolygon<f64>],
) -> Vec<FaceInfo> {
    let vtree = index(villages);
    let stree = index(sites);
    rings
        .par_iter()
        .map(|rings| {
            let poly = MultiPolygon(vec![to_polygon(rings)]);
            let point = poly
                .interior_point()
                .map(|p| p.0)
                .unwrap_or_else(|| rings[0][0].to_coord());
            FaceInfo {
                village: lookup(&vtree, villages, point),
                site: lookup(&stree, sites, point),
                area_m2: area_m2(&poly),
                perimeter_m: rings.iter().map(|r| ring_length_m(r)).sum(),
                point,
            }
        })
        .collect()
}

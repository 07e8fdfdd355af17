use std::collections::HashMap;

use geo::{BoundingRect, Contains, InteriorPoint};
use geo_types::{Coord, LineString, MultiPolygon, Point, Polygon};
use rstar::{AABB, RTree, RTreeObject};

use super::point::{point_in_ring, ring_area2};
use super::{Arrangement, EdgeTags, IPoint, Segment, node_segments};

/// A ring as arcs: (arc, walked forward).
type ArcRing = Vec<(u32, bool)>;

/// Polygons that share boundaries (the grids of a plan), rebuilt as arcs:
/// chains of edges between junctions where three or more polygons (or the
/// outside) meet. Each arc is simplified once and every polygon is rebuilt
/// from the same simplified arcs, so neighbours never show a gap or an
/// overlap at any tolerance — what TopoJSON does, on an exact arrangement.
#[derive(Debug, Clone)]
pub struct Topology {
    /// Each arc's points, junction to junction.
    arcs: Vec<Vec<IPoint>>,
    /// Per polygon: rings, each a list of (arc, forward), outer rings first.
    rings: Vec<Vec<ArcRing>>,
}

struct Boxed {
    idx: u32,
    env: AABB<[f64; 2]>,
}
impl RTreeObject for Boxed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

impl Topology {
    /// Builds the arcs of a set of polygons that tile an area (they may
    /// have T-junctions: noding splits the longer edge).
    pub fn build(polygons: &[MultiPolygon<f64>]) -> Self {
        let mut segs = Vec::new();
        for mp in polygons {
            for p in &mp.0 {
                for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                    for w in ring.0.windows(2) {
                        let (a, b) = (IPoint::from_coord(w[0]), IPoint::from_coord(w[1]));
                        if a != b {
                            segs.push(Segment {
                                a,
                                b,
                                tags: EdgeTags(1),
                            });
                        }
                    }
                }
            }
        }
        let arr = Arrangement::build(&node_segments(segs));
        // Each face belongs to the polygon holding its inner point.
        let tree = RTree::bulk_load(
            polygons
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let r = g.bounding_rect()?;
                    Some(Boxed {
                        idx: i as u32,
                        env: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    })
                })
                .collect(),
        );
        let group: Vec<Option<u32>> = (0..arr.face_count() as u32)
            .map(|f| {
                let rings = arr.face_rings(f);
                let line = |r: &Vec<IPoint>| {
                    LineString(
                        r.iter()
                            .map(|p| p.to_coord())
                            .chain(r.first().map(|p| p.to_coord()))
                            .collect(),
                    )
                };
                let poly = Polygon::new(line(&rings[0]), rings[1..].iter().map(line).collect());
                let p: Point<f64> = poly.interior_point()?;
                tree.locate_in_envelope_intersecting(AABB::from_point([p.x(), p.y()]))
                    .find(|b| polygons[b.idx as usize].contains(&p))
                    .map(|b| b.idx)
            })
            .collect();
        let g_of = |h: u32| arr.face_left(h).and_then(|f| group[f as usize]);
        let n = arr.half_edge_count() as u32;
        let boundary = |h: u32| g_of(h) != g_of(h ^ 1);
        // Boundary degree of each point; junctions are where it is not 2.
        let mut degree: HashMap<IPoint, u32> = HashMap::new();
        for h in (0..n).step_by(2) {
            if boundary(h) {
                *degree.entry(arr.origin_point(h)).or_insert(0) += 1;
                *degree.entry(arr.origin_point(h ^ 1)).or_insert(0) += 1;
            }
        }
        let next_boundary = |h: u32| -> Option<u32> {
            let g = g_of(h);
            arr.clockwise_from_twin(h)
                .find(|&e| boundary(e) && g_of(e) == g)
        };
        // Arcs: walk boundary edges (the side with the lower group id, or
        // the inside when the other side is outside) from junction to junction.
        let mut arc_of: HashMap<u32, (u32, usize)> = HashMap::new();
        let mut arcs: Vec<Vec<IPoint>> = Vec::new();
        let is_junction = |p: IPoint| degree.get(&p).copied().unwrap_or(0) != 2;
        for start in 0..n {
            if !boundary(start) || arc_of.contains_key(&start) || arc_of.contains_key(&(start ^ 1))
            {
                continue;
            }
            // Walk back to the arc's first edge (or all the way round a loop).
            let mut first = start;
            let mut steps = 0;
            while !is_junction(arr.origin_point(first)) && steps < n {
                // The edge before `first` on the same side: the twin's next, reversed.
                let Some(prev) = next_boundary(first ^ 1).map(|e| e ^ 1) else {
                    break;
                };
                if prev == start {
                    break;
                }
                first = prev;
                steps += 1;
            }
            let id = arcs.len() as u32;
            let mut pts = vec![arr.origin_point(first)];
            let mut h = first;
            let mut k = 0;
            loop {
                arc_of.insert(h, (id, k));
                k += 1;
                let head = arr.origin_point(h ^ 1);
                pts.push(head);
                if is_junction(head) {
                    break;
                }
                match next_boundary(h) {
                    Some(e) if e != first => h = e,
                    _ => break,
                }
            }
            arcs.push(pts);
        }
        // Rings of each polygon as arc sequences, from the boundary cycles.
        let mut rings: Vec<Vec<(ArcRing, i128)>> = vec![Vec::new(); polygons.len()];
        let mut seen = vec![false; n as usize];
        for start in 0..n {
            if seen[start as usize] || !boundary(start) {
                continue;
            }
            let Some(g) = g_of(start) else { continue };
            let mut seq: Vec<(u32, bool)> = Vec::new();
            let mut pts: Vec<IPoint> = Vec::new();
            let mut h = start;
            loop {
                seen[h as usize] = true;
                pts.push(arr.origin_point(h));
                let (arc, fwd) = match arc_of.get(&h) {
                    Some(&(a, _)) => (a, true),
                    None => (arc_of.get(&(h ^ 1)).map(|x| x.0).unwrap_or(u32::MAX), false),
                };
                if seq.last().map(|l| l.0) != Some(arc) && arc != u32::MAX {
                    seq.push((arc, fwd));
                }
                match next_boundary(h) {
                    Some(e) if e != start && !seen[e as usize] => h = e,
                    _ => break,
                }
            }
            // A closed loop may begin mid-arc: join a split first/last arc.
            if seq.len() > 1 && seq.first().map(|f| f.0) == seq.last().map(|l| l.0) {
                seq.pop();
            }
            rings[g as usize].push((seq, ring_area2(&pts)));
        }
        let rings = rings
            .into_iter()
            .map(|mut rs| {
                rs.sort_by_key(|r| std::cmp::Reverse(r.1));
                rs.into_iter().map(|(seq, _)| seq).collect()
            })
            .collect();
        Self { arcs, rings }
    }

    pub fn arc_count(&self) -> usize {
        self.arcs.len()
    }

    /// Per polygon, its neighbours (polygon index, length of the shared
    /// boundary in metres), from the arcs both walk; sorted by index.
    pub fn neighbours(&self) -> Vec<Vec<(usize, f64)>> {
        let mut users: Vec<Vec<usize>> = vec![Vec::new(); self.arcs.len()];
        for (poly, rings) in self.rings.iter().enumerate() {
            for &(arc, _) in rings.iter().flatten() {
                let u = &mut users[arc as usize];
                if !u.contains(&poly) {
                    u.push(poly);
                }
            }
        }
        let mut shared: Vec<HashMap<usize, f64>> = vec![HashMap::new(); self.rings.len()];
        for (arc, u) in users.iter().enumerate() {
            if u.len() < 2 {
                continue;
            }
            let line = LineString::from(
                self.arcs[arc]
                    .iter()
                    .map(|p| p.to_coord())
                    .collect::<Vec<_>>(),
            );
            let len = crate::geometry::length_m(&line);
            for &a in u {
                for &b in u {
                    if a != b {
                        *shared[a].entry(b).or_default() += len;
                    }
                }
            }
        }
        shared
            .into_iter()
            .map(|m| {
                let mut v: Vec<(usize, f64)> = m.into_iter().collect();
                v.sort_by_key(|e| e.0);
                v
            })
            .collect()
    }

    /// Simplifies every arc; an arc that then crosses another (or itself)
    /// is simplified again with half the tolerance, until none cross, so
    /// rings stay simple and neighbours stay joined.
    fn simplify_arcs(&self, tol: f64) -> Vec<Vec<IPoint>> {
        let mut tols = vec![tol; self.arcs.len()];
        let mut arcs: Vec<Vec<IPoint>> = self.arcs.iter().map(|a| simplify(a, tol)).collect();
        for _ in 0..8 {
            let bad = crossing_arcs(&arcs);
            if bad.is_empty() {
                break;
            }
            for a in bad {
                tols[a] /= 2.0;
                arcs[a] = if tols[a] < 1.0 {
                    self.arcs[a].clone()
                } else {
                    simplify(&self.arcs[a], tols[a])
                };
            }
        }
        arcs
    }

    /// Every polygon rebuilt from arcs simplified (Douglas–Peucker, ends
    /// fixed) with `tolerance` in degrees; 0 gives the polygons back.
    pub fn simplified(&self, tolerance: f64) -> Vec<MultiPolygon<f64>> {
        let tol = (tolerance * super::GRID).max(0.0);
        let arcs = self.simplify_arcs(tol);
        self.rings
            .iter()
            .map(|rings| {
                let mut outers: Vec<(Vec<IPoint>, Vec<Vec<IPoint>>)> = Vec::new();
                let mut holes: Vec<Vec<IPoint>> = Vec::new();
                for seq in rings {
                    let mut pts: Vec<IPoint> = Vec::new();
                    for &(a, fwd) in seq {
                        let arc = &arcs[a as usize];
                        let it: Box<dyn Iterator<Item = &IPoint>> = if fwd {
                            Box::new(arc.iter())
                        } else {
                            Box::new(arc.iter().rev())
                        };
                        for &p in it {
                            if pts.last() != Some(&p) {
                                pts.push(p);
                            }
                        }
                    }
                    if pts.len() > 1 && pts.first() == pts.last() {
                        pts.pop();
                    }
                    if pts.len() < 3 {
                        continue;
                    }
                    let a = ring_area2(&pts);
                    if a > 0 {
                        outers.push((pts, Vec::new()));
                    } else if a < 0 {
                        holes.push(pts);
                    }
                }
                for h in holes {
                    if let Some(o) = outers
                        .iter_mut()
                        .find(|(o, _)| h.iter().any(|p| !o.contains(p) && point_in_ring(*p, o)))
                    {
                        o.1.push(h);
                    } else if let Some(o) = outers.first_mut() {
                        o.1.push(h);
                    }
                }
                let line = |r: &[IPoint]| {
                    LineString(
                        r.iter()
                            .chain(r.first())
                            .map(|p| p.to_coord())
                            .collect::<Vec<Coord<f64>>>(),
                    )
                };
                MultiPolygon(
                    outers
                        .iter()
                        .map(|(o, hs)| Polygon::new(line(o), hs.iter().map(|h| line(h)).collect()))
                        .collect(),
                )
            })
            .collect()
    }
}

struct Seg {
    arc: u32,
    k: u32,
    a: IPoint,
    b: IPoint,
}
impl RTreeObject for Seg {
    type Envelope = AABB<[i64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [self.a.x.min(self.b.x), self.a.y.min(self.b.y)],
            [self.a.x.max(self.b.x), self.a.y.max(self.b.y)],
        )
    }
}

/// Arcs with a segment that properly crosses, or touches in its interior,
/// a segment of another arc or a non-adjacent segment of itself.
pub(crate) fn crossing_arcs(arcs: &[Vec<IPoint>]) -> Vec<usize> {
    use super::point::orient;
    let segs: Vec<Seg> = arcs
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            a.windows(2).enumerate().map(move |(k, w)| Seg {
                arc: i as u32,
                k: k as u32,
                a: w[0],
                b: w[1],
            })
        })
        .collect();
    let tree = RTree::bulk_load(segs);
    let mut bad = std::collections::BTreeSet::new();
    for s in tree.iter() {
        for t in tree.locate_in_envelope_intersecting(s.envelope()) {
            if (t.arc, t.k) <= (s.arc, s.k) {
                continue;
            }
            let shared = [s.a, s.b].iter().any(|p| *p == t.a || *p == t.b);
            if t.arc == s.arc && t.k.abs_diff(s.k) <= 1 {
                continue;
            }
            let (d1, d2) = (
                orient(s.a, s.b, t.a).signum(),
                orient(s.a, s.b, t.b).signum(),
            );
            let (d3, d4) = (
                orient(t.a, t.b, s.a).signum(),
                orient(t.a, t.b, s.b).signum(),
            );
            let crosses = d1 * d2 < 0 && d3 * d4 < 0;
            // A touch away from a shared end point also breaks a ring.
            let touches = !shared
                && ((d1 == 0 || d2 == 0) && d3 * d4 <= 0 || (d3 == 0 || d4 == 0) && d1 * d2 <= 0);
            if crosses || touches {
                bad.insert(s.arc as usize);
                bad.insert(t.arc as usize);
            }
        }
    }
    bad.into_iter().collect()
}

/// Douglas–Peucker on grid points, first and last kept; a closed arc keeps
/// at least four points so its ring cannot collapse.
fn simplify(pts: &[IPoint], tol: f64) -> Vec<IPoint> {
    if pts.len() <= 2 || tol <= 0.0 {
        return pts.to_vec();
    }
    let mut keep = vec![false; pts.len()];
    keep[0] = true;
    keep[pts.len() - 1] = true;
    let mut stack = vec![(0usize, pts.len() - 1)];
    while let Some((i, j)) = stack.pop() {
        let (a, b) = (pts[i], pts[j]);
        let (dx, dy) = ((b.x - a.x) as f64, (b.y - a.y) as f64);
        let len = dx.hypot(dy);
        let mut best = (0.0, 0usize);
        for (k, p) in pts.iter().enumerate().take(j).skip(i + 1) {
            let (px, py) = ((p.x - a.x) as f64, (p.y - a.y) as f64);
            let d = if len == 0.0 {
                px.hypot(py)
            } else {
                (px * dy - py * dx).abs() / len
            };
            if d > best.0 {
                best = (d, k);
            }
        }
        if best.0 > tol {
            keep[best.1] = true;
            stack.push((i, best.1));
            stack.push((best.1, j));
        }
    }
    let mut out: Vec<IPoint> = pts
        .iter()
        .zip(&keep)
        .filter(|(_, k)| **k)
        .map(|(p, _)| *p)
        .collect();
    if pts.first() == pts.last() && out.len() < 4 && pts.len() >= 4 {
        // Keep the two points farthest along the loop.
        let third = pts.len() / 3;
        out = vec![pts[0], pts[third], pts[2 * third], pts[pts.len() - 1]];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::Area;
    use geo_types::polygon;

    /// A 3 × 3 block of cells on one perturbed lattice: neighbours share
    /// long wiggly edges point for point.
    fn cells() -> Vec<MultiPolygon<f64>> {
        let pt = |i: usize, j: usize| -> (f64, f64) {
            let (x, y) = (i as f64 * 0.001, j as f64 * 0.001);
            let border = i == 0 || j == 0 || i == 30 || j == 30;
            let w = if border { 0.0 } else { 0.0002 };
            (
                x + w * ((i * 7 + j * 3) as f64).sin(),
                y + w * ((i * 5 + j * 11) as f64).cos(),
            )
        };
        let mut out = Vec::new();
        for ci in 0..3 {
            for cj in 0..3 {
                let (i0, j0) = (ci * 10, cj * 10);
                let mut ring: Vec<(f64, f64)> = Vec::new();
                for i in i0..i0 + 10 {
                    ring.push(pt(i, j0));
                }
                for j in j0..j0 + 10 {
                    ring.push(pt(i0 + 10, j));
                }
                for i in (i0 + 1..=i0 + 10).rev() {
                    ring.push(pt(i, j0 + 10));
                }
                for j in (j0 + 1..=j0 + 10).rev() {
                    ring.push(pt(i0, j));
                }
                ring.push(ring[0]);
                out.push(MultiPolygon(vec![Polygon::new(
                    LineString::from(ring),
                    vec![],
                )]));
            }
        }
        out
    }

    #[test]
    fn simplified_neighbours_share_their_boundaries() {
        use geo::Validation;
        let polys = cells();
        let topo = Topology::build(&polys);
        assert!(topo.arc_count() >= 12, "{} arcs", topo.arc_count());
        // Every arc is walked once each way by the two polygons it divides
        // (once, by one polygon, on the outer border).
        let mut uses: HashMap<u32, Vec<bool>> = HashMap::new();
        for rings in &topo.rings {
            for ring in rings {
                for &(a, fwd) in ring {
                    uses.entry(a).or_default().push(fwd);
                }
            }
        }
        for (a, u) in &uses {
            assert!(
                u.len() == 1 || (u.len() == 2 && u[0] != u[1]),
                "arc {a} used {u:?}"
            );
        }
        let exact = topo.simplified(0.0);
        for (a, b) in polys.iter().zip(&exact) {
            // Inputs snapped to the 1e-9° grid: equal to ~1e-7 relative.
            assert!(
                (a.unsigned_area() - b.unsigned_area()).abs() < 1e-7 * a.unsigned_area(),
                "tolerance 0 gives the polygons back"
            );
        }
        let total: f64 = exact.iter().map(|p| p.unsigned_area()).sum();
        let before: usize = polys.iter().map(|p| p.0[0].exterior().0.len()).sum();
        for tol in [0.00005, 0.0002, 0.001] {
            let s = topo.simplified(tol);
            assert!(crossing_arcs(&topo.simplify_arcs(tol * crate::planar::GRID)).is_empty());
            for p in &s {
                assert!(p.is_valid(), "invalid at {tol}: {p:?}");
            }
            // The border is straight, so the areas add up to the same total
            // only if neighbours neither gap nor overlap.
            let sum: f64 = s.iter().map(|p| p.unsigned_area()).sum();
            assert!(
                (sum - total).abs() < 1e-9 * total,
                "at {tol}: {sum} vs {total}"
            );
            let points: usize = s
                .iter()
                .map(|p| p.0.iter().map(|q| q.exterior().0.len()).sum::<usize>())
                .sum();
            assert!(points < before, "simplified: {points} < {before}");
        }
    }

    #[test]
    fn a_polygon_with_a_hole_and_an_island_in_it() {
        let outer =
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)];
        let hole = LineString::from(vec![
            (0.4, 0.4),
            (0.4, 0.6),
            (0.6, 0.6),
            (0.6, 0.4),
            (0.4, 0.4),
        ]);
        let ring = MultiPolygon(vec![Polygon::new(outer.exterior().clone(), vec![hole])]);
        let island = MultiPolygon(vec![
            polygon![(x: 0.4, y: 0.4), (x: 0.6, y: 0.4), (x: 0.6, y: 0.6), (x: 0.4, y: 0.6)],
        ]);
        let topo = Topology::build(&[ring.clone(), island.clone()]);
        let s = topo.simplified(0.01);
        assert_eq!(s[0].0[0].interiors().len(), 1);
        assert!((s[0].unsigned_area() - 0.96).abs() < 1e-9);
        assert!((s[1].unsigned_area() - 0.04).abs() < 1e-9);
    }
}

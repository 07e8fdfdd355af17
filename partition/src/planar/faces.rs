use std::cmp::Ordering;
use std::collections::HashMap;

use rstar::{AABB, RTree, RTreeObject};

use super::point::{point_in_ring, ring_area2};
use super::{EdgeTags, IPoint, Segment};

/// A face of the arrangement (a bounded region).
pub type FaceId = u32;

/// Marks a half-edge with no bounded face on its left.
const OUTSIDE: u32 = u32::MAX;

/// The planar graph of noded segments: vertices, half-edges (2k and 2k+1
/// are twins, edge k), and its bounded faces, each with an outer cycle and
/// the cycles of any holes. Edges that end in nothing (dead ends) are
/// pruned first: they separate nothing.
#[derive(Debug, Clone)]
pub struct Arrangement {
    pub points: Vec<IPoint>,
    origin: Vec<u32>,
    tags: Vec<EdgeTags>,
    /// Outgoing half-edges per vertex, counter-clockwise by angle.
    out: Vec<Vec<u32>>,
    /// Position of each half-edge in its origin's `out` list.
    slot: Vec<u32>,
    next: Vec<u32>,
    face_of: Vec<u32>,
    /// Per face: the half-edge starting its outer cycle, then hole cycles.
    faces: Vec<Vec<u32>>,
    face_area2: Vec<i128>,
}

fn angle_cmp(a: (i64, i64), b: (i64, i64)) -> Ordering {
    let half = |(x, y): (i64, i64)| if y > 0 || (y == 0 && x > 0) { 0 } else { 1 };
    half(a).cmp(&half(b)).then_with(|| {
        let cross = i128::from(a.0) * i128::from(b.1) - i128::from(a.1) * i128::from(b.0);
        0.cmp(&cross)
    })
}

struct CycleBox {
    idx: usize,
    env: AABB<[i64; 2]>,
}

impl RTreeObject for CycleBox {
    type Envelope = AABB<[i64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

impl Arrangement {
    /// Builds the graph from noded segments (see [`super::node_segments`]).
    pub fn build(segments: &[Segment]) -> Self {
        let mut index: HashMap<IPoint, u32> = HashMap::with_capacity(segments.len());
        let mut points = Vec::new();
        let mut vid = |p: IPoint, points: &mut Vec<IPoint>| -> u32 {
            *index.entry(p).or_insert_with(|| {
                points.push(p);
                (points.len() - 1) as u32
            })
        };
        let mut edges: Vec<(u32, u32, EdgeTags)> = Vec::with_capacity(segments.len());
        for s in segments {
            let (a, b) = (vid(s.a, &mut points), vid(s.b, &mut points));
            if a != b {
                edges.push((a, b, s.tags));
            }
        }
        // Prune dead ends until every vertex has two or more edges.
        let mut degree = vec![0u32; points.len()];
        let mut incident: Vec<Vec<u32>> = vec![Vec::new(); points.len()];
        for (k, &(a, b, _)) in edges.iter().enumerate() {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
            incident[a as usize].push(k as u32);
            incident[b as usize].push(k as u32);
        }
        let mut alive = vec![true; edges.len()];
        let mut stack: Vec<u32> = (0..points.len() as u32)
            .filter(|&v| degree[v as usize] == 1)
            .collect();
        while let Some(v) = stack.pop() {
            for &k in &incident[v as usize] {
                if !alive[k as usize] {
                    continue;
                }
                alive[k as usize] = false;
                let (a, b, _) = edges[k as usize];
                for w in [a, b] {
                    degree[w as usize] -= 1;
                    if degree[w as usize] == 1 {
                        stack.push(w);
                    }
                }
            }
        }
        let kept: Vec<(u32, u32, EdgeTags)> = edges
            .into_iter()
            .zip(alive)
            .filter(|(_, a)| *a)
            .map(|(e, _)| e)
            .collect();

        let n_half = kept.len() * 2;
        let mut origin = Vec::with_capacity(n_half);
        let mut tags = Vec::with_capacity(kept.len());
        let mut out: Vec<Vec<u32>> = vec![Vec::new(); points.len()];
        for (k, &(a, b, t)) in kept.iter().enumerate() {
            origin.push(a);
            origin.push(b);
            tags.push(t);
            out[a as usize].push(2 * k as u32);
            out[b as usize].push(2 * k as u32 + 1);
        }
        let dest = |h: u32| origin[(h ^ 1) as usize];
        let mut slot = vec![0u32; n_half];
        for (v, list) in out.iter_mut().enumerate() {
            let p = points[v];
            list.sort_by(|&h1, &h2| {
                let (q1, q2) = (points[dest(h1) as usize], points[dest(h2) as usize]);
                angle_cmp((q1.x - p.x, q1.y - p.y), (q2.x - p.x, q2.y - p.y))
            });
            for (i, &h) in list.iter().enumerate() {
                slot[h as usize] = i as u32;
            }
        }
        // The face on the left of u→v continues, at v, with the edge just
        // clockwise of v→u.
        let mut next = vec![0u32; n_half];
        for h in 0..n_half as u32 {
            let v = dest(h) as usize;
            let twin = h ^ 1;
            let deg = out[v].len() as u32;
            next[h as usize] = out[v][((slot[twin as usize] + deg - 1) % deg) as usize];
        }

        let mut cycle_of = vec![u32::MAX; n_half];
        let mut cycles: Vec<(u32, i128)> = Vec::new();
        for h in 0..n_half as u32 {
            if cycle_of[h as usize] != u32::MAX {
                continue;
            }
            let c = cycles.len() as u32;
            let mut ring = Vec::new();
            let mut e = h;
            loop {
                cycle_of[e as usize] = c;
                ring.push(points[origin[e as usize] as usize]);
                e = next[e as usize];
                if e == h {
                    break;
                }
            }
            cycles.push((h, ring_area2(&ring)));
        }

        let mut arr = Self {
            points,
            origin,
            tags,
            out,
            slot,
            next,
            face_of: vec![OUTSIDE; n_half],
            faces: Vec::new(),
            face_area2: Vec::new(),
        };
        let mut face_of_cycle = vec![OUTSIDE; cycles.len()];
        for (c, &(start, area)) in cycles.iter().enumerate() {
            if area > 0 {
                face_of_cycle[c] = arr.faces.len() as u32;
                arr.faces.push(vec![start]);
                arr.face_area2.push(area);
            }
        }
        // Each clockwise cycle is a hole of the smallest face around it.
        let boxes: Vec<CycleBox> = arr
            .faces
            .iter()
            .enumerate()
            .map(|(f, starts)| {
                let ring = arr.cycle_points(starts[0]);
                let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
                for p in &ring {
                    x0 = x0.min(p.x);
                    y0 = y0.min(p.y);
                    x1 = x1.max(p.x);
                    y1 = y1.max(p.y);
                }
                CycleBox {
                    idx: f,
                    env: AABB::from_corners([x0, y0], [x1, y1]),
                }
            })
            .collect();
        let tree = RTree::bulk_load(boxes);
        for (c, &(start, area)) in cycles.iter().enumerate() {
            if area > 0 {
                continue;
            }
            let hole = arr.cycle_points(start);
            let (mut x0, mut y0, mut x1, mut y1) = (i64::MAX, i64::MAX, i64::MIN, i64::MIN);
            for p in &hole {
                x0 = x0.min(p.x);
                y0 = y0.min(p.y);
                x1 = x1.max(p.x);
                y1 = y1.max(p.y);
            }
            // The clockwise cycle around a component shares its vertices
            // with the component's own faces: a face hosts the cycle only
            // if a cycle vertex off the face's ring lies inside it.
            let host = tree
                .locate_in_envelope_intersecting(AABB::from_corners([x0, y0], [x1, y1]))
                .filter(|b| {
                    let e = b.env;
                    e.lower()[0] <= x0
                        && e.lower()[1] <= y0
                        && e.upper()[0] >= x1
                        && e.upper()[1] >= y1
                })
                .filter(|b| {
                    let ring = arr.cycle_points(arr.faces[b.idx][0]);
                    let on_ring: std::collections::HashSet<IPoint> = ring.iter().copied().collect();
                    hole.iter()
                        .find(|p| !on_ring.contains(p))
                        .is_some_and(|p| point_in_ring(*p, &ring))
                })
                .min_by_key(|b| arr.face_area2[b.idx])
                .map(|b| b.idx);
            if let Some(f) = host {
                arr.faces[f].push(start);
                face_of_cycle[c] = f as u32;
            }
        }
        for h in 0..n_half {
            arr.face_of[h] = face_of_cycle[cycle_of[h] as usize];
        }
        arr
    }

    fn cycle_points(&self, start: u32) -> Vec<IPoint> {
        let mut ring = Vec::new();
        let mut e = start;
        loop {
            ring.push(self.points[self.origin[e as usize] as usize]);
            e = self.next[e as usize];
            if e == start {
                break;
            }
        }
        ring
    }

    pub fn face_count(&self) -> usize {
        self.faces.len()
    }

    /// The face's outer ring (counter-clockwise) and holes (clockwise),
    /// first point not repeated.
    pub fn face_rings(&self, f: FaceId) -> Vec<Vec<IPoint>> {
        self.faces[f as usize]
            .iter()
            .map(|&s| self.cycle_points(s))
            .collect()
    }

    /// Twice the face's outer-ring area in grid units² (holes not taken off).
    pub fn face_outer_area2(&self, f: FaceId) -> i128 {
        self.face_area2[f as usize]
    }

    pub fn edge_count(&self) -> usize {
        self.tags.len()
    }

    /// Edge k: its end points, tags, and the faces on its two sides.
    pub fn edge(&self, k: usize) -> (IPoint, IPoint, EdgeTags, Option<FaceId>, Option<FaceId>) {
        let h = 2 * k;
        let f = |x: u32| (x != OUTSIDE).then_some(x);
        (
            self.points[self.origin[h] as usize],
            self.points[self.origin[h + 1] as usize],
            self.tags[k],
            f(self.face_of[h]),
            f(self.face_of[h + 1]),
        )
    }

    pub(crate) fn half_edge_count(&self) -> usize {
        self.origin.len()
    }
    pub(crate) fn origin_point(&self, h: u32) -> IPoint {
        self.points[self.origin[h as usize] as usize]
    }
    pub(crate) fn face_left(&self, h: u32) -> Option<FaceId> {
        let f = self.face_of[h as usize];
        (f != OUTSIDE).then_some(f)
    }
    /// The half-edges leaving the head of `h`, clockwise starting just
    /// after its twin.
    pub(crate) fn clockwise_from_twin(&self, h: u32) -> impl Iterator<Item = u32> + '_ {
        let v = self.origin[(h ^ 1) as usize] as usize;
        let list = &self.out[v];
        let deg = list.len();
        let start = self.slot[(h ^ 1) as usize] as usize;
        (1..=deg).map(move |i| list[(start + deg - i % deg) % deg])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planar::node_segments;

    fn s(ax: i64, ay: i64, bx: i64, by: i64) -> Segment {
        Segment {
            a: IPoint { x: ax, y: ay },
            b: IPoint { x: bx, y: by },
            tags: EdgeTags(1),
        }
    }

    fn square(x: i64, y: i64, d: i64) -> Vec<Segment> {
        vec![
            s(x, y, x + d, y),
            s(x + d, y, x + d, y + d),
            s(x + d, y + d, x, y + d),
            s(x, y + d, x, y),
        ]
    }

    #[test]
    fn a_plus_in_a_square_makes_four_faces() {
        let mut segs = square(0, 0, 10);
        segs.push(s(5, -3, 5, 13)); // runs past the square: the ends are dead ends
        segs.push(s(0, 5, 10, 5));
        let arr = Arrangement::build(&node_segments(segs));
        assert_eq!(arr.face_count(), 4);
        let total: i128 = (0..4).map(|f| arr.face_outer_area2(f)).sum();
        assert_eq!(total, 200);
    }

    #[test]
    fn an_island_is_a_hole_of_its_face() {
        let mut segs = square(0, 0, 100);
        segs.extend(square(40, 40, 10));
        let arr = Arrangement::build(&node_segments(segs));
        assert_eq!(arr.face_count(), 2);
        let big = (0..2).find(|&f| arr.face_outer_area2(f) == 20_000).unwrap();
        assert_eq!(
            arr.face_rings(big).len(),
            2,
            "the big face has the small square as a hole"
        );
    }
}

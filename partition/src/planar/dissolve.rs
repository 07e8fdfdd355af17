use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use super::point::{orient, point_in_ring, ring_area2};
use super::{Arrangement, FaceId, IPoint};

/// Polygons of groups of faces: `group[f]` names the group of face `f`
/// (`None`: not in any). Edges between faces of one group vanish; what is
/// left is traced into rings, so neighbouring groups share their boundary
/// exactly. Returns one multipolygon per group id `0..groups`.
pub fn dissolve(arr: &Arrangement, group: &[Option<u32>], groups: usize) -> Vec<MultiPolygon<f64>> {
    let g_of = |h: u32| arr.face_left(h).and_then(|f: FaceId| group[f as usize]);
    let n = arr.half_edge_count() as u32;
    let is_boundary = |h: u32| {
        let g = g_of(h);
        g.is_some() && g != g_of(h ^ 1)
    };
    let mut seen = vec![false; n as usize];
    let mut rings: Vec<Vec<(Vec<IPoint>, i128)>> = vec![Vec::new(); groups];
    for start in 0..n {
        if seen[start as usize] || !is_boundary(start) {
            continue;
        }
        let Some(g) = g_of(start) else { continue };
        let mut ring = Vec::new();
        let mut h = start;
        loop {
            seen[h as usize] = true;
            ring.push(arr.origin_point(h));
            // Turn as sharply right as possible onto the group's boundary:
            // this keeps rings of a group that touch at a point apart.
            let next = arr
                .clockwise_from_twin(h)
                .find(|&e| is_boundary(e) && g_of(e) == Some(g));
            match next {
                Some(e) if e != start && !seen[e as usize] => h = e,
                _ => break,
            }
        }
        let ring = drop_collinear(ring);
        if ring.len() >= 3 {
            let area = ring_area2(&ring);
            rings[g as usize].push((ring, area));
        }
    }
    rings.into_iter().map(assemble).map(valid).collect()
}

/// Rings that touch themselves at a vertex can come out of the tracing;
/// the odd-even repair splits them into valid parts without moving a point.
fn valid(mp: MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::{MakeValid, Validation};
    if mp.is_valid() {
        return mp;
    }
    match mp.make_valid() {
        Ok(fixed) if !fixed.0.is_empty() => fixed,
        _ => mp,
    }
}

/// Removes vertices in the middle of a straight run, so that the same
/// shape always comes out with the same vertices, whatever other edges
/// once met there.
fn drop_collinear(ring: Vec<IPoint>) -> Vec<IPoint> {
    let mut r = ring;
    loop {
        let n = r.len();
        if n < 4 {
            return r;
        }
        let keep: Vec<bool> = (0..n)
            .map(|i| orient(r[(i + n - 1) % n], r[i], r[(i + 1) % n]) != 0)
            .collect();
        if keep.iter().all(|k| *k) {
            return r;
        }
        r = r
            .into_iter()
            .zip(keep)
            .filter(|(_, k)| *k)
            .map(|(p, _)| p)
            .collect();
    }
}

fn to_line(ring: &[IPoint]) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = ring.iter().map(|p| p.to_coord()).collect();
    if let Some(&f) = pts.first() {
        pts.push(f);
    }
    LineString(pts)
}

/// Outer rings (counter-clockwise) with the holes (clockwise) inside them.
fn assemble(rings: Vec<(Vec<IPoint>, i128)>) -> MultiPolygon<f64> {
    let (outers, holes): (Vec<_>, Vec<_>) = rings.into_iter().partition(|(_, a)| *a > 0);
    let mut polys: Vec<(Vec<IPoint>, i128, Vec<Vec<IPoint>>)> = outers
        .into_iter()
        .map(|(r, a)| (r, a, Vec::new()))
        .collect();
    for (hole, _) in holes {
        let host = polys
            .iter()
            .enumerate()
            .filter(|(_, (outer, _, _))| {
                // A hole may touch its outer ring at a vertex: test a hole
                // vertex that is not on the outer ring.
                hole.iter()
                    .find(|p| !outer.contains(p))
                    .is_some_and(|p| point_in_ring(*p, outer))
            })
            .min_by_key(|(_, (_, a, _))| *a)
            .map(|(i, _)| i);
        if let Some(i) = host {
            polys[i].2.push(hole);
        }
    }
    MultiPolygon(
        polys
            .into_iter()
            .map(|(outer, _, holes)| {
                Polygon::new(to_line(&outer), holes.iter().map(|h| to_line(h)).collect())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planar::{EdgeTags, Segment, node_segments};
    use geo::Area;

    fn s(ax: i64, ay: i64, bx: i64, by: i64) -> Segment {
        Segment {
            a: IPoint { x: ax, y: ay },
            b: IPoint { x: bx, y: by },
            tags: EdgeTags(1),
        }
    }

    #[test]
    fn dissolving_a_grid_of_cells_gives_clean_squares() {
        // 4 × 4 cells of 10 units; groups: left half, right half.
        let mut segs = Vec::new();
        for i in 0..=4 {
            segs.push(s(i * 10, 0, i * 10, 40));
            segs.push(s(0, i * 10, 40, i * 10));
        }
        let arr = Arrangement::build(&node_segments(segs));
        assert_eq!(arr.face_count(), 16);
        let group: Vec<Option<u32>> = (0..16)
            .map(|f| {
                let r = &arr.face_rings(f)[0];
                let cx = r.iter().map(|p| p.x).sum::<i64>() / r.len() as i64;
                Some(u32::from(cx >= 20))
            })
            .collect();
        let polys = dissolve(&arr, &group, 2);
        for mp in &polys {
            assert_eq!(mp.0.len(), 1);
            assert!(mp.0[0].interiors().is_empty());
            assert!(
                (mp.unsigned_area() - 800.0 / 1e18).abs() < 1e-22,
                "{}",
                mp.unsigned_area()
            );
        }
    }

    #[test]
    fn a_ring_of_faces_keeps_its_hole() {
        let mut segs = Vec::new();
        for i in 0..=3 {
            segs.push(s(i * 10, 0, i * 10, 30));
            segs.push(s(0, i * 10, 30, i * 10));
        }
        let arr = Arrangement::build(&node_segments(segs));
        let group: Vec<Option<u32>> = (0..arr.face_count() as u32)
            .map(|f| {
                let r = &arr.face_rings(f)[0];
                let centre =
                    r.contains(&IPoint { x: 10, y: 10 }) && r.contains(&IPoint { x: 20, y: 20 });
                (!centre).then_some(0)
            })
            .collect();
        let mp = &dissolve(&arr, &group, 1)[0];
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
    }
}

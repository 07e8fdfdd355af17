use geo::{Area, MakeValid, Validation};
use geo_types::{LineString, MultiPolygon, Polygon};

use super::{Problem, RawPolygon, RawRing, Repair, check_coords, coords::apply};

/// Validates and repairs the parts of one polygonal feature into a valid
/// multipolygon. Rings are closed, repeated points and degenerate holes
/// dropped, self-intersections resolved (odd-even, as prepair does).
pub fn clean_polygons(
    mut parts: Vec<RawPolygon>,
    max_vertices: usize,
    repairs: &mut Vec<Repair>,
) -> Result<MultiPolygon<f64>, Problem> {
    let count: usize = parts.iter().flatten().map(Vec::len).sum();
    if count > max_vertices {
        return Err(Problem::TooManyVertices {
            count,
            limit: max_vertices,
        });
    }
    let check = check_coords(parts.iter().flatten().flatten())?;
    for ring in parts.iter_mut().flatten() {
        apply(check, ring, repairs);
    }

    let mut polygons = Vec::with_capacity(parts.len());
    let mut degenerate_parts = 0;
    for part in parts {
        let mut rings = part.into_iter();
        let Some(outer) = rings.next() else { continue };
        let Some(outer) = close_ring(outer, repairs) else {
            degenerate_parts += 1;
            continue;
        };
        let mut holes = Vec::new();
        for hole in rings {
            match close_ring(hole, repairs) {
                Some(h) => holes.push(h),
                None => note(repairs, Repair::DroppedDegenerateHole),
            }
        }
        if is_collinear(&outer) {
            degenerate_parts += 1;
            continue;
        }
        polygons.push(Polygon::new(outer, holes));
    }
    if polygons.is_empty() {
        return Err(if degenerate_parts > 0 {
            Problem::DegenerateRing
        } else {
            Problem::Empty
        });
    }
    if degenerate_parts > 0 {
        note(repairs, Repair::DroppedDegeneratePart);
    }

    let mp = MultiPolygon(polygons);
    if let Some(err) = mp.validation_errors().into_iter().next() {
        let why = err.to_string();
        let fixed = mp
            .make_valid()
            .map_err(|e| Problem::Unrepairable(format!("{why}; {e:?}")))?;
        if fixed.0.is_empty() || fixed.unsigned_area() == 0.0 {
            return Err(Problem::Unrepairable(why));
        }
        repairs.push(Repair::MadeValid(why));
        return Ok(fixed);
    }
    Ok(mp)
}

/// A ring whose points all lie on one line encloses nothing, however it
/// is drawn (a bowtie has zero signed area but is not degenerate).
fn is_collinear(ring: &LineString<f64>) -> bool {
    use geo::kernels::{Kernel, Orientation, RobustKernel};
    let pts = &ring.0;
    let Some(&a) = pts.first() else { return true };
    let Some(&b) = pts.iter().find(|p| **p != a) else {
        return true;
    };
    pts.iter()
        .all(|&c| RobustKernel::orient2d(a, b, c) == Orientation::Collinear)
}

fn note(repairs: &mut Vec<Repair>, r: Repair) {
    if !repairs.contains(&r) {
        repairs.push(r);
    }
}

/// Closes a ring and drops repeated points; `None` when fewer than three
/// distinct points remain.
fn close_ring(mut ring: RawRing, repairs: &mut Vec<Repair>) -> Option<LineString<f64>> {
    let before = ring.len();
    ring.dedup();
    if ring.len() + 1 < before {
        note(repairs, Repair::RemovedRepeatedPoints);
    }
    let closed = ring.len() > 1 && ring.first() == ring.last();
    if closed {
        ring.pop();
    } else if ring.len() >= 3 {
        note(repairs, Repair::ClosedRing);
    }
    if ring.len() < 3 {
        return None;
    }
    ring.push(ring[0]);
    Some(LineString(ring))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::Coord;
    use proptest::prelude::*;

    fn ring(pts: &[(f64, f64)]) -> RawRing {
        pts.iter().map(|&(x, y)| Coord { x, y }).collect()
    }

    #[test]
    fn closes_unclosed_rings() {
        let mut r = Vec::new();
        let mp = clean_polygons(
            vec![vec![ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)])]],
            100,
            &mut r,
        )
        .unwrap();
        assert_eq!(mp.0[0].exterior().0.len(), 4);
        assert_eq!(r, vec![Repair::ClosedRing]);
    }

    #[test]
    fn repairs_a_bowtie_into_two_triangles() {
        let mut r = Vec::new();
        let bowtie = ring(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0), (0.0, 0.0)]);
        let mp = clean_polygons(vec![vec![bowtie]], 100, &mut r).unwrap();
        assert!(mp.is_valid());
        assert_eq!(mp.0.len(), 2);
        assert!((mp.unsigned_area() - 0.5).abs() < 1e-9);
        assert!(matches!(r[0], Repair::MadeValid(_)));
    }

    #[test]
    fn rejects_degenerate_and_oversized() {
        let mut r = Vec::new();
        let line = ring(&[(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert_eq!(
            clean_polygons(vec![vec![line]], 100, &mut r),
            Err(Problem::DegenerateRing)
        );
        let flat = ring(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0), (0.0, 0.0)]);
        assert_eq!(
            clean_polygons(vec![vec![flat]], 100, &mut r),
            Err(Problem::DegenerateRing)
        );
        let big = ring(&[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]);
        assert!(matches!(
            clean_polygons(vec![vec![big]], 3, &mut r),
            Err(Problem::TooManyVertices { .. })
        ));
        assert_eq!(clean_polygons(vec![], 100, &mut r), Err(Problem::Empty));
    }

    proptest! {
        // Whatever the rings, the result is either a valid multipolygon or a
        // named problem, never a panic.
        #[test]
        fn any_rings_give_valid_output_or_a_problem(
            rings in prop::collection::vec(
                prop::collection::vec((-0.01f64..0.01, -0.01f64..0.01), 0..12), 0..4)
        ) {
            let raw: Vec<RawPolygon> = vec![rings.iter().map(|r| ring(&r.iter().map(|&(x, y)| (116.0 + x, 40.0 + y)).collect::<Vec<_>>())).collect()];
            let mut reps = Vec::new();
            if let Ok(mp) = clean_polygons(raw, 1000, &mut reps) {
                prop_assert!(mp.is_valid(), "{:?}", mp);
                prop_assert!(mp.unsigned_area() > 0.0);
            }
        }
    }
}

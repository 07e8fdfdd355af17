use std::collections::HashMap;

use rayon::prelude::*;

use super::point::orient;
use super::{EdgeTags, IPoint, Segment};

/// Splits segments wherever they cross or touch, so that no two output
/// segments cross and identical pieces are merged (their tags united).
/// Crossing points are rounded to the grid; rounding can create a new
/// crossing nearby, so the pass repeats until nothing changes.
pub fn node_segments(input: Vec<Segment>) -> Vec<Segment> {
    node_segments_dropping(input, &|_| false)
}

/// As [`node_segments`]; and if rounding keeps making new crossings (it
/// can cycle where many segments meet within a grid unit), segments whose
/// tags `droppable` accepts are dropped where they still cross, so that the
/// result never has a crossing among the segments that must stay.
pub fn node_segments_dropping(
    input: Vec<Segment>,
    droppable: &dyn Fn(EdgeTags) -> bool,
) -> Vec<Segment> {
    let mut segs = merge_duplicates(input);
    // Rounding settles in two or three passes where it settles at all; past
    // that, more passes only cost time.
    for _attempt in 0..3 {
        let mut converged = false;
        for _ in 0..4 {
            let (out, split) = node_once(&segs);
            segs = merge_duplicates(out);
            if split.is_empty() {
                converged = true;
                break;
            }
        }
        if converged {
            return segs;
        }
        let crossing = crossing_segments(&segs);
        let before = segs.len();
        let mut i = 0;
        segs.retain(|s| {
            let drop = crossing.contains(&i) && droppable(s.tags);
            i += 1;
            !drop
        });
        if segs.len() == before {
            break;
        }
    }
    segs
}

/// Indices of segments a noding pass would still split.
fn crossing_segments(segs: &[Segment]) -> std::collections::HashSet<usize> {
    node_once(segs).1.into_iter().collect()
}

fn merge_duplicates(input: Vec<Segment>) -> Vec<Segment> {
    let mut map: HashMap<(IPoint, IPoint), EdgeTags> = HashMap::with_capacity(input.len());
    let mut order = Vec::with_capacity(input.len());
    for s in input {
        if s.a == s.b {
            continue;
        }
        let key = if s.a < s.b { (s.a, s.b) } else { (s.b, s.a) };
        match map.get_mut(&key) {
            Some(t) => *t = t.union(s.tags),
            None => {
                map.insert(key, s.tags);
                order.push(key);
            }
        }
    }
    order
        .into_iter()
        .map(|(a, b)| Segment {
            a,
            b,
            tags: map[&(a, b)],
        })
        .collect()
}

fn bbox(s: &Segment) -> (i64, i64, i64, i64) {
    (
        s.a.x.min(s.b.x),
        s.a.y.min(s.b.y),
        s.a.x.max(s.b.x),
        s.a.y.max(s.b.y),
    )
}

/// Whether `s` passes through `p` or within half a grid unit of it (its
/// hot pixel): such a segment is split there and so runs through the
/// vertex. Splitting only where `p` lies exactly on `s` left a line passing
/// a hair from a road crossing to be rounded back and forth without ever
/// meeting it, and the arrangement then lost that line (a village edge
/// one face straddled: partition_invariants, seed 2668).
fn on_segment(p: IPoint, s: &Segment) -> bool {
    let (x0, y0, x1, y1) = bbox(s);
    if p == s.a || p == s.b || p.x < x0 || p.x > x1 || p.y < y0 || p.y > y1 {
        return false;
    }
    let o = orient(s.a, s.b, p).abs();
    let (dx, dy) = (i128::from(s.b.x - s.a.x), i128::from(s.b.y - s.a.y));
    // |o| / length is the distance; the first test (length ≤ |dx| + |dy|)
    // rules out far points before `o * o` could overflow.
    2 * o <= dx.abs() + dy.abs() && 4 * o * o <= dx * dx + dy * dy
}

/// Rounds a/b to the nearest integer, halves away from zero.
fn div_round(a: i128, b: i128) -> i128 {
    let (a, b) = if b < 0 { (-a, -b) } else { (a, b) };
    if a >= 0 {
        (2 * a + b) / (2 * b)
    } else {
        -((-2 * a + b) / (2 * b))
    }
}

/// Split points that segment `q` puts on `p` and vice versa.
fn intersect(p: &Segment, q: &Segment, on_p: &mut Vec<IPoint>, on_q: &mut Vec<IPoint>) {
    let d1 = orient(p.a, p.b, q.a);
    let d2 = orient(p.a, p.b, q.b);
    let d3 = orient(q.a, q.b, p.a);
    let d4 = orient(q.a, q.b, p.b);
    if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) {
        let t_den = d3 - d4;
        let x = i128::from(p.a.x) + div_round(i128::from(p.b.x - p.a.x) * d3, t_den);
        let y = i128::from(p.a.y) + div_round(i128::from(p.b.y - p.a.y) * d3, t_den);
        let c = IPoint {
            x: x as i64,
            y: y as i64,
        };
        if c != p.a && c != p.b {
            on_p.push(c);
        }
        if c != q.a && c != q.b {
            on_q.push(c);
        }
        return;
    }
    on_p.extend([q.a, q.b].into_iter().filter(|&pt| on_segment(pt, p)));
    on_q.extend([p.a, p.b].into_iter().filter(|&pt| on_segment(pt, q)));
}

/// One noding pass with a uniform grid of buckets; returns the pieces and
/// the indices of the segments it split.
fn node_once(segs: &[Segment]) -> (Vec<Segment>, Vec<usize>) {
    if segs.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let total: f64 = segs
        .iter()
        .map(|s| ((s.b.x - s.a.x) as f64).hypot((s.b.y - s.a.y) as f64))
        .sum();
    let cell = (total / segs.len() as f64 * 2.0).max(50.0);
    let key = |v: i64| (v as f64 / cell).floor() as i64;
    let mut buckets: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
    for (i, s) in segs.iter().enumerate() {
        let (x0, y0, x1, y1) = bbox(s);
        for kx in key(x0)..=key(x1) {
            for ky in key(y0)..=key(y1) {
                buckets.entry((kx, ky)).or_default().push(i as u32);
            }
        }
    }
    let mut keys: Vec<&(i64, i64)> = buckets.keys().collect();
    keys.sort_unstable();
    // Buckets are independent: test their pairs in parallel, then gather.
    let found: Vec<Vec<(u32, IPoint)>> = keys
        .par_iter()
        .map(|k| {
            let ids = &buckets[*k];
            let mut local = Vec::new();
            for (n, &i) in ids.iter().enumerate() {
                let p = &segs[i as usize];
                let bp = bbox(p);
                for &j in &ids[n + 1..] {
                    let q = &segs[j as usize];
                    let bq = bbox(q);
                    let (ix0, iy0, ix1, iy1) = (
                        bp.0.max(bq.0),
                        bp.1.max(bq.1),
                        bp.2.min(bq.2),
                        bp.3.min(bq.3),
                    );
                    // Disjoint boxes, or a pair another bucket owns.
                    if ix0 > ix1 || iy0 > iy1 || (key(ix0), key(iy0)) != **k {
                        continue;
                    }
                    let (mut on_p, mut on_q) = (Vec::new(), Vec::new());
                    intersect(p, q, &mut on_p, &mut on_q);
                    local.extend(on_p.into_iter().map(|pt| (i, pt)));
                    local.extend(on_q.into_iter().map(|pt| (j, pt)));
                }
            }
            local
        })
        .collect();
    let mut splits: Vec<Vec<IPoint>> = vec![Vec::new(); segs.len()];
    for (i, pt) in found.into_iter().flatten() {
        splits[i as usize].push(pt);
    }
    let mut out = Vec::with_capacity(segs.len());
    let mut split = Vec::new();
    for (i, (s, mut pts)) in segs.iter().zip(splits).enumerate() {
        if pts.is_empty() {
            out.push(*s);
            continue;
        }
        split.push(i);
        let (dx, dy) = (i128::from(s.b.x - s.a.x), i128::from(s.b.y - s.a.y));
        pts.sort_by_key(|p| i128::from(p.x - s.a.x) * dx + i128::from(p.y - s.a.y) * dy);
        pts.dedup();
        let mut prev = s.a;
        for p in pts.into_iter().chain(std::iter::once(s.b)) {
            if p != prev {
                out.push(Segment {
                    a: prev,
                    b: p,
                    tags: s.tags,
                });
            }
            prev = p;
        }
    }
    (out, split)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(ax: i64, ay: i64, bx: i64, by: i64, t: u32) -> Segment {
        Segment {
            a: IPoint { x: ax, y: ay },
            b: IPoint { x: bx, y: by },
            tags: EdgeTags(t),
        }
    }

    fn crosses(p: &Segment, q: &Segment) -> bool {
        let d1 = orient(p.a, p.b, q.a);
        let d2 = orient(p.a, p.b, q.b);
        let d3 = orient(q.a, q.b, p.a);
        let d4 = orient(q.a, q.b, p.b);
        (d1.signum() * d2.signum() < 0) && (d3.signum() * d4.signum() < 0)
    }

    #[test]
    fn a_cross_becomes_four_pieces_and_overlaps_merge() {
        let out = node_segments(vec![s(0, 0, 10, 10, 1), s(0, 10, 10, 0, 2)]);
        assert_eq!(out.len(), 4);
        assert!(
            out.iter()
                .all(|x| x.a == IPoint { x: 5, y: 5 } || x.b == IPoint { x: 5, y: 5 })
        );
        let out = node_segments(vec![s(0, 0, 10, 0, 1), s(5, 0, 15, 0, 2)]);
        assert_eq!(out.len(), 3);
        assert!(out.iter().any(|x| x.tags == EdgeTags(3)), "{out:?}");
    }

    #[test]
    fn a_line_passing_a_hair_from_a_crossing_runs_through_it() {
        // The third line passes 0.09 units below the crossing at (5, 0).
        let out = node_segments(vec![
            s(0, 0, 10, 0, 1),
            s(5, -5, 5, 5, 2),
            s(0, -1, 11, 1, 4),
        ]);
        let at = IPoint { x: 5, y: 0 };
        let through: Vec<_> = out
            .iter()
            .filter(|x| x.tags.intersects(EdgeTags(4)) && (x.a == at || x.b == at))
            .collect();
        assert_eq!(through.len(), 2, "{out:?}");
        // One further away (1 unit) is left alone.
        let out = node_segments(vec![s(0, 0, 10, 0, 1), s(0, 1, 10, 1, 4)]);
        assert_eq!(out.len(), 2);
    }

    proptest! {
        #[test]
        fn noded_segments_never_cross(raw in prop::collection::vec((0i64..1000, 0i64..1000, 0i64..1000, 0i64..1000), 1..40)) {
            let segs: Vec<Segment> = raw.iter().map(|&(a, b, c, d)| s(a, b, c, d, 1)).collect();
            let out = node_segments(segs);
            for i in 0..out.len() {
                for j in i + 1..out.len() {
                    prop_assert!(!crosses(&out[i], &out[j]), "{:?} x {:?}", out[i], out[j]);
                }
            }
        }
    }
}

use geo_types::Coord;

/// Voronoi cells of `seeds` inside the convex polygon `clip` (open ring,
/// counter-clockwise), each the clip polygon cut by one half-plane per
/// other seed. Written by hand because it must give exact cells for one
/// or two seeds and for seeds on a line, where a triangulation-based
/// diagram fails, and its O(n²) cost is nothing at a town's few hundred
/// villages.
pub(crate) fn cells_in_convex(seeds: &[Coord<f64>], clip: &[Coord<f64>]) -> Vec<Vec<Coord<f64>>> {
    seeds
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let mut cell = clip.to_vec();
            for (j, &t) in seeds.iter().enumerate() {
                if i == j || cell.is_empty() {
                    continue;
                }
                // Keep points p with (p - m)·(t - s) <= 0, m the midpoint.
                let n = Coord {
                    x: t.x - s.x,
                    y: t.y - s.y,
                };
                let m = Coord {
                    x: (s.x + t.x) / 2.0,
                    y: (s.y + t.y) / 2.0,
                };
                cell = clip_half_plane(&cell, |p| (p.x - m.x) * n.x + (p.y - m.y) * n.y);
            }
            cell
        })
        .collect()
}

/// Sutherland–Hodgman against the half-plane `side(p) <= 0`.
fn clip_half_plane(poly: &[Coord<f64>], side: impl Fn(Coord<f64>) -> f64) -> Vec<Coord<f64>> {
    let mut out = Vec::with_capacity(poly.len() + 1);
    for k in 0..poly.len() {
        let a = poly[k];
        let b = poly[(k + 1) % poly.len()];
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
            let t = sa / (sa - sb);
            out.push(Coord {
                x: a.x + t * (b.x - a.x),
                y: a.y + t * (b.y - a.y),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(p: &[Coord<f64>]) -> f64 {
        (0..p.len())
            .map(|i| {
                let (a, b) = (p[i], p[(i + 1) % p.len()]);
                a.x * b.y - b.x * a.y
            })
            .sum::<f64>()
            / 2.0
    }

    #[test]
    fn cells_tile_the_clip_polygon() {
        let sq = vec![
            Coord { x: 0.0, y: 0.0 },
            Coord { x: 10.0, y: 0.0 },
            Coord { x: 10.0, y: 10.0 },
            Coord { x: 0.0, y: 10.0 },
        ];
        let seeds = [
            Coord { x: 2.0, y: 2.0 },
            Coord { x: 8.0, y: 3.0 },
            Coord { x: 5.0, y: 8.0 },
            Coord { x: 5.0, y: 5.0 },
        ];
        let cells = cells_in_convex(&seeds, &sq);
        let total: f64 = cells.iter().map(|c| area(c)).sum();
        assert!((total - 100.0).abs() < 1e-9);
        let one = cells_in_convex(&seeds[..1], &sq);
        assert!((area(&one[0]) - 100.0).abs() < 1e-9);
    }
}

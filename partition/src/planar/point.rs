use geo_types::Coord;

/// Grid units per degree: 1e-9° (about 0.1 mm). Crossings are rounded to
/// the grid, which moves village boundaries by at most half a unit, so the
/// grid is finer than the 7 decimals wangge writes. Coordinates stay below
/// 2·10¹¹ and their products fit i128 with room to spare.
pub const GRID: f64 = 1e9;

/// A point on the 1e-9° grid. Integer coordinates make orientation tests
/// exact, so the arrangement never disagrees with itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IPoint {
    pub x: i64,
    pub y: i64,
}

impl IPoint {
    pub fn from_coord(c: Coord<f64>) -> Self {
        Self {
            x: (c.x * GRID).round() as i64,
            y: (c.y * GRID).round() as i64,
        }
    }

    pub fn to_coord(self) -> Coord<f64> {
        Coord {
            x: self.x as f64 / GRID,
            y: self.y as f64 / GRID,
        }
    }
}

/// Twice the signed area of triangle abc: > 0 when c is left of ab.
pub fn orient(a: IPoint, b: IPoint, c: IPoint) -> i128 {
    let (abx, aby) = (i128::from(b.x - a.x), i128::from(b.y - a.y));
    let (acx, acy) = (i128::from(c.x - a.x), i128::from(c.y - a.y));
    abx * acy - aby * acx
}

/// Twice the signed area of a closed ring (first point not repeated).
pub fn ring_area2(ring: &[IPoint]) -> i128 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i128::from(a.x) * i128::from(b.y) - i128::from(b.x) * i128::from(a.y)
        })
        .sum()
}

/// Whether `p` lies strictly inside the ring (even-odd; exact).
pub fn point_in_ring(p: IPoint, ring: &[IPoint]) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
        if (a.y > p.y) != (b.y > p.y) {
            // x of the edge at p.y, compared without division.
            let lhs = i128::from(p.x - a.x) * i128::from(b.y - a.y);
            let rhs = i128::from(b.x - a.x) * i128::from(p.y - a.y);
            let left = if b.y > a.y { lhs < rhs } else { lhs > rhs };
            if left {
                inside = !inside;
            }
        }
    }
    inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i64, y: i64) -> IPoint {
        IPoint { x, y }
    }

    #[test]
    fn exact_predicates() {
        assert!(orient(p(0, 0), p(10, 0), p(5, 1)) > 0);
        assert_eq!(orient(p(0, 0), p(10, 0), p(20, 0)), 0);
        let sq = [p(0, 0), p(10, 0), p(10, 10), p(0, 10)];
        assert_eq!(ring_area2(&sq), 200);
        assert!(point_in_ring(p(5, 5), &sq));
        assert!(!point_in_ring(p(15, 5), &sq));
        let c = Coord {
            x: 116.123_456_7,
            y: 39.987_654_3,
        };
        assert_eq!(IPoint::from_coord(c).to_coord(), c);
    }
}

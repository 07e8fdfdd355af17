use geo_types::Coord;

/// Sequence numbers in reading order: rows north to south, west to east
/// within a row; rows are `row_m` tall. `taken` numbers are skipped;
/// numbering starts at `first`.
pub(crate) fn sequence(points: &[Coord<f64>], row_m: f64, first: u16, taken: &[u16]) -> Vec<u16> {
    let row_deg = (row_m / 111_195.0).max(1e-6);
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        let (pa, pb) = (points[a], points[b]);
        let (ra, rb) = ((-pa.y / row_deg).floor(), (-pb.y / row_deg).floor());
        ra.total_cmp(&rb)
            .then(pa.x.total_cmp(&pb.x))
            .then(a.cmp(&b))
    });
    let mut out = vec![0u16; points.len()];
    let mut next = first;
    for i in idx {
        while taken.contains(&next) {
            next += 1;
        }
        out[i] = next;
        next += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_order_and_skips() {
        let pts = [
            Coord { x: 0.02, y: 0.0 },
            Coord { x: 0.0, y: 0.01 },
            Coord { x: 0.0, y: 0.0 },
        ];
        // Rows of ~1 km: the northern point first, then west to east.
        assert_eq!(sequence(&pts, 500.0, 1, &[]), vec![3, 1, 2]);
        assert_eq!(sequence(&pts, 500.0, 1, &[1, 3]), vec![5, 2, 4]);
    }
}

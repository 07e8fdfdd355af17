//! A village's blocks as a small local graph: values, positions on a
//! plane, and the cut cost of each shared boundary; the stages of the
//! solver (bisection, local search, connectivity) work on it.

use std::collections::BTreeMap;

use geo_types::Coord;

use super::Band;

/// A block of the local graph left without a grid (too light a piece for
/// a seat): it joins a neighbour's grid afterwards.
pub(super) const UNSEATED: u32 = u32::MAX;

pub(super) struct Local {
    pub(super) val: Vec<f64>,
    pub(super) pos: Vec<Coord<f64>>,
    /// (neighbour, cut cost of the shared boundary)
    pub(super) adj: Vec<Vec<(u32, f64)>>,
}

/// The cost of a grid's value: band violations dominate everything, then
/// a mild pull to the midpoint.
pub(super) fn band_cost(v: f64, band: &Band) -> f64 {
    let mid = band.mid();
    let viol = (band.lo - v).max(0.0) + (v - band.hi).max(0.0);
    1e6 * viol / mid + 200.0 * ((v - mid) / mid).powi(2)
}

/// Out-of-band grids and total cost of an assignment.
pub(super) fn judge(l: &Local, reg: &[u32], band: &Band) -> (usize, f64) {
    let mut value: BTreeMap<u32, f64> = BTreeMap::new();
    for (i, &r) in reg.iter().enumerate() {
        if r != UNSEATED {
            *value.entry(r).or_insert(0.0) += l.val[i];
        }
    }
    let out = value.values().filter(|v| !band.contains(**v)).count();
    let mut cost: f64 = value.values().map(|v| band_cost(*v, band)).sum();
    for (i, adj) in l.adj.iter().enumerate() {
        for &(n, w) in adj {
            if (n as usize) > i && reg[i] != reg[n as usize] {
                cost += w;
            }
        }
    }
    (out, cost)
}

pub(super) fn dist2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).powi(2) + (a.y - b.y).powi(2)
}

/// A `w` × `h` lattice of blocks 100 m apart, each worth `value`, with a
/// cut cost of 100 a shared side: the stages' tests run on it.
#[cfg(test)]
pub(super) fn lattice(w: usize, h: usize, value: f64) -> Local {
    let id = |x: usize, y: usize| (y * w + x) as u32;
    let mut adj = vec![Vec::new(); w * h];
    for y in 0..h {
        for x in 0..w {
            if x + 1 < w {
                adj[id(x, y) as usize].push((id(x + 1, y), 100.0));
                adj[id(x + 1, y) as usize].push((id(x, y), 100.0));
            }
            if y + 1 < h {
                adj[id(x, y) as usize].push((id(x, y + 1), 100.0));
                adj[id(x, y + 1) as usize].push((id(x, y), 100.0));
            }
        }
    }
    Local {
        val: vec![value; w * h],
        pos: (0..h)
            .flat_map(|y| {
                (0..w).map(move |x| Coord {
                    x: x as f64 * 100.0,
                    y: y as f64 * 100.0,
                })
            })
            .collect(),
        adj,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn band_cost_is_least_at_the_midpoint_and_steep_outside() {
        let b = Band::RESIDENTS;
        assert!(band_cost(b.mid(), &b) < band_cost(b.lo, &b));
        assert!(band_cost(b.lo, &b) < 1.0 + band_cost(b.hi, &b));
        // One resident out of band outweighs the pull to the midpoint tenfold.
        assert!(band_cost(b.lo - 1.0, &b) > 10.0 * band_cost(b.lo, &b));
    }

    #[test]
    fn judge_counts_grids_out_of_band_and_the_cut() {
        // 4 × 1 blocks of 750: two grids of 1,500 in band, one cut side.
        let l = lattice(4, 1, 750.0);
        let (out, cost) = judge(&l, &[0, 0, 1, 1], &Band::RESIDENTS);
        assert_eq!(out, 0);
        assert!((cost - 100.0).abs() < 1e-9, "{cost}");
        // One grid of 750 and one of 2,250: both out.
        let (out, _) = judge(&l, &[0, 1, 1, 1], &Band::RESIDENTS);
        assert_eq!(out, 2);
        // An unseated block counts in no grid.
        let (out, _) = judge(&l, &[0, 0, UNSEATED, UNSEATED], &Band::RESIDENTS);
        assert_eq!(out, 0);
    }
}

//! Boundary local search: blocks move between neighbouring grids while
//! that lowers band cost plus weighted boundary, never disconnecting a grid.

use std::collections::BTreeMap;

use super::Band;
use super::connectivity::connected_without;
use super::local::{Local, UNSEATED, band_cost};

/// Boundary local search: move a block to a neighbouring region when that
/// lowers band cost plus weighted boundary length and keeps its region
/// connected.
pub(super) fn refine(l: &Local, reg: &mut [u32], band: &Band, passes: usize) {
    let m = l.val.len();
    let k = reg
        .iter()
        .copied()
        .filter(|&r| r != UNSEATED)
        .max()
        .map_or(0, |x| x as usize + 1);
    if k <= 1 {
        return;
    }
    let mut value = vec![0.0; k];
    let mut size = vec![0usize; k];
    for i in 0..m {
        if reg[i] != UNSEATED {
            value[reg[i] as usize] += l.val[i];
            size[reg[i] as usize] += 1;
        }
    }
    for _ in 0..passes {
        let mut moved = false;
        for x in 0..m {
            if reg[x] == UNSEATED {
                continue;
            }
            let a = reg[x] as usize;
            if size[a] <= 1 {
                continue;
            }
            let v = l.val[x];
            let mut to: BTreeMap<u32, f64> = BTreeMap::new();
            let mut to_a = 0.0;
            for &(n, w) in &l.adj[x] {
                let rn = reg[n as usize];
                if rn == UNSEATED {
                    continue;
                }
                if rn as usize == a {
                    to_a += w;
                } else {
                    *to.entry(rn).or_insert(0.0) += w;
                }
            }
            let mut best: Option<(u32, f64)> = None;
            for (&b, &w_b) in &to {
                let bu = b as usize;
                let d_band = band_cost(value[a] - v, band) + band_cost(value[bu] + v, band)
                    - band_cost(value[a], band)
                    - band_cost(value[bu], band);
                let d_cut = to_a - w_b;
                let d = d_band + d_cut;
                if d < -1e-9 && best.is_none_or(|(_, bd)| d < bd) {
                    best = Some((b, d));
                }
            }
            if let Some((b, _)) = best
                && connected_without(l, reg, a as u32, x as u32, size[a])
            {
                reg[x] = b;
                value[a] -= v;
                value[b as usize] += v;
                size[a] -= 1;
                size[b as usize] += 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grids::connectivity::sub_components;
    use crate::grids::local::{judge, lattice};

    #[test]
    fn local_search_mends_the_band_and_keeps_grids_connected() {
        // 6 × 2 blocks of 250: two grids of 1,500 would be in band; start
        // from 500 | 2,500 (the first column against the rest).
        let l = lattice(6, 2, 250.0);
        let mut reg: Vec<u32> = (0..12).map(|i| if i % 6 == 0 { 0 } else { 1 }).collect();
        let band = Band::RESIDENTS;
        let (out0, cost0) = judge(&l, &reg, &band);
        assert_eq!(out0, 2);
        refine(&l, &mut reg, &band, 20);
        let (out, cost) = judge(&l, &reg, &band);
        assert_eq!(out, 0, "{reg:?}");
        assert!(cost < cost0);
        for r in [0, 1] {
            let members: Vec<u32> = (0..12).filter(|&i| reg[i as usize] == r).collect();
            assert_eq!(
                sub_components(&l, &members).len(),
                1,
                "grid {r} connected: {reg:?}"
            );
        }
    }

    #[test]
    fn unseated_blocks_stay_unseated() {
        let l = lattice(4, 1, 750.0);
        let mut reg = vec![0, 0, 1, UNSEATED];
        refine(&l, &mut reg, &Band::RESIDENTS, 5);
        assert_eq!(reg[3], UNSEATED);
    }
}

//! The first assignment of a village: seats (grid counts) per connected
//! piece, then recursive balanced bisection of each seated piece.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::Band;
use super::connectivity::{components, sub_components};
use super::local::{Local, UNSEATED};

/// Seats (grid counts) per component, largest remainders first, then each
/// seated component split by recursive balanced bisection. Components
/// too light for a seat stay unassigned (`UNSEATED`).
pub(super) fn grow(l: &Local, k: usize, band: &Band) -> Vec<u32> {
    let m = l.val.len();
    let mut reg = vec![UNSEATED; m];
    let comps = components(l);
    if m <= 1 || (k <= 1 && comps.len() == 1) {
        return vec![0; m];
    }
    let k = k.max(1);
    let total: f64 = l.val.iter().sum::<f64>().max(1e-9);
    let cval: Vec<f64> = comps
        .iter()
        .map(|c| c.iter().map(|&i| l.val[i as usize]).sum())
        .collect();
    let mut seats: Vec<usize> = cval
        .iter()
        .map(|v| (v / total * k as f64).floor() as usize)
        .collect();
    let mut order: Vec<usize> = (0..comps.len()).collect();
    order.sort_by(|&a, &b| {
        let ra = cval[a] / total * k as f64 - seats[a] as f64;
        let rb = cval[b] / total * k as f64 - seats[b] as f64;
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let mut left = k.saturating_sub(seats.iter().sum());
    for &c in &order {
        if left == 0 {
            break;
        }
        seats[c] += 1;
        left -= 1;
    }
    let mut next = 0u32;
    for (c, members) in comps.iter().enumerate() {
        if seats[c] == 0 {
            continue;
        }
        for part in bisect(l, members.clone(), seats[c], band) {
            for i in part {
                reg[i as usize] = next;
            }
            next += 1;
        }
    }
    reg
}

/// Splits a connected set of blocks into `k` connected parts of balanced
/// value: grow one side from an extreme block, in sweep order along one of
/// 16 directions, until it holds k₁/k of the value; keep the cut whose
/// sides can each hold their share of grids in band, with the shortest
/// weighted boundary; recurse.
fn bisect(l: &Local, members: Vec<u32>, k: usize, band: &Band) -> Vec<Vec<u32>> {
    if k <= 1 || members.len() <= 1 {
        return vec![members];
    }
    let k1 = k / 2;
    let k2 = k - k1;
    let total: f64 = members.iter().map(|&i| l.val[i as usize]).sum();
    let target = total * k1 as f64 / k as f64;
    let inside: std::collections::HashSet<u32> = members.iter().copied().collect();
    let mut best: Option<(f64, Vec<u32>, Vec<u32>)> = None;
    for d in 0..16 {
        let angle = d as f64 * std::f64::consts::PI / 8.0;
        let (dx, dy) = (angle.cos(), angle.sin());
        let key = |i: u32| l.pos[i as usize].x * dx + l.pos[i as usize].y * dy;
        let Some(&start) = members
            .iter()
            .min_by(|&&a, &&b| key(a).total_cmp(&key(b)).then(a.cmp(&b)))
        else {
            continue;
        };
        let mut in_a: std::collections::HashSet<u32> = std::collections::HashSet::new();
        let mut heap: BinaryHeap<Reverse<(u64, u32)>> = BinaryHeap::new();
        let lo_key = key(start);
        let push = |heap: &mut BinaryHeap<Reverse<(u64, u32)>>, i: u32| {
            heap.push(Reverse(((key(i) - lo_key).max(0.0).to_bits(), i)))
        };
        push(&mut heap, start);
        let mut value = 0.0;
        let mut queued: std::collections::HashSet<u32> = std::collections::HashSet::from([start]);
        while let Some(Reverse((_, i))) = heap.pop() {
            let v = l.val[i as usize];
            // Stop where the running value is closest to the target.
            if value > 0.0
                && (value + v - target).abs() > (value - target).abs()
                && value + v > target
            {
                break;
            }
            in_a.insert(i);
            value += v;
            if in_a.len() + 1 >= members.len() {
                break;
            }
            for &(n, _) in &l.adj[i as usize] {
                if inside.contains(&n) && queued.insert(n) {
                    push(&mut heap, n);
                }
            }
        }
        // Pieces of the other side cut off from its main part join this side.
        let rest: Vec<u32> = members
            .iter()
            .copied()
            .filter(|i| !in_a.contains(i))
            .collect();
        if rest.is_empty() {
            continue;
        }
        let pieces = sub_components(l, &rest);
        let main = pieces
            .iter()
            .enumerate()
            .max_by(|a, b| {
                let va: f64 = a.1.iter().map(|&i| l.val[i as usize]).sum();
                let vb: f64 = b.1.iter().map(|&i| l.val[i as usize]).sum();
                va.total_cmp(&vb).then(b.0.cmp(&a.0))
            })
            .map(|(i, _)| i)
            .unwrap_or(0);
        for (pi, piece) in pieces.iter().enumerate() {
            if pi != main {
                in_a.extend(piece.iter().copied());
            }
        }
        let a: Vec<u32> = members
            .iter()
            .copied()
            .filter(|i| in_a.contains(i))
            .collect();
        let b: Vec<u32> = members
            .iter()
            .copied()
            .filter(|i| !in_a.contains(i))
            .collect();
        if a.is_empty() || b.is_empty() || sub_components(l, &a).len() > 1 {
            continue;
        }
        let va: f64 = a.iter().map(|&i| l.val[i as usize]).sum();
        let vb = total - va;
        let violation = (k1 as f64 * band.lo - va).max(0.0)
            + (va - k1 as f64 * band.hi).max(0.0)
            + (k2 as f64 * band.lo - vb).max(0.0)
            + (vb - k2 as f64 * band.hi).max(0.0);
        let cut: f64 = a
            .iter()
            .flat_map(|&i| l.adj[i as usize].iter())
            .filter(|(n, _)| inside.contains(n) && !in_a.contains(n))
            .map(|(_, w)| w)
            .sum();
        let score = violation * 1e6 / band.mid() + (va - target).abs() / band.mid() * 500.0 + cut;
        if best.as_ref().is_none_or(|(s, _, _)| score < *s) {
            best = Some((score, a, b));
        }
    }
    match best {
        Some((_, a, b)) => {
            let mut out = bisect(l, a, k1, band);
            out.extend(bisect(l, b, k2, band));
            out
        }
        None => vec![members],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grids::connectivity::sub_components;
    use crate::grids::local::lattice;

    #[test]
    fn bisection_makes_k_connected_balanced_parts() {
        // 8 × 6 blocks of 125: 6,000 residents, four grids of 1,500.
        let l = lattice(8, 6, 125.0);
        let reg = grow(&l, 4, &Band::RESIDENTS);
        let mut parts: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
        for (i, r) in reg.iter().enumerate() {
            assert_ne!(*r, UNSEATED);
            parts.entry(*r).or_default().push(i as u32);
        }
        assert_eq!(parts.len(), 4);
        for p in parts.values() {
            let v: f64 = p.iter().map(|&i| l.val[i as usize]).sum();
            assert!(Band::RESIDENTS.contains(v), "{v}");
            assert_eq!(sub_components(&l, p).len(), 1, "connected");
        }
    }

    #[test]
    fn one_grid_or_one_block_is_left_whole() {
        let l = lattice(3, 3, 100.0);
        assert_eq!(grow(&l, 1, &Band::RESIDENTS), vec![0; 9]);
        let l = lattice(1, 1, 100.0);
        assert_eq!(grow(&l, 3, &Band::RESIDENTS), vec![0]);
    }
}

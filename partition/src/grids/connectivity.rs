//! Connected pieces of a village's local graph, and whether a region stays
//! connected when a block leaves it.

use super::local::{Local, UNSEATED};

/// Connected components of the local graph.
pub(super) fn components(l: &Local) -> Vec<Vec<u32>> {
    let m = l.val.len();
    let mut comp = vec![UNSEATED; m];
    let mut out = Vec::new();
    for s in 0..m {
        if comp[s] != UNSEATED {
            continue;
        }
        let c = out.len() as u32;
        let mut members = vec![s as u32];
        comp[s] = c;
        let mut i = 0;
        while i < members.len() {
            let x = members[i] as usize;
            for &(y, _) in &l.adj[x] {
                if comp[y as usize] == UNSEATED {
                    comp[y as usize] = c;
                    members.push(y);
                }
            }
            i += 1;
        }
        out.push(members);
    }
    out
}

/// Connected pieces of a subset of blocks.
pub(super) fn sub_components(l: &Local, subset: &[u32]) -> Vec<Vec<u32>> {
    let set: std::collections::HashSet<u32> = subset.iter().copied().collect();
    let mut seen: std::collections::HashSet<u32> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for &s in subset {
        if !seen.insert(s) {
            continue;
        }
        let mut piece = vec![s];
        let mut i = 0;
        while i < piece.len() {
            let x = piece[i];
            for &(n, _) in &l.adj[x as usize] {
                if set.contains(&n) && seen.insert(n) {
                    piece.push(n);
                }
            }
            i += 1;
        }
        out.push(piece);
    }
    out
}

/// Whether region `r` stays connected without block `x`.
pub(super) fn connected_without(l: &Local, reg: &[u32], r: u32, x: u32, size: usize) -> bool {
    let inside: Vec<u32> = l.adj[x as usize]
        .iter()
        .map(|&(n, _)| n)
        .filter(|&n| reg[n as usize] == r)
        .collect();
    if inside.len() <= 1 {
        return true;
    }
    let mut seen = std::collections::HashSet::with_capacity(size);
    seen.insert(x);
    seen.insert(inside[0]);
    let mut stack = vec![inside[0]];
    while let Some(y) = stack.pop() {
        for &(n, _) in &l.adj[y as usize] {
            if reg[n as usize] == r && seen.insert(n) {
                stack.push(n);
            }
        }
    }
    seen.len() == size
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grids::local::lattice;

    #[test]
    fn pieces_and_cut_vertices() {
        let mut l = lattice(3, 3, 1.0);
        assert_eq!(components(&l).len(), 1);
        // Cut the lattice's last column off.
        for i in [2u32, 5, 8] {
            l.adj[i as usize].clear();
        }
        for a in &mut l.adj {
            a.retain(|&(n, _)| ![2, 5, 8].contains(&n));
        }
        assert_eq!(components(&l).len(), 4, "the rest and three lone blocks");
        let l = lattice(3, 3, 1.0);
        // A subset in two pieces: the left column and the right column.
        assert_eq!(sub_components(&l, &[0, 3, 6, 2, 5, 8]).len(), 2);
        // The middle row of a region of the middle row and column: taking
        // the centre out parts it, taking an end does not.
        let reg = [9, 0, 9, 0, 0, 0, 9, 0, 9];
        assert!(!connected_without(&l, &reg, 0, 4, 5));
        assert!(connected_without(&l, &reg, 0, 3, 5));
        let _ = UNSEATED;
    }
}

//! Pieces of a village cut off from its grids join a neighbouring grid.

use std::collections::BTreeMap;

use super::local::dist2;
use super::{BlockGraph, GridUnit};
use crate::blocks::BlockSet;

/// Pieces of a village cut off from its grids (by a dedicated site, a
/// river or kept grids) and too light for a grid of their own join the
/// neighbouring grid they share most boundary with, dedicated or not, so
/// grids stay contiguous; only a piece touching no grid (the village
/// itself is in parts) joins the nearest grid of its village.
pub(super) fn attach_orphans(
    set: &BlockSet,
    graph: &BlockGraph,
    grids: &mut Vec<GridUnit>,
    orphans: Vec<(u32, Vec<u32>)>,
) {
    let mut grid_of: std::collections::HashMap<u32, usize> = std::collections::HashMap::new();
    for (g, u) in grids.iter().enumerate() {
        for &b in &u.blocks {
            grid_of.insert(b, g);
        }
    }
    for (village, blocks) in orphans {
        let mut shared: BTreeMap<usize, f64> = BTreeMap::new();
        for &b in &blocks {
            for &(n, len, _) in &graph.adj[b as usize] {
                if let Some(&g) = grid_of.get(&n) {
                    *shared.entry(g).or_insert(0.0) += len;
                }
            }
        }
        let target = shared
            .iter()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
            .map(|(g, _)| *g)
            .or_else(|| {
                let p = set.blocks[blocks[0] as usize].centroid;
                grids
                    .iter()
                    .enumerate()
                    .filter(|(_, u)| u.village == village)
                    .min_by(|a, b| {
                        let da = dist2(set.blocks[a.1.blocks[0] as usize].centroid, p);
                        let db = dist2(set.blocks[b.1.blocks[0] as usize].centroid, p);
                        da.total_cmp(&db)
                    })
                    .map(|(g, _)| g)
            });
        match target {
            Some(g) => {
                for &b in &blocks {
                    grid_of.insert(b, g);
                }
                grids[g].blocks.extend(blocks);
            }
            None => {
                for &b in &blocks {
                    grid_of.insert(b, grids.len());
                }
                grids.push(GridUnit {
                    village,
                    blocks,
                    dedicated: None,
                    kept_seq: None,
                });
            }
        }
    }
}

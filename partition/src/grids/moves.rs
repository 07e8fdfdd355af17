//! Whether blocks may move from their grid to another, and what the move
//! does to both grids' figures: the rules the solver keeps, made public
//! for the plan editor to check a planner's edit against before saving it.

use std::collections::{BTreeSet, HashSet};

use super::{Band, BlockGraph};
use crate::blocks::Block;

/// A block, by its index in [`crate::blocks::BlockSet::blocks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BlockId(pub u32);

/// A grid, by its index in the plan's grids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GridId(pub u32);

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefusal {
    #[error("no blocks to move")]
    Nothing,
    #[error("block {0} does not exist")]
    UnknownBlock(u32),
    #[error("grid {0} does not exist")]
    UnknownGrid(u32),
    #[error("block {0} belongs to no grid")]
    Unassigned(u32),
    #[error("block {block} is already in grid {grid}")]
    AlreadyThere { block: u32, grid: u32 },
    #[error(
        "block {block} lies in another village than grid {grid}; grids never cross a village boundary"
    )]
    OtherVillage { block: u32, grid: u32 },
    #[error("grid {0} is locked")]
    Locked(u32),
    #[error("block {block} lies in a dedicated site; its grid keeps the site whole")]
    Dedicated { block: u32 },
    #[error("grid {0} would lose all its blocks")]
    WouldEmpty(u32),
    #[error("grid {0} would fall into pieces")]
    WouldSplit(u32),
    #[error("the blocks do not touch grid {0}, which would fall into pieces")]
    NotAdjacent(u32),
}

/// One grid's value before and after a move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub grid: GridId,
    pub before: f64,
    pub after: f64,
    pub in_band_before: bool,
    pub in_band_after: bool,
}

/// What an allowed move does to the grids it touches (the receiving grid
/// first).
#[derive(Debug, Clone, PartialEq)]
pub struct MoveEffect {
    pub changes: Vec<Change>,
}

/// A plan as the move rules see it.
pub struct MoveRules<'a> {
    pub blocks: &'a [Block],
    pub graph: &'a BlockGraph,
    /// The grid of each block.
    pub block_grid: &'a [Option<u32>],
    /// Grids a planner has locked against edits.
    pub locked: &'a BTreeSet<u32>,
}

impl MoveRules<'_> {
    /// Checks moving `moving` into grid `to`, measured against `band`.
    pub fn check(
        &self,
        moving: &[BlockId],
        to: GridId,
        band: &Band,
    ) -> Result<MoveEffect, MoveRefusal> {
        if moving.is_empty() {
            return Err(MoveRefusal::Nothing);
        }
        let members = |g: u32| -> Vec<u32> {
            (0..self.block_grid.len() as u32)
                .filter(|&b| self.block_grid[b as usize] == Some(g))
                .collect()
        };
        let target = members(to.0);
        let Some(&anchor) = target.first() else {
            return Err(MoveRefusal::UnknownGrid(to.0));
        };
        if self.locked.contains(&to.0) {
            return Err(MoveRefusal::Locked(to.0));
        }
        let village = self.blocks[anchor as usize].village;
        let moving_set: HashSet<u32> = moving.iter().map(|b| b.0).collect();
        let mut sources: BTreeSet<u32> = BTreeSet::new();
        for &BlockId(b) in moving {
            let Some(block) = self.blocks.get(b as usize) else {
                return Err(MoveRefusal::UnknownBlock(b));
            };
            let from = self.block_grid[b as usize].ok_or(MoveRefusal::Unassigned(b))?;
            if from == to.0 {
                return Err(MoveRefusal::AlreadyThere {
                    block: b,
                    grid: to.0,
                });
            }
            if block.village != village {
                return Err(MoveRefusal::OtherVillage {
                    block: b,
                    grid: to.0,
                });
            }
            if block.site.is_some() {
                return Err(MoveRefusal::Dedicated { block: b });
            }
            if self.locked.contains(&from) {
                return Err(MoveRefusal::Locked(from));
            }
            sources.insert(from);
        }
        let value = |bs: &[u32]| -> f64 {
            bs.iter()
                .map(|&b| self.blocks[b as usize].value(band.measure))
                .sum()
        };
        // Every grid that gives blocks must keep some and stay in one piece.
        let mut changes = Vec::new();
        let after_target: Vec<u32> = target
            .iter()
            .copied()
            .chain(moving_set.iter().copied())
            .collect();
        if !self.connected(&after_target) {
            return Err(MoveRefusal::NotAdjacent(to.0));
        }
        let (tb, ta) = (value(&target), value(&after_target));
        changes.push(Change {
            grid: to,
            before: tb,
            after: ta,
            in_band_before: band.contains(tb),
            in_band_after: band.contains(ta),
        });
        for g in sources {
            let before = members(g);
            let after: Vec<u32> = before
                .iter()
                .copied()
                .filter(|b| !moving_set.contains(b))
                .collect();
            if after.is_empty() {
                return Err(MoveRefusal::WouldEmpty(g));
            }
            if !self.connected(&after) {
                return Err(MoveRefusal::WouldSplit(g));
            }
            let (vb, va) = (value(&before), value(&after));
            changes.push(Change {
                grid: GridId(g),
                before: vb,
                after: va,
                in_band_before: band.contains(vb),
                in_band_after: band.contains(va),
            });
        }
        Ok(MoveEffect { changes })
    }

    /// Whether `blocks` form one piece in the block graph.
    pub fn connected(&self, blocks: &[u32]) -> bool {
        let Some(&start) = blocks.first() else {
            return true;
        };
        let inside: HashSet<u32> = blocks.iter().copied().collect();
        let mut seen: HashSet<u32> = HashSet::from([start]);
        let mut stack = vec![start];
        while let Some(b) = stack.pop() {
            for &(n, _, _) in &self.graph.adj[b as usize] {
                if inside.contains(&n) && seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        seen.len() == inside.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::Coord;

    /// A row of `n` blocks of 500 residents in village 0.
    fn row(n: u32) -> (Vec<Block>, BlockGraph) {
        let blocks = (0..n)
            .map(|id| Block {
                id,
                village: 0,
                site: None,
                faces: Vec::new(),
                area_m2: 1.0,
                population: 500.0,
                households: 190.0,
                buildings: 1,
                point: Coord {
                    x: f64::from(id),
                    y: 0.0,
                },
                centroid: Coord {
                    x: f64::from(id),
                    y: 0.0,
                },
            })
            .collect();
        let mut adj = vec![Vec::new(); n as usize];
        for i in 0..n.saturating_sub(1) {
            adj[i as usize].push((i + 1, 100.0, 100.0));
            adj[i as usize + 1].push((i, 100.0, 100.0));
        }
        (blocks, BlockGraph { adj })
    }

    /// Checks moving `moving` into grid `to` of the plan `block_grid`.
    fn check(
        blocks: &[Block],
        graph: &BlockGraph,
        block_grid: &[Option<u32>],
        locked: &BTreeSet<u32>,
        moving: &[u32],
        to: u32,
    ) -> Result<MoveEffect, MoveRefusal> {
        let rules = MoveRules {
            blocks,
            graph,
            block_grid,
            locked,
        };
        let ids: Vec<BlockId> = moving.iter().map(|&b| BlockId(b)).collect();
        rules.check(&ids, GridId(to), &Band::RESIDENTS)
    }

    #[test]
    fn a_move_along_the_boundary_is_allowed_and_measured() {
        // Grids 0 = blocks 0..3 (1,500), 1 = blocks 3..6 (1,500).
        let (blocks, graph) = row(6);
        let block_grid = [Some(0), Some(0), Some(0), Some(1), Some(1), Some(1)];
        let e = check(&blocks, &graph, &block_grid, &BTreeSet::new(), &[2], 1).unwrap();
        assert_eq!(e.changes[0].grid, GridId(1));
        assert_eq!((e.changes[0].before, e.changes[0].after), (1500.0, 2000.0));
        assert_eq!((e.changes[1].before, e.changes[1].after), (1500.0, 1000.0));
        assert!(e.changes.iter().all(|c| c.in_band_after));
    }

    #[test]
    fn each_rule_refuses_with_its_reason() {
        let (mut blocks, graph) = row(6);
        let block_grid = [Some(0), Some(0), Some(0), Some(1), Some(1), None];
        let mut locked = BTreeSet::new();
        let check = |blocks: &[Block], locked: &BTreeSet<u32>, moving: &[u32], to: u32| {
            check(blocks, &graph, &block_grid, locked, moving, to)
        };
        let refused: [(&[u32], u32, MoveRefusal); 7] = [
            (&[], 1, MoveRefusal::Nothing),
            (&[2], 7, MoveRefusal::UnknownGrid(7)),
            (&[9], 1, MoveRefusal::UnknownBlock(9)),
            (&[5], 1, MoveRefusal::Unassigned(5)),
            (&[3], 1, MoveRefusal::AlreadyThere { block: 3, grid: 1 }),
            // Block 0 does not touch grid 1.
            (&[0], 1, MoveRefusal::NotAdjacent(1)),
            (&[0, 1, 2], 1, MoveRefusal::WouldEmpty(0)),
        ];
        for (moving, to, why) in refused {
            assert_eq!(check(&blocks, &locked, moving, to), Err(why));
        }
        // Blocks 1 and 2 together leave block 0 to grid 0: allowed.
        assert_eq!(check(&blocks, &locked, &[1, 2], 1).map(|_| ()), Ok(()));
        locked.insert(0);
        assert_eq!(
            check(&blocks, &locked, &[2], 1),
            Err(MoveRefusal::Locked(0))
        );
        assert_eq!(
            check(&blocks, &locked, &[3], 0),
            Err(MoveRefusal::Locked(0))
        );
        locked.clear();
        blocks[2].village = 1;
        assert_eq!(
            check(&blocks, &locked, &[2], 1),
            Err(MoveRefusal::OtherVillage { block: 2, grid: 1 })
        );
        blocks[2].village = 0;
        blocks[2].site = Some(0);
        assert_eq!(
            check(&blocks, &locked, &[2], 1),
            Err(MoveRefusal::Dedicated { block: 2 })
        );
    }

    #[test]
    fn a_move_that_parts_the_giving_grid_is_refused() {
        // Grid 0 = 0,1,2 in a row; grid 1 = 3 next to 1 only (a T).
        let (blocks, mut graph) = row(4);
        graph.adj[2].retain(|&(n, _, _)| n != 3);
        graph.adj[3].retain(|&(n, _, _)| n != 2);
        graph.adj[1].push((3, 50.0, 0.0));
        graph.adj[3].push((1, 50.0, 0.0));
        let block_grid = [Some(0), Some(0), Some(0), Some(1)];
        assert_eq!(
            check(&blocks, &graph, &block_grid, &BTreeSet::new(), &[1], 1),
            Err(MoveRefusal::WouldSplit(0))
        );
    }
}

//! A draft: which grid each block is in, which grids are locked, and the
//! history of edits. Every edit records what it changed, so undo restores
//! exactly the state before it. Locks are not edits in that history: a lock
//! means "this grid stays as it is", so undo and redo refuse to change a
//! locked grid rather than silently unlock it (what DistrictBuilder's users
//! asked for). Snapshots are kept apart from the history, so undo never
//! prunes them.

use std::collections::{BTreeMap, BTreeSet};

use crate::blocks::Block;
use crate::grids::{Band, BlockGraph, BlockId, GridId, MoveEffect, MoveRefusal, MoveRules};

/// What the rules need to judge an edit.
pub struct EditContext<'a> {
    pub blocks: &'a [Block],
    pub graph: &'a BlockGraph,
    pub band: &'a Band,
}

/// One edit a planner makes.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Move blocks into a neighbouring grid of their village.
    Move {
        blocks: Vec<BlockId>,
        to: GridId,
    },
    /// All blocks of `from` join `into`; `from` is left empty.
    Merge {
        from: GridId,
        into: GridId,
    },
    Lock(Vec<GridId>),
    Unlock(Vec<GridId>),
    LockAll,
    UnlockAll,
    /// Return to a named snapshot (itself an edit, so it can be undone).
    Restore(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Refused(#[from] MoveRefusal),
    #[error("a grid cannot merge with itself")]
    MergeWithItself,
    #[error("grids {0} and {1} lie in different villages")]
    DifferentVillages(u32, u32),
    #[error("nothing to undo")]
    NothingToUndo,
    #[error("nothing to redo")]
    NothingToRedo,
    #[error("that would change grid {0}, which is locked; unlock it first")]
    UndoLocked(u32),
    #[error("no snapshot named {0:?}")]
    NoSnapshot(String),
}

/// What an applied edit did.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub version: u64,
    /// Grids whose blocks changed.
    pub grids: BTreeSet<u32>,
    /// Figures before and after of the grids a move or merge touched.
    pub effect: Option<MoveEffect>,
}

/// What one edit changed: each moved block's grid before and after.
#[derive(Debug, Clone)]
struct Step {
    moved: Vec<(u32, Option<u32>, Option<u32>)>,
}

impl Step {
    fn grids(&self) -> BTreeSet<u32> {
        self.moved
            .iter()
            .flat_map(|&(_, a, b)| a.into_iter().chain(b))
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct Draft {
    /// The grid of each block.
    block_grid: Vec<Option<u32>>,
    locked: BTreeSet<u32>,
    version: u64,
    undo: Vec<Step>,
    redo: Vec<Step>,
    /// Named block assignments (locks stay as they are on a restore).
    snapshots: BTreeMap<String, Vec<Option<u32>>>,
}

impl Draft {
    /// A draft of a plan whose block `b` is in grid `block_grid[b]`.
    pub fn new(block_grid: Vec<Option<u32>>) -> Self {
        Self {
            block_grid,
            locked: BTreeSet::new(),
            version: 1,
            undo: Vec::new(),
            redo: Vec::new(),
            snapshots: BTreeMap::new(),
        }
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn block_grid(&self) -> &[Option<u32>] {
        &self.block_grid
    }

    pub fn locked(&self) -> &BTreeSet<u32> {
        &self.locked
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    pub fn snapshots(&self) -> impl Iterator<Item = &str> {
        self.snapshots.keys().map(String::as_str)
    }

    /// Keeps the current blocks' grids under `name` (replacing one of that
    /// name).
    pub fn snapshot(&mut self, name: &str) {
        self.snapshots
            .insert(name.to_string(), self.block_grid.clone());
    }

    /// The grids that hold blocks.
    fn grids(&self) -> BTreeSet<u32> {
        self.block_grid.iter().flatten().copied().collect()
    }

    fn rules<'a>(&'a self, ctx: &'a EditContext<'a>) -> MoveRules<'a> {
        MoveRules {
            blocks: ctx.blocks,
            graph: ctx.graph,
            block_grid: &self.block_grid,
            locked: &self.locked,
        }
    }

    /// Applies `op` when the rules allow it; a refused edit changes nothing.
    pub fn apply(&mut self, op: &Op, ctx: &EditContext) -> Result<Outcome, EditError> {
        let mut effect = None;
        let moved: Vec<(u32, Option<u32>, Option<u32>)> = match op {
            Op::Move { blocks, to } => {
                effect = Some(self.rules(ctx).check(blocks, *to, ctx.band)?);
                blocks
                    .iter()
                    .map(|b| (b.0, self.block_grid[b.0 as usize], Some(to.0)))
                    .collect()
            }
            Op::Merge { from, into } => {
                effect = Some(self.check_merge(*from, *into, ctx)?);
                (0..self.block_grid.len() as u32)
                    .filter(|&b| self.block_grid[b as usize] == Some(from.0))
                    .map(|b| (b, Some(from.0), Some(into.0)))
                    .collect()
            }
            Op::Lock(_) | Op::Unlock(_) | Op::LockAll | Op::UnlockAll => {
                let locks = self.locks_after(op)?;
                self.locked = locks;
                self.version += 1;
                return Ok(Outcome {
                    version: self.version,
                    grids: BTreeSet::new(),
                    effect: None,
                });
            }
            Op::Restore(name) => {
                let target = self
                    .snapshots
                    .get(name)
                    .ok_or_else(|| EditError::NoSnapshot(name.clone()))?;
                self.block_grid
                    .iter()
                    .zip(target)
                    .enumerate()
                    .filter(|(_, (a, b))| a != b)
                    .map(|(i, (a, b))| (i as u32, *a, *b))
                    .collect()
            }
        };
        let step = Step { moved };
        self.refuse_locked(&step)?;
        self.redo.clear();
        self.play(&step, true);
        let grids = step.grids();
        self.undo.push(step);
        Ok(Outcome {
            version: self.version,
            grids,
            effect,
        })
    }

    fn locks_after(&self, op: &Op) -> Result<BTreeSet<u32>, EditError> {
        let known = self.grids();
        Ok(match op {
            Op::LockAll => known,
            Op::UnlockAll => BTreeSet::new(),
            Op::Lock(grids) | Op::Unlock(grids) => {
                let mut locks = self.locked.clone();
                for g in grids {
                    if !known.contains(&g.0) {
                        return Err(MoveRefusal::UnknownGrid(g.0).into());
                    }
                    if matches!(op, Op::Lock(_)) {
                        locks.insert(g.0);
                    } else {
                        locks.remove(&g.0);
                    }
                }
                locks
            }
            _ => self.locked.clone(),
        })
    }

    /// A step may not change a locked grid, whichever way it is played.
    fn refuse_locked(&self, step: &Step) -> Result<(), EditError> {
        match step.grids().into_iter().find(|g| self.locked.contains(g)) {
            Some(g) => Err(EditError::UndoLocked(g)),
            None => Ok(()),
        }
    }

    fn check_merge(
        &self,
        from: GridId,
        into: GridId,
        ctx: &EditContext,
    ) -> Result<MoveEffect, EditError> {
        if from == into {
            return Err(EditError::MergeWithItself);
        }
        let members = |g: u32| -> Vec<u32> {
            (0..self.block_grid.len() as u32)
                .filter(|&b| self.block_grid[b as usize] == Some(g))
                .collect()
        };
        let (a, b) = (members(from.0), members(into.0));
        let (Some(&fa), Some(&fb)) = (a.first(), b.first()) else {
            let missing = if a.is_empty() { from.0 } else { into.0 };
            return Err(MoveRefusal::UnknownGrid(missing).into());
        };
        for g in [from.0, into.0] {
            if self.locked.contains(&g) {
                return Err(MoveRefusal::Locked(g).into());
            }
        }
        if ctx.blocks[fa as usize].village != ctx.blocks[fb as usize].village {
            return Err(EditError::DifferentVillages(from.0, into.0));
        }
        if let Some(&d) = a
            .iter()
            .chain(&b)
            .find(|&&x| ctx.blocks[x as usize].site.is_some())
        {
            return Err(MoveRefusal::Dedicated { block: d }.into());
        }
        let union: Vec<u32> = a.iter().chain(&b).copied().collect();
        if !self.rules(ctx).connected(&union) {
            return Err(MoveRefusal::NotAdjacent(into.0).into());
        }
        let value = |bs: &[u32]| -> f64 {
            bs.iter()
                .map(|&x| ctx.blocks[x as usize].value(ctx.band.measure))
                .sum()
        };
        let (va, vb) = (value(&a), value(&b));
        let change = |grid: GridId, before: f64, after: f64| crate::grids::Change {
            grid,
            before,
            after,
            in_band_before: ctx.band.contains(before),
            in_band_after: ctx.band.contains(after),
        };
        Ok(MoveEffect {
            changes: vec![change(into, vb, va + vb), change(from, va, 0.0)],
        })
    }

    /// Plays a step forward (`true`) or back.
    fn play(&mut self, step: &Step, forward: bool) {
        for &(b, before, after) in &step.moved {
            self.block_grid[b as usize] = if forward { after } else { before };
        }
        self.version += 1;
    }

    /// Undoes the last edit; refused while it would change a locked grid.
    pub fn undo(&mut self) -> Result<Outcome, EditError> {
        self.travel(true)
    }

    /// Redoes the last undone edit; refused while it would change a locked
    /// grid.
    pub fn redo(&mut self) -> Result<Outcome, EditError> {
        self.travel(false)
    }

    /// One step back through the history, or forward again.
    fn travel(&mut self, back: bool) -> Result<Outcome, EditError> {
        let none = || {
            if back {
                EditError::NothingToUndo
            } else {
                EditError::NothingToRedo
            }
        };
        let stack = if back { &self.undo } else { &self.redo };
        self.refuse_locked(stack.last().ok_or_else(none)?)?;
        let step = if back {
            self.undo.pop()
        } else {
            self.redo.pop()
        }
        .ok_or_else(none)?;
        self.play(&step, !back);
        let grids = step.grids();
        if back {
            self.redo.push(step);
        } else {
            self.undo.push(step);
        }
        Ok(Outcome {
            version: self.version,
            grids,
            effect: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::Coord;
    use proptest::prelude::*;

    /// A `w`×`h` lattice of blocks of 100 residents; the left half is
    /// village 0, the right half village 1; grids are columns.
    fn lattice(w: u32, h: u32) -> (Vec<Block>, BlockGraph, Vec<Option<u32>>) {
        let id = |x: u32, y: u32| y * w + x;
        let blocks = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                let c = Coord {
                    x: f64::from(x),
                    y: f64::from(y),
                };
                Block {
                    id: i,
                    village: u32::from(x >= w / 2),
                    site: None,
                    faces: Vec::new(),
                    area_m2: 1.0,
                    population: 100.0,
                    households: 38.0,
                    buildings: 1,
                    point: c,
                    centroid: c,
                }
            })
            .collect();
        let mut adj = vec![Vec::new(); (w * h) as usize];
        for y in 0..h {
            for x in 0..w {
                for (nx, ny) in [(x + 1, y), (x, y + 1)] {
                    if nx < w && ny < h {
                        adj[id(x, y) as usize].push((id(nx, ny), 1.0, 1.0));
                        adj[id(nx, ny) as usize].push((id(x, y), 1.0, 1.0));
                    }
                }
            }
        }
        let grid = (0..w * h).map(|i| Some(i % w)).collect();
        (blocks, BlockGraph { adj }, grid)
    }

    fn members(d: &Draft, g: u32) -> Vec<u32> {
        (0..d.block_grid().len() as u32)
            .filter(|&b| d.block_grid()[b as usize] == Some(g))
            .collect()
    }

    #[test]
    fn moves_merges_locks_undo_and_snapshots() {
        let (blocks, graph, start) = lattice(4, 3);
        let band = Band::RESIDENTS;
        let ctx = EditContext {
            blocks: &blocks,
            graph: &graph,
            band: &band,
        };
        let mut d = Draft::new(start.clone());
        // Block 1 (column 1, row 0) into grid 0.
        let out = d
            .apply(
                &Op::Move {
                    blocks: vec![BlockId(1)],
                    to: GridId(0),
                },
                &ctx,
            )
            .unwrap();
        assert_eq!(out.grids, BTreeSet::from([0, 1]));
        assert_eq!(out.version, 2);
        let effect = out.effect.unwrap();
        assert_eq!(
            (effect.changes[0].before, effect.changes[0].after),
            (300.0, 400.0)
        );
        d.snapshot("one move");
        // Grids 0 and 1 are in village 0; 1 and 2 are not.
        assert_eq!(
            d.apply(
                &Op::Merge {
                    from: GridId(2),
                    into: GridId(1)
                },
                &ctx
            ),
            Err(EditError::DifferentVillages(2, 1))
        );
        d.apply(
            &Op::Merge {
                from: GridId(1),
                into: GridId(0),
            },
            &ctx,
        )
        .unwrap();
        assert!(members(&d, 1).is_empty());
        assert_eq!(members(&d, 0).len(), 6);
        // A locked grid neither gains nor loses, and undo will not touch it.
        d.apply(&Op::Lock(vec![GridId(0)]), &ctx).unwrap();
        assert_eq!(
            d.apply(
                &Op::Move {
                    blocks: vec![BlockId(2)],
                    to: GridId(0)
                },
                &ctx
            ),
            Err(MoveRefusal::Locked(0).into())
        );
        assert_eq!(d.undo(), Err(EditError::UndoLocked(0)));
        d.apply(&Op::UnlockAll, &ctx).unwrap();
        d.undo().unwrap();
        assert_eq!(members(&d, 1).len(), 2);
        d.redo().unwrap();
        d.undo().unwrap();
        d.undo().unwrap();
        assert_eq!(d.block_grid(), &start[..]);
        assert_eq!(d.undo(), Err(EditError::NothingToUndo));
        // Undo never prunes a snapshot: restoring it is an edit of its own.
        d.apply(&Op::Restore("one move".into()), &ctx).unwrap();
        assert_eq!(d.block_grid()[1], Some(0));
        d.undo().unwrap();
        assert_eq!(d.block_grid(), &start[..]);
        assert_eq!(d.snapshots().collect::<Vec<_>>(), ["one move"]);
    }

    fn contiguous(d: &Draft, graph: &BlockGraph, blocks: &[Block], g: u32) -> bool {
        let locked = BTreeSet::new();
        let rules = MoveRules {
            blocks,
            graph,
            block_grid: d.block_grid(),
            locked: &locked,
        };
        rules.connected(&members(d, g))
    }

    proptest! {
        /// Any sequence of edits, refused or not, keeps every block in
        /// one grid, each grid inside one village and in one piece, and
        /// locked grids as they were; undoing everything returns the
        /// starting plan exactly.
        #[test]
        fn edits_keep_the_rules_and_undo_returns_the_start(
            ops in prop::collection::vec((0u8..8, 0u32..24, 0u32..6, 0u32..6), 1..60)
        ) {
            let (blocks, graph, start) = lattice(6, 4);
            let band = Band::RESIDENTS;
            let ctx = EditContext { blocks: &blocks, graph: &graph, band: &band };
            let mut d = Draft::new(start.clone());
            for (kind, block, g1, g2) in ops {
                let locked_before: Vec<(u32, Vec<u32>)> =
                    d.locked().iter().map(|&g| (g, members(&d, g))).collect();
                let _ = match kind {
                    0..=2 => d.apply(&Op::Move { blocks: vec![BlockId(block)], to: GridId(g1) }, &ctx),
                    3 => d.apply(&Op::Merge { from: GridId(g1), into: GridId(g2) }, &ctx),
                    4 => d.apply(&Op::Lock(vec![GridId(g1)]), &ctx),
                    5 => d.apply(&Op::Unlock(vec![GridId(g1)]), &ctx),
                    6 => d.undo(),
                    _ => d.redo(),
                };
                prop_assert!(d.block_grid().iter().all(Option::is_some), "every block in a grid");
                for g in 0..6 {
                    let m = members(&d, g);
                    if let Some(&first) = m.first() {
                        let v = blocks[first as usize].village;
                        prop_assert!(m.iter().all(|&b| blocks[b as usize].village == v), "grid {} crosses villages", g);
                        prop_assert!(contiguous(&d, &graph, &blocks, g), "grid {} in pieces", g);
                    }
                }
                for (g, m) in locked_before {
                    if d.locked().contains(&g) {
                        prop_assert_eq!(members(&d, g), m, "locked grid {} changed", g);
                    }
                }
            }
            d.apply(&Op::UnlockAll, &ctx).unwrap();
            while d.can_undo() {
                d.undo().unwrap();
            }
            prop_assert_eq!(d.block_grid(), &start[..]);
        }
    }
}

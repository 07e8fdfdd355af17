use std::collections::{BTreeMap, HashMap, HashSet};

use geo::{BoundingRect, Contains};
use geo_types::{MultiPolygon, Point};
use rstar::{AABB, RTree};

use crate::blocks::BlockSet;
use crate::blocks::faces_index::Indexed;
use crate::grids::{BandSet, BlockGraph, Kept, KeptGrid};
use crate::model::DivisionCode;

/// A grid of an earlier plan, as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousGrid {
    pub code: String,
    pub village_code: DivisionCode,
    pub geometry: MultiPolygon<f64>,
    pub dedicated: bool,
    pub population: f64,
    pub households: f64,
}

/// The earlier grids to keep, as block sets with their sequence numbers.
/// A village whose blocks and figures did not change keeps all its grids
/// (re-solving it would only shuffle them). Elsewhere a grid is kept when
/// it still meets the rules: it maps onto the blocks whose inner point it
/// holds, all in its own village, connected, in band; grids next to one
/// that fails are released too, so the village can mend around it.
pub(crate) fn kept_grids(
    set: &BlockSet,
    graph: &BlockGraph,
    codes: &[DivisionCode],
    bands: &BandSet,
    previous: &[PreviousGrid],
) -> Kept {
    let tree = RTree::bulk_load(
        previous
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.geometry.bounding_rect()?;
                Some(Indexed {
                    idx: i as u32,
                    env: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                })
            })
            .collect(),
    );
    let mut blocks_of: Vec<Vec<u32>> = vec![Vec::new(); previous.len()];
    for b in &set.blocks {
        let p = b.point;
        let hit = tree
            .locate_in_envelope_intersecting(AABB::from_point([p.x, p.y]))
            .find(|c| previous[c.idx as usize].geometry.contains(&Point(p)));
        if let Some(c) = hit {
            blocks_of[c.idx as usize].push(b.id);
        }
    }
    let village_index: HashMap<DivisionCode, u32> = codes
        .iter()
        .enumerate()
        .map(|(i, c)| (*c, i as u32))
        .collect();
    let mut ok = vec![false; previous.len()];
    let mut grid_of_block: HashMap<u32, usize> = HashMap::new();
    for (i, g) in previous.iter().enumerate() {
        for &b in &blocks_of[i] {
            grid_of_block.insert(b, i);
        }
        let Some(&v) = village_index.get(&g.village_code) else {
            continue;
        };
        let blocks = &blocks_of[i];
        if g.dedicated
            || blocks.is_empty()
            || blocks.iter().any(|&b| {
                set.blocks[b as usize].village != v || set.blocks[b as usize].site.is_some()
            })
        {
            continue;
        }
        let band = bands.for_village(g.village_code);
        let value: f64 = blocks
            .iter()
            .map(|&b| set.blocks[b as usize].value(band.measure))
            .sum();
        ok[i] = band.contains(value) && connected(graph, blocks);
    }
    // Villages where nothing changed keep everything.
    let mut unchanged: HashMap<u32, bool> = HashMap::new();
    for (i, g) in previous.iter().enumerate() {
        let Some(&v) = village_index.get(&g.village_code) else {
            continue;
        };
        let blocks = &blocks_of[i];
        let same = !blocks.is_empty()
            && blocks.iter().all(|&b| set.blocks[b as usize].village == v)
            && (blocks
                .iter()
                .map(|&b| set.blocks[b as usize].population)
                .sum::<f64>()
                - g.population)
                .abs()
                < 0.5
            && (blocks
                .iter()
                .map(|&b| set.blocks[b as usize].households)
                .sum::<f64>()
                - g.households)
                .abs()
                < 0.5;
        let e = unchanged.entry(v).or_insert(true);
        *e &= same;
    }
    for b in &set.blocks {
        if !grid_of_block.contains_key(&b.id) {
            unchanged.insert(b.village, false);
        }
    }
    for (i, g) in previous.iter().enumerate() {
        if let Some(&v) = village_index.get(&g.village_code)
            && unchanged.get(&v) == Some(&true)
        {
            ok[i] = true;
        }
    }
    // Neighbours of a failing grid are released as well.
    let mut release: HashSet<usize> = HashSet::new();
    for (i, blocks) in blocks_of.iter().enumerate() {
        if ok[i] {
            continue;
        }
        for &b in blocks {
            for &(n, _, _) in &graph.adj[b as usize] {
                if let Some(&j) = grid_of_block.get(&n)
                    && j != i
                {
                    release.insert(j);
                }
            }
        }
    }
    let mut kept: Kept = BTreeMap::new();
    for (i, g) in previous.iter().enumerate() {
        let village_unchanged = village_index
            .get(&g.village_code)
            .and_then(|v| unchanged.get(v))
            == Some(&true);
        if !ok[i] || (release.contains(&i) && !village_unchanged) {
            continue;
        }
        let Some(seq) = g.code.get(12..15).and_then(|s| s.parse::<u16>().ok()) else {
            continue;
        };
        let v = village_index[&g.village_code];
        let site = if g.dedicated {
            blocks_of[i]
                .iter()
                .find_map(|&b| set.blocks[b as usize].site)
        } else {
            None
        };
        kept.entry(v).or_default().push(KeptGrid {
            blocks: blocks_of[i].clone(),
            seq,
            site,
        });
    }
    kept
}

fn connected(graph: &BlockGraph, blocks: &[u32]) -> bool {
    let members: HashSet<u32> = blocks.iter().copied().collect();
    let mut seen = HashSet::new();
    let mut stack = vec![blocks[0]];
    seen.insert(blocks[0]);
    while let Some(b) = stack.pop() {
        for &(n, _, _) in &graph.adj[b as usize] {
            if members.contains(&n) && seen.insert(n) {
                stack.push(n);
            }
        }
    }
    seen.len() == members.len()
}

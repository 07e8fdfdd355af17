use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use geo_types::Coord;

use super::{Band, BandSet, BlockGraph, GridCount, choose_count};
use crate::blocks::BlockSet;
use crate::geometry::LocalProjection;
use crate::model::DivisionCode;

/// Tuning of the solver; the band rules come first, then shape.
#[derive(Debug, Clone, PartialEq)]
pub struct SolveParams {
    pub bands: BandSet,
    /// A metre of grid boundary on a road costs this much of a metre
    /// elsewhere (街巷定界: boundaries follow streets).
    pub road_discount: f64,
    /// Local-search passes at most.
    pub max_passes: usize,
}

impl Default for SolveParams {
    fn default() -> Self {
        Self {
            bands: BandSet::uniform(Band::RESIDENTS),
            road_discount: 0.25,
            max_passes: 60,
        }
    }
}

/// A grid before it has a code: its village, blocks and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct GridUnit {
    pub village: u32,
    pub blocks: Vec<u32>,
    /// Index into the block set's dedicated sites.
    pub dedicated: Option<u32>,
    /// A sequence number kept from an earlier plan.
    pub kept_seq: Option<u16>,
}

/// A parent whose grids cannot all be in band, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasible {
    pub village: u32,
    pub value: f64,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assignment {
    pub grids: Vec<GridUnit>,
    pub infeasible: Vec<Infeasible>,
}

/// A grid kept from an earlier plan: its blocks, sequence number, and the
/// dedicated site it serves, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct KeptGrid {
    pub blocks: Vec<u32>,
    pub seq: u16,
    pub site: Option<u32>,
}

/// Grids kept from an earlier plan, by village.
pub type Kept = BTreeMap<u32, Vec<KeptGrid>>;

/// Partitions every village's blocks into grids.
pub fn partition_blocks(
    set: &BlockSet,
    graph: &BlockGraph,
    codes: &[DivisionCode],
    params: &SolveParams,
    kept: &Kept,
) -> Assignment {
    let taken: std::collections::HashSet<u32> = kept
        .values()
        .flatten()
        .flat_map(|k| k.blocks.iter().copied())
        .collect();
    let mut by_village: Vec<Vec<u32>> = vec![Vec::new(); codes.len()];
    let mut dedicated: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
    for b in set.blocks.iter().filter(|b| !taken.contains(&b.id)) {
        match b.site {
            Some(s) => dedicated.entry((b.village, s)).or_default().push(b.id),
            None => by_village[b.village as usize].push(b.id),
        }
    }
    let mut out = Assignment::default();
    let mut orphans: Vec<(u32, Vec<u32>)> = Vec::new();
    for ((village, site), blocks) in dedicated {
        // A site too big for one grid is split by the same rules.
        let band = params.bands.for_village(codes[village as usize]);
        let value: f64 = blocks
            .iter()
            .map(|&b| set.blocks[b as usize].value(band.measure))
            .sum();
        if value > band.hi {
            let solved = solve_village(set, graph, &blocks, &band, params);
            for r in solved.regions {
                out.grids.push(GridUnit {
                    village,
                    blocks: r,
                    dedicated: Some(site),
                    kept_seq: None,
                });
            }
            orphans.extend(solved.orphans.into_iter().map(|o| (village, o)));
        } else {
            out.grids.push(GridUnit {
                village,
                blocks,
                dedicated: Some(site),
                kept_seq: None,
            });
        }
    }
    for (v, keep) in kept {
        for k in keep {
            out.grids.push(GridUnit {
                village: *v,
                blocks: k.blocks.clone(),
                dedicated: k.site,
                kept_seq: Some(k.seq),
            });
        }
    }
    for (v, blocks) in by_village.into_iter().enumerate() {
        let v = v as u32;
        if blocks.is_empty() {
            continue;
        }
        let band = params.bands.for_village(codes[v as usize]);
        let solved = solve_village(set, graph, &blocks, &band, params);
        for r in solved.regions {
            out.grids.push(GridUnit {
                village: v,
                blocks: r,
                dedicated: None,
                kept_seq: None,
            });
        }
        orphans.extend(solved.orphans.into_iter().map(|o| (v, o)));
        if let Some(reason) = solved.problem {
            let value = blocks
                .iter()
                .map(|&b| set.blocks[b as usize].value(band.measure))
                .sum();
            out.infeasible.push(Infeasible {
                village: v,
                value,
                reason,
            });
        }
    }
    attach_orphans(set, graph, &mut out.grids, orphans);
    out
}

/// Pieces of a village cut off from its grids (by a dedicated site, a
/// river or kept grids) and too light for a grid of their own join the
/// neighbouring grid they share most boundary with, dedicated or not, so
/// grids stay contiguous; only a piece touching no grid (the village
/// itself is in parts) joins the nearest grid of its village.
fn attach_orphans(
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

struct Solved {
    regions: Vec<Vec<u32>>,
    /// Components left without a grid of their own.
    orphans: Vec<Vec<u32>>,
    problem: Option<String>,
}

/// The cost of a grid's value: band violations dominate everything, then
/// a mild pull to the midpoint.
fn band_cost(v: f64, band: &Band) -> f64 {
    let mid = band.mid();
    let viol = (band.lo - v).max(0.0) + (v - band.hi).max(0.0);
    1e6 * viol / mid + 200.0 * ((v - mid) / mid).powi(2)
}

struct Local {
    val: Vec<f64>,
    pos: Vec<Coord<f64>>,
    /// (neighbour, cut cost of the shared boundary)
    adj: Vec<Vec<(u32, f64)>>,
}

fn solve_village(
    set: &BlockSet,
    graph: &BlockGraph,
    blocks: &[u32],
    band: &Band,
    params: &SolveParams,
) -> Solved {
    let m = blocks.len();
    let local_of: std::collections::HashMap<u32, u32> = blocks
        .iter()
        .enumerate()
        .map(|(i, &b)| (b, i as u32))
        .collect();
    let c0 = set.blocks[blocks[0] as usize].centroid;
    let proj = LocalProjection::new(c0.x, c0.y);
    let l = Local {
        val: blocks
            .iter()
            .map(|&b| set.blocks[b as usize].value(band.measure))
            .collect(),
        pos: blocks
            .iter()
            .map(|&b| proj.forward(set.blocks[b as usize].centroid))
            .collect(),
        adj: blocks
            .iter()
            .map(|&b| {
                graph.adj[b as usize]
                    .iter()
                    .filter_map(|&(n, len, road)| {
                        local_of
                            .get(&n)
                            .map(|&j| (j, (len - road) + road * params.road_discount))
                    })
                    .collect()
            })
            .collect(),
    };
    let total: f64 = l.val.iter().sum();
    let count = choose_count(total, band);
    let mut problem = match count {
        GridCount::Between(k) => Some(format!(
            "{total:.0} {} lie between what {} and {} grids can hold in band {}–{}",
            band.measure.as_str(),
            k.saturating_sub(1).max(1),
            k + 1,
            band.lo,
            band.hi
        )),
        _ => None,
    };
    // Try the ideal count first, then its neighbours within the feasible
    // range; keep the first with every grid in band, else the best.
    let ideal = count.count().min(m);
    let mut candidates = vec![ideal];
    if let GridCount::Feasible(_) = count {
        let kmin = (total / band.hi).ceil().max(1.0) as usize;
        let kmax = ((total / band.lo).floor() as usize).min(m);
        for d in 1..=3 {
            for k in [ideal.checked_sub(d), Some(ideal + d)]
                .into_iter()
                .flatten()
            {
                if k >= kmin && k <= kmax && !candidates.contains(&k) {
                    candidates.push(k);
                }
            }
        }
    }
    let mut best: Option<(usize, f64, Vec<u32>)> = None;
    for k in candidates {
        let mut reg = grow(&l, k, band);
        refine(&l, &mut reg, band, params.max_passes);
        let (out, cost) = judge(&l, &reg, band);
        if best
            .as_ref()
            .is_none_or(|(o, c, _)| out < *o || (out == *o && cost < *c))
        {
            best = Some((out, cost, reg));
        }
        if out == 0 {
            break;
        }
    }
    let reg = best.map(|b| b.2).unwrap_or_else(|| vec![0; m]);

    let mut regions: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    let mut orphan_blocks: Vec<u32> = Vec::new();
    for (i, r) in reg.iter().enumerate() {
        if *r == u32::MAX {
            orphan_blocks.push(i as u32);
        } else {
            regions.entry(*r).or_default().push(blocks[i]);
        }
    }
    let orphans: Vec<Vec<u32>> = components(&l)
        .into_iter()
        .filter(|c| reg[c[0] as usize] == u32::MAX)
        .map(|c| c.into_iter().map(|i| blocks[i as usize]).collect())
        .collect();
    if problem.is_none() && count != GridCount::BelowBand {
        let out_of_band = regions
            .values()
            .filter(|r| {
                !band.contains(
                    r.iter()
                        .map(|&b| set.blocks[b as usize].value(band.measure))
                        .sum(),
                )
            })
            .count();
        if out_of_band > 0 {
            let biggest = l.val.iter().copied().fold(0.0, f64::max);
            problem = Some(if biggest > band.hi {
                format!(
                    "a block holds {biggest:.0} {}, over the band maximum {}, and could not be split",
                    band.measure.as_str(),
                    band.hi
                )
            } else {
                format!(
                    "{out_of_band} of {} grids could not be brought into band {}–{} with these blocks",
                    regions.len(),
                    band.lo,
                    band.hi
                )
            });
        }
    }
    Solved {
        regions: regions.into_values().collect(),
        orphans,
        problem,
    }
}

/// Out-of-band grids and total cost of an assignment.
fn judge(l: &Local, reg: &[u32], band: &Band) -> (usize, f64) {
    let mut value: BTreeMap<u32, f64> = BTreeMap::new();
    for (i, &r) in reg.iter().enumerate() {
        if r != u32::MAX {
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

fn dist2(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).powi(2) + (a.y - b.y).powi(2)
}

/// Connected components of the local graph.
fn components(l: &Local) -> Vec<Vec<u32>> {
    let m = l.val.len();
    let mut comp = vec![u32::MAX; m];
    let mut out = Vec::new();
    for s in 0..m {
        if comp[s] != u32::MAX {
            continue;
        }
        let c = out.len() as u32;
        let mut members = vec![s as u32];
        comp[s] = c;
        let mut i = 0;
        while i < members.len() {
            let x = members[i] as usize;
            for &(y, _) in &l.adj[x] {
                if comp[y as usize] == u32::MAX {
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

/// Seats (grid counts) per component, largest remainders first, then each
/// seated component split by recursive balanced bisection. Components
/// too light for a seat stay unassigned (`u32::MAX`).
fn grow(l: &Local, k: usize, band: &Band) -> Vec<u32> {
    let m = l.val.len();
    let mut reg = vec![u32::MAX; m];
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

/// Connected pieces of a subset of blocks.
fn sub_components(l: &Local, subset: &[u32]) -> Vec<Vec<u32>> {
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
fn connected_without(l: &Local, reg: &[u32], r: u32, x: u32, size: usize) -> bool {
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

/// Boundary local search: move a block to a neighbouring region when that
/// lowers band cost plus weighted boundary length and keeps its region
/// connected.
fn refine(l: &Local, reg: &mut [u32], band: &Band, passes: usize) {
    let m = l.val.len();
    let k = reg
        .iter()
        .copied()
        .filter(|&r| r != u32::MAX)
        .max()
        .map_or(0, |x| x as usize + 1);
    if k <= 1 {
        return;
    }
    let mut value = vec![0.0; k];
    let mut size = vec![0usize; k];
    for i in 0..m {
        if reg[i] != u32::MAX {
            value[reg[i] as usize] += l.val[i];
            size[reg[i] as usize] += 1;
        }
    }
    for _ in 0..passes {
        let mut moved = false;
        for x in 0..m {
            if reg[x] == u32::MAX {
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
                if rn == u32::MAX {
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

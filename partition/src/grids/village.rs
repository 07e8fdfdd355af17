//! One village solved: its local graph built, candidate grid counts tried
//! (bisection, then local search), the best kept, and what cannot meet the
//! band named.

use std::collections::BTreeMap;

use super::bisection::grow;
use super::connectivity::components;
use super::local::{Local, UNSEATED, judge};
use super::local_search::refine;
use super::{Band, BlockGraph, GridCount, Infeasibility, SolveParams, choose_count};
use crate::blocks::BlockSet;
use crate::geometry::LocalProjection;

pub(super) struct Solved {
    pub(super) regions: Vec<Vec<u32>>,
    /// Components left without a grid of their own.
    pub(super) orphans: Vec<Vec<u32>>,
    pub(super) problem: Option<Infeasibility>,
}

pub(super) fn solve_village(
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
        GridCount::Between(k) => Some(Infeasibility::BetweenCounts {
            total,
            measure: band.measure.as_str(),
            fewer: k.saturating_sub(1).max(1),
            more: k + 1,
            lo: band.lo,
            hi: band.hi,
        }),
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
        if *r == UNSEATED {
            orphan_blocks.push(i as u32);
        } else {
            regions.entry(*r).or_default().push(blocks[i]);
        }
    }
    let orphans: Vec<Vec<u32>> = components(&l)
        .into_iter()
        .filter(|c| reg[c[0] as usize] == UNSEATED)
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
                Infeasibility::BlockOverBand {
                    value: biggest,
                    measure: band.measure.as_str(),
                    hi: band.hi,
                }
            } else {
                Infeasibility::OutOfBand {
                    out: out_of_band,
                    grids: regions.len(),
                    lo: band.lo,
                    hi: band.hi,
                }
            });
        }
    }
    Solved {
        regions: regions.into_values().collect(),
        orphans,
        problem,
    }
}

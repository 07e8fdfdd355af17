//! The partition's entry: every village's blocks into grids — dedicated
//! sites first, kept grids, then each village solved (`village.rs`) and
//! the pieces left over attached (`orphans.rs`).

use std::collections::BTreeMap;

use super::orphans::attach_orphans;
use super::village::solve_village;
use super::{Band, BandSet, BlockGraph};
use crate::blocks::BlockSet;
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

/// Why a village's grids cannot all be in band.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Infeasibility {
    #[error(
        "{total:.0} {measure} lie between what {fewer} and {more} grids can hold in band {lo}–{hi}"
    )]
    BetweenCounts {
        total: f64,
        measure: &'static str,
        fewer: usize,
        more: usize,
        lo: f64,
        hi: f64,
    },
    #[error(
        "a block holds {value:.0} {measure}, over the band maximum {hi}, and could not be split"
    )]
    BlockOverBand {
        value: f64,
        measure: &'static str,
        hi: f64,
    },
    #[error("{out} of {grids} grids could not be brought into band {lo}–{hi} with these blocks")]
    OutOfBand {
        out: usize,
        grids: usize,
        lo: f64,
        hi: f64,
    },
}

/// A parent whose grids cannot all be in band, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Infeasible {
    pub village: u32,
    pub value: f64,
    pub reason: Infeasibility,
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

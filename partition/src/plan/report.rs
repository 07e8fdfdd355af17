use serde::Serialize;

/// A parent whose grids cannot all meet the rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParentProblem {
    pub code: String,
    pub name: String,
    pub value: f64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageTime {
    pub stage: String,
    pub seconds: f64,
}

/// What `wangge partition` prints and saves with the plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    pub band: String,
    pub grids: usize,
    pub dedicated_grids: usize,
    pub villages: usize,
    pub blocks: usize,
    /// Share of (non-dedicated) grids in band, all parents.
    pub in_band: f64,
    /// The same, leaving out parents below the band minimum and parents
    /// no grid count can fit (named in `infeasible_parents`).
    pub in_band_feasible: f64,
    pub residents_min: f64,
    pub residents_max: f64,
    pub residents_mean: f64,
    pub households_min: f64,
    pub households_max: f64,
    pub households_mean: f64,
    /// Largest |value − band midpoint| ÷ midpoint, %, over grids of
    /// feasible parents.
    pub max_deviation_pct: f64,
    pub polsby_popper_mean: f64,
    pub polsby_popper_p10: f64,
    /// Share of the boundary between grids (village boundaries left out)
    /// that follows roads, railways or rivers.
    pub road_share: f64,
    pub gap_m2: f64,
    pub overlap_m2: f64,
    pub noncontiguous: usize,
    pub buildings_cut: usize,
    pub kept_from_previous: usize,
    pub infeasible_parents: Vec<ParentProblem>,
    pub stages: Vec<StageTime>,
}

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
    /// The same, leaving out parents below the band minimum (one grid
    /// each) and parents whose total no count of grids can fit.
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
    /// Area of the villages' union that no grid covers, m².
    pub gap_m2: f64,
    /// Area where the input's villages overlap each other, m² (each piece
    /// goes to one of them).
    pub input_village_overlap_m2: f64,
    pub overlap_m2: f64,
    pub noncontiguous: usize,
    /// Buildings a boundary between two grids of one village runs through.
    pub buildings_cut: usize,
    /// Buildings the input's village boundaries run through.
    pub buildings_on_village_boundaries: usize,
    pub kept_from_previous: usize,
    pub infeasible_parents: Vec<ParentProblem>,
    pub stages: Vec<StageTime>,
    /// Unit cells, when asked for.
    pub cells: Option<super::CellReport>,
}

//! A partition run end to end: blocks → graph → grids → codes, polygons,
//! figures and the report; stability against an earlier plan.

mod cells;
mod codes;
mod grid;
mod measure;
mod report;
mod run;
mod stability;

pub use cells::{CellReport, make_cells};
pub use grid::Grid;
pub use report::{
    LEFT_OUT_SHOWN, LeftOut, LeftOutReason, MIN_RESIDENT_SHARE, ParentProblem, Report, StageTime,
};
pub use run::{PartitionParams, PartitionResult, Stage, run_partition};
pub use stability::PreviousGrid;

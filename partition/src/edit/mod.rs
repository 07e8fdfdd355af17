//! Plan editing: a draft of a plan that a planner changes edit by edit,
//! with locks, unlimited undo and redo, and named snapshots. Logic only:
//! the server keeps drafts and turns them into plans.

mod draft;

pub use draft::{Draft, EditContext, EditError, Op, Outcome};

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use crate::LayerKind;
use crate::validate::{Problem, Repair};

/// Per-layer feature counts of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LayerStats {
    /// Features of this layer found in the inputs.
    pub read: u64,
    /// Features kept (as they were, or repaired).
    pub imported: u64,
    /// Kept after a repair.
    pub repaired: u64,
    /// Dropped, each with an issue naming why.
    pub skipped: u64,
}

/// What happened to one feature.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Repaired(Vec<Repair>),
    Skipped(Problem),
}

/// One feature that needed attention, named so a person can find it.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub source: String,
    pub layer: LayerKind,
    pub feature: String,
    pub action: Action,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match &self.action {
            Action::Skipped(p) => format!("skipped: {p}"),
            Action::Repaired(r) => format!(
                "repaired: {}",
                r.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        write!(f, "{} {} {}: {what}", self.source, self.layer, self.feature)
    }
}

impl Serialize for Issue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Issue", 5)?;
        st.serialize_field("source", &self.source)?;
        st.serialize_field("layer", self.layer.as_str())?;
        st.serialize_field("feature", &self.feature)?;
        let (action, reason) = match &self.action {
            Action::Skipped(p) => ("skipped", p.to_string()),
            Action::Repaired(r) => (
                "repaired",
                r.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        st.serialize_field("action", action)?;
        st.serialize_field("reason", &reason)?;
        st.end()
    }
}

/// How many issues are kept in full; beyond that only counted.
const MAX_ISSUES: usize = 10_000;

/// The outcome of reading all inputs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    pub layers: BTreeMap<&'static str, LayerStats>,
    pub issues: Vec<Issue>,
    pub issues_not_listed: u64,
    /// Whole-file problems (a truncated file, a file that could not be read).
    pub input_errors: Vec<String>,
    /// Things the import decided that the user should know.
    pub notes: Vec<String>,
}

impl ImportReport {
    pub fn stats(&self, kind: LayerKind) -> LayerStats {
        self.layers.get(kind.as_str()).copied().unwrap_or_default()
    }

    pub(crate) fn stats_mut(&mut self, kind: LayerKind) -> &mut LayerStats {
        self.layers.entry(kind.as_str()).or_default()
    }

    pub(crate) fn record(
        &mut self,
        source: &str,
        layer: LayerKind,
        feature: &str,
        outcome: Result<&[Repair], &Problem>,
    ) {
        let stats = self.stats_mut(layer);
        stats.read += 1;
        let action = match outcome {
            Ok([]) => {
                stats.imported += 1;
                return;
            }
            Ok(repairs) => {
                stats.imported += 1;
                stats.repaired += 1;
                Action::Repaired(repairs.to_vec())
            }
            Err(p) => {
                stats.skipped += 1;
                Action::Skipped(p.clone())
            }
        };
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(Issue {
                source: source.to_string(),
                layer,
                feature: feature.to_string(),
                action,
            });
        } else {
            self.issues_not_listed += 1;
        }
    }

    /// A feature counted as imported that a later check drops after all
    /// (a second admin unit with the same code).
    pub(crate) fn drop_imported(&mut self, layer: LayerKind, feature: &str, problem: Problem) {
        let stats = self.stats_mut(layer);
        stats.imported = stats.imported.saturating_sub(1);
        stats.skipped += 1;
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(Issue {
                source: layer.as_str().to_string(),
                layer,
                feature: feature.to_string(),
                action: Action::Skipped(problem),
            });
        } else {
            self.issues_not_listed += 1;
        }
    }

    pub fn total_imported(&self) -> u64 {
        self.layers.values().map(|s| s.imported).sum()
    }

    pub fn merge(&mut self, other: ImportReport) {
        for (k, s) in other.layers {
            let e = self.layers.entry(k).or_default();
            e.read += s.read;
            e.imported += s.imported;
            e.repaired += s.repaired;
            e.skipped += s.skipped;
        }
        self.issues.extend(other.issues);
        self.issues_not_listed += other.issues_not_listed;
        self.input_errors.extend(other.input_errors);
        self.notes.extend(other.notes);
    }
}

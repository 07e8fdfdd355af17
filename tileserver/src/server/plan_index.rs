//! Which plans exist and which is active, held in memory so that a tile
//! request resolves `active` or `?plan=ID` without a database round trip.
//! Refreshed on start, after an activation, and when a change is heard.

use std::collections::BTreeSet;
use std::sync::RwLock;

use super::ApiError;
use crate::store::{Store, StoreError};

#[derive(Debug, Default, Clone)]
pub struct Plans {
    pub active: Option<i64>,
    pub known: BTreeSet<i64>,
}

#[derive(Default)]
pub struct PlanIndex(RwLock<Plans>);

impl PlanIndex {
    pub async fn refresh(&self, store: &Store) -> Result<Plans, StoreError> {
        let plans = store.plans().await?;
        let fresh = Plans {
            active: plans.iter().find(|p| p.active).map(|p| p.id),
            known: plans.iter().map(|p| p.id).collect(),
        };
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    pub fn snapshot(&self) -> Plans {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `active` (or nothing) or a plan id; unknown ones are a 404. Runs on
    /// every tile request: a read lock, no copy.
    pub fn resolve(&self, selector: Option<&str>) -> Result<i64, ApiError> {
        let plans = self.0.read().unwrap_or_else(|p| p.into_inner());
        let known = || {
            plans
                .known
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match selector {
            None | Some("active") => plans.active.ok_or_else(|| {
                ApiError::NotFound(format!(
                    "no active plan (plans: {}); run `wangge partition` first",
                    known()
                ))
            }),
            Some(s) => match s.parse::<i64>() {
                Ok(id) if plans.known.contains(&id) => Ok(id),
                Ok(_) => Err(ApiError::NotFound(format!(
                    "no plan {s:?} (plans: {})",
                    known()
                ))),
                Err(_) => Err(ApiError::BadRequest(format!(
                    "plan must be a number or \"active\", not {:?}",
                    s.chars().take(40).collect::<String>()
                ))),
            },
        }
    }
}

//! The counties and plans of the store, held in memory so that a tile
//! request resolves its county and plan without a database round trip and
//! the plan list answers while another program holds the store's lock.
//! Refreshed on start and whenever the change feed reports a plan or
//! import.

use std::sync::{Arc, RwLock};

use super::ApiError;
use super::errors::clip;
use crate::auth::Scope;
use crate::store::{CountyCode, CountyInfo, PlanId, PlanInfo, Store, StoreError};

/// What the store holds, as of the last refresh.
#[derive(Debug, Default, Clone)]
pub struct Snapshot {
    /// By code.
    pub counties: Vec<CountyInfo>,
    /// By id.
    pub plans: Vec<PlanInfo>,
}

impl Snapshot {
    pub fn plan(&self, id: PlanId) -> Option<&PlanInfo> {
        self.plans
            .binary_search_by_key(&id, |p| p.id)
            .ok()
            .map(|i| &self.plans[i])
    }

    pub fn active(&self, county: CountyCode) -> Option<PlanId> {
        self.plans
            .iter()
            .find(|p| p.active && p.county == county)
            .map(|p| p.id)
    }

    pub fn has_county(&self, c: CountyCode) -> bool {
        self.counties.iter().any(|x| x.code == c)
    }

    /// Counties a caller with `scope` sees.
    pub fn counties_in<'a>(&'a self, scope: &'a Scope) -> impl Iterator<Item = &'a CountyInfo> {
        self.counties
            .iter()
            .filter(move |c| scope.allows_county(c.code))
    }
}

#[derive(Default)]
pub struct PlanIndex(RwLock<Arc<Snapshot>>);

impl PlanIndex {
    pub async fn refresh(&self, store: &Store) -> Result<Arc<Snapshot>, StoreError> {
        let mut plans = store.plans().await?;
        plans.sort_by_key(|p| p.id);
        let fresh = Arc::new(Snapshot {
            counties: store.counties().await?,
            plans,
        });
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The county a request means: the one named (which the caller must
    /// see), else the caller's own county, else the store's first.
    pub fn county(&self, named: Option<&str>, scope: &Scope) -> Result<CountyCode, ApiError> {
        let snap = self.snapshot();
        let known = || {
            let v: Vec<String> = snap
                .counties_in(scope)
                .map(|c| c.code.to_string())
                .collect();
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        match named {
            Some(s) => {
                let c: CountyCode = s.parse().map_err(|e: crate::store::BadCountyCode| {
                    ApiError::BadRequest(e.to_string())
                })?;
                if snap.has_county(c) && scope.allows_county(c) {
                    Ok(c)
                } else {
                    Err(ApiError::NotFound(format!(
                        "no county {c} (counties: {})",
                        known()
                    )))
                }
            }
            None => scope
                .county()
                .filter(|c| snap.has_county(*c))
                .or_else(|| snap.counties_in(scope).next().map(|c| c.code))
                .ok_or_else(|| {
                    ApiError::NotFound(
                        "the store holds no county yet; import one with `wangge import`".into(),
                    )
                }),
        }
    }

    /// A plan by `active` (of the county) or id, as the caller may see it:
    /// a plan of a county outside the scope does not exist for it.
    pub fn resolve(
        &self,
        selector: Option<&str>,
        county: Option<&str>,
        scope: &Scope,
    ) -> Result<PlanInfo, ApiError> {
        let snap = self.snapshot();
        let visible = |p: &&PlanInfo| scope.allows_county(p.county);
        let known = || {
            let v: Vec<String> = snap
                .plans
                .iter()
                .filter(visible)
                .map(|p| p.id.to_string())
                .collect();
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join(", ")
            }
        };
        match selector {
            None | Some("active") => {
                let c = self.county(county, scope)?;
                let id = snap.active(c).ok_or_else(|| {
                    ApiError::NotFound(format!(
                        "county {c} has no active plan (plans: {}); run `wangge partition` first",
                        known()
                    ))
                })?;
                snap.plan(id)
                    .cloned()
                    .ok_or_else(|| ApiError::NotFound(format!("no plan {id}")))
            }
            Some(s) => {
                let id = s.parse::<i64>().map(PlanId).map_err(|_| {
                    ApiError::BadRequest(format!(
                        "plan must be a number or \"active\", not {:?}",
                        clip(s)
                    ))
                })?;
                let p = snap.plan(id).filter(visible).ok_or_else(|| {
                    ApiError::NotFound(format!("no plan {s:?} (plans: {})", known()))
                })?;
                if let Some(c) = county {
                    let c = self.county(Some(c), scope)?;
                    if c != p.county {
                        return Err(ApiError::BadRequest(format!(
                            "plan {id} belongs to county {}, not {c}",
                            p.county
                        )));
                    }
                }
                Ok(p.clone())
            }
        }
    }
}

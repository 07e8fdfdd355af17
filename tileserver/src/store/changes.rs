//! The typed change feed: every committed write publishes what it changed
//! on an in-process broadcast; on PostGIS the same change travels to other
//! instances by `NOTIFY`, and a GeoPackage written by another process
//! (the CLI, QGIS) is watched by polling. Cache invalidation, the plan
//! index, the credentials index and (later) the live stream subscribe.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;

use super::{CountyCode, PlanId};

/// What a committed write changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A county's imported layers were replaced.
    Layers {
        county: CountyCode,
    },
    /// A plan was saved (and perhaps made active).
    PlanCreated {
        county: CountyCode,
        plan: PlanId,
        active: bool,
    },
    PlanActivated {
        county: CountyCode,
        plan: PlanId,
    },
    PlanDeleted {
        county: CountyCode,
        plan: PlanId,
    },
    /// Users, tokens or sessions changed (a revocation, say).
    Accounts,
    /// A county's roster of grid workers changed.
    Workers {
        county: CountyCode,
    },
}

/// Where a change was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Through this process's store handle.
    Here,
    /// By another process or instance, heard by NOTIFY or polling.
    Elsewhere,
}

/// One change as subscribers receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub change: Change,
    pub origin: Origin,
}

/// The in-process broadcast. A slow subscriber that falls more than the
/// channel's capacity behind is told it lagged and should resynchronise.
#[derive(Debug, Clone)]
pub struct ChangeFeed {
    tx: broadcast::Sender<Arc<Notice>>,
    /// Tags this process's NOTIFY payloads so it can ignore its own echo.
    pub(crate) instance: u64,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        let (tx, _) = broadcast::channel(1024);
        Self {
            tx,
            instance: rand::random(),
        }
    }
}

impl ChangeFeed {
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.tx.subscribe()
    }

    pub(crate) fn publish(&self, change: Change, origin: Origin) {
        tracing::debug!(?change, ?origin, "change");
        // No subscriber is not an error: the CLI has none.
        let _ = self.tx.send(Arc::new(Notice { change, origin }));
    }
}

/// The NOTIFY payload: the change and the instance that made it.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Payload {
    pub instance: u64,
    #[serde(flatten)]
    pub change: Change,
}

pub(crate) fn payload(feed: &ChangeFeed, change: &Change) -> String {
    serde_json::to_string(&Payload {
        instance: feed.instance,
        change: change.clone(),
    })
    .unwrap_or_default()
}

/// A GeoPackage's state as far as other processes' writes go; see
/// [`ChangeMark::changes_since`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeMark {
    /// Each county's last import time.
    pub imports: BTreeMap<CountyCode, String>,
    /// Each plan's county and active flag.
    pub plans: BTreeMap<PlanId, (CountyCode, bool)>,
    pub accounts: String,
}

impl ChangeMark {
    /// The changes that turn `before` into `self`.
    pub fn changes_since(&self, before: &ChangeMark) -> Vec<Change> {
        let mut out = Vec::new();
        for (county, at) in &self.imports {
            if before.imports.get(county) != Some(at) {
                out.push(Change::Layers { county: *county });
            }
        }
        for (&plan, &(county, active)) in &self.plans {
            match before.plans.get(&plan) {
                None => out.push(Change::PlanCreated {
                    county,
                    plan,
                    active,
                }),
                Some(&(_, was)) if active && !was => {
                    out.push(Change::PlanActivated { county, plan })
                }
                _ => {}
            }
        }
        for (&plan, &(county, _)) in &before.plans {
            if !self.plans.contains_key(&plan) {
                out.push(Change::PlanDeleted { county, plan });
            }
        }
        if self.accounts != before.accounts {
            out.push(Change::Accounts);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip() {
        let feed = ChangeFeed::default();
        let c = Change::PlanActivated {
            county: "110108".parse().unwrap(),
            plan: PlanId(3),
        };
        let p: Payload = serde_json::from_str(&payload(&feed, &c)).unwrap();
        assert_eq!(p.change, c);
        assert_eq!(p.instance, feed.instance);
    }

    #[test]
    fn marks_tell_what_changed() {
        let c: CountyCode = "110108".parse().unwrap();
        let mut a = ChangeMark::default();
        a.imports.insert(c, "t1".into());
        a.plans.insert(PlanId(1), (c, true));
        let mut b = a.clone();
        assert!(b.changes_since(&a).is_empty());
        b.plans.insert(PlanId(1), (c, false));
        b.plans.insert(PlanId(2), (c, true));
        b.imports.insert(c, "t2".into());
        b.accounts = "1".into();
        assert_eq!(
            b.changes_since(&a),
            vec![
                Change::Layers { county: c },
                Change::PlanCreated {
                    county: c,
                    plan: PlanId(2),
                    active: true
                },
                Change::Accounts
            ]
        );
        let mut d = b.clone();
        d.plans.remove(&PlanId(1));
        d.plans.insert(PlanId(1), (c, true));
        d.plans.insert(PlanId(2), (c, false));
        assert_eq!(
            d.changes_since(&b),
            vec![Change::PlanActivated {
                county: c,
                plan: PlanId(1)
            }]
        );
    }

    #[tokio::test]
    async fn subscribers_hear_published_changes() {
        let feed = ChangeFeed::default();
        let mut rx = feed.subscribe();
        feed.publish(Change::Accounts, Origin::Here);
        let n = rx.recv().await.unwrap();
        assert_eq!(n.change, Change::Accounts);
        assert_eq!(n.origin, Origin::Here);
    }
}

//! The tile sources the server knows — registered factories, any number —
//! and those it has built: one per (source, county, plan), each built once
//! on first use (concurrent first requests wait for the same build) and
//! dropped when what it was built from changes or is deleted.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::sync::OnceCell;

use crate::source::{BuildAt, Built, SourceBasis, SourceFactory, SourceKind, SourceSpec};
use crate::store::{CountyCode, PlanId, Store, StoreError};

/// A registered source's index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId(u16);

/// A built (or building) source with what the memory budget needs.
#[derive(Default)]
struct Entry {
    cell: OnceCell<Arc<Built>>,
    /// Estimated bytes, once built.
    bytes: AtomicU64,
    /// Milliseconds since the registry started, at the last use.
    used: AtomicU64,
    /// Milliseconds since the registry started, when it was built.
    built_at: AtomicU64,
}

type Slot = Arc<Entry>;

pub struct Registry {
    factories: Vec<Box<dyn SourceFactory>>,
    by_name: HashMap<&'static str, SourceId>,
    built: Mutex<HashMap<(SourceId, BuildAt), Slot>>,
    /// Bumped when any county's imported layers change; part of every
    /// tile's cache key, so no tile of old layers is served again.
    generation: AtomicU64,
    /// Bytes the sources of plans not in force may hold together; the
    /// least recently used go first (they are rebuilt when asked for).
    budget: u64,
    /// The plans in force, never evicted.
    pinned: Mutex<HashSet<PlanId>>,
    started: Instant,
}

impl Registry {
    pub fn with_budget(factories: Vec<Box<dyn SourceFactory>>, budget: u64) -> Self {
        let by_name = factories
            .iter()
            .enumerate()
            .map(|(i, f)| (f.spec().name, SourceId(i as u16)))
            .collect();
        Self {
            factories,
            by_name,
            built: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
            budget,
            pinned: Mutex::new(HashSet::new()),
            started: Instant::now(),
        }
    }

    /// The plans in force (their sources stay whatever the budget).
    pub fn pin_plans(&self, plans: impl IntoIterator<Item = PlanId>) {
        *self.pinned.lock().unwrap_or_else(|p| p.into_inner()) = plans.into_iter().collect();
    }

    pub fn id(&self, name: &str) -> Option<SourceId> {
        self.by_name.get(name).copied()
    }

    pub fn spec(&self, id: SourceId) -> &SourceSpec {
        self.factories[usize::from(id.0)].spec()
    }

    pub fn ids(&self) -> impl Iterator<Item = SourceId> + '_ {
        (0..self.factories.len()).map(|i| SourceId(i as u16))
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.factories.iter().map(|f| f.spec().name).collect()
    }

    /// The built source, building it on first use. A layers source ignores
    /// the plan.
    pub async fn get(
        &self,
        store: &Store,
        id: SourceId,
        at: BuildAt,
    ) -> Result<Arc<Built>, StoreError> {
        let factory = &self.factories[usize::from(id.0)];
        let spec = factory.spec();
        let at = match spec.basis {
            SourceBasis::Layers => BuildAt {
                plan: None,
                window: None,
                ..at
            },
            SourceBasis::Plan => BuildAt { window: None, ..at },
            SourceBasis::Window => at,
        };
        let now = self.started.elapsed().as_millis() as u64;
        let slot = {
            let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
            // Records keep arriving: a source older than its tiles may be
            // kept is built again (those holding it finish with it). Only
            // then are the other stale windows swept, not on every tile.
            if m.get(&(id, at)).is_some_and(|e| self.expired(id, e, now)) {
                m.retain(|(i, _), e| !self.expired(*i, e, now));
            }
            m.entry((id, at)).or_default().clone()
        };
        slot.used.store(now, Ordering::Relaxed);
        let mut fresh = false;
        let built = slot
            .cell
            .get_or_try_init(|| async {
                fresh = true;
                let t = std::time::Instant::now();
                let b = factory.build(store, at).await?;
                tracing::info!(
                    source = factory.spec().name,
                    county = %at.county,
                    plan = ?at.plan.map(|p| p.0),
                    features = b.tiles().feature_count(),
                    seconds = t.elapsed().as_secs_f64(),
                    "built tile source"
                );
                Ok::<_, StoreError>(Arc::new(b))
            })
            .await?
            .clone();
        if fresh {
            slot.bytes
                .store(built.tiles().heap_bytes() as u64, Ordering::Relaxed);
            slot.built_at
                .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
            if at.plan.is_some() || spec.basis == SourceBasis::Window {
                self.enforce_budget((id, at));
            }
        }
        Ok(built)
    }

    /// Whether a built source of fixes is older than its tiles' max-age.
    fn expired(&self, id: SourceId, e: &Entry, now: u64) -> bool {
        let spec = self.spec(id);
        spec.basis == SourceBasis::Window
            && e.cell.initialized()
            && now.saturating_sub(e.built_at.load(Ordering::Relaxed))
                > u64::from(spec.cache.max_age) * 1000
    }

    /// Drops the least recently used sources of plans not in force until
    /// those left fit the budget (never `keep`, the one just built).
    fn enforce_budget(&self, keep: (SourceId, BuildAt)) {
        let pinned = self
            .pinned
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        let evictable = |k: &(SourceId, BuildAt), e: &Slot| {
            *k != keep
                && e.cell.initialized()
                && (k.1.window.is_some() || k.1.plan.is_some_and(|p| !pinned.contains(&p)))
        };
        let mut total: u64 = m
            .iter()
            .filter(|(k, e)| evictable(k, e) || **k == keep)
            .map(|(_, e)| e.bytes.load(Ordering::Relaxed))
            .sum();
        while total > self.budget {
            let oldest = m
                .iter()
                .filter(|(k, e)| evictable(k, e))
                .min_by_key(|(_, e)| e.used.load(Ordering::Relaxed))
                .map(|(k, e)| (*k, e.bytes.load(Ordering::Relaxed)));
            let Some((k, bytes)) = oldest else { break };
            m.remove(&k);
            total = total.saturating_sub(bytes);
            tracing::info!(
                source = self.factories[usize::from(k.0.0)].spec().name,
                plan = ?k.1.plan.map(|p| p.0),
                bytes,
                "dropped a plan's tile source (memory budget)"
            );
        }
    }

    /// Estimated bytes of every built source.
    pub fn bytes(&self) -> u64 {
        let m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.values().map(|e| e.bytes.load(Ordering::Relaxed)).sum()
    }

    /// A built-in source by kind (the API reads grids, admin units and
    /// buildings from them).
    pub async fn get_kind(
        &self,
        store: &Store,
        kind: SourceKind,
        at: BuildAt,
    ) -> Result<Arc<Built>, StoreError> {
        let id = self.id(kind.as_str()).ok_or_else(|| StoreError::NotFound {
            what: "tile source",
            key: kind.as_str().into(),
        })?;
        self.get(store, id, at).await
    }

    /// Forgets the sources built from a county's imported layers.
    pub fn layers_changed(&self, county: CountyCode) {
        let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|(id, at), _| {
            at.county != county
                || self.factories[usize::from(id.0)].spec().basis != SourceBasis::Layers
        });
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Forgets a deleted plan's sources.
    pub fn forget_plan(&self, plan: PlanId) {
        let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|(_, at), _| at.plan != Some(plan));
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn built_count(&self) -> usize {
        let m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.values().filter(|c| c.cell.initialized()).count()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::source::{BuildFuture, CachePolicy, WorkerSource};
    use crate::store::StoreTarget;

    /// A source of fixes that counts its builds.
    struct Counting {
        spec: SourceSpec,
        builds: Arc<AtomicUsize>,
    }

    impl SourceFactory for Counting {
        fn spec(&self) -> &SourceSpec {
            &self.spec
        }

        fn build<'a>(&'a self, _store: &'a Store, _at: BuildAt) -> BuildFuture<'a> {
            self.builds.fetch_add(1, Ordering::SeqCst);
            Box::pin(async {
                Ok(Built::Tiles(Arc::new(WorkerSource::new(
                    "positions",
                    &[],
                    Vec::new(),
                ))))
            })
        }
    }

    #[tokio::test]
    async fn sources_of_fixes_are_built_again_once_older_than_their_max_age() {
        let dir = tempfile::tempdir().unwrap();
        let target = StoreTarget::File(dir.path().join("s.gpkg"));
        let store = Store::create_or_open(&target).await.unwrap();
        let builds = Arc::new(AtomicUsize::new(0));
        let factory = Counting {
            spec: SourceSpec {
                name: "positions",
                description: "",
                min_zoom: 0,
                max_zoom: 22,
                basis: SourceBasis::Window,
                cache: CachePolicy {
                    max_age: 1,
                    server_cache: false,
                },
                params: &[],
            },
            builds: builds.clone(),
        };
        let r = Registry::with_budget(vec![Box::new(factory)], u64::MAX);
        let id = r.id("positions").unwrap();
        let county: CountyCode = "110108".parse().unwrap();
        let at = BuildAt::new(county, None);
        r.get(&store, id, at).await.unwrap();
        r.get(&store, id, at).await.unwrap();
        assert_eq!(builds.load(Ordering::SeqCst), 1, "fresh: built once");
        // Each window is its own source.
        let day = BuildAt {
            window: Some((
                ops::positions::UnixMs(0),
                ops::positions::UnixMs(86_400_000),
            )),
            ..at
        };
        r.get(&store, id, day).await.unwrap();
        assert_eq!(builds.load(Ordering::SeqCst), 2);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        r.get(&store, id, at).await.unwrap();
        assert_eq!(builds.load(Ordering::SeqCst), 3, "stale: built again");
        assert_eq!(r.built_count(), 1, "the stale window was dropped too");
    }
}

//! The built tile sources, one per (source, plan), each built once on
//! first use (concurrent first requests wait for the same build) and
//! dropped when the layers it was built from change.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::source::{Built, SourceKind, build_source};
use crate::store::{Store, StoreError};

type Key = (SourceKind, i64);

#[derive(Default)]
pub struct Registry {
    built: Mutex<HashMap<Key, Arc<OnceCell<Arc<Built>>>>>,
    /// Bumped when the imported layers change; part of every cache key.
    layers_generation: AtomicU64,
}

impl Registry {
    pub async fn get(
        &self,
        store: &Store,
        kind: SourceKind,
        plan: i64,
    ) -> Result<Arc<Built>, StoreError> {
        let key = (kind, if kind.per_plan() { plan } else { 0 });
        let cell = {
            let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
            m.entry(key).or_default().clone()
        };
        let built = cell
            .get_or_try_init(|| async {
                let t = std::time::Instant::now();
                let b = build_source(store, kind, plan).await?;
                tracing::info!(
                    source = kind.as_str(),
                    plan,
                    features = b.tiles().feature_count(),
                    seconds = t.elapsed().as_secs_f64(),
                    "built tile source"
                );
                Ok::<_, StoreError>(Arc::new(b))
            })
            .await?;
        Ok(built.clone())
    }

    /// Forgets the sources built from imported layers.
    pub fn layers_changed(&self) {
        let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|(k, _), _| k.per_plan());
        self.layers_generation.fetch_add(1, Ordering::SeqCst);
    }

    /// Forgets a plan's sources (a plan that no longer exists).
    pub fn forget_plans_except(&self, keep: &std::collections::BTreeSet<i64>) {
        let mut m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|(k, p), _| !k.per_plan() || keep.contains(p));
    }

    pub fn layers_generation(&self) -> u64 {
        self.layers_generation.load(Ordering::SeqCst)
    }

    pub fn built_count(&self) -> usize {
        let m = self.built.lock().unwrap_or_else(|p| p.into_inner());
        m.values().filter(|c| c.initialized()).count()
    }
}

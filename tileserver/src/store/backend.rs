//! One interface over both backends: the CLI and the server hold a
//! `Store` and never ask which kind it is.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use partition::{LayerKind, Layers};

use super::changes::{Change, ChangeFeed, Origin, Payload};
use super::error::SqlContext;
use super::{
    CountyCode, CountyInfo, GpkgStore, GridLevel, ImportRecord, LayerInfo, NewPlan, PgStore,
    PlanId, PlanInfo, PlanSelector, StoreError, StoredBlock, StoredGrid,
};

/// Where a store lives: a GeoPackage file or a PostgreSQL/PostGIS URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreTarget {
    File(PathBuf),
    Database(String),
}

impl StoreTarget {
    /// `postgres://…` / `postgresql://…` is a database, anything else a file.
    pub fn parse(s: &str) -> Self {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Self::Database(s.to_string())
        } else {
            Self::File(PathBuf::from(s))
        }
    }
}

impl fmt::Display for StoreTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => write!(f, "{}", p.display()),
            Self::Database(_) => f.write_str("the PostGIS database"),
        }
    }
}

/// How long store operations wait on others.
#[derive(Debug, Clone)]
pub struct Waits {
    /// For another program's (or transaction's) lock.
    pub lock: Duration,
    /// For one statement to finish (PostGIS), `None` for no limit.
    pub statement: Option<Duration>,
}

impl Default for Waits {
    /// A command-line job may wait a while for QGIS to let go of the file.
    fn default() -> Self {
        Self {
            lock: Duration::from_secs(30),
            statement: None,
        }
    }
}

/// An open store of either kind, with the feed its committed writes are
/// published on.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    feed: ChangeFeed,
}

/// The two kinds of store.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Gpkg(GpkgStore),
    Postgis(PgStore),
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match &$self.backend {
            Backend::Gpkg($s) => $e,
            Backend::Postgis($s) => $e,
        }
    };
}

/// Runs the same sqlx expression on whichever pool the store has: the
/// SQL of the small tables (counties, accounts, audit) is the same text
/// on both (SQLite reads `$n` placeholders).
macro_rules! on_pool {
    ($store:expr, $pool:ident => $e:expr) => {
        match $store.backend() {
            $crate::store::backend::Backend::Gpkg(s) => {
                let $pool = s.pool();
                $e
            }
            $crate::store::backend::Backend::Postgis(s) => {
                let $pool = s.pool();
                $e
            }
        }
    };
}
pub(crate) use on_pool;

impl Store {
    fn new(backend: Backend) -> Self {
        Self {
            backend,
            feed: ChangeFeed::default(),
        }
    }

    pub(crate) fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Opens an existing store (a missing GeoPackage file is an error).
    pub async fn open(target: &StoreTarget) -> Result<Self, StoreError> {
        Ok(Self::new(match target {
            StoreTarget::File(p) => Backend::Gpkg(GpkgStore::open(p).await?),
            StoreTarget::Database(url) => Backend::Postgis(PgStore::connect(url).await?),
        }))
    }

    /// Opens an existing store for a server: waits for a lock at most
    /// `waits.lock`, so a busy store is a quick 503, not a hung request.
    pub async fn open_with(target: &StoreTarget, waits: &Waits) -> Result<Self, StoreError> {
        Ok(Self::new(match target {
            StoreTarget::File(p) => Backend::Gpkg(GpkgStore::open_with(p, waits).await?),
            StoreTarget::Database(url) => {
                Backend::Postgis(PgStore::connect_with(url, waits).await?)
            }
        }))
    }

    /// Opens the store, creating the file (or the schema) when missing.
    pub async fn create_or_open(target: &StoreTarget) -> Result<Self, StoreError> {
        Ok(Self::new(match target {
            StoreTarget::File(p) => Backend::Gpkg(GpkgStore::create_or_open(p).await?),
            StoreTarget::Database(url) => Backend::Postgis(PgStore::connect(url).await?),
        }))
    }

    /// Turns the GeoPackage's free-space check before large writes off.
    pub fn set_space_check(&mut self, on: bool) {
        if let Backend::Gpkg(g) = &mut self.backend {
            g.set_space_check(on);
        }
    }

    /// The changes committed through this handle, and (once
    /// [`Store::watch_elsewhere`] runs) those made by other processes.
    pub fn feed(&self) -> &ChangeFeed {
        &self.feed
    }

    /// The file path or the URL without its password.
    pub fn describe(&self) -> String {
        match &self.backend {
            Backend::Gpkg(s) => s.path().display().to_string(),
            Backend::Postgis(s) => s.shown().to_string(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match &self.backend {
            Backend::Gpkg(_) => "geopackage",
            Backend::Postgis(_) => "postgis",
        }
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        each!(self, s => s.meta(key).await)
    }

    /// The counties the store holds, by code.
    pub async fn counties(&self) -> Result<Vec<CountyInfo>, StoreError> {
        let rows: Vec<(String, String, Option<f64>, String)> = on_pool!(self, pool => {
            sqlx::query_as("SELECT code, name, household_size, imported_at FROM counties ORDER BY code")
                .fetch_all(pool)
                .await
        })
        .ctx(|| "listing counties".into())?;
        Ok(rows
            .into_iter()
            .filter_map(|(code, name, household_size, imported_at)| {
                Some(CountyInfo {
                    code: code.parse().ok()?,
                    name,
                    household_size,
                    imported_at,
                })
            })
            .collect())
    }

    /// The county a command means: the one named (which must be in the
    /// store), or with none named the store's only county.
    pub async fn county(&self, named: Option<CountyCode>) -> Result<CountyCode, StoreError> {
        let held = self.counties().await?;
        let known = || {
            held.iter()
                .map(|c| c.code.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match named {
            Some(c) if held.iter().any(|h| h.code == c) => Ok(c),
            Some(c) => Err(StoreError::NoCounty {
                county: c.to_string(),
                known: if held.is_empty() {
                    "none".into()
                } else {
                    known()
                },
            }),
            None => match held.as_slice() {
                [one] => Ok(one.code),
                [] => Err(StoreError::NoCounty {
                    county: "(any)".into(),
                    known: "none".into(),
                }),
                _ => Err(StoreError::WhichCounty { known: known() }),
            },
        }
    }

    pub async fn layers(&self, county: Option<CountyCode>) -> Result<Vec<LayerInfo>, StoreError> {
        each!(self, s => s.layers(county).await)
    }

    pub async fn read_layers(
        &self,
        county: CountyCode,
        kinds: &[LayerKind],
    ) -> Result<Layers, StoreError> {
        each!(self, s => s.read_layers(county, kinds).await)
    }

    /// Replaces a county's supplied layers in one transaction.
    pub async fn replace_layers(
        &self,
        county: CountyCode,
        layers: &Layers,
        record: &ImportRecord,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BTreeMap<LayerKind, u64>, StoreError> {
        let written = match &self.backend {
            Backend::Gpkg(s) => s.replace_layers(county, layers, record, progress).await?,
            Backend::Postgis(s) => {
                s.replace_layers(&self.feed, county, layers, record, progress)
                    .await?
            }
        };
        self.feed.publish(Change::Layers { county }, Origin::Here);
        Ok(written)
    }

    pub async fn save_plan(&self, plan: &NewPlan) -> Result<PlanId, StoreError> {
        let id = match &self.backend {
            Backend::Gpkg(s) => s.save_plan(plan).await?,
            Backend::Postgis(s) => s.save_plan(&self.feed, plan).await?,
        };
        self.feed.publish(
            Change::PlanCreated {
                county: plan.county,
                plan: id,
                active: plan.activate,
            },
            Origin::Here,
        );
        Ok(id)
    }

    /// Every plan of every county, oldest first.
    pub async fn plans(&self) -> Result<Vec<PlanInfo>, StoreError> {
        each!(self, s => s.plans().await)
    }

    pub async fn resolve_plan(&self, selector: PlanSelector) -> Result<PlanId, StoreError> {
        each!(self, s => s.resolve_plan(selector).await)
    }

    /// Makes a plan its county's active one; returns the county.
    pub async fn activate_plan(&self, id: PlanId) -> Result<CountyCode, StoreError> {
        let county = match &self.backend {
            Backend::Gpkg(s) => s.activate_plan(id).await?,
            Backend::Postgis(s) => s.activate_plan(&self.feed, id).await?,
        };
        self.feed
            .publish(Change::PlanActivated { county, plan: id }, Origin::Here);
        Ok(county)
    }

    /// Makes each plan's grids and cells GIS layers of their own
    /// (`plan_<id>_grids`, `plan_<id>_cells`); returns their names.
    pub async fn create_plan_views(&self) -> Result<Vec<String>, StoreError> {
        each!(self, s => s.create_plan_views().await)
    }

    /// Deletes a plan that is not active; returns its county.
    pub async fn delete_plan(&self, id: PlanId) -> Result<CountyCode, StoreError> {
        let county = match &self.backend {
            Backend::Gpkg(s) => s.delete_plan(id).await?,
            Backend::Postgis(s) => s.delete_plan(&self.feed, id).await?,
        };
        self.feed
            .publish(Change::PlanDeleted { county, plan: id }, Origin::Here);
        Ok(county)
    }

    pub async fn plan_grids(
        &self,
        plan: PlanId,
        level: GridLevel,
    ) -> Result<Vec<StoredGrid>, StoreError> {
        each!(self, s => s.plan_grids(plan, level).await)
    }

    pub async fn plan_blocks(&self, plan: PlanId) -> Result<Vec<StoredBlock>, StoreError> {
        each!(self, s => s.plan_blocks(plan).await)
    }

    /// Publishes the changes other processes commit to this store: heard
    /// by `LISTEN` on PostGIS, found by polling a GeoPackage every
    /// `poll`. Runs until dropped.
    pub async fn watch_elsewhere(&self, poll: Duration) {
        match &self.backend {
            Backend::Postgis(pg) => loop {
                match pg.listen().await {
                    Ok(mut listener) => loop {
                        match listener.recv().await {
                            Ok(n) => match serde_json::from_str::<Payload>(n.payload()) {
                                Ok(p) if p.instance == self.feed.instance => {}
                                Ok(p) => self.feed.publish(p.change, Origin::Elsewhere),
                                Err(e) => {
                                    tracing::warn!(error = %e, "unreadable change notice")
                                }
                            },
                            Err(e) => {
                                tracing::warn!(error = %e, "change listener lost; reconnecting");
                                break;
                            }
                        }
                    },
                    Err(e) => tracing::warn!(error = %e, "cannot listen for changes"),
                }
                tokio::time::sleep(poll).await;
            },
            Backend::Gpkg(g) => {
                let mut last = g.change_mark().await.ok();
                loop {
                    tokio::time::sleep(poll).await;
                    let now = match g.change_mark().await {
                        Ok(m) => m,
                        Err(e) => {
                            tracing::debug!(error = %e, "change poll");
                            continue;
                        }
                    };
                    if let Some(before) = &last {
                        for change in now.changes_since(before) {
                            self.feed.publish(change, Origin::Elsewhere);
                        }
                    }
                    last = Some(now);
                }
            }
        }
    }

    pub async fn close(self) {
        each!(self, s => s.clone().close().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_databases_and_the_rest_files() {
        assert_eq!(
            StoreTarget::parse("postgres://u@127.0.0.1:5433/w"),
            StoreTarget::Database("postgres://u@127.0.0.1:5433/w".into())
        );
        assert_eq!(
            StoreTarget::parse("county.gpkg"),
            StoreTarget::File("county.gpkg".into())
        );
    }
}

//! One interface over both backends: the CLI and the server hold a
//! `Store` and never ask which kind it is.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use partition::{LayerKind, Layers};

use super::{
    GpkgStore, ImportRecord, LayerInfo, NewPlan, PgStore, PlanInfo, StoreError, StoredBlock,
    StoredGrid,
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

/// An open store of either kind.
#[derive(Debug, Clone)]
pub enum Store {
    Gpkg(GpkgStore),
    Postgis(PgStore),
}

macro_rules! each {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Gpkg($s) => $e,
            Store::Postgis($s) => $e,
        }
    };
}

impl Store {
    /// Opens an existing store (a missing GeoPackage file is an error).
    pub async fn open(target: &StoreTarget) -> Result<Self, StoreError> {
        Ok(match target {
            StoreTarget::File(p) => Self::Gpkg(GpkgStore::open(p).await?),
            StoreTarget::Database(url) => Self::Postgis(PgStore::connect(url).await?),
        })
    }

    /// Opens the store, creating the file (or the schema) when missing.
    pub async fn create_or_open(target: &StoreTarget) -> Result<Self, StoreError> {
        Ok(match target {
            StoreTarget::File(p) => Self::Gpkg(GpkgStore::create_or_open(p).await?),
            StoreTarget::Database(url) => Self::Postgis(PgStore::connect(url).await?),
        })
    }

    /// The file path or the URL without its password.
    pub fn describe(&self) -> String {
        match self {
            Store::Gpkg(s) => s.path().display().to_string(),
            Store::Postgis(s) => s.shown().to_string(),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Store::Gpkg(_) => "geopackage",
            Store::Postgis(_) => "postgis",
        }
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        each!(self, s => s.meta(key).await)
    }

    pub async fn layers(&self) -> Result<Vec<LayerInfo>, StoreError> {
        each!(self, s => s.layers().await)
    }

    pub async fn read_layers(&self, kinds: &[LayerKind]) -> Result<Layers, StoreError> {
        each!(self, s => s.read_layers(kinds).await)
    }

    pub async fn replace_layers(
        &self,
        layers: &Layers,
        record: &ImportRecord,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<BTreeMap<LayerKind, u64>, StoreError> {
        each!(self, s => s.replace_layers(layers, record, progress).await)
    }

    pub async fn save_plan(&self, plan: &NewPlan) -> Result<i64, StoreError> {
        each!(self, s => s.save_plan(plan).await)
    }

    pub async fn plans(&self) -> Result<Vec<PlanInfo>, StoreError> {
        each!(self, s => s.plans().await)
    }

    pub async fn resolve_plan(&self, selector: &str) -> Result<i64, StoreError> {
        each!(self, s => s.resolve_plan(selector).await)
    }

    pub async fn activate_plan(&self, id: i64) -> Result<(), StoreError> {
        each!(self, s => s.activate_plan(id).await)
    }

    pub async fn plan_grids(&self, plan: i64, level: &str) -> Result<Vec<StoredGrid>, StoreError> {
        each!(self, s => s.plan_grids(plan, level).await)
    }

    pub async fn plan_blocks(&self, plan: i64) -> Result<Vec<StoredBlock>, StoreError> {
        each!(self, s => s.plan_blocks(plan).await)
    }

    pub async fn close(self) {
        each!(self, s => s.close().await)
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

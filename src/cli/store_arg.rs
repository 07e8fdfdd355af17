use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tileserver::store::{Store, StoreTarget};

/// Which store a command works on: a GeoPackage file or a PostGIS database.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct StoreArg {
    /// The GeoPackage store file.
    #[arg(long, value_name = "FILE.gpkg")]
    store: Option<PathBuf>,
    /// A PostGIS database instead (postgres://user@host:port/db).
    #[arg(long, value_name = "URL")]
    db: Option<String>,
}

impl StoreArg {
    pub fn from_parts(store: Option<PathBuf>, db: Option<String>) -> Self {
        Self { store, db }
    }

    pub fn target(&self) -> StoreTarget {
        match (&self.store, &self.db) {
            (_, Some(url)) => StoreTarget::Database(url.clone()),
            (Some(p), None) => StoreTarget::File(p.clone()),
            // clap's group requires one of the two.
            (None, None) => StoreTarget::File(PathBuf::from("wangge.gpkg")),
        }
    }

    /// Whether there is already something to keep (a file that exists, or
    /// any database).
    pub fn exists(&self) -> bool {
        match self.target() {
            StoreTarget::File(p) => p.exists(),
            StoreTarget::Database(_) => true,
        }
    }

    /// For messages: the file, or the URL without its password.
    pub fn shown(&self) -> String {
        match self.target() {
            StoreTarget::File(p) => p.display().to_string(),
            StoreTarget::Database(url) => tileserver::store::redact(&url),
        }
    }

    pub async fn open(&self) -> anyhow::Result<Store> {
        Store::open(&self.target())
            .await
            .with_context(|| format!("opening {}", self.shown()))
    }

    pub async fn create_or_open(&self) -> anyhow::Result<Store> {
        Store::create_or_open(&self.target())
            .await
            .with_context(|| format!("opening {}", self.shown()))
    }
}

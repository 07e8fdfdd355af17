//! The embedded store: one OGC GeoPackage 1.3 file that QGIS and GDAL open
//! as it is, written and read through sqlx's SQLite driver.

mod c_api;
pub(crate) mod case_reader;
mod dialect;
pub(crate) mod fix_reader;
mod functions;
pub(crate) mod geometry;
mod gis;
mod plans;
mod read;
mod write;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::changes::ChangeMark;
use super::error::{SqlContext, finish};
use super::ids::PlanId;
use super::{StoreError, Waits};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/gpkg");

/// An open GeoPackage store.
#[derive(Debug, Clone)]
pub struct GpkgStore {
    pool: SqlitePool,
    path: PathBuf,
    /// Check the disk's free space before a large write.
    space_check: bool,
}

impl GpkgStore {
    /// Opens the file, creating it when missing, and brings its schema up
    /// to date.
    pub async fn create_or_open(path: &Path) -> Result<Self, StoreError> {
        Self::connect(path, true, &Waits::default()).await
    }

    /// Opens an existing store; a missing file is an error, not a new store.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        Self::connect(path, false, &Waits::default()).await
    }

    /// Opens an existing store, waiting at most `waits.lock` for another
    /// program's lock on it (a server answers 503 rather than hang).
    pub async fn open_with(path: &Path, waits: &Waits) -> Result<Self, StoreError> {
        if !path.exists() {
            return Err(StoreError::Missing {
                path: path.to_path_buf(),
            });
        }
        Self::connect(path, false, waits).await
    }

    async fn connect(path: &Path, create: bool, waits: &Waits) -> Result<Self, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        let url = format!("sqlite://{}", path.display());
        let options = SqliteConnectOptions::from_str(&url)
            .map_err(|e| open_err(e.to_string()))?
            .create_if_missing(create)
            // A rollback journal keeps the store one file (WAL would add two
            // more) and makes an interrupted write roll back on next open.
            .journal_mode(SqliteJournalMode::Delete)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(waits.lock);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .after_connect(|conn, _meta| {
                Box::pin(async move {
                    let mut handle = conn.lock_handle().await?;
                    let db = handle.as_raw_handle().as_ptr();
                    // SAFETY: the locked handle is valid and exclusively ours
                    // while `handle` lives.
                    unsafe { functions::register(db) }
                        .map_err(|e| sqlx::Error::Configuration(e.into()))?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        let store = Self {
            pool,
            path: path.to_path_buf(),
            space_check: true,
        };
        store.check_is_geopackage().await?;
        MIGRATOR.run(&store.pool).await?;
        store.refresh_gis().await;
        Ok(store)
    }

    /// Brings the styles and field descriptions up to date after an
    /// upgrade. Not fatal: a store on a read-only disk still opens for
    /// reading, with whatever metadata it holds.
    async fn refresh_gis(&self) {
        let result = async {
            let mut tx = self
                .pool
                .begin()
                .await
                .ctx(|| "refreshing GIS metadata".into())?;
            let result = gis::refresh(&mut tx).await;
            finish(tx, result, "the GIS metadata").await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "the GeoPackage's styles and field descriptions were not updated");
        }
    }

    /// Refuses a SQLite file that is something else than a GeoPackage
    /// (or an empty file about to become one).
    async fn check_is_geopackage(&self) -> Result<(), StoreError> {
        let not = |message: String| StoreError::NotGeoPackage {
            path: self.path.clone(),
            message,
        };
        let app_id: i64 = sqlx::query_scalar("PRAGMA application_id")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| not(e.to_string()))?;
        let tables: i64 =
            sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'")
                .fetch_one(&self.pool)
                .await
                .map_err(|e| not(e.to_string()))?;
        if tables > 0 && app_id != 0x4750_4B47 && app_id != 0x4750_3130 {
            return Err(not(format!(
                "SQLite application_id is {app_id:#x}, not 'GPKG'"
            )));
        }
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Turns the free-space check before large writes off (to exercise a
    /// write that really fills the disk).
    pub fn set_space_check(&mut self, on: bool) {
        self.space_check = on;
    }

    /// After a failed write: when SQLite could not finish rolling back (a
    /// full disk puts its pager in an error state), the rollback journal
    /// is left "hot" beside the file, and the file copied alone is
    /// corrupt. The next reader rolls a hot journal back; this reads at
    /// once — through a fresh connection if the pool's still sees one —
    /// so the file is whole again before the command exits.
    pub(crate) async fn recover(&self) {
        let journal = PathBuf::from(format!("{}-journal", self.path.display()));
        if !journal.exists() {
            return;
        }
        let _ = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
            .fetch_one(&self.pool)
            .await;
        if journal.exists() {
            let options = SqliteConnectOptions::new()
                .filename(&self.path)
                .journal_mode(SqliteJournalMode::Delete);
            if let Ok(mut c) = sqlx::ConnectOptions::connect(&options).await {
                let _ = sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_master")
                    .fetch_one(&mut c)
                    .await;
                let _ = sqlx::Connection::close(c).await;
            }
        }
        if journal.exists() {
            tracing::warn!(
                "{}: the rollback journal is still there; the next opener rolls it back",
                self.path.display()
            );
        }
    }

    /// Refuses a write of about `bytes` (data, index and rollback journal)
    /// when the store's file system has less free: the write would fail
    /// part-way, after filling the disk. Unknown free space passes.
    pub(crate) fn check_space(&self, bytes: u64, what: &str) -> Result<(), StoreError> {
        if !self.space_check {
            return Ok(());
        }
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let Ok(st) = rustix::fs::statvfs(&dir) else {
            return Ok(());
        };
        let free = st.f_bavail.saturating_mul(st.f_frsize);
        if free < bytes {
            return Err(StoreError::NoSpace {
                path: self.path.clone(),
                what: what.to_string(),
                needed_mb: bytes.div_ceil(1 << 20),
                free_mb: free >> 20,
            });
        }
        Ok(())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// A setting kept in the store (`county`, `household_size`…).
    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM wangge_meta WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .ctx(|| format!("reading setting {key}"))
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests;

impl GpkgStore {
    /// What another process may have changed, read in one pass: each
    /// county's last import, every plan with its active flag, and the
    /// accounts' version. Two marks differ where something was written.
    pub async fn change_mark(&self) -> Result<ChangeMark, StoreError> {
        let counties: Vec<(String, String)> =
            sqlx::query_as("SELECT code, imported_at FROM counties ORDER BY code")
                .fetch_all(&self.pool)
                .await
                .ctx(|| "checking for new imports".into())?;
        let plans: Vec<(i64, String, bool)> =
            sqlx::query_as("SELECT id, county, active FROM plans ORDER BY id")
                .fetch_all(&self.pool)
                .await
                .ctx(|| "checking for plan changes".into())?;
        let accounts: Option<String> =
            sqlx::query_scalar("SELECT value FROM wangge_meta WHERE key = 'auth_version'")
                .fetch_optional(&self.pool)
                .await
                .ctx(|| "checking for account changes".into())?;
        Ok(ChangeMark {
            imports: counties
                .into_iter()
                .filter_map(|(c, at)| Some((c.parse().ok()?, at)))
                .collect(),
            plans: plans
                .into_iter()
                .filter_map(|(id, c, a)| Some((PlanId(id), (c.parse().ok()?, a))))
                .collect(),
            accounts: accounts.unwrap_or_default(),
        })
    }
}

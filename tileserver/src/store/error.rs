use std::path::PathBuf;

use super::PlanId;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {message}")]
    Open { path: PathBuf, message: String },
    #[error("{path}: not a GeoPackage wangge can use: {message}")]
    NotGeoPackage { path: PathBuf, message: String },
    #[error("{path}: no such store (create one with `wangge import --store`)")]
    Missing { path: PathBuf },
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{context}: {source}")]
    Sql {
        context: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{table} feature {fid}: {message}")]
    Geometry {
        table: String,
        fid: i64,
        message: String,
    },
    #[error("no plan {selector:?} in the store (plans: {known}); run `wangge partition` first")]
    NoPlan { selector: String, known: String },
    #[error("plan {0} is its county's active plan; activate another plan before deleting it")]
    PlanInUse(PlanId),
    #[error(
        "no county {county} in the store (counties: {known}); import it with `wangge import --county {county}`"
    )]
    NoCounty { county: String, known: String },
    #[error("the store holds counties {known}; name one with --county")]
    WhichCounty { known: String },
    #[error(
        "{path}: {what} needs about {needed_mb} MB of disk and {free_mb} MB are free; nothing was written (free some space, or move the store)"
    )]
    NoSpace {
        path: PathBuf,
        what: String,
        needed_mb: u64,
        free_mb: u64,
    },
    #[error("no {what} {key:?}")]
    NotFound { what: &'static str, key: String },
    #[error("{what} {key:?} already exists")]
    Exists { what: &'static str, key: String },
    /// A write that contradicts what is stored (a worker of another county).
    #[error("{0}")]
    Conflict(String),
    /// The store cannot take the write now (the server is stopping).
    #[error("{0}")]
    Unavailable(String),
    /// A stored row wangge cannot read back.
    #[error("the store holds a bad row: {what}")]
    Corrupt { what: String },
    #[error("{table} feature {fid}: bad attribute: {message}")]
    Attribute {
        table: String,
        fid: i64,
        message: String,
    },
}

pub(crate) trait SqlContext<T> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, StoreError>;
}

impl<T> SqlContext<T> for Result<T, sqlx::Error> {
    fn ctx(self, context: impl FnOnce() -> String) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sql {
            context: context(),
            source,
        })
    }
}

impl StoreError {
    /// Whether the store could not answer for now — another program holds
    /// its lock, a statement ran past its time limit, or no connection was
    /// free — rather than because something is wrong.
    pub fn is_busy(&self) -> bool {
        if let Self::Unavailable(_) = self {
            return true;
        }
        let Self::Sql { source, .. } = self else {
            return false;
        };
        match source {
            // The database went away (a restart): try again shortly.
            sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) => true,
            sqlx::Error::Database(d) => {
                let code = d.code();
                let code = code.as_deref().unwrap_or("");
                // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), with
                // their extended codes; PostgreSQL: query canceled by
                // statement_timeout (57014), lock_not_available (55P03).
                // Also PostgreSQL shutting down or starting (57P01–57P03)
                // and connection exceptions (class 08).
                matches!(
                    code,
                    "5" | "6" | "57014" | "55P03" | "57P01" | "57P02" | "57P03"
                ) || code.starts_with("08")
                    || code
                        .parse::<i32>()
                        .is_ok_and(|c| c & 0xff == 5 || c & 0xff == 6)
                    || d.message().contains("database is locked")
            }
            _ => false,
        }
    }
}

/// Ends a write: commits when `result` is `Ok`, else rolls back — and waits
/// for the rollback, so that a failed write (a full disk, a killed
/// client) leaves no half-done transaction behind for the next opener and
/// the file is whole when the command exits.
pub(crate) async fn finish<DB: sqlx::Database, T>(
    tx: sqlx::Transaction<'static, DB>,
    result: Result<T, StoreError>,
    what: &str,
) -> Result<T, StoreError> {
    match result {
        Ok(v) => {
            tx.commit().await.map_err(|source| StoreError::Sql {
                context: format!("committing {what}"),
                source,
            })?;
            Ok(v)
        }
        Err(e) => {
            // SQLite may have rolled back already (a full disk ends the
            // transaction), and then says there is none to roll back.
            if let Err(r) = tx.rollback().await {
                tracing::debug!(error = %r, "rolling back {what}");
            }
            Err(e)
        }
    }
}

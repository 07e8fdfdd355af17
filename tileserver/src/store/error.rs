use std::path::PathBuf;

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

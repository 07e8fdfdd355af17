//! The shared store: a PostGIS database reached through sqlx, for
//! counties that keep their data on a server and for several stateless
//! wangge instances behind one load balancer.

mod dialect;
mod plans;
mod read;
mod write;

use std::time::Duration;

use geo_types::Geometry;
use geozero::{CoordDimensions, ToGeo, ToWkb};
use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgListener, PgPool, PgPoolOptions};

use super::error::SqlContext;
use super::{StoreError, Waits};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgis");

/// The channel another instance's changes arrive on; the payload names
/// what changed (`plans` or `layers`).
pub const CHANGES_CHANNEL: &str = "wangge_changes";

/// An open PostGIS store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The URL without its password, for messages.
    shown: String,
    /// Months (start, Unix ms) whose positions partition is known to exist.
    pub(crate) months: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<i64>>>,
}

impl PgStore {
    /// Connects and brings the schema up to date (PostGIS must be
    /// installed on the server; the extension is created if allowed).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with(url, &Waits::default()).await
    }

    /// Connects with statements that wait at most `waits.lock` for a lock
    /// and run at most `waits.statement` (a server answers 503 rather
    /// than hang on a busy database).
    pub async fn connect_with(url: &str, waits: &Waits) -> Result<Self, StoreError> {
        let shown = redact(url);
        let failed = |message: String| StoreError::Open {
            path: "database".into(),
            message,
        };
        let options = PgConnectOptions::from_str(url).map_err(|e| failed(e.to_string()))?;
        // One plain connection first: a pool would only say it timed out,
        // hiding "connection refused" or "password authentication failed".
        PgConnection::connect_with(&options)
            .await
            .map_err(|e| failed(e.to_string()))?
            .close()
            .await
            .map_err(|e| failed(e.to_string()))?;
        let lock_ms = waits.lock.as_millis();
        let statement_ms = waits.statement.map_or(0, |d| d.as_millis());
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(waits.lock.max(Duration::from_secs(1)))
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    // Plain integers: no text from outside reaches this SQL.
                    sqlx::Executor::execute(
                        &mut *conn,
                        sqlx::AssertSqlSafe(format!(
                            "SET lock_timeout = {lock_ms}; SET statement_timeout = {statement_ms}"
                        )),
                    )
                    .await?;
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| failed(e.to_string()))?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            shown,
            months: Default::default(),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The database URL with any password hidden.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub async fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT value FROM wangge_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .ctx(|| format!("reading setting {key}"))
    }

    /// A listener for changes committed by any instance on this database.
    pub async fn listen(&self) -> Result<PgListener, StoreError> {
        let mut l = PgListener::connect_with(&self.pool)
            .await
            .ctx(|| "connecting the change listener".into())?;
        l.listen(CHANGES_CHANNEL)
            .await
            .ctx(|| format!("listening on {CHANGES_CHANNEL}"))?;
        Ok(l)
    }

    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.find(':') {
                Some(c) => format!("{}{}:***{}", &url[..s + 3], &creds[..c], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Plain WKB, which `ST_GeomFromWKB` reads.
pub(crate) fn encode(g: &Geometry<f64>) -> Result<Vec<u8>, String> {
    g.to_wkb(CoordDimensions::xy()).map_err(|e| e.to_string())
}

/// What `ST_AsBinary` returns.
pub(crate) fn decode(wkb: &[u8]) -> Result<Geometry<f64>, String> {
    geozero::wkb::Wkb(wkb).to_geo().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            redact("postgres://wg:s3cret@127.0.0.1:5433/county"),
            "postgres://wg:***@127.0.0.1:5433/county"
        );
        assert_eq!(
            redact("postgresql://postgres@127.0.0.1/bench"),
            "postgresql://postgres@127.0.0.1/bench"
        );
    }

    #[test]
    fn wkb_round_trips() {
        let g: Geometry<f64> =
            geo_types::LineString::from(vec![(116.3, 40.0), (116.31, 40.01)]).into();
        assert_eq!(decode(&encode(&g).unwrap()).unwrap(), g);
    }
}

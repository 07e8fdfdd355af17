//! The roster of grid workers, on either store (the same SQL text runs on
//! both). A worker belongs to one county; ids are unique in the store, as
//! a phone reports only its id.

use ops::roster::{Worker, WorkerId, WorkerRole};
use serde::Serialize;

use super::accounts::now;
use super::backend::on_pool;
use super::changes::{Change, Origin, payload};
use super::error::{SqlContext, finish};
use super::{CountyCode, Store, StoreError};

/// A worker as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredWorker {
    #[serde(flatten)]
    pub worker: Worker,
    pub county: String,
    /// Unix seconds of the last change.
    pub updated_at: i64,
}

type Row = (String, String, String, String, String, Option<String>, i64);

const COLUMNS: &str = "id, county, name, role, grids, phone, updated_at";

fn worker_of(r: Row) -> Result<StoredWorker, StoreError> {
    let bad = |what: String| StoreError::Corrupt {
        what: format!("worker {}: {what}", r.0),
    };
    let id = WorkerId::parse(&r.0).map_err(|e| bad(e.to_string()))?;
    let role = WorkerRole::ALL
        .into_iter()
        .find(|x| x.as_str() == r.3)
        .ok_or_else(|| bad(format!("unknown role {:?}", r.3)))?;
    Ok(StoredWorker {
        worker: Worker {
            id,
            name: r.2,
            role,
            grids: r
                .4
                .split(';')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            phone: r.5,
        },
        county: r.1,
        updated_at: r.6,
    })
}

/// What writing a roster did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RosterWrite {
    pub added: usize,
    pub updated: usize,
}

impl Store {
    /// Adds or replaces workers of a county, all or none. A worker id that
    /// belongs to another county is refused: ids are the store's.
    pub async fn upsert_workers(
        &self,
        county: CountyCode,
        workers: &[Worker],
    ) -> Result<RosterWrite, StoreError> {
        let county_s = county.to_string();
        let t = now();
        let out = on_pool!(self, pool => {
            let mut tx = pool.begin().await.ctx(|| "starting to write the roster".into())?;
            let result = async {
                let mut w = RosterWrite::default();
                for x in workers {
                    let other: Option<String> = sqlx::query_scalar("SELECT county FROM workers WHERE id = $1")
                        .bind(x.id.as_str())
                        .fetch_optional(&mut *tx)
                        .await
                        .ctx(|| format!("looking up worker {}", x.id))?;
                    match other {
                        Some(c) if c != county_s => {
                            return Err(StoreError::Conflict(format!(
                                "worker {} belongs to county {c}, not {county_s}",
                                x.id
                            )));
                        }
                        Some(_) => w.updated += 1,
                        None => w.added += 1,
                    }
                    sqlx::query(
                        "INSERT INTO workers (id, county, name, role, grids, phone, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, \
                         grids = excluded.grids, phone = excluded.phone, updated_at = excluded.updated_at",
                    )
                    .bind(x.id.as_str())
                    .bind(&county_s)
                    .bind(&x.name)
                    .bind(x.role.as_str())
                    .bind(x.grids.join(";"))
                    .bind(&x.phone)
                    .bind(t)
                    .execute(&mut *tx)
                    .await
                    .ctx(|| format!("storing worker {}", x.id))?;
                }
                if self.kind() == "postgis" {
                    sqlx::query("SELECT pg_notify($1, $2)")
                        .bind(crate::store::postgis::CHANGES_CHANNEL)
                        .bind(payload(self.feed(), &Change::Workers { county }))
                        .execute(&mut *tx)
                        .await
                        .ctx(|| "announcing the change".into())?;
                }
                Ok(w)
            }
            .await;
            finish(tx, result, "write the roster").await?
        });
        self.feed()
            .publish(Change::Workers { county }, Origin::Here);
        Ok(out)
    }

    /// A county's workers (every county's with `None`), by id.
    pub async fn workers(
        &self,
        county: Option<CountyCode>,
    ) -> Result<Vec<StoredWorker>, StoreError> {
        let sql =
            format!("SELECT {COLUMNS} FROM workers WHERE ($1 IS NULL OR county = $1) ORDER BY id");
        let rows: Vec<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(county.map(|c| c.to_string()))
                .fetch_all(pool)
                .await
        })
        .ctx(|| "listing workers".into())?;
        rows.into_iter().map(worker_of).collect()
    }

    pub async fn worker(&self, id: &WorkerId) -> Result<Option<StoredWorker>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM workers WHERE id = $1");
        let row: Option<Row> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id.as_str())
                .fetch_optional(pool)
                .await
        })
        .ctx(|| format!("reading worker {id}"))?;
        row.map(worker_of).transpose()
    }
}

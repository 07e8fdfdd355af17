//! Workers' GPS fixes on either store: a batch is one transaction, keyed
//! by (worker, time) so a resend stores nothing twice, with each worker's
//! latest fix kept apart. On PostGIS each month of fixes has its own
//! partition, made before the first fix of that month is written.

use ops::positions::{Fix, UnixMs};
use ops::roster::WorkerId;

use super::backend::{Backend, on_pool};
use super::error::{SqlContext, finish};
use super::gpkg::fix_reader::{FixesOf, read_fixes};
use super::{CountyCode, Store, StoreError};

/// Rows a statement inserts at most: 10 values a row stays under both
/// SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK: usize = 1000;

const FIX_COLUMNS: &str = "worker_id, t, lon, lat, accuracy, speed, heading, battery";

type FixRow = (
    String,
    i64,
    f64,
    f64,
    Option<f32>,
    Option<f32>,
    Option<f32>,
    Option<f32>,
);

fn fix_of(r: FixRow) -> Result<Fix, StoreError> {
    Ok(Fix {
        worker: WorkerId::parse(&r.0).map_err(|e| StoreError::Corrupt {
            what: format!("position of {}: {e}", r.0),
        })?,
        time: UnixMs(r.1),
        lon: r.2,
        lat: r.3,
        accuracy: r.4,
        speed: r.5,
        heading: r.6,
        battery: r.7,
    })
}

fn all_len(batches: &[(CountyCode, &[Fix])]) -> u64 {
    batches.iter().map(|(_, f)| f.len() as u64).sum()
}

/// The UTC month holding `t`: its start and the next month's, Unix ms.
fn month_of(t: i64) -> (i64, i64) {
    let ts = jiff::Timestamp::from_millisecond(t).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    let d = ts.to_zoned(jiff::tz::TimeZone::UTC).date();
    let first = jiff::civil::date(d.year(), d.month(), 1);
    let next = first
        .checked_add(jiff::Span::new().months(1))
        .unwrap_or(first);
    let ms = |c: jiff::civil::Date| {
        c.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(0)
    };
    (ms(first), ms(next))
}

/// `(…),(…)` for a multi-row INSERT: `?` on SQLite, whose driver finds a
/// `$n` by scanning every parameter's name (80 % of a bulk insert's time,
/// perf), `$n` on PostgreSQL.
fn placeholders(rows: usize, cols: usize, positional: bool) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push(',');
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push(',');
            }
            if positional {
                s.push('?');
            } else {
                s.push_str(&format!("${}", r * cols + c + 1));
            }
        }
        s.push(')');
    }
    s
}

impl Store {
    /// Makes the month partitions a batch needs (PostGIS; nothing on a
    /// GeoPackage). Concurrent servers serialise on an advisory lock.
    async fn ensure_months(&self, fixes: &[Fix]) -> Result<(), StoreError> {
        let Backend::Postgis(pg) = self.backend() else {
            return Ok(());
        };
        let mut wanted: Vec<(i64, i64)> = fixes.iter().map(|f| month_of(f.time.0)).collect();
        wanted.sort_unstable();
        wanted.dedup();
        wanted.retain(|m| {
            !pg.months
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .contains(&m.0)
        });
        for (start, end) in wanted {
            let name = jiff::Timestamp::from_millisecond(start)
                .map(|t| t.strftime("positions_%Y_%m").to_string())
                .unwrap_or_else(|_| format!("positions_{start}"));
            let mut tx = pg
                .pool()
                .begin()
                .await
                .ctx(|| "starting a partition".into())?;
            let result = async {
                sqlx::query("SELECT pg_advisory_xact_lock(7361001)")
                    .execute(&mut *tx)
                    .await
                    .ctx(|| "locking the partition list".into())?;
                let exists: bool = sqlx::query_scalar("SELECT to_regclass($1) IS NOT NULL")
                    .bind(&name)
                    .fetch_one(&mut *tx)
                    .await
                    .ctx(|| format!("looking for {name}"))?;
                if !exists {
                    // Rows of this month that reached the default partition
                    // move into the new one, or PostgreSQL refuses it.
                    let ddl = format!(
                        "CREATE TABLE {name} (LIKE positions INCLUDING DEFAULTS INCLUDING CONSTRAINTS);\
                         INSERT INTO {name} SELECT * FROM positions_default WHERE t >= {start} AND t < {end};\
                         DELETE FROM positions_default WHERE t >= {start} AND t < {end};\
                         ALTER TABLE positions ATTACH PARTITION {name} FOR VALUES FROM ({start}) TO ({end})"
                    );
                    sqlx::raw_sql(sqlx::AssertSqlSafe(ddl))
                        .execute(&mut *tx)
                        .await
                        .ctx(|| format!("making the partition {name}"))?;
                }
                Ok(())
            }
            .await;
            finish(tx, result, "make a month's partition").await?;
            pg.months
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(start);
        }
        Ok(())
    }

    /// Stores screened fixes of one county in one transaction; returns how
    /// many were new (the rest were already stored: resends).
    pub async fn store_fixes(&self, county: CountyCode, fixes: &[Fix]) -> Result<u64, StoreError> {
        Ok(self
            .store_fix_batches(&[(county, fixes)])
            .await?
            .first()
            .copied()
            .unwrap_or(0))
    }

    /// Stores several batches (each of one county) in one transaction —
    /// one commit for all, which is what a write costs — and returns how
    /// many fixes of each were new.
    pub async fn store_fix_batches(
        &self,
        batches: &[(CountyCode, &[Fix])],
    ) -> Result<Vec<u64>, StoreError> {
        let all: Vec<Fix> = batches
            .iter()
            .flat_map(|(_, f)| f.iter().cloned())
            .collect();
        if all.is_empty() {
            return Ok(vec![0; batches.len()]);
        }
        self.ensure_months(&all).await?;
        let received = super::accounts::now() * 1000;
        // Each worker's latest fix of the batches, with its county.
        let mut latest: std::collections::BTreeMap<&WorkerId, (CountyCode, &Fix)> =
            Default::default();
        for (county, fixes) in batches {
            for f in fixes.iter() {
                let e = latest.entry(&f.worker).or_insert((*county, f));
                if f.time > e.1.time {
                    *e = (*county, f);
                }
            }
        }
        let positional = matches!(self.backend(), Backend::Gpkg(_));
        let counties: Vec<String> = batches.iter().map(|(c, _)| c.to_string()).collect();
        let rows_of = |i: usize| -> Vec<(&str, &Fix)> {
            batches[i]
                .1
                .iter()
                .map(|f| (counties[i].as_str(), f))
                .collect()
        };
        let per_batch: Vec<Vec<(&str, &Fix)>> = (0..batches.len()).map(rows_of).collect();
        let together: Vec<Vec<(&str, &Fix)>> = vec![per_batch.iter().flatten().copied().collect()];
        let latest: Vec<(String, &Fix)> = latest
            .into_values()
            .map(|(c, f)| (c.to_string(), f))
            .collect();
        let counts = on_pool!(self, pool => {
            let mut tx = pool.begin().await.ctx(|| "starting to store positions".into())?;
            let result = async {
                // Each unit's fixes in statements of CHUNK rows; how many
                // of each unit were new.
                macro_rules! insert {
                    ($units:expr) => {{
                        let units: &[Vec<(&str, &Fix)>] = $units;
                        let mut counts = Vec::with_capacity(units.len());
                        for unit in units {
                            let mut stored = 0u64;
                            for chunk in unit.chunks(CHUNK) {
                                let sql = format!(
                                    "INSERT INTO positions ({FIX_COLUMNS}, county, received_at) VALUES {} \
                                     ON CONFLICT (worker_id, t) DO NOTHING",
                                    placeholders(chunk.len(), 10, positional)
                                );
                                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                                for (county, f) in chunk {
                                    q = q
                                        .bind(f.worker.as_str())
                                        .bind(f.time.0)
                                        .bind(f.lon)
                                        .bind(f.lat)
                                        .bind(f.accuracy)
                                        .bind(f.speed)
                                        .bind(f.heading)
                                        .bind(f.battery)
                                        .bind(*county)
                                        .bind(received);
                                }
                                stored += q
                                    .execute(&mut *tx)
                                    .await
                                    .ctx(|| format!("storing {} positions", chunk.len()))?
                                    .rows_affected();
                            }
                            counts.push(stored);
                        }
                        counts
                    }};
                }
                // Every batch's fixes in full statements: a statement is a
                // round trip to the store's thread, and a group holds
                // hundreds of phones' batches of a few fixes. Only when
                // some were already stored (resends) is it done again
                // batch by batch, for each batch's count.
                sqlx::query("SAVEPOINT fixes")
                    .execute(&mut *tx)
                    .await
                    .ctx(|| "marking a savepoint".into())?;
                let all = insert!(&together);
                let counts = if all.first().copied() == Some(all_len(batches)) {
                    batches.iter().map(|(_, f)| f.len() as u64).collect()
                } else {
                    sqlx::query("ROLLBACK TO SAVEPOINT fixes")
                        .execute(&mut *tx)
                        .await
                        .ctx(|| "rolling back to the savepoint".into())?;
                    insert!(&per_batch)
                };
                sqlx::query("RELEASE SAVEPOINT fixes")
                    .execute(&mut *tx)
                    .await
                    .ctx(|| "releasing the savepoint".into())?;
                // Each worker's latest fix, many workers a statement (no
                // worker twice in one, which PostgreSQL would refuse).
                for chunk in latest.chunks(CHUNK) {
                    let sql = format!(
                        "INSERT INTO worker_latest (worker_id, county, t, lon, lat, accuracy, speed, heading, battery) \
                         VALUES {} \
                         ON CONFLICT (worker_id) DO UPDATE SET county = excluded.county, t = excluded.t, \
                         lon = excluded.lon, lat = excluded.lat, accuracy = excluded.accuracy, speed = excluded.speed, \
                         heading = excluded.heading, battery = excluded.battery \
                         WHERE excluded.t > worker_latest.t",
                        placeholders(chunk.len(), 9, positional)
                    );
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    for (county, f) in chunk {
                        q = q
                            .bind(f.worker.as_str())
                            .bind(county.as_str())
                            .bind(f.time.0)
                            .bind(f.lon)
                            .bind(f.lat)
                            .bind(f.accuracy)
                            .bind(f.speed)
                            .bind(f.heading)
                            .bind(f.battery);
                    }
                    q.execute(&mut *tx)
                        .await
                        .ctx(|| format!("updating the latest positions of {} workers", chunk.len()))?;
                }
                Ok(counts)
            }
            .await;
            finish(tx, result, "store positions").await?
        });
        // Not on the change feed: thousands of batches a second would
        // crowd out the changes its subscribers must not miss; the live
        // stream hears of fixes from the ingest itself.
        Ok(counts)
    }

    /// One worker's fixes in `[from, to)`, by time.
    pub async fn fixes(
        &self,
        worker: &WorkerId,
        from: UnixMs,
        to: UnixMs,
    ) -> Result<Vec<Fix>, StoreError> {
        if let Backend::Gpkg(g) = self.backend() {
            return read_fixes(g.pool(), FixesOf::Worker, worker.as_str(), from, to).await;
        }
        let rows = self
            .fixes_where("worker_id", worker.as_str(), from, to)
            .await
            .ctx(|| format!("reading the positions of {worker}"))?;
        rows.into_iter().map(fix_of).collect()
    }

    /// A county's fixes in `[from, to)`, by worker and time.
    pub async fn county_fixes(
        &self,
        county: CountyCode,
        from: UnixMs,
        to: UnixMs,
    ) -> Result<Vec<Fix>, StoreError> {
        if let Backend::Gpkg(g) = self.backend() {
            return read_fixes(g.pool(), FixesOf::County, &county.to_string(), from, to).await;
        }
        let rows = self
            .fixes_where("county", &county.to_string(), from, to)
            .await
            .ctx(|| format!("reading the positions of county {county}"))?;
        rows.into_iter().map(fix_of).collect()
    }

    /// Fixes whose `column` (a name written here, never input) is `key`.
    async fn fixes_where(
        &self,
        column: &'static str,
        key: &str,
        from: UnixMs,
        to: UnixMs,
    ) -> Result<Vec<FixRow>, sqlx::Error> {
        let sql = format!(
            "SELECT {FIX_COLUMNS} FROM positions WHERE {column} = $1 AND t >= $2 AND t < $3 ORDER BY worker_id, t"
        );
        on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .bind(from.0)
                .bind(to.0)
                .fetch_all(pool)
                .await
        })
    }

    /// Each worker's latest fix (a county's, or every county's).
    pub async fn latest_fixes(&self, county: Option<CountyCode>) -> Result<Vec<Fix>, StoreError> {
        let sql = format!(
            "SELECT {FIX_COLUMNS} FROM worker_latest WHERE ($1 IS NULL OR county = $1) ORDER BY worker_id"
        );
        let rows: Vec<FixRow> = on_pool!(self, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(county.map(|c| c.to_string()))
                .fetch_all(pool)
                .await
        })
        .ctx(|| "reading the latest positions".into())?;
        rows.into_iter().map(fix_of).collect()
    }

    /// Deletes fixes older than `before` (retention); returns how many.
    pub async fn delete_fixes_before(&self, before: UnixMs) -> Result<u64, StoreError> {
        let n = on_pool!(self, pool => {
            sqlx::query("DELETE FROM positions WHERE t < $1")
                .bind(before.0)
                .execute(pool)
                .await
                .map(|r| r.rows_affected())
        })
        .ctx(|| "deleting old positions".into())?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(worker: &str, t0: i64, n: i64) -> Vec<Fix> {
        (0..n)
            .map(|i| Fix {
                worker: WorkerId::parse(worker).unwrap(),
                time: UnixMs((t0 + i) * 1000),
                lon: 116.3 + i as f64 * 1e-5,
                lat: 40.0,
                accuracy: None,
                speed: None,
                heading: None,
                battery: Some(50.0),
            })
            .collect()
    }

    #[tokio::test]
    async fn a_group_with_resent_batches_counts_each_batch_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create_or_open(&crate::store::StoreTarget::File(dir.path().join("s.gpkg")))
                .await
                .unwrap();
        let county: CountyCode = "110108".parse().unwrap();
        let (a, b, c) = (
            walk("a", 1_795_996_800, 5),
            walk("b", 1_795_996_800, 7),
            walk("c", 1_795_996_800, 3),
        );
        // All new: the fast path, one statement for the group.
        let n = store
            .store_fix_batches(&[(county, &a[..]), (county, &b[..])])
            .await
            .unwrap();
        assert_eq!(n, [5, 7]);
        // A resend of `a` beside a new batch `c` and half of `b` again.
        let n = store
            .store_fix_batches(&[(county, &a[..]), (county, &c[..]), (county, &b[3..])])
            .await
            .unwrap();
        assert_eq!(n, [0, 3, 0]);
        let stored = store
            .fixes(&WorkerId::parse("b").unwrap(), UnixMs(0), UnixMs(i64::MAX))
            .await
            .unwrap();
        assert_eq!(stored, b, "stored once, read back as written");
        let latest = store.latest_fixes(Some(county)).await.unwrap();
        assert_eq!(latest.len(), 3);
        assert!(latest.iter().all(|f| f.time
            == UnixMs(
                (1_795_996_800
                    + match f.worker.as_str() {
                        "a" => 4,
                        "b" => 6,
                        _ => 2,
                    })
                    * 1000
            )));
    }

    #[test]
    fn months_run_from_the_first_to_the_first() {
        // 2026-11-30T00:00:00Z
        let (a, b) = month_of(1_795_996_800_000);
        assert_eq!(a, 1_793_491_200_000); // 2026-11-01
        assert_eq!(b, 1_796_083_200_000); // 2026-12-01
        assert_eq!(placeholders(2, 2, false), "($1,$2),($3,$4)");
        assert_eq!(placeholders(1, 3, true), "(?,?,?)");
    }
}

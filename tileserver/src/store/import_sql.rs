//! What an import writes besides the extent bookkeeping each store keeps
//! its own way: a county's rows of a layer replaced, and the import's
//! record (the `wangge_imports` row, settings, the county's row) — the
//! same SQL on both stores (SQLite reads `$n`; times are bound, not
//! computed by either database's own date functions).

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use partition::{LayerKind, Layers};
use sqlx::{ColumnIndex, Database, Encode, Executor, IntoArguments, Transaction, Type};

use super::error::SqlContext;
use super::sql::{Dialect, layer_inserts};
use super::{CountyCode, ImportRecord, StoreError};

/// Now as the stores' text timestamps are written: `2026-11-30T13:22:00.117Z`.
/// (A few lines of calendar arithmetic rather than a date crate for one
/// format.)
pub(crate) fn now_text() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Deletes a county's rows of one layer and inserts the new ones; returns
/// the rows written. Readers see the old rows or the new, never a mix
/// (the caller's transaction).
pub(crate) async fn replace_county_rows<D: Dialect>(
    tx: &mut Transaction<'static, D::DB>,
    county: CountyCode,
    layers: &Layers,
    kind: LayerKind,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<u64, StoreError>
where
    for<'c> &'c mut <D::DB as Database>::Connection: Executor<'c, Database = D::DB>,
    <D::DB as Database>::Arguments: IntoArguments<D::DB>,
    String: Type<D::DB> + for<'q> Encode<'q, D::DB>,
{
    let table = kind.as_str();
    sqlx::query::<D::DB>(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE county = $1"
    )))
    .bind(county.to_string())
    .execute(&mut **tx)
    .await
    .ctx(|| format!("clearing layer {table} of county {county}"))?;
    let mut extent = None;
    let mut n = 0u64;
    for insert in layer_inserts::<D>(county, layers, kind, &mut extent) {
        let mut insert = insert?;
        insert
            .query
            .build()
            .execute(&mut **tx)
            .await
            .ctx(|| format!("writing layer {table}"))?;
        n += insert.rows;
        progress(insert.rows);
    }
    Ok(n)
}

/// Records an import: its row in `wangge_imports`, the settings it keeps,
/// and the county's row (name and household size when known).
pub(crate) async fn record_import<DB>(
    tx: &mut Transaction<'static, DB>,
    county: CountyCode,
    record: &ImportRecord,
    written: &BTreeMap<LayerKind, u64>,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
    Option<String>: Type<DB> + for<'q> Encode<'q, DB>,
    Option<f64>: Type<DB> + for<'q> Encode<'q, DB>,
{
    let layer_json = serde_json::to_string(
        &written
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect::<BTreeMap<_, _>>(),
    )
    .unwrap_or_default();
    let now = now_text();
    sqlx::query::<DB>(
        "INSERT INTO wangge_imports (finished_at, inputs, layers, report, population) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(now.clone())
    .bind(serde_json::to_string(&record.inputs).unwrap_or_default())
    .bind(layer_json)
    .bind(record.report.clone())
    .bind(record.population.clone())
    .execute(&mut **tx)
    .await
    .ctx(|| "recording the import".into())?;
    for (k, v) in &record.meta {
        sqlx::query::<DB>(
            "INSERT INTO wangge_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(k.clone())
        .bind(v.clone())
        .execute(&mut **tx)
        .await
        .ctx(|| format!("saving setting {k}"))?;
    }
    sqlx::query::<DB>(
        "INSERT INTO counties (code, name, household_size, imported_at) VALUES ($1, coalesce($2, ''), $3, $4) \
         ON CONFLICT (code) DO UPDATE SET name = coalesce($2, counties.name), \
         household_size = coalesce(excluded.household_size, counties.household_size), \
         imported_at = excluded.imported_at",
    )
    .bind(county.to_string())
    .bind(record.county_name.clone())
    .bind(record.household_size)
    .bind(now)
    .execute(&mut **tx)
    .await
    .ctx(|| format!("recording county {county}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_an_rfc3339_utc_time() {
        let t = super::now_text();
        assert_eq!(t.len(), 24, "{t}");
        assert!(
            t.starts_with("20") && t.ends_with('Z') && &t[10..11] == "T",
            "{t}"
        );
    }
}

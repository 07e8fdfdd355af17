//! Listing, resolving and activating plans: the same SQL on both stores
//! (SQLite reads `$n` placeholders and TRUE/FALSE as PostgreSQL does, and
//! sqlx decodes its 0/1 `active` column as a bool). The driver bounds are
//! spelled out on each function: Rust does not carry bounds on another
//! type from a trait to its users.

use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type,
};

use super::error::SqlContext;
use super::{PlanInfo, StoreError};

pub(crate) async fn plans<DB>(pool: &Pool<DB>) -> Result<Vec<PlanInfo>, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB>,
    bool: Type<DB> + for<'r> Decode<'r, DB>,
    String: Type<DB> + for<'r> Decode<'r, DB>,
{
    let rows = sqlx::query::<DB>(
        "SELECT p.id, p.name, p.created_at, p.active, p.parent_id, p.params, p.report, \
         (SELECT count(*) FROM grids g WHERE g.plan_id = p.id AND g.level = 'grid'), \
         (SELECT count(*) FROM grids g WHERE g.plan_id = p.id AND g.level = 'cell') \
         FROM plans p ORDER BY p.id",
    )
    .fetch_all(pool)
    .await
    .ctx(|| "listing plans".into())?;
    rows.iter()
        .map(|r| {
            Ok(PlanInfo {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                created_at: r.try_get(2)?,
                active: r.try_get(3)?,
                parent_id: r.try_get(4)?,
                params: r.try_get(5)?,
                report: r.try_get(6)?,
                grids: r.try_get(7)?,
                cells: r.try_get(8)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .ctx(|| "reading the plans".into())
}

/// `active` or a plan id, checked to exist (one indexed lookup: this runs
/// whenever a request names a plan).
pub(crate) async fn resolve_plan<DB>(pool: &Pool<DB>, selector: &str) -> Result<i64, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB> + for<'q> Encode<'q, DB>,
{
    let found: Option<i64> = if selector == "active" {
        sqlx::query_scalar::<DB, i64>("SELECT id FROM plans WHERE active")
            .fetch_optional(pool)
            .await
            .ctx(|| "finding the active plan".into())?
    } else if let Ok(id) = selector.parse::<i64>() {
        sqlx::query_scalar::<DB, i64>("SELECT id FROM plans WHERE id = $1")
            .bind(id)
            .fetch_optional(pool)
            .await
            .ctx(|| format!("finding plan {id}"))?
    } else {
        None
    };
    if let Some(id) = found {
        return Ok(id);
    }
    let known: Vec<i64> = sqlx::query_scalar::<DB, i64>("SELECT id FROM plans ORDER BY id")
        .fetch_all(pool)
        .await
        .ctx(|| "listing plans".into())?;
    Err(StoreError::NoPlan {
        selector: selector.to_string(),
        known: known
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Makes plan `id` the only active one, inside the caller's transaction.
pub(crate) async fn set_active<DB>(
    tx: &mut Transaction<'static, DB>,
    id: i64,
) -> Result<(), StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB> + for<'q> Encode<'q, DB>,
{
    sqlx::query::<DB>("UPDATE plans SET active = FALSE WHERE active")
        .execute(&mut **tx)
        .await
        .ctx(|| "deactivating plans".into())?;
    let hit: Option<i64> =
        sqlx::query_scalar::<DB, i64>("UPDATE plans SET active = TRUE WHERE id = $1 RETURNING id")
            .bind(id)
            .fetch_optional(&mut **tx)
            .await
            .ctx(|| "activating the plan".into())?;
    if hit.is_none() {
        return Err(StoreError::NoPlan {
            selector: id.to_string(),
            known: String::new(),
        });
    }
    Ok(())
}

//! Listing, resolving, activating and reading plans: the same SQL on both stores
//! (SQLite reads `$n` placeholders and TRUE/FALSE as PostgreSQL does, and
//! sqlx decodes its 0/1 `active` column as a bool). The driver bounds are
//! spelled out on each function: Rust does not carry bounds on another
//! type from a trait to its users.

use sqlx::{
    ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Transaction, Type,
};

use super::error::SqlContext;
use super::rows::{
    BLOCK_COLUMNS, GRID_COLUMNS, RowCells, stored_block, stored_grid, to_multipolygon,
};
use super::sql::{Dialect, block_inserts, grid_inserts};
use super::{
    CountyCode, GridLevel, NewPlan, PlanId, PlanInfo, PlanSelector, StoreError, StoredBlock,
    StoredGrid,
};

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
         (SELECT count(*) FROM grids g WHERE g.plan_id = p.id AND g.level = 'cell'), \
         p.county FROM plans p ORDER BY p.id",
    )
    .fetch_all(pool)
    .await
    .ctx(|| "listing plans".into())?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get(0).ctx(|| "reading a plan".into())?;
            let county: String = r.try_get(9).ctx(|| "reading a plan's county".into())?;
            let county =
                county
                    .parse()
                    .map_err(|e: crate::store::BadCountyCode| StoreError::Attribute {
                        table: "plans".into(),
                        fid: id,
                        message: e.to_string(),
                    })?;
            let parent: Option<i64> = r.try_get(4).ctx(|| "reading a plan".into())?;
            Ok(PlanInfo {
                id: PlanId(id),
                county,
                name: r.try_get(1).ctx(|| "reading a plan".into())?,
                created_at: r.try_get(2).ctx(|| "reading a plan".into())?,
                active: r.try_get(3).ctx(|| "reading a plan".into())?,
                parent_id: parent.map(PlanId),
                params: r.try_get(5).ctx(|| "reading a plan".into())?,
                report: r.try_get(6).ctx(|| "reading a plan".into())?,
                grids: r.try_get(7).ctx(|| "reading a plan".into())?,
                cells: r.try_get(8).ctx(|| "reading a plan".into())?,
            })
        })
        .collect()
}

/// The active plan of a county or a plan id, checked to exist (one
/// indexed lookup).
pub(crate) async fn resolve_plan<DB>(
    pool: &Pool<DB>,
    selector: PlanSelector,
) -> Result<PlanId, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'q> Encode<'q, DB>,
{
    let found: Option<i64> = match selector {
        PlanSelector::Active(county) => {
            sqlx::query_scalar::<DB, i64>("SELECT id FROM plans WHERE active AND county = $1")
                .bind(county.to_string())
                .fetch_optional(pool)
                .await
                .ctx(|| format!("finding the active plan of county {county}"))?
        }
        PlanSelector::Id(id) => sqlx::query_scalar::<DB, i64>("SELECT id FROM plans WHERE id = $1")
            .bind(id.0)
            .fetch_optional(pool)
            .await
            .ctx(|| format!("finding plan {id}"))?,
    };
    if let Some(id) = found {
        return Ok(PlanId(id));
    }
    let known: Vec<i64> = sqlx::query_scalar::<DB, i64>("SELECT id FROM plans ORDER BY id")
        .fetch_all(pool)
        .await
        .ctx(|| "listing plans".into())?;
    Err(StoreError::NoPlan {
        selector: match selector {
            PlanSelector::Active(c) => format!("active (county {c})"),
            PlanSelector::Id(id) => id.to_string(),
        },
        known: known
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// Makes plan `id` the only active one of its county, inside the caller's
/// transaction; returns its county.
pub(crate) async fn set_active<DB>(
    tx: &mut Transaction<'static, DB>,
    id: PlanId,
) -> Result<CountyCode, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB> + for<'q> Encode<'q, DB>,
    String: Type<DB> + for<'r> Decode<'r, DB>,
{
    let county: Option<String> =
        sqlx::query_scalar::<DB, String>("SELECT county FROM plans WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await
            .ctx(|| format!("finding plan {id}"))?;
    let Some(county) = county else {
        return Err(StoreError::NoPlan {
            selector: id.to_string(),
            known: String::new(),
        });
    };
    sqlx::query::<DB>(
        "UPDATE plans SET active = FALSE WHERE active AND county = (SELECT county FROM plans WHERE id = $1)",
    )
    .bind(id.0)
    .execute(&mut **tx)
    .await
    .ctx(|| "deactivating plans".into())?;
    sqlx::query::<DB>("UPDATE plans SET active = TRUE WHERE id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .ctx(|| "activating the plan".into())?;
    parse_county(&county, id.0)
}

/// The grids (or cells) of a plan, ordered by code.
pub(crate) async fn plan_grids<D: Dialect>(
    pool: &Pool<D::DB>,
    plan: PlanId,
    level: GridLevel,
) -> Result<Vec<StoredGrid>, StoreError>
where
    for<'c> &'c mut <D::DB as Database>::Connection: Executor<'c, Database = D::DB>,
    <D::DB as Database>::Arguments: IntoArguments<D::DB>,
    usize: ColumnIndex<<D::DB as Database>::Row>,
    i64: Type<D::DB> + for<'r> Decode<'r, D::DB> + for<'q> Encode<'q, D::DB>,
    String: Type<D::DB> + for<'q> Encode<'q, D::DB>,
    for<'r> &'r [u8]: Type<D::DB> + Decode<'r, D::DB>,
    Option<String>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
    Option<f64>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
    Option<i64>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
    Option<bool>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
{
    let sql = format!(
        "SELECT {GRID_COLUMNS}, {}, fid FROM grids WHERE plan_id = $1 AND level = $2 ORDER BY code",
        D::GEOMETRY
    );
    let rows = sqlx::query::<D::DB>(sqlx::AssertSqlSafe(sql))
        .bind(plan.0)
        .bind(level.as_str().to_string())
        .fetch_all(pool)
        .await
        .ctx(|| format!("reading the grids of plan {plan}"))?;
    rows.iter()
        .map(|r| {
            let blob: &[u8] = r.try_get(16).ctx(|| "reading a grid's geometry".into())?;
            let fid: i64 = r.try_get(17).ctx(|| "reading a grid's fid".into())?;
            let geometry = to_multipolygon(D::decode(blob), "grids", fid)?;
            Ok(stored_grid(&RowCells { row: r, offset: 0 }, geometry))
        })
        .collect()
}

/// The blocks of a plan, ordered by id.
pub(crate) async fn plan_blocks<D: Dialect>(
    pool: &Pool<D::DB>,
    plan: PlanId,
) -> Result<Vec<StoredBlock>, StoreError>
where
    for<'c> &'c mut <D::DB as Database>::Connection: Executor<'c, Database = D::DB>,
    <D::DB as Database>::Arguments: IntoArguments<D::DB>,
    usize: ColumnIndex<<D::DB as Database>::Row>,
    i64: Type<D::DB> + for<'r> Decode<'r, D::DB> + for<'q> Encode<'q, D::DB>,
    for<'r> &'r [u8]: Type<D::DB> + Decode<'r, D::DB>,
    Option<String>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
    Option<f64>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
    Option<i64>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
    Option<bool>: Type<D::DB> + for<'r> Decode<'r, D::DB>,
{
    let sql = format!(
        "SELECT {BLOCK_COLUMNS}, {}, fid FROM blocks WHERE plan_id = $1 ORDER BY block_id",
        D::GEOMETRY
    );
    let rows = sqlx::query::<D::DB>(sqlx::AssertSqlSafe(sql))
        .bind(plan.0)
        .fetch_all(pool)
        .await
        .ctx(|| format!("reading the blocks of plan {plan}"))?;
    rows.iter()
        .map(|r| {
            let blob: &[u8] = r.try_get(8).ctx(|| "reading a block's geometry".into())?;
            let fid: i64 = r.try_get(9).ctx(|| "reading a block's fid".into())?;
            let geometry = to_multipolygon(D::decode(blob), "blocks", fid)?;
            Ok(stored_block(&RowCells { row: r, offset: 0 }, geometry))
        })
        .collect()
}

/// Deletes plan `id` (its grids and blocks go with it, by cascade) unless
/// it is the active plan of its county; returns its county.
pub(crate) async fn delete_inactive<DB>(
    tx: &mut Transaction<'static, DB>,
    id: PlanId,
) -> Result<CountyCode, StoreError>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    DB::Arguments: IntoArguments<DB>,
    usize: ColumnIndex<DB::Row>,
    i64: Type<DB> + for<'r> Decode<'r, DB> + for<'q> Encode<'q, DB>,
    bool: Type<DB> + for<'r> Decode<'r, DB>,
    String: Type<DB> + for<'r> Decode<'r, DB>,
{
    let row: Option<(String, bool)> =
        sqlx::query_as::<DB, (String, bool)>("SELECT county, active FROM plans WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut **tx)
            .await
            .ctx(|| format!("finding plan {id}"))?;
    let Some((county, active)) = row else {
        return Err(StoreError::NoPlan {
            selector: id.to_string(),
            known: String::new(),
        });
    };
    if active {
        return Err(StoreError::PlanInUse(id));
    }
    // Children keep their history: their parent link is cleared.
    sqlx::query::<DB>("DELETE FROM plans WHERE id = $1")
        .bind(id.0)
        .execute(&mut **tx)
        .await
        .ctx(|| format!("deleting plan {id}"))?;
    parse_county(&county, id.0)
}

/// Inserts a plan's row, its grids and blocks, and (when asked) makes it
/// its county's active plan, in the caller's transaction.
pub(crate) async fn insert_plan<D: Dialect>(
    tx: &mut Transaction<'static, D::DB>,
    plan: &NewPlan,
) -> Result<PlanId, StoreError>
where
    for<'c> &'c mut <D::DB as Database>::Connection: Executor<'c, Database = D::DB>,
    <D::DB as Database>::Arguments: IntoArguments<D::DB>,
    usize: ColumnIndex<<D::DB as Database>::Row>,
    i64: Type<D::DB> + for<'r> Decode<'r, D::DB> + for<'q> Encode<'q, D::DB>,
    Option<i64>: Type<D::DB> + for<'q> Encode<'q, D::DB>,
    String: Type<D::DB> + for<'r> Decode<'r, D::DB> + for<'q> Encode<'q, D::DB>,
{
    let id: i64 = sqlx::query_scalar::<D::DB, i64>(
        "INSERT INTO plans (county, name, parent_id, params, report) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(plan.county.to_string())
    .bind(plan.name.clone())
    .bind(plan.parent_id.map(|p| p.0))
    .bind(plan.params.clone())
    .bind(plan.report.clone())
    .fetch_one(&mut **tx)
    .await
    .ctx(|| "saving the plan".into())?;
    let id = PlanId(id);
    let inserts = grid_inserts::<D>(id, plan.county, &plan.grids)
        .map(|i| (i, "saving grids"))
        .chain(block_inserts::<D>(id, plan.county, &plan.blocks).map(|i| (i, "saving blocks")));
    for (insert, what) in inserts {
        insert?
            .query
            .build()
            .execute(&mut **tx)
            .await
            .ctx(|| what.into())?;
    }
    if plan.activate {
        set_active(tx, id).await?;
    }
    Ok(id)
}

/// A plan row's county column, as a code.
fn parse_county(text: &str, plan: i64) -> Result<CountyCode, StoreError> {
    text.parse()
        .map_err(|e: crate::store::BadCountyCode| StoreError::Attribute {
            table: "plans".into(),
            fid: plan,
            message: e.to_string(),
        })
}

use sqlx::Row;

use super::dialect::PgSql;
use super::write::notify;
use super::{PgStore, decode};
use crate::store::error::SqlContext;
use crate::store::plan_sql;
use crate::store::rows::{
    BLOCK_COLUMNS, GRID_COLUMNS, RowCells, stored_block, stored_grid, to_multipolygon,
};
use crate::store::sql::{block_inserts, grid_inserts};
use crate::store::{NewPlan, PlanInfo, StoreError, StoredBlock, StoredGrid};

impl PgStore {
    /// Saves a plan with its grids and blocks in one transaction; returns
    /// its id. With `activate`, it becomes the active plan.
    pub async fn save_plan(&self, plan: &NewPlan) -> Result<i64, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx(|| "starting the plan transaction".into())?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO plans (name, parent_id, params, report) VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(&plan.name)
        .bind(plan.parent_id)
        .bind(&plan.params)
        .bind(&plan.report)
        .fetch_one(&mut *tx)
        .await
        .ctx(|| "saving the plan".into())?;
        let inserts = grid_inserts::<PgSql>(id, &plan.grids)
            .map(|i| (i, "saving grids"))
            .chain(block_inserts::<PgSql>(id, &plan.blocks).map(|i| (i, "saving blocks")));
        for (insert, what) in inserts {
            insert?
                .query
                .build()
                .execute(&mut *tx)
                .await
                .ctx(|| what.into())?;
        }
        if plan.activate {
            plan_sql::set_active(&mut tx, id).await?;
        }
        notify(&mut tx, "plans").await?;
        tx.commit().await.ctx(|| "committing the plan".into())?;
        Ok(id)
    }

    pub async fn plans(&self) -> Result<Vec<PlanInfo>, StoreError> {
        plan_sql::plans(&self.pool).await
    }

    /// `active` or a plan id, checked to exist.
    pub async fn resolve_plan(&self, selector: &str) -> Result<i64, StoreError> {
        plan_sql::resolve_plan(&self.pool, selector).await
    }

    pub async fn activate_plan(&self, id: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await.ctx(|| "activating".into())?;
        plan_sql::set_active(&mut tx, id).await?;
        notify(&mut tx, "plans").await?;
        tx.commit().await.ctx(|| "committing".into())
    }

    /// The grids (or cells) of a plan, ordered by code.
    pub async fn plan_grids(&self, plan: i64, level: &str) -> Result<Vec<StoredGrid>, StoreError> {
        let sql = format!(
            "SELECT {GRID_COLUMNS}, ST_AsBinary(geom), fid FROM grids WHERE plan_id = $1 AND level = $2 ORDER BY code"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(plan)
            .bind(level)
            .fetch_all(&self.pool)
            .await
            .ctx(|| format!("reading the grids of plan {plan}"))?;
        rows.iter()
            .map(|r| {
                let geometry = to_multipolygon(decode(r.get::<&[u8], _>(16)), "grids", r.get(17))?;
                Ok(stored_grid(&RowCells { row: r, offset: 0 }, geometry))
            })
            .collect()
    }

    pub async fn plan_blocks(&self, plan: i64) -> Result<Vec<StoredBlock>, StoreError> {
        let sql = format!(
            "SELECT {BLOCK_COLUMNS}, ST_AsBinary(geom), fid FROM blocks WHERE plan_id = $1 ORDER BY block_id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(plan)
            .fetch_all(&self.pool)
            .await
            .ctx(|| format!("reading the blocks of plan {plan}"))?;
        rows.iter()
            .map(|r| {
                let geometry = to_multipolygon(decode(r.get::<&[u8], _>(8)), "blocks", r.get(9))?;
                Ok(stored_block(&RowCells { row: r, offset: 0 }, geometry))
            })
            .collect()
    }
}

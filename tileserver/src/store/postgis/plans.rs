use super::PgStore;
use super::dialect::PgSql;
use super::write::notify;
use crate::store::error::SqlContext;
use crate::store::plan_sql;
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
        plan_sql::plan_grids::<PgSql>(&self.pool, plan, level).await
    }

    pub async fn plan_blocks(&self, plan: i64) -> Result<Vec<StoredBlock>, StoreError> {
        plan_sql::plan_blocks::<PgSql>(&self.pool, plan).await
    }
}

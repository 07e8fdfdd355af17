use super::PgStore;
use super::dialect::PgSql;
use super::write::notify;
use crate::store::changes::{Change, ChangeFeed};
use crate::store::error::{SqlContext, finish};
use crate::store::plan_sql;
use crate::store::{
    CountyCode, GridLevel, NewPlan, PlanId, PlanInfo, PlanSelector, StoreError, StoredBlock,
    StoredGrid,
};

impl PgStore {
    /// Saves a plan with its grids and blocks in one transaction; returns
    /// its id. With `activate`, it becomes the active plan.
    pub async fn save_plan(&self, feed: &ChangeFeed, plan: &NewPlan) -> Result<PlanId, StoreError> {
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx(|| "starting the plan transaction".into())?;
        let result = async {
            let id = plan_sql::insert_plan::<PgSql>(&mut tx, plan).await?;
            let change = Change::PlanCreated {
                county: plan.county,
                plan: id,
                active: plan.activate,
            };
            notify(&mut tx, feed, &change).await?;
            Ok(id)
        }
        .await;
        finish(tx, result, "the plan").await
    }

    pub async fn plans(&self) -> Result<Vec<PlanInfo>, StoreError> {
        plan_sql::plans(&self.pool).await
    }

    /// The active plan of a county or a plan id, checked to exist.
    pub async fn resolve_plan(&self, selector: PlanSelector) -> Result<PlanId, StoreError> {
        plan_sql::resolve_plan(&self.pool, selector).await
    }

    /// Makes a plan the active one of its county; returns the county.
    pub async fn activate_plan(
        &self,
        feed: &ChangeFeed,
        id: PlanId,
    ) -> Result<CountyCode, StoreError> {
        let mut tx = self.pool.begin().await.ctx(|| "activating".into())?;
        let result = async {
            let county = plan_sql::set_active(&mut tx, id).await?;
            notify(&mut tx, feed, &Change::PlanActivated { county, plan: id }).await?;
            Ok(county)
        }
        .await;
        finish(tx, result, "the activation").await
    }

    /// Deletes a plan that is not active, with its grids and blocks.
    pub async fn delete_plan(
        &self,
        feed: &ChangeFeed,
        id: PlanId,
    ) -> Result<CountyCode, StoreError> {
        let mut tx = self.pool.begin().await.ctx(|| "deleting a plan".into())?;
        let result = async {
            let county = plan_sql::delete_inactive(&mut tx, id).await?;
            notify(&mut tx, feed, &Change::PlanDeleted { county, plan: id }).await?;
            Ok(county)
        }
        .await;
        finish(tx, result, "the deletion").await
    }

    /// The grids (or cells) of a plan, ordered by code.
    pub async fn plan_grids(
        &self,
        plan: PlanId,
        level: GridLevel,
    ) -> Result<Vec<StoredGrid>, StoreError> {
        plan_sql::plan_grids::<PgSql>(&self.pool, plan, level).await
    }

    pub async fn plan_blocks(&self, plan: PlanId) -> Result<Vec<StoredBlock>, StoreError> {
        plan_sql::plan_blocks::<PgSql>(&self.pool, plan).await
    }
}

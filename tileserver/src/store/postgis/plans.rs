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
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP VIEW IF EXISTS plan_{0}_grids, plan_{0}_cells",
                id.0
            )))
            .execute(&mut *tx)
            .await
            .ctx(|| format!("dropping the views of plan {id}"))?;
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

    /// Creates (or replaces) each plan's views of its grids and cells,
    /// `plan_<id>_grids` and `plan_<id>_cells`; returns their names.
    pub async fn create_plan_views(&self) -> Result<Vec<String>, StoreError> {
        let plans = self.plans().await?;
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx(|| "creating plan views".into())?;
        let result = async {
            let mut views = Vec::new();
            for p in &plans {
                for (level, zh) in [("grid", "网格"), ("cell", "单元格")] {
                    let view = format!("plan_{}_{level}s", p.id.0);
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "CREATE OR REPLACE VIEW {view} AS SELECT fid, geom, code, name, level, village_code, \
                         village_name, town_code, town_name, population, households, buildings, area_m2, \
                         perimeter_m, polsby_popper, dedicated, in_band, parent_code, plan_id, county \
                         FROM grids WHERE plan_id = {} AND level = '{level}'",
                        p.id.0
                    )))
                    .execute(&mut *tx)
                    .await
                    .ctx(|| format!("creating the view {view}"))?;
                    let comment = format!("方案{}「{}」{zh}", p.id.0, p.name).replace('\'', "''");
                    sqlx::query(sqlx::AssertSqlSafe(format!("COMMENT ON VIEW {view} IS '{comment}'")))
                        .execute(&mut *tx)
                        .await
                        .ctx(|| format!("describing the view {view}"))?;
                    views.push(view);
                }
            }
            Ok(views)
        }
        .await;
        finish(tx, result, "the plan views").await
    }
}

use super::GpkgStore;
use super::dialect::GpkgSql;
use crate::store::error::{SqlContext, finish};
use crate::store::plan_sql;
use crate::store::sql::{block_inserts, estimated_bytes, grid_inserts, plan_size};
use crate::store::{
    CountyCode, GridLevel, NewPlan, PlanId, PlanInfo, PlanSelector, StoreError, StoredBlock,
    StoredGrid,
};

impl GpkgStore {
    /// Saves a plan with its grids and blocks in one transaction; returns
    /// its id. With `activate`, it becomes the active plan.
    pub async fn save_plan(&self, plan: &NewPlan) -> Result<PlanId, StoreError> {
        let (coords, rows) = plan_size(&plan.grids, &plan.blocks);
        self.check_space(estimated_bytes(coords, rows), "the plan")?;
        let mut tx = self
            .pool
            .begin()
            .await
            .ctx(|| "starting the plan transaction".into())?;
        let result = async {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO plans (county, name, parent_id, params, report) VALUES (?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(plan.county.to_string())
            .bind(&plan.name)
            .bind(plan.parent_id.map(|p| p.0))
            .bind(&plan.params)
            .bind(&plan.report)
            .fetch_one(&mut *tx)
            .await
            .ctx(|| "saving the plan".into())?;
            let id = PlanId(id);
            let inserts = grid_inserts::<GpkgSql>(id, plan.county, &plan.grids)
                .map(|i| (i, "saving grids"))
                .chain(
                    block_inserts::<GpkgSql>(id, plan.county, &plan.blocks)
                        .map(|i| (i, "saving blocks")),
                );
            for (insert, what) in inserts {
                insert?
                    .query
                    .build()
                    .execute(&mut *tx)
                    .await
                    .ctx(|| what.into())?;
            }
            for table in ["grids", "blocks"] {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE gpkg_contents SET min_x = (SELECT min(minx) FROM rtree_{table}_geom), min_y = (SELECT min(miny) FROM rtree_{table}_geom), \
                     max_x = (SELECT max(maxx) FROM rtree_{table}_geom), max_y = (SELECT max(maxy) FROM rtree_{table}_geom), \
                     last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = '{table}'"
                )))
                .execute(&mut *tx)
                .await
                .ctx(|| format!("updating the extent of {table}"))?;
            }
            if plan.activate {
                plan_sql::set_active(&mut tx, id).await?;
            }
            Ok(id)
        }
        .await;
        let result = finish(tx, result, "the plan").await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }

    pub async fn plans(&self) -> Result<Vec<PlanInfo>, StoreError> {
        plan_sql::plans(&self.pool).await
    }

    /// The active plan of a county or a plan id, checked to exist.
    pub async fn resolve_plan(&self, selector: PlanSelector) -> Result<PlanId, StoreError> {
        plan_sql::resolve_plan(&self.pool, selector).await
    }

    /// Makes a plan the active one of its county; returns the county.
    pub async fn activate_plan(&self, id: PlanId) -> Result<CountyCode, StoreError> {
        let mut tx = self.pool.begin().await.ctx(|| "activating".into())?;
        let result = plan_sql::set_active(&mut tx, id).await;
        let result = finish(tx, result, "the activation").await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }

    /// Deletes a plan that is not active, with its grids and blocks.
    pub async fn delete_plan(&self, id: PlanId) -> Result<CountyCode, StoreError> {
        let mut tx = self.pool.begin().await.ctx(|| "deleting a plan".into())?;
        let result = plan_sql::delete_inactive(&mut tx, id).await;
        let result = finish(tx, result, "the deletion").await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }

    /// The grids (or cells) of a plan, ordered by code.
    pub async fn plan_grids(
        &self,
        plan: PlanId,
        level: GridLevel,
    ) -> Result<Vec<StoredGrid>, StoreError> {
        plan_sql::plan_grids::<GpkgSql>(&self.pool, plan, level).await
    }

    pub async fn plan_blocks(&self, plan: PlanId) -> Result<Vec<StoredBlock>, StoreError> {
        plan_sql::plan_blocks::<GpkgSql>(&self.pool, plan).await
    }
}

use super::GpkgStore;
use super::dialect::GpkgSql;
use super::gis;
use super::write::update_extent;
use crate::store::error::{SqlContext, finish};
use crate::store::plan_sql;
use crate::store::sql::{estimated_bytes, plan_size};
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
            let id = plan_sql::insert_plan::<GpkgSql>(&mut tx, plan).await?;
            for table in ["grids", "blocks"] {
                update_extent(&mut tx, table).await?;
            }
            // A plan saved inactive changes no view: the active ones follow
            // activations, the per-plan ones exist only on request.
            if plan.activate {
                gis::update_view_extents(&mut tx).await?;
                gis::refresh(&mut tx).await?;
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
        let result = async {
            let county = plan_sql::set_active(&mut tx, id).await?;
            gis::update_view_extents(&mut tx).await?;
            gis::refresh(&mut tx).await?;
            Ok(county)
        }
        .await;
        let result = finish(tx, result, "the activation").await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }

    /// Deletes a plan that is not active, with its grids and blocks.
    pub async fn delete_plan(&self, id: PlanId) -> Result<CountyCode, StoreError> {
        let mut tx = self.pool.begin().await.ctx(|| "deleting a plan".into())?;
        let result = async {
            let county = plan_sql::delete_inactive(&mut tx, id).await?;
            gis::drop_plan_views(&mut tx, id).await?;
            gis::refresh(&mut tx).await?;
            Ok(county)
        }
        .await;
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

    /// Creates the GIS views of each plan (`plan_<id>_grids`,
    /// `plan_<id>_cells`) that lacks them; returns every plan's views.
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
                views.extend(gis::create_plan_views(&mut tx, p.id, &p.name).await?);
            }
            gis::update_view_extents(&mut tx).await?;
            gis::refresh(&mut tx).await?;
            Ok(views)
        }
        .await;
        let result = finish(tx, result, "the plan views").await;
        if result.is_err() {
            self.recover().await;
        }
        result
    }
}

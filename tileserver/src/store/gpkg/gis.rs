//! Keeps what QGIS and GDAL read in step with the store: a default style
//! for every layer (`layer_styles`), the columns' titles and descriptions
//! (`gpkg_data_columns`), per-plan views on request and the active layers'
//! extents. Runs inside the transaction of each write that changes plans.

use partition::grids::Band;
use sqlx::{Sqlite, Transaction};
use xxhash_rust::xxh3::xxh3_64;

use crate::gis::fields::{Layer, fields};
use crate::gis::styles::{GridLayer, LayerStyle, basemap_styles, grid_layer_styles, plan_bands};
use crate::store::error::SqlContext;
use crate::store::{PlanId, StoreError};

/// The columns the grid views show, in the order of the migration's views.
const VIEW_COLUMNS: &str = "g.fid AS OGC_FID, g.geom, g.code, g.name, g.level, g.village_code, \
     g.village_name, g.town_code, g.town_name, g.population, g.households, g.buildings, \
     g.area_m2, g.perimeter_m, g.polsby_popper, g.dedicated, g.in_band, g.parent_code, \
     g.plan_id, g.county";

fn plan_view(plan: PlanId, level: &str) -> String {
    format!("plan_{}_{}s", plan.0, level)
}

/// The bands the styles colour grids by: those of the first county's
/// active plan.
async fn active_bands(tx: &mut Transaction<'static, Sqlite>) -> Result<(Band, Band), StoreError> {
    let params: Option<String> =
        sqlx::query_scalar("SELECT params FROM plans WHERE active = 1 ORDER BY county LIMIT 1")
            .fetch_optional(&mut **tx)
            .await
            .ctx(|| "reading the active plan's band".into())?;
    Ok(plan_bands(params.as_deref().unwrap_or("{}")))
}

/// The per-plan views that exist: (view, plan, level).
async fn plan_views(
    tx: &mut Transaction<'static, Sqlite>,
) -> Result<Vec<(String, GridLayer)>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND (name GLOB 'plan_[0-9]*_grids' OR name GLOB 'plan_[0-9]*_cells') ORDER BY name",
    )
    .fetch_all(&mut **tx)
    .await
    .ctx(|| "listing the per-plan views".into())?;
    Ok(names
        .into_iter()
        .map(|n| {
            let kind = if n.ends_with("_cells") {
                GridLayer::Cells
            } else {
                GridLayer::Grids
            };
            (n, kind)
        })
        .collect())
}

/// Rewrites wangge's styles and field descriptions when what they would
/// be differs from what the store holds (a new band, a new view, a new
/// wangge); a style a user saved as default in QGIS stays the default.
pub(super) async fn refresh(tx: &mut Transaction<'static, Sqlite>) -> Result<(), StoreError> {
    let (band, cells) = active_bands(tx).await?;
    let views = plan_views(tx).await?;
    let mut styles: Vec<LayerStyle> = Vec::new();
    for (table, kind) in [
        ("active_grids", GridLayer::Grids),
        ("grids", GridLayer::Grids),
        ("active_cells", GridLayer::Cells),
    ] {
        styles.extend(grid_layer_styles(table, kind, &band, &cells));
    }
    for (view, kind) in &views {
        styles.extend(grid_layer_styles(view, *kind, &band, &cells));
    }
    styles.extend(basemap_styles());
    let mut columns: Vec<(&str, Layer)> = Layer::tables().collect();
    columns.extend(
        ["active_grids", "active_cells"]
            .into_iter()
            .chain(views.iter().map(|(v, _)| v.as_str()))
            .map(|v| (v, Layer::Grids)),
    );

    let mut digest = String::new();
    for s in &styles {
        digest.push_str(&s.table);
        digest.push_str(&s.name);
        digest.push_str(&s.qml);
        digest.push_str(&s.sld);
    }
    for (table, layer) in &columns {
        for f in fields(*layer) {
            digest.push_str(table);
            digest.push_str(&f.title());
            digest.push_str(&f.description());
        }
    }
    let digest = format!("{:016x}", xxh3_64(digest.as_bytes()));
    let stored: Option<String> =
        sqlx::query_scalar("SELECT value FROM wangge_meta WHERE key = 'gis_metadata'")
            .fetch_optional(&mut **tx)
            .await
            .ctx(|| "reading the GIS metadata's digest".into())?;
    if stored.as_deref() == Some(digest.as_str()) {
        return Ok(());
    }

    sqlx::query("DELETE FROM layer_styles WHERE owner = 'wangge'")
        .execute(&mut **tx)
        .await
        .ctx(|| "replacing wangge's layer styles".into())?;
    for s in &styles {
        sqlx::query(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, \
             styleName, styleQML, styleSLD, useAsDefault, description, owner) \
             VALUES ('', '', ?1, 'geom', ?2, ?3, ?4, \
               ?5 AND NOT EXISTS (SELECT 1 FROM layer_styles u WHERE u.f_table_name = ?1 AND u.useAsDefault AND coalesce(u.owner, '') <> 'wangge'), \
               ?6, 'wangge')",
        )
        .bind(&s.table)
        .bind(&s.name)
        .bind(&s.qml)
        .bind(&s.sld)
        .bind(s.default)
        .bind(&s.description)
        .execute(&mut **tx)
        .await
        .ctx(|| format!("writing the style of {}", s.table))?;
    }
    for (table, layer) in &columns {
        for f in fields(*layer) {
            sqlx::query(
                "INSERT OR REPLACE INTO gpkg_data_columns (table_name, column_name, name, title, description) \
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(table)
            .bind(f.column)
            .bind(f.zh)
            .bind(f.title())
            .bind(f.description())
            .execute(&mut **tx)
            .await
            .ctx(|| format!("describing {table}.{}", f.column))?;
        }
    }
    sqlx::query("INSERT OR REPLACE INTO wangge_meta (key, value) VALUES ('gis_metadata', ?)")
        .bind(&digest)
        .execute(&mut **tx)
        .await
        .ctx(|| "saving the GIS metadata's digest".into())?;
    Ok(())
}

/// The extents of the grid views, from the grids' R-tree: one pass over
/// it a view.
pub(super) async fn update_view_extents(
    tx: &mut Transaction<'static, Sqlite>,
) -> Result<(), StoreError> {
    let mut views: Vec<String> = vec!["active_grids".into(), "active_cells".into()];
    views.extend(plan_views(tx).await?.into_iter().map(|(v, _)| v));
    for view in views {
        let (min_x, min_y, max_x, max_y): (Option<f64>, Option<f64>, Option<f64>, Option<f64>) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT min(r.minx), min(r.miny), max(r.maxx), max(r.maxy) FROM rtree_grids_geom r \
                 WHERE r.id IN (SELECT OGC_FID FROM \"{view}\")"
            )))
            .fetch_one(&mut **tx)
            .await
            .ctx(|| format!("measuring the extent of {view}"))?;
        sqlx::query(
            "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, \
             last_change = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE table_name = ?",
        )
        .bind(min_x)
        .bind(min_y)
        .bind(max_x)
        .bind(max_y)
        .bind(&view)
        .execute(&mut **tx)
        .await
        .ctx(|| format!("updating the extent of {view}"))?;
    }
    Ok(())
}

/// Creates the views of one plan's grids and cells (`plan_<id>_grids`,
/// `plan_<id>_cells`), registered as GeoPackage layers; returns their names.
pub(super) async fn create_plan_views(
    tx: &mut Transaction<'static, Sqlite>,
    plan: PlanId,
    name: &str,
) -> Result<Vec<String>, StoreError> {
    let mut made = Vec::new();
    for (level, zh, en) in [("grid", "网格", "grids"), ("cell", "单元格", "unit cells")] {
        let view = plan_view(plan, level);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE VIEW IF NOT EXISTS \"{view}\" AS SELECT {VIEW_COLUMNS} FROM grids g \
             WHERE g.plan_id = {} AND g.level = '{level}'",
            plan.0
        )))
        .execute(&mut **tx)
        .await
        .ctx(|| format!("creating the view {view}"))?;
        sqlx::query(
            "INSERT OR REPLACE INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) \
             VALUES (?, 'features', ?, ?, 4326)",
        )
        .bind(&view)
        .bind(format!("方案{}「{name}」{zh}", plan.0))
        .bind(format!("方案 {} 的{zh}。The {en} of plan {} ({name}).", plan.0, plan.0))
        .execute(&mut **tx)
        .await
        .ctx(|| format!("registering the view {view}"))?;
        sqlx::query("INSERT OR IGNORE INTO gpkg_geometry_columns VALUES (?, 'geom', 'MULTIPOLYGON', 4326, 0, 0)")
            .bind(&view)
            .execute(&mut **tx)
            .await
            .ctx(|| format!("registering the geometry of {view}"))?;
        made.push(view);
    }
    Ok(made)
}

/// Drops a deleted plan's views and everything registered about them.
pub(super) async fn drop_plan_views(
    tx: &mut Transaction<'static, Sqlite>,
    plan: PlanId,
) -> Result<(), StoreError> {
    for level in ["grid", "cell"] {
        let view = plan_view(plan, level);
        for sql in [
            "DELETE FROM gpkg_geometry_columns WHERE table_name = ?",
            "DELETE FROM gpkg_data_columns WHERE table_name = ?",
            "DELETE FROM layer_styles WHERE f_table_name = ?",
            "DELETE FROM gpkg_contents WHERE table_name = ?",
        ] {
            sqlx::query(sql)
                .bind(&view)
                .execute(&mut **tx)
                .await
                .ctx(|| format!("unregistering {view}"))?;
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP VIEW IF EXISTS \"{view}\""
        )))
        .execute(&mut **tx)
        .await
        .ctx(|| format!("dropping {view}"))?;
    }
    Ok(())
}

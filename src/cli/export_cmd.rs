use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use geo_types::{Geometry, MultiPolygon};
use partition::export::GeoJsonWriter;
use serde_json::{Map, Value};
use tileserver::export::columns::{ExportLayer, columns};
use tileserver::export::crs::Crs;
use tileserver::export::csv_file::CsvWriter;
use tileserver::export::gpkg_file::GpkgFileWriter;
use tileserver::export::shapefile_file::ShapefileWriter;
use tileserver::export::{Format, block_properties, grid_properties};
use tileserver::gis::styles::{
    GridLayer, LayerStyle, basemap_styles, grid_layer_styles, plan_bands,
};
use tileserver::store::{GridLevel, PlanId, Store};

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    #[command(flatten)]
    county: super::store_arg::CountyArg,
    /// Plan id, or `active` (the county's plan in force).
    #[arg(long, default_value = "active")]
    plan: String,
    /// grids, cells or blocks.
    #[arg(long, default_value = "grids")]
    layer: String,
    /// geojson (RFC 7946), gpkg (a styled GeoPackage), shp (Shapefile with
    /// .prj and .cpg) or csv (columns, a point inside, WKT).
    #[arg(long, default_value = "geojson")]
    format: String,
    /// Label the coordinates EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000).
    #[arg(long, default_value = "EPSG:4326")]
    crs: String,
    /// Output file, or - for standard output (GeoJSON and CSV).
    #[arg(short = 'o', long)]
    output: PathBuf,
}

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    let format = Format::parse(&a.format).map_err(anyhow::Error::msg)?;
    let layer = ExportLayer::parse(&a.layer).map_err(anyhow::Error::msg)?;
    let crs = Crs::parse(&a.crs).map_err(anyhow::Error::msg)?;
    let stdout = a.output.as_os_str() == "-";
    if stdout && matches!(format, Format::GeoPackage | Format::Shapefile) {
        bail!(
            "-o -: a {} is not a stream; name a .{} file",
            a.format,
            format.extension()
        );
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = a.store.open().await?;
        super::store_arg::with_store(store, async |store| {
            export(&a, store, format, layer, crs).await
        })
        .await
    })
}

/// The features of the layer, with their export properties.
type Features = Vec<(String, Map<String, Value>, MultiPolygon<f64>)>;

async fn features(store: &Store, plan: PlanId, layer: ExportLayer) -> anyhow::Result<Features> {
    Ok(match layer {
        ExportLayer::Grids | ExportLayer::Cells => {
            let level = if layer == ExportLayer::Grids {
                GridLevel::Grid
            } else {
                GridLevel::Cell
            };
            store
                .plan_grids(plan, level)
                .await?
                .into_iter()
                .map(|g| (g.code.clone(), grid_properties(&g), g.geometry))
                .collect()
        }
        ExportLayer::Blocks => store
            .plan_blocks(plan)
            .await?
            .into_iter()
            .map(|b| (b.block_id.to_string(), block_properties(&b), b.geometry))
            .collect(),
    })
}

/// The styles a layer carries into an exported GeoPackage: the plan's own
/// band decides the grids' classes.
fn styles_for(layer: ExportLayer, params: &str) -> Vec<LayerStyle> {
    let (grids, cells) = plan_bands(params);
    match layer {
        ExportLayer::Grids => grid_layer_styles("grids", GridLayer::Grids, &grids, &cells),
        ExportLayer::Cells => grid_layer_styles("cells", GridLayer::Cells, &grids, &cells),
        ExportLayer::Blocks => basemap_styles()
            .into_iter()
            .filter(|s| s.table == "blocks")
            .collect(),
    }
}

fn open_out(a: &ExportArgs) -> anyhow::Result<Box<dyn Write>> {
    Ok(if a.output.as_os_str() == "-" {
        Box::new(BufWriter::new(std::io::stdout().lock()))
    } else {
        Box::new(BufWriter::new(
            File::create(&a.output).with_context(|| format!("creating {}", a.output.display()))?,
        ))
    })
}

async fn export(
    a: &ExportArgs,
    store: &Store,
    format: Format,
    layer: ExportLayer,
    crs: Crs,
) -> anyhow::Result<()> {
    let sel = a.county.plan(store, &a.plan).await?;
    let plan = store.resolve_plan(sel).await?;
    let info = store.plans().await?.into_iter().find(|p| p.id == plan);
    let feats = features(store, plan, layer).await?;
    match format {
        Format::GeoJson => {
            let urn = (crs != Crs::Wgs84).then(|| crs.urn());
            let mut w = GeoJsonWriter::with_crs(open_out(a)?, urn.as_deref())?;
            for (id, p, g) in &feats {
                w.write_feature(Some(id), p, &Geometry::MultiPolygon(g.clone()))?;
            }
            w.finish()?;
        }
        Format::Csv => {
            let mut w = CsvWriter::new(open_out(a)?, columns(layer))?;
            for (_, p, g) in &feats {
                w.write(p, g)?;
            }
            w.finish()?;
        }
        Format::Shapefile => {
            let mut w = ShapefileWriter::create(&a.output, columns(layer), crs)?;
            for (_, p, g) in &feats {
                w.write(p, g)?;
            }
            w.finish()?;
        }
        Format::GeoPackage => {
            let mut w = GpkgFileWriter::create(&a.output, layer, columns(layer), crs).await?;
            for (_, p, g) in &feats {
                w.write(p, g).await?;
            }
            let (name, params) = info
                .as_ref()
                .map(|i| (i.name.as_str(), i.params.as_str()))
                .unwrap_or(("", "{}"));
            let identifier = format!("方案{plan}{}", layer.zh());
            let description = format!(
                "wangge 方案 {plan}「{name}」的{}（{}）。The {} of wangge plan {plan} ({name}), {}.",
                layer.zh(),
                crs.name(),
                layer.name(),
                crs.name()
            );
            w.finish(&identifier, &description, &styles_for(layer, params))
                .await?;
        }
    }
    if a.output.as_os_str() != "-" {
        eprintln!(
            "wrote {} {} of plan {plan} to {} ({}, {})",
            feats.len(),
            layer.name(),
            a.output.display(),
            format.extension(),
            crs.name()
        );
    }
    Ok(())
}

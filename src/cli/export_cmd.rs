use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use geo_types::Geometry;
use partition::export::GeoJsonWriter;
use tileserver::store::GridLevel;

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
    /// Output format (geojson: RFC 7946, WGS84, counter-clockwise outer rings, 7 decimals).
    #[arg(long, default_value = "geojson")]
    format: String,
    /// Output file, or - for standard output.
    #[arg(short = 'o', long)]
    output: PathBuf,
}

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    if a.format != "geojson" {
        bail!("--format {:?}: only geojson is supported", a.format);
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = a.store.open().await?;
        super::store_arg::with_store(store, async |store| export(&a, store).await).await
    })
}

async fn export(a: &ExportArgs, store: &tileserver::store::Store) -> anyhow::Result<()> {
    {
        let sel = a.county.plan(store, &a.plan).await?;
        let plan = store.resolve_plan(sel).await?;
        let out: Box<dyn Write> = if a.output.as_os_str() == "-" {
            Box::new(BufWriter::new(std::io::stdout().lock()))
        } else {
            Box::new(BufWriter::new(
                File::create(&a.output)
                    .with_context(|| format!("creating {}", a.output.display()))?,
            ))
        };
        let mut w = GeoJsonWriter::new(out)?;
        let n = match a.layer.as_str() {
            "grids" | "cells" => {
                let level = if a.layer == "grids" {
                    GridLevel::Grid
                } else {
                    GridLevel::Cell
                };
                let grids = store.plan_grids(plan, level).await?;
                for g in &grids {
                    let p = tileserver::export::grid_properties(g);
                    w.write_feature(
                        Some(&g.code),
                        &p,
                        &Geometry::MultiPolygon(g.geometry.clone()),
                    )?;
                }
                grids.len()
            }
            "blocks" => {
                let blocks = store.plan_blocks(plan).await?;
                for b in &blocks {
                    let p = tileserver::export::block_properties(b);
                    w.write_feature(
                        Some(&b.block_id.to_string()),
                        &p,
                        &Geometry::MultiPolygon(b.geometry.clone()),
                    )?;
                }
                blocks.len()
            }
            other => bail!("--layer {other:?}: grids, cells or blocks"),
        };
        w.finish()?;
        if a.output.as_os_str() != "-" {
            eprintln!(
                "wrote {n} {} of plan {plan} to {}",
                a.layer,
                a.output.display()
            );
        }
        Ok(())
    }
}

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use geo_types::Geometry;
use partition::export::GeoJsonWriter;
use serde_json::{Map, Value};
use tileserver::store::GpkgStore;

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(long)]
    store: PathBuf,
    /// Plan id, or `active`.
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

/// Properties for GIS tools: figures rounded to what they can mean
/// (0.1 m², 0.01 person, 4 decimals of compactness).
fn props(v: Value) -> Map<String, Value> {
    let round = |x: f64, d: i32| {
        let f = 10f64.powi(d);
        (x * f).round() / f
    };
    match v {
        Value::Object(m) => m
            .into_iter()
            .map(|(k, v)| {
                let digits = match k.as_str() {
                    "area_m2" | "perimeter_m" => Some(1),
                    "population" | "households" => Some(2),
                    "polsby_popper" => Some(4),
                    _ => None,
                };
                let v = match (digits, v.as_f64()) {
                    (Some(d), Some(x)) => serde_json::json!(round(x, d)),
                    _ => v,
                };
                (k, v)
            })
            .collect(),
        _ => Map::new(),
    }
}

pub fn run(a: ExportArgs) -> anyhow::Result<()> {
    if a.format != "geojson" {
        bail!("--format {:?}: only geojson is supported", a.format);
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = GpkgStore::open(&a.store)
            .await
            .with_context(|| format!("opening {}", a.store.display()))?;
        let plan = store.resolve_plan(&a.plan).await?;
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
                let level = if a.layer == "grids" { "grid" } else { "cell" };
                let grids = store.plan_grids(plan, level).await?;
                for g in &grids {
                    let p = props(serde_json::to_value(g)?);
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
                    let mut p = props(serde_json::to_value(b)?);
                    p.insert("village".into(), Value::String(b.village_code.clone()));
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
        store.close().await;
        if a.output.as_os_str() != "-" {
            eprintln!(
                "wrote {n} {} of plan {plan} to {}",
                a.layer,
                a.output.display()
            );
        }
        Ok(())
    })
}

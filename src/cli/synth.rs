use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use partition::LayerKind;
use partition::export::write_layer_geojson;
use partition::import::ImportReport;
use partition::model::DivisionCode;
use partition::population::{PopulationParams, assign_population};
use partition::synth::{SynthParams, generate};

use tileserver::store::CountyCode;

use super::{progress, store_write};

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["out", "store", "db"])))]
pub struct SynthArgs {
    /// Seed: the same seed gives the same county.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Residents of the county.
    #[arg(long, default_value_t = 500_000)]
    population: u64,
    /// Buildings to place (up to 5,000,000).
    #[arg(long, default_value_t = 150_000)]
    buildings: usize,
    /// The 6-digit county code for town and village codes.
    #[arg(long, default_value = "369901")]
    county: String,
    /// Write one GeoJSON file per layer into this folder (import it with `wangge import --dir`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Write straight into a GeoPackage store, residents estimated and scaled.
    #[arg(long)]
    store: Option<PathBuf>,
    /// Write straight into a PostGIS database (postgres://…) instead.
    #[arg(long, value_name = "URL")]
    db: Option<String>,
}

pub fn run(a: SynthArgs) -> anyhow::Result<()> {
    if a.buildings == 0 || a.buildings > 5_000_000 {
        bail!("--buildings must be between 1 and 5,000,000");
    }
    let county = DivisionCode::parse(&a.county)
        .with_context(|| format!("--county {}", a.county))?
        .county();
    let params = SynthParams {
        seed: a.seed,
        population: a.population,
        buildings: a.buildings,
        county,
        ..SynthParams::default()
    };
    let t = Instant::now();
    let pb = progress::spinner(format!("generating a county of {} buildings", a.buildings));
    let mut layers = generate(&params);
    pb.finish_and_clear();
    println!("generated in {:.1} s:", t.elapsed().as_secs_f64());
    for kind in LayerKind::ALL {
        println!("  {:<10} {:>9}", kind.as_str(), layers.count(kind));
    }
    if let Some(dir) = &a.out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let total: u64 = LayerKind::ALL.iter().map(|k| layers.count(*k) as u64).sum();
        let pb = progress::bar(total, format!("writing {}", dir.display()));
        for kind in LayerKind::ALL {
            let path = dir.join(format!("{}.geojson", kind.as_str()));
            let file =
                File::create(&path).with_context(|| format!("creating {}", path.display()))?;
            write_layer_geojson(&layers, kind, BufWriter::with_capacity(1 << 20, file))
                .with_context(|| format!("writing {}", path.display()))?;
            pb.inc(layers.count(kind) as u64);
        }
        pb.finish_and_clear();
        println!(
            "wrote {} (import with: wangge import --store county.gpkg --dir {})",
            dir.display(),
            dir.display()
        );
    }
    if a.store.is_some() || a.db.is_some() {
        let store = super::store_arg::StoreArg::from_parts(a.store.clone(), a.db.clone());
        let pop = assign_population(&mut layers, &PopulationParams::default());
        let code = CountyCode::new(county).with_context(|| format!("--county {}", a.county))?;
        let inputs = vec![format!(
            "synth seed={} population={} buildings={}",
            a.seed, a.population, a.buildings
        )];
        store_write::write_layers(
            &store,
            code,
            &layers,
            &ImportReport::default(),
            &pop,
            inputs,
            PopulationParams::default().household_size,
        )?;
        println!(
            "wrote {} (county {code}): {:.0} residents in {} buildings",
            store.shown(),
            pop.residents,
            layers.buildings.len()
        );
    }
    Ok(())
}

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use std::sync::{Arc, Mutex};

use partition::import::{FieldMap, ImportOptions, ImportReport, Limits};
use partition::model::DivisionCode;
use partition::population::{PopulationParams, PopulationSummary};
use partition::{LayerKind, Layers};
use tileserver::importing::{ImportError, ImportJob, ImportProgress, import_into, prepare};
use tileserver::store::CountyCode;

use super::progress;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The store to write (a GeoPackage file is created if missing).
    /// Layers given here replace the same layers in the store; others are
    /// kept.
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    #[command(flatten)]
    write: super::store_arg::WriteArgs,
    /// OpenStreetMap PBF extracts: every layer is taken from them.
    #[arg(value_name = "INPUT.osm.pbf")]
    pbf: Vec<PathBuf>,
    /// Towns and villages/communities with 12-digit codes (GeoJSON).
    #[arg(long)]
    admin: Option<PathBuf>,
    /// Buildings (GeoJSON).
    #[arg(long)]
    buildings: Option<PathBuf>,
    /// Roads (GeoJSON LineStrings with a highway/class property).
    #[arg(long)]
    roads: Option<PathBuf>,
    /// Railways (GeoJSON).
    #[arg(long)]
    railways: Option<PathBuf>,
    /// Rivers and canals as lines (GeoJSON).
    #[arg(long)]
    waterways: Option<PathBuf>,
    /// Water areas (GeoJSON).
    #[arg(long)]
    water: Option<PathBuf>,
    /// Special sites: factories, campuses, hospitals, markets (GeoJSON with a kind property).
    #[arg(long)]
    sites: Option<PathBuf>,
    /// Land use and cover, e.g. forest (GeoJSON).
    #[arg(long)]
    landuse: Option<PathBuf>,
    /// A folder of layer files named admin.geojson, buildings.geojson, roads.geojson…
    /// (what `wangge synth --out` writes).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// The area to cover when no admin units are given (GeoJSON polygon).
    #[arg(long)]
    boundary: Option<PathBuf>,
    /// The census table by county (data/census/county_2020.csv); needs --county.
    #[arg(long, requires = "county")]
    census: Option<PathBuf>,
    /// Which OpenStreetMap admin_levels are towns and which villages
    /// (default: China's tagging, townships at 8, villages and communities
    /// at 9 or 10). The import lists the levels it found.
    #[arg(
        long,
        value_name = "town=N,village=M[+K]",
        default_value = "town=8,village=9+10"
    )]
    admin_levels: partition::import::AdminLevels,
    /// The 6-digit county code (统计用区划代码), e.g. 110108.
    #[arg(long)]
    county: Option<String>,
    /// Scale estimated residents so the whole input holds this many.
    #[arg(long, value_name = "N")]
    population_total: Option<f64>,
    /// Scale estimated residents to the census population of --county.
    #[arg(long, requires = "census", conflicts_with = "population_total")]
    scale_to_county: bool,
    /// Persons per household (default: the census figure of --county, else 2.62).
    #[arg(long)]
    household_size: Option<f64>,
    /// Living space per resident, m².
    #[arg(long, default_value_t = PopulationParams::default().m2_per_person)]
    m2_per_person: f64,
    /// Share of floor area that is living space.
    #[arg(long, default_value_t = PopulationParams::default().usable_share)]
    usable_share: f64,
    /// Storey height used to turn a building's height into levels, m.
    #[arg(long, default_value_t = PopulationParams::default().storey_height_m)]
    storey_height: f64,
    /// Which GeoJSON property holds an attribute, in every layer
    /// (--field population=POP2020) or in one (--field buildings.levels=FLOORS).
    /// Roles: population, households, levels, height, code, name, level, kind.
    #[arg(long = "field", value_name = "[LAYER.]ROLE=PROPERTY")]
    fields: Vec<String>,
    /// Largest input file, MiB.
    #[arg(long, default_value_t = 4096)]
    max_input_mb: u64,
    /// Most vertices one feature may have.
    #[arg(long, default_value_t = Limits::default().max_feature_vertices)]
    max_feature_vertices: usize,
    /// Write the full report (every repaired and skipped feature) as JSON.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// How many issues to print.
    #[arg(long, default_value_t = 20)]
    show_issues: usize,
}

const GEOJSON_LAYERS: [LayerKind; 8] = LayerKind::ALL;

/// Draws the library's progress as spinners and a bar.
struct Bars {
    spinner: Mutex<Option<indicatif::ProgressBar>>,
    bar: Mutex<Option<indicatif::ProgressBar>>,
    shown: String,
}

impl ImportProgress for Bars {
    fn stage(&self, what: &str) {
        let mut s = self.spinner.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(old) = s.take() {
            old.finish_and_clear();
        }
        if what != "writing" {
            *s = Some(progress::spinner(what.to_string()));
        }
    }

    fn rows(&self, written: u64, total: u64) {
        let mut b = self.bar.lock().unwrap_or_else(|p| p.into_inner());
        let bar = b.get_or_insert_with(|| progress::bar(total, format!("writing {}", self.shown)));
        bar.set_position(written);
        if written >= total {
            bar.finish_and_clear();
        }
    }
}

pub fn run(a: ImportArgs) -> anyhow::Result<()> {
    let county = match &a.county {
        Some(c) => {
            let code = DivisionCode::parse(c).with_context(|| format!("--county {c}"))?;
            Some(CountyCode::new(code.county()).with_context(|| format!("--county {c}"))?)
        }
        None => None,
    };
    let mut fields = FieldMap::default();
    for f in &a.fields {
        fields
            .set_from_arg(f)
            .map_err(anyhow::Error::msg)
            .context("--field")?;
    }
    let limits = Limits {
        max_file_bytes: a.max_input_mb.saturating_mul(1 << 20),
        max_feature_vertices: a.max_feature_vertices,
        ..Limits::default()
    };
    let mut geojson: Vec<(LayerKind, PathBuf)> = Vec::new();
    for (kind, p) in [
        (LayerKind::Admin, &a.admin),
        (LayerKind::Buildings, &a.buildings),
        (LayerKind::Roads, &a.roads),
        (LayerKind::Railways, &a.railways),
        (LayerKind::Waterways, &a.waterways),
        (LayerKind::Water, &a.water),
        (LayerKind::Sites, &a.sites),
        (LayerKind::Landuse, &a.landuse),
    ] {
        if let Some(p) = p {
            geojson.push((kind, p.clone()));
        }
    }
    if let Some(dir) = &a.dir {
        if !dir.is_dir() {
            bail!("--dir {}: not a folder", dir.display());
        }
        for kind in GEOJSON_LAYERS {
            let p = dir.join(format!("{}.geojson", kind.as_str()));
            if p.exists() && !geojson.iter().any(|(k, _)| *k == kind) {
                geojson.push((kind, p));
            }
        }
    }
    for p in &a.pbf {
        let name = p.to_string_lossy().to_lowercase();
        if name.ends_with(".geojson") || name.ends_with(".json") {
            bail!(
                "{}: GeoJSON inputs go with a layer flag, e.g. --buildings {}",
                p.display(),
                p.display()
            );
        }
    }
    if a.pbf.is_empty() && geojson.is_empty() {
        bail!("no input: give OSM PBF files, layer files (--buildings F …) or --dir");
    }
    a.store.check_writable()?;
    let job = ImportJob {
        pbf: a.pbf.clone(),
        geojson,
        boundary: a.boundary.clone(),
        census: a.census.clone(),
        county,
        scale_to_county: a.scale_to_county,
        household_size: a.household_size,
        population: PopulationParams {
            usable_share: a.usable_share,
            m2_per_person: a.m2_per_person,
            storey_height_m: a.storey_height,
            total: a.population_total,
            ..PopulationParams::default()
        },
        options: ImportOptions {
            limits,
            fields,
            county: county.map(CountyCode::as_u32),
            admin_levels: a.admin_levels.clone(),
        },
    };
    let bars = Arc::new(Bars {
        spinner: Mutex::new(None),
        bar: Mutex::new(None),
        shown: a.store.shown(),
    });
    let rt = super::runtime()?;
    let result = rt.block_on(async {
        let prepared = match prepare(&job, bars.clone()).await {
            Ok(p) => p,
            Err(e) => return Ok(Err(e)),
        };
        let mut store = a.store.create_or_open().await?;
        a.write.apply(&mut store);
        let r = import_into(&store, prepared, bars.clone()).await;
        store.close().await;
        Ok::<_, anyhow::Error>(r)
    })?;
    bars.stage("writing");
    let outcome = match result {
        Ok(o) => o,
        Err(ImportError::NothingUsable(b)) => {
            let (report, layers) = *b;
            print_errors(&report, "error");
            print_table(&report, &layers);
            print_issues(&report, a.show_issues, None);
            bail!(
                "nothing usable was read from the inputs; the store {} is unchanged",
                a.store.shown()
            );
        }
        Err(e) => {
            return Err(anyhow::Error::new(e).context(format!(
                "importing into {} (nothing was changed)",
                a.store.shown()
            )));
        }
    };
    if let Some((code, name, pop, hh)) = &outcome.census {
        println!("census: {code} {name} — {pop} residents, {hh} per household");
    }
    if !outcome.census_rejected.is_empty() {
        let lines: Vec<String> = outcome
            .census_rejected
            .iter()
            .map(|(l, code, why)| format!("line {l} ({code}): {why}"))
            .collect();
        eprintln!(
            "warning: census table: {} unusable rows skipped: {}",
            lines.len(),
            lines.join("; ")
        );
    }
    let (report, layers) = (&outcome.report, &outcome.layers);
    print_errors(report, "warning");
    print_table(report, layers);
    print_issues(report, a.show_issues, a.report.as_deref());
    for n in &report.notes {
        println!("note: {n}");
    }
    if layers.supplied.contains(&LayerKind::Buildings) {
        print_population(&outcome.population);
    }
    if let Some(path) = &a.report {
        let json = serde_json::json!({"county": outcome.county.to_string(), "report": report, "population": &outcome.population});
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let parts: Vec<String> = outcome
        .written
        .iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    println!(
        "wrote {} (county {}): {}",
        a.store.shown(),
        outcome.county,
        parts.join(", ")
    );
    if outcome.stale_plans > 0 {
        println!(
            "note: county {} has {} plan(s) made from the layers this import replaced; \
             they stay as they are (the active one too) until `wangge partition --county {}` makes a new one",
            outcome.county, outcome.stale_plans, outcome.county
        );
    }
    Ok(())
}

/// Each input problem once: an error when nothing could be imported,
/// else a warning (the rest was imported).
fn print_errors(report: &ImportReport, label: &str) {
    for e in &report.input_errors {
        eprintln!("{label}: {e}");
    }
}

fn print_table(report: &ImportReport, layers: &Layers) {
    println!(
        "{:<10} {:>9} {:>9} {:>9} {:>9}",
        "layer", "read", "imported", "repaired", "skipped"
    );
    for kind in LayerKind::ALL {
        let s = report.stats(kind);
        if s.read == 0 && layers.count(kind) == 0 {
            continue;
        }
        println!(
            "{:<10} {:>9} {:>9} {:>9} {:>9}",
            kind.as_str(),
            s.read,
            s.imported,
            s.repaired,
            s.skipped
        );
    }
}

fn print_issues(report: &ImportReport, show: usize, file: Option<&Path>) {
    let total = report.issues.len() as u64 + report.issues_not_listed;
    if total == 0 {
        return;
    }
    let shown = report.issues.len().min(show);
    let where_all = match file {
        Some(f) => format!("all in {}", f.display()),
        None => "--report FILE lists them all".to_string(),
    };
    println!("issues ({shown} of {total}; {where_all}):");
    for i in report.issues.iter().take(show) {
        println!("  {i}");
    }
}

fn print_population(s: &PopulationSummary) {
    println!(
        "population: {:.0} residents, {:.0} households ({} per household) in {} residential buildings",
        s.residents, s.households, s.household_size, s.residential_buildings
    );
    println!(
        "  buildings: {} given, {} estimated, {} scaled to a known total; {} unknown-type buildings in workplaces taken as non-residential",
        s.buildings_given, s.buildings_estimated, s.buildings_scaled, s.in_workplace_sites
    );
    if let Some(f) = s.total_scale {
        println!("  scaled to the given total by ×{f:.3}");
    }
    if !s.unit_scales.is_empty() {
        println!("  scaled to {} admin unit totals", s.unit_scales.len());
    }
    for u in &s.units_without_housing {
        println!("  warning: {u} has a resident total but no residential building");
    }
}

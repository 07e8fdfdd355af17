use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use partition::import::{
    CensusTable, FieldMap, ImportOptions, ImportReport, Importer, Limits, complete_hierarchy,
    read_boundary_file,
};
use partition::model::DivisionCode;
use partition::population::{PopulationParams, PopulationSummary, assign_population};
use partition::{LayerKind, Layers};

use super::{progress, store_write};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The store to write (a GeoPackage file is created if missing).
    /// Layers given here replace the same layers in the store; others are
    /// kept.
    #[command(flatten)]
    store: super::store_arg::StoreArg,
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

pub fn run(a: ImportArgs) -> anyhow::Result<()> {
    let county = match &a.county {
        Some(c) => {
            let code = DivisionCode::parse(c).with_context(|| format!("--county {c}"))?;
            Some(code.county())
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
    let opts = ImportOptions {
        limits,
        fields,
        county,
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

    let mut params = PopulationParams {
        usable_share: a.usable_share,
        m2_per_person: a.m2_per_person,
        storey_height_m: a.storey_height,
        total: a.population_total,
        ..PopulationParams::default()
    };
    let mut meta = BTreeMap::new();
    if let Some(c) = county {
        meta.insert("county".to_string(), format!("{c:06}"));
    }
    if let Some(path) = &a.census {
        let table = CensusTable::read(path)?;
        let c = county.context("--census needs --county")?;
        let row = table
            .county(c)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("census table {}", path.display()))?;
        if !table.rejected().is_empty() {
            let lines: Vec<String> = table
                .rejected()
                .iter()
                .map(|(l, code, why)| format!("line {l} ({code}): {why}"))
                .collect();
            eprintln!(
                "warning: census table: {} unusable rows skipped: {}",
                lines.len(),
                lines.join("; ")
            );
        }
        println!(
            "census: {} {} — {} residents, {} per household",
            row.adcode, row.name, row.population, row.household_size
        );
        params.household_size = row.household_size;
        if a.scale_to_county {
            params.total = Some(row.population);
        }
        meta.insert("county_name".to_string(), row.name.clone());
    }
    if let Some(h) = a.household_size {
        params.household_size = h;
    }
    params
        .validate()
        .map_err(anyhow::Error::msg)
        .context("population parameters")?;
    meta.insert(
        "household_size".to_string(),
        params.household_size.to_string(),
    );

    // Read every input; a file that cannot be read is reported and the
    // others still count.
    let mut importer = Importer::new(opts.clone());
    let mut file_errors = Vec::new();
    let mut inputs = Vec::new();
    for p in &a.pbf {
        let pb = progress::spinner(format!("reading {}", p.display()));
        let r = importer.read_pbf_file(p);
        pb.finish_and_clear();
        inputs.push(p.display().to_string());
        if let Err(e) = r {
            eprintln!("error: {e}");
            file_errors.push(e.to_string());
        }
    }
    for (kind, p) in &geojson {
        let pb = progress::spinner(format!("reading {} ({kind})", p.display()));
        let r = importer.read_geojson_file(p, *kind);
        pb.finish_and_clear();
        inputs.push(format!("{kind}={}", p.display()));
        if let Err(e) = r {
            eprintln!("error: {e}");
            file_errors.push(e.to_string());
        }
    }
    let (mut layers, mut report) = importer.finish();
    report.input_errors.splice(0..0, file_errors);
    for e in &report.input_errors {
        if !e.starts_with("error") {
            eprintln!("warning: {e}");
        }
    }
    if report.total_imported() == 0 {
        print_table(&report, &layers);
        print_issues(&report, a.show_issues, None);
        bail!(
            "nothing usable was read from the inputs; the store {} is unchanged",
            a.store.shown()
        );
    }

    // Layers this import does not bring are taken from the store, so that
    // population scaling sees the admin units and sites already there.
    let kept = if a.store.exists() {
        load_kept(&a.store, &layers)?
    } else {
        Layers::default()
    };
    if !layers.supplied.contains(&LayerKind::Admin) && !kept.admin.is_empty() {
        layers.admin = kept.admin;
    } else {
        let boundary = match &a.boundary {
            Some(b) => Some(read_boundary_file(b, &opts)?),
            None => None,
        };
        for note in complete_hierarchy(&mut layers, county, boundary) {
            report.notes.push(note.to_string());
        }
    }
    if !layers.supplied.contains(&LayerKind::Sites) {
        layers.sites = kept.sites;
    }

    let population = if layers.supplied.contains(&LayerKind::Buildings) {
        let pb = progress::spinner("estimating population");
        let s = assign_population(&mut layers, &params);
        pb.finish_and_clear();
        s
    } else {
        PopulationSummary::default()
    };

    print_table(&report, &layers);
    print_issues(&report, a.show_issues, a.report.as_deref());
    for n in &report.notes {
        println!("note: {n}");
    }
    if layers.supplied.contains(&LayerKind::Buildings) {
        print_population(&population);
    }
    if let Some(path) = &a.report {
        let json = serde_json::json!({"report": &report, "population": &population});
        std::fs::write(path, serde_json::to_vec_pretty(&json)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }

    let written = store_write::write_layers(&a.store, &layers, &report, &population, inputs, meta)?;
    let parts: Vec<String> = written.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("wrote {}: {}", a.store.shown(), parts.join(", "));
    Ok(())
}

fn load_kept(store: &super::store_arg::StoreArg, layers: &Layers) -> anyhow::Result<Layers> {
    let wanted: Vec<LayerKind> = [LayerKind::Admin, LayerKind::Sites]
        .into_iter()
        .filter(|k| !layers.supplied.contains(k))
        .collect();
    if wanted.is_empty() {
        return Ok(Layers::default());
    }
    let rt = super::runtime()?;
    rt.block_on(async {
        let s = store.open().await?;
        let l = s.read_layers(&wanted).await?;
        s.close().await;
        Ok(l)
    })
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

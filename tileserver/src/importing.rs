//! Importing layers into a store: what `wangge import` does, as a library
//! call the server can make too. Reads every input (a file that cannot be
//! read is reported and the others still count), takes the census figures,
//! merges the layers this import does not bring from the store, completes
//! the admin hierarchy, estimates population, and writes the county's
//! layers in one transaction.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use partition::import::{
    CensusTable, ImportOptions, ImportReport, Importer, complete_hierarchy, cover_the_rest,
    read_boundary_file,
};
use partition::model::AdminLevel;
use partition::population::{PopulationParams, PopulationSummary, assign_population};
use partition::{LayerKind, Layers};

use crate::store::{CountyCode, ImportRecord, Store, StoreError};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct ImportJob {
    /// OpenStreetMap PBF extracts: every layer is taken from them.
    pub pbf: Vec<PathBuf>,
    /// Layer files (GeoJSON) by layer.
    pub geojson: Vec<(LayerKind, PathBuf)>,
    /// The area to cover when no admin units are given.
    pub boundary: Option<PathBuf>,
    /// The census table by county; needs `county`.
    pub census: Option<PathBuf>,
    /// The county; else the county of the admin codes, else the store's
    /// only county, else the placeholder 999999.
    pub county: Option<CountyCode>,
    /// Scale residents to the census population of the county.
    pub scale_to_county: bool,
    /// Persons per household, overriding the census.
    pub household_size: Option<f64>,
    pub population: PopulationParams,
    pub options: ImportOptions,
}

/// What an import did, for the caller to report.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub county: CountyCode,
    pub layers: Layers,
    pub report: ImportReport,
    pub population: PopulationSummary,
    /// The census row used: (code, name, residents, household size).
    pub census: Option<(u32, String, f64, f64)>,
    /// Census rows skipped: (line, code, why).
    pub census_rejected: Vec<(usize, String, String)>,
    /// Rows written per layer.
    pub written: BTreeMap<LayerKind, u64>,
    /// Plans of the county made from the layers this import replaced.
    pub stale_plans: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Input(#[from] partition::import::ImportError),
    #[error("census table {path}: {message}")]
    Census { path: String, message: String },
    #[error("population parameters: {0}")]
    Population(String),
    #[error("--census needs --county")]
    CensusWithoutCounty,
    #[error("the inputs hold admin units of several counties ({0}); import each with --county")]
    SeveralCounties(String),
    #[error("admin unit {code} is not in county {county}: import it with --county {}", &code[..6])]
    OtherCounty { code: String, county: CountyCode },
    #[error("nothing usable was read from the inputs; the store is unchanged")]
    NothingUsable(Box<(ImportReport, Layers)>),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("reading the inputs stopped: {0}")]
    Stopped(String),
}

/// Hears what an import is doing (the CLI draws progress bars).
pub trait ImportProgress: Send + Sync {
    fn stage(&self, _what: &str) {}
    /// Called with the rows written so far, of `total`.
    fn rows(&self, _written: u64, _total: u64) {}
}

/// No progress shown.
pub struct Quiet;
impl ImportProgress for Quiet {}

/// The inputs read, before anything is written (no store is touched, so
/// nothing is created from inputs that hold nothing usable).
#[derive(Debug)]
pub struct Prepared {
    job: ImportJob,
    layers: Layers,
    report: ImportReport,
    params: PopulationParams,
    census: Option<(u32, String, f64, f64)>,
    census_rejected: Vec<(usize, String, String)>,
}

/// Reads the census and every input.
pub async fn prepare(
    job: &ImportJob,
    progress: Arc<dyn ImportProgress>,
) -> Result<Prepared, ImportError> {
    let mut params = job.population.clone();
    let mut census = None;
    let mut census_rejected = Vec::new();
    if let Some(path) = &job.census {
        let c = job.county.ok_or(ImportError::CensusWithoutCounty)?;
        let table = CensusTable::read(path)?;
        let row = table
            .county(c.as_u32())
            .map_err(|message| ImportError::Census {
                path: path.display().to_string(),
                message,
            })?;
        census_rejected = table.rejected().to_vec();
        params.household_size = row.household_size;
        if job.scale_to_county {
            params.total = Some(row.population);
        }
        census = Some((
            row.adcode,
            row.name.clone(),
            row.population,
            row.household_size,
        ));
    }
    if let Some(h) = job.household_size {
        params.household_size = h;
    }
    params.validate().map_err(ImportError::Population)?;

    // Reading and parsing are CPU work: off the async executor.
    let read_job = job.clone();
    let read_progress = progress.clone();
    let (layers, report) =
        tokio::task::spawn_blocking(move || read_inputs(&read_job, read_progress.as_ref()))
            .await
            .map_err(|e| ImportError::Stopped(e.to_string()))?;
    if report.total_imported() == 0 {
        return Err(ImportError::NothingUsable(Box::new((report, layers))));
    }
    Ok(Prepared {
        job: job.clone(),
        layers,
        report,
        params,
        census,
        census_rejected,
    })
}

/// Writes what was read to the store as the county's layers, with the
/// admin units and sites it did not bring taken from the store.
pub async fn import_into(
    store: &Store,
    prepared: Prepared,
    progress: Arc<dyn ImportProgress>,
) -> Result<ImportOutcome, ImportError> {
    let Prepared {
        job,
        mut layers,
        mut report,
        params,
        census,
        census_rejected,
    } = prepared;
    let job = &job;

    let county = match job.county {
        Some(c) => c,
        None => county_of(&layers, store).await?,
    };
    if let Some(u) = layers
        .admin
        .iter()
        .find(|u| u.code.county() != county.as_u32())
    {
        return Err(ImportError::OtherCounty {
            code: u.code.to_string(),
            county,
        });
    }
    // Layers this import does not bring are taken from the store, so that
    // population scaling sees the county's admin units and sites.
    let wanted: Vec<LayerKind> = [LayerKind::Admin, LayerKind::Sites]
        .into_iter()
        .filter(|k| !layers.supplied.contains(k))
        .collect();
    let kept = if wanted.is_empty() || !store.counties().await?.iter().any(|c| c.code == county) {
        Layers::default()
    } else {
        store.read_layers(county, &wanted).await?
    };
    let boundary = match &job.boundary {
        Some(b) => Some(read_boundary_file(b, &job.options)?),
        None => None,
    };
    if !layers.supplied.contains(&LayerKind::Admin) && !kept.admin.is_empty() {
        layers.admin = kept.admin;
    } else {
        for note in complete_hierarchy(&mut layers, Some(county.as_u32()), boundary.clone()) {
            report.notes.push(note.to_string());
        }
    }
    // Buildings no village holds get units of their own, so the plan keeps
    // every resident (see `cover_the_rest`).
    let outside = if layers.supplied.contains(&LayerKind::Buildings) {
        cover_the_rest(&mut layers, county.as_u32(), boundary.as_ref())
    } else {
        None
    };
    if !layers.supplied.contains(&LayerKind::Sites) {
        layers.sites = kept.sites;
    }
    let population = if layers.supplied.contains(&LayerKind::Buildings) {
        progress.stage("estimating population");
        let (mut l, p) = (layers, params.clone());
        let (l, s) = tokio::task::spawn_blocking(move || {
            let s = assign_population(&mut l, &p);
            (l, s)
        })
        .await
        .map_err(|e| ImportError::Stopped(e.to_string()))?;
        layers = l;
        s
    } else {
        PopulationSummary::default()
    };
    if let Some(o) = &outside {
        report.notes.extend(outside_notes(o, &layers));
    }

    let stale_plans = store
        .plans()
        .await?
        .iter()
        .filter(|p| p.county == county)
        .count();
    let total: u64 = layers
        .supplied
        .iter()
        .map(|k| layers.count(*k) as u64)
        .sum();
    let record = ImportRecord {
        county_name: census.as_ref().map(|c| c.1.clone()),
        household_size: Some(params.household_size),
        inputs: inputs_of(job),
        report: serde_json::to_string(&report).unwrap_or_default(),
        population: serde_json::to_string(&population).ok(),
        meta: BTreeMap::new(),
    };
    progress.stage("writing");
    let written_so_far = std::sync::atomic::AtomicU64::new(0);
    let written = store
        .replace_layers(county, &layers, &record, &|n| {
            let w = written_so_far.fetch_add(n, std::sync::atomic::Ordering::Relaxed) + n;
            progress.rows(w, total);
        })
        .await?;
    Ok(ImportOutcome {
        county,
        layers,
        report,
        population,
        census,
        census_rejected,
        written,
        stale_plans,
    })
}

fn read_inputs(job: &ImportJob, progress: &dyn ImportProgress) -> (Layers, ImportReport) {
    let mut options = job.options.clone();
    // OSM boundaries are coded under the county being imported.
    options.county = job.county.map(CountyCode::as_u32);
    let mut importer = Importer::new(options);
    let mut file_errors = Vec::new();
    for p in &job.pbf {
        progress.stage(&format!("reading {}", p.display()));
        if let Err(e) = importer.read_pbf_file(p) {
            file_errors.push(e.to_string());
        }
    }
    for (kind, p) in &job.geojson {
        progress.stage(&format!("reading {} ({kind})", p.display()));
        if let Err(e) = importer.read_geojson_file(p, *kind) {
            file_errors.push(e.to_string());
        }
    }
    let (layers, mut report) = importer.finish();
    report.input_errors.splice(0..0, file_errors);
    (layers, report)
}

fn inputs_of(job: &ImportJob) -> Vec<String> {
    job.pbf
        .iter()
        .map(|p| p.display().to_string())
        .chain(
            job.geojson
                .iter()
                .map(|(k, p)| format!("{k}={}", p.display())),
        )
        .collect()
}

/// The county of an import that names none: its admin codes' county when
/// they agree, else the store's only county, else the placeholder.
async fn county_of(layers: &Layers, store: &Store) -> Result<CountyCode, ImportError> {
    let mut found: Vec<u32> = layers
        .admin
        .iter()
        .filter(|u| u.level != AdminLevel::County || u.code.county() != 0)
        .map(|u| u.code.county())
        .collect();
    found.sort_unstable();
    found.dedup();
    match found.as_slice() {
        [one] => Ok(CountyCode::new(*one).unwrap_or(CountyCode::PLACEHOLDER)),
        [] => Ok(match store.counties().await?.as_slice() {
            [one] => one.code,
            _ => CountyCode::PLACEHOLDER,
        }),
        many => Err(ImportError::SeveralCounties(
            many.iter()
                .map(|c| format!("{c:06}"))
                .collect::<Vec<_>>()
                .join(", "),
        )),
    }
}

/// What the import says of buildings outside every given village.
fn outside_notes(o: &partition::import::Outside, layers: &Layers) -> Vec<String> {
    let residents: f64 = o
        .buildings
        .iter()
        .filter_map(|&i| layers.buildings.get(i))
        .filter_map(|b| b.population)
        .sum();
    let mut notes = vec![format!(
        "{} buildings ({:.0} residents) lie outside every given village: {} unit(s) \"{}\" made for them under town {} ({})",
        o.buildings.len(),
        residents,
        o.villages.len(),
        partition::import::OUTSIDE_NAME,
        o.town,
        o.villages
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    )];
    if o.unplaced > 0 {
        notes.push(format!(
            "{} of them lie on slivers between the given boundaries too thin to be units; the partition will name them",
            o.unplaced
        ));
    }
    notes
}

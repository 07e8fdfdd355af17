//! The tile sources built from cases: `cases` (the window's cases and
//! every case still open, by status, level and category) and `hotspots`
//! (the window's Gi* hot and cold spots on H3 cells at resolution 9, k =
//! 2, FDR-corrected; cells in no bin are left out).

use std::collections::HashSet;
use std::sync::Arc;

use geo_types::{Coord, MultiPolygon};
use ops::cases::{Catalogue, Status};
use ops::hotspots::{HotspotParams, cell_id, cell_polygon, hotspots};
use ops::positions::UnixMs;

use super::registry::{BuildAt, BuildFuture, SourceFactory, SourceSpec};
use super::{Built, Clusters, Movement, WorkerFeature, WorkerSource};
use crate::mvt::TileValue;
use crate::store::cases::{CaseFilter, StoredCase};
use crate::store::{GridLevel, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Of {
    Cases,
    Hotspots,
}

pub struct CaseSource {
    of: Of,
    spec: SourceSpec,
    catalogue: Catalogue,
}

const CASE_KEYS: &[&str] = &[
    "id",
    "category",
    "category_name",
    "status",
    "status_name",
    "open",
    "level",
    "overdue",
    "reported",
    "reported_s",
    "grid",
];
/// Cases show one by one from this zoom; below it, in clusters.
pub const CLUSTER_BELOW_ZOOM: u8 = 14;
const HOT_KEYS: &[&str] = &["cell", "count", "z", "p", "bin"];

impl CaseSource {
    pub fn all(catalogue: &Catalogue) -> Vec<Box<dyn SourceFactory>> {
        [Of::Cases, Of::Hotspots]
            .into_iter()
            .map(|of| Box::new(Self::new(of, catalogue.clone())) as Box<dyn SourceFactory>)
            .collect()
    }

    fn new(of: Of, catalogue: Catalogue) -> Self {
        let (name, description, max_age) = match of {
            Of::Cases => (
                "cases",
                "Cases (民情工单) reported in a window, default today, and every case still open (?from=&to=)",
                10,
            ),
            Of::Hotspots => (
                "hotspots",
                "Hot and cold spots of the window's cases: Gi* on H3 cells (res 9, k = 2, FDR bins ±1–3) (?from=&to=)",
                60,
            ),
        };
        Self {
            of,
            catalogue,
            spec: SourceSpec::window(name, description, max_age, &["from", "to"]),
        }
    }
}

fn case_feature(c: &StoredCase, catalogue: &Catalogue, now: UnixMs) -> WorkerFeature {
    let s = c.state();
    let str = |v: &str| Some(TileValue::Str(v.to_string()));
    WorkerFeature {
        id: c.id as u64,
        worker: c.reporter.clone(),
        grids: vec![c.grid_code.clone()],
        values: vec![
            Some(TileValue::Int(c.id)),
            str(&c.category),
            str(&catalogue
                .find(&c.category)
                .map(|k| k.name.clone())
                .unwrap_or_default()),
            str(s.status.as_str()),
            str(s.status.chinese()),
            Some(TileValue::Bool(s.status.is_open())),
            Some(TileValue::Int(i64::from(s.level.get()))),
            Some(TileValue::Bool(ops::cases::kpi::overdue(
                &s,
                &c.category,
                catalogue,
                now,
            ))),
            str(&UnixMs(c.reported_at).rfc3339()),
            Some(TileValue::Int(c.reported_at.div_euclid(1000))),
            str(&c.grid_code),
        ],
        shape: Movement::At(Coord { x: c.lon, y: c.lat }),
    }
}

impl SourceFactory for CaseSource {
    fn spec(&self) -> &SourceSpec {
        &self.spec
    }

    fn build<'a>(&'a self, store: &'a crate::store::Store, at: BuildAt) -> BuildFuture<'a> {
        Box::pin(async move {
            let now = UnixMs::now();
            let (from, to) = at.window.unwrap_or((UnixMs(now.0 - 86_400_000), now));
            let window = CaseFilter {
                county: Some(at.county),
                from: Some(from),
                to: Some(to),
                ..CaseFilter::default()
            };
            let mut cases = store.all_cases(&window).await?;
            let features = match self.of {
                Of::Cases => {
                    let open = store
                        .all_cases(&CaseFilter {
                            county: Some(at.county),
                            statuses: Status::ALL.into_iter().filter(|s| s.is_open()).collect(),
                            ..CaseFilter::default()
                        })
                        .await?;
                    let seen: HashSet<i64> = cases.iter().map(|c| c.id).collect();
                    cases.extend(open.into_iter().filter(|c| !seen.contains(&c.id)));
                    cases
                        .iter()
                        .map(|c| case_feature(c, &self.catalogue, now))
                        .collect()
                }
                Of::Hotspots => match at.plan {
                    None => Vec::new(),
                    Some(plan) => {
                        let grids = store.plan_grids(plan, GridLevel::Grid).await?;
                        let county = at.county.to_string();
                        tokio::task::spawn_blocking(move || hot_features(&cases, &grids, county))
                            .await
                            .map_err(|e| StoreError::Open {
                                path: "hot spots".into(),
                                message: e.to_string(),
                            })??
                    }
                },
            };
            let keys = match self.of {
                Of::Cases => CASE_KEYS,
                Of::Hotspots => HOT_KEYS,
            };
            let source = WorkerSource::new(self.spec.name, keys, features);
            Ok(Built::Tiles(Arc::new(match self.of {
                // A county's open cases are thousands: clusters below a
                // village's zoom, each with its open, overdue and top level.
                Of::Cases => source.clustered(Clusters {
                    below_zoom: CLUSTER_BELOW_ZOOM,
                    flags: &["open", "overdue"],
                    max_of: Some("level"),
                }),
                Of::Hotspots => source,
            })))
        })
    }
}

fn hot_features(
    cases: &[StoredCase],
    grids: &[crate::store::StoredGrid],
    county: String,
) -> Result<Vec<WorkerFeature>, StoreError> {
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    let area = MultiPolygon(
        grids
            .iter()
            .flat_map(|g| g.geometry.0.iter().cloned())
            .collect(),
    );
    let points: Vec<Coord<f64>> = cases.iter().map(|c| Coord { x: c.lon, y: c.lat }).collect();
    let cells =
        hotspots(&points, &area, &HotspotParams::default()).map_err(|e| StoreError::Open {
            path: "hot spots".into(),
            message: e.to_string(),
        })?;
    Ok(cells
        .into_iter()
        .filter(|c| c.bin != 0)
        .filter_map(|c| {
            let outline = cell_polygon(&c.cell)?;
            Some(WorkerFeature {
                id: cell_id(&c.cell)?,
                worker: String::new(),
                // Hot spots are the county's: every scope of it sees them.
                grids: vec![county.clone()],
                values: vec![
                    Some(TileValue::Str(c.cell.clone())),
                    Some(TileValue::Int(i64::from(c.count))),
                    Some(TileValue::Double((c.z * 1000.0).round() / 1000.0)),
                    Some(TileValue::Double(c.p)),
                    Some(TileValue::Int(i64::from(c.bin))),
                ],
                shape: Movement::Area(MultiPolygon(vec![outline])),
            })
        })
        .collect())
}

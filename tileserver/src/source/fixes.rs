//! The tile sources built from grid workers' fixes: `positions` (each
//! worker's latest fix and whether it is online), `tracks` (patrols over a
//! window) and `visits` (stays of 50 m / 10 min, with the grid they lie
//! in). They are rebuilt once older than their tiles' `max_age`.

use std::sync::Arc;
use std::time::Duration;

use geo::{BoundingRect, Contains};
use geo_types::{Coord, LineString};
use ops::positions::UnixMs;
use ops::roster::Worker;
use ops::tracks::{SegmentParams, Segmented, segment, simplify};
use rstar::RTree;

use super::index::{Indexed, build_index};
use super::registry::{BuildAt, BuildFuture, SourceFactory, SourceSpec};
use super::{Built, Movement, WorkerFeature, WorkerSource};
use crate::mvt::TileValue;
use crate::store::{CountyCode, GridLevel, PlanId, Store, StoreError};

/// Which of the three sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Of {
    Positions,
    Tracks,
    Visits,
}

pub struct FixSource {
    of: Of,
    spec: SourceSpec,
    online_timeout: Duration,
}

const POSITION_KEYS: &[&str] = &[
    "name", "role", "grids", "online", "time", "age_s", "battery", "speed", "heading",
];
const TRACK_KEYS: &[&str] = &[
    "name",
    "start",
    "end",
    "start_s",
    "end_s",
    "distance_m",
    "moving_s",
    "fixes",
];
const VISIT_KEYS: &[&str] = &["name", "start", "end", "start_s", "minutes", "grid"];

impl FixSource {
    /// The three sources; `online_timeout` is the server's (a worker is
    /// online with a fix younger than it).
    pub fn all(online_timeout: Duration) -> Vec<Box<dyn SourceFactory>> {
        [Of::Positions, Of::Tracks, Of::Visits]
            .into_iter()
            .map(|of| Box::new(Self::new(of, online_timeout)) as Box<dyn SourceFactory>)
            .collect()
    }

    fn new(of: Of, online_timeout: Duration) -> Self {
        let (name, description, max_age, params): (_, _, _, &'static [&'static str]) = match of {
            Of::Positions => (
                "positions",
                "Grid workers' latest positions, online or not (refreshed every 5 s; ?worker=)",
                5,
                &["worker"],
            ),
            Of::Tracks => (
                "tracks",
                "Patrols (走访轨迹) of grid workers over a window, default today (?from=&to=&worker=)",
                15,
                &["from", "to", "worker"],
            ),
            Of::Visits => (
                "visits",
                "Visits (走访): stays of 50 m / 10 min, with their grid (?from=&to=&worker=)",
                30,
                &["from", "to", "worker"],
            ),
        };
        Self {
            of,
            online_timeout,
            spec: SourceSpec::window(name, description, max_age, params),
        }
    }
}

impl SourceFactory for FixSource {
    fn spec(&self) -> &SourceSpec {
        &self.spec
    }

    fn build<'a>(&'a self, store: &'a Store, at: BuildAt) -> BuildFuture<'a> {
        Box::pin(async move {
            let features = match self.of {
                Of::Positions => positions(store, at.county, self.online_timeout).await?,
                Of::Tracks | Of::Visits => {
                    let now = UnixMs::now();
                    let (from, to) = at.window.unwrap_or((UnixMs(now.0 - 86_400_000), now));
                    let grids = match (self.of, at.plan) {
                        (Of::Visits, Some(plan)) => Some(GridFinder::load(store, plan).await?),
                        _ => None,
                    };
                    let mut out = Vec::new();
                    // One worker at a time: memory holds one worker's fixes,
                    // not the county's.
                    for w in store.workers(Some(at.county)).await? {
                        let fixes = store.fixes(&w.worker.id, from, to).await?;
                        if fixes.is_empty() {
                            continue;
                        }
                        let seg = tokio::task::spawn_blocking(move || {
                            segment(&fixes, &SegmentParams::default())
                        })
                        .await
                        .map_err(|e| StoreError::Open {
                            path: "patrol segmentation".into(),
                            message: e.to_string(),
                        })?;
                        match self.of {
                            Of::Tracks => tracks(&w.worker, &seg, &mut out),
                            _ => visits(&w.worker, &seg, grids.as_ref(), &mut out),
                        }
                    }
                    out
                }
            };
            let keys = match self.of {
                Of::Positions => POSITION_KEYS,
                Of::Tracks => TRACK_KEYS,
                Of::Visits => VISIT_KEYS,
            };
            Ok(Built::Tiles(Arc::new(WorkerSource::new(
                self.spec.name,
                keys,
                features,
            ))))
        })
    }
}

fn str(s: impl Into<String>) -> TileValue {
    TileValue::Str(s.into())
}

fn seconds(t: UnixMs) -> TileValue {
    TileValue::Int(t.0.div_euclid(1000))
}

/// A stable feature id from a worker and an instant, so a feature keeps
/// its id from one rebuild to the next (MapLibre's feature state).
fn feature_id(worker: &str, t: UnixMs) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in worker.bytes().chain(t.0.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    // MapLibre keeps ids in doubles: 53 bits.
    h & ((1 << 53) - 1)
}

async fn positions(
    store: &Store,
    county: CountyCode,
    online_timeout: Duration,
) -> Result<Vec<WorkerFeature>, StoreError> {
    let roster: std::collections::HashMap<String, _> = store
        .workers(Some(county))
        .await?
        .into_iter()
        .map(|w| (w.worker.id.to_string(), w))
        .collect();
    let latest = store.latest_fixes(Some(county)).await?;
    let now = UnixMs::now();
    let timeout_ms = online_timeout.as_millis() as i64;
    Ok(latest
        .into_iter()
        .filter_map(|f| {
            let w = roster.get(f.worker.as_str())?;
            let age = (now.0 - f.time.0).max(0);
            let opt = |v: Option<f32>| v.map(TileValue::Float);
            Some(WorkerFeature {
                id: feature_id(w.worker.id.as_str(), UnixMs(0)),
                worker: w.worker.id.to_string(),
                grids: w.worker.grids.clone(),
                values: vec![
                    Some(str(w.worker.name.clone())),
                    Some(str(w.worker.role.as_str())),
                    Some(str(w.worker.grids.join(";"))),
                    Some(TileValue::Bool(age <= timeout_ms)),
                    Some(str(f.time.rfc3339())),
                    Some(TileValue::Int(age / 1000)),
                    opt(f.battery),
                    opt(f.speed),
                    opt(f.heading),
                ],
                shape: Movement::At(f.coord()),
            })
        })
        .collect())
}

fn tracks(w: &Worker, seg: &Segmented, out: &mut Vec<WorkerFeature>) {
    for p in &seg.patrols {
        let pts: Vec<Coord<f64>> = p.points.iter().map(|q| q.1).collect();
        let line: LineString<f64> = simplify::simplify(&pts, simplify::DISPLAY_TOLERANCE_M);
        out.push(WorkerFeature {
            id: feature_id(w.id.as_str(), p.start()),
            worker: w.id.to_string(),
            grids: w.grids.clone(),
            values: vec![
                str(w.name.clone()),
                str(p.start().rfc3339()),
                str(p.end().rfc3339()),
                seconds(p.start()),
                seconds(p.end()),
                TileValue::Double((p.measures.distance_m * 10.0).round() / 10.0),
                TileValue::Double(p.measures.moving_s.round()),
                TileValue::Int(p.points.len() as i64),
            ]
            .into_iter()
            .map(Some)
            .collect(),
            shape: Movement::Path(line),
        });
    }
}

fn visits(w: &Worker, seg: &Segmented, grids: Option<&GridFinder>, out: &mut Vec<WorkerFeature>) {
    for v in &seg.visits {
        let at = Coord { x: v.lon, y: v.lat };
        let grid = grids.and_then(|g| g.find(at));
        let mut seen = w.grids.clone();
        if let Some(g) = &grid
            && !seen.contains(g)
        {
            seen.push(g.clone());
        }
        out.push(WorkerFeature {
            id: feature_id(w.id.as_str(), v.start),
            worker: w.id.to_string(),
            grids: seen,
            values: vec![
                str(w.name.clone()),
                str(v.start.rfc3339()),
                str(v.end.rfc3339()),
                seconds(v.start),
                TileValue::Double((v.start.secs_until(v.end) / 6.0).round() / 10.0),
            ]
            .into_iter()
            .map(Some)
            .chain([grid.map(str)])
            .collect(),
            shape: Movement::At(at),
        });
    }
}

/// The grid of a plan a point lies in.
struct GridFinder {
    codes: Vec<String>,
    shapes: Vec<geo_types::MultiPolygon<f64>>,
    index: RTree<Indexed>,
}

impl GridFinder {
    async fn load(store: &Store, plan: PlanId) -> Result<Self, StoreError> {
        let grids = store.plan_grids(plan, GridLevel::Grid).await?;
        let index = build_index(
            grids
                .iter()
                .enumerate()
                .filter_map(|(i, g)| Some((i, g.geometry.bounding_rect()?))),
        );
        let (codes, shapes) = grids.into_iter().map(|g| (g.code, g.geometry)).unzip();
        Ok(Self {
            codes,
            shapes,
            index,
        })
    }

    fn find(&self, c: Coord<f64>) -> Option<String> {
        let p = geo_types::Point(c);
        let at = rstar::AABB::from_point([c.x, c.y]);
        self.index
            .locate_in_envelope_intersecting(at)
            .map(|i| i.idx)
            .filter(|&i| self.shapes[i].contains(&p))
            .min()
            .map(|i| self.codes[i].clone())
    }
}

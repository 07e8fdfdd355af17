//! Patrol KPIs per grid and period: coverage (the share of a grid's
//! buildings within 30 m of its workers' tracks), patrol hours and
//! distance inside the grid, visits, and workers online.

use std::collections::{BTreeMap, HashMap, HashSet};

use geo::{BoundingRect, Contains, Distance, Euclidean};
use geo_types::{Coord, Line, MultiPolygon, Point, Rect};
use rstar::{AABB, RTree, RTreeObject};
use serde::Serialize;

use crate::coords::LocalPlane;
use crate::roster::{Worker, WorkerId};
use crate::tracks::{Patrol, Visit};

/// KPI parameters.
#[derive(Debug, Clone)]
pub struct PatrolKpiParams {
    /// A building within this distance of a track counts as covered.
    pub reach_m: f64,
    /// Grids whose coverage is below this are listed.
    pub min_coverage: f64,
}

impl Default for PatrolKpiParams {
    fn default() -> Self {
        Self {
            reach_m: 30.0,
            min_coverage: 0.5,
        }
    }
}

/// A grid as the KPIs need it (WGS84).
pub struct GridInput {
    pub code: String,
    pub area: MultiPolygon<f64>,
    pub buildings: Vec<MultiPolygon<f64>>,
}

/// One worker's patrols and visits over the period.
pub struct WorkerTracks<'a> {
    pub worker: &'a WorkerId,
    pub patrols: &'a [Patrol],
    pub visits: &'a [Visit],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GridPatrolKpi {
    pub grid: String,
    pub buildings: usize,
    pub buildings_covered: usize,
    /// `buildings_covered / buildings` (1 for a grid without buildings).
    pub coverage: f64,
    pub patrol_hours: f64,
    pub distance_km: f64,
    pub visits: usize,
    pub workers: usize,
    pub workers_online: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolKpis {
    pub grids: Vec<GridPatrolKpi>,
    /// Codes of grids under `min_coverage`.
    pub below: Vec<String>,
    pub min_coverage: f64,
}

/// A track segment in the county's plane, for the index.
struct Seg(Line<f64>);

impl RTreeObject for Seg {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(
            [
                self.0.start.x.min(self.0.end.x),
                self.0.start.y.min(self.0.end.y),
            ],
            [
                self.0.start.x.max(self.0.end.x),
                self.0.start.y.max(self.0.end.y),
            ],
        )
    }
}

fn plane_of(grids: &[GridInput]) -> LocalPlane {
    let mut r: Option<Rect<f64>> = None;
    for g in grids {
        if let Some(b) = g.area.bounding_rect() {
            r = Some(match r {
                None => b,
                Some(a) => Rect::new(
                    Coord {
                        x: a.min().x.min(b.min().x),
                        y: a.min().y.min(b.min().y),
                    },
                    Coord {
                        x: a.max().x.max(b.max().x),
                        y: a.max().y.max(b.max().y),
                    },
                ),
            });
        }
    }
    LocalPlane::new(r.map_or(Coord { x: 0.0, y: 0.0 }, |r| r.center()))
}

fn project_poly(plane: &LocalPlane, p: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    use geo::MapCoords;
    p.map_coords(|c| plane.forward(c))
}

/// The KPIs of every grid over the patrols and visits given.
pub fn patrol_kpis(
    grids: &[GridInput],
    roster: &[Worker],
    tracks: &[WorkerTracks<'_>],
    online: &HashSet<WorkerId>,
    params: &PatrolKpiParams,
) -> PatrolKpis {
    let plane = plane_of(grids);
    let by_code: HashMap<&str, usize> = grids
        .iter()
        .enumerate()
        .map(|(i, g)| (g.code.as_str(), i))
        .collect();
    let locator = Locator::new(grids);
    let mut workers_of: Vec<Vec<&WorkerId>> = vec![Vec::new(); grids.len()];
    for w in roster {
        for c in &w.grids {
            if let Some(&i) = by_code.get(c.as_str()) {
                workers_of[i].push(&w.id);
            }
        }
    }
    let tracks_of: HashMap<&WorkerId, &WorkerTracks<'_>> =
        tracks.iter().map(|t| (t.worker, t)).collect();
    // Hours, distance and visits land in the grid they happened in.
    let mut seconds = vec![0.0; grids.len()];
    let mut metres = vec![0.0; grids.len()];
    let mut visits = vec![0usize; grids.len()];
    for t in tracks {
        for p in t.patrols {
            for w in p.points.windows(2) {
                let mid = Coord {
                    x: (w[0].1.x + w[1].1.x) / 2.0,
                    y: (w[0].1.y + w[1].1.y) / 2.0,
                };
                if let Some(i) = locator.locate(mid) {
                    seconds[i] += w[0].0.secs_until(w[1].0);
                    metres[i] += crate::coords::haversine_m(w[0].1, w[1].1);
                }
            }
        }
        for v in t.visits {
            if let Some(i) = locator.locate(Coord { x: v.lon, y: v.lat }) {
                visits[i] += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(grids.len());
    for (i, g) in grids.iter().enumerate() {
        let segs: Vec<Seg> = workers_of[i]
            .iter()
            .filter_map(|w| tracks_of.get(w))
            .flat_map(|t| t.patrols.iter())
            .flat_map(|p| {
                p.points
                    .windows(2)
                    .map(|w| Seg(Line::new(plane.forward(w[0].1), plane.forward(w[1].1))))
            })
            .collect();
        let index = RTree::bulk_load(segs);
        let covered = g
            .buildings
            .iter()
            .filter(|b| {
                let local = project_poly(&plane, b);
                let Some(r) = local.bounding_rect() else {
                    return false;
                };
                let reach = params.reach_m;
                let env = AABB::from_corners(
                    [r.min().x - reach, r.min().y - reach],
                    [r.max().x + reach, r.max().y + reach],
                );
                index
                    .locate_in_envelope_intersecting(env)
                    .any(|s| Euclidean.distance(&local, &s.0) <= reach)
            })
            .count();
        let n = g.buildings.len();
        out.push(GridPatrolKpi {
            grid: g.code.clone(),
            buildings: n,
            buildings_covered: covered,
            coverage: if n == 0 {
                1.0
            } else {
                covered as f64 / n as f64
            },
            patrol_hours: seconds[i] / 3600.0,
            distance_km: metres[i] / 1000.0,
            visits: visits[i],
            workers: workers_of[i].len(),
            workers_online: workers_of[i]
                .iter()
                .filter(|w| online.contains(**w))
                .count(),
        });
    }
    let below = out
        .iter()
        .filter(|k| k.coverage < params.min_coverage)
        .map(|k| k.grid.clone())
        .collect();
    PatrolKpis {
        grids: out,
        below,
        min_coverage: params.min_coverage,
    }
}

/// Point-in-grid lookup over the grids' boxes, then their polygons.
struct Locator<'a> {
    grids: &'a [GridInput],
    index: RTree<rstar::primitives::GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
}

impl<'a> Locator<'a> {
    fn new(grids: &'a [GridInput]) -> Self {
        let items = grids
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.area.bounding_rect()?;
                Some(rstar::primitives::GeomWithData::new(
                    rstar::primitives::Rectangle::from_corners(
                        [r.min().x, r.min().y],
                        [r.max().x, r.max().y],
                    ),
                    i,
                ))
            })
            .collect();
        Self {
            grids,
            index: RTree::bulk_load(items),
        }
    }

    fn locate(&self, c: Coord<f64>) -> Option<usize> {
        let p = Point(c);
        let mut hits: Vec<usize> = self
            .index
            .locate_all_at_point([c.x, c.y])
            .map(|h| h.data)
            .filter(|&i| self.grids[i].area.contains(&p))
            .collect();
        hits.sort_unstable();
        hits.first().copied()
    }
}

/// KPIs as CSV (header first), for spreadsheets.
pub fn to_csv(k: &PatrolKpis) -> String {
    let mut s = String::from(
        "grid,buildings,buildings_covered,coverage,patrol_hours,distance_km,visits,workers,workers_online\n",
    );
    for g in &k.grids {
        s.push_str(&format!(
            "{},{},{},{:.4},{:.3},{:.3},{},{},{}\n",
            g.grid,
            g.buildings,
            g.buildings_covered,
            g.coverage,
            g.patrol_hours,
            g.distance_km,
            g.visits,
            g.workers,
            g.workers_online
        ));
    }
    s
}

/// Grid codes by coverage rank (lowest first), for rankings.
pub fn ranking(k: &PatrolKpis) -> BTreeMap<String, usize> {
    let mut v: Vec<&GridPatrolKpi> = k.grids.iter().collect();
    v.sort_by(|a, b| a.coverage.total_cmp(&b.coverage).then(a.grid.cmp(&b.grid)));
    v.into_iter()
        .enumerate()
        .map(|(i, g)| (g.grid.clone(), i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::positions::UnixMs;
    use crate::roster::WorkerRole;
    use crate::tracks::measure::measure;
    use geo_types::Polygon;

    fn square(plane: &LocalPlane, x0: f64, y0: f64, side: f64) -> Polygon<f64> {
        let c = |x: f64, y: f64| plane.inverse(Coord { x, y });
        Polygon::new(
            vec![
                c(x0, y0),
                c(x0 + side, y0),
                c(x0 + side, y0 + side),
                c(x0, y0 + side),
                c(x0, y0),
            ]
            .into(),
            vec![],
        )
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

        /// Fixes arriving in any order (and resent) give the same KPIs.
        #[test]
        fn kpis_do_not_depend_on_arrival_order(seed in proptest::prelude::any::<u64>()) {
            use crate::positions::Fix;
            use crate::tracks::{SegmentParams, segment};
            let plane = LocalPlane::new(Coord { x: 117.05, y: 28.29 });
            let grid = || GridInput {
                code: "360681001001001".into(),
                area: MultiPolygon(vec![square(&plane, -500.0, -500.0, 1000.0)]),
                buildings: (0..20)
                    .map(|i| MultiPolygon(vec![square(&plane, -400.0 + 40.0 * i as f64, 25.0 * (i % 3) as f64, 10.0)]))
                    .collect(),
            };
            let id = WorkerId::parse("w1").unwrap();
            let roster = vec![Worker {
                id: id.clone(),
                name: "张三".into(),
                role: WorkerRole::FullTime,
                grids: vec!["360681001001001".into()],
                phone: None,
            }];
            // A walk east with a stop, 1 Hz.
            let fixes: Vec<Fix> = (0..1500)
                .map(|s| {
                    let x = if (600..1300).contains(&s) { 200.0 } else { -450.0 + s as f64 * 0.6 };
                    let c = plane.inverse(Coord { x, y: 5.0 });
                    Fix { worker: id.clone(), time: UnixMs::seconds(1_800_000_000 + s), lon: c.x, lat: c.y,
                          accuracy: None, speed: None, heading: None, battery: None }
                })
                .collect();
            let kpis = |f: &[Fix]| {
                let seg = segment(f, &SegmentParams::default());
                let tracks = [WorkerTracks { worker: &id, patrols: &seg.patrols, visits: &seg.visits }];
                patrol_kpis(&[grid()], &roster, &tracks, &HashSet::new(), &PatrolKpiParams::default())
            };
            let expected = kpis(&fixes);
            let mut shuffled = fixes.clone();
            shuffled.extend(fixes[..100].iter().cloned());
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            proptest::prop_assert_eq!(kpis(&shuffled), expected);
        }
    }

    #[test]
    fn buildings_near_the_track_are_covered() {
        let plane = LocalPlane::new(Coord {
            x: 117.05,
            y: 28.29,
        });
        let grid = GridInput {
            code: "360681001001001".into(),
            area: MultiPolygon(vec![square(&plane, -500.0, -500.0, 1000.0)]),
            // One house 20 m north of the street, one 100 m north.
            buildings: vec![
                MultiPolygon(vec![square(&plane, 0.0, 20.0, 10.0)]),
                MultiPolygon(vec![square(&plane, 0.0, 100.0, 10.0)]),
            ],
        };
        let w = Worker {
            id: WorkerId::parse("w1").unwrap(),
            name: "张三".into(),
            role: WorkerRole::FullTime,
            grids: vec!["360681001001001".into()],
            phone: None,
        };
        let points: Vec<_> = (0..200)
            .map(|s| {
                (
                    UnixMs::seconds(s),
                    plane.inverse(Coord {
                        x: -100.0 + s as f64,
                        y: 0.0,
                    }),
                )
            })
            .collect();
        let patrol = Patrol {
            measures: measure(&points),
            points,
            day: 0,
        };
        let patrols = [patrol];
        let tracks = [WorkerTracks {
            worker: &w.id,
            patrols: &patrols,
            visits: &[],
        }];
        let online: HashSet<WorkerId> = [w.id.clone()].into();
        let k = patrol_kpis(
            &[grid],
            std::slice::from_ref(&w),
            &tracks,
            &online,
            &PatrolKpiParams::default(),
        );
        let g = &k.grids[0];
        assert_eq!((g.buildings, g.buildings_covered), (2, 1));
        assert_eq!(g.workers_online, 1);
        assert!((g.distance_km - 0.199).abs() < 0.002, "{}", g.distance_km);
        assert_eq!(k.below, Vec::<String>::new());
        assert!(
            to_csv(&k)
                .lines()
                .nth(1)
                .unwrap()
                .starts_with("360681001001001,2,1,0.5000")
        );
    }
}

use std::collections::HashMap;

use geo_types::{Coord, LineString, MultiPolygon, Polygon};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::SynthParams;
use super::layout::{CountyPlan, PlannedSiteKind, Rect, point_in_ring, random_in};
use super::names::NameMaker;
use crate::geometry::LocalProjection;
use crate::model::{
    AdminLevel, AdminUnit, Building, DivisionCode, FeatureId, Landuse, LayerKind, Layers, Railway,
    Road, RoadClass, Site, SiteKind, WaterArea, Waterway,
};
use crate::population::is_residential;

/// A grid cell key, metres divided by the cell size.
type CellKey = (i64, i64);
/// A segment with the clearance it needs.
type Segment = (Coord<f64>, Coord<f64>, f64);

/// Segments of rivers and the railway, hashed on a grid so that a million
/// "is this spot clear?" questions stay cheap.
struct Obstacles<'a> {
    cell: f64,
    segments: HashMap<CellKey, Vec<Segment>>,
    areas: Vec<&'a [Coord<f64>]>,
}

impl<'a> Obstacles<'a> {
    fn new(plan: &'a CountyPlan) -> Self {
        let mut o = Self {
            cell: 500.0,
            segments: HashMap::new(),
            areas: Vec::new(),
        };
        for (_, r) in &plan.rivers {
            o.add_line(r, 45.0);
        }
        o.add_line(&plan.railway, 30.0);
        o.areas.push(&plan.lake);
        o.areas.extend(plan.forests.iter().map(Vec::as_slice));
        o
    }

    fn key(&self, p: Coord<f64>) -> (i64, i64) {
        (
            (p.x / self.cell).floor() as i64,
            (p.y / self.cell).floor() as i64,
        )
    }

    fn add_line(&mut self, line: &[Coord<f64>], buffer: f64) {
        for w in line.windows(2) {
            let (a, b) = (w[0], w[1]);
            let steps = ((a.x - b.x).hypot(a.y - b.y) / (self.cell / 2.0))
                .ceil()
                .max(1.0) as usize;
            let mut keys = Vec::new();
            for s in 0..=steps {
                let t = s as f64 / steps as f64;
                let (kx, ky) = self.key(Coord {
                    x: a.x + t * (b.x - a.x),
                    y: a.y + t * (b.y - a.y),
                });
                for dx in -1..=1 {
                    for dy in -1..=1 {
                        keys.push((kx + dx, ky + dy));
                    }
                }
            }
            keys.sort_unstable();
            keys.dedup();
            for k in keys {
                self.segments.entry(k).or_default().push((a, b, buffer));
            }
        }
    }

    /// Whether a footprint of radius `r` at `p` would touch water, rail or
    /// forest.
    fn blocked(&self, p: Coord<f64>, r: f64) -> bool {
        if let Some(segs) = self.segments.get(&self.key(p)) {
            for &(a, b, buf) in segs {
                if seg_dist(p, a, b) < buf + r {
                    return true;
                }
            }
        }
        self.areas.iter().any(|ring| point_in_ring(p, ring))
    }
}

fn seg_dist(p: Coord<f64>, a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (p.x - a.x - t * dx).hypot(p.y - a.y - t * dy)
}

/// Accumulates features in metres and writes them in lon/lat.
struct Out {
    proj: LocalProjection,
    half: f64,
    layers: Layers,
    capacity: Vec<f64>,
    next_id: u64,
}

impl Out {
    fn ll(&self, c: Coord<f64>) -> Coord<f64> {
        let ll = self.proj.inverse(Coord {
            x: c.x - self.half,
            y: c.y - self.half,
        });
        // Round to the 7 decimals wangge writes, so a GeoJSON round trip
        // and a direct store write hold the same coordinates.
        Coord {
            x: (ll.x * 1e7).round() / 1e7,
            y: (ll.y * 1e7).round() / 1e7,
        }
    }

    /// Back from lon/lat to county metres.
    fn to_local(&self, c: Coord<f64>) -> Coord<f64> {
        let m = self.proj.forward(c);
        Coord {
            x: m.x + self.half,
            y: m.y + self.half,
        }
    }

    fn area(&self, ring: &[Coord<f64>]) -> MultiPolygon<f64> {
        let mut pts: Vec<Coord<f64>> = ring.iter().map(|&c| self.ll(c)).collect();
        pts.dedup();
        if let Some(&first) = pts.first() {
            pts.push(first);
        }
        MultiPolygon(vec![Polygon::new(LineString(pts), vec![])])
    }

    fn line(&self, pts: &[Coord<f64>]) -> LineString<f64> {
        LineString(pts.iter().map(|&c| self.ll(c)).collect())
    }

    fn id(&mut self, prefix: &str) -> FeatureId {
        self.next_id += 1;
        FeatureId(format!("synth:{prefix}{}", self.next_id))
    }

    fn road(&mut self, pts: &[Coord<f64>], class: RoadClass, name: Option<String>) {
        let id = self.id("r");
        let geometry = self.line(pts);
        self.layers.roads.push(Road {
            id,
            class,
            highway: class.as_str().to_string(),
            name,
            geometry,
        });
    }

    /// A building; `village` collects housing capacity for resident totals.
    #[allow(clippy::too_many_arguments)]
    fn building(
        &mut self,
        c: Coord<f64>,
        w: f64,
        h: f64,
        angle: f64,
        kind: &str,
        levels: f64,
        village: Option<usize>,
    ) {
        let (s, co) = angle.sin_cos();
        let corners = [
            (-w / 2.0, -h / 2.0),
            (w / 2.0, -h / 2.0),
            (w / 2.0, h / 2.0),
            (-w / 2.0, h / 2.0),
        ];
        let ring: Vec<Coord<f64>> = corners
            .iter()
            .map(|&(x, y)| Coord {
                x: c.x + x * co - y * s,
                y: c.y + x * s + y * co,
            })
            .collect();
        if let (Some(v), true) = (village, is_residential(kind)) {
            self.capacity[v] += w * h * levels;
        }
        let id = self.id("b");
        let geometry = self.area(&ring);
        self.layers.buildings.push(Building {
            id,
            kind: kind.to_string(),
            levels: Some(levels),
            height: None,
            population: None,
            households: None,
            population_source: None,
            geometry,
        });
    }
}

/// The village a point falls in: its town's nearest village seed.
fn village_at(plan: &CountyPlan, by_town: &[Vec<usize>], p: Coord<f64>) -> Option<usize> {
    let t = plan.town_at(p);
    by_town[t].iter().copied().min_by(|&a, &b| {
        let (sa, sb) = (plan.villages[a].seed, plan.villages[b].seed);
        (sa.x - p.x)
            .hypot(sa.y - p.y)
            .total_cmp(&(sb.x - p.x).hypot(sb.y - p.y))
    })
}

pub(super) fn build(plan: &CountyPlan, params: &SynthParams, rng: &mut ChaCha8Rng) -> Layers {
    let mut out = Out {
        proj: LocalProjection::new(params.center.0, params.center.1),
        half: plan.side / 2.0,
        layers: Layers::default(),
        capacity: vec![0.0; plan.villages.len()],
        next_id: 0,
    };
    let mut obstacles = Obstacles::new(plan);
    let mut by_town = vec![Vec::new(); plan.towns.len()];
    for (i, v) in plan.villages.iter().enumerate() {
        by_town[v.town].push(i);
    }
    let mut names = NameMaker::new();

    // Arterials first: houses keep clear of them, as real roads do not run
    // through buildings.
    let first_road = out.layers.roads.len();
    arterials(plan, &mut out, &mut names, rng);
    for r in &out.layers.roads[first_road..] {
        let pts: Vec<Coord<f64>> = r.geometry.0.iter().map(|&c| out.to_local(c)).collect();
        obstacles.add_line(&pts, 14.0);
    }
    cores(plan, &mut out, &obstacles, &by_town, &mut names, rng);
    sites(plan, &mut out, &by_town, rng);
    // The countryside takes whatever the cores and sites could not place,
    // so the county holds exactly the buildings asked for.
    let rural = params.buildings.saturating_sub(out.layers.buildings.len());
    countryside(plan, rural, &mut out, &obstacles, &by_town, rng);
    nature(plan, &mut out, &mut names);
    admin(plan, params, &mut out, rng);
    out.layers.supplied.extend(LayerKind::ALL);
    out.layers
}

fn cores(
    plan: &CountyPlan,
    out: &mut Out,
    obstacles: &Obstacles<'_>,
    by_town: &[Vec<usize>],
    names: &mut NameMaker,
    rng: &mut ChaCha8Rng,
) {
    for core in &plan.cores {
        let r = core.rect();
        let k = core.blocks;
        let b = core.block;
        for i in 0..=k {
            let x = r.min.x + i as f64 * b;
            let y = r.min.y + i as f64 * b;
            let class = if i == k / 2 {
                RoadClass::Primary
            } else if i % 4 == 0 || i == k {
                if core.seat {
                    RoadClass::Secondary
                } else {
                    RoadClass::Tertiary
                }
            } else {
                RoadClass::Residential
            };
            let named = class <= RoadClass::Tertiary;
            let n1 = named.then(|| names.make(rng, "路"));
            let n2 = named.then(|| names.make(rng, "街"));
            out.road(
                &[Coord { x, y: r.min.y }, Coord { x, y: r.max.y }],
                class,
                n1,
            );
            out.road(
                &[Coord { x: r.min.x, y }, Coord { x: r.max.x, y }],
                class,
                n2,
            );
        }
        let (id, geometry) = (out.id("l"), out.area(&r.ring()));
        out.layers.landuse.push(Landuse {
            id,
            class: "residential".into(),
            name: None,
            geometry,
        });

        // Fill blocks from the centre outwards until the quota is met.
        let mut blocks: Vec<(usize, usize)> =
            (0..k).flat_map(|i| (0..k).map(move |j| (i, j))).collect();
        let mid = (k as f64 - 1.0) / 2.0;
        blocks.sort_by(|a, c| {
            let da = (a.0 as f64 - mid).hypot(a.1 as f64 - mid);
            let dc = (c.0 as f64 - mid).hypot(c.1 as f64 - mid);
            da.total_cmp(&dc).then(a.cmp(c))
        });
        let mut placed = 0;
        for (i, j) in blocks {
            if placed >= core.quota {
                break;
            }
            let origin = Coord {
                x: r.min.x + i as f64 * b,
                y: r.min.y + j as f64 * b,
            };
            let centre = Coord {
                x: origin.x + b / 2.0,
                y: origin.y + b / 2.0,
            };
            let village = village_at(plan, by_town, centre);
            let closeness =
                1.0 - ((i as f64 - mid).hypot(j as f64 - mid) / (k as f64 / 1.4)).min(1.0);
            let roll: f64 = rng.random();
            // (width, depth, pitch x, pitch y, kind, levels range)
            let (w, d, px, py, kinds, levels): (f64, f64, f64, f64, &[&str], (f64, f64)) =
                if core.seat {
                    if roll < 0.65 {
                        (
                            38.0,
                            12.0,
                            46.0,
                            30.0,
                            &["apartments", "apartments", "residential"],
                            (6.0, 8.0 + 25.0 * closeness),
                        )
                    } else if roll < 0.9 {
                        (
                            10.0,
                            10.0,
                            13.0,
                            13.0,
                            &["yes", "residential", "house"],
                            (3.0, 6.0),
                        )
                    } else {
                        (
                            60.0,
                            40.0,
                            70.0,
                            50.0,
                            &["commercial", "retail", "office", "public"],
                            (3.0, 10.0),
                        )
                    }
                } else if roll < 0.4 {
                    (
                        30.0,
                        12.0,
                        36.0,
                        26.0,
                        &["apartments", "residential"],
                        (4.0, 7.0),
                    )
                } else if roll < 0.95 {
                    (
                        11.0,
                        11.0,
                        15.0,
                        15.0,
                        &["house", "yes", "residential"],
                        (2.0, 4.0),
                    )
                } else {
                    (
                        40.0,
                        30.0,
                        50.0,
                        40.0,
                        &["commercial", "retail"],
                        (2.0, 4.0),
                    )
                };
            let margin = 9.0;
            let cols = ((b - 2.0 * margin - w) / px).floor().max(0.0) as usize + 1;
            let rows = ((b - 2.0 * margin - d) / py).floor().max(0.0) as usize + 1;
            for cx in 0..cols {
                for cy in 0..rows {
                    if placed >= core.quota {
                        break;
                    }
                    if w < 15.0 && rng.random::<f64>() < 0.08 {
                        continue;
                    }
                    let c = Coord {
                        x: origin.x + margin + w / 2.0 + cx as f64 * px,
                        y: origin.y + margin + d / 2.0 + cy as f64 * py,
                    };
                    if obstacles.blocked(c, w.max(d) / 2.0) {
                        continue;
                    }
                    let kind = kinds[rng.random_range(0..kinds.len())];
                    let lv = random_in(rng, levels.0, levels.1.max(levels.0 + 1.0)).round();
                    out.building(c, w, d, 0.0, kind, lv, village);
                    placed += 1;
                }
            }
        }
    }
}

fn polyline(rng: &mut ChaCha8Rng, a: Coord<f64>, b: Coord<f64>, wobble: f64) -> Vec<Coord<f64>> {
    let len = (b.x - a.x).hypot(b.y - a.y);
    let steps = ((len / 600.0).ceil() as usize).max(1);
    let (nx, ny) = (-(b.y - a.y) / len.max(1e-9), (b.x - a.x) / len.max(1e-9));
    let mut off = 0.0;
    (0..=steps)
        .map(|i| {
            let t = i as f64 / steps as f64;
            if i > 0 && i < steps {
                off = (off + random_in(rng, -wobble, wobble)).clamp(-len * 0.05, len * 0.05);
            } else {
                off = 0.0;
            }
            Coord {
                x: a.x + t * (b.x - a.x) + nx * off,
                y: a.y + t * (b.y - a.y) + ny * off,
            }
        })
        .collect()
}

fn arterials(plan: &CountyPlan, out: &mut Out, names: &mut NameMaker, rng: &mut ChaCha8Rng) {
    let seat = plan.cores[0].center;
    let mut towns: Vec<Coord<f64>> = plan.cores.iter().skip(1).map(|c| c.center).collect();
    towns.sort_by(|a, b| {
        (a.x - seat.x)
            .hypot(a.y - seat.y)
            .total_cmp(&(b.x - seat.x).hypot(b.y - seat.y))
    });
    for (i, &t) in towns.iter().enumerate() {
        let class = if i < 4 {
            RoadClass::Primary
        } else {
            RoadClass::Secondary
        };
        let pts = polyline(rng, seat, t, 120.0);
        let name = names.make(rng, "公路");
        out.road(&pts, class, Some(name));
    }
    for (i, &a) in towns.iter().enumerate() {
        let nearest = towns
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .min_by(|x, y| {
                (x.1.x - a.x)
                    .hypot(x.1.y - a.y)
                    .total_cmp(&(y.1.x - a.x).hypot(y.1.y - a.y))
            });
        if let Some((_, &b)) = nearest.filter(|(j, _)| i < *j) {
            let pts = polyline(rng, a, b, 100.0);
            out.road(&pts, RoadClass::Secondary, None);
        }
    }
    let s = plan.side;
    let y0 = seat.y + plan.cores[0].rect().max.y - seat.y + 2_500.0;
    let pts = polyline(
        rng,
        Coord {
            x: 0.0,
            y: y0 - s * 0.05,
        },
        Coord {
            x: s,
            y: y0 + s * 0.05,
        },
        60.0,
    );
    let name = names.make(rng, "高速");
    out.road(&pts, RoadClass::Motorway, Some(name));
}

fn sites(plan: &CountyPlan, out: &mut Out, by_town: &[Vec<usize>], rng: &mut ChaCha8Rng) {
    for site in &plan.sites {
        let r = site.rect;
        let kind = match site.kind {
            PlannedSiteKind::IndustrialPark => SiteKind::Industrial,
            PlannedSiteKind::University => SiteKind::University,
            PlannedSiteKind::School => SiteKind::School,
            PlannedSiteKind::Hospital => SiteKind::Hospital,
            PlannedSiteKind::Market => SiteKind::Marketplace,
        };
        let id = out.id("s");
        let geometry = out.area(&r.ring());
        out.layers.sites.push(Site {
            id,
            kind,
            name: Some(site.name.clone()),
            geometry: geometry.clone(),
        });
        if kind == SiteKind::Industrial {
            let id = out.id("l");
            out.layers.landuse.push(Landuse {
                id,
                class: "industrial".into(),
                name: Some(site.name.clone()),
                geometry,
            });
        }
        let ring = r.ring();
        let mut closed = ring.clone();
        closed.push(ring[0]);
        out.road(&closed, RoadClass::Tertiary, None);
        let village = village_at(
            plan,
            by_town,
            Coord {
                x: (r.min.x + r.max.x) / 2.0,
                y: (r.min.y + r.max.y) / 2.0,
            },
        );
        let inner = r.grow(-20.0);
        let (w, d, kinds, levels): (f64, f64, &[&str], (f64, f64)) = match site.kind {
            PlannedSiteKind::IndustrialPark => (
                40.0,
                70.0,
                &["industrial", "industrial", "warehouse"],
                (1.0, 3.0),
            ),
            PlannedSiteKind::University => (
                50.0,
                18.0,
                &["university", "dormitory", "dormitory"],
                (4.0, 8.0),
            ),
            PlannedSiteKind::School => (50.0, 16.0, &["school", "school", "dormitory"], (3.0, 6.0)),
            PlannedSiteKind::Hospital => (60.0, 24.0, &["hospital"], (5.0, 15.0)),
            PlannedSiteKind::Market => (50.0, 30.0, &["retail"], (1.0, 2.0)),
        };
        let cols = ((site.buildings as f64 * (inner.max.x - inner.min.x)
            / (inner.max.y - inner.min.y).max(1.0))
        .sqrt()
        .ceil() as usize)
            .max(1);
        let rows = site.buildings.div_ceil(cols);
        let px = (inner.max.x - inner.min.x) / cols as f64;
        let py = (inner.max.y - inner.min.y) / rows as f64;
        let mut n = 0;
        for i in 0..cols {
            for j in 0..rows {
                if n >= site.buildings {
                    break;
                }
                let c = Coord {
                    x: inner.min.x + (i as f64 + 0.5) * px,
                    y: inner.min.y + (j as f64 + 0.5) * py,
                };
                let kind = kinds[n % kinds.len()];
                let lv = random_in(rng, levels.0, levels.1).round();
                out.building(c, w.min(px * 0.8), d.min(py * 0.8), 0.0, kind, lv, village);
                n += 1;
            }
        }
        if site.kind == PlannedSiteKind::IndustrialPark {
            let mid = (inner.min.y + inner.max.y) / 2.0;
            out.road(
                &[Coord { x: r.min.x, y: mid }, Coord { x: r.max.x, y: mid }],
                RoadClass::Service,
                None,
            );
        }
    }
}

/// Natural villages (自然村): clusters of houses along lanes, each tied to
/// its administrative village by a country road.
fn countryside(
    plan: &CountyPlan,
    quota: usize,
    out: &mut Out,
    obstacles: &Obstacles<'_>,
    by_town: &[Vec<usize>],
    rng: &mut ChaCha8Rng,
) {
    let mut rural: Vec<usize> = (0..plan.villages.len())
        .filter(|&i| !plan.villages[i].urban)
        .collect();
    if rural.is_empty() {
        rural = (0..plan.villages.len()).collect();
    }
    if rural.is_empty() || quota == 0 {
        return;
    }
    let avoid: Vec<Rect> = plan
        .cores
        .iter()
        .map(|c| c.rect().grow(150.0))
        .chain(plan.sites.iter().map(|s| s.rect.grow(60.0)))
        .collect();
    let mut hamlets: HashMap<CellKey, Vec<(Coord<f64>, f64)>> = HashMap::new();
    let cell = 1_000.0;
    let mut connected = vec![false; plan.villages.len()];
    let mut placed = 0usize;
    let mut failures = 0usize;
    let mut turn = 0usize;
    while placed < quota && failures < 200_000 {
        let vi = rural[turn % rural.len()];
        turn += 1;
        let v = &plan.villages[vi];
        let size = (random_in(rng, 3.5, 5.5).exp().round() as usize)
            .clamp(20, 400)
            .min(quota - placed);
        let rows = ((size as f64 / 2.0).sqrt().ceil() as usize).max(1);
        let per_row = size.div_ceil(rows);
        let radius = (per_row as f64 * 16.0).hypot(rows as f64 * 26.0) / 2.0 + 20.0;
        // Hamlets spread further out once the near ground is taken.
        let reach = 1_200.0 * (1.0 + failures as f64 / 20_000.0);
        let dist = random_in(rng, 0.0, reach);
        let ang = random_in(rng, 0.0, std::f64::consts::TAU);
        let c = Coord {
            x: v.seed.x + dist * ang.cos(),
            y: v.seed.y + dist * ang.sin(),
        };
        let key = ((c.x / cell).floor() as i64, (c.y / cell).floor() as i64);
        let crowded = (-1..=1).any(|dx| {
            (-1..=1).any(|dy| {
                hamlets.get(&(key.0 + dx, key.1 + dy)).is_some_and(|hs| {
                    hs.iter()
                        .any(|(h, r)| (h.x - c.x).hypot(h.y - c.y) < r + radius + 60.0)
                })
            })
        });
        let inside =
            c.x > radius && c.y > radius && c.x < plan.side - radius && c.y < plan.side - radius;
        if !inside
            || crowded
            || obstacles.blocked(c, radius)
            || avoid.iter().any(|a| a.grow(radius).contains(c))
            || plan.town_at(c) != v.town
        {
            failures += 1;
            continue;
        }
        hamlets.entry(key).or_default().push((c, radius));
        let village = village_at(plan, by_town, c);
        let angle = random_in(rng, 0.0, std::f64::consts::PI);
        let (s, co) = angle.sin_cos();
        let rot = |x: f64, y: f64| Coord {
            x: c.x + x * co - y * s,
            y: c.y + x * s + y * co,
        };
        let width = per_row as f64 * 16.0;
        let depth = rows as f64 * 26.0;
        let mut n = 0;
        for row in 0..rows {
            let y = -depth / 2.0 + 13.0 + row as f64 * 26.0;
            for k in 0..per_row {
                if n >= size {
                    break;
                }
                let x = -width / 2.0 + 8.0 + k as f64 * 16.0 + random_in(rng, -1.5, 1.5);
                let p = rot(x, y + 6.0);
                let kind = match rng.random_range(0..20) {
                    0..=11 => "house",
                    12..=18 => "yes",
                    _ => "farm",
                };
                let lv = rng.random_range(1..=3) as f64;
                out.building(p, 11.0, random_in(rng, 9.0, 13.0), angle, kind, lv, village);
                n += 1;
            }
            // A lane in front of every row; the middle one is the village street.
            let class = if row == rows / 2 {
                RoadClass::Residential
            } else {
                RoadClass::Service
            };
            out.road(
                &[
                    rot(-width / 2.0 - 10.0, y - 4.0),
                    rot(width / 2.0 + 10.0, y - 4.0),
                ],
                class,
                None,
            );
        }
        // The cross lane runs through the gap between two lots, not a house.
        let lane_x = -width / 2.0 + 16.0 * (per_row / 2) as f64;
        out.road(
            &[
                rot(lane_x, -depth / 2.0 - 10.0),
                rot(lane_x, depth / 2.0 + 10.0),
            ],
            RoadClass::Service,
            None,
        );
        placed += n;
        if n == 0 {
            failures += 1;
        }
        // Tie the hamlet to its village centre, and the village to its town.
        if (c.x - v.seed.x).hypot(c.y - v.seed.y) > 60.0 {
            let pts = polyline(rng, c, v.seed, 40.0);
            out.road(&pts, RoadClass::Unclassified, None);
        }
        if !connected[vi] {
            connected[vi] = true;
            let town_seed = plan.towns[v.town].seed;
            let pts = polyline(rng, v.seed, town_seed, 80.0);
            out.road(&pts, RoadClass::Tertiary, None);
        }
    }
}

fn nature(plan: &CountyPlan, out: &mut Out, names: &mut NameMaker) {
    for (name, pts) in &plan.rivers {
        let id = out.id("w");
        let geometry = out.line(pts);
        out.layers.waterways.push(Waterway {
            id,
            kind: "river".into(),
            name: Some(name.clone()),
            geometry,
        });
    }
    if plan.lake.len() >= 3 {
        let id = out.id("w");
        let geometry = out.area(&plan.lake);
        let mut rng = rand::SeedableRng::seed_from_u64(plan.lake.len() as u64);
        let name = names.make::<ChaCha8Rng>(&mut rng, "水库");
        out.layers.water.push(WaterArea {
            id,
            kind: "reservoir".into(),
            name: Some(name),
            geometry,
        });
    }
    let id = out.id("rail");
    let geometry = out.line(&plan.railway);
    out.layers.railways.push(Railway {
        id,
        kind: "rail".into(),
        name: Some("皖赣铁路".into()),
        geometry,
    });
    for f in &plan.forests {
        let id = out.id("l");
        let geometry = out.area(f);
        out.layers.landuse.push(Landuse {
            id,
            class: "forest".into(),
            name: None,
            geometry,
        });
    }
}

/// Towns and villages, with resident totals split over villages in
/// proportion to their housing (with ±15 % noise), summing to the county.
fn admin(plan: &CountyPlan, params: &SynthParams, out: &mut Out, rng: &mut ChaCha8Rng) {
    let noisy: Vec<f64> = out
        .capacity
        .iter()
        .map(|c| c * random_in(rng, 0.85, 1.15))
        .collect();
    let total: f64 = noisy.iter().sum();
    let mut pops: Vec<u64> = noisy
        .iter()
        .map(|c| {
            if total > 0.0 {
                (c / total * params.population as f64).floor() as u64
            } else {
                0
            }
        })
        .collect();
    let short = params.population.saturating_sub(pops.iter().sum());
    if let Some(max) = (0..pops.len()).max_by(|&a, &b| noisy[a].total_cmp(&noisy[b])) {
        pops[max] += short;
    }
    for t in &plan.towns {
        let id = FeatureId(format!("synth:{}", t.code));
        let geometry = out.area(&t.cell);
        out.layers.admin.push(AdminUnit {
            id,
            code: t.code,
            name: t.name.clone(),
            level: AdminLevel::Town,
            population: None,
            geometry,
        });
    }
    for (v, pop) in plan.villages.iter().zip(pops) {
        let id = FeatureId(format!("synth:{}", v.code));
        let geometry = out.area(&v.cell);
        let code: DivisionCode = v.code;
        out.layers.admin.push(AdminUnit {
            id,
            code,
            name: v.name.clone(),
            level: AdminLevel::Village,
            population: Some(pop as f64),
            geometry,
        });
    }
}

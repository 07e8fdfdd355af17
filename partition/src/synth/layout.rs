use geo_types::Coord;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::SynthParams;
use super::names::NameMaker;
use super::voronoi::cells_in_convex;
use crate::model::DivisionCode;

/// An axis-aligned rectangle in county metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub min: Coord<f64>,
    pub max: Coord<f64>,
}

impl Rect {
    pub fn around(c: Coord<f64>, hw: f64, hh: f64) -> Self {
        Self {
            min: Coord {
                x: c.x - hw,
                y: c.y - hh,
            },
            max: Coord {
                x: c.x + hw,
                y: c.y + hh,
            },
        }
    }
    pub fn contains(&self, p: Coord<f64>) -> bool {
        p.x >= self.min.x && p.x <= self.max.x && p.y >= self.min.y && p.y <= self.max.y
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.min.x < o.max.x && o.min.x < self.max.x && self.min.y < o.max.y && o.min.y < self.max.y
    }
    pub fn grow(&self, d: f64) -> Self {
        Self {
            min: Coord {
                x: self.min.x - d,
                y: self.min.y - d,
            },
            max: Coord {
                x: self.max.x + d,
                y: self.max.y + d,
            },
        }
    }
    pub fn ring(&self) -> Vec<Coord<f64>> {
        vec![
            self.min,
            Coord {
                x: self.max.x,
                y: self.min.y,
            },
            self.max,
            Coord {
                x: self.min.x,
                y: self.max.y,
            },
        ]
    }
}

/// A built-up core: a square of street blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Core {
    pub center: Coord<f64>,
    /// Blocks per side.
    pub blocks: usize,
    /// Street spacing, metres.
    pub block: f64,
    /// The county seat (denser, taller) or a market town.
    pub seat: bool,
    /// Buildings to place in this core.
    pub quota: usize,
}

impl Core {
    pub fn rect(&self) -> Rect {
        let h = self.blocks as f64 * self.block / 2.0;
        Rect::around(self.center, h, h)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TownKind {
    Subdistrict,
    Town,
    Township,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Town {
    pub code: DivisionCode,
    pub name: String,
    pub seed: Coord<f64>,
    pub kind: TownKind,
    pub cell: Vec<Coord<f64>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Village {
    pub code: DivisionCode,
    pub name: String,
    pub seed: Coord<f64>,
    pub town: usize,
    pub urban: bool,
    pub cell: Vec<Coord<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlannedSiteKind {
    IndustrialPark,
    University,
    School,
    Hospital,
    Market,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSite {
    pub kind: PlannedSiteKind,
    pub rect: Rect,
    pub buildings: usize,
    pub name: String,
}

/// Where everything goes, before any building is drawn.
#[derive(Debug, Clone, PartialEq)]
pub struct CountyPlan {
    pub side: f64,
    pub towns: Vec<Town>,
    pub villages: Vec<Village>,
    pub cores: Vec<Core>,
    pub sites: Vec<PlannedSite>,
    pub forests: Vec<Vec<Coord<f64>>>,
    pub lake: Vec<Coord<f64>>,
    pub rivers: Vec<(String, Vec<Coord<f64>>)>,
    pub railway: Vec<Coord<f64>>,
    pub rural_quota: usize,
}

/// Shares of the building count.
const SEAT_SHARE: f64 = 0.14;
const TOWNS_SHARE: f64 = 0.16;
const INDUSTRY_SHARE: f64 = 0.03;

/// Buildings per block, on average, as the block fillers lay them out.
const SEAT_PER_BLOCK: f64 = 37.0;
const TOWN_PER_BLOCK: f64 = 29.0;

pub(crate) fn random_in(rng: &mut ChaCha8Rng, lo: f64, hi: f64) -> f64 {
    if hi > lo {
        rng.random_range(lo..hi)
    } else {
        lo
    }
}

fn dist(a: Coord<f64>, b: Coord<f64>) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

/// An irregular closed blob around `c` (open ring, counter-clockwise).
pub(crate) fn blob(rng: &mut ChaCha8Rng, c: Coord<f64>, r: f64, n: usize) -> Vec<Coord<f64>> {
    let mut radii: Vec<f64> = (0..n).map(|_| r * random_in(rng, 0.7, 1.3)).collect();
    // Smooth so the outline has no spikes.
    for _ in 0..2 {
        radii = (0..n)
            .map(|i| (radii[(i + n - 1) % n] + 2.0 * radii[i] + radii[(i + 1) % n]) / 4.0)
            .collect();
    }
    (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            Coord {
                x: c.x + radii[i] * a.cos(),
                y: c.y + radii[i] * a.sin(),
            }
        })
        .collect()
}

pub(crate) fn point_in_ring(p: Coord<f64>, ring: &[Coord<f64>]) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (a, b) = (ring[i], ring[(i + n - 1) % n]);
        if (a.y > p.y) != (b.y > p.y) && p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x {
            inside = !inside;
        }
    }
    inside
}

/// Sorts indexes into reading order: north to south in bands, west to east
/// within a band, the order codes are handed out in.
fn reading_order(points: &[Coord<f64>], band: f64) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        let (pa, pb) = (points[a], points[b]);
        let (ba, bb) = ((-pa.y / band).floor(), (-pb.y / band).floor());
        ba.total_cmp(&bb).then(pa.x.total_cmp(&pb.x))
    });
    idx
}

impl CountyPlan {
    pub fn new(p: &SynthParams, rng: &mut ChaCha8Rng) -> Self {
        let n = p.buildings.max(100) as f64;
        let scale = (n / 1e6).sqrt();
        let side = 12_000.0 + 48_000.0 * scale;
        let centre = Coord {
            x: side / 2.0,
            y: side / 2.0,
        };
        let mut names = NameMaker::new();

        // Cores: the seat in the middle, market towns spread around it.
        let seat_quota = (n * SEAT_SHARE) as usize;
        // 20 % spare blocks: rivers and the railway through a core take some.
        let seat_blocks =
            ((seat_quota as f64 * 1.2 / SEAT_PER_BLOCK).sqrt().ceil() as usize).max(3);
        let mut cores = vec![Core {
            center: centre,
            blocks: seat_blocks,
            block: 160.0,
            seat: true,
            quota: seat_quota,
        }];
        let n_towns = ((3.0 + 11.0 * scale).round() as usize).clamp(3, 14);
        let town_quota = (n * TOWNS_SHARE) as usize / n_towns;
        let town_blocks =
            ((town_quota as f64 * 1.2 / TOWN_PER_BLOCK).sqrt().ceil() as usize).max(2);
        let seat_half = seat_blocks as f64 * 160.0 / 2.0;
        let mut spacing = side / ((n_towns as f64).sqrt() + 1.0) * 0.8;
        let mut tries = 0;
        while cores.len() < n_towns + 1 {
            let c = Coord {
                x: random_in(rng, 0.12 * side, 0.88 * side),
                y: random_in(rng, 0.12 * side, 0.88 * side),
            };
            let clear_of_seat = dist(c, centre) > seat_half + 2_500.0;
            let clear = cores.iter().skip(1).all(|k| dist(k.center, c) > spacing);
            if clear_of_seat && clear {
                cores.push(Core {
                    center: c,
                    blocks: town_blocks,
                    block: 120.0,
                    seat: false,
                    quota: town_quota,
                });
            }
            tries += 1;
            if tries % 200 == 0 {
                spacing *= 0.9;
            }
        }

        // Towns: the seat is split into subdistricts (街道); each market
        // town is a town (镇) or township (乡) reaching out into the country.
        let county_ring = vec![
            Coord { x: 0.0, y: 0.0 },
            Coord { x: side, y: 0.0 },
            Coord { x: side, y: side },
            Coord { x: 0.0, y: side },
        ];
        let sub = if seat_blocks >= 6 { 4 } else { 2 };
        let mut seeds: Vec<(Coord<f64>, TownKind)> = (0..sub)
            .map(|i| {
                let a = std::f64::consts::FRAC_PI_4 + i as f64 * std::f64::consts::TAU / sub as f64;
                (
                    Coord {
                        x: centre.x + seat_half * 0.5 * a.cos(),
                        y: centre.y + seat_half * 0.5 * a.sin(),
                    },
                    TownKind::Subdistrict,
                )
            })
            .collect();
        for (i, c) in cores.iter().skip(1).enumerate() {
            let kind = if i < (n_towns * 2).div_ceil(3) {
                TownKind::Town
            } else {
                TownKind::Township
            };
            seeds.push((c.center, kind));
        }
        let points: Vec<Coord<f64>> = seeds.iter().map(|s| s.0).collect();
        let cells = cells_in_convex(&points, &county_ring);
        let mut towns = Vec::with_capacity(seeds.len());
        let order = reading_order(&points, side / 6.0);
        let mut counters = [0u16; 3];
        for &i in &order {
            let (seed, kind) = seeds[i];
            let (slot, base, suffix) = match kind {
                TownKind::Subdistrict => (0, 0, "街道"),
                TownKind::Town => (1, 100, "镇"),
                TownKind::Township => (2, 200, "乡"),
            };
            counters[slot] += 1;
            towns.push(Town {
                code: DivisionCode::from_parts(p.county, base + counters[slot], 0),
                name: names.make(rng, suffix),
                seed,
                kind,
                cell: cells[i].clone(),
            });
        }
        let town_of = |pt: Coord<f64>, towns: &[Town]| -> usize {
            towns
                .iter()
                .enumerate()
                .min_by(|a, b| dist(a.1.seed, pt).total_cmp(&dist(b.1.seed, pt)))
                .map(|(i, _)| i)
                .unwrap_or(0)
        };

        // Water and forest first: settlements keep clear of them.
        let mut rivers = Vec::new();
        for k in 0..2 {
            let mut pts = Vec::new();
            let (mut pos, mut heading) = if k == 0 {
                (
                    Coord {
                        x: 0.0,
                        y: random_in(rng, 0.3 * side, 0.7 * side),
                    },
                    0.0f64,
                )
            } else {
                (
                    Coord {
                        x: random_in(rng, 0.2 * side, 0.8 * side),
                        y: side,
                    },
                    -std::f64::consts::FRAC_PI_2,
                )
            };
            let base = heading;
            while (0.0..=side).contains(&pos.x)
                && (0.0..=side).contains(&pos.y)
                && pts.len() < 2_000
            {
                pts.push(pos);
                heading = base + (heading - base + random_in(rng, -0.35, 0.35)).clamp(-0.9, 0.9);
                pos = Coord {
                    x: pos.x + 250.0 * heading.cos(),
                    y: pos.y + 250.0 * heading.sin(),
                };
            }
            pts.push(pos);
            rivers.push((names.make(rng, if k == 0 { "江" } else { "河" }), pts));
        }
        let rail_y = centre.y - seat_half - 900.0;
        let railway: Vec<Coord<f64>> = (0..=40)
            .map(|i| {
                let x = side * i as f64 / 40.0;
                Coord {
                    x,
                    y: rail_y + (x / side * std::f64::consts::PI).sin() * side * 0.04 - side * 0.02,
                }
            })
            .collect();

        let clear_of_cores = |c: Coord<f64>, r: f64, cores: &[Core]| {
            cores.iter().all(|k| !k.rect().grow(r + 800.0).contains(c))
        };
        let mut forests = Vec::new();
        let n_forests = (4.0 + 8.0 * scale).round() as usize;
        for _ in 0..n_forests * 20 {
            if forests.len() >= n_forests {
                break;
            }
            let r = side * random_in(rng, 0.025, 0.06);
            let c = Coord {
                x: random_in(rng, r, side - r),
                y: random_in(rng, r, side - r),
            };
            if clear_of_cores(c, r * 1.3, &cores) {
                forests.push(blob(rng, c, r, 28));
            }
        }
        let mut lake = Vec::new();
        for _ in 0..200 {
            let r = side * random_in(rng, 0.015, 0.025);
            let c = Coord {
                x: random_in(rng, 2.0 * r, side - 2.0 * r),
                y: random_in(rng, 2.0 * r, side - 2.0 * r),
            };
            if clear_of_cores(c, r * 1.3, &cores) && forests.iter().all(|f| !point_in_ring(c, f)) {
                lake = blob(rng, c, r, 32);
                break;
            }
        }

        // Special sites just outside the cores.
        let industry_quota = (n * INDUSTRY_SHARE) as usize;
        let mut wanted: Vec<(usize, PlannedSiteKind)> = Vec::new();
        let parks = 1 + n_towns / 3;
        wanted.push((0, PlannedSiteKind::IndustrialPark));
        for i in 1..parks {
            wanted.push((i * cores.len() / parks, PlannedSiteKind::IndustrialPark));
        }
        wanted.extend([
            (0, PlannedSiteKind::University),
            (0, PlannedSiteKind::School),
            (0, PlannedSiteKind::Hospital),
            (0, PlannedSiteKind::Hospital),
            (0, PlannedSiteKind::Market),
        ]);
        for i in 1..cores.len() {
            wanted.extend([
                (i, PlannedSiteKind::School),
                (i, PlannedSiteKind::Hospital),
                (i, PlannedSiteKind::Market),
            ]);
        }
        let mut occupied: Vec<Rect> = cores.iter().map(|c| c.rect().grow(30.0)).collect();
        let mut sites = Vec::new();
        for (ci, kind) in wanted {
            let (buildings, hw, hh, suffix) = match kind {
                PlannedSiteKind::IndustrialPark => {
                    let count = (industry_quota / parks).max(4);
                    let cols = ((count as f64 * 1.5).sqrt().ceil()) as usize;
                    let rows = count.div_ceil(cols);
                    (
                        count,
                        cols as f64 * 30.0 + 40.0,
                        rows as f64 * 45.0 + 40.0,
                        "工业园",
                    )
                }
                PlannedSiteKind::University => (30, 300.0, 220.0, "大学"),
                PlannedSiteKind::School => (10, 130.0, 100.0, "中学"),
                PlannedSiteKind::Hospital => (4, 100.0, 80.0, "医院"),
                PlannedSiteKind::Market => (2, 60.0, 40.0, "农贸市场"),
            };
            let core = &cores[ci];
            let ch = core.rect().max.x - core.center.x;
            let mut placed = None;
            'search: for ring in 0..6 {
                for step in 0..16 {
                    let a = (step as f64 + random_in(rng, 0.0, 0.5)) / 16.0 * std::f64::consts::TAU;
                    let d = ch + hw.max(hh) + 80.0 + ring as f64 * 250.0;
                    let c = Coord {
                        x: core.center.x + d * a.cos(),
                        y: core.center.y + d * a.sin(),
                    };
                    let r = Rect::around(c, hw, hh);
                    let inside = r.min.x > 0.0 && r.min.y > 0.0 && r.max.x < side && r.max.y < side;
                    if inside
                        && occupied.iter().all(|o| !o.intersects(&r.grow(40.0)))
                        && !point_in_ring(c, &lake)
                    {
                        placed = Some(r);
                        break 'search;
                    }
                }
            }
            if let Some(rect) = placed {
                occupied.push(rect);
                let town = &towns[town_of(rect.ring()[0], &towns)];
                let base = town
                    .name
                    .trim_end_matches(['镇', '乡'])
                    .trim_end_matches("街道");
                sites.push(PlannedSite {
                    kind,
                    rect,
                    buildings,
                    name: format!("{base}{suffix}"),
                });
            }
        }
        let placed_industry: usize = sites
            .iter()
            .filter(|s| s.kind == PlannedSiteKind::IndustrialPark)
            .map(|s| s.buildings)
            .sum();
        let placed_other: usize = sites
            .iter()
            .filter(|s| s.kind != PlannedSiteKind::IndustrialPark)
            .map(|s| s.buildings)
            .sum();
        let core_total: usize = cores.iter().map(|c| c.quota).sum();
        let rural_quota = (n as usize).saturating_sub(core_total + placed_industry + placed_other);

        // Villages: communities (社区) on the cores, villages (村) in the country.
        let mut vseeds: Vec<(Coord<f64>, bool)> = Vec::new();
        for core in &cores {
            let group = if core.seat { 3 } else { 4 };
            let r = core.rect();
            let step = group as f64 * core.block;
            let k = core.blocks.div_ceil(group);
            for i in 0..k {
                for j in 0..k {
                    let c = Coord {
                        x: r.min.x + (i as f64 + 0.5) * step,
                        y: r.min.y + (j as f64 + 0.5) * step,
                    };
                    vseeds.push((
                        Coord {
                            x: c.x.min(r.max.x - 10.0),
                            y: c.y.min(r.max.y - 10.0),
                        },
                        true,
                    ));
                }
            }
        }
        let n_rural = (rural_quota / 450).max(towns.len());
        let min_gap = (side * side / n_rural as f64).sqrt() * 0.55;
        let mut rural: Vec<Coord<f64>> = Vec::new();
        let mut attempts = 0;
        while rural.len() < n_rural && attempts < n_rural * 200 {
            attempts += 1;
            let c = Coord {
                x: random_in(rng, 300.0, side - 300.0),
                y: random_in(rng, 300.0, side - 300.0),
            };
            let ok = occupied.iter().all(|o| !o.grow(400.0).contains(c))
                && forests.iter().all(|f| !point_in_ring(c, f))
                && !point_in_ring(c, &lake)
                && rural.iter().all(|&q| dist(q, c) > min_gap);
            if ok {
                rural.push(c);
            }
        }
        vseeds.extend(rural.into_iter().map(|c| (c, false)));
        // Every town needs at least one village.
        for (ti, t) in towns.iter().enumerate() {
            if !vseeds.iter().any(|(c, _)| town_of(*c, &towns) == ti) {
                vseeds.push((t.seed, false));
            }
        }
        let mut villages = Vec::with_capacity(vseeds.len());
        for (ti, town) in towns.iter().enumerate() {
            let mine: Vec<(Coord<f64>, bool)> = vseeds
                .iter()
                .copied()
                .filter(|(c, _)| town_of(*c, &towns) == ti)
                .collect();
            let pts: Vec<Coord<f64>> = mine.iter().map(|m| m.0).collect();
            let cells = cells_in_convex(&pts, &town.cell);
            let (mut community, mut village) = (0u16, 200u16);
            for i in reading_order(&pts, 1_500.0) {
                let (seed, urban) = mine[i];
                let seq = if urban {
                    community += 1;
                    community
                } else {
                    village += 1;
                    village
                };
                villages.push(Village {
                    code: DivisionCode::from_parts(p.county, town.code.town(), seq),
                    name: names.make(rng, if urban { "社区" } else { "村" }),
                    seed,
                    town: ti,
                    urban,
                    cell: cells[i].clone(),
                });
            }
        }
        villages.retain(|v| v.cell.len() >= 3);

        Self {
            side,
            towns,
            villages,
            cores,
            sites,
            forests,
            lake,
            rivers,
            railway,
            rural_quota,
        }
    }

    /// The town whose seed is nearest: towns are the Voronoi cells of their
    /// seeds, so this is the town a point lies in.
    pub fn town_at(&self, p: Coord<f64>) -> usize {
        self.towns
            .iter()
            .enumerate()
            .min_by(|a, b| dist(a.1.seed, p).total_cmp(&dist(b.1.seed, p)))
            .map(|(i, _)| i)
            .unwrap_or(0)
    }
}

use geo::{BooleanOps, BoundingRect};
use geo_types::{Coord, LineString, MultiLineString, MultiPolygon};
use h3o::Resolution;
use h3o::geom::{ContainmentMode, TilerBuilder};
use rstar::{AABB, RTree};

use super::build::BlockSet;
use super::faces::Indexed;
use super::params::BlockParams;
use super::segments::push_line;
use super::tags::{CUT, H3, road};
use crate::geometry::LocalProjection;
use crate::model::Layers;
use crate::planar::Segment;

/// About 2 m in degrees: H3 edges keep this far from buildings.
const BUILDING_CLEARANCE_DEG: f64 = 2e-5;

/// Lines to add before the next round: H3 cell edges across large blocks
/// no road divides (first round), minor roads across blocks over the
/// maximum (first round), then cuts through gaps between their buildings.
pub(crate) fn extra_segments(
    set: &BlockSet,
    layers: &Layers,
    params: &BlockParams,
    round: usize,
) -> Vec<Segment> {
    let geoms = set.geometries();
    let mut out = Vec::new();
    let over: Vec<usize> = set
        .blocks
        .iter()
        .filter(|b| b.value(params.measure) > params.split_above)
        .map(|b| b.id as usize)
        .collect();
    if round == 0 {
        let buildings = RTree::bulk_load(
            layers
                .buildings
                .iter()
                .enumerate()
                .filter_map(|(i, b)| {
                    let r = b.geometry.bounding_rect()?;
                    let d = BUILDING_CLEARANCE_DEG;
                    Some(Indexed {
                        idx: i as u32,
                        env: AABB::from_corners(
                            [r.min().x - d, r.min().y - d],
                            [r.max().x + d, r.max().y + d],
                        ),
                    })
                })
                .collect(),
        );
        for b in set
            .blocks
            .iter()
            .filter(|b| b.area_m2 > params.h3_above_m2 && b.site.is_none())
        {
            out.extend(h3_edges(
                &geoms[b.id as usize],
                params.h3_resolution,
                &buildings,
            ));
        }
        for &i in &over {
            let Some(r) = geoms[i].bounding_rect() else {
                continue;
            };
            let minor: Vec<(LineString<f64>, crate::RoadClass)> = layers
                .roads
                .iter()
                .filter(|x| x.class > params.min_road_class)
                .filter(|x| {
                    x.geometry.bounding_rect().is_some_and(|q| {
                        q.min().x <= r.max().x
                            && q.max().x >= r.min().x
                            && q.min().y <= r.max().y
                            && q.max().y >= r.min().y
                    })
                })
                .map(|x| (x.geometry.clone(), x.class))
                .collect();
            for (line, class) in minor {
                for piece in geoms[i].clip(&MultiLineString(vec![line]), false) {
                    push_line(&mut out, &piece.0, road(class, true));
                }
            }
        }
    } else {
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); set.blocks.len()];
        for (bi, blk) in set.building_block.iter().enumerate() {
            if let Some(b) = blk {
                members[*b as usize].push(bi);
            }
        }
        for &i in &over {
            out.extend(gap_cuts(
                &geoms[i],
                &members[i],
                layers,
                params,
                set.blocks[i].value(params.measure),
            ));
        }
    }
    out
}

fn h3_edges(block: &MultiPolygon<f64>, res: u8, buildings: &RTree<Indexed>) -> Vec<Segment> {
    let Ok(resolution) = Resolution::try_from(res) else {
        return Vec::new();
    };
    let mut tiler = TilerBuilder::new(resolution)
        .containment_mode(ContainmentMode::Covers)
        .build();
    for p in &block.0 {
        if tiler.add(p.clone()).is_err() {
            return Vec::new();
        }
    }
    let lines: Vec<LineString<f64>> = tiler
        .into_coverage()
        .map(|cell| {
            let mut pts: Vec<Coord<f64>> = cell
                .boundary()
                .iter()
                .map(|ll| Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                })
                .collect();
            if let Some(&f) = pts.first() {
                pts.push(f);
            }
            LineString(pts)
        })
        .collect();
    let mut out = Vec::new();
    for piece in block.clip(&MultiLineString(lines), false) {
        for w in piece.0.windows(2) {
            let env = AABB::from_corners(
                [w[0].x.min(w[1].x), w[0].y.min(w[1].y)],
                [w[0].x.max(w[1].x), w[0].y.max(w[1].y)],
            );
            // An edge near a building is left out: blocks never cut houses.
            if buildings
                .locate_in_envelope_intersecting(env)
                .next()
                .is_none()
            {
                push_line(&mut out, w, H3);
            }
        }
    }
    out
}

/// Straight cuts across the block's long axis, at the value quantiles,
/// moved to the nearest gap between building footprints.
fn gap_cuts(
    block: &MultiPolygon<f64>,
    members: &[usize],
    layers: &Layers,
    params: &BlockParams,
    value: f64,
) -> Vec<Segment> {
    let Some(r) = block.bounding_rect() else {
        return Vec::new();
    };
    let proj = LocalProjection::new(r.center().x, r.center().y);
    let (lo, hi) = (proj.forward(r.min()), proj.forward(r.max()));
    let along_x = hi.x - lo.x >= hi.y - lo.y;
    let pieces = ((value / params.split_target).round() as usize).max(2);
    // (start, end, value) of each building along the axis.
    let mut spans: Vec<(f64, f64, f64)> = members
        .iter()
        .filter_map(|&i| {
            let b = &layers.buildings[i];
            let br = b.geometry.bounding_rect()?;
            let (a, z) = (proj.forward(br.min()), proj.forward(br.max()));
            let v = match params.measure {
                super::Measure::Residents => b.population.unwrap_or(0.0),
                super::Measure::Households => b.households.unwrap_or(0.0),
            };
            Some(if along_x {
                (a.x, z.x, v)
            } else {
                (a.y, z.y, v)
            })
        })
        .collect();
    spans.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
    let total: f64 = spans.iter().map(|s| s.2).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut cuts = Vec::new();
    let mut acc = 0.0;
    let mut k = 1;
    for s in &spans {
        acc += s.2;
        while k < pieces && acc >= total * k as f64 / pieces as f64 {
            let at = (s.0 + s.1) / 2.0;
            if let Some(gap) = nearest_gap(&spans, at) {
                cuts.push(gap);
            }
            k += 1;
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup_by(|a, b| (*a - *b).abs() < 5.0);
    let mut out = Vec::new();
    for c in cuts {
        let (a, b) = if along_x {
            (
                Coord {
                    x: c,
                    y: lo.y - 10.0,
                },
                Coord {
                    x: c,
                    y: hi.y + 10.0,
                },
            )
        } else {
            (
                Coord {
                    x: lo.x - 10.0,
                    y: c,
                },
                Coord {
                    x: hi.x + 10.0,
                    y: c,
                },
            )
        };
        let line = LineString(vec![proj.inverse(a), proj.inverse(b)]);
        for piece in block.clip(&MultiLineString(vec![line]), false) {
            push_line(&mut out, &piece.0, CUT);
        }
    }
    out
}

/// The position nearest `at` that lies in no building span (1.5 m clear).
fn nearest_gap(spans: &[(f64, f64, f64)], at: f64) -> Option<f64> {
    let clear = |x: f64| spans.iter().all(|s| x < s.0 - 1.5 || x > s.1 + 1.5);
    if clear(at) {
        return Some(at);
    }
    let mut candidates: Vec<f64> = spans
        .iter()
        .flat_map(|s| [s.0 - 2.0, s.1 + 2.0])
        .filter(|&x| clear(x))
        .collect();
    candidates.sort_by(|a, b| (a - at).abs().total_cmp(&(b - at).abs()));
    candidates.into_iter().next()
}

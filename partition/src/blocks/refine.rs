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

/// How far a clipped line is pushed past the block boundary, m: its end
/// must cross the boundary edge to be noded into it (an end left a hair
/// inside is a dead end and pruned); the overshoot outside is a dead end
/// in the neighbour and pruned there.
const OVERSHOOT_M: f64 = 0.5;

/// The pieces of `lines` inside `block`, each pushed past the boundary.
fn clip_through(block: &MultiPolygon<f64>, lines: Vec<LineString<f64>>) -> Vec<LineString<f64>> {
    block
        .clip(&MultiLineString(lines), false)
        .into_iter()
        .filter(|l| l.0.len() >= 2)
        .map(|mut l| {
            let n = l.0.len();
            let proj = LocalProjection::new(l.0[0].x, l.0[0].y);
            let push = |from: Coord<f64>, to: Coord<f64>| {
                let (a, b) = (proj.forward(from), proj.forward(to));
                let len = (b.x - a.x).hypot(b.y - a.y);
                if len == 0.0 {
                    return to;
                }
                let t = OVERSHOOT_M / len;
                proj.inverse(Coord {
                    x: b.x + (b.x - a.x) * t,
                    y: b.y + (b.y - a.y) * t,
                })
            };
            l.0[0] = push(l.0[1], l.0[0]);
            l.0[n - 1] = push(l.0[n - 2], l.0[n - 1]);
            l
        })
        .collect()
}

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
    // The buildings of each block (for gap cuts).
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); set.blocks.len()];
    for (bi, blk) in set.building_block.iter().enumerate() {
        if let Some(b) = blk {
            members[*b as usize].push(bi);
        }
    }
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
            let before = out.len();
            for (line, class) in minor {
                for piece in clip_through(&geoms[i], vec![line]) {
                    push_line(&mut out, &piece.0, road(class, true));
                }
            }
            // No minor road runs through it: cut through gaps at once.
            if out.len() == before {
                out.extend(gap_cuts(
                    &geoms[i],
                    &members[i],
                    layers,
                    params,
                    set.blocks[i].value(params.measure),
                ));
            }
        }
    } else {
        for &i in &over {
            let cuts = gap_cuts(
                &geoms[i],
                &members[i],
                layers,
                params,
                set.blocks[i].value(params.measure),
            );
            out.extend(cuts);
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
    for piece in clip_through(block, lines) {
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

/// Straight cuts through gaps between building footprints, at the value
/// quantiles, tried across 8 directions (long axis first) until the block
/// is cut into enough pieces; a cut must leave buildings on both sides.
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
    let reach = (hi.x - lo.x).hypot(hi.y - lo.y) / 2.0 + 10.0;
    let long_x = hi.x - lo.x >= hi.y - lo.y;
    let pieces = ((value / params.split_target).round() as usize).max(2);
    let base = if long_x {
        0.0
    } else {
        std::f64::consts::FRAC_PI_2
    };
    let corners: Vec<(Vec<Coord<f64>>, f64)> = members
        .iter()
        .map(|&i| {
            let b = &layers.buildings[i];
            let pts = b
                .geometry
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter())
                .map(|c| proj.forward(*c))
                .collect();
            let v = match params.measure {
                super::Measure::Residents => b.population.unwrap_or(0.0),
                super::Measure::Households => b.households.unwrap_or(0.0),
            };
            (pts, v)
        })
        .collect();
    let mut out = Vec::new();
    let mut made = 0;
    for step in [0.0, 4.0, 2.0, 6.0, 1.0, 5.0, 3.0, 7.0] {
        if made + 1 >= pieces {
            break;
        }
        let angle = base + step * std::f64::consts::PI / 8.0;
        let (dx, dy) = (angle.cos(), angle.sin());
        let cuts = direction_cuts(&corners, dx, dy, pieces - made);
        made += cuts.len();
        for c in cuts {
            // The line where (p · d) = c, across the whole block.
            let mid = Coord {
                x: dx * c,
                y: dy * c,
            };
            let a = Coord {
                x: mid.x - dy * reach,
                y: mid.y + dx * reach,
            };
            let b = Coord {
                x: mid.x + dy * reach,
                y: mid.y - dx * reach,
            };
            let line = LineString(vec![proj.inverse(a), proj.inverse(b)]);
            for piece in clip_through(block, vec![line]) {
                push_line(&mut out, &piece.0, CUT);
            }
        }
    }
    out
}

/// Cut positions along direction d (local metres, p · d) for `pieces`
/// pieces, each in a gap with buildings on both sides.
fn direction_cuts(corners: &[(Vec<Coord<f64>>, f64)], dx: f64, dy: f64, pieces: usize) -> Vec<f64> {
    // (start, end, value) of each building along the direction.
    let mut spans: Vec<(f64, f64, f64)> = corners
        .iter()
        .filter(|(pts, _)| !pts.is_empty())
        .map(|(pts, v)| {
            let t = pts.iter().map(|p| p.x * dx + p.y * dy);
            let (a, z) = t.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, z), x| {
                (a.min(x), z.max(x))
            });
            (a, z, *v)
        })
        .collect();
    spans.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
    let total: f64 = spans.iter().map(|s| s.2).sum();
    if total <= 0.0 || pieces < 2 || spans.len() < 2 {
        return Vec::new();
    }
    let first = spans.iter().map(|s| s.1).fold(f64::INFINITY, f64::min);
    let last = spans.iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max);
    let mut cuts = Vec::new();
    let mut acc = 0.0;
    let mut k = 1;
    for s in &spans {
        acc += s.2;
        while k < pieces && acc >= total * k as f64 / pieces as f64 {
            if let Some(gap) =
                nearest_gap(&spans, (s.0 + s.1) / 2.0).filter(|g| *g > first && *g < last)
            {
                cuts.push(gap);
            }
            k += 1;
        }
    }
    cuts.sort_by(f64::total_cmp);
    cuts.dedup_by(|a, b| (*a - *b).abs() < 2.0);
    cuts
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Building, FeatureId};
    use crate::planar::{Arrangement, node_segments};
    use geo_types::polygon;

    #[test]
    fn gap_cuts_split_the_block() {
        // A 200 m square block at 60°N with 10 houses in a row.
        let d = 0.0036;
        let (x0, y0) = (26.95, 60.53);
        let block = MultiPolygon(vec![
            polygon![(x: x0, y: y0), (x: x0 + d, y: y0), (x: x0 + d, y: y0 + d / 2.0), (x: x0, y: y0 + d / 2.0)],
        ]);
        let mut layers = Layers::default();
        for i in 0..10 {
            let x = x0 + 0.0002 + i as f64 * 0.00034;
            layers.buildings.push(Building {
                id: FeatureId(format!("b{i}")),
                kind: "house".into(),
                levels: Some(2.0),
                height: None,
                population: Some(10.0),
                households: Some(4.0),
                population_source: None,
                geometry: MultiPolygon(vec![polygon![(x: x, y: y0 + 0.0005), (x: x + 0.0002, y: y0 + 0.0005), (x: x + 0.0002, y: y0 + 0.0007), (x: x, y: y0 + 0.0007)]]),
            });
        }
        let params = BlockParams {
            measure: crate::blocks::Measure::Households,
            split_above: 10.0,
            split_target: 8.0,
            ..BlockParams::default()
        };
        let cuts = gap_cuts(&block, &(0..10).collect::<Vec<_>>(), &layers, &params, 40.0);
        assert!(!cuts.is_empty());
        let mut segs = Vec::new();
        push_rings_for_test(&mut segs, &block);
        segs.extend(cuts);
        let arr = Arrangement::build(&node_segments(segs));
        assert!(arr.face_count() >= 4, "{} faces", arr.face_count());
    }

    fn push_rings_for_test(out: &mut Vec<Segment>, mp: &MultiPolygon<f64>) {
        super::super::segments::push_rings(out, mp, crate::blocks::tags::VILLAGE);
    }
}

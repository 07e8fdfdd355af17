//! Buildings no given village holds: the part of the county (or of the
//! data's extent) outside every village becomes units of its own, so that
//! no resident is lost from the plan when an extract's boundaries cover
//! only part of it or sit at levels the import did not take.

use geo::orient::{Direction, Orient};
use geo::{BooleanOps, BoundingRect, Contains, InteriorPoint, unary_union};
use geo_types::{MultiPolygon, Point, Polygon, Rect};
use rayon::prelude::*;
use rstar::{AABB, RTree, RTreeObject};

use crate::model::{AdminLevel, AdminUnit, DivisionCode, FeatureId, Layers};

/// Name of the town the outside units form, and the stem of theirs.
pub const OUTSIDE_NAME: &str = "给定边界外";

/// Margin around the data extent (degrees, ~100 m) so that features on the
/// edge lie inside the outside units.
const MARGIN_DEG: f64 = 0.001;

/// What [`cover_the_rest`] made.
#[derive(Debug, Clone, PartialEq)]
pub struct Outside {
    /// The town the outside units sit under.
    pub town: DivisionCode,
    /// The outside units (villages), one per connected piece that holds
    /// buildings.
    pub villages: Vec<DivisionCode>,
    /// Indices into `Layers::buildings` of the buildings no village held.
    pub buildings: Vec<usize>,
    /// Of those, buildings that no piece could hold either (they lie on
    /// slivers too thin to keep); the partition names them.
    pub unplaced: usize,
}

struct Indexed {
    idx: usize,
    env: AABB<[f64; 2]>,
}

impl RTreeObject for Indexed {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

fn env(r: Rect<f64>) -> AABB<[f64; 2]> {
    AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y])
}

/// Buildings whose inside point lies in no village; with any, the frame
/// (the extent of the data, the villages and `boundary`) less the
/// villages' union is split
/// into connected pieces, and each piece holding a building becomes a
/// village under a town of its own, both named [`OUTSIDE_NAME`].
pub fn cover_the_rest(
    layers: &mut Layers,
    county: u32,
    boundary: Option<&MultiPolygon<f64>>,
) -> Option<Outside> {
    let villages: Vec<usize> = (0..layers.admin.len())
        .filter(|&i| layers.admin[i].level == AdminLevel::Village)
        .collect();
    let tree = RTree::bulk_load(
        villages
            .iter()
            .filter_map(|&i| {
                let r = layers.admin[i].geometry.bounding_rect()?;
                Some(Indexed {
                    idx: i,
                    env: env(r),
                })
            })
            .collect(),
    );
    let inside = |p: Point<f64>, admin: &[AdminUnit]| {
        tree.locate_in_envelope_intersecting(AABB::from_point([p.x(), p.y()]))
            .any(|c| admin[c.idx].geometry.contains(&p))
    };
    let points: Vec<Option<Point<f64>>> = layers
        .buildings
        .par_iter()
        .map(|b| b.geometry.interior_point())
        .collect();
    let admin = &layers.admin;
    let uncovered: Vec<usize> = points
        .par_iter()
        .enumerate()
        .filter(|(_, p)| p.is_some_and(|p| !inside(p, admin)))
        .map(|(i, _)| i)
        .collect();
    if uncovered.is_empty() {
        return None;
    }
    // The data's, the villages' and the boundary's extent: buildings
    // beyond a given county boundary still count (population scaling took
    // them in), and villages must not cut the frame into pieces that are
    // one in truth.
    let r = villages
        .iter()
        .filter_map(|&i| layers.admin[i].geometry.bounding_rect())
        .chain(boundary.and_then(|b| b.bounding_rect()))
        .fold(layers.data_extent()?, |a, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        });
    let frame = MultiPolygon(vec![
        Rect::new(
            (r.min().x - MARGIN_DEG, r.min().y - MARGIN_DEG),
            (r.max().x + MARGIN_DEG, r.max().y + MARGIN_DEG),
        )
        .to_polygon(),
    ]);
    let polys: Vec<Polygon<f64>> = villages
        .iter()
        .flat_map(|&i| layers.admin[i].geometry.0.iter())
        // The boolean operations read a hole drawn the same way round as
        // its shell as more shell.
        .map(|p| p.orient(Direction::Default))
        .collect();
    let rest = frame.difference(&unary_union(&polys));
    let mut pieces: Vec<(Polygon<f64>, usize)> = rest.0.into_iter().map(|p| (p, 0)).collect();
    let mut unplaced = 0;
    for &b in &uncovered {
        let Some(p) = points[b] else { continue };
        match pieces.iter_mut().find(|(poly, _)| poly.contains(&p)) {
            Some((_, n)) => *n += 1,
            None => unplaced += 1,
        }
    }
    pieces.retain(|(_, n)| *n > 0);
    // West to east, like every other numbering of the import.
    pieces.sort_by(|a, b| {
        let x = |p: &Polygon<f64>| p.bounding_rect().map_or(0.0, |r| r.min().x);
        x(&a.0).total_cmp(&x(&b.0))
    });
    let used: Vec<u16> = layers
        .admin
        .iter()
        .filter(|u| u.code.county() == county)
        .map(|u| u.code.town())
        .collect();
    // The last free town number: codes of real towns count up from 1.
    let town_no = (1..=999u16).rev().find(|t| !used.contains(t))?;
    let town = DivisionCode::from_parts(county, town_no, 0);
    let mut codes = Vec::new();
    for (n, (poly, _)) in pieces.iter().enumerate() {
        let code = DivisionCode::from_parts(county, town_no, n as u16 + 1);
        codes.push(code);
        layers.admin.push(AdminUnit {
            id: FeatureId(format!("wangge:outside:{code}")),
            code,
            name: format!("{OUTSIDE_NAME}{}", n + 1),
            level: AdminLevel::Village,
            population: None,
            geometry: MultiPolygon(vec![poly.clone()]),
        });
    }
    if !codes.is_empty() {
        layers.admin.push(AdminUnit {
            id: FeatureId(format!("wangge:outside:{town}")),
            code: town,
            name: OUTSIDE_NAME.to_string(),
            level: AdminLevel::Town,
            population: None,
            geometry: MultiPolygon(pieces.into_iter().map(|(p, _)| p).collect()),
        });
        layers.supplied.insert(crate::LayerKind::Admin);
    }
    Some(Outside {
        town,
        villages: codes,
        buildings: uncovered,
        unplaced,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Building;

    fn square(x: f64, y: f64, d: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![Rect::new((x, y), (x + d, y + d)).to_polygon()])
    }

    fn village(geometry: MultiPolygon<f64>) -> AdminUnit {
        AdminUnit {
            id: FeatureId("v".into()),
            code: DivisionCode::from_parts(110108, 1, 1),
            name: "村".into(),
            level: AdminLevel::Village,
            population: None,
            geometry,
        }
    }

    fn building(x: f64, y: f64) -> Building {
        Building {
            id: FeatureId(format!("b{x}:{y}")),
            kind: "yes".into(),
            levels: None,
            height: None,
            population: None,
            households: None,
            population_source: None,
            geometry: square(x, y, 0.0001),
        }
    }

    #[test]
    fn buildings_outside_every_village_get_units_of_their_own() {
        let mut l = Layers::default();
        l.admin.push(village(square(0.0, 0.0, 0.01)));
        // One inside; two west of the village, one east: the frame less the
        // village is one piece (a ring around it).
        for (x, y) in [
            (0.005, 0.005),
            (-0.004, 0.002),
            (-0.004, 0.006),
            (0.014, 0.004),
        ] {
            l.buildings.push(building(x, y));
        }
        let out = cover_the_rest(&mut l, 110108, None).unwrap();
        assert_eq!(out.buildings, vec![1, 2, 3]);
        assert_eq!(out.unplaced, 0);
        assert_eq!(out.town.to_string(), "110108999000");
        assert_eq!(out.villages.len(), 1);
        let v = l.admin.iter().find(|u| u.code == out.villages[0]).unwrap();
        assert_eq!(v.name, "给定边界外1");
        for b in &l.buildings {
            let p = b.geometry.interior_point().unwrap();
            let n = l
                .admin
                .iter()
                .filter(|u| u.level == AdminLevel::Village && u.geometry.contains(&p))
                .count();
            assert_eq!(n, 1, "every building in exactly one village");
        }
    }

    #[test]
    fn each_connected_piece_is_a_unit() {
        let mut l = Layers::default();
        // A village with a hole: the hole and the land around the village
        // are two pieces, each with a building.
        let ring = Polygon::new(
            Rect::new((0.0, 0.0), (0.01, 0.01))
                .to_polygon()
                .exterior()
                .clone(),
            vec![
                Rect::new((0.004, 0.004), (0.006, 0.006))
                    .to_polygon()
                    .exterior()
                    .clone(),
            ],
        );
        l.admin.push(village(MultiPolygon(vec![ring])));
        l.buildings.push(building(0.005, 0.005));
        l.buildings.push(building(0.012, 0.005));
        let boundary = square(-0.01, -0.01, 0.03);
        let out = cover_the_rest(&mut l, 110108, Some(&boundary)).unwrap();
        assert_eq!(out.villages.len(), 2, "{out:?} {:?}", l.admin);
        assert_eq!(out.unplaced, 0);
    }

    #[test]
    fn nothing_is_made_when_the_villages_hold_every_building() {
        let mut l = Layers::default();
        l.admin.push(village(square(0.0, 0.0, 0.01)));
        l.buildings.push(building(0.005, 0.005));
        assert!(cover_the_rest(&mut l, 110108, None).is_none());
        assert_eq!(l.admin.len(), 1);
    }
}

use geo::{BoundingRect, Contains, InteriorPoint};
use geo_types::{MultiPolygon, Point};
use rstar::{AABB, RTree, RTreeObject};
use serde::Serialize;

use super::{PopulationParams, residents_estimate};
use crate::model::{AdminLevel, Layers, PopulationSource};

/// What the population model did, for the import report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PopulationSummary {
    pub buildings_given: usize,
    pub buildings_estimated: usize,
    pub buildings_scaled: usize,
    pub residential_buildings: usize,
    pub in_workplace_sites: usize,
    pub residents: f64,
    pub households: f64,
    pub household_size: f64,
    /// Admin units whose given total was matched, with the factor used.
    pub unit_scales: Vec<(String, f64)>,
    /// Factor applied to reach `PopulationParams::total`, if any.
    pub total_scale: Option<f64>,
    /// Units that were given a total but hold no residential building.
    pub units_without_housing: Vec<String>,
}

struct Indexed<'a> {
    idx: usize,
    geom: &'a MultiPolygon<f64>,
    env: AABB<[f64; 2]>,
}

impl RTreeObject for Indexed<'_> {
    type Envelope = AABB<[f64; 2]>;
    fn envelope(&self) -> Self::Envelope {
        self.env
    }
}

fn index<'a>(items: impl Iterator<Item = (usize, &'a MultiPolygon<f64>)>) -> RTree<Indexed<'a>> {
    RTree::bulk_load(
        items
            .filter_map(|(idx, geom)| {
                let r = geom.bounding_rect()?;
                Some(Indexed {
                    idx,
                    geom,
                    env: AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                })
            })
            .collect(),
    )
}

fn containing(tree: &RTree<Indexed<'_>>, p: Point<f64>) -> Option<usize> {
    tree.locate_in_envelope_intersecting(AABB::from_point([p.x(), p.y()]))
        .find(|c| c.geom.contains(&p))
        .map(|c| c.idx)
}

/// Sets every building's residents and households: a given figure is kept;
/// otherwise it is estimated, then scaled so that each admin unit with a
/// given total matches it (villages first, then towns for the rest), then,
/// for buildings no unit total reached, so that the input matches
/// `params.total`.
pub fn assign_population(layers: &mut Layers, params: &PopulationParams) -> PopulationSummary {
    let mut s = PopulationSummary {
        household_size: params.household_size,
        ..Default::default()
    };
    let points: Vec<Option<Point<f64>>> = layers
        .buildings
        .iter()
        .map(|b| b.geometry.interior_point())
        .collect();

    let workplaces = index(
        layers
            .sites
            .iter()
            .enumerate()
            .filter(|(_, x)| x.kind.is_workplace())
            .map(|(i, x)| (i, &x.geometry)),
    );
    let mut estimate: Vec<Option<f64>> = Vec::with_capacity(layers.buildings.len());
    for (b, p) in layers.buildings.iter().zip(&points) {
        if b.population.is_some() {
            s.buildings_given += 1;
            estimate.push(None);
            continue;
        }
        let in_workplace =
            b.kind == "yes" && p.is_some_and(|p| containing(&workplaces, p).is_some());
        if in_workplace {
            s.in_workplace_sites += 1;
        }
        let r = if in_workplace {
            0.0
        } else {
            residents_estimate(b, params)
        };
        if r > 0.0 {
            s.residential_buildings += 1;
        }
        s.buildings_estimated += 1;
        estimate.push(Some(r));
    }

    let mut factor: Vec<Option<f64>> = vec![None; layers.buildings.len()];
    for level in [AdminLevel::Village, AdminLevel::Town] {
        let units: Vec<usize> = layers
            .admin
            .iter()
            .enumerate()
            .filter(|(_, u)| u.level == level && u.population.is_some())
            .map(|(i, _)| i)
            .collect();
        if units.is_empty() {
            continue;
        }
        let tree = index(units.iter().map(|&i| (i, &layers.admin[i].geometry)));
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); layers.admin.len()];
        for (bi, p) in points.iter().enumerate() {
            if factor[bi].is_some() {
                continue;
            }
            if let Some(u) = p.and_then(|p| containing(&tree, p)) {
                members[u].push(bi);
            }
        }
        for &u in &units {
            let unit = &layers.admin[u];
            let target = unit.population.unwrap_or(0.0);
            let given: f64 = members[u]
                .iter()
                .filter_map(|&b| layers.buildings[b].population)
                .sum();
            let estimated: f64 = members[u].iter().filter_map(|&b| estimate[b]).sum();
            if estimated <= 0.0 {
                if target > given {
                    s.units_without_housing
                        .push(format!("{} {}", unit.code, unit.name));
                }
                continue;
            }
            let f = ((target - given).max(0.0)) / estimated;
            for &b in &members[u] {
                if estimate[b].is_some() {
                    factor[b] = Some(f);
                }
            }
            s.unit_scales.push((unit.code.to_string(), f));
        }
    }
    if let Some(total) = params.total {
        let fixed: f64 = layers
            .buildings
            .iter()
            .zip(&estimate)
            .zip(&factor)
            .map(|((b, e), f)| match (b.population, e, f) {
                (Some(g), _, _) => g,
                (None, Some(e), Some(f)) => e * f,
                _ => 0.0,
            })
            .sum();
        let free: f64 = estimate
            .iter()
            .zip(&factor)
            .filter(|(_, f)| f.is_none())
            .filter_map(|(e, _)| *e)
            .sum();
        if free > 0.0 {
            let f = ((total - fixed).max(0.0)) / free;
            for (e, fa) in estimate.iter().zip(factor.iter_mut()) {
                if e.is_some() && fa.is_none() {
                    *fa = Some(f);
                }
            }
            s.total_scale = Some(f);
        }
    }

    for ((b, e), f) in layers.buildings.iter_mut().zip(&estimate).zip(&factor) {
        match (e, f) {
            (None, _) => b.population_source = Some(PopulationSource::Given),
            (Some(e), Some(f)) => {
                b.population = Some(e * f);
                b.population_source = Some(PopulationSource::Scaled);
                s.buildings_scaled += 1;
            }
            (Some(e), None) => {
                b.population = Some(*e);
                b.population_source = Some(PopulationSource::Estimated);
            }
        }
        if b.households.is_none() || b.population_source != Some(PopulationSource::Given) {
            b.households = b.population.map(|p| p / params.household_size);
        }
        s.residents += b.population.unwrap_or(0.0);
        s.households += b.households.unwrap_or(0.0);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdminUnit, Building, DivisionCode, FeatureId};
    use geo_types::polygon;

    fn square(x: f64, y: f64, d: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + d, y: y), (x: x + d, y: y + d), (x: x, y: y + d)],
        ])
    }

    fn house(x: f64, pop: Option<f64>) -> Building {
        Building {
            id: FeatureId(format!("b{x}")),
            kind: "apartments".into(),
            levels: Some(6.0),
            height: None,
            population: pop,
            households: None,
            population_source: None,
            geometry: square(x, 40.0, 0.0003),
        }
    }

    #[test]
    fn scales_to_unit_totals_and_keeps_given_figures() {
        let mut l = Layers::default();
        l.admin.push(AdminUnit {
            id: FeatureId("v".into()),
            code: DivisionCode::parse("110108001001").unwrap(),
            name: "甲".into(),
            level: AdminLevel::Village,
            population: Some(1000.0),
            geometry: square(115.99, 39.99, 0.1),
        });
        l.buildings = vec![
            house(116.0, None),
            house(116.001, None),
            house(116.002, Some(100.0)),
        ];
        let s = assign_population(&mut l, &PopulationParams::default());
        let total: f64 = l.buildings.iter().filter_map(|b| b.population).sum();
        assert!((total - 1000.0).abs() < 1e-6, "{total}");
        assert_eq!(l.buildings[2].population, Some(100.0));
        assert_eq!(s.buildings_scaled, 2);
        let hh = l.buildings[0].households.unwrap();
        assert!((hh * 2.62 - l.buildings[0].population.unwrap()).abs() < 1e-9);
    }

    #[test]
    fn scales_to_a_total_without_units() {
        let mut l = Layers {
            buildings: vec![house(116.0, None), house(116.001, None)],
            ..Layers::default()
        };
        let p = PopulationParams {
            total: Some(44_166.0),
            household_size: 2.33,
            ..Default::default()
        };
        let s = assign_population(&mut l, &p);
        assert!((s.residents - 44_166.0).abs() < 1e-6);
        assert!((s.households - 44_166.0 / 2.33).abs() < 1e-6);
    }
}

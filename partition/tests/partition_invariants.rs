//! Invariants of a partition on generated counties (random seed and size),
//! checked with geo's boolean operations, independently of the planar graph
//! the partition is built on.

use std::collections::{HashMap, HashSet};

use geo::{Area, BooleanOps, Contains, InteriorPoint};
use geo_types::{MultiPolygon, Point};
use partition::model::AdminLevel;
use partition::plan::{PartitionParams, run_partition};
use partition::population::{PopulationParams, assign_population};
use partition::synth::{SynthParams, generate};
use proptest::prelude::*;

fn county(seed: u64, buildings: usize) -> partition::Layers {
    let mut layers = generate(&SynthParams {
        seed,
        buildings,
        population: buildings as u64 * 3,
        ..Default::default()
    });
    assign_population(&mut layers, &PopulationParams::default());
    layers
}

fn check(seed: u64, buildings: usize) -> Result<(), TestCaseError> {
    let layers = county(seed, buildings);
    let result = run_partition(&layers, &PartitionParams::default(), &[], &mut |_| {});
    let villages: HashMap<String, &MultiPolygon<f64>> = layers
        .admin
        .iter()
        .filter(|u| u.level == AdminLevel::Village)
        .map(|u| (u.code.to_string(), &u.geometry))
        .collect();

    // Codes: unique, 15 digits, starting with their village's code.
    let codes: HashSet<&str> = result.grids.iter().map(|g| g.code.as_str()).collect();
    prop_assert_eq!(codes.len(), result.grids.len(), "codes are unique");
    for g in &result.grids {
        prop_assert!(
            g.code.len() == 15 && g.code.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            g.code
        );
        prop_assert!(g.code.starts_with(&g.village_code.to_string()));
    }

    // The grids' union is the villages' union: no gap, no overlap.
    let mut villages_union = MultiPolygon::<f64>(vec![]);
    for v in villages.values() {
        villages_union = villages_union.union(*v);
    }
    let mut grids_union = MultiPolygon::<f64>(vec![]);
    let mut sum = 0.0;
    for g in &result.grids {
        sum += g.geometry.unsigned_area();
        grids_union = grids_union.union(&g.geometry);
        // Each grid stays inside its own village.
        let own = villages[&g.village_code.to_string()];
        let outside = g.geometry.difference(own).unsigned_area();
        prop_assert!(
            outside < 1e-6 * own.unsigned_area(),
            "grid {} leaves its village by {}",
            g.code,
            outside
        );
    }
    let area = villages_union.unsigned_area();
    let gap = villages_union.difference(&grids_union).unsigned_area();
    let overlap = sum - grids_union.unsigned_area();
    prop_assert!(gap < 1e-6 * area, "gap {} of {}", gap, area);
    prop_assert!(overlap < 1e-6 * area, "overlap {} of {}", overlap, area);
    prop_assert!(grids_union.difference(&villages_union).unsigned_area() < 1e-6 * area);

    // One valid polygon per grid (the generator's villages are all connected).
    for g in &result.grids {
        prop_assert!(
            geo::Validation::is_valid(&g.geometry),
            "grid {} is invalid",
            g.code
        );
        prop_assert_eq!(
            g.geometry.0.len(),
            1,
            "grid {} has {} parts",
            g.code,
            g.geometry.0.len()
        );
    }

    // Every building in exactly one grid.
    let mut multiple = 0;
    for b in &layers.buildings {
        let Some(p) = b.geometry.interior_point() else {
            continue;
        };
        let n = result
            .grids
            .iter()
            .filter(|g| g.geometry.contains(&p))
            .count();
        if n != 1 {
            // A point exactly on a grid edge counts in neither grid.
            let on_edge = result
                .grids
                .iter()
                .any(|g| g.geometry.intersects_boundary(&p));
            prop_assert!(on_edge, "building {} lies in {} grids", b.id, n);
            multiple += 1;
        }
    }
    prop_assert!(multiple <= layers.buildings.len() / 1000);
    Ok(())
}

trait OnBoundary {
    fn intersects_boundary(&self, p: &Point<f64>) -> bool;
}
impl OnBoundary for MultiPolygon<f64> {
    fn intersects_boundary(&self, p: &Point<f64>) -> bool {
        use geo::Intersects;
        self.0.iter().any(|poly| {
            poly.exterior().intersects(p) || poly.interiors().iter().any(|h| h.intersects(p))
        })
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn grids_tile_villages_and_hold_every_building(seed in 0u64..10_000, buildings in 1_500usize..4_000) {
        check(seed, buildings)?;
    }
}

#[test]
fn same_seed_same_plan() {
    let layers = county(11, 3_000);
    let a = run_partition(&layers, &PartitionParams::default(), &[], &mut |_| {});
    let b = run_partition(&layers, &PartitionParams::default(), &[], &mut |_| {});
    assert_eq!(a.grids.len(), b.grids.len());
    for (x, y) in a.grids.iter().zip(&b.grids) {
        assert_eq!(x.code, y.code);
        assert_eq!(x.geometry, y.geometry);
        assert_eq!(x.population, y.population);
    }
}

#[test]
fn grids_simplify_along_shared_arcs() {
    use geo::Validation;
    use partition::planar::Topology;
    let layers = county(5, 3_000);
    let result = run_partition(&layers, &PartitionParams::default(), &[], &mut |_| {});
    let polys: Vec<MultiPolygon<f64>> = result.grids.iter().map(|g| g.geometry.clone()).collect();
    let topo = Topology::build(&polys);
    let exact: f64 = polys.iter().map(|p| p.unsigned_area()).sum();
    // About one tile pixel at zooms 10, 12 and 14 (4096 units a tile).
    for z in [10, 12, 14] {
        let tol = 360.0 / f64::from(1u32 << z) / 4096.0;
        let s = topo.simplified(tol);
        assert_eq!(s.len(), polys.len());
        let invalid = s.iter().filter(|p| !p.is_valid()).count();
        assert_eq!(invalid, 0, "zoom {z}");
        // Shared arcs move area between neighbours only; the county's outer
        // edge is simplified too, so the total changes a little.
        let total: f64 = s.iter().map(|p| p.unsigned_area()).sum();
        assert!(
            (total - exact).abs() < 1e-6 * exact.max(1e-12) + 1e-9,
            "zoom {z}: {total} vs {exact}"
        );
    }
}

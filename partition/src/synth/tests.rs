use std::collections::HashSet;

use geo::{Area, Validation};

use super::*;
use crate::model::AdminLevel;

fn small(seed: u64) -> Layers {
    generate(&SynthParams {
        seed,
        population: 60_000,
        buildings: 20_000,
        ..Default::default()
    })
}

#[test]
fn same_seed_same_county() {
    assert_eq!(small(7), small(7));
    assert_ne!(small(7).buildings, small(8).buildings);
}

#[test]
fn county_is_plausible() {
    let l = small(3);
    let n = l.buildings.len();
    assert_eq!(n, 20_000, "exactly the buildings asked for");
    for kind in LayerKindList::ALL {
        assert!(l.count(kind) > 0, "{kind} is empty");
    }
    let towns = l
        .admin
        .iter()
        .filter(|u| u.level == AdminLevel::Town)
        .count();
    let villages: Vec<_> = l
        .admin
        .iter()
        .filter(|u| u.level == AdminLevel::Village)
        .collect();
    assert!(towns >= 5, "{towns} towns");
    assert!(villages.len() >= 20, "{} villages", villages.len());
    let codes: HashSet<_> = l.admin.iter().map(|u| u.code).collect();
    assert_eq!(codes.len(), l.admin.len(), "codes are unique");
    for v in &villages {
        assert!(
            v.code.parent().is_some_and(|t| codes.contains(&t)),
            "{} has its town",
            v.code
        );
        assert!(v.geometry.is_valid(), "{} is valid", v.code);
    }
    let pop: f64 = villages.iter().filter_map(|v| v.population).sum();
    assert_eq!(pop, 60_000.0);
    // Villages tile the county: their areas add up to the towns'.
    let va: f64 = villages.iter().map(|v| v.geometry.unsigned_area()).sum();
    let ta: f64 = l
        .admin
        .iter()
        .filter(|u| u.level == AdminLevel::Town)
        .map(|t| t.geometry.unsigned_area())
        .sum();
    assert!((va - ta).abs() / ta < 1e-6, "{va} vs {ta}");
    assert!(
        l.buildings
            .iter()
            .take(2_000)
            .all(|b| b.geometry.is_valid())
    );
    assert!(
        l.buildings
            .iter()
            .any(|b| b.kind == "apartments" && b.levels.unwrap_or(0.0) >= 10.0)
    );
    assert!(
        l.sites
            .iter()
            .any(|s| s.kind == crate::SiteKind::Industrial)
    );
}

use crate::LayerKind as LayerKindList;

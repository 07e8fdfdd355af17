//! Times Gi* hot spots over a county at resolution 9 (k = 2) and writes the
//! same counts and weights for esda (`bench/hotspots.sh` runs both).
//! Usage: hotspots_bench ESDA_INPUT.json

use std::time::Instant;

use ops::hotspots::{HotspotParams, count_cells, gi_star, hotspots};
use ops::simulate::hotspot_county;

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> f64 {
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(f());
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: hotspots_bench ESDA_INPUT.json")?;
    let (area, points) = hotspot_county();
    let params = HotspotParams::default();
    let counted = count_cells(&points, &area, &params)?;
    let values: Vec<f64> = counted.counts.iter().map(|&c| f64::from(c)).collect();
    let runs = 11;
    let gi = time(runs, || gi_star(&values, &counted.neighbours));
    let whole = time(runs, || hotspots(&points, &area, &params));
    let with_perm = time(3, || {
        hotspots(
            &points,
            &area,
            &HotspotParams {
                permutations: 999,
                ..params.clone()
            },
        )
    });
    std::fs::write(
        &out,
        serde_json::json!({"cases": [{
            "name": "county", "values": values, "neighbours": counted.neighbours, "runs": 5
        }]})
        .to_string(),
    )?;
    println!(
        "{}",
        serde_json::json!({
            "cells": counted.cells.len(),
            "cases": points.len(),
            "gi_star_s": gi,
            "hotspots_s": whole,
            "hotspots_999_permutations_s": with_perm,
        })
    );
    Ok(())
}

//! Prints block statistics for a synthetic county: `cargo run --release -p partition --example blocks_probe -- BUILDINGS`.
use partition::blocks::{BlockParams, build_blocks};
use partition::population::{PopulationParams, assign_population};
use partition::synth::{SynthParams, generate};
use std::time::Instant;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let t = Instant::now();
    let mut layers = generate(&SynthParams {
        seed: 1,
        buildings: n,
        population: (n as u64) * 3 / 2,
        ..Default::default()
    });
    assign_population(&mut layers, &PopulationParams::default());
    println!("synth+population {:.2}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let set = build_blocks(&layers, &BlockParams::default());
    println!(
        "blocks {:.2}s rounds {} faces {} blocks {}",
        t.elapsed().as_secs_f64(),
        set.rounds,
        set.arrangement.face_count(),
        set.blocks.len()
    );
    let mut pops: Vec<f64> = set.blocks.iter().map(|b| b.population).collect();
    pops.sort_by(f64::total_cmp);
    let q = |p: f64| pops[((pops.len() - 1) as f64 * p) as usize];
    println!(
        "block pop p10 {:.0} p50 {:.0} p90 {:.0} max {:.0}; over 2000: {}",
        q(0.1),
        q(0.5),
        q(0.9),
        q(1.0),
        pops.iter().filter(|&&p| p > 2000.0).count()
    );
    let unattached = set.building_block.iter().filter(|b| b.is_none()).count();
    println!(
        "buildings unattached {unattached}; empty blocks {}",
        set.blocks.iter().filter(|b| b.buildings == 0).count()
    );
}

//! Partitions a synthetic county and prints the report:
//! `cargo run --release -p partition --example partition_probe -- BUILDINGS`.
use partition::plan::{PartitionParams, run_partition};
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
    let r = run_partition(&layers, &PartitionParams::default(), &[], &mut |s| {
        eprintln!("stage {}", s.as_str())
    });
    let mut rep = r.report.clone();
    let inf = std::mem::take(&mut rep.infeasible_parents);
    println!("{}", serde_json::to_string_pretty(&rep).unwrap());
    println!("infeasible parents: {}", inf.len());
    for p in inf.iter().take(8) {
        println!("  {} {} {:.0}: {}", p.code, p.name, p.value, p.reason);
    }
}

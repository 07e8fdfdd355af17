//! Debug probe for unit cells on an OSM extract.
use partition::import::{ImportOptions, Importer, complete_hierarchy};
use partition::plan::{PartitionParams, make_cells, run_partition};
use partition::population::{PopulationParams, assign_population};

fn main() {
    let path = std::env::args().nth(1).expect("pbf path");
    let mut imp = Importer::new(ImportOptions::default());
    imp.read_pbf_file(std::path::Path::new(&path))
        .expect("read");
    let (mut layers, _) = imp.finish();
    complete_hierarchy(&mut layers, None, None);
    assign_population(&mut layers, &PopulationParams::default());
    let r = run_partition(&layers, &PartitionParams::default(), &[], &mut |_| {});
    let (cells, rep) = make_cells(&layers, &r.grids, partition::grids::Band::CELL);
    println!("{rep:?}");
    let mut big: Vec<_> = cells.iter().filter(|c| c.households > 50.0).collect();
    big.sort_by(|a, b| b.households.total_cmp(&a.households));
    for c in big.iter().take(5) {
        let hh: Vec<f64> = c.blocks.iter().map(|_| 0.0).collect();
        println!(
            "{} hh {:.0} buildings {} blocks {}",
            c.code,
            c.households,
            c.buildings,
            hh.len()
        );
    }
}

use std::time::Instant;

use geo_types::{Coord, MultiPolygon};
use serde::Serialize;

use super::Grid;
use super::codes::sequence;
use super::measure::{Totals, perimeter_m, polsby_popper, unit_polygons};
use crate::blocks::{BlockParams, build_blocks_in};
use crate::grids::{Band, BandSet, BlockGraph, Kept, SolveParams, partition_blocks};
use crate::model::{Layers, RoadClass};

/// What the unit-cell run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CellReport {
    pub band: String,
    pub cells: usize,
    /// Share of cells in band, leaving out grids below the band minimum
    /// (one cell each).
    pub in_band: f64,
    pub households_min: f64,
    pub households_mean: f64,
    pub households_max: f64,
    pub polsby_popper_mean: f64,
    pub seconds: f64,
}

/// Unit cells (单元格/微网格): every grid split by the same engine — blocks
/// bounded by every road and path, split through gaps between buildings
/// down to the cell band, then grown and balanced — into cells coded
/// `{grid code}{001…}` in reading order.
pub fn make_cells(layers: &Layers, grids: &[Grid], band: Band) -> (Vec<Grid>, CellReport) {
    let started = Instant::now();
    let parents: Vec<&MultiPolygon<f64>> = grids.iter().map(|g| &g.geometry).collect();
    let params = BlockParams {
        min_road_class: RoadClass::Path,
        measure: band.measure,
        split_above: band.hi * 0.6,
        split_target: band.mid() / 2.0,
        dedicated_min_m2: f64::INFINITY,
        h3_above_m2: 300_000.0,
        h3_resolution: 9,
        max_rounds: 6,
        ..BlockParams::default()
    };
    let set = build_blocks_in(
        layers,
        &parents,
        (0..grids.len()).collect(),
        Vec::new(),
        &params,
    );
    let graph = BlockGraph::build(&set);
    let codes: Vec<_> = grids.iter().map(|g| g.village_code).collect();
    let solve = SolveParams {
        bands: BandSet::uniform(band),
        ..SolveParams::default()
    };
    let assignment = partition_blocks(&set, &graph, &codes, &solve, &Kept::new());
    let (_, geoms) = unit_polygons(&set, &assignment.grids);

    let mut per_grid: Vec<Vec<usize>> = vec![Vec::new(); grids.len()];
    for (c, unit) in assignment.grids.iter().enumerate() {
        per_grid[unit.village as usize].push(c);
    }
    let mut cells = Vec::with_capacity(assignment.grids.len());
    for (g, members) in per_grid.iter().enumerate() {
        let grid = &grids[g];
        let points: Vec<Coord<f64>> = members
            .iter()
            .map(|&c| {
                let blocks = &assignment.grids[c].blocks;
                let n = blocks.len().max(1) as f64;
                let (x, y) = blocks.iter().fold((0.0, 0.0), |(x, y), &b| {
                    (
                        x + set.blocks[b as usize].centroid.x,
                        y + set.blocks[b as usize].centroid.y,
                    )
                });
                Coord { x: x / n, y: y / n }
            })
            .collect();
        let row_m = (grid.area_m2 / members.len().max(1) as f64)
            .sqrt()
            .max(30.0);
        for (&c, seq) in members.iter().zip(sequence(&points, row_m, 1, &[])) {
            let unit = &assignment.grids[c];
            let t = Totals::of(&set, &unit.blocks);
            let (population, households, buildings, area) =
                (t.population, t.households, t.buildings, t.area_m2);
            let geometry = geoms[c].clone();
            let perimeter = perimeter_m(&geometry);
            let value = t.value(band.measure);
            cells.push(Grid {
                code: format!("{}{seq:03}", grid.code),
                name: format!("{}第{seq}单元格", grid.name),
                village_code: grid.village_code,
                village_name: grid.village_name.clone(),
                town_code: grid.town_code,
                town_name: grid.town_name.clone(),
                population,
                households,
                buildings,
                area_m2: area,
                perimeter_m: perimeter,
                polsby_popper: polsby_popper(area, perimeter),
                dedicated: grid.dedicated,
                in_band: Some(band.contains(value)),
                parent_code: Some(grid.code.clone()),
                blocks: unit.blocks.clone(),
                geometry,
            });
        }
    }
    cells.sort_by(|a, b| a.code.cmp(&b.code));

    let value = |c: &Grid| match band.measure {
        crate::blocks::Measure::Residents => c.population,
        crate::blocks::Measure::Households => c.households,
    };
    // Grids below the cell band are one cell each and do not count.
    let counted: Vec<&Grid> = cells
        .iter()
        .filter(|c| {
            grids
                .iter()
                .find(|g| Some(&g.code) == c.parent_code.as_ref())
                .is_some_and(|g| value(g) >= band.lo)
        })
        .collect();
    let hh: Vec<f64> = cells.iter().map(|c| c.households).collect();
    let report = CellReport {
        band: band.to_string(),
        cells: cells.len(),
        in_band: if counted.is_empty() {
            1.0
        } else {
            counted.iter().filter(|c| c.in_band == Some(true)).count() as f64 / counted.len() as f64
        },
        households_min: hh
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min)
            .min(f64::MAX),
        households_mean: if hh.is_empty() {
            0.0
        } else {
            hh.iter().sum::<f64>() / hh.len() as f64
        },
        households_max: hh.iter().copied().fold(0.0, f64::max),
        polsby_popper_mean: if cells.is_empty() {
            0.0
        } else {
            cells.iter().map(|c| c.polsby_popper).sum::<f64>() / cells.len() as f64
        },
        seconds: started.elapsed().as_secs_f64(),
    };
    (cells, report)
}

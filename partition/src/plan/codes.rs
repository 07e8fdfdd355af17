use std::collections::HashMap;

use geo_types::Coord;

use crate::blocks::BlockSet;
use crate::geometry::area_m2;
use crate::grids::GridUnit;
use crate::model::Layers;

/// Sequence numbers in reading order: rows north to south, west to east
/// within a row; rows are `row_m` tall. `taken` numbers are skipped;
/// numbering starts at `first`.
pub(crate) fn sequence(points: &[Coord<f64>], row_m: f64, first: u16, taken: &[u16]) -> Vec<u16> {
    let row_deg = (row_m / 111_195.0).max(1e-6);
    let mut idx: Vec<usize> = (0..points.len()).collect();
    idx.sort_by(|&a, &b| {
        let (pa, pb) = (points[a], points[b]);
        let (ra, rb) = ((-pa.y / row_deg).floor(), (-pb.y / row_deg).floor());
        ra.total_cmp(&rb)
            .then(pa.x.total_cmp(&pb.x))
            .then(a.cmp(&b))
    });
    let mut out = vec![0u16; points.len()];
    let mut next = first;
    for i in idx {
        while taken.contains(&next) {
            next += 1;
        }
        out[i] = next;
        next += 1;
    }
    out
}

/// Each grid's sequence number within its village: ordinary grids from
/// 001, dedicated ones from 901, in reading order (rows `row_m` tall, from
/// the village's area per grid), numbers kept from an earlier plan first.
pub(crate) fn grid_sequences(layers: &Layers, set: &BlockSet, units: &[GridUnit]) -> Vec<u16> {
    // Sequence numbers per village, in reading order.
    let mut seq = vec![0u16; units.len()];
    let mut per_village: HashMap<u32, Vec<usize>> = HashMap::new();
    for (g, unit) in units.iter().enumerate() {
        per_village.entry(unit.village).or_default().push(g);
    }
    let point_of = |g: usize| -> Coord<f64> {
        let unit = &units[g];
        let (mut x, mut y, mut w) = (0.0, 0.0, 0.0);
        for &b in &unit.blocks {
            let blk = &set.blocks[b as usize];
            let a = blk.area_m2.max(1e-6);
            x += blk.centroid.x * a;
            y += blk.centroid.y * a;
            w += a;
        }
        Coord { x: x / w, y: y / w }
    };
    let mut villages: Vec<&u32> = per_village.keys().collect();
    villages.sort();
    for v in villages {
        let members = &per_village[v];
        let village_area = area_m2(&layers.admin[set.villages[*v as usize]].geometry);
        let row_m = (village_area / members.len().max(1) as f64)
            .sqrt()
            .max(100.0);
        let (normal, dedicated): (Vec<usize>, Vec<usize>) =
            members.iter().partition(|&&g| units[g].dedicated.is_none());
        // Ordinary grids from 001, dedicated ones from 901: one numbering,
        // kept numbers first, the rest in reading order.
        for (group, first) in [(normal, 1), (dedicated, 901)] {
            number_in_reading_order(&group, first, row_m, units, &point_of, &mut seq);
        }
    }

    seq
}

/// Gives `group`'s grids their sequence numbers: a number kept from an
/// earlier plan stays; the others take the free numbers from `first` in
/// reading order.
fn number_in_reading_order(
    group: &[usize],
    first: u16,
    row_m: f64,
    units: &[GridUnit],
    point_of: &dyn Fn(usize) -> Coord<f64>,
    seq: &mut [u16],
) {
    let taken: Vec<u16> = group.iter().filter_map(|&g| units[g].kept_seq).collect();
    let fresh: Vec<usize> = group
        .iter()
        .copied()
        .filter(|&g| units[g].kept_seq.is_none())
        .collect();
    let pts: Vec<Coord<f64>> = fresh.iter().map(|&g| point_of(g)).collect();
    for (g, s) in fresh.iter().zip(sequence(&pts, row_m, first, &taken)) {
        seq[*g] = s;
    }
    for &g in group {
        if let Some(s) = units[g].kept_seq {
            seq[g] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_order_and_skips() {
        let pts = [
            Coord { x: 0.02, y: 0.0 },
            Coord { x: 0.0, y: 0.01 },
            Coord { x: 0.0, y: 0.0 },
        ];
        // Rows of ~1 km: the northern point first, then west to east.
        assert_eq!(sequence(&pts, 500.0, 1, &[]), vec![3, 1, 2]);
        assert_eq!(sequence(&pts, 500.0, 1, &[1, 3]), vec![5, 2, 4]);
    }
}

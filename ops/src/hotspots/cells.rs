//! Cases counted on H3 cells over the county, zero-filled (a cell with no
//! case is a zero, not a missing value: Gi* compares every cell with the
//! county's mean), with each cell's k-ring as its neighbours.

use std::collections::HashMap;

use geo_types::{Coord, MultiPolygon};
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};

use super::gistar::{GiError, bins, gi_star, permutation_p};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HotspotError {
    #[error("H3 resolution {0} is outside 7–10")]
    Resolution(u8),
    #[error("k = {0} is outside 1–5")]
    Ring(u32),
    #[error("the county's outline is not a valid polygon for H3: {0}")]
    Outline(String),
    #[error("the county covers {cells} cells at resolution {res}; at most {max}")]
    TooMany { cells: usize, res: u8, max: usize },
    #[error(transparent)]
    Gi(#[from] GiError),
}

/// Cells a request may cover at most (resolution 10 over a large county
/// is millions; the answer must stay a page, not a file).
pub const MAX_CELLS: usize = 400_000;

/// How the hotspots are computed.
#[derive(Debug, Clone)]
pub struct HotspotParams {
    pub res: u8,
    /// Rings of neighbours (k = 1: the six around a cell).
    pub k: u32,
    /// Benjamini–Hochberg correction of the bins.
    pub fdr: bool,
    /// Conditional permutations (0: none) and their seed.
    pub permutations: usize,
    pub seed: u64,
}

impl Default for HotspotParams {
    fn default() -> Self {
        Self {
            res: 9,
            k: 2,
            fdr: true,
            permutations: 0,
            seed: 1,
        }
    }
}

/// One cell's figures.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HotCell {
    /// The H3 index, hexadecimal.
    pub cell: String,
    pub count: u32,
    pub z: f64,
    /// Two-sided p of `z`.
    pub p: f64,
    /// −3…3: cold or hot at 99/95/90 % (0: neither).
    pub bin: i8,
    /// The permutation p-value, when permutations were asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub p_sim: Option<f64>,
    /// The cell's centre, WGS84.
    pub lon: f64,
    pub lat: f64,
}

/// Cases counted on the zero-filled cells of a county, with the k-ring
/// neighbours Gi* weighs them by: the input esda would be given.
#[derive(Debug, Clone, PartialEq)]
pub struct CellCounts {
    pub cells: Vec<CellIndex>,
    pub counts: Vec<u32>,
    /// Indices into `cells` within k rings of each cell, itself left out.
    pub neighbours: Vec<Vec<usize>>,
}

/// Counts `points` (cases, WGS84) on the cells covering `area`.
pub fn count_cells(
    points: &[Coord<f64>],
    area: &MultiPolygon<f64>,
    p: &HotspotParams,
) -> Result<CellCounts, HotspotError> {
    if !(7..=10).contains(&p.res) {
        return Err(HotspotError::Resolution(p.res));
    }
    if !(1..=5).contains(&p.k) {
        return Err(HotspotError::Ring(p.k));
    }
    let res = Resolution::try_from(p.res).map_err(|_| HotspotError::Resolution(p.res))?;
    let mut tiler = TilerBuilder::new(res)
        .containment_mode(ContainmentMode::Covers)
        .build();
    for poly in &area.0 {
        tiler
            .add(poly.clone())
            .map_err(|e| HotspotError::Outline(e.to_string()))?;
    }
    let hint = tiler.coverage_size_hint();
    if hint > MAX_CELLS * 4 {
        return Err(HotspotError::TooMany {
            cells: hint,
            res: p.res,
            max: MAX_CELLS,
        });
    }
    let mut cells: Vec<CellIndex> = tiler.into_coverage().collect();
    // A case just outside the outline still counts, in a cell of its own.
    let located: Vec<CellIndex> = points
        .iter()
        .filter_map(|c| LatLng::new(c.y, c.x).ok().map(|ll| ll.to_cell(res)))
        .collect();
    cells.extend(located.iter().copied());
    cells.sort_unstable();
    cells.dedup();
    if cells.len() > MAX_CELLS {
        return Err(HotspotError::TooMany {
            cells: cells.len(),
            res: p.res,
            max: MAX_CELLS,
        });
    }
    let at: HashMap<CellIndex, usize> = cells.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut counts = vec![0u32; cells.len()];
    for c in &located {
        if let Some(&i) = at.get(c) {
            counts[i] += 1;
        }
    }
    let neighbours: Vec<Vec<usize>> = cells
        .iter()
        .map(|c| {
            c.grid_disk::<Vec<_>>(p.k)
                .into_iter()
                .filter(|n| n != c)
                .filter_map(|n| at.get(&n).copied())
                .collect()
        })
        .collect();
    Ok(CellCounts {
        cells,
        counts,
        neighbours,
    })
}

/// Gi* hot and cold spots of `points` (cases, WGS84) over `area`.
pub fn hotspots(
    points: &[Coord<f64>],
    area: &MultiPolygon<f64>,
    p: &HotspotParams,
) -> Result<Vec<HotCell>, HotspotError> {
    let CellCounts {
        cells,
        counts,
        neighbours,
    } = count_cells(points, area, p)?;
    let values: Vec<f64> = counts.iter().map(|&c| f64::from(c)).collect();
    let g = gi_star(&values, &neighbours)?;
    let bin = bins(&g.z, &g.p, p.fdr);
    let sim = (p.permutations > 0)
        .then(|| permutation_p(&values, &neighbours, &g, p.permutations, p.seed));
    Ok(cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let centre = LatLng::from(*c);
            HotCell {
                cell: c.to_string(),
                count: counts[i],
                z: g.z[i],
                p: g.p[i],
                bin: bin[i],
                p_sim: sim.as_ref().map(|s| s[i]),
                lon: centre.lng(),
                lat: centre.lat(),
            }
        })
        .collect())
}

/// A cell's outline from its hexadecimal index, WGS84 (closed ring).
pub fn cell_polygon(cell: &str) -> Option<geo_types::Polygon<f64>> {
    let c: CellIndex = cell.parse().ok()?;
    let mut ring: Vec<Coord<f64>> = c
        .boundary()
        .iter()
        .map(|ll| Coord {
            x: ll.lng(),
            y: ll.lat(),
        })
        .collect();
    ring.push(*ring.first()?);
    Some(geo_types::Polygon::new(ring.into(), vec![]))
}

/// A stable 53-bit feature id for a cell (MapLibre keeps ids in doubles).
pub fn cell_id(cell: &str) -> Option<u64> {
    cell.parse::<CellIndex>()
        .ok()
        .map(|c| u64::from(c) & ((1 << 53) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    fn square() -> MultiPolygon<f64> {
        MultiPolygon(vec![polygon![
            (x: 116.28, y: 39.98), (x: 116.34, y: 39.98), (x: 116.34, y: 40.03), (x: 116.28, y: 40.03)
        ]])
    }

    #[test]
    fn a_cluster_of_cases_is_a_hot_spot_and_empty_cells_count_as_zeros() {
        // 60 cases within 150 m of one corner, 20 spread over the rest.
        let mut pts: Vec<Coord<f64>> = (0..60)
            .map(|i| Coord {
                x: 116.29 + f64::from(i % 8) * 1.5e-4,
                y: 39.99 + f64::from(i / 8) * 1.5e-4,
            })
            .collect();
        pts.extend((0..20).map(|i| Coord {
            x: 116.285 + f64::from(i % 5) * 0.012,
            y: 39.985 + f64::from(i / 5) * 0.011,
        }));
        let cells = hotspots(&pts, &square(), &HotspotParams::default()).unwrap();
        assert!(cells.len() > 300, "zero-filled: {}", cells.len());
        assert_eq!(cells.iter().map(|c| c.count).sum::<u32>(), 80);
        let zeros = cells.iter().filter(|c| c.count == 0).count();
        assert!(zeros > cells.len() / 2);
        let hot = cells.iter().max_by(|a, b| a.z.total_cmp(&b.z)).unwrap();
        assert_eq!(hot.bin, 3, "{hot:?}");
        assert!(
            (hot.lon - 116.2905).abs() < 0.005 && (hot.lat - 39.9905).abs() < 0.005,
            "{hot:?}"
        );
        assert!(cells.iter().all(|c| c.bin >= 0 || c.count == 0));
        let outline = cell_polygon(&hot.cell).unwrap();
        assert_eq!(outline.exterior().0.len(), 7, "a hexagon, closed");
        assert!(cell_polygon("nonsense").is_none());
    }

    #[test]
    fn parameters_out_of_range_are_refused() {
        let p = |res, k| HotspotParams {
            res,
            k,
            ..HotspotParams::default()
        };
        assert_eq!(
            hotspots(&[], &square(), &p(6, 2)),
            Err(HotspotError::Resolution(6))
        );
        assert_eq!(
            hotspots(&[], &square(), &p(9, 0)),
            Err(HotspotError::Ring(0))
        );
    }
}

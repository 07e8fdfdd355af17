//! Getis-Ord Gi* with binary weights, the cell itself included: for each
//! cell, how far the sum over its neighbourhood lies from what the county
//! as a whole would give, in standard deviations. The moments are those of
//! Getis & Ord (1992) as PySAL's esda computes them (`G_Local(star=True,
//! transform='B')`), so the z-scores agree with it; p-values are two-sided.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Why Gi* cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GiError {
    #[error("Gi* needs at least two cells, got {0}")]
    TooFew(usize),
    #[error("{values} values but {neighbours} neighbour lists")]
    Mismatch { values: usize, neighbours: usize },
    #[error("neighbour {neighbour} of cell {cell} is not a cell (there are {n})")]
    BadNeighbour {
        cell: usize,
        neighbour: usize,
        n: usize,
    },
    #[error("value {0} is not a finite number")]
    NotFinite(f64),
}

/// Gi* of every cell.
#[derive(Debug, Clone, PartialEq)]
pub struct GiStar {
    /// The statistic: the neighbourhood's share of the total.
    pub g: Vec<f64>,
    /// Standardised under the normal approximation (NaN where every value
    /// is the same: there is nothing to tell apart).
    pub z: Vec<f64>,
    /// Two-sided p-values of `z`.
    pub p: Vec<f64>,
}

/// `neighbours[i]`: the cells within the weight band of cell `i`, without
/// `i` itself (its weight of 1 is added here). Repeats count once.
pub fn gi_star(values: &[f64], neighbours: &[Vec<usize>]) -> Result<GiStar, GiError> {
    let n = values.len();
    if n < 2 {
        return Err(GiError::TooFew(n));
    }
    if neighbours.len() != n {
        return Err(GiError::Mismatch {
            values: n,
            neighbours: neighbours.len(),
        });
    }
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(GiError::NotFinite(*v));
    }
    let nf = n as f64;
    let sum: f64 = values.iter().sum();
    let mean = sum / nf;
    let variance = values.iter().map(|v| v * v).sum::<f64>() / nf - mean * mean;
    let mut g = Vec::with_capacity(n);
    let mut z = Vec::with_capacity(n);
    let mut seen = vec![usize::MAX; n];
    for (i, around) in neighbours.iter().enumerate() {
        seen[i] = i;
        let mut local = values[i];
        let mut card = 1.0;
        for &j in around {
            if j >= n {
                return Err(GiError::BadNeighbour {
                    cell: i,
                    neighbour: j,
                    n,
                });
            }
            if seen[j] != i {
                seen[j] = i;
                local += values[j];
                card += 1.0;
            }
        }
        let gi = local / sum;
        let expected = card / nf;
        let var = card * (nf - card) / (nf - 1.0) / (nf * nf) * variance / (mean * mean);
        g.push(gi);
        z.push((gi - expected) / var.sqrt());
    }
    let p = z.iter().map(|&z| two_sided_p(z)).collect();
    Ok(GiStar { g, z, p })
}

/// P(|Z| ≥ |z|) for a standard normal Z.
pub fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return f64::NAN;
    }
    libm::erfc(z.abs() / std::f64::consts::SQRT_2)
}

/// Conditional permutation p-values (pseudo p, one-sided towards the
/// observed side, as esda's `p_sim`): each cell's neighbours are drawn
/// at random from the other cells `permutations` times. Seeded, so a
/// figure can be reproduced.
pub fn permutation_p(
    values: &[f64],
    neighbours: &[Vec<usize>],
    observed: &GiStar,
    permutations: usize,
    seed: u64,
) -> Vec<f64> {
    let n = values.len();
    let sum: f64 = values.iter().sum();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut others: Vec<usize> = Vec::with_capacity(n);
    (0..n)
        .map(|i| {
            let k = {
                let mut around = neighbours[i].clone();
                around.retain(|&j| j != i && j < n);
                around.sort_unstable();
                around.dedup();
                around.len()
            };
            others.clear();
            others.extend((0..n).filter(|&j| j != i));
            let mut larger = 0usize;
            for _ in 0..permutations {
                let (drawn, _) = others.partial_shuffle(&mut rng, k);
                let g = (values[i] + drawn.iter().map(|&j| values[j]).sum::<f64>()) / sum;
                if g >= observed.g[i] {
                    larger += 1;
                }
            }
            let larger = larger.min(permutations - larger);
            (larger as f64 + 1.0) / (permutations as f64 + 1.0)
        })
        .collect()
}

/// Whether each p-value is significant at false discovery rate `q`
/// (Benjamini–Hochberg step-up: the largest rank r with p(r) ≤ r·q/m,
/// and every p-value up to it).
pub fn benjamini_hochberg(p: &[f64], q: f64) -> Vec<bool> {
    let mut order: Vec<usize> = (0..p.len()).filter(|&i| p[i].is_finite()).collect();
    order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
    let m = order.len() as f64;
    let cut = order
        .iter()
        .enumerate()
        .rev()
        .find(|(r, i)| p[**i] <= (*r as f64 + 1.0) * q / m)
        .map(|(r, _)| r);
    let mut out = vec![false; p.len()];
    if let Some(cut) = cut {
        for &i in &order[..=cut] {
            out[i] = true;
        }
    }
    out
}

/// ArcGIS's confidence bins: ±3 significant at 99 %, ±2 at 95 %, ±1 at
/// 90 %, 0 not significant; the sign is the z-score's (hot or cold). With
/// `fdr`, each level's critical p-value is corrected by Benjamini–Hochberg.
pub fn bins(z: &[f64], p: &[f64], fdr: bool) -> Vec<i8> {
    let levels = [(0.01, 3i8), (0.05, 2), (0.10, 1)];
    let significant: Vec<Vec<bool>> = levels
        .iter()
        .map(|&(alpha, _)| {
            if fdr {
                benjamini_hochberg(p, alpha)
            } else {
                p.iter().map(|&x| x <= alpha).collect()
            }
        })
        .collect();
    (0..z.len())
        .map(|i| {
            let level = levels
                .iter()
                .zip(&significant)
                .find(|(_, s)| s[i])
                .map_or(0, |((_, b), _)| *b);
            if z[i] < 0.0 { -level } else { level }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// esda's documented example: six points, a distance band of 15,
    /// `G_Local(y, w, transform='B', star=True).Zs`.
    #[test]
    fn equals_esdas_documented_example() {
        let pts = [
            (10.0, 10.0),
            (20.0, 10.0),
            (40.0, 10.0),
            (15.0, 20.0),
            (30.0, 20.0),
            (30.0, 30.0),
        ];
        let y = [2.0, 3.0, 3.2, 5.0, 8.0, 7.0];
        let neighbours: Vec<Vec<usize>> = (0..pts.len())
            .map(|i| {
                (0..pts.len())
                    .filter(|&j| {
                        let (a, b): ((f64, f64), (f64, f64)) = (pts[i], pts[j]);
                        j != i && (a.0 - b.0).hypot(a.1 - b.1) <= 15.0
                    })
                    .collect()
            })
            .collect();
        let got = gi_star(&y, &neighbours).unwrap();
        let want = [
            -1.39727626,
            -0.28917762,
            0.65064964,
            -0.28917762,
            1.23452088,
            2.02424331,
        ];
        for (g, w) in got.z.iter().zip(want) {
            assert!((g - w).abs() < 1e-8, "{g} vs {w}");
        }
        assert!((got.p[5] - 0.042_946).abs() < 1e-5, "{}", got.p[5]);
    }

    #[test]
    fn refuses_what_it_cannot_weigh() {
        assert_eq!(gi_star(&[1.0], &[vec![]]), Err(GiError::TooFew(1)));
        assert!(matches!(
            gi_star(&[1.0, 2.0], &[vec![]]),
            Err(GiError::Mismatch { .. })
        ));
        assert!(matches!(
            gi_star(&[1.0, 2.0], &[vec![5], vec![]]),
            Err(GiError::BadNeighbour { neighbour: 5, .. })
        ));
        assert!(matches!(
            gi_star(&[f64::NAN, 2.0], &[vec![], vec![]]),
            Err(GiError::NotFinite(_))
        ));
    }

    #[test]
    fn fdr_is_stricter_than_the_raw_level_and_bins_carry_the_sign() {
        let p = [
            0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216,
        ];
        // BH at 0.05 with m = 10: only the two smallest pass (0.039 > 3·0.005).
        assert_eq!(
            benjamini_hochberg(&p, 0.05),
            [
                true, true, false, false, false, false, false, false, false, false
            ]
        );
        let z = [3.3, -2.65, 2.0, 2.0, 2.0, 1.9, 1.8, 1.2, 1.2, 1.2];
        let raw = bins(&z, &p, false);
        assert_eq!(raw[..5], [3, -3, 2, 2, 2]);
        let corrected = bins(&z, &p, true);
        // At 90 %: BH passes every p up to the sixth (0.06 ≤ 6 · 0.01).
        assert_eq!(corrected[..8], [3, -2, 1, 1, 1, 1, 0, 0]);
    }

    #[test]
    fn a_hot_cluster_is_hot_under_permutation_too() {
        // A ring of 60 cells, each with its two neighbours; ten hot ones.
        let n = 60;
        let neighbours: Vec<Vec<usize>> =
            (0..n).map(|i| vec![(i + n - 1) % n, (i + 1) % n]).collect();
        let y: Vec<f64> = (0..n)
            .map(|i| if (20..30).contains(&i) { 9.0 } else { 1.0 })
            .collect();
        let g = gi_star(&y, &neighbours).unwrap();
        assert!(g.z[25] > 3.0 && g.z[5] < 0.0);
        let p = permutation_p(&y, &neighbours, &g, 999, 7);
        // Two neighbours drawn from 59 cells of which 9 are hot: both hot
        // about 2 % of the time.
        assert!(p[25] <= 0.05, "{}", p[25]);
        // A cold cell among cold ones is as extreme the other way.
        assert!(p[5] <= 0.05 && g.z[5] < 0.0, "{}", p[5]);
        assert_eq!(p, permutation_p(&y, &neighbours, &g, 999, 7), "seeded");
    }

    proptest! {
        /// The z-scores do not depend on the order cells are listed in.
        #[test]
        fn order_does_not_change_z(values in proptest::collection::vec(0u8..20, 8..40), shift in 1usize..7) {
            let n = values.len();
            let y: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            prop_assume!(y.iter().any(|&v| v != y[0]));
            let nb = |i: usize| vec![(i + n - 1) % n, (i + 1) % n];
            let a = gi_star(&y, &(0..n).map(nb).collect::<Vec<_>>()).unwrap();
            // The same ring, listed from another start.
            let perm: Vec<usize> = (0..n).map(|i| (i + shift) % n).collect();
            let y2: Vec<f64> = perm.iter().map(|&i| y[i]).collect();
            let b = gi_star(&y2, &(0..n).map(nb).collect::<Vec<_>>()).unwrap();
            for (k, &i) in perm.iter().enumerate() {
                prop_assert!((a.z[i] - b.z[k]).abs() < 1e-9);
            }
        }
    }
}

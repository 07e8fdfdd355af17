use geo_types::Coord;

use super::{Problem, Repair};

/// Values beyond this magnitude are taken for projected metres rather than
/// a typo in degrees.
const PROJECTED_THRESHOLD: f64 = 1_000.0;

/// What a feature's coordinates need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CoordCheck {
    Fine,
    /// Every point is valid once x and y are exchanged.
    Swapped,
}

/// Checks all coordinates of one feature at once: a feature is swapped or
/// projected as a whole, never point by point.
pub fn check_coords<'a>(
    coords: impl IntoIterator<Item = &'a Coord<f64>> + Clone,
) -> Result<CoordCheck, Problem> {
    let mut swapped_in_range = true;
    let mut any = false;
    let mut first_bad: Option<Coord<f64>> = None;
    for c in coords {
        any = true;
        if !c.x.is_finite() || !c.y.is_finite() {
            return Err(Problem::NonFinite);
        }
        let ok = c.x.abs() <= 180.0 && c.y.abs() <= 90.0;
        if !ok && first_bad.is_none() {
            first_bad = Some(*c);
        }
        swapped_in_range &= c.y.abs() <= 180.0 && c.x.abs() <= 90.0;
    }
    if !any {
        return Err(Problem::Empty);
    }
    match first_bad {
        None => Ok(CoordCheck::Fine),
        Some(_) if swapped_in_range => Ok(CoordCheck::Swapped),
        Some(c) if c.x.abs() > PROJECTED_THRESHOLD || c.y.abs() > PROJECTED_THRESHOLD => {
            Err(Problem::ProjectedMetres { x: c.x, y: c.y })
        }
        Some(c) => Err(Problem::OutOfRange { x: c.x, y: c.y }),
    }
}

/// Applies a check's verdict in place, recording the repair.
pub(crate) fn apply(check: CoordCheck, coords: &mut [Coord<f64>], repairs: &mut Vec<Repair>) {
    if check == CoordCheck::Swapped {
        for c in coords.iter_mut() {
            std::mem::swap(&mut c.x, &mut c.y);
        }
        if !repairs.contains(&Repair::SwappedLatLon) {
            repairs.push(Repair::SwappedLatLon);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn verdicts() {
        assert_eq!(check_coords(&[c(116.3, 40.0)]), Ok(CoordCheck::Fine));
        assert_eq!(check_coords(&[c(40.0, 116.3)]), Ok(CoordCheck::Swapped));
        assert!(matches!(
            check_coords(&[c(440_000.0, 4_428_000.0)]),
            Err(Problem::ProjectedMetres { .. })
        ));
        assert!(matches!(
            check_coords(&[c(200.0, 95.0)]),
            Err(Problem::OutOfRange { .. })
        ));
        assert_eq!(check_coords(&[c(f64::NAN, 1.0)]), Err(Problem::NonFinite));
        assert_eq!(check_coords(&[]), Err(Problem::Empty));
    }
}

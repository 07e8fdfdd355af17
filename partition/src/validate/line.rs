use geo_types::{Coord, LineString};

use super::{Problem, Repair, check_coords, coords::apply};

/// Validates a line: coordinates in range (swapped ones fixed), repeated
/// points removed, at least two distinct points.
pub fn clean_line(
    mut coords: Vec<Coord<f64>>,
    max_vertices: usize,
    repairs: &mut Vec<Repair>,
) -> Result<LineString<f64>, Problem> {
    if coords.len() > max_vertices {
        return Err(Problem::TooManyVertices {
            count: coords.len(),
            limit: max_vertices,
        });
    }
    let check = check_coords(&coords)?;
    apply(check, &mut coords, repairs);
    let before = coords.len();
    coords.dedup();
    if coords.len() < 2 {
        return Err(Problem::DegenerateLine);
    }
    if coords.len() != before {
        repairs.push(Repair::RemovedRepeatedPoints);
    }
    Ok(LineString(coords))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_a_point_line_and_fixes_repeats() {
        let mut r = Vec::new();
        let p = Coord { x: 1.0, y: 1.0 };
        assert_eq!(
            clean_line(vec![p, p], 10, &mut r),
            Err(Problem::DegenerateLine)
        );
        let q = Coord { x: 1.0, y: 2.0 };
        let l = clean_line(vec![p, p, q], 10, &mut r).unwrap();
        assert_eq!(l.0.len(), 2);
        assert_eq!(r, vec![Repair::RemovedRepeatedPoints]);
    }
}

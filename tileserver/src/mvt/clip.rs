use geo_types::Coord;

/// A clipping half-plane: the coordinate it tests, the bound, and whether
/// the inside lies above it.
type Plane = (fn(Coord<f64>) -> f64, f64, bool);

/// Clips a closed ring (first point not repeated) to the square
/// `lo..=hi` on both axes (Sutherland–Hodgman: the window is convex, so a
/// ring stays one ring; parts outside collapse onto the window's edges,
/// which the buffer keeps out of sight).
pub fn clip_ring(ring: &[Coord<f64>], lo: f64, hi: f64) -> Vec<Coord<f64>> {
    let mut out: Vec<Coord<f64>> = ring.to_vec();
    let planes: [Plane; 4] = [
        (|c| c.x, lo, true),
        (|c| c.x, hi, false),
        (|c| c.y, lo, true),
        (|c| c.y, hi, false),
    ];
    for (axis, bound, keep_above) in planes {
        if out.is_empty() {
            break;
        }
        let inside = |c: Coord<f64>| {
            if keep_above {
                axis(c) >= bound
            } else {
                axis(c) <= bound
            }
        };
        let input = std::mem::take(&mut out);
        for i in 0..input.len() {
            let (a, b) = (input[i], input[(i + 1) % input.len()]);
            if inside(a) {
                out.push(a);
            }
            if inside(a) != inside(b) {
                let t = (bound - axis(a)) / (axis(b) - axis(a));
                out.push(Coord {
                    x: a.x + t * (b.x - a.x),
                    y: a.y + t * (b.y - a.y),
                });
            }
        }
    }
    out
}

/// Clips a line to the square `lo..=hi`; the parts inside, each a line.
pub fn clip_line(line: &[Coord<f64>], lo: f64, hi: f64) -> Vec<Vec<Coord<f64>>> {
    let mut parts: Vec<Vec<Coord<f64>>> = Vec::new();
    let mut current: Vec<Coord<f64>> = Vec::new();
    for w in line.windows(2) {
        match clip_segment(w[0], w[1], lo, hi) {
            Some((a, b)) => {
                if current.last() != Some(&a) {
                    if current.len() >= 2 {
                        parts.push(std::mem::take(&mut current));
                    }
                    current.clear();
                    current.push(a);
                }
                current.push(b);
            }
            None => {
                if current.len() >= 2 {
                    parts.push(std::mem::take(&mut current));
                }
                current.clear();
            }
        }
    }
    if current.len() >= 2 {
        parts.push(current);
    }
    parts
}

/// Liang–Barsky.
fn clip_segment(
    a: Coord<f64>,
    b: Coord<f64>,
    lo: f64,
    hi: f64,
) -> Option<(Coord<f64>, Coord<f64>)> {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let (mut t0, mut t1) = (0.0f64, 1.0f64);
    for (p, q) in [
        (-dx, a.x - lo),
        (dx, hi - a.x),
        (-dy, a.y - lo),
        (dy, hi - a.y),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
            if t0 > t1 {
                return None;
            }
        }
    }
    Some((
        Coord {
            x: a.x + t0 * dx,
            y: a.y + t0 * dy,
        },
        Coord {
            x: a.x + t1 * dx,
            y: a.y + t1 * dy,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn rings_and_lines_stay_in_the_window() {
        let ring = [
            c(-10.0, -10.0),
            c(50.0, -10.0),
            c(50.0, 50.0),
            c(-10.0, 50.0),
        ];
        let r = clip_ring(&ring, 0.0, 40.0);
        assert!(
            r.iter()
                .all(|p| (0.0..=40.0).contains(&p.x) && (0.0..=40.0).contains(&p.y))
        );
        assert_eq!(r.len(), 4);
        assert!(
            clip_ring(
                &[c(100.0, 100.0), c(110.0, 100.0), c(110.0, 110.0)],
                0.0,
                40.0
            )
            .is_empty()
        );
        let parts = clip_line(
            &[
                c(-5.0, 5.0),
                c(20.0, 5.0),
                c(20.0, 60.0),
                c(30.0, 60.0),
                c(30.0, 10.0),
            ],
            0.0,
            40.0,
        );
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0][0], c(0.0, 5.0));
    }
}

use geo_types::Coord;

/// Deepest zoom served; beyond it a tile is a request error, not a tile.
pub const MAX_ZOOM: u8 = 22;

/// Half the Web Mercator world width, metres.
const HALF_WORLD: f64 = 20_037_508.342_789_244;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("zoom {0} is out of range 0–{MAX_ZOOM}")]
    Zoom(u32),
    #[error("tile x={x} y={y} is outside zoom {z}, which has 0–{max} on each axis")]
    OutOfRange { z: u8, x: u32, y: u32, max: u32 },
}

/// A tile address in the XYZ scheme (y down from the north).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl TileId {
    pub fn new(z: u32, x: u32, y: u32) -> Result<Self, TileError> {
        if z > u32::from(MAX_ZOOM) {
            return Err(TileError::Zoom(z));
        }
        let n = 1u32 << z;
        if x >= n || y >= n {
            return Err(TileError::OutOfRange {
                z: z as u8,
                x,
                y,
                max: n - 1,
            });
        }
        Ok(Self { z: z as u8, x, y })
    }

    /// (min x, min y, max x, max y) in Web Mercator metres.
    pub fn mercator_bounds(&self) -> [f64; 4] {
        let size = 2.0 * HALF_WORLD / f64::from(1u32 << self.z);
        let minx = -HALF_WORLD + f64::from(self.x) * size;
        let maxy = HALF_WORLD - f64::from(self.y) * size;
        [minx, maxy - size, minx + size, maxy]
    }

    /// (west, south, east, north) in degrees.
    pub fn lonlat_bounds(&self) -> [f64; 4] {
        let n = f64::from(1u32 << self.z);
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            (std::f64::consts::PI * (1.0 - 2.0 * y / n))
                .sinh()
                .atan()
                .to_degrees()
        };
        [
            lon(f64::from(self.x)),
            lat(f64::from(self.y + 1)),
            lon(f64::from(self.x + 1)),
            lat(f64::from(self.y)),
        ]
    }

    /// A lon/lat point in this tile's pixel space (0..extent, y down).
    pub fn to_pixel(&self, c: Coord<f64>, extent: u32) -> Coord<f64> {
        let m = lonlat_to_mercator(c);
        let [minx, _, maxx, maxy] = self.mercator_bounds();
        let scale = f64::from(extent) / (maxx - minx);
        Coord {
            x: (m.x - minx) * scale,
            y: (maxy - m.y) * scale,
        }
    }
}

/// WGS84 lon/lat to Web Mercator (EPSG:3857) metres.
pub fn lonlat_to_mercator(c: Coord<f64>) -> Coord<f64> {
    let lat = c.y.clamp(-85.051_128_78, 85.051_128_78);
    Coord {
        x: c.x * HALF_WORLD / 180.0,
        y: (std::f64::consts::FRAC_PI_4 + lat.to_radians() / 2.0)
            .tan()
            .ln()
            * HALF_WORLD
            / std::f64::consts::PI,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_addresses() {
        assert!(TileId::new(0, 0, 0).is_ok());
        assert_eq!(TileId::new(40, 0, 0), Err(TileError::Zoom(40)));
        assert!(matches!(
            TileId::new(3, 8, 0),
            Err(TileError::OutOfRange { .. })
        ));
        assert!(TileId::new(22, (1 << 22) - 1, 0).is_ok());
    }

    #[test]
    fn tsinghua_falls_in_its_tile() {
        // Tsinghua main building, tile 14/13486/6202 (116.33°E, 40.00°N).
        let t = TileId::new(14, 13_486, 6_202).unwrap();
        let [w, s, e, n] = t.lonlat_bounds();
        assert!(
            w < 116.33 && 116.33 < e && s < 40.0 && 40.0 < n,
            "{w} {s} {e} {n}"
        );
        let p = t.to_pixel(Coord { x: 116.33, y: 40.0 }, 4096);
        assert!(
            (0.0..4096.0).contains(&p.x) && (0.0..4096.0).contains(&p.y),
            "{p:?}"
        );
        let [minx, miny, maxx, maxy] = TileId::new(0, 0, 0).unwrap().mercator_bounds();
        assert!(
            (maxx - minx - 2.0 * HALF_WORLD).abs() < 1e-6
                && (maxy - miny - 2.0 * HALF_WORLD).abs() < 1e-6
        );
    }
}

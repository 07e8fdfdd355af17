use geo_types::{Coord, Geometry, LineString, MultiPolygon, Polygon};
use geozero::mvt::tile::{Feature, GeomType, Layer};
use geozero::mvt::{Message, TagsBuilder, Tile};

pub use geozero::mvt::TileValue;

use super::{TileId, clip_line, clip_ring};

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;

fn command(id: u32, count: u32) -> u32 {
    (id & 0x7) | (count << 3)
}

fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

/// One layer of a tile being built: geometries are projected to the
/// tile's pixel space, clipped to the tile plus `buffer`, snapped to
/// integers, and encoded with MVT commands; properties are interned.
pub struct LayerBuilder {
    /// Web Mercator west and north edges and pixels per metre, once per tile.
    origin: (f64, f64, f64),
    /// Input already in Web Mercator metres (sources that keep projected
    /// geometry per zoom), else lon/lat.
    mercator_input: bool,
    extent: u32,
    buffer: u32,
    name: String,
    features: Vec<Feature>,
    tags: TagsBuilder,
}

impl LayerBuilder {
    pub fn new(name: &str, tile: TileId, extent: u32, buffer: u32) -> Self {
        let [minx, _, maxx, maxy] = tile.mercator_bounds();
        Self {
            origin: (minx, maxy, f64::from(extent) / (maxx - minx)),
            mercator_input: false,
            extent,
            buffer,
            name: name.to_string(),
            features: Vec::new(),
            tags: TagsBuilder::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.features.is_empty()
    }

    /// Geometry given from here on is in Web Mercator metres.
    pub fn with_mercator_input(mut self) -> Self {
        self.mercator_input = true;
        self
    }

    fn pixel(&self, c: Coord<f64>) -> Coord<f64> {
        let m = if self.mercator_input {
            c
        } else {
            super::lonlat_to_mercator(c)
        };
        let (minx, maxy, scale) = self.origin;
        Coord {
            x: (m.x - minx) * scale,
            y: (maxy - m.y) * scale,
        }
    }

    fn pixels(&self, pts: &[Coord<f64>]) -> Vec<Coord<f64>> {
        pts.iter().map(|&c| self.pixel(c)).collect()
    }

    fn window(&self) -> (f64, f64) {
        (
            -f64::from(self.buffer),
            f64::from(self.extent + self.buffer),
        )
    }

    /// Adds a feature; returns false when nothing of it lies in the tile.
    pub fn add(
        &mut self,
        id: u64,
        geometry: &Geometry<f64>,
        properties: Vec<(&str, TileValue)>,
    ) -> bool {
        let (kind, commands) = match geometry {
            Geometry::Polygon(p) => (GeomType::Polygon, self.polygons(std::slice::from_ref(p))),
            Geometry::MultiPolygon(mp) => (GeomType::Polygon, self.polygons(&mp.0)),
            Geometry::LineString(l) => (GeomType::Linestring, self.lines(std::slice::from_ref(l))),
            Geometry::MultiLineString(ml) => (GeomType::Linestring, self.lines(&ml.0)),
            Geometry::Point(p) => (GeomType::Point, self.point(p.0)),
            _ => (GeomType::Unknown, Vec::new()),
        };
        self.push(id, kind, commands, properties)
    }

    /// Adds a polygonal feature without wrapping it in a `Geometry`
    /// (tile sources hold `MultiPolygon`s; no copy per tile).
    pub fn add_multipolygon(
        &mut self,
        id: u64,
        mp: &MultiPolygon<f64>,
        properties: Vec<(&str, TileValue)>,
    ) -> bool {
        let commands = self.polygons(&mp.0);
        self.push(id, GeomType::Polygon, commands, properties)
    }

    /// Adds a linear feature without wrapping it in a `Geometry`.
    pub fn add_lines(
        &mut self,
        id: u64,
        lines: &[LineString<f64>],
        properties: Vec<(&str, TileValue)>,
    ) -> bool {
        let commands = self.lines(lines);
        self.push(id, GeomType::Linestring, commands, properties)
    }

    fn push(
        &mut self,
        id: u64,
        kind: GeomType,
        commands: Vec<u32>,
        properties: Vec<(&str, TileValue)>,
    ) -> bool {
        if commands.is_empty() {
            return false;
        }
        let mut tags = Vec::with_capacity(properties.len() * 2);
        for (k, v) in properties {
            let (ki, vi) = self.tags.insert_ref(k, v);
            tags.push(ki);
            tags.push(vi);
        }
        self.features.push(Feature {
            id: Some(id),
            tags,
            r#type: Some(kind as i32),
            geometry: commands,
        });
        true
    }

    fn point(&self, c: Coord<f64>) -> Vec<u32> {
        let p = self.pixel(c);
        let (lo, hi) = self.window();
        if p.x < lo || p.x > hi || p.y < lo || p.y > hi {
            return Vec::new();
        }
        vec![
            command(MOVE_TO, 1),
            zigzag(p.x.round() as i32),
            zigzag(p.y.round() as i32),
        ]
    }

    fn lines(&self, lines: &[LineString<f64>]) -> Vec<u32> {
        let (lo, hi) = self.window();
        let mut out = Vec::new();
        let mut cursor = (0i32, 0i32);
        for l in lines {
            for part in clip_line(&self.pixels(&l.0), lo, hi) {
                let pts = snap(&part, false);
                if pts.len() >= 2 {
                    path(&mut out, &mut cursor, &pts, false);
                }
            }
        }
        out
    }

    fn polygons(&self, polys: &[Polygon<f64>]) -> Vec<u32> {
        let (lo, hi) = self.window();
        let mut out = Vec::new();
        let mut cursor = (0i32, 0i32);
        for p in polys {
            let ring_of = |l: &LineString<f64>| -> Vec<(i32, i32)> {
                let mut pts = self.pixels(&l.0);
                pts.pop(); // the closing point
                snap(&clip_ring(&pts, lo, hi), true)
            };
            let exterior = ring_of(p.exterior());
            if exterior.len() < 3 || area2(&exterior) == 0 {
                continue;
            }
            // MVT: exterior rings have positive area in tile coordinates
            // (y down), holes negative.
            path(&mut out, &mut cursor, &oriented(exterior, true), true);
            for h in p.interiors() {
                let hole = ring_of(h);
                if hole.len() >= 3 && area2(&hole) != 0 {
                    path(&mut out, &mut cursor, &oriented(hole, false), true);
                }
            }
        }
        out
    }

    pub fn build(self) -> Layer {
        let (keys, values) = self.tags.into_tags();
        Layer {
            version: 2,
            name: self.name,
            features: self.features,
            keys,
            values: values.into_iter().map(Into::into).collect(),
            extent: Some(self.extent),
        }
    }
}

/// Integer pixels without repeats (and, for rings, without the closing point).
fn snap(pts: &[Coord<f64>], ring: bool) -> Vec<(i32, i32)> {
    let mut out: Vec<(i32, i32)> = pts
        .iter()
        .map(|c| (c.x.round() as i32, c.y.round() as i32))
        .collect();
    out.dedup();
    if ring && out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

fn area2(r: &[(i32, i32)]) -> i64 {
    (0..r.len())
        .map(|i| {
            let (a, b) = (r[i], r[(i + 1) % r.len()]);
            i64::from(a.0) * i64::from(b.1) - i64::from(b.0) * i64::from(a.1)
        })
        .sum()
}

fn oriented(mut r: Vec<(i32, i32)>, positive: bool) -> Vec<(i32, i32)> {
    if (area2(&r) > 0) != positive {
        r.reverse();
    }
    r
}

fn path(out: &mut Vec<u32>, cursor: &mut (i32, i32), pts: &[(i32, i32)], close: bool) {
    out.push(command(MOVE_TO, 1));
    out.push(zigzag(pts[0].0 - cursor.0));
    out.push(zigzag(pts[0].1 - cursor.1));
    *cursor = pts[0];
    out.push(command(LINE_TO, (pts.len() - 1) as u32));
    for &p in &pts[1..] {
        out.push(zigzag(p.0 - cursor.0));
        out.push(zigzag(p.1 - cursor.1));
        *cursor = p;
    }
    if close {
        out.push(command(CLOSE_PATH, 1));
    }
}

/// The protobuf bytes of a tile made of these layers (empty ones left out).
pub fn encode_tile(layers: Vec<LayerBuilder>) -> Vec<u8> {
    let tile = Tile {
        layers: layers
            .into_iter()
            .filter(|l| !l.is_empty())
            .map(LayerBuilder::build)
            .collect(),
    };
    tile.encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;
    use geozero::ToGeo;

    fn exterior(g: Geometry<f64>) -> Vec<Coord<f64>> {
        match g {
            Geometry::Polygon(p) => p.exterior().0.clone(),
            Geometry::MultiPolygon(mp) => mp.0[0].exterior().0.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_polygon_round_trips_through_a_tile() {
        let t = TileId::new(14, 13_486, 6_202).unwrap();
        let [w, s, e, n] = t.lonlat_bounds();
        let (dx, dy) = ((e - w) / 4.0, (n - s) / 4.0);
        // A square in the middle, counter-clockwise in lon/lat.
        let p = polygon![(x: w + dx, y: s + dy), (x: e - dx, y: s + dy), (x: e - dx, y: n - dy), (x: w + dx, y: n - dy)];
        let mut layer = LayerBuilder::new("grids", t, 4096, 64);
        assert!(layer.add(
            7,
            &Geometry::Polygon(p),
            vec![
                ("code", TileValue::Str("110108001001001".into())),
                ("households", TileValue::Double(412.0))
            ]
        ));
        // A polygon far away is not in the tile.
        let far = polygon![(x: 0.0, y: 0.0), (x: 0.001, y: 0.0), (x: 0.001, y: 0.001)];
        assert!(!layer.add(8, &Geometry::Polygon(far), vec![]));
        let bytes = encode_tile(vec![layer]);
        let tile = Tile::decode(bytes.as_slice()).unwrap();
        assert_eq!(tile.layers.len(), 1);
        let l = &tile.layers[0];
        assert_eq!(
            (l.name.as_str(), l.extent, l.features.len()),
            ("grids", Some(4096), 1)
        );
        let f = &l.features[0];
        assert_eq!(f.id, Some(7));
        assert_eq!(l.keys, vec!["code", "households"]);
        let ext = exterior(f.to_geo().unwrap());
        let ext = &ext;
        let xs: Vec<f64> = ext.iter().map(|c| c.x).collect();
        assert!(
            xs.iter()
                .all(|x| (*x - 1024.0).abs() <= 1.0 || (*x - 3072.0).abs() <= 1.0),
            "{xs:?}"
        );
        // MVT 2.1 §4.3.4.4: an exterior ring has positive area in tile
        // coordinates (y down), i.e. it turns clockwise on screen.
        let area: f64 = ext
            .windows(2)
            .map(|w| w[0].x * w[1].y - w[1].x * w[0].y)
            .sum();
        assert!(area > 0.0, "{area}");
    }

    #[test]
    fn clipping_keeps_geometry_within_the_buffer() {
        let t = TileId::new(12, 3371, 1550).unwrap();
        let [w, s, e, n] = t.lonlat_bounds();
        let big = polygon![(x: w - 1.0, y: s - 1.0), (x: e + 1.0, y: s - 1.0), (x: e + 1.0, y: n + 1.0), (x: w - 1.0, y: n + 1.0)];
        let mut layer = LayerBuilder::new("g", t, 4096, 64);
        layer.add(1, &Geometry::Polygon(big), vec![]);
        let tile = Tile::decode(encode_tile(vec![layer]).as_slice()).unwrap();
        for c in &exterior(tile.layers[0].features[0].to_geo().unwrap()) {
            assert!(
                (-64.0..=4160.0).contains(&c.x) && (-64.0..=4160.0).contains(&c.y),
                "{c:?}"
            );
        }
    }
}

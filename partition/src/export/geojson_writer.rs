use std::io::{self, Write};

use geo::orient::{Direction, Orient};
use geo_types::{Coord, Geometry, LineString, Polygon};
use serde_json::{Map, Value};

/// Streams an RFC 7946 FeatureCollection: WGS84, counter-clockwise outer
/// rings and clockwise holes, at most 7 decimals (about 1 cm). Written by
/// hand rather than through `geojson` so that a million features stream
/// without building a document or a `Value` per coordinate.
pub struct GeoJsonWriter<W: Write> {
    out: W,
    first: bool,
    buf: String,
}

impl<W: Write> GeoJsonWriter<W> {
    pub fn new(out: W) -> io::Result<Self> {
        Self::with_crs(out, None)
    }

    /// With a GeoJSON 2008 `crs` member naming `crs` (a URN), for
    /// government systems that want coordinates labelled CGCS2000; RFC 7946
    /// output (WGS 84) leaves it out.
    pub fn with_crs(mut out: W, crs: Option<&str>) -> io::Result<Self> {
        out.write_all(br#"{"type":"FeatureCollection","#)?;
        if let Some(urn) = crs {
            let member = serde_json::json!({"type": "name", "properties": {"name": urn}});
            write!(out, r#""crs":{member},"#)?;
        }
        out.write_all(br#""features":["#)?;
        Ok(Self {
            out,
            first: true,
            buf: String::with_capacity(4096),
        })
    }

    pub fn write_feature(
        &mut self,
        id: Option<&str>,
        properties: &Map<String, Value>,
        geometry: &Geometry<f64>,
    ) -> io::Result<()> {
        // Rounding to 7 decimals can pinch a narrow polygon into an invalid
        // one; round first, then repair, so GIS tools always get valid rings.
        let rounded;
        let geometry = match geometry {
            Geometry::Polygon(_) | Geometry::MultiPolygon(_) => {
                rounded = valid_rounded(geometry);
                &rounded
            }
            other => other,
        };
        self.buf.clear();
        if !self.first {
            self.buf.push(',');
        }
        self.first = false;
        self.buf.push_str("\n{\"type\":\"Feature\"");
        if let Some(id) = id {
            self.buf.push_str(",\"id\":");
            self.buf
                .push_str(&Value::String(id.to_string()).to_string());
        }
        self.buf.push_str(",\"properties\":");
        self.buf
            .push_str(&serde_json::to_string(properties).map_err(io::Error::other)?);
        self.buf.push_str(",\"geometry\":");
        write_geometry(&mut self.buf, geometry);
        self.buf.push('}');
        self.out.write_all(self.buf.as_bytes())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Coordinates rounded to 7 decimals (about 1 cm), repaired where the
/// rounding pinched a ring, so GIS tools always get valid polygons.
pub fn valid_rounded(g: &Geometry<f64>) -> Geometry<f64> {
    use geo::{MakeValid, MapCoords, Validation};
    let r = g.map_coords(|c| Coord {
        x: (c.x * 1e7).round() / 1e7,
        y: (c.y * 1e7).round() / 1e7,
    });
    if r.is_valid() {
        return r;
    }
    let mp = match &r {
        Geometry::Polygon(p) => p.make_valid(),
        Geometry::MultiPolygon(m) => m.make_valid(),
        _ => return r,
    };
    match mp {
        Ok(m) if !m.0.is_empty() => Geometry::MultiPolygon(m),
        _ => r,
    }
}

/// A coordinate at most 7 decimals, trailing zeros dropped, never `-0`.
pub fn push_num(buf: &mut String, v: f64) {
    let s = format!("{v:.7}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    buf.push_str(if s == "-0" { "0" } else { s });
}

fn push_coord(buf: &mut String, c: Coord<f64>) {
    buf.push('[');
    push_num(buf, c.x);
    buf.push(',');
    push_num(buf, c.y);
    buf.push(']');
}

/// `[a,b,…]`, each item written by `item`.
fn push_list<T>(buf: &mut String, items: &[T], item: impl Fn(&mut String, &T)) {
    buf.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            buf.push(',');
        }
        item(buf, x);
    }
    buf.push(']');
}

fn push_line(buf: &mut String, l: &LineString<f64>) {
    push_list(buf, &l.0, |b, c| push_coord(b, *c));
}

fn push_polygon(buf: &mut String, p: &Polygon<f64>) {
    let p = p.orient(Direction::Default);
    buf.push('[');
    push_line(buf, p.exterior());
    for h in p.interiors() {
        buf.push(',');
        push_line(buf, h);
    }
    buf.push(']');
}

fn write_geometry(buf: &mut String, g: &Geometry<f64>) {
    match g {
        Geometry::Point(p) => {
            buf.push_str(r#"{"type":"Point","coordinates":"#);
            push_coord(buf, p.0);
        }
        Geometry::LineString(l) => {
            buf.push_str(r#"{"type":"LineString","coordinates":"#);
            push_line(buf, l);
        }
        Geometry::MultiLineString(m) => {
            buf.push_str(r#"{"type":"MultiLineString","coordinates":"#);
            push_list(buf, &m.0, push_line);
        }
        Geometry::Polygon(p) => {
            buf.push_str(r#"{"type":"Polygon","coordinates":"#);
            push_polygon(buf, p);
        }
        Geometry::MultiPolygon(m) => {
            buf.push_str(r#"{"type":"MultiPolygon","coordinates":"#);
            push_list(buf, &m.0, push_polygon);
        }
        other => {
            // Other kinds never reach the writer; keep the output valid.
            let _ = other;
            buf.push_str("null");
            return;
        }
    }
    buf.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo_types::polygon;

    #[test]
    fn rounding_never_leaves_an_invalid_polygon() {
        use geo::Validation;
        // A sliver narrower than 1e-7° collapses when rounded.
        let p = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.00000004), (x: 0.5, y: 0.00000002), (x: 0.5, y: 1.0), (x: 0.0, y: 1.0)];
        let g = valid_rounded(&Geometry::Polygon(p));
        assert!(g.is_valid(), "{g:?}");
    }

    #[test]
    fn writes_rfc7946_with_ccw_rings_and_seven_decimals() {
        // Clockwise input.
        let p = polygon![(x: 0.0, y: 0.0), (x: 0.0, y: 1.0), (x: 1.123456789, y: 1.0), (x: 1.0, y: 0.0)];
        let mut w = GeoJsonWriter::new(Vec::new()).unwrap();
        let mut props = Map::new();
        props.insert("name".into(), "清华园".into());
        w.write_feature(Some("a"), &props, &Geometry::Polygon(p))
            .unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        let v: geojson::GeoJson = out.parse().unwrap();
        let geojson::GeoJson::FeatureCollection(fc) = v else {
            panic!("not a collection")
        };
        assert_eq!(fc.features.len(), 1);
        assert!(out.contains("1.1234568"), "{out}");
        assert!(
            out.contains("[[[0,0],[1,0],[1.1234568,1],[0,1],[0,0]]]"),
            "{out}"
        );
    }
}

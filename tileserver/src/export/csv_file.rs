//! CSV for spreadsheets and GIS: one row a feature, the layer's columns, a
//! point inside each polygon (`lon`, `lat`) and its outline as WKT. UTF-8
//! with a byte-order mark, which Excel and WPS need to read Chinese names
//! (QGIS and GDAL skip it).

use std::io::Write;

use geo::InteriorPoint;
use geo_types::{Geometry, MultiPolygon};
use partition::export::push_num;
use serde_json::{Map, Value};

use super::ExportError;
use super::columns::{Cell, Column, Kind, cell};

pub struct CsvWriter<W: Write> {
    out: csv::Writer<W>,
    columns: Vec<Column>,
}

fn io(e: csv::Error) -> ExportError {
    ExportError::Write(e.to_string())
}

impl<W: Write> CsvWriter<W> {
    pub fn new(mut out: W, columns: Vec<Column>) -> Result<Self, ExportError> {
        out.write_all("\u{feff}".as_bytes())
            .map_err(|e| ExportError::Write(e.to_string()))?;
        let mut out = csv::Writer::from_writer(out);
        let mut header: Vec<&str> = columns.iter().map(|c| c.field.column).collect();
        header.extend(["lon", "lat", "wkt"]);
        out.write_record(&header).map_err(io)?;
        Ok(Self { out, columns })
    }

    pub fn write(
        &mut self,
        props: &Map<String, Value>,
        geometry: &MultiPolygon<f64>,
    ) -> Result<(), ExportError> {
        let mut record: Vec<String> = self
            .columns
            .iter()
            .map(|c| match cell(props, c) {
                Cell::Null => String::new(),
                Cell::Text(s) => s,
                Cell::Integer(i) => i.to_string(),
                Cell::Real(x) => match c.kind {
                    Kind::Real(d) => format!("{x:.*}", d as usize),
                    _ => x.to_string(),
                },
            })
            .collect();
        let inside = geometry.interior_point();
        record.push(inside.map(|p| format!("{:.7}", p.x())).unwrap_or_default());
        record.push(inside.map(|p| format!("{:.7}", p.y())).unwrap_or_default());
        record.push(wkt(geometry));
        self.out.write_record(&record).map_err(io)
    }

    pub fn finish(mut self) -> Result<(), ExportError> {
        self.out
            .flush()
            .map_err(|e| ExportError::Write(e.to_string()))
    }
}

/// `MULTIPOLYGON (((x y, …)), …)` at 7 decimals, rings as GeoJSON orients
/// them and repaired where rounding pinched one.
pub fn wkt(mp: &MultiPolygon<f64>) -> String {
    let g = partition::export::valid_rounded(&Geometry::MultiPolygon(mp.clone()));
    let polys = match g {
        Geometry::MultiPolygon(m) => m.0,
        Geometry::Polygon(p) => vec![p],
        _ => Vec::new(),
    };
    if polys.is_empty() {
        return "MULTIPOLYGON EMPTY".into();
    }
    let mut s = String::from("MULTIPOLYGON (");
    for (i, p) in polys.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for (j, ring) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            if j > 0 {
                s.push_str(", ");
            }
            s.push('(');
            for (k, c) in ring.0.iter().enumerate() {
                if k > 0 {
                    s.push_str(", ");
                }
                push_num(&mut s, c.x);
                s.push(' ');
                push_num(&mut s, c.y);
            }
            s.push(')');
        }
        s.push(')');
    }
    s.push(')');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::columns::{ExportLayer, columns};
    use geo_types::polygon;

    #[test]
    fn rows_have_the_columns_a_point_inside_and_wkt() {
        let mp = MultiPolygon(vec![
            polygon![(x: 116.0, y: 40.0), (x: 116.001, y: 40.0), (x: 116.001, y: 40.001), (x: 116.0, y: 40.001)],
        ]);
        let props: Map<String, Value> =
            serde_json::from_str(r#"{"code": "110108001001001", "name": "清华园 1", "households": 312.456, "in_band": true}"#).unwrap();
        let mut w = CsvWriter::new(Vec::new(), columns(ExportLayer::Grids)).unwrap();
        w.write(&props, &mp).unwrap();
        let out = w.out.into_inner().unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.starts_with("\u{feff}code,name,level,"));
        let row = text.lines().nth(1).unwrap();
        assert!(row.starts_with("110108001001001,清华园 1,,"), "{row}");
        assert!(row.contains(",312.46,"), "{row}");
        assert!(
            row.contains(
                "\"MULTIPOLYGON (((116 40, 116.001 40, 116.001 40.001, 116 40.001, 116 40)))\""
            ),
            "{row}"
        );
    }
}

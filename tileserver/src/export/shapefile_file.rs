//! ESRI Shapefile for GIS systems that take nothing else: `.shp`, `.shx`,
//! `.dbf` through the `shapefile` crate, plus `.prj` (the CRS) and `.cpg`
//! ("UTF-8", so GDAL, QGIS and ArcGIS read Chinese names right). dBase
//! field names are cut to ten characters by the field catalogue's `shp`
//! names, listed with their meaning in a `.txt` beside the files.

use std::fs;
use std::path::{Path, PathBuf};

use geo::orient::{Direction, Orient};
use geo_types::MultiPolygon;
use serde_json::{Map, Value};
use shapefile::dbase::{FieldName, FieldValue, Record, TableWriterBuilder};
use shapefile::{Point, Polygon, PolygonRing};

use super::ExportError;
use super::columns::{Cell, Column, Kind, cell};
use super::crs::Crs;

/// dBase caps character fields at 254 bytes.
const TEXT_BYTES: u8 = 254;

pub struct ShapefileWriter {
    writer: shapefile::Writer<std::io::BufWriter<fs::File>>,
    columns: Vec<Column>,
    path: PathBuf,
}

fn err(path: &Path, e: impl std::fmt::Display) -> ExportError {
    ExportError::Write(format!("{}: {e}", path.display()))
}

impl ShapefileWriter {
    /// `path` is the `.shp`; the other files take its stem.
    pub fn create(path: &Path, columns: Vec<Column>, crs: Crs) -> Result<Self, ExportError> {
        if path.extension().and_then(|e| e.to_str()) != Some("shp") {
            return Err(ExportError::Usage(format!(
                "-o {}: a Shapefile's name ends in .shp",
                path.display()
            )));
        }
        let mut table = TableWriterBuilder::new();
        for c in &columns {
            let name = FieldName::try_from(c.field.shp).map_err(|e| err(path, format!("{e:?}")))?;
            table = match c.kind {
                Kind::Text => table.add_character_field(name, TEXT_BYTES),
                Kind::Real(d) => table.add_numeric_field(name, 19, d),
                Kind::Integer => table.add_numeric_field(name, 12, 0),
                Kind::Flag => table.add_numeric_field(name, 1, 0),
            };
        }
        let writer = shapefile::Writer::from_path(path, table).map_err(|e| err(path, e))?;
        fs::write(path.with_extension("prj"), crs.esri_prj()).map_err(|e| err(path, e))?;
        fs::write(path.with_extension("cpg"), "UTF-8").map_err(|e| err(path, e))?;
        let mut legend = String::from("field\tcolumn\tmeaning\n");
        for c in &columns {
            legend.push_str(&format!(
                "{}\t{}\t{}\n",
                c.field.shp,
                c.field.column,
                c.field.title()
            ));
        }
        fs::write(path.with_extension("txt"), legend).map_err(|e| err(path, e))?;
        Ok(Self {
            writer,
            columns,
            path: path.to_path_buf(),
        })
    }

    pub fn write(
        &mut self,
        props: &Map<String, Value>,
        geometry: &MultiPolygon<f64>,
    ) -> Result<(), ExportError> {
        let mut record = Record::default();
        for c in &self.columns {
            let value = match (cell(props, c), c.kind) {
                (Cell::Text(s), _) => {
                    FieldValue::Character(Some(truncate(&s, TEXT_BYTES as usize)))
                }
                (Cell::Null, Kind::Text) => FieldValue::Character(None),
                (Cell::Null, _) => FieldValue::Numeric(None),
                (Cell::Real(x), _) => FieldValue::Numeric(Some(x)),
                (Cell::Integer(i), _) => FieldValue::Numeric(Some(i as f64)),
            };
            record.insert(c.field.shp.to_string(), value);
        }
        let shape = polygon(geometry);
        self.writer
            .write_shape_and_record(&shape, &record)
            .map_err(|e| err(&self.path, e))
    }

    pub fn finish(self) -> Result<(), ExportError> {
        // The crate writes headers as it goes and closes on drop.
        drop(self.writer);
        Ok(())
    }
}

/// Cut at a character boundary to at most `max` bytes.
fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// ESRI rings: outer clockwise, holes counter-clockwise.
fn polygon(mp: &MultiPolygon<f64>) -> Polygon {
    let mut rings = Vec::new();
    for p in &mp.0 {
        let p = p.orient(Direction::Reversed);
        let pts = |l: &geo_types::LineString<f64>| -> Vec<Point> {
            l.0.iter().map(|c| Point::new(c.x, c.y)).collect()
        };
        rings.push(PolygonRing::Outer(pts(p.exterior())));
        for h in p.interiors() {
            rings.push(PolygonRing::Inner(pts(h)));
        }
    }
    Polygon::with_rings(rings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        assert_eq!(truncate("清华园", 7), "清华");
        assert_eq!(truncate("abc", 7), "abc");
    }
}

//! The columns of an exported layer, typed, with their meaning from the
//! field catalogue: one list for every tabular format (GeoPackage,
//! Shapefile, CSV), in the order of the GeoJSON properties.

use serde_json::{Map, Value};

use crate::gis::fields::{Field, Layer, field};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A real with this many decimals worth keeping.
    Real(u8),
    Integer,
    /// 1 or 0 (dBase and CSV have no booleans anyone agrees on).
    Flag,
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub field: &'static Field,
    pub kind: Kind,
}

/// An exported layer: grids and cells share their columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportLayer {
    Grids,
    Cells,
    Blocks,
}

impl ExportLayer {
    pub fn parse(s: &str) -> Result<Self, String> {
        match s {
            "grids" => Ok(ExportLayer::Grids),
            "cells" => Ok(ExportLayer::Cells),
            "blocks" => Ok(ExportLayer::Blocks),
            other => Err(format!("--layer {other:?}: grids, cells or blocks")),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ExportLayer::Grids => "grids",
            ExportLayer::Cells => "cells",
            ExportLayer::Blocks => "blocks",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            ExportLayer::Grids => "网格",
            ExportLayer::Cells => "单元格",
            ExportLayer::Blocks => "街区",
        }
    }

    fn catalogue(self) -> Layer {
        match self {
            ExportLayer::Grids | ExportLayer::Cells => Layer::Grids,
            ExportLayer::Blocks => Layer::Blocks,
        }
    }
}

fn kind_of(column: &str) -> Kind {
    match column {
        "population" | "households" => Kind::Real(2),
        "area_m2" | "perimeter_m" => Kind::Real(1),
        "polsby_popper" => Kind::Real(4),
        "buildings" | "block_id" => Kind::Integer,
        "in_band" => Kind::Flag,
        _ => Kind::Text,
    }
}

/// The exported columns, in the GeoJSON properties' order.
pub fn columns(layer: ExportLayer) -> Vec<Column> {
    let names: &[&str] = match layer {
        ExportLayer::Grids | ExportLayer::Cells => &[
            "code",
            "name",
            "level",
            "village_code",
            "village_name",
            "town_code",
            "town_name",
            "population",
            "households",
            "buildings",
            "area_m2",
            "perimeter_m",
            "polsby_popper",
            "dedicated",
            "in_band",
            "parent_code",
        ],
        ExportLayer::Blocks => &[
            "block_id",
            "village_code",
            "grid_code",
            "population",
            "households",
            "buildings",
            "area_m2",
            "dedicated",
        ],
    };
    names
        .iter()
        .filter_map(|n| field(layer.catalogue(), n))
        .map(|f| Column {
            field: f,
            kind: kind_of(f.column),
        })
        .collect()
}

/// A cell of a row, read from the export's properties.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Text(String),
    Real(f64),
    Integer(i64),
}

pub fn cell(props: &Map<String, Value>, c: &Column) -> Cell {
    let v = props.get(c.field.column).unwrap_or(&Value::Null);
    match (c.kind, v) {
        (_, Value::Null) => Cell::Null,
        (Kind::Flag, Value::Bool(b)) => Cell::Integer(i64::from(*b)),
        (Kind::Integer, v) => v.as_i64().map(Cell::Integer).unwrap_or(Cell::Null),
        (Kind::Real(_), v) => v.as_f64().map(Cell::Real).unwrap_or(Cell::Null),
        (_, Value::String(s)) => Cell::Text(s.clone()),
        (_, other) => Cell::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exported_column_is_in_the_catalogue() {
        assert_eq!(columns(ExportLayer::Grids).len(), 16);
        assert_eq!(columns(ExportLayer::Blocks).len(), 8);
    }

    #[test]
    fn cells_take_the_column_kind() {
        let cols = columns(ExportLayer::Grids);
        let props: Map<String, Value> = serde_json::from_str(
            r#"{"code": "1", "households": 301.5, "in_band": true, "buildings": 7, "dedicated": null}"#,
        )
        .unwrap();
        let get = |name: &str| {
            let c = cols.iter().find(|c| c.field.column == name).unwrap();
            cell(&props, c)
        };
        assert_eq!(get("code"), Cell::Text("1".into()));
        assert_eq!(get("households"), Cell::Real(301.5));
        assert_eq!(get("in_band"), Cell::Integer(1));
        assert_eq!(get("buildings"), Cell::Integer(7));
        assert_eq!(get("dedicated"), Cell::Null);
    }
}

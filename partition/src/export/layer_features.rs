use std::io::Write;

use geo_types::Geometry;
use serde_json::{Map, Value, json};

use super::GeoJsonWriter;
use crate::{LayerKind, Layers};

fn props(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Map::new(),
    }
}

/// Writes one layer as GeoJSON with the property names `wangge import`
/// reads by default, so that an export imports again unchanged.
pub fn write_layer_geojson<W: Write>(
    layers: &Layers,
    kind: LayerKind,
    out: W,
) -> std::io::Result<W> {
    let mut w = GeoJsonWriter::new(out)?;
    let mut put = |id: &str, p: Value, g: Geometry<f64>| w.write_feature(Some(id), &props(p), &g);
    match kind {
        LayerKind::Admin => {
            for u in &layers.admin {
                put(
                    &u.id.0,
                    json!({"code": u.code.to_string(), "name": u.name, "level": u.level.as_str(), "population": u.population}),
                    u.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Buildings => {
            for b in &layers.buildings {
                put(
                    &b.id.0,
                    json!({"building": b.kind, "levels": b.levels, "height": b.height, "population": b.population, "households": b.households}),
                    b.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Roads => {
            for r in &layers.roads {
                put(
                    &r.id.0,
                    json!({"highway": r.highway, "class": r.class.as_str(), "name": r.name}),
                    r.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Railways => {
            for r in &layers.railways {
                put(
                    &r.id.0,
                    json!({"railway": r.kind, "name": r.name}),
                    r.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Waterways => {
            for r in &layers.waterways {
                put(
                    &r.id.0,
                    json!({"waterway": r.kind, "name": r.name}),
                    r.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Water => {
            for r in &layers.water {
                put(
                    &r.id.0,
                    json!({"kind": r.kind, "name": r.name}),
                    r.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Sites => {
            for r in &layers.sites {
                put(
                    &r.id.0,
                    json!({"kind": r.kind.as_str(), "name": r.name}),
                    r.geometry.clone().into(),
                )?;
            }
        }
        LayerKind::Landuse => {
            for r in &layers.landuse {
                put(
                    &r.id.0,
                    json!({"landuse": r.class, "name": r.name}),
                    r.geometry.clone().into(),
                )?;
            }
        }
    }
    w.finish()
}

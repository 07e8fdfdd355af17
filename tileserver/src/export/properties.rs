//! Grids and blocks as GeoJSON properties for GIS tools, the same for the
//! CLI's `export` and the HTTP export: figures rounded to what they can
//! mean (0.1 m², 0.01 person, 4 decimals of compactness).

use serde_json::{Map, Value};

use crate::store::{StoredBlock, StoredGrid};

fn rounded(v: Value) -> Map<String, Value> {
    let round = |x: f64, d: i32| {
        let f = 10f64.powi(d);
        (x * f).round() / f
    };
    match v {
        Value::Object(m) => m
            .into_iter()
            .map(|(k, v)| {
                let digits = match k.as_str() {
                    "area_m2" | "perimeter_m" => Some(1),
                    "population" | "households" => Some(2),
                    "polsby_popper" => Some(4),
                    _ => None,
                };
                let v = match (digits, v.as_f64()) {
                    (Some(d), Some(x)) => serde_json::json!(round(x, d)),
                    _ => v,
                };
                (k, v)
            })
            .collect(),
        _ => Map::new(),
    }
}

pub fn grid_properties(g: &StoredGrid) -> Map<String, Value> {
    rounded(serde_json::to_value(g).unwrap_or_default())
}

pub fn block_properties(b: &StoredBlock) -> Map<String, Value> {
    let mut p = rounded(serde_json::to_value(b).unwrap_or_default());
    p.insert("village".into(), Value::String(b.village_code.clone()));
    p
}

//! Reading a batch of fixes: a JSON array of `{worker, time, lon, lat,
//! accuracy, speed, heading, battery}` or a GeoJSON FeatureCollection of
//! points with those properties. A batch with any malformed item is
//! refused whole, naming the items, so a phone never half-stores a batch.

use serde_json::{Map, Value};

use super::Fix;
use super::time::{self, UnixMs};
use crate::coords::Crs;
use crate::roster::WorkerId;

/// Why a batch is refused whole.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BatchError {
    #[error("the body is not JSON: {0}")]
    Syntax(String),
    #[error("the body must be a JSON array of positions or a GeoJSON FeatureCollection of points")]
    Shape,
    #[error("the batch holds {count} positions; at most {max} are taken at once")]
    TooMany { count: usize, max: usize },
    #[error("the batch is empty")]
    Empty,
    #[error("{} malformed position(s): {}", .0.len(), list(.0))]
    Items(Vec<(usize, ItemError)>),
}

fn list(items: &[(usize, ItemError)]) -> String {
    let mut s: Vec<String> = items
        .iter()
        .take(5)
        .map(|(i, e)| format!("#{i}: {e}"))
        .collect();
    if items.len() > 5 {
        s.push(format!("and {} more", items.len() - 5));
    }
    s.join("; ")
}

/// Why one item of a batch is malformed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ItemError {
    #[error("not an object")]
    NotObject,
    #[error("'{0}' is missing")]
    Missing(&'static str),
    #[error("'{field}' must be {expected}")]
    Type {
        field: &'static str,
        expected: &'static str,
    },
    #[error("'{field}' = {value} is outside {range}")]
    Range {
        field: &'static str,
        value: f64,
        range: &'static str,
    },
    #[error("{0}")]
    Worker(String),
    #[error("{0}")]
    Time(#[from] time::TimeError),
    #[error("a GeoJSON feature needs a Point geometry")]
    NotPoint,
}

/// What the reader needs besides the text.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    pub crs: Crs,
    /// The worker a phone's token stands for: items may omit `worker`.
    pub default_worker: Option<WorkerId>,
    pub max_points: usize,
}

/// Reads a batch body.
pub fn read(text: &str, opts: &ReadOptions) -> Result<Vec<Fix>, BatchError> {
    let v: Value = serde_json::from_str(text.strip_prefix('\u{feff}').unwrap_or(text))
        .map_err(|e| BatchError::Syntax(e.to_string()))?;
    from_value(v, opts)
}

/// Reads an already parsed batch.
pub fn from_value(v: Value, opts: &ReadOptions) -> Result<Vec<Fix>, BatchError> {
    let (items, geojson) = match v {
        Value::Array(a) => (a, false),
        Value::Object(mut o)
            if o.get("type").and_then(Value::as_str) == Some("FeatureCollection") =>
        {
            match o.remove("features") {
                Some(Value::Array(a)) => (a, true),
                _ => return Err(BatchError::Shape),
            }
        }
        _ => return Err(BatchError::Shape),
    };
    if items.is_empty() {
        return Err(BatchError::Empty);
    }
    if items.len() > opts.max_points {
        return Err(BatchError::TooMany {
            count: items.len(),
            max: opts.max_points,
        });
    }
    let mut fixes = Vec::with_capacity(items.len());
    let mut bad = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let r = if geojson {
            feature(item, opts)
        } else {
            match item {
                Value::Object(o) => {
                    let lon = number(&o, "lon");
                    let lat = number(&o, "lat");
                    match (lon, lat) {
                        (Ok(Some(x)), Ok(Some(y))) => fix(&o, x, y, opts),
                        (Err(e), _) | (_, Err(e)) => Err(e),
                        (Ok(None), _) => Err(ItemError::Missing("lon")),
                        (_, Ok(None)) => Err(ItemError::Missing("lat")),
                    }
                }
                _ => Err(ItemError::NotObject),
            }
        };
        match r {
            Ok(f) => fixes.push(f),
            Err(e) => bad.push((i, e)),
        }
    }
    if bad.is_empty() {
        Ok(fixes)
    } else {
        Err(BatchError::Items(bad))
    }
}

fn feature(item: Value, opts: &ReadOptions) -> Result<Fix, ItemError> {
    let Value::Object(mut f) = item else {
        return Err(ItemError::NotObject);
    };
    let props = match f.remove("properties") {
        Some(Value::Object(p)) => p,
        Some(Value::Null) | None => Map::new(),
        Some(_) => {
            return Err(ItemError::Type {
                field: "properties",
                expected: "an object",
            });
        }
    };
    let geom = f.get("geometry").ok_or(ItemError::NotPoint)?;
    if geom.get("type").and_then(Value::as_str) != Some("Point") {
        return Err(ItemError::NotPoint);
    }
    let c = geom
        .get("coordinates")
        .and_then(Value::as_array)
        .filter(|c| c.len() >= 2)
        .ok_or(ItemError::NotPoint)?;
    let (Some(x), Some(y)) = (c[0].as_f64(), c[1].as_f64()) else {
        return Err(ItemError::Type {
            field: "coordinates",
            expected: "two numbers",
        });
    };
    fix(&props, x, y, opts)
}

fn number(o: &Map<String, Value>, field: &'static str) -> Result<Option<f64>, ItemError> {
    match o.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or(ItemError::Type {
            field,
            expected: "a number",
        }),
        Some(_) => Err(ItemError::Type {
            field,
            expected: "a number",
        }),
    }
}

fn ranged(
    o: &Map<String, Value>,
    field: &'static str,
    lo: f64,
    hi: f64,
    range: &'static str,
) -> Result<Option<f32>, ItemError> {
    match number(o, field)? {
        None => Ok(None),
        Some(v) if (lo..=hi).contains(&v) => Ok(Some(v as f32)),
        Some(value) => Err(ItemError::Range {
            field,
            value,
            range,
        }),
    }
}

fn fix(o: &Map<String, Value>, x: f64, y: f64, opts: &ReadOptions) -> Result<Fix, ItemError> {
    // Projected metres and swapped axes land here: a Chinese latitude
    // read as a longitude is fine, but its longitude as a latitude is not.
    if !(-180.0..=180.0).contains(&x) {
        return Err(ItemError::Range {
            field: "lon",
            value: x,
            range: "−180…180 degrees (WGS84 or GCJ-02, not projected metres)",
        });
    }
    if !(-90.0..=90.0).contains(&y) {
        return Err(ItemError::Range {
            field: "lat",
            value: y,
            range: "−90…90 degrees (are lon and lat swapped?)",
        });
    }
    let worker = match o.get("worker").or_else(|| o.get("id")) {
        Some(Value::String(s)) => {
            WorkerId::parse(s).map_err(|e| ItemError::Worker(e.to_string()))?
        }
        Some(Value::Number(n)) => {
            WorkerId::parse(&n.to_string()).map_err(|e| ItemError::Worker(e.to_string()))?
        }
        Some(_) => {
            return Err(ItemError::Type {
                field: "worker",
                expected: "a string",
            });
        }
        None => opts
            .default_worker
            .clone()
            .ok_or(ItemError::Missing("worker"))?,
    };
    let time: UnixMs = match o.get("time").or_else(|| o.get("timestamp")) {
        Some(Value::String(s)) => time::from_text(s)?,
        Some(Value::Number(n)) => time::from_number(n.as_f64().unwrap_or(f64::NAN))?,
        Some(_) => {
            return Err(ItemError::Type {
                field: "time",
                expected: "RFC 3339 text or Unix seconds",
            });
        }
        None => return Err(ItemError::Missing("time")),
    };
    let c = opts.crs.to_wgs84(geo_types::Coord { x, y });
    Ok(Fix {
        worker,
        time,
        lon: c.x,
        lat: c.y,
        accuracy: ranged(o, "accuracy", 0.0, 1e6, "0…1,000,000 m")?,
        speed: ranged(o, "speed", 0.0, 1e4, "0…10,000 m/s")?,
        heading: ranged(o, "heading", 0.0, 360.0, "0…360°")?,
        battery: ranged(o, "battery", 0.0, 100.0, "0…100 %")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts() -> ReadOptions {
        ReadOptions {
            crs: Crs::Wgs84,
            default_worker: None,
            max_points: 10,
        }
    }

    #[test]
    fn a_json_array_and_a_feature_collection_read_alike() {
        let a = read(
            r#"[{"worker":"w1","time":"2026-11-30T08:00:00+08:00","lon":117.05,"lat":28.29,"accuracy":8,"battery":77}]"#,
            &opts(),
        )
        .unwrap();
        let b = read(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[117.05,28.29]},
               "properties":{"worker":"w1","time":1795996800,"accuracy":8,"battery":77}}]}"#,
            &opts(),
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].accuracy, Some(8.0));
    }

    #[test]
    fn gcj02_input_is_stored_as_wgs84() {
        let o = ReadOptions {
            crs: Crs::Gcj02,
            ..opts()
        };
        let f = read(
            r#"[{"worker":"w1","time":1795996800,"lon":116.42703,"lat":39.90245}]"#,
            &o,
        )
        .unwrap();
        assert!(
            (f[0].lon - 116.42079).abs() < 3e-5 && (f[0].lat - 39.90105).abs() < 3e-5,
            "{f:?}"
        );
    }

    #[test]
    fn malformed_items_refuse_the_whole_batch_and_are_named() {
        let e = read(
            r#"[{"worker":"w1","time":1795996800,"lon":117.0,"lat":28.0},
                {"worker":"w1","time":1795996801,"lon":"117","lat":28.0},
                {"worker":"w1","time":1795996802,"lon":28.0,"lat":117.0},
                {"worker":"w1","time":1795996803,"lon":455000.0,"lat":3130000.0},
                {"worker":"w1","lon":117.0,"lat":28.0},
                {"worker":"w 1","time":1795996804,"lon":117.0,"lat":28.0}]"#,
            &opts(),
        )
        .unwrap_err();
        let BatchError::Items(items) = &e else {
            panic!("{e}")
        };
        assert_eq!(
            items.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            vec![1, 2, 3, 4, 5]
        );
        assert!(e.to_string().contains("swapped"), "{e}");
        assert!(matches!(read("[1,", &opts()), Err(BatchError::Syntax(_))));
        assert!(matches!(read("{\"a\":1}", &opts()), Err(BatchError::Shape)));
        assert!(matches!(read("[]", &opts()), Err(BatchError::Empty)));
        let many = format!("[{}]", ["{}"; 11].join(","));
        assert!(matches!(
            read(&many, &opts()),
            Err(BatchError::TooMany { count: 11, max: 10 })
        ));
    }

    #[test]
    fn a_phone_token_supplies_the_worker() {
        let o = ReadOptions {
            default_worker: Some(WorkerId::parse("w9").unwrap()),
            ..opts()
        };
        let f = read(r#"[{"time":1795996800,"lon":117.0,"lat":28.0}]"#, &o).unwrap();
        assert_eq!(f[0].worker.as_str(), "w9");
    }
}

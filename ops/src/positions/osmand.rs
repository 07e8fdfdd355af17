//! The OsmAnd protocol Traccar Client and OsmAnd speak: one fix as query
//! parameters (`id`, `lat`, `lon`, `timestamp`, `speed` in knots,
//! `bearing`, `accuracy`, `batt`), or Traccar Client's JSON body
//! (`{device_id, location: {timestamp, coords: {…}, battery: {level}}}`).

use serde_json::Value;

use super::Fix;
use super::batch::{BatchError, ItemError, ReadOptions, from_value};

/// Knots to metres a second: OsmAnd reports speed in knots.
const KNOT: f64 = 0.514_444;

/// Reads one fix from OsmAnd query parameters (already percent-decoded).
pub fn from_query<'a>(
    params: impl IntoIterator<Item = (&'a str, &'a str)>,
    opts: &ReadOptions,
) -> Result<Fix, BatchError> {
    let mut o = serde_json::Map::new();
    for (k, v) in params {
        let key = match k {
            "id" | "deviceid" => "worker",
            "lat" => "lat",
            "lon" | "lng" => "lon",
            "timestamp" => "time",
            "accuracy" => "accuracy",
            "bearing" | "heading" => "heading",
            "batt" => "battery",
            "speed" => "speed",
            _ => continue,
        };
        let value = match key {
            "worker" | "time" => Value::String(v.to_owned()),
            _ => match v.trim().parse::<f64>() {
                Ok(x) if x.is_finite() => {
                    let x = if key == "speed" { x * KNOT } else { x };
                    serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
                }
                _ => {
                    return Err(BatchError::Items(vec![(
                        0,
                        ItemError::Type {
                            field: key_name(key),
                            expected: "a number",
                        },
                    )]));
                }
            },
        };
        o.insert(key.into(), value);
    }
    if !o.contains_key("time") {
        return Err(BatchError::Items(vec![(
            0,
            ItemError::Missing("timestamp"),
        )]));
    }
    one(Value::Array(vec![Value::Object(o)]), opts)
}

fn key_name(k: &str) -> &'static str {
    match k {
        "lat" => "lat",
        "lon" => "lon",
        "accuracy" => "accuracy",
        "heading" => "bearing",
        "battery" => "batt",
        _ => "speed",
    }
}

/// Reads Traccar Client's JSON body.
pub fn from_json(body: &Value, opts: &ReadOptions) -> Result<Fix, BatchError> {
    let loc = body.get("location").ok_or(BatchError::Shape)?;
    let coords = loc.get("coords").ok_or(BatchError::Shape)?;
    let mut o = serde_json::Map::new();
    if let Some(id) = body.get("device_id") {
        o.insert("worker".into(), id.clone());
    }
    if let Some(t) = loc.get("timestamp") {
        o.insert("time".into(), t.clone());
    }
    for (from, to) in [
        ("latitude", "lat"),
        ("longitude", "lon"),
        ("accuracy", "accuracy"),
        ("heading", "heading"),
        ("speed", "speed"),
    ] {
        if let Some(v) = coords.get(from).filter(|v| !is_unknown(v)) {
            o.insert(to.into(), v.clone());
        }
    }
    // Traccar Client reports battery as a fraction 0–1.
    if let Some(level) = loc
        .get("battery")
        .and_then(|b| b.get("level"))
        .and_then(Value::as_f64)
        .filter(|l| (0.0..=1.0).contains(l))
    {
        o.insert("battery".into(), serde_json::json!(level * 100.0));
    }
    one(Value::Array(vec![Value::Object(o)]), opts)
}

/// The platforms report unknown heading and speed as −1.
fn is_unknown(v: &Value) -> bool {
    v.as_f64().is_some_and(|x| x < 0.0)
}

fn one(v: Value, opts: &ReadOptions) -> Result<Fix, BatchError> {
    let mut fixes = from_value(v, opts)?;
    fixes.pop().ok_or(BatchError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::coords::Crs;

    fn opts() -> ReadOptions {
        ReadOptions {
            crs: Crs::Wgs84,
            default_worker: None,
            max_points: 1,
        }
    }

    #[test]
    fn query_parameters_of_traccar_client() {
        let f = from_query(
            [
                ("id", "w7"),
                ("lat", "28.29"),
                ("lon", "117.05"),
                ("timestamp", "1795996800"),
                ("speed", "2"),
                ("bearing", "90"),
                ("batt", "55"),
                ("altitude", "40"),
            ],
            &opts(),
        )
        .unwrap();
        assert_eq!(f.worker.as_str(), "w7");
        assert_eq!(f.time.0, 1_795_996_800_000);
        assert!((f.speed.unwrap() - 1.0289).abs() < 1e-3);
        assert!(
            from_query(
                [("id", "w7"), ("lat", "x"), ("lon", "1"), ("timestamp", "1")],
                &opts()
            )
            .is_err()
        );
    }

    #[test]
    fn json_body_of_traccar_client() {
        let body = serde_json::json!({
            "device_id": "w7",
            "location": {"timestamp": "2026-11-30T00:00:00Z",
                "coords": {"latitude": 28.29, "longitude": 117.05, "accuracy": 5, "speed": -1, "heading": -1},
                "battery": {"level": 0.5}}
        });
        let f = from_json(&body, &opts()).unwrap();
        assert_eq!(f.time.0, 1_795_996_800_000);
        assert_eq!(f.battery, Some(50.0));
        assert_eq!(f.speed, None);
    }
}

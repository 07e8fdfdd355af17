//! GPS fixes from workers' phones: what one is, how a batch is read
//! (`batch`), which fixes are refused (`screen`), and instants (`time`).

pub mod batch;
pub mod osmand;
pub mod screen;
pub mod time;

use geo_types::Coord;
use serde::{Deserialize, Serialize};

use crate::roster::WorkerId;
pub use time::UnixMs;

/// One position report, in WGS84.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub worker: WorkerId,
    pub time: UnixMs,
    pub lon: f64,
    pub lat: f64,
    /// Metres (the radius of 68 % confidence phones report).
    pub accuracy: Option<f32>,
    /// Metres a second.
    pub speed: Option<f32>,
    /// Degrees clockwise from north.
    pub heading: Option<f32>,
    /// Percent.
    pub battery: Option<f32>,
}

impl Fix {
    pub fn coord(&self) -> Coord<f64> {
        Coord {
            x: self.lon,
            y: self.lat,
        }
    }

    /// The key a fix is stored under: a resend of the same fix is a duplicate.
    pub fn key(&self) -> (&WorkerId, UnixMs) {
        (&self.worker, self.time)
    }
}

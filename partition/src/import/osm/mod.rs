//! OpenStreetMap PBF input: every layer from one file.

mod reader;
mod rings;
mod tags;

pub(crate) use reader::{OsmAdmin, read_pbf};

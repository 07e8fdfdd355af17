use std::fmt;

/// Where a feature came from, stable enough to find it again in the source:
/// `osm:w123`, `osm:r45`, `buildings.geojson#17` or a synthetic id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeatureId(pub String);

impl FeatureId {
    pub fn osm_way(id: i64) -> Self {
        Self(format!("osm:w{id}"))
    }
    pub fn osm_relation(id: i64) -> Self {
        Self(format!("osm:r{id}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FeatureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for FeatureId {
    fn from(s: String) -> Self {
        Self(s)
    }
}

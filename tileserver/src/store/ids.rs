//! The keys of what a store holds, as types: a county's 6-digit code, a
//! plan's id, and the level of a grid row.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A county's 6-digit statistical code (the first six digits of every
/// division and grid code inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountyCode(u32);

/// Why a text is not a county code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("county code {0:?} is not 6 digits (e.g. 110108)")]
pub struct BadCountyCode(pub String);

impl CountyCode {
    /// The code used when an import names no county and its boundaries
    /// carry none.
    pub const PLACEHOLDER: CountyCode = CountyCode(999_999);

    pub fn new(v: u32) -> Result<Self, BadCountyCode> {
        if (100_000..=999_999).contains(&v) {
            Ok(Self(v))
        } else {
            Err(BadCountyCode(v.to_string()))
        }
    }

    pub fn as_u32(self) -> u32 {
        self.0
    }

    /// The county of any division or grid code (6 digits or more).
    pub fn of_code(code: &str) -> Option<Self> {
        code.get(..6).and_then(|c| c.parse().ok())
    }
}

impl FromStr for CountyCode {
    type Err = BadCountyCode;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() != 6 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadCountyCode(s.chars().take(40).collect()));
        }
        t.parse::<u32>()
            .map_err(|_| BadCountyCode(s.to_string()))
            .and_then(Self::new)
    }
}

impl TryFrom<String> for CountyCode {
    type Error = BadCountyCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<CountyCode> for String {
    fn from(c: CountyCode) -> String {
        c.to_string()
    }
}

impl fmt::Display for CountyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

/// A plan's id: unique across the store, whatever its county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlanId(pub i64);

impl fmt::Display for PlanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Which plan a request means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanSelector {
    /// The active plan of a county.
    Active(CountyCode),
    Id(PlanId),
}

/// A row of the `grids` table is a grid or one of its unit cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GridLevel {
    Grid,
    Cell,
}

impl GridLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Grid => "grid",
            Self::Cell => "cell",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "grid" => Some(Self::Grid),
            "cell" => Some(Self::Cell),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn county_codes_are_six_digits() {
        assert_eq!(
            "110108".parse::<CountyCode>().unwrap().to_string(),
            "110108"
        );
        assert!("11010".parse::<CountyCode>().is_err());
        assert!("1101080".parse::<CountyCode>().is_err());
        assert!("000001".parse::<CountyCode>().is_err());
        assert!("11a108".parse::<CountyCode>().is_err());
        assert_eq!(
            CountyCode::of_code("110108001002"),
            Some("110108".parse().unwrap())
        );
    }
}

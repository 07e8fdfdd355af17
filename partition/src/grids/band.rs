use std::collections::BTreeMap;

use crate::blocks::Measure;
use crate::model::DivisionCode;

/// The size a grid should have: `lo ≤ value ≤ hi` of residents or
/// households. 1,000–2,000 residents and 300–500 households are the two
/// common local rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Band {
    pub measure: Measure,
    pub lo: f64,
    pub hi: f64,
}

impl Band {
    pub const RESIDENTS: Band = Band {
        measure: Measure::Residents,
        lo: 1_000.0,
        hi: 2_000.0,
    };
    pub const HOUSEHOLDS: Band = Band {
        measure: Measure::Households,
        lo: 300.0,
        hi: 500.0,
    };
    /// Unit cells (单元格): 30–50 households.
    pub const CELL: Band = Band {
        measure: Measure::Households,
        lo: 30.0,
        hi: 50.0,
    };

    pub fn mid(&self) -> f64 {
        (self.lo + self.hi) / 2.0
    }

    pub fn contains(&self, v: f64) -> bool {
        // Half a person either way: values are sums of estimates.
        v >= self.lo - 0.5 && v <= self.hi + 0.5
    }

    /// Parses `1000-2000`, `residents:1000-2000` or `households:300-500`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (measure, range) = match s.split_once(':') {
            Some((m, r)) => (
                Measure::parse(m.trim())
                    .ok_or_else(|| format!("unknown measure {m:?} (residents or households)"))?,
                r,
            ),
            None => (Measure::Residents, s),
        };
        let (lo, hi) = range
            .split_once('-')
            .ok_or_else(|| format!("band {s:?} is not LO-HI"))?;
        let lo: f64 = lo
            .trim()
            .parse()
            .map_err(|_| format!("band {s:?}: {lo:?} is not a number"))?;
        let hi: f64 = hi
            .trim()
            .parse()
            .map_err(|_| format!("band {s:?}: {hi:?} is not a number"))?;
        if !(lo > 0.0 && hi >= lo && hi.is_finite()) {
            return Err(format!("band {s:?} needs 0 < LO ≤ HI"));
        }
        Ok(Self { measure, lo, hi })
    }
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}-{}", self.measure.as_str(), self.lo, self.hi)
    }
}

/// The band of each village: a default, one for rural villages (村,
/// codes x2xx–x3xx), and overrides by village code.
#[derive(Debug, Clone, PartialEq)]
pub struct BandSet {
    pub default: Band,
    pub rural: Option<Band>,
    pub villages: BTreeMap<DivisionCode, Band>,
}

impl BandSet {
    pub fn uniform(b: Band) -> Self {
        Self {
            default: b,
            rural: None,
            villages: BTreeMap::new(),
        }
    }

    pub fn for_village(&self, code: DivisionCode) -> Band {
        if let Some(b) = self.villages.get(&code) {
            return *b;
        }
        match self.rural {
            // Statistical codes number villages' committees (村委会) 200–399.
            Some(r) if (200..400).contains(&code.village()) => r,
            _ => self.default,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bands() {
        assert_eq!(Band::parse("1000-2000").unwrap(), Band::RESIDENTS);
        assert_eq!(Band::parse("households:300-500").unwrap(), Band::HOUSEHOLDS);
        assert!(Band::parse("2000-1000").is_err());
        assert!(Band::parse("x-1").is_err());
        assert!(Band::parse("cows:1-2").is_err());
    }
}

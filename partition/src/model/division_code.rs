use std::fmt;

use super::AdminLevel;

/// A 12-digit statistical division code (统计用区划代码): 6 digits county,
/// 3 town, 3 village. Towns end in `000`; a county ends in `000000`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DivisionCode(u64);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DivisionCodeError {
    #[error("division code {0:?} is not 6, 9 or 12 digits")]
    Malformed(String),
    #[error("division code {0:?} has a zero county part")]
    ZeroCounty(String),
}

impl DivisionCode {
    /// Parses 6 (county), 9 (town) or 12 digits; shorter forms are padded
    /// with zeros, as the statistical tables do.
    pub fn parse(s: &str) -> Result<Self, DivisionCodeError> {
        let t = s.trim();
        if !matches!(t.len(), 6 | 9 | 12) || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DivisionCodeError::Malformed(s.to_string()));
        }
        let padded = format!("{t:0<12}");
        let v: u64 = padded
            .parse()
            .map_err(|_| DivisionCodeError::Malformed(s.to_string()))?;
        if v / 1_000_000 == 0 {
            return Err(DivisionCodeError::ZeroCounty(s.to_string()));
        }
        Ok(Self(v))
    }

    pub fn from_parts(county: u32, town: u16, village: u16) -> Self {
        Self(u64::from(county) * 1_000_000 + u64::from(town) * 1_000 + u64::from(village))
    }

    pub fn county(self) -> u32 {
        (self.0 / 1_000_000) as u32
    }
    pub fn town(self) -> u16 {
        ((self.0 / 1_000) % 1_000) as u16
    }
    pub fn village(self) -> u16 {
        (self.0 % 1_000) as u16
    }

    pub fn level(self) -> AdminLevel {
        match (self.town(), self.village()) {
            (0, 0) => AdminLevel::County,
            (_, 0) => AdminLevel::Town,
            _ => AdminLevel::Village,
        }
    }

    /// The code of the unit one level up (village → town → county).
    pub fn parent(self) -> Option<Self> {
        match self.level() {
            AdminLevel::Village => Some(Self(self.0 - u64::from(self.village()))),
            AdminLevel::Town => Some(Self(u64::from(self.county()) * 1_000_000)),
            AdminLevel::County => None,
        }
    }

    pub fn as_u64(self) -> u64 {
        self.0
    }
}

impl fmt::Display for DivisionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_levels_and_parents() {
        let v = DivisionCode::parse("110108012003").unwrap();
        assert_eq!(v.level(), AdminLevel::Village);
        assert_eq!(v.county(), 110108);
        assert_eq!(v.parent().unwrap().to_string(), "110108012000");
        assert_eq!(
            v.parent().unwrap().parent().unwrap().to_string(),
            "110108000000"
        );
        assert_eq!(
            DivisionCode::parse("110108012").unwrap().level(),
            AdminLevel::Town
        );
        assert_eq!(
            DivisionCode::parse("110108").unwrap().level(),
            AdminLevel::County
        );
    }

    #[test]
    fn rejects_bad_codes() {
        assert!(DivisionCode::parse("11010801200").is_err());
        assert!(DivisionCode::parse("11010801200x").is_err());
        assert!(DivisionCode::parse("000000001001").is_err());
    }

    proptest::proptest! {
        #[test]
        fn display_parse_round_trip(c in 1u32..999_999, t in 0u16..1000, v in 0u16..1000) {
            let code = DivisionCode::from_parts(c, t, v);
            proptest::prop_assert_eq!(DivisionCode::parse(&code.to_string()).unwrap(), code);
        }
    }
}

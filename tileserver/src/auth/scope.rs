use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::store::CountyCode;

/// What an account or token sees: the whole store, or one county, town
/// or village given by its code's prefix (6, 9 or 12 digits). Everything
/// outside is invisible to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Scope {
    All,
    Prefix(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "scope {0:?} is not a county, town or village code (6, 9 or 12 digits, e.g. 110108 or 110108001), nor `all`"
)]
pub struct BadScope(pub String);

impl Scope {
    /// The county this scope lies in, when it is narrower than the store.
    pub fn county(&self) -> Option<CountyCode> {
        match self {
            Self::All => None,
            Self::Prefix(p) => CountyCode::of_code(p),
        }
    }

    pub fn allows_county(&self, c: CountyCode) -> bool {
        self.county().is_none_or(|own| own == c)
    }

    /// Whether a division or grid code lies inside the scope.
    pub fn allows_code(&self, code: &str) -> bool {
        match self {
            Self::All => true,
            Self::Prefix(p) => code.starts_with(p.as_str()),
        }
    }

    /// The prefix features must carry when the scope is narrower than a
    /// county (a town or a village); `None` when whole counties are seen.
    pub fn within_county(&self) -> Option<&str> {
        match self {
            Self::Prefix(p) if p.len() > 6 => Some(p),
            _ => None,
        }
    }

    /// Whether everything `other` sees, this scope sees too.
    pub fn covers(&self, other: &Scope) -> bool {
        match (self, other) {
            (Self::All, _) => true,
            (Self::Prefix(_), Self::All) => false,
            (Self::Prefix(a), Self::Prefix(b)) => b.starts_with(a.as_str()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::All => "",
            Self::Prefix(p) => p,
        }
    }
}

impl FromStr for Scope {
    type Err = BadScope;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || t == "all" {
            return Ok(Self::All);
        }
        if !matches!(t.len(), 6 | 9 | 12) || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(BadScope(s.chars().take(40).collect()));
        }
        if CountyCode::of_code(t).is_none() {
            return Err(BadScope(s.to_string()));
        }
        Ok(Self::Prefix(t.to_string()))
    }
}

impl TryFrom<String> for Scope {
    type Error = BadScope;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Scope> for String {
    fn from(s: Scope) -> String {
        s.as_str().to_string()
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Prefix(p) => f.write_str(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_code_prefixes() {
        let town: Scope = "110108001".parse().unwrap();
        assert!(town.allows_code("110108001002"));
        assert!(town.allows_code("110108001002003"));
        assert!(!town.allows_code("110108002001"));
        assert!(town.allows_county("110108".parse().unwrap()));
        assert!(!town.allows_county("110109".parse().unwrap()));
        assert_eq!(town.within_county(), Some("110108001"));
        let county: Scope = "110108".parse().unwrap();
        assert_eq!(county.within_county(), None);
        assert!(county.covers(&town));
        assert!(!town.covers(&county));
        assert!(Scope::All.covers(&county));
        assert!(!county.covers(&Scope::All));
        assert_eq!("all".parse::<Scope>().unwrap(), Scope::All);
        assert!("1101".parse::<Scope>().is_err());
        assert!("000000".parse::<Scope>().is_err());
        assert!("11010800100".parse::<Scope>().is_err());
    }
}

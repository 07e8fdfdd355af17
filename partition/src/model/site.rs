use geo_types::MultiPolygon;

use super::FeatureId;

/// Special sites that may become dedicated grids (专属网格).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SiteKind {
    Industrial,
    School,
    College,
    University,
    Hospital,
    Marketplace,
    Military,
    Prison,
}

impl SiteKind {
    pub const ALL: [SiteKind; 8] = [
        Self::Industrial,
        Self::School,
        Self::College,
        Self::University,
        Self::Hospital,
        Self::Marketplace,
        Self::Military,
        Self::Prison,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Industrial => "industrial",
            Self::School => "school",
            Self::College => "college",
            Self::University => "university",
            Self::Hospital => "hospital",
            Self::Marketplace => "marketplace",
            Self::Military => "military",
            Self::Prison => "prison",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether unknown-type buildings (`building=yes`) inside such a site
    /// are taken as workplaces rather than homes.
    pub fn is_workplace(self) -> bool {
        matches!(self, Self::Industrial | Self::Marketplace)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: FeatureId,
    pub kind: SiteKind,
    pub name: Option<String>,
    pub geometry: MultiPolygon<f64>,
}

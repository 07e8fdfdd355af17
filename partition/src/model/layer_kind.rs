use std::fmt;

/// The layers of the model; also the table names in the stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LayerKind {
    Admin,
    Buildings,
    Roads,
    Railways,
    Waterways,
    Water,
    Sites,
    Landuse,
}

impl LayerKind {
    pub const ALL: [LayerKind; 8] = [
        Self::Admin,
        Self::Buildings,
        Self::Roads,
        Self::Railways,
        Self::Waterways,
        Self::Water,
        Self::Sites,
        Self::Landuse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Buildings => "buildings",
            Self::Roads => "roads",
            Self::Railways => "railways",
            Self::Waterways => "waterways",
            Self::Water => "water",
            Self::Sites => "sites",
            Self::Landuse => "landuse",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the layer holds areas (else lines).
    pub fn is_polygonal(self) -> bool {
        !matches!(self, Self::Roads | Self::Railways | Self::Waterways)
    }
}

impl fmt::Display for LayerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

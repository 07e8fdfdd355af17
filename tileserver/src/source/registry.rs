//! How a tile source joins the server: it describes itself (name, zooms,
//! what it is built from, how long its tiles may be kept, which query
//! parameters it takes) and builds itself from the store. The server holds
//! a list of factories, so a new source (patrol tracks, cases, hotspots)
//! is one more registration, not a new arm in every `match`.

use std::future::Future;
use std::pin::Pin;

use super::{Built, SourceKind, build_source};
use ops::positions::UnixMs;

use crate::mvt::MAX_ZOOM;
use crate::store::{CountyCode, PlanId, Store, StoreError};

/// What a source's features come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceBasis {
    /// A county's imported layers: rebuilt when they are re-imported.
    Layers,
    /// One plan's grids or blocks: built per plan, never stale (plans do
    /// not change once saved).
    Plan,
    /// Records of a time window — workers' fixes, cases: rebuilt once
    /// older than the tiles' `max_age` (they keep arriving, late ones too).
    Window,
}

/// How tiles of a source may be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Seconds a client may keep a tile (`Cache-Control: max-age`).
    pub max_age: u32,
    /// Whether the server keeps encoded tiles in its cache.
    pub server_cache: bool,
}

/// A source's description, the same for every county and plan.
#[derive(Debug, Clone)]
pub struct SourceSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub min_zoom: u8,
    pub max_zoom: u8,
    pub basis: SourceBasis,
    pub cache: CachePolicy,
    /// Query parameters the source takes besides `county` and `plan`
    /// (time windows, a worker), each part of the tile's cache key.
    pub params: &'static [&'static str],
}

impl SourceSpec {
    /// A source of the records of a time window (`from`, `to` and more
    /// parameters), kept `max_age` seconds by clients and the registry,
    /// never in the server's tile cache.
    pub fn window(
        name: &'static str,
        description: &'static str,
        max_age: u32,
        params: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            description,
            min_zoom: 0,
            max_zoom: MAX_ZOOM,
            basis: SourceBasis::Window,
            cache: CachePolicy {
                max_age,
                server_cache: false,
            },
            params,
        }
    }
}

/// Which county (and plan, and time window) a source is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BuildAt {
    pub county: CountyCode,
    pub plan: Option<PlanId>,
    /// `[from, to)` of the records a `Window` source is built from.
    pub window: Option<(UnixMs, UnixMs)>,
}

impl BuildAt {
    /// A county's layers, or one of its plans.
    pub fn new(county: CountyCode, plan: Option<PlanId>) -> Self {
        Self {
            county,
            plan,
            window: None,
        }
    }
}

pub type BuildFuture<'a> = Pin<Box<dyn Future<Output = Result<Built, StoreError>> + Send + 'a>>;

/// A kind of tile source the server can build.
pub trait SourceFactory: Send + Sync {
    fn spec(&self) -> &SourceSpec;
    fn build<'a>(&'a self, store: &'a Store, at: BuildAt) -> BuildFuture<'a>;
}

/// The sources made from the store's own tables.
pub struct Builtin {
    kind: SourceKind,
    spec: SourceSpec,
}

impl Builtin {
    pub fn new(kind: SourceKind) -> Self {
        let per_plan = kind.per_plan();
        Self {
            kind,
            spec: SourceSpec {
                name: kind.as_str(),
                description: kind.description(),
                min_zoom: kind.min_zoom(),
                max_zoom: MAX_ZOOM,
                basis: if per_plan {
                    SourceBasis::Plan
                } else {
                    SourceBasis::Layers
                },
                cache: CachePolicy {
                    max_age: kind.max_age(),
                    server_cache: true,
                },
                params: &[],
            },
        }
    }

    /// Every built-in source, in the order the catalog lists them.
    pub fn all() -> Vec<Box<dyn SourceFactory>> {
        SourceKind::ALL
            .into_iter()
            .map(|k| Box::new(Self::new(k)) as Box<dyn SourceFactory>)
            .collect()
    }
}

impl SourceFactory for Builtin {
    fn spec(&self) -> &SourceSpec {
        &self.spec
    }

    fn build<'a>(&'a self, store: &'a Store, at: BuildAt) -> BuildFuture<'a> {
        Box::pin(build_source(store, self.kind, at.county, at.plan))
    }
}

//! A tile URL, `/tiles/{sources}/{z}/{x}/{y}.mvt`, read without
//! allocating: a cached tile is a loopback round trip, and at one
//! connection the per-request work around it is what the client waits for.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::ApiError;
use super::errors::clip;
use super::registry::{Registry, SourceId};
use crate::mvt::TileId;

/// An ordered list of distinct registered sources: order is kept because
/// it is the tile's layer order. Up to four sit inline (no allocation on
/// the tile path); any number may be asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceSet(SmallVec<[SourceId; 4]>);

impl SourceSet {
    /// The known sources of a comma-separated list (each once, in the
    /// order given), or a 404 naming the unknown one.
    pub fn parse(list: &str, registry: &Registry) -> Result<Self, ApiError> {
        let mut ids: SmallVec<[SourceId; 4]> = SmallVec::new();
        for name in list.split(',') {
            let id = registry.id(name).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "unknown tile source {:?}; known: {}",
                    clip(name),
                    registry.names().join(", ")
                ))
            })?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(Self(ids))
    }

    pub fn ids(&self) -> impl Iterator<Item = SourceId> + '_ {
        self.0.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// The parts of a tile path, percent-decoded where needed.
#[derive(Debug)]
pub struct TilePath<'a> {
    pub sources: Cow<'a, str>,
    pub z: &'a str,
    pub x: &'a str,
    pub file: &'a str,
}

impl<'a> TilePath<'a> {
    /// `Some` for a path of exactly four segments below `/tiles/`.
    pub fn split(path: &'a str) -> Option<Self> {
        let mut it = path.strip_prefix("/tiles/")?.split('/');
        let (sources, z, x, file) = (it.next()?, it.next()?, it.next()?, it.next()?);
        if it.next().is_some() || [sources, z, x, file].contains(&"") {
            return None;
        }
        Some(Self {
            sources: percent_encoding::percent_decode_str(sources).decode_utf8_lossy(),
            z,
            x,
            file,
        })
    }

    /// The sources and the tile, or the first 4xx among them (sources
    /// first), as owned values a handler can take past the path's borrow.
    pub fn address(&self, registry: &Registry) -> Result<(SourceSet, TileId), ApiError> {
        Ok((SourceSet::parse(&self.sources, registry)?, self.tile()?))
    }

    /// The tile address, or a 4xx naming what is wrong with it.
    pub fn tile(&self) -> Result<TileId, ApiError> {
        let y = self
            .file
            .strip_suffix(".mvt")
            .or_else(|| self.file.strip_suffix(".pbf"))
            .ok_or_else(|| {
                ApiError::NotFound(format!(
                    "tiles end in .mvt, not {:?}",
                    self.file.chars().take(40).collect::<String>()
                ))
            })?;
        TileId::new(number("z", self.z)?, number("x", self.x)?, number("y", y)?)
            .map_err(|e| ApiError::BadRequest(e.to_string()))
    }
}

fn number(name: &str, v: &str) -> Result<u32, ApiError> {
    v.parse::<u32>().map_err(|_| {
        ApiError::BadRequest(format!(
            "{name} {:?} is not a tile number",
            v.chars().take(40).collect::<String>()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn registry() -> Registry {
        Registry::with_budget(crate::source::Builtin::all(), u64::MAX)
    }

    #[test]
    fn lists_keep_order_and_drop_repeats() {
        let r = registry();
        let l = SourceSet::parse("roads,grids,roads,water", &r).unwrap();
        let names: Vec<&str> = l.ids().map(|i| r.spec(i).name).collect();
        assert_eq!(names, ["roads", "grids", "water"]);
        assert_ne!(l, SourceSet::parse("grids,roads,water", &r).unwrap());
        assert!(SourceSet::parse("grids,nope", &r).is_err());
        assert!(SourceSet::parse("", &r).is_err());
    }

    #[test]
    fn paths_split_into_four_segments() {
        let p = TilePath::split("/tiles/grids%2Croads/14/13529/6847.mvt").unwrap();
        assert_eq!(p.sources, "grids,roads");
        assert_eq!(p.tile().unwrap(), TileId::new(14, 13529, 6847).unwrap());
        assert!(TilePath::split("/tiles/grids.json").is_none());
        assert!(TilePath::split("/tiles/grids/1/2/3.mvt/4").is_none());
        assert!(TilePath::split("/tiles/grids//2/3.mvt").is_none());
        assert!(
            TilePath::split("/tiles/grids/40/0/0.mvt")
                .unwrap()
                .tile()
                .is_err()
        );
        assert!(
            TilePath::split("/tiles/grids/1/0/0.png")
                .unwrap()
                .tile()
                .is_err()
        );
    }

    proptest! {
        #[test]
        fn every_ordered_selection_round_trips(picks in proptest::collection::vec(0usize..8, 1..12)) {
            let r = registry();
            let all = r.names();
            let names: Vec<&str> = picks.iter().map(|&i| all[i]).collect();
            let mut want: Vec<&str> = Vec::new();
            for n in &names {
                if !want.contains(n) {
                    want.push(n);
                }
            }
            let got: Vec<&str> = SourceSet::parse(&names.join(","), &r).unwrap().ids().map(|i| r.spec(i).name).collect();
            prop_assert_eq!(got, want);
        }
    }
}

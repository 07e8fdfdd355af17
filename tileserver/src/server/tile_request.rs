//! A tile URL, `/tiles/{sources}/{z}/{x}/{y}.mvt`, read without
//! allocating: a cached tile is a loopback round trip, and at one
//! connection the per-request work around it is what the client waits for.

use std::borrow::Cow;

use super::ApiError;
use crate::mvt::TileId;
use crate::source::SourceKind;

/// An ordered list of distinct sources packed four bits a source (its
/// index in [`SourceKind::ALL`] plus one), first source lowest: a cache
/// key without an allocation, and order kept because it is the tile's
/// layer order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SourceList(u32);

// Eight sources of four bits fill the u32 exactly.
const _: () = assert!(SourceKind::ALL.len() * 4 <= 32);

impl SourceList {
    /// The known sources of a comma-separated list (each once, in the
    /// order given), or a 404 naming the unknown one.
    pub fn parse(list: &str) -> Result<Self, ApiError> {
        let mut packed = 0u32;
        let mut len = 0;
        for name in list.split(',') {
            let kind = SourceKind::parse(name).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "unknown tile source {:?}; known: {}",
                    name.chars().take(40).collect::<String>(),
                    SourceKind::ALL.map(SourceKind::as_str).join(", ")
                ))
            })?;
            let i = SourceKind::ALL.iter().position(|&k| k == kind).unwrap_or(0);
            let code = i as u32 + 1;
            if !Self(packed).codes().any(|c| c == code) {
                packed |= code << (4 * len);
                len += 1;
            }
        }
        Ok(Self(packed))
    }

    fn codes(self) -> impl Iterator<Item = u32> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            let c = rest & 0xf;
            rest >>= 4;
            (c != 0).then_some(c)
        })
    }

    pub fn kinds(self) -> impl Iterator<Item = SourceKind> {
        self.codes().map(|c| SourceKind::ALL[c as usize - 1])
    }

    pub fn to_vec(self) -> Vec<SourceKind> {
        self.kinds().collect()
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
    pub fn address(&self) -> Result<(SourceList, TileId), ApiError> {
        Ok((self.sources()?, self.tile()?))
    }

    pub fn sources(&self) -> Result<SourceList, ApiError> {
        SourceList::parse(&self.sources)
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

    #[test]
    fn lists_keep_order_and_drop_repeats() {
        let l = SourceList::parse("roads,grids,roads,water").unwrap();
        assert_eq!(
            l.to_vec(),
            [SourceKind::Roads, SourceKind::Grids, SourceKind::Water]
        );
        assert_ne!(l, SourceList::parse("grids,roads,water").unwrap());
        assert!(SourceList::parse("grids,nope").is_err());
        assert!(SourceList::parse("").is_err());
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
            let names: Vec<&str> = picks.iter().map(|&i| SourceKind::ALL[i].as_str()).collect();
            let mut want: Vec<SourceKind> = Vec::new();
            for &i in &picks {
                if !want.contains(&SourceKind::ALL[i]) {
                    want.push(SourceKind::ALL[i]);
                }
            }
            prop_assert_eq!(SourceList::parse(&names.join(",")).unwrap().to_vec(), want);
        }
    }
}

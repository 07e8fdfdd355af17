//! Encoded tiles kept in memory with their compressed forms: each tile is
//! encoded once and compressed at most once per encoding, not per
//! response. Keys carry the plan and the layers' generation, so a new
//! import or plan never meets a stale tile.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, OnceLock};

use axum::http::{HeaderMap, HeaderValue};
use bytes::Bytes;

/// The encodings a client may get, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// From `Accept-Encoding`: br, then gzip, else none. A coding with
    /// `q=0` is refused, as RFC 9110 says.
    pub fn negotiate(headers: &HeaderMap, prefer_gzip: bool) -> Self {
        let Some(v) = headers
            .get(axum::http::header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::Identity;
        };
        let accepts = |name: &str| {
            v.split(',').any(|part| {
                let mut it = part.split(';');
                let coding = it.next().unwrap_or("").trim();
                let refused = it.any(|p| {
                    let p = p.trim().replace(' ', "");
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                (coding.eq_ignore_ascii_case(name) || coding == "*") && !refused
            })
        };
        match (accepts("br"), accepts("gzip")) {
            (_, true) if prefer_gzip => Self::Gzip,
            (true, _) => Self::Brotli,
            (_, true) => Self::Gzip,
            _ => Self::Identity,
        }
    }

    pub fn header(self) -> Option<&'static str> {
        match self {
            Self::Brotli => Some("br"),
            Self::Gzip => Some("gzip"),
            Self::Identity => None,
        }
    }
}

/// One encoded tile; an empty `raw` is an empty tile (204).
pub struct Tile {
    pub raw: Bytes,
    /// Weak, from the raw bytes' hash; kept as a header value so a hit
    /// sends it without formatting or validating.
    pub etag: HeaderValue,
    gzip: OnceLock<Bytes>,
    br: OnceLock<Bytes>,
}

impl Tile {
    pub fn new(raw: Vec<u8>) -> Self {
        let tag = format!("W/\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(&raw));
        // Hex digits in quotes are always a valid header value.
        let etag = HeaderValue::from_str(&tag).unwrap_or(HeaderValue::from_static("W/\"0\""));
        Self {
            raw: Bytes::from(raw),
            etag,
            gzip: OnceLock::new(),
            br: OnceLock::new(),
        }
    }

    /// The body in `enc`, compressed on first need and kept.
    pub fn body(&self, enc: Encoding, cached: bool) -> Bytes {
        match enc {
            Encoding::Identity => self.raw.clone(),
            // A tile nobody will ask for again gets the fastest level.
            Encoding::Gzip if !cached => gzip(&self.raw, 1),
            Encoding::Brotli if !cached => brotli(&self.raw, 1),
            Encoding::Gzip => self.gzip.get_or_init(|| gzip(&self.raw, 6)).clone(),
            Encoding::Brotli => self.br.get_or_init(|| brotli(&self.raw, 5)).clone(),
        }
    }

    /// Bytes held: the raw tile, what is compressed so far, and an
    /// allowance of half the raw size for an encoding asked for later.
    fn weight(&self) -> u64 {
        let compressed =
            self.gzip.get().map_or(0, Bytes::len) + self.br.get().map_or(0, Bytes::len);
        (self.raw.len() + compressed + self.raw.len() / 2 + 128) as u64
    }
}

thread_local! {
    /// One deflate state per thread and level, reset between tiles: a new
    /// state is a zeroed allocation of a few hundred KiB, which cost more
    /// than compressing a small tile (perf, bench/tiles.sh).
    static DEFLATE: RefCell<Vec<(u32, flate2::Compress)>> = const { RefCell::new(Vec::new()) };
}

/// gzip (RFC 1952): a fixed header, raw deflate, then CRC-32 and length.
fn gzip(raw: &[u8], level: u32) -> Bytes {
    DEFLATE.with(|cell| {
        let mut states = cell.borrow_mut();
        let i = match states.iter().position(|(l, _)| *l == level) {
            Some(i) => i,
            None => {
                states.push((
                    level,
                    flate2::Compress::new(flate2::Compression::new(level), false),
                ));
                states.len() - 1
            }
        };
        let c = &mut states[i].1;
        c.reset();
        let mut out = Vec::with_capacity(raw.len() / 2 + 64);
        out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
        loop {
            let consumed = c.total_in() as usize;
            match c.compress_vec(&raw[consumed..], &mut out, flate2::FlushCompress::Finish) {
                Ok(flate2::Status::StreamEnd) => break,
                Ok(_) => out.reserve(out.capacity().max(4096)),
                // Compressing into a growing Vec cannot fail; send it raw-stored
                // if it ever did, rather than a broken body.
                Err(_) => return gzip_stored(raw),
            }
        }
        let mut crc = flate2::Crc::new();
        crc.update(raw);
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
        Bytes::from(out)
    })
}

fn gzip_stored(raw: &[u8]) -> Bytes {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    let _ = e.write_all(raw);
    Bytes::from(e.finish().unwrap_or_default())
}

fn brotli(raw: &[u8], quality: u32) -> Bytes {
    let mut out = Vec::with_capacity(raw.len() / 2);
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, quality, 22);
        let _ = w.write_all(raw);
    }
    Bytes::from(out)
}

/// What a cached tile was made of: the sources, for whom (county, plan,
/// and the town or village prefix of a scoped caller), from which
/// generation of the imported layers, and where.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub sources: super::tile_request::SourceSet,
    pub county: crate::store::CountyCode,
    pub plan: Option<crate::store::PlanId>,
    pub generation: u64,
    pub within: Option<Arc<str>>,
    pub tile: crate::mvt::TileId,
}

/// A cached tile with the weight it was admitted with: the weight must not
/// change while the tile is held, though a second encoding may be
/// compressed into it later.
#[derive(Clone)]
struct Held {
    tile: Arc<Tile>,
    weight: u64,
}

#[derive(Clone)]
struct ByWeight;

impl quick_cache::Weighter<Key, Held> for ByWeight {
    fn weight(&self, _key: &Key, held: &Held) -> u64 {
        held.weight
    }
}

/// The cache, bounded in bytes; `None` inside when caching is off.
///
/// quick_cache rather than moka: a hit is a hash lookup and one atomic
/// bit, where moka queued every read for inline housekeeping that showed
/// in the profile and in p99 at one connection (bench/tiles.sh, warm).
pub struct TileCache(Option<quick_cache::sync::Cache<Key, Held, ByWeight>>);

/// A typical compressed tile, for sizing the cache's table.
const TYPICAL_TILE_BYTES: u64 = 4096;

impl TileCache {
    pub fn new(max_mb: u64) -> Self {
        let bytes = max_mb * 1024 * 1024;
        Self((max_mb > 0).then(|| {
            quick_cache::sync::Cache::with_weighter(
                (bytes / TYPICAL_TILE_BYTES).max(64) as usize,
                bytes,
                ByWeight,
            )
        }))
    }

    pub fn enabled(&self) -> bool {
        self.0.is_some()
    }

    pub fn get(&self, key: &Key) -> Option<Arc<Tile>> {
        self.0.as_ref()?.get(key).map(|h| h.tile)
    }

    pub fn insert(&self, key: Key, tile: Arc<Tile>) {
        if let Some(c) = &self.0 {
            let weight = tile.weight();
            c.insert(key, Held { tile, weight });
        }
    }

    /// Tiles held and their weight in bytes.
    pub fn stats(&self) -> (u64, u64) {
        match &self.0 {
            Some(c) => (c.len() as u64, c.weight()),
            None => (0, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str) -> Encoding {
        let mut h = HeaderMap::new();
        h.insert("accept-encoding", HeaderValue::from_str(v).unwrap());
        Encoding::negotiate(&h, false)
    }

    #[test]
    fn negotiation_prefers_brotli_and_honours_q0() {
        assert_eq!(enc("gzip, deflate, br, zstd"), Encoding::Brotli);
        assert_eq!(enc("gzip"), Encoding::Gzip);
        assert_eq!(enc("br;q=0, gzip"), Encoding::Gzip);
        assert_eq!(enc("identity"), Encoding::Identity);
        assert_eq!(
            Encoding::negotiate(&HeaderMap::new(), false),
            Encoding::Identity
        );
    }

    #[test]
    fn compressed_bodies_decompress_to_the_tile() {
        use std::io::Read;
        let raw: Vec<u8> = (0..5000u32).flat_map(|i| (i % 251).to_le_bytes()).collect();
        let t = Tile::new(raw.clone());
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&t.body(Encoding::Gzip, true)[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, raw);
        let mut back = Vec::new();
        brotli::Decompressor::new(&t.body(Encoding::Brotli, true)[..], 4096)
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, raw);
        // A reused deflate state gives the same bytes as a fresh one.
        let again = Tile::new(raw.clone());
        assert_eq!(
            again.body(Encoding::Gzip, false),
            Tile::new(raw.clone()).body(Encoding::Gzip, false)
        );
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&again.body(Encoding::Gzip, false)[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, raw);
        // Compressed once: the same bytes come back.
        assert_eq!(
            t.body(Encoding::Gzip, true).as_ptr(),
            t.body(Encoding::Gzip, true).as_ptr()
        );
    }
}

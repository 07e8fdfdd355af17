//! `/fonts/{fontstack}/{start}-{end}.pbf`: SDF glyph ranges for map labels,
//! made from a local font (Noto Sans CJK by default) on first request and
//! kept, so the map needs no font server on the internet.
//!
//! The glyphs are made by a short-lived helper process (`wangge glyphs`):
//! parsing the CJK collection takes some 400 MB, which a server that runs
//! for months should not keep (or fragment) for a few kilobytes of glyph
//! ranges. The first request makes the ranges a map usually needs in one
//! go; the server keeps only their bytes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use glyphore_core::{FontFace, generate_range};

use super::{ApiError, AppState};

/// Where Debian's fonts-noto-cjk (and, failing that, DejaVu) put their files.
const CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
];

/// The one font stack the style names; any requested stack gets this font.
pub const FONT_STACK: &str = "Noto Sans CJK SC Regular";

/// Ranges a Chinese map asks for besides CJK ideographs (which MapLibre
/// draws with the browser's local font): Latin, Latin-1, general
/// punctuation, CJK symbols and punctuation, full-width forms.
const USUAL: [u32; 5] = [0, 256, 8192, 12288, 65280];

/// Largest output the helper may send: a range is tens of KB.
const MAX_HELPER_BYTES: usize = 64 << 20;

pub struct Glyphs {
    path: Option<PathBuf>,
    /// The program that makes glyphs (`wangge glyphs`).
    helper: Option<PathBuf>,
    ranges: Mutex<HashMap<u32, Bytes>>,
    /// One helper at a time.
    making: tokio::sync::Mutex<()>,
}

impl Glyphs {
    /// The given font, or the first of the usual system fonts that exists;
    /// `helper` is the wangge program (default: this process's own).
    pub fn new(font: Option<&Path>, helper: Option<PathBuf>) -> Self {
        let path = font
            .map(Path::to_path_buf)
            .or_else(|| CANDIDATES.iter().map(PathBuf::from).find(|p| p.exists()));
        Self {
            path,
            helper: helper.or_else(|| std::env::current_exe().ok()),
            ranges: Mutex::new(HashMap::new()),
            making: tokio::sync::Mutex::new(()),
        }
    }

    pub fn font_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn cached(&self, start: u32) -> Option<Bytes> {
        self.ranges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&start)
            .cloned()
    }

    /// The range starting at `start`, made once.
    pub async fn range(&self, start: u32) -> Result<Bytes, String> {
        if let Some(b) = self.cached(start) {
            return Ok(b);
        }
        let _one = self.making.lock().await;
        if let Some(b) = self.cached(start) {
            return Ok(b);
        }
        let font = self
            .path
            .as_ref()
            .ok_or("no font: install fonts-noto-cjk or pass --font FILE")?;
        let helper = self.helper.as_ref().ok_or("no glyph helper program")?;
        let mut wanted = vec![start];
        wanted.extend(
            USUAL
                .iter()
                .filter(|&&u| u != start && self.cached(u).is_none()),
        );
        let made = run_helper(helper, font, &wanted).await?;
        let mut m = self.ranges.lock().unwrap_or_else(|p| p.into_inner());
        for (s, b) in made {
            m.insert(s, b);
        }
        m.get(&start)
            .cloned()
            .ok_or_else(|| format!("the glyph helper made no range {start}"))
    }
}

async fn run_helper(
    helper: &Path,
    font: &Path,
    ranges: &[u32],
) -> Result<Vec<(u32, Bytes)>, String> {
    let list = ranges
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let child = tokio::process::Command::new(helper)
        .arg("glyphs")
        .arg("--font")
        .arg(font)
        .arg("--ranges")
        .arg(&list)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting the glyph helper {}: {e}", helper.display()))?;
    let out = tokio::time::timeout(Duration::from_secs(120), child.wait_with_output())
        .await
        .map_err(|_| "the glyph helper took over 120 s".to_string())?
        .map_err(|e| format!("the glyph helper: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "the glyph helper failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    if out.stdout.len() > MAX_HELPER_BYTES {
        return Err("the glyph helper sent too much".into());
    }
    read_frames(&out.stdout)
}

/// The helper's output: per range, its start and length (little-endian
/// u32 each), then the bytes.
pub fn write_frames(
    out: &mut impl std::io::Write,
    ranges: &[(u32, Vec<u8>)],
) -> std::io::Result<()> {
    for (start, bytes) in ranges {
        out.write_all(&start.to_le_bytes())?;
        out.write_all(&(bytes.len() as u32).to_le_bytes())?;
        out.write_all(bytes)?;
    }
    out.flush()
}

fn read_frames(mut b: &[u8]) -> Result<Vec<(u32, Bytes)>, String> {
    let mut out = Vec::new();
    while !b.is_empty() {
        let (head, rest) = b.split_at_checked(8).ok_or("a cut glyph frame")?;
        let start = u32::from_le_bytes([head[0], head[1], head[2], head[3]]);
        let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
        let (body, rest) = rest.split_at_checked(len).ok_or("a cut glyph frame")?;
        out.push((start, Bytes::copy_from_slice(body)));
        b = rest;
    }
    Ok(out)
}

/// What the helper does: parse the font, make the ranges.
pub fn make_ranges(font: &Path, ranges: &[u32]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    let bytes = std::fs::read(font).map_err(|e| format!("reading {}: {e}", font.display()))?;
    let face = FontFace::parse(&bytes).map_err(|e| format!("{}: {e}", font.display()))?;
    ranges
        .iter()
        .map(|&s| {
            generate_range(&face, s)
                .map(|b| (s, b))
                .map_err(|e| e.to_string())
        })
        .collect()
}

#[utoipa::path(get, path = "/fonts/{stack}/{file}", tag = "tiles",
    summary = "SDF glyphs for map labels, made from a local font",
    params(("stack" = String, Path, description = "Any name; the server's font is used"),
        ("file" = String, Path, description = "`0-255.pbf`, `256-511.pbf`, …")),
    responses((status = 200, description = "Glyph range protobuf", content_type = "application/x-protobuf"),
        (status = 400, body = crate::server::errors::ErrorBody), (status = 404, body = crate::server::errors::ErrorBody)))]
pub(crate) async fn glyph_range(
    State(state): State<Arc<AppState>>,
    UrlPath((stack, file)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    if stack.len() > 200 {
        return Err(ApiError::BadRequest("font stack name too long".into()));
    }
    let bad = || ApiError::BadRequest(format!("glyph ranges look like 0-255.pbf, not {file:?}"));
    let range = file.strip_suffix(".pbf").ok_or_else(bad)?;
    let (a, b) = range.split_once('-').ok_or_else(bad)?;
    let (start, end): (u32, u32) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    if start % 256 != 0 || end != start + 255 || start > 0xFF00 {
        return Err(ApiError::BadRequest(format!(
            "glyph range {start}-{end}: must be N*256-(N*256+255) within 0-65535"
        )));
    }
    let bytes = state
        .glyphs
        .range(start)
        .await
        .map_err(ApiError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-protobuf"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip() {
        let mut v = Vec::new();
        write_frames(&mut v, &[(0, vec![1, 2, 3]), (256, vec![])]).unwrap();
        let back = read_frames(&v).unwrap();
        assert_eq!(
            back,
            vec![(0, Bytes::from_static(&[1, 2, 3])), (256, Bytes::new())]
        );
        assert!(read_frames(&v[..5]).is_err());
    }
}

//! `/fonts/{fontstack}/{start}-{end}.pbf`: SDF glyph ranges for map labels,
//! made from a local font (Noto Sans CJK by default) on first request and
//! kept, so the map needs no font server on the internet.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

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

pub struct Glyphs {
    path: Option<PathBuf>,
    face: OnceLock<Result<FontFace, String>>,
    ranges: Mutex<HashMap<u32, Bytes>>,
}

impl Glyphs {
    /// The given font, or the first of the usual system fonts that exists.
    pub fn new(font: Option<&Path>) -> Self {
        let path = font
            .map(Path::to_path_buf)
            .or_else(|| CANDIDATES.iter().map(PathBuf::from).find(|p| p.exists()));
        Self {
            path,
            face: OnceLock::new(),
            ranges: Mutex::new(HashMap::new()),
        }
    }

    pub fn font_path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn face(&self) -> Result<&FontFace, String> {
        self.face
            .get_or_init(|| {
                let path = self
                    .path
                    .as_ref()
                    .ok_or("no font: install fonts-noto-cjk or pass --font FILE")?;
                let bytes =
                    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()))?;
                FontFace::parse(&bytes).map_err(|e| format!("{}: {e}", path.display()))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The range starting at `start`, made once.
    pub fn range(&self, start: u32) -> Result<Bytes, String> {
        if let Some(b) = self
            .ranges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&start)
        {
            return Ok(b.clone());
        }
        let made = Bytes::from(generate_range(self.face()?, start).map_err(|e| e.to_string())?);
        self.ranges
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(start, made.clone());
        Ok(made)
    }
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
    let glyphs = state.clone();
    let bytes = tokio::task::spawn_blocking(move || glyphs.glyphs.range(start))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
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

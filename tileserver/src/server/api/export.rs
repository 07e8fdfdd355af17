use std::io::{self, Write};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Uri, header};
use axum::response::Response;
use bytes::Bytes;
use geo_types::Geometry;
use partition::export::GeoJsonWriter;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::{grid_set, level, only};
use crate::export::grid_properties;
use crate::server::errors::query_map;
use crate::server::{ApiError, AppState};

/// Sends what is written in chunks down a channel, so a county's grids
/// stream out as they are written instead of being built in memory.
struct ChannelWriter {
    buf: Vec<u8>,
    tx: mpsc::Sender<Result<Bytes, io::Error>>,
}

const CHUNK: usize = 64 * 1024;

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// `GET /api/plans/{plan}/export.geojson?town=&village=&codes=&level=`:
/// RFC 7946 GeoJSON of the plan's grids (all, one town, one village, or
/// the listed codes), streamed.
pub(super) async fn geojson(
    State(state): State<Arc<AppState>>,
    Path(sel): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let q = query_map(&uri)?;
    only(&q, &["town", "village", "codes", "level"])?;
    let plan = state.plans.resolve(Some(&sel))?;
    let lvl = level(q.get("level"))?;
    let set = grid_set(&state, plan, lvl).await?;
    let codes: Option<Vec<String>> = q.get("codes").map(|c| {
        c.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    });
    if let Some(cs) = &codes
        && let Some(bad) = cs.iter().find(|c| set.index_of(c).is_none())
    {
        return Err(ApiError::NotFound(format!(
            "no {lvl} {:?} in plan {plan}",
            bad.chars().take(40).collect::<String>()
        )));
    }
    let town = q.get("town").cloned();
    let village = q.get("village").cloned();
    let picked: Vec<usize> = match &codes {
        Some(cs) => cs.iter().filter_map(|c| set.index_of(c)).collect(),
        None => set.matching(town.as_deref(), village.as_deref()),
    };
    if picked.is_empty() {
        return Err(ApiError::NotFound(format!(
            "no {lvl}s in plan {plan} match the filter"
        )));
    }
    let (tx, rx) = mpsc::channel(8);
    let writer = ChannelWriter {
        buf: Vec::with_capacity(CHUNK),
        tx: tx.clone(),
    };
    tokio::task::spawn_blocking(move || {
        let run = || -> io::Result<()> {
            let mut w = GeoJsonWriter::new(writer)?;
            for i in picked {
                let g = &set.grids[i];
                w.write_feature(
                    Some(&g.code),
                    &grid_properties(g),
                    &Geometry::MultiPolygon(g.geometry.clone()),
                )?;
            }
            w.finish()?.flush()
        };
        if let Err(e) = run()
            && e.kind() != io::ErrorKind::BrokenPipe
        {
            tracing::warn!(error = %e, "GeoJSON export failed mid-stream");
            let _ = tx.blocking_send(Err(e));
        }
    });
    let name = match (&codes, &town, &village) {
        (Some(_), _, _) => format!("plan{plan}-selected-{lvl}s.geojson"),
        (_, _, Some(v)) => format!("plan{plan}-village-{}.geojson", sanitize(v)),
        (_, Some(t), _) => format!("plan{plan}-town-{}.geojson", sanitize(t)),
        _ => format!("plan{plan}-{lvl}s.geojson"),
    };
    Response::builder()
        .header(header::CONTENT_TYPE, "application/geo+json")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from_stream(ReceiverStream::new(rx)))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Keeps a filter value safe inside a file name (codes are digits).
fn sanitize(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(20)
        .collect::<String>()
}

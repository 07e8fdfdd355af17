//! The SQL functions the GeoPackage R-tree triggers call (`ST_MinX`,
//! `ST_MaxX`, `ST_MinY`, `ST_MaxY`, `ST_IsEmpty`). GDAL and QGIS register
//! their own when they open the file; wangge must register them on each of
//! its connections or every insert would fail. sqlx has no safe API for
//! scalar functions, so this is the one place wangge calls SQLite's C API.

use std::ffi::c_int;

use geo::BoundingRect;
use geozero::ToGeo;
use geozero::wkb::GpkgWkb;
use libsqlite3_sys as ffi;

/// A geometry's bounds as the GeoPackage header states them (or, when a
/// writer left the envelope out, as computed from the WKB).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Envelope {
    pub min_x: f64,
    pub max_x: f64,
    pub min_y: f64,
    pub max_y: f64,
}

/// `None` for an empty geometry; `Err` for a blob that is not GeoPackage
/// geometry.
pub(crate) fn envelope(blob: &[u8]) -> Result<Option<Envelope>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry blob".into());
    }
    let flags = blob[3];
    if flags & 0b0001_0000 != 0 {
        return Ok(None);
    }
    let little = flags & 1 == 1;
    let env_kind = (flags >> 1) & 0b111;
    let read = |i: usize| -> Option<f64> {
        let b: [u8; 8] = blob.get(8 + i * 8..16 + i * 8)?.try_into().ok()?;
        Some(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    };
    if (1..=4).contains(&env_kind) {
        if let (Some(min_x), Some(max_x), Some(min_y), Some(max_y)) =
            (read(0), read(1), read(2), read(3))
        {
            return Ok(Some(Envelope {
                min_x,
                max_x,
                min_y,
                max_y,
            }));
        }
        return Err("truncated GeoPackage envelope".into());
    }
    let geom = GpkgWkb(blob).to_geo().map_err(|e| e.to_string())?;
    Ok(geom.bounding_rect().map(|r| Envelope {
        min_x: r.min().x,
        max_x: r.max().x,
        min_y: r.min().y,
        max_y: r.max().y,
    }))
}

#[derive(Clone, Copy)]
enum Which {
    MinX,
    MaxX,
    MinY,
    MaxY,
    IsEmpty,
}

const FUNCTIONS: [(&[u8], Which); 5] = [
    (b"ST_MinX\0", Which::MinX),
    (b"ST_MaxX\0", Which::MaxX),
    (b"ST_MinY\0", Which::MinY),
    (b"ST_MaxY\0", Which::MaxY),
    (b"ST_IsEmpty\0", Which::IsEmpty),
];

/// Registers the functions on one connection.
///
/// # Safety
/// `db` must be a valid, open connection handle that no other thread uses
/// during the call (sqlx's `LockedSqliteHandle` guarantees both).
pub(crate) unsafe fn register(db: *mut ffi::sqlite3) -> Result<(), String> {
    for (name, which) in FUNCTIONS {
        let f: unsafe extern "C" fn(
            *mut ffi::sqlite3_context,
            c_int,
            *mut *mut ffi::sqlite3_value,
        ) = match which {
            Which::MinX => min_x,
            Which::MaxX => max_x,
            Which::MinY => min_y,
            Which::MaxY => max_y,
            Which::IsEmpty => is_empty,
        };
        // SAFETY: `db` is valid per this function's contract; the name is
        // NUL-terminated and 'static; no user data is passed.
        let rc = unsafe {
            ffi::sqlite3_create_function_v2(
                db,
                name.as_ptr().cast(),
                1,
                ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
                std::ptr::null_mut(),
                Some(f),
                None,
                None,
                None,
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(format!(
                "registering {} failed with SQLite code {rc}",
                String::from_utf8_lossy(&name[..name.len() - 1])
            ));
        }
    }
    Ok(())
}

/// # Safety
/// Called by SQLite with one argument, as registered.
unsafe fn call(ctx: *mut ffi::sqlite3_context, argv: *mut *mut ffi::sqlite3_value, which: Which) {
    // SAFETY: SQLite passes exactly the one argument we registered.
    let value = unsafe { *argv };
    // SAFETY: `value` is a valid sqlite3_value for the duration of the call.
    unsafe {
        if ffi::sqlite3_value_type(value) == ffi::SQLITE_NULL {
            ffi::sqlite3_result_null(ctx);
            return;
        }
        let ptr = ffi::sqlite3_value_blob(value).cast::<u8>();
        let len = ffi::sqlite3_value_bytes(value);
        let blob: &[u8] = if ptr.is_null() || len <= 0 {
            &[]
        } else {
            std::slice::from_raw_parts(ptr, len as usize)
        };
        match (envelope(blob), which) {
            (Ok(e), Which::IsEmpty) => ffi::sqlite3_result_int(ctx, c_int::from(e.is_none())),
            (Ok(None), _) => ffi::sqlite3_result_null(ctx),
            (Ok(Some(e)), w) => ffi::sqlite3_result_double(
                ctx,
                match w {
                    Which::MinX => e.min_x,
                    Which::MaxX => e.max_x,
                    Which::MinY => e.min_y,
                    _ => e.max_y,
                },
            ),
            (Err(_), _) => ffi::sqlite3_result_null(ctx),
        }
    }
}

unsafe extern "C" fn min_x(
    ctx: *mut ffi::sqlite3_context,
    _n: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    unsafe { call(ctx, argv, Which::MinX) }
}
unsafe extern "C" fn max_x(
    ctx: *mut ffi::sqlite3_context,
    _n: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    unsafe { call(ctx, argv, Which::MaxX) }
}
unsafe extern "C" fn min_y(
    ctx: *mut ffi::sqlite3_context,
    _n: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    unsafe { call(ctx, argv, Which::MinY) }
}
unsafe extern "C" fn max_y(
    ctx: *mut ffi::sqlite3_context,
    _n: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    unsafe { call(ctx, argv, Which::MaxY) }
}
unsafe extern "C" fn is_empty(
    ctx: *mut ffi::sqlite3_context,
    _n: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    unsafe { call(ctx, argv, Which::IsEmpty) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::gpkg::geometry::encode;
    use geo_types::{Geometry, LineString};

    #[test]
    fn reads_the_envelope_we_write() {
        let g: Geometry<f64> = LineString::from(vec![(116.0, 40.0), (116.5, 39.5)]).into();
        let blob = encode(&g).unwrap();
        let e = envelope(&blob).unwrap().unwrap();
        assert_eq!(
            (e.min_x, e.max_x, e.min_y, e.max_y),
            (116.0, 116.5, 39.5, 40.0)
        );
        assert!(envelope(b"nonsense").is_err());
    }
}

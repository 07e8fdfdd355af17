//! Fixes read straight through SQLite's C API. sqlx's SQLite driver hands
//! rows one at a time over a channel from its worker thread and copies
//! every value: about 4 µs a fix, so a worker's day at 1 Hz (86,400 fixes)
//! took 300 ms to read (perf: futex wake-ups, malloc, `sqlite3_value_dup`).
//! Stepping the statement on a locked handle costs a small part of that;
//! replay and the tracks tiles read many fixes.

use std::ffi::{CStr, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use ops::positions::{Fix, UnixMs};
use ops::roster::WorkerId;
use sqlx::SqlitePool;

use super::c_api::{Statement, message, with_handle};
use crate::store::StoreError;

/// What the fixes are selected by.
#[derive(Debug, Clone, Copy)]
pub(crate) enum FixesOf {
    Worker,
    County,
}

impl FixesOf {
    fn sql(self) -> &'static CStr {
        match self {
            Self::Worker => {
                c"SELECT worker_id, t, lon, lat, accuracy, speed, heading, battery FROM positions \
                 WHERE worker_id = ?1 AND t >= ?2 AND t < ?3 ORDER BY worker_id, t"
            }
            Self::County => {
                c"SELECT worker_id, t, lon, lat, accuracy, speed, heading, battery FROM positions \
                 WHERE county = ?1 AND t >= ?2 AND t < ?3 ORDER BY worker_id, t"
            }
        }
    }
}

/// The fixes of a worker or a county in `[from, to)`, by worker and time.
pub(crate) async fn read_fixes(
    pool: &SqlitePool,
    of: FixesOf,
    key: &str,
    from: UnixMs,
    to: UnixMs,
) -> Result<Vec<Fix>, StoreError> {
    let key = key.to_string();
    let context = format!("reading the positions of {key}");
    with_handle(pool, context, move |db| {
        // SAFETY: `with_handle` gives a valid handle used by no one else.
        unsafe { select(db, of, &key, from, to) }
    })
    .await
}

/// # Safety
/// `db` must be a valid handle no other thread uses meanwhile.
unsafe fn select(
    db: *mut ffi::sqlite3,
    of: FixesOf,
    key: &str,
    from: UnixMs,
    to: UnixMs,
) -> Result<Vec<Fix>, String> {
    let mut raw = ptr::null_mut();
    // SAFETY: a NUL-terminated statement; `raw` receives it.
    let rc =
        unsafe { ffi::sqlite3_prepare_v2(db, of.sql().as_ptr(), -1, &mut raw, ptr::null_mut()) };
    if rc != ffi::SQLITE_OK {
        return Err(message(db));
    }
    let stmt = Statement(raw);
    let len = c_int::try_from(key.len()).map_err(|_| "key too long".to_string())?;
    // SAFETY: SQLITE_TRANSIENT makes SQLite copy the key before returning.
    unsafe {
        if ffi::sqlite3_bind_text(stmt.0, 1, key.as_ptr().cast(), len, ffi::SQLITE_TRANSIENT())
            != ffi::SQLITE_OK
            || ffi::sqlite3_bind_int64(stmt.0, 2, from.0) != ffi::SQLITE_OK
            || ffi::sqlite3_bind_int64(stmt.0, 3, to.0) != ffi::SQLITE_OK
        {
            return Err(message(db));
        }
    }
    let mut out = Vec::new();
    let mut worker: Option<(Vec<u8>, WorkerId)> = None;
    loop {
        // SAFETY: a prepared, bound statement.
        match unsafe { ffi::sqlite3_step(stmt.0) } {
            ffi::SQLITE_ROW => {}
            ffi::SQLITE_DONE => break,
            _ => return Err(message(db)),
        }
        // SAFETY: column 0 is text; the bytes stay valid until the next
        // step, and are copied before it.
        let id = unsafe {
            let p = ffi::sqlite3_column_text(stmt.0, 0);
            let n = ffi::sqlite3_column_bytes(stmt.0, 0);
            if p.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(p, usize::try_from(n).unwrap_or(0))
            }
        };
        // Rows come by worker: parse an id once for its run of fixes.
        if worker.as_ref().is_none_or(|(b, _)| b.as_slice() != id) {
            let text = std::str::from_utf8(id).map_err(|e| format!("a worker id: {e}"))?;
            let parsed = WorkerId::parse(text).map_err(|e| format!("worker {text:?}: {e}"))?;
            worker = Some((id.to_vec(), parsed));
        }
        let Some((_, w)) = &worker else { continue };
        // SAFETY: in-range column indices of the current row.
        let fix = unsafe {
            Fix {
                worker: w.clone(),
                time: UnixMs(ffi::sqlite3_column_int64(stmt.0, 1)),
                lon: ffi::sqlite3_column_double(stmt.0, 2),
                lat: ffi::sqlite3_column_double(stmt.0, 3),
                accuracy: optional(stmt.0, 4),
                speed: optional(stmt.0, 5),
                heading: optional(stmt.0, 6),
                battery: optional(stmt.0, 7),
            }
        };
        out.push(fix);
    }
    Ok(out)
}

/// # Safety
/// `stmt` must have a current row with column `i`.
unsafe fn optional(stmt: *mut ffi::sqlite3_stmt, i: c_int) -> Option<f32> {
    // SAFETY: as the caller promises.
    unsafe {
        (ffi::sqlite3_column_type(stmt, i) != ffi::SQLITE_NULL)
            .then(|| ffi::sqlite3_column_double(stmt, i) as f32)
    }
}

//! Cases with their events for the KPIs, stepped through SQLite's C API
//! (as [`super::fix_reader`] reads fixes, and for the same reason: sqlx
//! hands rows over a channel one at a time, about 15 µs a row here, so a
//! month of a million-case county took 1.5 s and a year timed out).

use std::ffi::{CStr, CString, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use ops::cases::{Actor, Event, Level, Satisfaction, Status};
use ops::positions::UnixMs;
use sqlx::SqlitePool;

use super::c_api::{Statement, message, with_handle};
use crate::store::StoreError;
use crate::store::cases::{Arg, KpiCase};

/// Runs `sql` (its `$N` placeholders bound to `args`) — which selects a
/// case's id, grid_code, category, source, reported_at and reported_level
/// then one event's seq, at, from_status, to_status, level, actor,
/// by_name, note, unit, satisfaction and duplicate_of, a case's rows
/// together — and folds each case into `acc`.
pub(crate) async fn fold_cases<A: Send + 'static>(
    pool: &SqlitePool,
    sql: String,
    args: Vec<Arg>,
    acc: A,
    mut each: impl FnMut(&mut A, &KpiCase) + Send + 'static,
) -> Result<A, StoreError> {
    with_handle(pool, "reading cases and their events".into(), move |db| {
        let mut acc = acc;
        // SAFETY: `with_handle` gives a valid handle used by no one else.
        unsafe { step_cases(db, &sql, &args, &mut |c| each(&mut acc, c)) }?;
        Ok(acc)
    })
    .await
}

/// # Safety
/// `stmt` must have a current row with column `i`.
unsafe fn text(stmt: *mut ffi::sqlite3_stmt, i: c_int) -> Option<String> {
    // SAFETY: as the caller promises; the bytes are copied at once.
    unsafe {
        if ffi::sqlite3_column_type(stmt, i) == ffi::SQLITE_NULL {
            return None;
        }
        let p = ffi::sqlite3_column_text(stmt, i);
        let n = usize::try_from(ffi::sqlite3_column_bytes(stmt, i)).unwrap_or(0);
        if p.is_null() {
            return Some(String::new());
        }
        Some(String::from_utf8_lossy(std::slice::from_raw_parts(p, n)).into_owned())
    }
}

/// # Safety
/// As [`text`].
unsafe fn int(stmt: *mut ffi::sqlite3_stmt, i: c_int) -> Option<i64> {
    // SAFETY: as the caller promises.
    unsafe {
        (ffi::sqlite3_column_type(stmt, i) != ffi::SQLITE_NULL)
            .then(|| ffi::sqlite3_column_int64(stmt, i))
    }
}

/// # Safety
/// `db` must be a valid handle no other thread uses meanwhile.
unsafe fn step_cases(
    db: *mut ffi::sqlite3,
    sql: &str,
    args: &[Arg],
    each: &mut dyn FnMut(&KpiCase),
) -> Result<(), String> {
    let sql = CString::new(sql).map_err(|e| e.to_string())?;
    let mut raw = ptr::null_mut();
    // SAFETY: a NUL-terminated statement; `raw` receives it.
    if unsafe { ffi::sqlite3_prepare_v2(db, sql.as_ptr(), -1, &mut raw, ptr::null_mut()) }
        != ffi::SQLITE_OK
    {
        return Err(message(db));
    }
    let stmt = Statement(raw);
    // Placeholders are `$N`, numbered by the argument they take.
    // SAFETY: a prepared statement; names are NUL-terminated.
    let count = unsafe { ffi::sqlite3_bind_parameter_count(stmt.0) };
    for i in 1..=count {
        let name = unsafe { ffi::sqlite3_bind_parameter_name(stmt.0, i) };
        let n: usize = if name.is_null() {
            usize::try_from(i).unwrap_or(0)
        } else {
            // SAFETY: non-null names are NUL-terminated, owned by SQLite.
            let name = unsafe { CStr::from_ptr(name) }.to_string_lossy();
            name.trim_start_matches(['$', '?'])
                .parse()
                .map_err(|_| format!("placeholder {name} is not $N"))?
        };
        let arg = args
            .get(n.wrapping_sub(1))
            .ok_or_else(|| format!("no value for placeholder ${n}"))?;
        // SAFETY: SQLITE_TRANSIENT makes SQLite copy the text at once.
        let rc = unsafe {
            match arg {
                Arg::Int(v) => ffi::sqlite3_bind_int64(stmt.0, i, *v),
                Arg::Text(t) => ffi::sqlite3_bind_text(
                    stmt.0,
                    i,
                    t.as_ptr().cast(),
                    c_int::try_from(t.len()).map_err(|_| "text too long".to_string())?,
                    ffi::SQLITE_TRANSIENT(),
                ),
            }
        };
        if rc != ffi::SQLITE_OK {
            return Err(message(db));
        }
    }
    let mut current: Option<KpiCase> = None;
    loop {
        // SAFETY: a prepared, bound statement.
        match unsafe { ffi::sqlite3_step(stmt.0) } {
            ffi::SQLITE_ROW => {}
            ffi::SQLITE_DONE => break,
            _ => return Err(message(db)),
        }
        // SAFETY: in-range columns of the current row.
        let id = unsafe { ffi::sqlite3_column_int64(stmt.0, 0) };
        if current.as_ref().is_none_or(|c| c.id != id) {
            if let Some(done) = current.take() {
                each(&done);
            }
            // SAFETY: as above.
            current = Some(unsafe {
                KpiCase {
                    id,
                    grid_code: text(stmt.0, 1).unwrap_or_default(),
                    category: text(stmt.0, 2).unwrap_or_default(),
                    source: text(stmt.0, 3).unwrap_or_default(),
                    reported_at: ffi::sqlite3_column_int64(stmt.0, 4),
                    reported_level: ffi::sqlite3_column_int(stmt.0, 5),
                    events: Vec::new(),
                }
            });
        }
        // SAFETY: as above.
        let Some(seq) = (unsafe { int(stmt.0, 6) }) else {
            continue;
        };
        let bad = |what: String| format!("event {seq} of case {id}: {what}");
        // SAFETY: as above.
        let e = unsafe {
            let status = |i| -> Result<Option<Status>, String> {
                text(stmt.0, i)
                    .map(|s| Status::parse(&s).ok_or_else(|| bad(format!("status {s:?}"))))
                    .transpose()
            };
            let actor = text(stmt.0, 11).unwrap_or_default();
            Event {
                at: UnixMs(int(stmt.0, 7).unwrap_or(0)),
                from: status(8)?,
                to: status(9)?.ok_or_else(|| bad("no status".into()))?,
                level: Level::new(int(stmt.0, 10).unwrap_or(0).clamp(0, 255) as u8).map_err(bad)?,
                actor: Actor::parse(&actor).ok_or_else(|| bad(format!("actor {actor:?}")))?,
                by: text(stmt.0, 12).unwrap_or_default(),
                note: text(stmt.0, 13).unwrap_or_default(),
                unit: text(stmt.0, 14),
                satisfaction: text(stmt.0, 15).as_deref().and_then(Satisfaction::parse),
                duplicate_of: int(stmt.0, 16),
            }
        };
        if let Some(c) = current.as_mut() {
            c.events.push(e);
        }
    }
    if let Some(done) = current {
        each(&done);
    }
    Ok(())
}

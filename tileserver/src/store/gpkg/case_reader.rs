//! Cases' KPI columns, stepped through SQLite's C API (as
//! [`super::fix_reader`] reads fixes, and for the same reason: sqlx hands
//! rows over a channel one at a time, about 15 µs a row here, so a month
//! of a million-case county took 1.5 s and a year timed out).

use std::ffi::{CStr, CString, c_int};
use std::ptr;

use libsqlite3_sys as ffi;
use sqlx::SqlitePool;

use super::c_api::{Statement, message, with_handle};
use crate::store::StoreError;
use crate::store::cases::{Arg, KpiCase, KpiFold, KpiRow};

/// Runs `sql` (its `$N` placeholders bound to `args`), which selects
/// [`crate::store::cases::KPI_COLUMNS`], and hands each row to `fold`.
pub(crate) async fn fold_rows<A, F>(
    pool: &SqlitePool,
    sql: String,
    args: Vec<Arg>,
    fold: KpiFold<A, F>,
) -> Result<KpiFold<A, F>, StoreError>
where
    A: Send + 'static,
    F: FnMut(&mut A, &KpiCase) + Send + 'static,
{
    with_handle(pool, "reading cases for their KPIs".into(), move |db| {
        let mut fold = fold;
        // SAFETY: `with_handle` gives a valid handle used by no one else.
        unsafe { step_rows(db, &sql, &args, &mut |r| fold.row(r)) }?;
        Ok(fold)
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
unsafe fn step_rows(
    db: *mut ffi::sqlite3,
    sql: &str,
    args: &[Arg],
    each: &mut dyn FnMut(KpiRow),
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
    loop {
        // SAFETY: a prepared, bound statement.
        match unsafe { ffi::sqlite3_step(stmt.0) } {
            ffi::SQLITE_ROW => {}
            ffi::SQLITE_DONE => return Ok(()),
            _ => return Err(message(db)),
        }
        let i32_of = |v: i64| i32::try_from(v).unwrap_or(0);
        // SAFETY: in-range columns of the current row.
        let r = unsafe {
            KpiRow {
                id: ffi::sqlite3_column_int64(stmt.0, 0),
                grid_code: text(stmt.0, 1).unwrap_or_default(),
                category: text(stmt.0, 2).unwrap_or_default(),
                source: text(stmt.0, 3).unwrap_or_default(),
                reported_at: ffi::sqlite3_column_int64(stmt.0, 4),
                reported_level: ffi::sqlite3_column_int(stmt.0, 5),
                level: ffi::sqlite3_column_int(stmt.0, 6),
                status: text(stmt.0, 7).unwrap_or_default(),
                since: ffi::sqlite3_column_int64(stmt.0, 8),
                dispatched_at: int(stmt.0, 9),
                closed_at: int(stmt.0, 10),
                accepted_at: int(stmt.0, 11),
                dispatch_level: int(stmt.0, 12).map(i32_of),
                last_satisfaction: text(stmt.0, 13),
                last_at: int(stmt.0, 14),
            }
        };
        each(r);
    }
}

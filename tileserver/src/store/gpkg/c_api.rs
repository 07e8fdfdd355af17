//! What the readers that step SQLite's C API share: a pooled connection's
//! raw handle on a blocking thread, a statement that is finalised when
//! dropped, and the handle's last error as text.

use std::ffi::CStr;

use libsqlite3_sys as ffi;
use sqlx::SqlitePool;

use crate::store::StoreError;

/// Runs `read` on a pooled connection's raw handle. The stepping blocks for
/// as long as the read takes: off the async workers, on a thread of its
/// own holding the connection. `read`'s error becomes a `StoreError` with
/// `context`.
pub(crate) async fn with_handle<T: Send + 'static>(
    pool: &SqlitePool,
    context: String,
    read: impl FnOnce(*mut ffi::sqlite3) -> Result<T, String> + Send + 'static,
) -> Result<T, StoreError> {
    let fail = {
        let context = context.clone();
        move |message: String| StoreError::Sql {
            context: context.clone(),
            source: sqlx::Error::Protocol(message),
        }
    };
    let mut conn = pool.acquire().await.map_err(|e| fail(e.to_string()))?;
    let runtime = tokio::runtime::Handle::current();
    let on_thread = fail.clone();
    tokio::task::spawn_blocking(move || {
        let mut handle = runtime
            .block_on(conn.lock_handle())
            .map_err(|e| on_thread(e.to_string()))?;
        // `db` is valid and ours alone while `handle` lives, which
        // outlasts `read` and the statements it finalises.
        read(handle.as_raw_handle().as_ptr()).map_err(on_thread)
    })
    .await
    .map_err(|e| fail(e.to_string()))?
}

/// A prepared statement, finalised when dropped.
pub(crate) struct Statement(pub(crate) *mut ffi::sqlite3_stmt);

impl Drop for Statement {
    fn drop(&mut self) {
        // SAFETY: prepared by `sqlite3_prepare_v2`, finalised once.
        unsafe { ffi::sqlite3_finalize(self.0) };
    }
}

/// The handle's last error message.
pub(crate) fn message(db: *mut ffi::sqlite3) -> String {
    // SAFETY: SQLite returns a NUL-terminated string owned by the handle.
    unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) }
        .to_string_lossy()
        .into_owned()
}

//! What the readers that step SQLite's C API share: a statement that is
//! finalised when dropped, and the handle's last error as text.

use std::ffi::CStr;

use libsqlite3_sys as ffi;

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

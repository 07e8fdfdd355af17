//! Live heap bytes, counted by a wrapper around the global allocator.
//!
//! A long-running server's RSS can grow from a leak (live bytes grow) or
//! from the allocator keeping freed pages (live bytes flat): only a count
//! of live bytes tells the two apart, so `/metrics` reports it beside RSS.
//! No allocator crate reports this for any inner allocator, hence our own.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

/// Bytes allocated and not yet freed, as flushed by the threads.
static LIVE: AtomicIsize = AtomicIsize::new(0);
static INSTALLED: AtomicBool = AtomicBool::new(false);

/// A thread's count goes to `LIVE` once it passes this, so the shared
/// counter is touched rarely, not on every allocation.
const FLUSH: isize = 64 * 1024;

/// A thread's unflushed count, handed over when the thread ends.
struct Pending(Cell<isize>);

impl Drop for Pending {
    fn drop(&mut self) {
        LIVE.fetch_add(self.0.get(), Ordering::Relaxed);
    }
}

thread_local! {
    static PENDING: Pending = const { Pending(Cell::new(0)) };
}

fn note(delta: isize) {
    let counted = PENDING.try_with(|p| {
        let v = p.0.get() + delta;
        if v.abs() >= FLUSH {
            LIVE.fetch_add(v, Ordering::Relaxed);
            p.0.set(0);
        } else {
            p.0.set(v);
        }
    });
    // During a thread's teardown its slot is gone: count directly.
    if counted.is_err() {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

/// The global allocator `A`, counting live bytes.
pub struct Counting<A>(pub A);

// SAFETY: every call is passed to `A` unchanged; only a counter is kept.
unsafe impl<A: GlobalAlloc> GlobalAlloc for Counting<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is passed on.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            note(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { self.0.dealloc(ptr, layout) };
        note(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            note(new_size as isize - layout.size() as isize);
        }
        p
    }
}

impl<A> Counting<A> {
    pub const fn new(inner: A) -> Self {
        Self(inner)
    }
}

/// Called once by a program that installed `Counting` as its allocator.
pub fn mark_installed() {
    INSTALLED.store(true, Ordering::Relaxed);
}

/// Live heap bytes (within 64 KiB a thread), when the program counts them.
pub fn live_bytes() -> Option<u64> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| LIVE.load(Ordering::Relaxed).max(0) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_is_allocated_and_freed() {
        let a = Counting::new(std::alloc::System);
        let before = std::thread::spawn(move || {
            let layout = Layout::from_size_align(1 << 20, 8).expect("layout");
            // SAFETY: a valid layout; the block is freed with the same one.
            let p = unsafe { a.alloc(layout) };
            assert!(!p.is_null());
            let held = LIVE.load(Ordering::Relaxed);
            // SAFETY: allocated above with this layout.
            unsafe { a.dealloc(p, layout) };
            held
        })
        .join()
        .expect("thread");
        assert!(before >= 1 << 20);
        assert!(LIVE.load(Ordering::Relaxed) < 1 << 20);
    }
}

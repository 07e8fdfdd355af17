//! `wangge`: the command-line program that ties the crates together.

mod cli;

use std::process::ExitCode;

use clap::Parser;

// The tile server allocates and frees many small buffers per request from
// several threads; glibc's malloc spent a sixth of a cold tile request
// (perf, bench/tiles.sh); mimalloc does that work in a fraction. Live
// bytes are counted so `/metrics` tells a leak from allocator retention.
#[global_allocator]
static GLOBAL: tileserver::server::heap::Counting<mimalloc::MiMalloc> =
    tileserver::server::heap::Counting::new(mimalloc::MiMalloc);

/// mimalloc's `mi_option_purge_delay` and `mi_option_abandoned_page_purge`
/// (their places in `mi_option_e`, mimalloc v2's `mimalloc.h`; the sys
/// crate names neither).
const MI_OPTION_ABANDONED_PAGE_PURGE: libmimalloc_sys::mi_option_t = 12;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    tileserver::server::heap::mark_installed();
    // Freed pages go back to the system at once, not after a delay that
    // only runs out when the freeing thread allocates again: threads that
    // ran a partition and went idle otherwise kept its memory (a soak's
    // RSS grew 18 % over 30 min with a flat live heap; see bench/soak.sh).
    // SAFETY: setting options is allowed at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_ABANDONED_PAGE_PURGE, 1);
    }
    let args = cli::Cli::parse();
    // sqlx warns of slow statements at `warn`: noise for a command-line
    // user, so only with -v or WANGGE_LOG.
    let filter = tracing_subscriber::EnvFilter::try_from_env("WANGGE_LOG").unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(if args.verbose {
            "info"
        } else {
            "warn,sqlx=error"
        })
    });
    // Colour codes only on a terminal: a log file or a pipe gets plain text.
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", message(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes, each said once: library errors already name
/// their cause in their own message, which `{:#}` would print again.
fn message(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for part in e.chain().map(|c| c.to_string()) {
        if out.contains(&part) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&part);
    }
    out
}

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tileserver::server::ServerConfig;

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    /// Address to listen on (keep it on 127.0.0.1 unless a proxy fronts it).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Memory for encoded, compressed tiles in MiB; 0 turns the cache off.
    #[arg(long, default_value_t = 256)]
    cache_mb: u64,
    /// The built web map to serve at / (default: web-map/dist when built).
    #[arg(long, value_name = "DIR")]
    web: Option<PathBuf>,
    /// Font for label glyphs (default: Noto Sans CJK from fonts-noto-cjk).
    #[arg(long, value_name = "FILE")]
    font: Option<PathBuf>,
    /// Build tile sources on first request instead of before serving.
    #[arg(long)]
    lazy: bool,
    /// Threads answering HTTP (default: one per core); tile encoding has
    /// its own pool of one per core.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    workers: Option<u16>,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    let rt = super::runtime_with(a.workers.map(usize::from))?;
    rt.block_on(async {
        let store = a.store.open().await?;
        eprintln!(
            "serving {} on http://{}/ (style: /style.json, tiles: /tiles/{{sources}}/{{z}}/{{x}}/{{y}}.mvt, API: /openapi.json)",
            a.store.shown(),
            a.addr
        );
        let config = ServerConfig {
            cache_mb: a.cache_mb,
            web_dir: a.web,
            font: a.font,
            prewarm: !a.lazy,
        };
        tileserver::server::serve(store, a.addr, config)
            .await
            .with_context(|| format!("serving on {}", a.addr))
    })
}

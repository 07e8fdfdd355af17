use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use tileserver::store::GpkgStore;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The GeoPackage store.
    #[arg(long)]
    store: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    let rt = super::runtime()?;
    rt.block_on(async {
        let store = GpkgStore::open(&a.store)
            .await
            .with_context(|| format!("opening {}", a.store.display()))?;
        eprintln!(
            "serving {} on http://{}/ (tiles: /tiles/grids/{{z}}/{{x}}/{{y}}.mvt)",
            a.store.display(),
            a.addr
        );
        tileserver::server::serve(store, a.addr)
            .await
            .with_context(|| format!("serving on {}", a.addr))
    })
}

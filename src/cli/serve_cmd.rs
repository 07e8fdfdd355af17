use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use tileserver::server::ServerConfig;
use tileserver::server::listener::Limits;

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
    /// Let anyone read (map, tiles, API reads) without signing in — for
    /// demos. Writes still need a planner or admin.
    #[arg(long)]
    public_read: bool,
    /// A host name (or host:port) this server answers for, besides the
    /// listening address and localhost (repeatable). Requests naming any
    /// other host get 421: a web page cannot reach the server by
    /// rebinding its own name to this address.
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// An origin (scheme://host[:port]) whose pages may call this server
    /// from the browser (repeatable); none by default.
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Requests a second per token, signed-in user or (for anonymous
    /// callers) address; 0 turns the limit off.
    #[arg(long, default_value_t = 200.0)]
    rate_limit: f64,
    /// Requests allowed at once above the rate.
    #[arg(long, default_value_t = 400.0)]
    rate_burst: f64,
    /// Seconds a request may take to answer (its head; bodies may stream on).
    #[arg(long, default_value_t = 30)]
    request_timeout: u64,
    /// Seconds for a request's headers to arrive.
    #[arg(long, default_value_t = Limits::default().header_timeout.as_secs())]
    header_timeout: u64,
    /// Seconds a request body may pause between two pieces.
    #[arg(long, default_value_t = Limits::default().body_timeout.as_secs())]
    body_timeout: u64,
    /// Seconds a keep-alive connection may stay idle.
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    idle_timeout: u64,
    /// Connections served at once.
    #[arg(long, default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds requests under way get to finish after SIGTERM.
    #[arg(long, default_value_t = Limits::default().shutdown_grace.as_secs())]
    shutdown_grace: u64,
    /// Serve HTTPS (and HTTP/2) with this PEM certificate chain.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Hours a browser's sign-in lasts.
    #[arg(long, default_value_t = 12)]
    session_hours: u32,
    /// Seconds a write waits for another program's lock on the store (QGIS,
    /// an import) before the request gets 503 with Retry-After.
    #[arg(long, default_value_t = 2.0)]
    busy_timeout: f64,
    /// MiB the tile sources of plans not in force may hold; the least
    /// recently used are dropped past it (and rebuilt when asked for).
    #[arg(long, default_value_t = 512)]
    sources_mb: u64,
    /// Plans not in force a county may have before the API refuses to
    /// partition again (delete old ones first).
    #[arg(long, default_value_t = 30)]
    max_plans: usize,
    /// Seconds one PostGIS statement may run (0: no limit).
    #[arg(long, default_value_t = 60)]
    statement_timeout: u64,
    /// Seconds without a fix after which a worker counts as offline.
    #[arg(long, default_value_t = 300)]
    online_timeout: u64,
    /// GPS fixes one batch may hold (413 past it).
    #[arg(long, default_value_t = 10_000)]
    max_batch: usize,
    /// Delete GPS fixes older than this many days, hourly (default: keep all).
    #[arg(long, value_name = "DAYS")]
    keep_days: Option<u32>,
    /// The case categories as JSON ({"categories": [{code, name,
    /// deadline_hours: [grid, village, town, county], target_change}]});
    /// default: the plans' 15 categories.
    #[arg(long, value_name = "FILE.json")]
    case_categories: Option<std::path::PathBuf>,
    /// Seconds between looks for overdue cases to escalate.
    #[arg(long, default_value_t = 30)]
    escalate_every: u64,
}

pub fn run(a: ServeArgs) -> anyhow::Result<()> {
    if !a.rate_limit.is_finite() || a.rate_limit < 0.0 {
        bail!(
            "--rate-limit {}: a number of requests a second, or 0",
            a.rate_limit
        );
    }
    let mut config = ServerConfig::on(a.addr);
    config.cache_mb = a.cache_mb;
    config.web_dir = a.web.clone();
    config.font = a.font.clone();
    config.prewarm = !a.lazy;
    config.public_read = a.public_read;
    config.allowed_hosts.names.extend(
        a.allowed_hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase()),
    );
    for o in &a.cors_origins {
        if !(o.starts_with("http://") || o.starts_with("https://")) || o.ends_with('/') {
            bail!(
                "--cors-origin {o:?}: an origin is scheme://host[:port], e.g. https://gis.example.org"
            );
        }
    }
    config.cors_origins = a.cors_origins.clone();
    config.rate_limit = a.rate_limit;
    config.rate_burst = a.rate_burst.max(1.0);
    config.request_timeout = Duration::from_secs(a.request_timeout.max(1));
    config.limits = Limits {
        max_connections: a.max_connections.max(1),
        header_timeout: Duration::from_secs(a.header_timeout.max(1)),
        body_timeout: Duration::from_secs(a.body_timeout.max(1)),
        idle_timeout: Duration::from_secs(a.idle_timeout.max(1)),
        shutdown_grace: Duration::from_secs(a.shutdown_grace),
        ..Limits::default()
    };
    config.tls = a.tls_cert.clone().zip(a.tls_key.clone());
    config.session_hours = a.session_hours.max(1);
    config.sources_mb = a.sources_mb;
    config.max_plans = a.max_plans;
    if a.online_timeout == 0 || a.max_batch == 0 || a.max_batch > 20_000 {
        bail!("--online-timeout must be above 0 s and --max-batch within 1–20000");
    }
    config.online_timeout = std::time::Duration::from_secs(a.online_timeout);
    config.max_batch = a.max_batch;
    if a.keep_days == Some(0) {
        bail!("--keep-days: at least 1 (leave it out to keep every fix)");
    }
    config.keep_days = a.keep_days;
    config.escalate_every = Duration::from_secs(a.escalate_every.clamp(1, 3600));
    if let Some(path) = &a.case_categories {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the case categories {}", path.display()))?;
        config.case_categories = ops::cases::Catalogue::from_json(&text)
            .with_context(|| format!("the case categories {}", path.display()))?;
    }
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let rt = super::runtime_with(a.workers.map(usize::from))?;
    if !a.busy_timeout.is_finite() || !(0.0..=600.0).contains(&a.busy_timeout) {
        bail!("--busy-timeout {}: seconds, 0 to 600", a.busy_timeout);
    }
    let waits = tileserver::store::Waits {
        lock: Duration::from_secs_f64(a.busy_timeout),
        statement: (a.statement_timeout > 0).then(|| Duration::from_secs(a.statement_timeout)),
    };
    rt.block_on(async {
        let store = a.store.open_with(&waits).await?;
        eprintln!(
            "serving {} on {scheme}://{}/ (style: /style.json, tiles: /tiles/{{sources}}/{{z}}/{{x}}/{{y}}.mvt, API: /openapi.json){}",
            a.store.shown(),
            a.addr,
            if a.public_read {
                "; anyone may read (--public-read)"
            } else {
                "; sign in or send a bearer token to read"
            }
        );
        tileserver::server::serve(store, config)
            .await
            .with_context(|| format!("serving on {}", a.addr))
    })
}

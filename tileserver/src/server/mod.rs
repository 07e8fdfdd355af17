//! The HTTP server: vector tiles, TileJSON, the style and its glyphs, the
//! REST API, accounts, metrics, and the web map's files — on either store,
//! every request through one pipeline ([`pipeline`]).

mod api;
mod cache;
mod changes;
mod credentials;
mod errors;
pub mod escalation;
mod glyphs;
pub mod heap;
mod ingest;
pub mod listener;
pub mod live;
mod meta;
mod metrics;
mod params;
pub mod pipeline;
mod plan_index;
mod registry;
mod routes;
mod style;
mod tile_request;
mod tiles;
mod tls;
mod web;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::source::{BuildAt, Builtin, CaseSource, FixSource, SourceBasis};
use crate::store::{Store, StoreError};

pub use errors::ApiError;
pub use glyphs::{make_ranges as make_glyph_ranges, write_frames as write_glyph_frames};
pub use pipeline::host::AllowedHosts;
pub use routes::openapi_document;
pub use style::style_doc;
pub use tls::TlsError;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// The address it listens on.
    pub addr: SocketAddr,
    /// Memory for encoded tiles, MiB; 0 turns the cache off.
    pub cache_mb: u64,
    /// The built web map (default: `web-map/dist` when present).
    pub web_dir: Option<PathBuf>,
    /// The font for label glyphs (default: Noto Sans CJK from fonts-noto-cjk).
    pub font: Option<PathBuf>,
    /// Build the active plans' and the basemaps' sources before serving.
    pub prewarm: bool,
    /// Anonymous callers may read (demos).
    pub public_read: bool,
    /// The `Host` values answered.
    pub allowed_hosts: AllowedHosts,
    /// Origins granted cross-origin access.
    pub cors_origins: Vec<String>,
    /// Requests a second per credential (or address); 0 turns limits off.
    pub rate_limit: f64,
    /// Requests at once above the rate.
    pub rate_burst: f64,
    /// For a response's head.
    pub request_timeout: Duration,
    /// Connection bounds.
    pub limits: listener::Limits,
    /// PEM certificate chain and key for HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// How long a browser session lasts.
    pub session_hours: u32,
    /// MiB the tile sources of plans not in force may hold together.
    pub sources_mb: u64,
    /// Plans not in force a county may have before the API refuses to
    /// make more (delete some first).
    pub max_plans: usize,
    /// The program that makes glyph ranges (`wangge glyphs`; default this
    /// process's own executable).
    pub glyph_helper: Option<PathBuf>,
    /// A worker is online while its latest fix is younger than this.
    pub online_timeout: Duration,
    /// Fixes a batch may hold.
    pub max_batch: usize,
    /// Fixes older than this many days are deleted hourly; `None` keeps all.
    pub keep_days: Option<u32>,
    /// The case categories, their deadlines and targets.
    pub case_categories: ops::cases::Catalogue,
    /// How often overdue cases are escalated.
    pub escalate_every: Duration,
}

impl ServerConfig {
    /// The defaults for a server on `addr`: it answers for that address
    /// and `localhost` only.
    pub fn on(addr: SocketAddr) -> Self {
        // The listening address itself, on any port (an address cannot
        // be rebound, only a name can), and `localhost`.
        let ip = match addr.ip() {
            std::net::IpAddr::V6(v6) => format!("[{v6}]"),
            v4 => v4.to_string(),
        };
        let mut names = vec!["localhost".to_string(), ip];
        if addr.ip().is_loopback() {
            names.push("127.0.0.1".into());
            names.push("[::1]".into());
        }
        Self {
            addr,
            cache_mb: 256,
            web_dir: None,
            font: None,
            prewarm: true,
            public_read: false,
            allowed_hosts: AllowedHosts {
                names,
                any_ip: addr.ip().is_unspecified(),
            },
            cors_origins: Vec::new(),
            rate_limit: 200.0,
            rate_burst: 400.0,
            request_timeout: Duration::from_secs(30),
            limits: listener::Limits::default(),
            tls: None,
            session_hours: 12,
            sources_mb: 512,
            max_plans: 30,
            glyph_helper: None,
            online_timeout: Duration::from_secs(300),
            max_batch: 10_000,
            keep_days: None,
            case_categories: ops::cases::Catalogue::standard(),
            escalate_every: escalation::EVERY,
        }
    }
}

/// What every request shares (each part built once, shared behind `Arc`).
pub struct AppState {
    pub store: Store,
    pub config: ServerConfig,
    registry: registry::Registry,
    plans: plan_index::PlanIndex,
    cache: cache::TileCache,
    metrics: metrics::Metrics,
    glyphs: glyphs::Glyphs,
    web_dir: Option<PathBuf>,
    jobs: api::Jobs,
    comparisons: api::Comparisons,
    credentials: credentials::CredentialIndex,
    rate: pipeline::rate::RateLimiter,
    logins: api::LoginLimiter,
    authz: pipeline::authorize::AuthzTable,
    /// Who may read tiles (the tile route's roles in the API document).
    tile_roles: pipeline::authorize::Roles,
    /// The API document, served as is.
    openapi: bytes::Bytes,
    connections: Arc<listener::ConnectionStats>,
    /// Tile encoding's own threads, apart from rayon's global pool where a
    /// partition run from the API would make tiles wait.
    encoders: rayon::ThreadPool,
    /// The live stream's events.
    live: live::LiveHub,
    /// Phones' batches on their way to the store (group commit).
    ingest: ingest::IngestQueue,
    /// Audit rows on their way to the store (group commit).
    audit: ingest::AuditQueue,
}

impl AppState {
    pub async fn new(store: Store, config: ServerConfig) -> Result<Arc<Self>, StoreError> {
        let doc = openapi_document();
        let authz = pipeline::authorize::AuthzTable::from_openapi(&doc).map_err(|message| {
            StoreError::Open {
                path: "the API document".into(),
                message,
            }
        })?;
        let tile_roles = authz.roles(&axum::http::Method::GET, tiles::TILE_ROUTE);
        let state = Arc::new(Self {
            registry: registry::Registry::with_budget(
                Builtin::all()
                    .into_iter()
                    .chain(FixSource::all(config.online_timeout))
                    .chain(CaseSource::all(&config.case_categories))
                    .collect(),
                config.sources_mb.saturating_mul(1 << 20),
            ),
            plans: plan_index::PlanIndex::default(),
            cache: cache::TileCache::new(config.cache_mb),
            metrics: metrics::Metrics::default(),
            glyphs: glyphs::Glyphs::new(config.font.as_deref(), config.glyph_helper.clone()),
            web_dir: web::find_web_dir(config.web_dir.clone()),
            jobs: api::Jobs::default(),
            comparisons: api::Comparisons::default(),
            credentials: credentials::CredentialIndex::default(),
            rate: pipeline::rate::RateLimiter::new(config.rate_limit, config.rate_burst),
            logins: api::LoginLimiter::default(),
            authz,
            tile_roles,
            openapi: bytes::Bytes::from(serde_json::to_vec(&doc).unwrap_or_default()),
            connections: Arc::default(),
            encoders: rayon::ThreadPoolBuilder::new()
                .thread_name(|i| format!("tile-encoder-{i}"))
                .build()
                .map_err(|e| StoreError::Open {
                    path: "tile encoder threads".into(),
                    message: e.to_string(),
                })?,
            live: live::LiveHub::new(config.online_timeout),
            ingest: ingest::IngestQueue::start(store.clone()),
            audit: ingest::AuditQueue::start(store.clone()),
            store,
            config,
        });
        state.refresh_plans().await?;
        state.credentials.reload(&state.store).await?;
        Ok(state)
    }

    /// Builds the sources a first map view needs: each county's basemap
    /// and its active plan's grids.
    pub async fn prewarm(&self) -> Result<(), StoreError> {
        let snap = self.plans.snapshot();
        for c in &snap.counties {
            let at = BuildAt::new(c.code, snap.active(c.code));
            for id in self.registry.ids() {
                let spec = self.registry.spec(id);
                let wanted = match spec.basis {
                    SourceBasis::Layers => true,
                    SourceBasis::Plan => at.plan.is_some() && spec.name == "grids",
                    SourceBasis::Window => false,
                };
                if wanted {
                    self.registry.get(&self.store, id, at).await?;
                }
            }
        }
        Ok(())
    }

    /// Re-reads the counties and plans, and keeps the plans in force out of
    /// reach of the sources' memory budget.
    pub async fn refresh_plans(&self) -> Result<Arc<plan_index::Snapshot>, StoreError> {
        let snap = self.plans.refresh(&self.store).await?;
        self.registry
            .pin_plans(snap.plans.iter().filter(|p| p.active).map(|p| p.id));
        Ok(snap)
    }

    pub fn web_dir(&self) -> Option<&std::path::Path> {
        self.web_dir.as_deref()
    }
}

/// The whole service: the pipeline around the dispatch.
pub fn app(
    state: Arc<AppState>,
) -> impl tower_service::Service<
    axum::extract::Request,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone
+ Send
+ 'static {
    pipeline::stack(state.clone(), routes::Dispatch::new(state))
}

/// Why the server could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Tls(#[from] TlsError),
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Serves until Ctrl-C or SIGTERM, then lets the requests under way
/// finish (until the shutdown deadline).
/// Deletes fixes past the retention period, once an hour.
async fn retention(state: Arc<AppState>, days: u32) {
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every.tick().await;
        let before =
            ops::positions::UnixMs(ops::positions::UnixMs::now().0 - i64::from(days) * 86_400_000);
        match state.store.delete_fixes_before(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                deleted = n,
                days,
                "GPS fixes past the retention period deleted"
            ),
            Err(e) => tracing::warn!(error = %e, "deleting old GPS fixes"),
        }
    }
}

pub async fn serve(store: Store, config: ServerConfig) -> Result<(), ServeError> {
    let tls = match &config.tls {
        Some((cert, key)) => Some(tls::acceptor(cert, key)?),
        None => None,
    };
    let addr = config.addr;
    let limits = config.limits.clone();
    let state = AppState::new(store, config).await?;
    if state.config.prewarm {
        let t = std::time::Instant::now();
        state.prewarm().await?;
        tracing::info!(seconds = t.elapsed().as_secs_f64(), "sources ready");
    }
    let watcher = state.clone();
    tokio::spawn(async move { watcher.store.watch_elsewhere(Duration::from_secs(1)).await });
    tokio::spawn(changes::follow(state.clone()));
    tokio::spawn(live::run(state.clone()));
    tokio::spawn(escalation::run(state.clone()));
    if let Some(days) = state.config.keep_days {
        tokio::spawn(retention(state.clone(), days));
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    tracing::info!(%addr, web = ?state.web_dir(), tls = tls.is_some(), "serving");
    listener::serve(
        listener,
        app(state.clone()),
        tls,
        limits,
        state.connections.clone(),
        shutdown(),
    )
    .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}

//! Accepting connections and serving HTTP/1.1 and HTTP/2 on them (over
//! TLS with `--tls-cert/--tls-key`), with the bounds a server on an open
//! network needs: a cap on connections, TCP keepalive, a deadline for a
//! request's headers (slowloris), for each piece of its body, for idle
//! keep-alive connections and for the TLS handshake, and a graceful
//! shutdown that waits for requests under way only until a deadline.
//!
//! Written on hyper-util rather than `axum::serve`, which sets none of
//! these limits and cannot speak TLS.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use pin_project_lite::pin_project;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;
use tower_service::Service;

use super::pipeline::Peer;

/// The connection bounds (defaults in [`Limits::default`], each a flag of
/// `wangge serve`).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; more wait in the kernel's backlog.
    pub max_connections: usize,
    /// For a request's headers to arrive, from its first byte.
    pub header_timeout: Duration,
    /// Between two pieces of a request body.
    pub body_timeout: Duration,
    /// A keep-alive connection with no request under way is closed after this.
    pub idle_timeout: Duration,
    /// For the TLS handshake.
    pub handshake_timeout: Duration,
    /// After SIGTERM, requests under way get this long to finish.
    pub shutdown_grace: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Connections open and requests under way, for `/metrics`.
#[derive(Debug, Default)]
pub struct ConnectionStats {
    pub open: AtomicUsize,
    pub accepted: AtomicU64,
    pub closed_idle: AtomicU64,
    pub closed_stalled: AtomicU64,
    /// Requests hyper refused itself (a head past its buffer, bad syntax):
    /// answered 400/414/431 with its own empty bodies.
    pub malformed: AtomicU64,
    /// Connections closed because their headers did not arrive in time.
    pub header_timeouts: AtomicU64,
}

/// Serves until `shutdown` resolves, then lets requests under way finish
/// for at most `limits.shutdown_grace`.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    tls: Option<tokio_rustls::TlsAcceptor>,
    limits: Limits,
    stats: Arc<ConnectionStats>,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(false);
    let limits = Arc::new(limits);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (tcp, addr) = tokio::select! {
            _ = &mut shutdown => break,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        tune(&tcp);
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        let service = service.clone();
        let tls = tls.clone();
        let limits = limits.clone();
        let stats = stats.clone();
        let stop = stop_rx.clone();
        tokio::spawn(async move {
            stats.open.fetch_add(1, Ordering::Relaxed);
            connection(tcp, addr, tls, service, &limits, &stats, stop).await;
            stats.open.fetch_sub(1, Ordering::Relaxed);
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    // Every connection holds a slot: all slots back means all closed.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_grace, slots.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            open = stats.open.load(Ordering::Relaxed),
            "shutdown deadline passed; closing the connections still open"
        );
    }
    Ok(())
}

/// TCP_NODELAY: a tile's headers and body must not wait for the client's
/// delayed ACK (Nagle), which showed as p99 spikes at c = 1. Keepalive:
/// a client that vanished without a FIN is found within minutes.
fn tune(tcp: &TcpStream) {
    if let Err(e) = tcp.set_nodelay(true) {
        tracing::debug!(error = %e, "TCP_NODELAY not set");
    }
    let ka = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(10))
        .with_retries(3);
    if let Err(e) = socket2::SockRef::from(tcp).set_tcp_keepalive(&ka) {
        tracing::debug!(error = %e, "TCP keepalive not set");
    }
}

async fn connection<S>(
    tcp: TcpStream,
    addr: SocketAddr,
    tls: Option<tokio_rustls::TlsAcceptor>,
    service: S,
    limits: &Limits,
    stats: &ConnectionStats,
    stop: watch::Receiver<bool>,
) where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    match tls {
        None => http(tcp, addr, false, service, limits, stats, stop).await,
        Some(acceptor) => {
            match tokio::time::timeout(limits.handshake_timeout, acceptor.accept(tcp)).await {
                Ok(Ok(stream)) => http(stream, addr, true, service, limits, stats, stop).await,
                Ok(Err(e)) => tracing::debug!(%addr, error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!(%addr, "TLS handshake timed out"),
            }
        }
    }
}

async fn http<I, S>(
    io: I,
    addr: SocketAddr,
    tls: bool,
    service: S,
    limits: &Limits,
    stats: &ConnectionStats,
    mut stop: watch::Receiver<bool>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let clock = Arc::new(ConnClock::new());
    let io = TokioIo::new(Tracked {
        inner: io,
        clock: clock.clone(),
    });
    let peer = Peer { addr, tls };
    let body_timeout = limits.body_timeout;
    let flights = clock.clone();
    let svc = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let service = service.clone();
        let guard = InFlight::new(flights.clone());
        async move {
            let mut req = req.map(|b| Body::new(Timed::new(b, body_timeout)));
            req.extensions_mut().insert(peer);
            let res = service.oneshot(req).await;
            drop(guard);
            res
        }
    });
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // hyper's own header timeout also runs while a keep-alive connection
    // waits for its next request, which would make the idle timeout
    // unreachable; the header clock below starts at a request's first byte.
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(None)
        .keep_alive(true);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .keep_alive_timeout(Duration::from_secs(20));
    let conn = builder.serve_connection_with_upgrades(io, svc);
    tokio::pin!(conn);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut closing = false;
    loop {
        tokio::select! {
            r = conn.as_mut() => {
                if let Err(e) = r {
                    tracing::debug!(%addr, error = %e, "connection ended");
                    if let Some(h) = e.downcast_ref::<hyper::Error>() {
                        if h.is_timeout() {
                            stats.header_timeouts.fetch_add(1, Ordering::Relaxed);
                        } else if h.is_parse() || h.is_parse_too_large() {
                            stats.malformed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                return;
            }
            changed = stop.changed(), if !closing => {
                if changed.is_err() || *stop.borrow() {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
            }
            _ = tick.tick() => {
                let busy = clock.in_flight.load(Ordering::Relaxed) > 0;
                if !busy && clock.head_waited().is_some_and(|w| w >= limits.header_timeout) {
                    // Headers begun and never finished (slowloris): dropped
                    // without an answer, as hyper would.
                    tracing::debug!(%addr, "request headers timed out");
                    stats.header_timeouts.fetch_add(1, Ordering::Relaxed);
                    return;
                }
                let idle = clock.idle();
                if !busy && idle >= limits.idle_timeout && !closing {
                    stats.closed_idle.fetch_add(1, Ordering::Relaxed);
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                } else if closing && idle >= limits.idle_timeout + Duration::from_secs(5) {
                    // A graceful close the client never completed.
                    stats.closed_stalled.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            }
        }
    }
}

/// What a connection's watcher needs to know of it: when bytes last moved,
/// when the request now being received began, and how many are being
/// answered.
struct ConnClock {
    started: Instant,
    /// Milliseconds since `started` at the last byte either way.
    last: AtomicU64,
    /// Milliseconds since `started`, plus one, at the first byte of a
    /// request whose headers are not yet whole; 0 when none is.
    head_since: AtomicU64,
    in_flight: AtomicUsize,
    /// 0 before the first bytes are seen, 1 for HTTP/1, 2 for HTTP/2 (whose
    /// frames between requests are not request headers).
    protocol: std::sync::atomic::AtomicU8,
}

impl ConnClock {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            last: AtomicU64::new(0),
            head_since: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            protocol: std::sync::atomic::AtomicU8::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    fn idle(&self) -> Duration {
        Duration::from_millis(
            self.now_ms()
                .saturating_sub(self.last.load(Ordering::Relaxed)),
        )
    }

    fn head_waited(&self) -> Option<Duration> {
        match self.head_since.load(Ordering::Relaxed) {
            0 => None,
            since => Some(Duration::from_millis(
                self.now_ms().saturating_sub(since - 1),
            )),
        }
    }

    fn read(&self, bytes: &[u8]) {
        let now = self.now_ms();
        self.last.store(now, Ordering::Relaxed);
        if self.protocol.load(Ordering::Relaxed) == 0 {
            let h2 = bytes.starts_with(b"PRI * HTTP/2");
            self.protocol
                .store(if h2 { 2 } else { 1 }, Ordering::Relaxed);
        }
        if self.protocol.load(Ordering::Relaxed) == 1 && self.in_flight.load(Ordering::Relaxed) == 0
        {
            let _ =
                self.head_since
                    .compare_exchange(0, now + 1, Ordering::Relaxed, Ordering::Relaxed);
        }
    }

    fn wrote(&self) {
        self.last.store(self.now_ms(), Ordering::Relaxed);
    }
}

/// Counts a request under way on its connection for as long as it lives;
/// its headers are whole, so the header clock stops.
struct InFlight(Arc<ConnClock>);

impl InFlight {
    fn new(clock: Arc<ConnClock>) -> Self {
        clock.in_flight.fetch_add(1, Ordering::Relaxed);
        clock.head_since.store(0, Ordering::Relaxed);
        Self(clock)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

pin_project! {
    /// A connection's stream, noting when bytes last moved either way.
    struct Tracked<I> {
        #[pin]
        inner: I,
        clock: Arc<ConnClock>,
    }
}

impl<I: AsyncRead> AsyncRead for Tracked<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.project();
        let before = buf.filled().len();
        let r = this.inner.poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.clock.read(&buf.filled()[before..]);
        }
        r
    }
}

impl<I: AsyncWrite> AsyncWrite for Tracked<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let r = this.inner.poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.clock.wrote();
        }
        r
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.project();
        let r = this.inner.poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            this.clock.wrote();
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.project().inner.poll_shutdown(cx)
    }
}

/// The error a stalled request body ends with.
#[derive(Debug, thiserror::Error)]
#[error("the request body stalled: nothing arrived for {0} s")]
pub struct BodyStalled(pub u64);

pin_project! {
    /// A request body that fails when nothing arrives for `limit`
    /// (a client that sends half a body and waits holds nothing for long).
    struct Timed {
        #[pin]
        inner: Incoming,
        #[pin]
        sleep: tokio::time::Sleep,
        limit: Duration,
    }
}

impl Timed {
    fn new(inner: Incoming, limit: Duration) -> Self {
        Self {
            inner,
            sleep: tokio::time::sleep(limit),
            limit,
        }
    }
}

impl http_body::Body for Timed {
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let mut this = self.project();
        match this.inner.poll_frame(cx) {
            Poll::Ready(r) => {
                let deadline = tokio::time::Instant::now() + *this.limit;
                this.sleep.as_mut().reset(deadline);
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => match this.sleep.poll(cx) {
                Poll::Ready(()) => {
                    Poll::Ready(Some(Err(Box::new(BodyStalled(this.limit.as_secs())))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

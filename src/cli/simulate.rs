//! `wangge simulate`: grid workers walking the streets of their grids,
//! their phones posting fixes to a running server through the public HTTP
//! API with worker tokens — with the faults real phones have (see
//! `ops::simulate`). The demo's source of life and the ingest load test.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use bytes::Bytes;
use clap::Args;
use geo::{BoundingRect, Intersects};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ops::coords::Crs;
use ops::positions::UnixMs;
use ops::roster::{Worker, WorkerId, WorkerRole};
use ops::simulate::{Batch, CaseDesk, DeskMove, Faults, Streets, Walker};
use partition::LayerKind;
use tileserver::auth::{Role, Scope, new_secret};
use tileserver::store::accounts::{NewToken, now};
use tileserver::store::{GridLevel, PlanSelector};
use tokio::sync::Semaphore;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    store: super::store_arg::StoreArg,
    /// The county whose workers walk (default: the store's only county).
    #[arg(long)]
    county: Option<String>,
    /// The server the phones post to.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// Workers walking; missing ones are added to the roster as
    /// sim-0001… (one a grid, round the grids).
    #[arg(long, default_value_t = 50)]
    workers: usize,
    /// Fixes a second each phone takes.
    #[arg(long, default_value_t = 1.0)]
    rate: f64,
    /// Seconds between a phone's batches (when online).
    #[arg(long, default_value_t = 5)]
    batch_secs: i64,
    /// Seconds to run (0: until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    duration: u64,
    /// Requests in flight at most.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Phones without faults (no offline spells, resends, jumps or GCJ-02).
    #[arg(long)]
    no_faults: bool,
    /// Instead of walking in real time: the last SECS seconds of walking,
    /// posted as fast as the server takes them (an ingest benchmark).
    #[arg(long, value_name = "SECS")]
    replay: Option<u64>,
    /// With --replay: write the same fixes straight into the store, no
    /// HTTP (the store's own bulk insert, the benchmark's baseline).
    #[arg(long, requires = "replay")]
    direct: bool,
    /// Cases the workers report an hour on average, in bursts, most from
    /// one area; a county office works them through the loop and leaves
    /// some alone (0: none). Walking in real time only.
    #[arg(long, default_value_t = 30.0)]
    cases_per_hour: f64,
    /// Seconds a step of a case's loop takes on average.
    #[arg(long, default_value_t = 120.0)]
    case_step_secs: f64,
}

#[derive(Default)]
struct Stats {
    fixes: AtomicU64,
    batches: AtomicU64,
    accepted: AtomicU64,
    duplicates: AtomicU64,
    rejected: AtomicU64,
    failed: AtomicU64,
    latencies_ms: std::sync::Mutex<Vec<u32>>,
}

impl Stats {
    fn p(&self, q: f64) -> u32 {
        let mut v = self
            .latencies_ms
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if v.is_empty() {
            return 0;
        }
        v.sort_unstable();
        v[((v.len() - 1) as f64 * q).round() as usize]
    }

    fn line(&self, started: Instant) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        format!(
            "{:.0} s: {} fixes in {} batches; accepted {}, duplicates {}, rejected {}, failed (resent) {}; ack p50 {} ms, p99 {} ms",
            started.elapsed().as_secs_f64(),
            g(&self.fixes),
            g(&self.batches),
            g(&self.accepted),
            g(&self.duplicates),
            g(&self.rejected),
            g(&self.failed),
            self.p(0.5),
            self.p(0.99)
        )
    }
}

struct Phone {
    walker: std::sync::Mutex<Walker>,
    token: String,
    /// Batches not acknowledged yet: sent again, in order.
    unsent: std::sync::Mutex<VecDeque<Batch>>,
    /// A request of this phone is in flight (one at a time, in order).
    sending: std::sync::atomic::AtomicBool,
}

fn batch_json(b: &Batch) -> Vec<u8> {
    let items: Vec<serde_json::Value> = b
        .fixes
        .iter()
        .map(|f| {
            serde_json::json!({"time": f.time.0 as f64 / 1000.0, "lon": f.lon, "lat": f.lat,
                "accuracy": f.accuracy, "speed": f.speed, "battery": f.battery})
        })
        .collect();
    serde_json::to_vec(&items).unwrap_or_default()
}

/// Posts one batch; whether the server answered it (200 or 422: stored,
/// or refused for good — either way not to be sent again).
async fn post(
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    token: &str,
    b: &Batch,
    stats: &Stats,
) -> bool {
    let path = match b.crs {
        Crs::Gcj02 => "/api/positions?crs=gcj02",
        Crs::Wgs84 => "/api/positions",
    };
    let t = Instant::now();
    let body = Bytes::from(batch_json(b));
    let Some((status, v)) = call(client, "POST", format!("{url}{path}"), token, body).await else {
        return false;
    };
    if status != 200 && status != 422 {
        return false;
    }
    stats
        .latencies_ms
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(t.elapsed().as_millis() as u32);
    let n = |k: &str| v[k].as_u64().unwrap_or(0);
    stats.accepted.fetch_add(n("accepted"), Ordering::Relaxed);
    stats
        .duplicates
        .fetch_add(n("duplicates"), Ordering::Relaxed);
    stats.rejected.fetch_add(n("rejected"), Ordering::Relaxed);
    true
}

pub fn run(a: SimulateArgs) -> anyhow::Result<()> {
    if !(a.rate.is_finite() && a.rate > 0.0 && a.rate <= 10.0) {
        bail!("--rate: fixes a second, above 0 and at most 10");
    }
    if a.workers == 0 || a.workers > 100_000 {
        bail!("--workers: 1–100000");
    }
    if !(1..=3600).contains(&a.batch_secs) {
        bail!("--batch-secs: 1–3600");
    }
    let cases_ok = (0.0..=100_000.0).contains(&a.cases_per_hour);
    let step_ok = a.case_step_secs.is_finite() && a.case_step_secs >= 1.0;
    if !(cases_ok && step_ok) {
        bail!("--cases-per-hour: 0–100000; --case-step-secs: at least 1");
    }
    let url = a.url.trim_end_matches('/').to_string();
    if !url.starts_with("http://") {
        bail!("--url: an http:// address of a running `wangge serve`");
    }
    let rt = super::runtime()?;
    rt.block_on(async move {
        let st = a.store.open().await?;
        let phones = super::store_arg::with_store(st, async |st| {
            let county = st
                .county(a.county.as_deref().map(str::parse).transpose()?)
                .await?;
            let plan = st
                .resolve_plan(PlanSelector::Active(county))
                .await
                .with_context(|| {
                    format!("county {county} has no plan in force: run `wangge partition` first")
                })?;
            let grids = st.plan_grids(plan, GridLevel::Grid).await?;
            let grids: Vec<_> = grids
                .into_iter()
                .filter(|g| g.dedicated.is_none())
                .collect();
            if grids.is_empty() {
                bail!("the plan in force has no ordinary grids to walk");
            }
            let mut roster: Vec<Worker> = st
                .workers(Some(county))
                .await?
                .into_iter()
                .map(|w| w.worker)
                .collect();
            if roster.len() < a.workers {
                let have: std::collections::HashSet<String> =
                    roster.iter().map(|w| w.id.to_string()).collect();
                let mut added = Vec::new();
                let mut i = 0;
                while roster.len() + added.len() < a.workers {
                    i += 1;
                    let id = format!("sim-{i:04}");
                    if have.contains(&id) {
                        continue;
                    }
                    added.push(Worker {
                        id: WorkerId::parse(&id)?,
                        name: format!("模拟网格员{i}"),
                        role: WorkerRole::FullTime,
                        grids: vec![grids[(i - 1) % grids.len()].code.clone()],
                        phone: None,
                    });
                }
                st.upsert_workers(county, &added).await?;
                eprintln!(
                    "added {} simulated workers to the roster of county {county}",
                    added.len()
                );
                roster.extend(added);
            }
            roster.truncate(a.workers);
            let roads = st.read_layers(county, &[LayerKind::Roads]).await?.roads;
            let expires = now() + a.duration.max(86_400) as i64 + 3_600;
            let faults = if a.no_faults {
                Faults::none()
            } else {
                Faults::default()
            };
            let mut phones = Vec::with_capacity(roster.len());
            let mut tokens = Vec::with_capacity(roster.len());
            for (k, w) in roster.iter().enumerate() {
                let grid = w
                    .grids
                    .iter()
                    .find_map(|c| grids.iter().find(|g| &g.code == c))
                    .unwrap_or(&grids[k % grids.len()]);
                let Some(bb) = grid.geometry.bounding_rect() else {
                    continue;
                };
                let lines: Vec<geo_types::LineString<f64>> = roads
                    .iter()
                    .filter(|r| r.geometry.intersects(&grid.geometry))
                    .map(|r| r.geometry.clone())
                    .collect();
                let secret = new_secret("wg_");
                tokens.push(NewToken {
                    hash: secret.hash(),
                    name: format!("simulate {}", w.id),
                    role: Role::Worker,
                    scope: Scope::Prefix(county.to_string()),
                    user_id: None,
                    worker_id: Some(w.id.to_string()),
                    expires_at: Some(expires),
                });
                phones.push(Phone {
                    walker: std::sync::Mutex::new(Walker::new(
                        w.id.clone(),
                        Streets::new(&lines, bb.min(), bb.max()),
                        a.seed.wrapping_mul(1_000_003).wrapping_add(k as u64),
                        &faults,
                    )),
                    token: secret.expose().to_string(),
                    unsent: Default::default(),
                    sending: Default::default(),
                });
            }
            // The county office that works the simulated cases.
            let office = new_secret("wg_");
            tokens.push(NewToken {
                hash: office.hash(),
                name: "simulate office".into(),
                role: Role::Dispatcher,
                scope: Scope::Prefix(county.to_string()),
                user_id: None,
                worker_id: None,
                expires_at: Some(expires),
            });
            // Straight into the store needs no tokens.
            if !a.direct {
                st.insert_tokens(&tokens).await?;
            }
            Ok((phones, office.expose().to_string()))
        })
        .await?;
        let (phones, office) = phones;
        if !a.direct {
            wait_for_tokens(&url, &phones).await?;
        }
        let faults = if a.no_faults {
            Faults::none()
        } else {
            Faults::default()
        };
        match a.replay {
            Some(secs) if a.direct => direct(phones, &a, faults, secs).await,
            Some(secs) => replay(phones, &url, &a, faults, secs).await,
            None => simulate(phones, &url, &a, faults, office).await,
        }
    })
}

/// Waits until the server knows the phones' new tokens (a server on a
/// GeoPackage hears of them within a second or two).
async fn wait_for_tokens(url: &str, phones: &[Phone]) -> anyhow::Result<()> {
    let Some(last) = phones.last() else {
        return Ok(());
    };
    let client: Client<HttpConnector, Full<Bytes>> =
        Client::builder(TokioExecutor::new()).build_http();
    let started = Instant::now();
    loop {
        let req = hyper::Request::get(format!("{url}/api/session"))
            .header("authorization", format!("Bearer {}", last.token))
            .body(Full::new(Bytes::new()))?;
        if let Ok(resp) = client.request(req).await
            && resp.status() == 200
            && let Ok(body) = resp.into_body().collect().await
            && serde_json::from_slice::<serde_json::Value>(&body.to_bytes())
                .is_ok_and(|v| v["signed_in"] == true)
        {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!(
                "{url} did not accept the phones' tokens within 30 s: is it serving the same store?"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The same fixes as `replay` makes, written straight into the store by
/// its own bulk insert (10,000 fixes a transaction), timed.
async fn direct(
    phones: Vec<Phone>,
    a: &SimulateArgs,
    faults: Faults,
    secs: u64,
) -> anyhow::Result<()> {
    let dt = 1.0 / a.rate;
    let steps = (secs as f64 * a.rate) as u64;
    let t0 = UnixMs::now().0 - secs as i64 * 1000;
    let mut fixes = Vec::new();
    let mut phones = phones;
    for k in 0..steps {
        let t = UnixMs(t0 + (k as f64 * dt * 1000.0) as i64);
        for phone in &mut phones {
            let w = phone.walker.get_mut().unwrap_or_else(|p| p.into_inner());
            let fix = w.step(t, dt, &faults);
            for b in w.carry(fix, a.batch_secs, &faults) {
                // The store holds WGS84, as the server would convert.
                fixes.extend(b.fixes.into_iter().map(|mut f| {
                    let c = b.crs.to_wgs84(f.coord());
                    (f.lon, f.lat) = (c.x, c.y);
                    f
                }));
            }
        }
    }
    let st = a.store.open().await?;
    super::store_arg::with_store(st, async |st| {
        let county = st
            .county(a.county.as_deref().map(str::parse).transpose()?)
            .await?;
        let started = Instant::now();
        let mut stored = 0;
        for chunk in fixes.chunks(10_000) {
            stored += st.store_fixes(county, chunk).await?;
        }
        let took = started.elapsed().as_secs_f64();
        println!(
            "direct: {} fixes written ({stored} new) in {took:.2} s: {:.0} fixes/s",
            fixes.len(),
            fixes.len() as f64 / took
        );
        Ok(())
    })
    .await
}

/// What posting phones share: the HTTP client, the figures, the slots
/// for requests in flight.
struct Posting {
    client: Client<HttpConnector, Full<Bytes>>,
    stats: Arc<Stats>,
    slots: Arc<Semaphore>,
    phones: Vec<Arc<Phone>>,
}

impl Posting {
    fn new(phones: Vec<Phone>, concurrency: usize) -> Self {
        Self {
            client: Client::builder(TokioExecutor::new())
                .pool_max_idle_per_host(concurrency)
                .build_http(),
            stats: Arc::new(Stats::default()),
            slots: Arc::new(Semaphore::new(concurrency)),
            phones: phones.into_iter().map(Arc::new).collect(),
        }
    }
}

/// Sends what a phone has, in order, until it is all acknowledged or a
/// post fails (then the phone tries again later).
async fn drain(
    phone: Arc<Phone>,
    client: Client<HttpConnector, Full<Bytes>>,
    url: String,
    stats: Arc<Stats>,
) {
    loop {
        let next = phone
            .unsent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .front()
            .cloned();
        let Some(b) = next else { break };
        stats.batches.fetch_add(1, Ordering::Relaxed);
        if post(&client, &url, &phone.token, &b, &stats).await {
            phone
                .unsent
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .pop_front();
        } else {
            stats.failed.fetch_add(1, Ordering::Relaxed);
            break;
        }
    }
    phone.sending.store(false, Ordering::Release);
}

/// The last `secs` seconds of walking, posted as fast as the server takes
/// them: the phones' batches go out with at most `--concurrency` requests
/// in flight. Prints fixes a second acknowledged.
async fn replay(
    phones: Vec<Phone>,
    url: &str,
    a: &SimulateArgs,
    faults: Faults,
    secs: u64,
) -> anyhow::Result<()> {
    let Posting {
        client,
        stats,
        slots,
        phones,
    } = Posting::new(phones, a.concurrency);
    let dt = 1.0 / a.rate;
    let steps = (secs as f64 * a.rate) as u64;
    let t0 = UnixMs::now().0 - secs as i64 * 1000;
    // The fixes are made first, so the clock measures only the posting.
    for k in 0..steps {
        let t = UnixMs(t0 + (k as f64 * dt * 1000.0) as i64);
        for phone in &phones {
            let mut w = phone.walker.lock().unwrap_or_else(|p| p.into_inner());
            let fix = w.step(t, dt, &faults);
            let batches = w.carry(fix, a.batch_secs, &faults);
            stats.fixes.fetch_add(1, Ordering::Relaxed);
            phone
                .unsent
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend(batches);
        }
    }
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        let mut left = 0;
        for phone in &phones {
            if phone
                .unsent
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_empty()
            {
                continue;
            }
            left += 1;
            if phone.sending.swap(true, Ordering::AcqRel) {
                continue;
            }
            let permit = slots.clone().acquire_owned().await?;
            let (phone, client, stats, url) = (
                phone.clone(),
                client.clone(),
                stats.clone(),
                url.to_string(),
            );
            tasks.spawn(async move {
                let _permit = permit;
                drain(phone, client, url, stats).await;
            });
        }
        if left == 0 {
            break;
        }
        // Let a post in flight finish before looking again.
        if tasks.join_next().await.is_none() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    while tasks.join_next().await.is_some() {}
    let secs_taken = started.elapsed().as_secs_f64();
    let acked = stats.accepted.load(Ordering::Relaxed) + stats.duplicates.load(Ordering::Relaxed);
    println!("{}", stats.line(started));
    println!(
        "replay: {acked} fixes acknowledged in {secs_taken:.2} s: {:.0} fixes/s, {:.0} requests/s; ack p50 {} ms, p99 {} ms",
        acked as f64 / secs_taken,
        stats.batches.load(Ordering::Relaxed) as f64 / secs_taken,
        stats.p(0.5),
        stats.p(0.99)
    );
    Ok(())
}

/// A JSON request with a bearer token: the status and the JSON answer
/// (`None` when the server could not be reached).
async fn call(
    client: &Client<HttpConnector, Full<Bytes>>,
    method: &str,
    url: String,
    token: &str,
    body: Bytes,
) -> Option<(u16, serde_json::Value)> {
    let req = hyper::Request::builder()
        .method(method)
        .uri(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .body(Full::new(body))
        .ok()?;
    let resp = client.request(req).await.ok()?;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.ok()?.to_bytes();
    Some((status, serde_json::from_slice(&body).unwrap_or_default()))
}

fn json_body(v: serde_json::Value) -> Bytes {
    Bytes::from(v.to_string())
}

/// A simulated case: its id, the phone that reported it, its status, and
/// whether the office leaves it alone.
struct SimCase {
    id: i64,
    phone: usize,
    status: String,
    neglected: bool,
}

/// The case desk's work in one tick: maybe a new report, then a step of
/// the cases it moves. Returns how many requests failed.
#[allow(clippy::too_many_arguments)]
async fn work_cases(
    desk: &mut CaseDesk,
    cases: &mut Vec<SimCase>,
    categories: &[String],
    phones: &[Arc<Phone>],
    client: &Client<HttpConnector, Full<Bytes>>,
    url: &str,
    office: &str,
    (elapsed, dt): (f64, f64),
    a: &SimulateArgs,
) -> u64 {
    let mut failed = 0;
    if !categories.is_empty() && desk.report_now(elapsed, dt, a.cases_per_hour) {
        let k = desk.reporter(phones.len());
        let at = phones[k]
            .walker
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .position();
        let body = serde_json::json!({
            "category": categories[desk.category(categories.len())],
            "lon": at.x, "lat": at.y,
            "description": "模拟上报",
        });
        match call(
            client,
            "POST",
            format!("{url}/api/cases"),
            &phones[k].token,
            json_body(body),
        )
        .await
        {
            Some((201, v)) => cases.push(SimCase {
                id: v["id"].as_i64().unwrap_or(0),
                phone: k,
                status: "reported".into(),
                neglected: desk.neglect(),
            }),
            // A phone just outside its grid: not a failure of the server.
            Some((403 | 400, v)) => tracing::debug!(answer = %v, "a simulated report refused"),
            other => {
                tracing::warn!(answer = ?other, "a simulated report failed");
                failed += 1;
            }
        }
    }
    for c in cases.iter_mut().filter(|c| !c.neglected) {
        let Some(m) = desk.next_move(&c.status, dt, a.case_step_secs) else {
            continue;
        };
        let (token, body) = match m {
            DeskMove::Office(to) => (
                office,
                serde_json::json!({"to": to, "unit": "模拟处置单位"}),
            ),
            DeskMove::Worker => (
                phones[c.phone].token.as_str(),
                serde_json::json!({"to": "handled"}),
            ),
            DeskMove::FollowUp(s) => (
                office,
                serde_json::json!({"to": "followed_up", "satisfaction": s}),
            ),
        };
        let path = format!("{url}/api/cases/{}/transitions", c.id);
        match call(client, "POST", path, token, json_body(body)).await {
            Some((200, v)) => c.status = v["status"].as_str().unwrap_or_default().to_string(),
            // Escalated past the office's reach, or moved meanwhile.
            Some((403 | 409, v)) => {
                tracing::debug!(case = c.id, answer = %v, "a simulated move refused");
                c.neglected = true;
            }
            other => {
                tracing::warn!(case = c.id, answer = ?other, "a simulated move failed");
                failed += 1;
            }
        }
    }
    cases.retain(|c| !matches!(c.status.as_str(), "followed_up" | "rejected"));
    failed
}

async fn simulate(
    phones: Vec<Phone>,
    url: &str,
    a: &SimulateArgs,
    faults: Faults,
    office: String,
) -> anyhow::Result<()> {
    let Posting {
        client,
        stats,
        slots,
        phones,
    } = Posting::new(phones, a.concurrency);
    eprintln!(
        "{} workers walking, {} fix/s each, batches every {} s, posting to {url}{}",
        phones.len(),
        a.rate,
        a.batch_secs,
        if a.no_faults {
            ""
        } else {
            " (with offline spells, resends, GPS jumps and GCJ-02 phones)"
        }
    );
    let categories: Vec<String> = if a.cases_per_hour > 0.0 {
        match call(
            &client,
            "GET",
            format!("{url}/api/cases/categories"),
            &office,
            Bytes::new(),
        )
        .await
        {
            Some((200, serde_json::Value::Array(v))) => v
                .iter()
                .filter_map(|c| c["code"].as_str().map(str::to_owned))
                .collect(),
            _ => {
                eprintln!("the server lists no case categories: no cases simulated");
                Vec::new()
            }
        }
    } else {
        Vec::new()
    };
    if !categories.is_empty() {
        eprintln!(
            "about {} cases an hour reported, worked by a county office (some left to run overdue)",
            a.cases_per_hour
        );
    }
    let mut desk = CaseDesk::new(a.seed);
    let mut cases: Vec<SimCase> = Vec::new();
    let bar = indicatif::ProgressBar::new_spinner();
    bar.enable_steady_tick(Duration::from_millis(250));
    let started = Instant::now();
    let dt = 1.0 / a.rate;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(dt));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let stop = tokio::signal::ctrl_c();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = &mut stop => break,
        }
        if a.duration > 0 && started.elapsed() >= Duration::from_secs(a.duration) {
            break;
        }
        let t = UnixMs::now();
        for phone in &phones {
            let batches = {
                let mut w = phone.walker.lock().unwrap_or_else(|p| p.into_inner());
                let fix = w.step(t, dt, &faults);
                w.carry(fix, a.batch_secs, &faults)
            };
            stats.fixes.fetch_add(1, Ordering::Relaxed);
            let ready = {
                let mut q = phone.unsent.lock().unwrap_or_else(|p| p.into_inner());
                q.extend(batches);
                !q.is_empty()
            };
            if !ready || phone.sending.load(Ordering::Acquire) {
                continue;
            }
            if phone.sending.swap(true, Ordering::AcqRel) {
                continue;
            }
            let (phone, client, stats, url, slots) = (
                phone.clone(),
                client.clone(),
                stats.clone(),
                url.to_string(),
                slots.clone(),
            );
            // The phone waits for a slot in its own task: the walk goes
            // on every second whatever the server's pace.
            tokio::spawn(async move {
                let Ok(_permit) = slots.acquire_owned().await else {
                    phone.sending.store(false, Ordering::Release);
                    return;
                };
                drain(phone, client, url, stats).await;
            });
        }
        let failed = work_cases(
            &mut desk,
            &mut cases,
            &categories,
            &phones,
            &client,
            url,
            &office,
            (started.elapsed().as_secs_f64(), dt),
            a,
        )
        .await;
        stats.failed.fetch_add(failed, Ordering::Relaxed);
        bar.set_message(stats.line(started));
    }
    // Give the requests in flight their answers.
    let _ = tokio::time::timeout(
        Duration::from_secs(10),
        slots.acquire_many(a.concurrency as u32),
    )
    .await;
    bar.finish_and_clear();
    println!("{}", stats.line(started));
    Ok(())
}

//! Cases and their events on either store (the same SQL runs on both). A
//! transition is one transaction: the case's row moves only from the state
//! the move was checked against (its event count), and the event is
//! written with it — a concurrent move is a conflict, never a lost event.

use ops::cases::{Actor, CaseState, Event, Level, Satisfaction, Status};
use ops::positions::UnixMs;
use serde::Serialize;

use super::accounts::now;
use super::backend::on_pool;
use super::error::{SqlContext, finish};
use super::{CountyCode, Store, StoreError};

/// A case as stored: what its events leave, and where and what it is.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct StoredCase {
    pub id: i64,
    pub county: String,
    /// Unix milliseconds.
    pub reported_at: i64,
    pub lon: f64,
    pub lat: f64,
    /// The grid of the plan in force it lies in ('' when none).
    pub grid_code: String,
    pub village_code: String,
    pub town_code: String,
    pub category: String,
    pub description: String,
    /// worker, hotline, citizen or import.
    pub source: String,
    pub reporter: String,
    /// A hotline work order's number.
    pub external_id: Option<String>,
    /// The level it was reported at (its events start from there).
    pub reported_level: i32,
    pub level: i32,
    pub status: String,
    /// Unix milliseconds since the current stage began.
    pub since: i64,
    pub dispatched_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub satisfaction: Option<String>,
    pub escalations: i32,
    pub reopened: i32,
    /// How many events it has had.
    pub events: i32,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, county, reported_at, lon, lat, grid_code, village_code, town_code, category, \
    description, source, reporter, external_id, reported_level, level, status, since, dispatched_at, closed_at, \
    satisfaction, escalations, reopened, events, updated_at";

impl StoredCase {
    pub fn level(&self) -> Level {
        Level::new(self.level.clamp(1, 4) as u8).unwrap_or(Level::GRID)
    }

    pub fn reported_level(&self) -> Level {
        Level::new(self.reported_level.clamp(1, 4) as u8).unwrap_or(Level::GRID)
    }

    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Reported)
    }

    /// The state its columns hold (what its events left).
    pub fn state(&self) -> CaseState {
        CaseState {
            status: self.status(),
            level: self.level(),
            reported: UnixMs(self.reported_at),
            dispatched: self.dispatched_at.map(UnixMs),
            closed: self.closed_at.map(UnixMs),
            since: UnixMs(self.since),
            satisfaction: self.satisfaction.as_deref().and_then(Satisfaction::parse),
            escalations: self.escalations.max(0) as u32,
            reopened: self.reopened.max(0) as u32,
        }
    }
}

/// A case to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCase {
    pub county: CountyCode,
    pub reported_at: UnixMs,
    pub lon: f64,
    pub lat: f64,
    pub grid_code: String,
    pub category: String,
    pub description: String,
    pub source: ops::cases::Source,
    pub reporter: String,
    pub external_id: Option<String>,
    pub level: Level,
}

/// What storing a case did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    New(i64),
    /// A work order imported before (same county, source and number).
    Existing(i64),
}

/// Which cases a list holds.
#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    pub county: Option<CountyCode>,
    /// A grid, village or town code (or any prefix of one).
    pub within: Option<String>,
    pub statuses: Vec<Status>,
    pub category: Option<String>,
    pub level: Option<Level>,
    pub source: Option<String>,
    pub from: Option<UnixMs>,
    pub to: Option<UnixMs>,
    /// Only open cases past these deadlines: (category, level, the stage
    /// began before this instant).
    pub overdue: Option<Vec<(String, Level, UnixMs)>>,
    pub limit: i64,
    pub offset: i64,
}

type EventRow = (
    i64,
    i32,
    i64,
    Option<String>,
    String,
    i32,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
);

fn event_of(r: EventRow) -> Result<Event, StoreError> {
    let bad = |what: String| StoreError::Corrupt {
        what: format!("event {} of case {}: {what}", r.1, r.0),
    };
    Ok(Event {
        at: UnixMs(r.2),
        from: r
            .3
            .as_deref()
            .map(|s| Status::parse(s).ok_or_else(|| bad(format!("status {s:?}"))))
            .transpose()?,
        to: Status::parse(&r.4).ok_or_else(|| bad(format!("status {:?}", r.4)))?,
        level: Level::new(r.5.clamp(0, 255) as u8).map_err(bad)?,
        actor: Actor::parse(&r.6).ok_or_else(|| bad(format!("actor {:?}", r.6)))?,
        by: r.7,
        note: r.8,
        unit: r.9,
        satisfaction: r.10.as_deref().and_then(Satisfaction::parse),
        duplicate_of: r.11,
    })
}

impl Store {
    /// Stores a reported case; a work order already imported (same
    /// county, source and number) is not stored again.
    pub async fn create_case(&self, c: &NewCase) -> Result<Created, StoreError> {
        let county = c.county.to_string();
        let village = c.grid_code.get(..12).unwrap_or_default().to_string();
        let town = c.grid_code.get(..9).unwrap_or_default().to_string();
        let t = now() * 1000;
        let source = match c.source {
            ops::cases::Source::Worker => "worker",
            ops::cases::Source::Hotline => "hotline",
            ops::cases::Source::Citizen => "citizen",
            ops::cases::Source::Import => "import",
        };
        let id: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar(
                "INSERT INTO cases (county, reported_at, lon, lat, grid_code, village_code, town_code, category, \
                 description, source, reporter, external_id, reported_level, level, status, since, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 'reported', $2, $14) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(&county)
            .bind(c.reported_at.0)
            .bind(c.lon)
            .bind(c.lat)
            .bind(&c.grid_code)
            .bind(&village)
            .bind(&town)
            .bind(&c.category)
            .bind(&c.description)
            .bind(source)
            .bind(&c.reporter)
            .bind(&c.external_id)
            .bind(i32::from(c.level.get()))
            .bind(t)
            .fetch_optional(pool)
            .await
        })
        .ctx(|| "storing a case".into())?;
        if let Some(id) = id {
            return Ok(Created::New(id));
        }
        let existing: Option<i64> = on_pool!(self, pool => {
            sqlx::query_scalar("SELECT id FROM cases WHERE county = $1 AND source = $2 AND external_id = $3")
                .bind(&county)
                .bind(source)
                .bind(&c.external_id)
                .fetch_optional(pool)
                .await
        })
        .ctx(|| "looking up an imported work order".into())?;
        existing.map(Created::Existing).ok_or_else(|| {
            StoreError::Conflict("the case was neither stored nor found stored".into())
        })
    }

    pub async fn case(&self, id: i64) -> Result<Option<StoredCase>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM cases WHERE id = $1");
        on_pool!(self, pool => {
            sqlx::query_as::<_, StoredCase>(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await
        })
        .ctx(|| format!("reading case {id}"))
    }

    /// A case's events, in order.
    pub async fn case_events(&self, id: i64) -> Result<Vec<Event>, StoreError> {
        self.events_of(&[id])
            .await
            .map(|mut v| v.pop().map(|x| x.1).unwrap_or_default())
    }

    /// The events of several cases, by case (cases without events left out).
    pub async fn events_of(&self, ids: &[i64]) -> Result<Vec<(i64, Vec<Event>)>, StoreError> {
        let mut out: Vec<(i64, Vec<Event>)> = Vec::new();
        for chunk in ids.chunks(500) {
            let list = chunk
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",");
            // The ids are integers written here, never input text.
            let sql = format!(
                "SELECT case_id, seq, at, from_status, to_status, level, actor, by_name, note, unit, \
                 satisfaction, duplicate_of FROM case_events WHERE case_id IN ({list}) ORDER BY case_id, seq"
            );
            let rows: Vec<EventRow> = on_pool!(self, pool => {
                sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await
            })
            .ctx(|| "reading case events".into())?;
            for r in rows {
                let id = r.0;
                let e = event_of(r)?;
                match out.last_mut() {
                    Some((last, v)) if *last == id => v.push(e),
                    _ => out.push((id, vec![e])),
                }
            }
        }
        Ok(out)
    }

    /// Writes a checked event and the state it leads to, if the case has
    /// had exactly `seen` events meanwhile; else a conflict.
    pub async fn apply_case_event(
        &self,
        id: i64,
        seen: i32,
        e: &Event,
        state: &CaseState,
    ) -> Result<(), StoreError> {
        let moved = self
            .apply_case_events(&[(id, seen, e.clone(), state.clone())])
            .await?;
        if moved.is_empty() {
            return Err(StoreError::Conflict(format!(
                "case {id} changed meanwhile; read it again and retry"
            )));
        }
        Ok(())
    }

    /// Writes several checked events in one transaction (the escalation
    /// of a backlog: one commit, not one a case). A case that moved since
    /// it was read is left out; the ids written are returned.
    pub async fn apply_case_events(
        &self,
        moves: &[(i64, i32, Event, CaseState)],
    ) -> Result<Vec<i64>, StoreError> {
        let t = now() * 1000;
        on_pool!(self, pool => {
            let mut tx = pool.begin().await.ctx(|| "starting to move cases".into())?;
            let result = async {
                let mut written = Vec::with_capacity(moves.len());
                for (id, seen, e, state) in moves {
                    let (id, seen) = (*id, *seen);
                    let moved = sqlx::query(
                        "UPDATE cases SET level = $1, status = $2, since = $3, dispatched_at = $4, closed_at = $5, \
                         satisfaction = $6, escalations = $7, reopened = $8, events = $9, updated_at = $10 \
                         WHERE id = $11 AND events = $12",
                    )
                    .bind(i32::from(state.level.get()))
                    .bind(state.status.as_str())
                    .bind(state.since.0)
                    .bind(state.dispatched.map(|x| x.0))
                    .bind(state.closed.map(|x| x.0))
                    .bind(state.satisfaction.map(|s| s.as_str()))
                    .bind(state.escalations as i32)
                    .bind(state.reopened as i32)
                    .bind(seen + 1)
                    .bind(t)
                    .bind(id)
                    .bind(seen)
                    .execute(&mut *tx)
                    .await
                    .ctx(|| format!("moving case {id}"))?
                    .rows_affected();
                    if moved == 0 {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO case_events (case_id, seq, at, from_status, to_status, level, actor, by_name, note, \
                         unit, satisfaction, duplicate_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(id)
                    .bind(seen + 1)
                    .bind(e.at.0)
                    .bind(e.from.map(|s| s.as_str()))
                    .bind(e.to.as_str())
                    .bind(i32::from(e.level.get()))
                    .bind(e.actor.to_text())
                    .bind(&e.by)
                    .bind(&e.note)
                    .bind(&e.unit)
                    .bind(e.satisfaction.map(|s| s.as_str()))
                    .bind(e.duplicate_of)
                    .execute(&mut *tx)
                    .await
                    .ctx(|| format!("writing an event of case {id}"))?;
                    written.push(id);
                }
                Ok(written)
            }
            .await;
            finish(tx, result, "move cases").await
        })
    }

    /// A page of cases, newest first, and how many match in all — counted
    /// up to [`COUNT_CAP`]; more than that reads as the cap.
    pub async fn list_cases(&self, f: &CaseFilter) -> Result<(Vec<StoredCase>, i64), StoreError> {
        let rows = self.case_page(f).await?;
        let w = Where::of(f, None);
        let count = format!(
            "SELECT count(*) FROM (SELECT 1 FROM cases{} LIMIT {COUNT_CAP}) AS capped",
            w.sql
        );
        let total = on_pool!(self, pool => {
            w.bind_as(sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(count))).fetch_one(pool).await
        })
        .ctx(|| "counting cases".into())?;
        Ok((rows, total))
    }

    /// A page of cases, newest first, without the count (for callers that
    /// only walk the pages).
    pub async fn case_page(&self, f: &CaseFilter) -> Result<Vec<StoredCase>, StoreError> {
        let w = Where::of(f, None);
        // The page's ids first, from an index alone (the filter's columns
        // are in the indexes), then their rows: else a store may walk an
        // area's whole history in date order, row by row, for a rare match.
        let page = format!(
            "SELECT {COLUMNS} FROM cases WHERE id IN (SELECT id FROM cases{} \
             ORDER BY reported_at DESC, id DESC LIMIT {} OFFSET {}) ORDER BY reported_at DESC, id DESC",
            w.sql,
            f.limit.clamp(0, 10_000),
            f.offset.max(0)
        );
        on_pool!(self, pool => {
            w.bind_as(sqlx::query_as::<_, StoredCase>(sqlx::AssertSqlSafe(page))).fetch_all(pool).await
        })
        .ctx(|| "listing cases".into())
    }

    /// Every case the filter matches (its limit and offset ignored), newest
    /// first, read a page at a time from where the last one ended (an
    /// offset would re-read every earlier page).
    pub async fn all_cases(&self, f: &CaseFilter) -> Result<Vec<StoredCase>, StoreError> {
        let mut out: Vec<StoredCase> = Vec::new();
        const PAGE: usize = 10_000;
        loop {
            let after = out.last().map(|c| (c.reported_at, c.id));
            let w = Where::of(f, after);
            let sql = format!(
                "SELECT {COLUMNS} FROM cases{} ORDER BY reported_at DESC, id DESC LIMIT {PAGE}",
                w.sql
            );
            let rows = on_pool!(self, pool => {
                w.bind_as(sqlx::query_as::<_, StoredCase>(sqlx::AssertSqlSafe(sql))).fetch_all(pool).await
            })
            .ctx(|| "reading cases".into())?;
            let done = rows.len() < PAGE;
            out.extend(rows);
            if done {
                return Ok(out);
            }
        }
    }

    /// The positions (WGS84) and grids of the cases the filter matches:
    /// what hot spots count, without the rest of each row.
    pub async fn case_points(&self, f: &CaseFilter) -> Result<Vec<(f64, f64, String)>, StoreError> {
        let w = Where::of(f, None);
        let sql = format!("SELECT lon, lat, grid_code FROM cases{}", w.sql);
        on_pool!(self, pool => {
            w.bind_as(sqlx::query_as::<_, (f64, f64, String)>(sqlx::AssertSqlSafe(sql))).fetch_all(pool).await
        })
        .ctx(|| "reading case positions".into())
    }
}

/// A case as the KPIs read it, with its events in order.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiCase {
    pub id: i64,
    pub grid_code: String,
    pub category: String,
    pub source: String,
    pub reported_at: i64,
    pub reported_level: i32,
    pub events: Vec<Event>,
}

/// A case's KPI columns joined with one of its events (none: no event).
#[derive(sqlx::FromRow)]
struct KpiRow {
    id: i64,
    grid_code: String,
    category: String,
    source: String,
    reported_at: i64,
    reported_level: i32,
    seq: Option<i32>,
    at: Option<i64>,
    from_status: Option<String>,
    to_status: Option<String>,
    level: Option<i32>,
    actor: Option<String>,
    by_name: Option<String>,
    note: Option<String>,
    unit: Option<String>,
    satisfaction: Option<String>,
    duplicate_of: Option<i64>,
}

impl KpiRow {
    fn event(&mut self) -> Option<Result<Event, StoreError>> {
        let row: EventRow = (
            self.id,
            self.seq?,
            self.at?,
            self.from_status.take(),
            self.to_status.take()?,
            self.level?,
            self.actor.take()?,
            self.by_name.take()?,
            self.note.take().unwrap_or_default(),
            self.unit.take(),
            self.satisfaction.take(),
            self.duplicate_of,
        );
        Some(event_of(row))
    }
}

impl Store {
    /// Folds each case the filter matches, with its events, into `acc` —
    /// read as one stream, so a year of cases never sits in memory.
    pub async fn fold_kpi_cases<A: Send + 'static>(
        &self,
        f: &CaseFilter,
        acc: A,
        mut each: impl FnMut(&mut A, &KpiCase) + Send + 'static,
    ) -> Result<A, StoreError> {
        use futures_util::TryStreamExt;
        let w = Where::of(f, None);
        let pool = match self.backend() {
            super::backend::Backend::Gpkg(s) => {
                // The filter's columns are unqualified: it applies inside,
                // before the join (whose tables share column names). In the
                // order of the date index and the events' key, SQLite sorts
                // nothing.
                let sql = format!(
                    "SELECT c.id, c.grid_code, c.category, c.source, c.reported_at, c.reported_level, e.seq, e.at, \
                     e.from_status, e.to_status, e.level, e.actor, e.by_name, e.note, e.unit, e.satisfaction, \
                     e.duplicate_of FROM (SELECT id, grid_code, category, source, reported_at, reported_level \
                     FROM cases{}) AS c LEFT JOIN case_events e ON e.case_id = c.id ORDER BY c.reported_at, c.id, e.seq",
                    w.sql
                );
                return super::gpkg::case_reader::fold_cases(s.pool(), sql, w.args, acc, each)
                    .await;
            }
            super::backend::Backend::Postgis(s) => s.pool(),
        };
        // PostgreSQL would hash the events and sort millions of rows on disk
        // for that order; a nested loop from the date index keeps it as
        // read. Serial, so no parallel plan interleaves the cases (which
        // the fold checks all the same).
        let sql = format!(
            "SELECT c.id, c.grid_code, c.category, c.source, c.reported_at, c.reported_level, e.seq, e.at, \
             e.from_status, e.to_status, e.level, e.actor, e.by_name, e.note, e.unit, e.satisfaction, e.duplicate_of \
             FROM (SELECT id, grid_code, category, source, reported_at, reported_level FROM cases{} \
             ORDER BY reported_at, id) AS c \
             LEFT JOIN LATERAL (SELECT * FROM case_events x WHERE x.case_id = c.id ORDER BY x.seq) AS e ON TRUE",
            w.sql
        );
        let mut tx = pool
            .begin()
            .await
            .ctx(|| "reading cases and their events".into())?;
        sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0")
            .execute(&mut *tx)
            .await
            .ctx(|| "reading cases and their events".into())?;
        let mut acc = acc;
        let mut current: Option<KpiCase> = None;
        let mut seen: std::collections::HashSet<i64> = std::collections::HashSet::new();
        {
            let mut rows = w
                .bind_as(sqlx::query_as::<_, KpiRow>(sqlx::AssertSqlSafe(sql)))
                .fetch(&mut *tx);
            while let Some(mut r) = rows
                .try_next()
                .await
                .ctx(|| "reading cases and their events".into())?
            {
                if current.as_ref().is_none_or(|c| c.id != r.id) {
                    if !seen.insert(r.id) {
                        return Err(StoreError::Corrupt {
                            what: format!("case {} came twice in the KPI stream", r.id),
                        });
                    }
                    if let Some(done) = current.take() {
                        each(&mut acc, &done);
                    }
                    current = Some(KpiCase {
                        id: r.id,
                        grid_code: std::mem::take(&mut r.grid_code),
                        category: std::mem::take(&mut r.category),
                        source: std::mem::take(&mut r.source),
                        reported_at: r.reported_at,
                        reported_level: r.reported_level,
                        events: Vec::new(),
                    });
                }
                if let (Some(e), Some(c)) = (r.event(), current.as_mut()) {
                    c.events.push(e?);
                }
            }
        }
        tx.commit()
            .await
            .ctx(|| "reading cases and their events".into())?;
        if let Some(done) = current {
            each(&mut acc, &done);
        }
        Ok(acc)
    }

    /// How many cases the filter matches, by category.
    pub async fn case_counts_by_category(
        &self,
        f: &CaseFilter,
    ) -> Result<std::collections::BTreeMap<String, usize>, StoreError> {
        let w = Where::of(f, None);
        let sql = format!(
            "SELECT category, count(*) FROM cases{} GROUP BY category",
            w.sql
        );
        let rows: Vec<(String, i64)> = on_pool!(self, pool => {
            w.bind_as(sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(sql))).fetch_all(pool).await
        })
        .ctx(|| "counting cases by category".into())?;
        Ok(rows
            .into_iter()
            .map(|(c, n)| (c, n.max(0) as usize))
            .collect())
    }
}

/// Lists count their matches up to this many (a million-case county's
/// unfiltered count would cost more than the page).
pub const COUNT_CAP: i64 = 10_000;

/// A bound value of a filter, in placeholder order.
pub(crate) enum Arg {
    Text(String),
    Int(i64),
}

/// The queries a filter binds its values to (a row query and a count).
trait Binds<'q>: Sized {
    fn text(self, v: &'q str) -> Self;
    fn int(self, v: i64) -> Self;
}

impl<'q, DB, O> Binds<'q> for sqlx::query::QueryAs<'q, DB, O, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    fn text(self, v: &'q str) -> Self {
        self.bind(v)
    }
    fn int(self, v: i64) -> Self {
        self.bind(v)
    }
}

impl<'q, DB, O> Binds<'q> for sqlx::query::QueryScalar<'q, DB, O, <DB as sqlx::Database>::Arguments>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    fn text(self, v: &'q str) -> Self {
        self.bind(v)
    }
    fn int(self, v: i64) -> Self {
        self.bind(v)
    }
}

/// A filter's WHERE clause (empty, or starting with a space) and the
/// values its numbered placeholders bind.
struct Where {
    sql: String,
    args: Vec<Arg>,
}

/// The smallest digit string after every string that starts with
/// `prefix` (`3606` → `3607`, `3699` → `37`); `None` when there is none.
fn digits_after(prefix: &str) -> Option<String> {
    let mut b = prefix.as_bytes().to_vec();
    while let Some(last) = b.pop() {
        if last < b'9' {
            b.push(last + 1);
            return String::from_utf8(b).ok();
        }
    }
    None
}

impl Where {
    /// `after`: only cases after this (reported_at, id) in newest-first order.
    fn of(f: &CaseFilter, after: Option<(i64, i64)>) -> Self {
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        // Binds a value; its placeholder, numbered in order.
        let mut bind = |a: Arg| {
            args.push(a);
            format!("${}", args.len())
        };
        if let Some(c) = f.county {
            clauses.push(format!("county = {}", bind(Arg::Text(c.to_string()))));
        }
        if let Some(w) = &f.within {
            // A whole code is an equality on its own column, a partial one a
            // range of grid codes: both walk an index newest first.
            let column = match w.len() {
                15 => Some("grid_code"),
                12 => Some("village_code"),
                9 => Some("town_code"),
                _ => None,
            };
            if let Some(col) = column {
                clauses.push(format!("{col} = {}", bind(Arg::Text(w.clone()))));
            } else if w.bytes().all(|b| b.is_ascii_digit()) {
                clauses.push(format!("grid_code >= {}", bind(Arg::Text(w.clone()))));
                if let Some(next) = digits_after(w) {
                    clauses.push(format!("grid_code < {}", bind(Arg::Text(next))));
                }
            } else {
                clauses.push(format!("grid_code = {}", bind(Arg::Text(w.clone()))));
            }
        }
        if let Some(c) = &f.category {
            clauses.push(format!("category = {}", bind(Arg::Text(c.clone()))));
        }
        if let Some(s) = &f.source {
            clauses.push(format!("source = {}", bind(Arg::Text(s.clone()))));
        }
        // Status names and levels are wangge's own words and numbers,
        // never input text.
        let listed = |statuses: &mut dyn Iterator<Item = Status>| {
            statuses
                .map(|s| format!("'{}'", s.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let open = listed(&mut Status::ALL.into_iter().filter(|s| s.is_open()));
        if !f.statuses.is_empty() {
            let asked = listed(&mut f.statuses.iter().copied());
            // Open statuses only: also said as the open-case index's own
            // predicate, which lets the stores read that small index.
            if f.statuses.iter().all(|s| s.is_open()) && asked != open {
                clauses.push(format!("status IN ({open})"));
            }
            clauses.push(format!("status IN ({asked})"));
        }
        if let Some(l) = f.level {
            clauses.push(format!("level = {}", l.get()));
        }
        if let Some(from) = f.from {
            clauses.push(format!("reported_at >= {}", bind(Arg::Int(from.0))));
        }
        if let Some(to) = f.to {
            clauses.push(format!("reported_at < {}", bind(Arg::Int(to.0))));
        }
        if let Some(overdue) = &f.overdue {
            // One term a level and cut-off, naming its categories: the
            // catalogue's categories share a few deadline profiles.
            let mut groups: Vec<(Level, UnixMs, Vec<&str>)> = Vec::new();
            for (cat, level, before) in overdue {
                match groups
                    .iter_mut()
                    .find(|(l, b, _)| l == level && b == before)
                {
                    Some(g) => g.2.push(cat),
                    None => groups.push((*level, *before, vec![cat])),
                }
            }
            let mut any: Vec<String> = groups
                .into_iter()
                .map(|(level, before, cats)| {
                    let cats: Vec<String> = cats
                        .into_iter()
                        .map(|c| bind(Arg::Text(c.to_string())))
                        .collect();
                    let before = bind(Arg::Int(before.0));
                    format!(
                        "(level = {} AND since < {before} AND category IN ({}))",
                        level.get(),
                        cats.join(", ")
                    )
                })
                .collect();
            if any.is_empty() {
                any.push("FALSE".into());
            }
            clauses.push(format!("status IN ({open}) AND ({})", any.join(" OR ")));
        }
        if let Some((t, id)) = after {
            let t = bind(Arg::Int(t));
            let id = bind(Arg::Int(id));
            clauses.push(format!(
                "(reported_at < {t} OR (reported_at = {t} AND id < {id}))"
            ));
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        Self { sql, args }
    }

    /// Binds the filter's values to a query, in placeholder order.
    fn bind_as<'q, Q: Binds<'q>>(&'q self, q: Q) -> Q {
        self.args.iter().fold(q, |q, a| match a {
            Arg::Text(t) => q.text(t),
            Arg::Int(i) => q.int(*i),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_prefix_ends_before_the_next_digit_string() {
        assert_eq!(digits_after("3606").as_deref(), Some("3607"));
        assert_eq!(digits_after("3699").as_deref(), Some("37"));
        assert_eq!(digits_after("999"), None);
        let f = CaseFilter {
            within: Some("36068100".into()),
            ..CaseFilter::default()
        };
        let w = Where::of(&f, Some((5, 7)));
        assert_eq!(
            w.sql,
            " WHERE grid_code >= $1 AND grid_code < $2 AND (reported_at < $3 OR (reported_at = $3 AND id < $4))"
        );
        let village = Where::of(
            &CaseFilter {
                within: Some("360681001001".into()),
                ..CaseFilter::default()
            },
            None,
        );
        assert_eq!(village.sql, " WHERE village_code = $1");
    }
}

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
    /// When it was first accepted (or dispatched straight away).
    pub accepted_at: Option<i64>,
    /// The level of its first dispatch.
    pub dispatch_level: Option<i32>,
    /// The last satisfaction given, even if reopened since.
    pub last_satisfaction: Option<String>,
    /// The latest of its events' times (none: written by another program,
    /// so the KPIs replay its events).
    pub last_at: Option<i64>,
}

const COLUMNS: &str = "id, county, reported_at, lon, lat, grid_code, village_code, town_code, category, \
    description, source, reporter, external_id, reported_level, level, status, since, dispatched_at, closed_at, \
    satisfaction, escalations, reopened, events, updated_at, accepted_at, dispatch_level, last_satisfaction, last_at";

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
        StateColumns {
            status: &self.status,
            level: self.level,
            reported_at: self.reported_at,
            since: self.since,
            dispatched_at: self.dispatched_at,
            closed_at: self.closed_at,
            satisfaction: self.satisfaction.as_deref(),
            escalations: self.escalations,
            reopened: self.reopened,
            accepted_at: self.accepted_at,
            dispatch_level: self.dispatch_level,
            last_satisfaction: self.last_satisfaction.as_deref(),
            last_at: self.last_at,
        }
        .state()
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
    /// Any of these categories (codes or names): lets a count by category
    /// read the category index a range at a time rather than sort a year.
    pub categories: Vec<String>,
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
                 description, source, reporter, external_id, reported_level, level, status, since, updated_at, last_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 'reported', $2, $14, $2) \
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
                         satisfaction = $6, escalations = $7, reopened = $8, events = $9, updated_at = $10, \
                         accepted_at = $13, dispatch_level = $14, last_satisfaction = $15, last_at = $16 \
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
                    .bind(state.accepted.map(|x| x.0))
                    .bind(state.dispatch_level.map(|l| i32::from(l.get())))
                    .bind(state.last_satisfaction.map(|s| s.as_str()))
                    .bind(state.last_at.0)
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
        let w = Where::of(f, None);
        let count = format!(
            "SELECT count(*) FROM (SELECT 1 FROM cases{} LIMIT {COUNT_CAP}) AS capped",
            w.sql
        );
        let total = async {
            on_pool!(self, pool => {
                w.bind_as(sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(count))).fetch_one(pool).await
            })
            .ctx(|| "counting cases".into())
        };
        // The page and its count at once, on two connections: a rare
        // filter's count walks as far as its page does.
        let (rows, total) = tokio::join!(self.case_page(f), total);
        Ok((rows?, total?.0))
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

/// A case as the KPIs read it.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiCase {
    pub id: i64,
    pub grid_code: String,
    pub category: String,
    pub source: String,
    pub reported_at: i64,
    pub reported_level: i32,
    pub history: KpiHistory,
}

/// What a case went through, as read for a period.
#[derive(Debug, Clone, PartialEq)]
pub enum KpiHistory {
    /// The state on its row, which no event has changed since the
    /// period's end.
    Settled(CaseState),
    /// Its events in order (it moved after the period's end, or its row
    /// was written by another program).
    Events(Vec<Event>),
}

impl KpiHistory {
    /// As the KPI library reads it.
    pub fn as_history(&self) -> ops::cases::History<'_> {
        match self {
            Self::Settled(s) => ops::cases::History::Settled(s),
            Self::Events(e) => ops::cases::History::Events(e),
        }
    }
}

/// Read by position and without sqlx's per-value type check (the
/// columns are [`KPI_COLUMNS`], typed by the migrations): by name and
/// checked, the lookups were a third of a year's read.
impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for KpiRow {
    fn from_row(r: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
        use sqlx::Row;
        Ok(Self {
            id: r.try_get_unchecked(0)?,
            grid_code: r.try_get_unchecked(1)?,
            category: r.try_get_unchecked(2)?,
            source: r.try_get_unchecked(3)?,
            reported_at: r.try_get_unchecked(4)?,
            reported_level: r.try_get_unchecked(5)?,
            level: r.try_get_unchecked(6)?,
            status: r.try_get_unchecked(7)?,
            since: r.try_get_unchecked(8)?,
            dispatched_at: r.try_get_unchecked(9)?,
            closed_at: r.try_get_unchecked(10)?,
            accepted_at: r.try_get_unchecked(11)?,
            dispatch_level: r.try_get_unchecked(12)?,
            last_satisfaction: r.try_get_unchecked(13)?,
            last_at: r.try_get_unchecked(14)?,
        })
    }
}

/// The KPI columns of a case's row, in the order of [`KPI_COLUMNS`].
#[derive(Debug, Default)]
pub(crate) struct KpiRow {
    pub(crate) id: i64,
    pub(crate) grid_code: String,
    pub(crate) category: String,
    pub(crate) source: String,
    pub(crate) reported_at: i64,
    pub(crate) reported_level: i32,
    pub(crate) level: i32,
    pub(crate) status: String,
    pub(crate) since: i64,
    pub(crate) dispatched_at: Option<i64>,
    pub(crate) closed_at: Option<i64>,
    pub(crate) accepted_at: Option<i64>,
    pub(crate) dispatch_level: Option<i32>,
    pub(crate) last_satisfaction: Option<String>,
    pub(crate) last_at: Option<i64>,
}

/// (Not the current satisfaction, escalations or reopenings: no KPI reads
/// them, and a year of rows is read.)
pub(crate) const KPI_COLUMNS: &str = "id, grid_code, category, source, reported_at, reported_level, level, \
    status, since, dispatched_at, closed_at, accepted_at, dispatch_level, last_satisfaction, last_at";

impl KpiRow {
    fn case(self, history: KpiHistory) -> KpiCase {
        KpiCase {
            id: self.id,
            grid_code: self.grid_code,
            category: self.category,
            source: self.source,
            reported_at: self.reported_at,
            reported_level: self.reported_level,
            history,
        }
    }
}

/// Folds the rows settled before `until` into `acc` and keeps the others
/// (whose events must be read) for later.
pub(crate) struct KpiFold<A, F> {
    pub(crate) acc: A,
    pub(crate) each: F,
    until: i64,
    unsettled: Vec<KpiRow>,
}

impl<A, F: FnMut(&mut A, &KpiCase)> KpiFold<A, F> {
    pub(crate) fn row(&mut self, r: KpiRow) {
        if r.last_at.is_some_and(|t| t < self.until) {
            let state = StateColumns::of_kpi(&r).state();
            (self.each)(&mut self.acc, &r.case(KpiHistory::Settled(state)));
        } else {
            self.unsettled.push(r);
        }
    }
}

/// A case row's state columns (what its events left), read the same way
/// from a whole row and from a KPI row.
struct StateColumns<'a> {
    status: &'a str,
    level: i32,
    reported_at: i64,
    since: i64,
    dispatched_at: Option<i64>,
    closed_at: Option<i64>,
    satisfaction: Option<&'a str>,
    escalations: i32,
    reopened: i32,
    accepted_at: Option<i64>,
    dispatch_level: Option<i32>,
    last_satisfaction: Option<&'a str>,
    last_at: Option<i64>,
}

impl StateColumns<'_> {
    fn of_kpi(r: &KpiRow) -> StateColumns<'_> {
        StateColumns {
            status: &r.status,
            level: r.level,
            reported_at: r.reported_at,
            since: r.since,
            dispatched_at: r.dispatched_at,
            closed_at: r.closed_at,
            satisfaction: None,
            escalations: 0,
            reopened: 0,
            accepted_at: r.accepted_at,
            dispatch_level: r.dispatch_level,
            last_satisfaction: r.last_satisfaction.as_deref(),
            last_at: r.last_at,
        }
    }

    fn state(&self) -> CaseState {
        let level = |l: i32| Level::new(l.clamp(1, 4) as u8).unwrap_or(Level::GRID);
        CaseState {
            status: Status::parse(self.status).unwrap_or(Status::Reported),
            level: level(self.level),
            reported: UnixMs(self.reported_at),
            dispatched: self.dispatched_at.map(UnixMs),
            closed: self.closed_at.map(UnixMs),
            since: UnixMs(self.since),
            satisfaction: self.satisfaction.and_then(Satisfaction::parse),
            escalations: self.escalations.max(0) as u32,
            reopened: self.reopened.max(0) as u32,
            accepted: self.accepted_at.map(UnixMs),
            dispatch_level: self.dispatch_level.map(level),
            last_satisfaction: self.last_satisfaction.and_then(Satisfaction::parse),
            last_at: UnixMs(self.last_at.unwrap_or(self.since.max(self.reported_at))),
        }
    }
}

impl Store {
    /// Folds each case the filter matches into `acc`: from its row when no
    /// event has moved it since the filter's end (a year of a million-case
    /// county is read without its events), else with its events. Read as
    /// a stream, so a year of cases never sits in memory.
    pub async fn fold_kpi_cases<A: Send + 'static, F>(
        &self,
        f: &CaseFilter,
        acc: A,
        each: F,
    ) -> Result<A, StoreError>
    where
        F: FnMut(&mut A, &KpiCase) + Send + 'static,
    {
        use futures_util::TryStreamExt;
        let w = Where::of(f, None);
        let sql = format!("SELECT {KPI_COLUMNS} FROM cases{}", w.sql);
        let mut fold = KpiFold {
            acc,
            each,
            until: f.to.map_or(i64::MAX, |t| t.0),
            unsettled: Vec::new(),
        };
        match self.backend() {
            super::backend::Backend::Gpkg(s) => {
                fold = super::gpkg::case_reader::fold_rows(s.pool(), sql, w.args, fold).await?;
            }
            super::backend::Backend::Postgis(s) => {
                let mut rows = w
                    .bind_as(sqlx::query_as::<_, KpiRow>(sqlx::AssertSqlSafe(sql)))
                    .fetch(s.pool());
                while let Some(r) = rows
                    .try_next()
                    .await
                    .ctx(|| "reading cases for their KPIs".into())?
                {
                    fold.row(r);
                }
            }
        }
        let mut unsettled = std::mem::take(&mut fold.unsettled);
        while !unsettled.is_empty() {
            let chunk: Vec<KpiRow> = unsettled.drain(..unsettled.len().min(1000)).collect();
            let ids: Vec<i64> = chunk.iter().map(|r| r.id).collect();
            let mut events: std::collections::HashMap<i64, Vec<Event>> =
                self.events_of(&ids).await?.into_iter().collect();
            for r in chunk {
                let e = events.remove(&r.id).unwrap_or_default();
                (fold.each)(&mut fold.acc, &r.case(KpiHistory::Events(e)));
            }
        }
        Ok(fold.acc)
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

/// The queries a filter binds its values to.
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
        if !f.categories.is_empty() {
            let list: Vec<String> = f
                .categories
                .iter()
                .map(|c| bind(Arg::Text(c.clone())))
                .collect();
            clauses.push(format!("category IN ({})", list.join(", ")));
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

    /// A case walked through its loop, read for its KPIs over periods
    /// ending after and before its last event, and with its KPI columns
    /// blanked as another program would leave them.
    #[tokio::test]
    async fn kpis_read_the_row_when_settled_and_the_events_otherwise() {
        use ops::cases::kpi::CaseKpis;
        use ops::cases::{CaseKpiParams, CaseRecord, Catalogue, Move, Source};
        const H: i64 = 3_600_000;
        let dir = tempfile::tempdir().unwrap();
        let store =
            Store::create_or_open(&super::super::StoreTarget::File(dir.path().join("k.gpkg")))
                .await
                .unwrap();
        let grid = "110108001001001".to_string();
        let Created::New(id) = store
            .create_case(&NewCase {
                county: CountyCode::PLACEHOLDER,
                reported_at: UnixMs(0),
                lon: 116.0,
                lat: 40.0,
                grid_code: grid.clone(),
                category: "property".into(),
                description: String::new(),
                source: Source::Worker,
                reporter: "w1".into(),
                external_id: None,
                level: Level::GRID,
            })
            .await
            .unwrap()
        else {
            panic!("a new case")
        };
        let mut s = CaseState::reported(UnixMs(0), Level::GRID);
        let steps = [
            (Status::Accepted, None),
            (Status::Dispatched, None),
            (Status::Handled, None),
            (Status::Verified, None),
            (Status::Closed, None),
            (Status::FollowedUp, Some(Satisfaction::Partly)),
            (Status::Reopened, None),
        ];
        for (i, (to, satisfaction)) in steps.into_iter().enumerate() {
            let m = Move {
                to: Some(to),
                unit: Some("u".into()),
                level: Some(Level::VILLAGE),
                satisfaction,
                ..Move::default()
            };
            let e = s
                .check(&m, Actor::Admin, "a", UnixMs((i as i64 + 1) * H))
                .unwrap();
            s = s.apply(&e);
            store.apply_case_event(id, i as i32, &e, &s).await.unwrap();
        }
        let stored = store.case(id).await.unwrap().unwrap();
        assert_eq!(stored.state(), s, "the row holds what the events leave");
        let kpis = |to: i64| {
            let store = &store;
            let grid = grid.clone();
            async move {
                let p = CaseKpiParams {
                    from: UnixMs(0),
                    to: UnixMs(to),
                    dispatch_within_ms: H,
                    prefix: 12,
                };
                let f = CaseFilter {
                    to: Some(UnixMs(to)),
                    ..CaseFilter::default()
                };
                let k = CaseKpis::new(&[grid], &Catalogue::standard(), &p);
                store
                    .fold_kpi_cases(&f, (k, Vec::new()), |(k, kinds), c| {
                        let history = c.history.as_history();
                        kinds.push(matches!(c.history, KpiHistory::Settled(_)));
                        k.add(&CaseRecord {
                            grid: &c.grid_code,
                            category: &c.category,
                            source: Source::Worker,
                            reported: UnixMs(c.reported_at),
                            level: Level::GRID,
                            history,
                        });
                    })
                    .await
                    .map(|(k, kinds)| (k.finish().remove(0), kinds))
                    .unwrap()
            }
        };
        let (after, kinds) = kpis(100 * H).await;
        assert_eq!(kinds, [true], "no event after the period: the row");
        assert_eq!(
            (after.closed, after.open, after.followed_up, after.satisfied),
            (0, 1, 1, 1)
        );
        assert_eq!(after.dispatched_in_time, 1);
        let (before, kinds) = kpis(5 * H + 1).await;
        assert_eq!(kinds, [false], "moved after the period: the events");
        assert_eq!((before.closed, before.open, before.followed_up), (1, 0, 0));
        assert_eq!(before.closed_on_time, 1);
        // Blank KPI columns: the events, with the same figures.
        if let super::super::backend::Backend::Gpkg(g) = store.backend() {
            sqlx::query("UPDATE cases SET last_at = NULL")
                .execute(g.pool())
                .await
                .unwrap();
        }
        let (blank, kinds) = kpis(100 * H).await;
        assert_eq!(kinds, [false]);
        assert_eq!(blank, after);
        // The migration that added the columns fills them as the events do.
        if let super::super::backend::Backend::Gpkg(g) = store.backend() {
            let sql = include_str!("../../migrations/gpkg/0008_case_summary.sql");
            let fill = &sql[sql.find("UPDATE cases").unwrap()..];
            sqlx::query("UPDATE cases SET accepted_at = NULL, dispatch_level = NULL, last_satisfaction = NULL")
                .execute(g.pool())
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(fill))
                .execute(g.pool())
                .await
                .unwrap();
        }
        assert_eq!(store.case(id).await.unwrap().unwrap().state(), s);
    }
}

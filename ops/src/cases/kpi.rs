//! Case KPIs over a period, per area (grid, village, town or county, by
//! the length of the code prefix): reporting coverage (信息上报覆盖率),
//! dispatch within N minutes (实时派单率), closure (处置办结率), closure on
//! time, satisfaction (处理满意率), time to close, overdue; and per
//! category the count against the same period a year earlier. Everything
//! is recomputed from the cases' events, so it can be checked against
//! what the store reports.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Source;
use super::catalogue::Catalogue;
use super::workflow::{CaseState, Event, Level, Satisfaction};
use crate::positions::UnixMs;

/// A case as the KPIs read it.
#[derive(Debug, Clone)]
pub struct CaseRecord<'a> {
    /// The 15-digit grid code it lies in.
    pub grid: &'a str,
    pub category: &'a str,
    pub source: Source,
    pub reported: UnixMs,
    /// Its level when reported.
    pub level: Level,
    pub history: History<'a>,
}

/// What a case went through, as the KPIs read it.
#[derive(Debug, Clone, Copy)]
pub enum History<'a> {
    /// Its events, in order; those at or after the period's end are left out.
    Events(&'a [Event]),
    /// The state its events leave, which must be the state at the
    /// period's end ([`CaseKpis::settled`]): a store keeps it on the
    /// case's row, so a year of cases is read without their events.
    Settled(&'a CaseState),
}

#[derive(Debug, Clone)]
pub struct CaseKpiParams {
    pub from: UnixMs,
    pub to: UnixMs,
    /// A case dispatched within this long of its acceptance counts as
    /// dispatched in time.
    pub dispatch_within_ms: i64,
    /// 15 (grid), 12 (village), 9 (town) or 6 (county).
    pub prefix: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AreaKpi {
    pub area: String,
    /// Grids of the area, and those with a case a worker reported.
    pub grids: usize,
    pub grids_reporting: usize,
    pub coverage: Option<f64>,
    /// Cases reported in the period.
    pub reported: usize,
    pub accepted: usize,
    pub dispatched_in_time: usize,
    pub dispatch_rate: Option<f64>,
    /// Closed by the period's end (fixed or not).
    pub closed: usize,
    pub closure_rate: Option<f64>,
    pub closed_on_time: usize,
    pub on_time_rate: Option<f64>,
    pub followed_up: usize,
    /// 满意 and 基本满意 among those asked.
    pub satisfied: usize,
    pub satisfaction_rate: Option<f64>,
    /// Hours from first dispatch to closure.
    pub mean_close_hours: Option<f64>,
    pub p90_close_hours: Option<f64>,
    /// Open at the period's end.
    pub open: usize,
    /// Open at the period's end and past the current stage's deadline.
    pub overdue: usize,
}

fn ratio(a: usize, b: usize) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
}

/// Whether a case is past its stage's deadline at `at`.
pub fn overdue(state: &CaseState, category: &str, catalogue: &Catalogue, at: UnixMs) -> bool {
    state.status.is_open()
        && catalogue
            .find(category)
            .is_some_and(|c| at.0 - state.since.0 > c.deadline_ms(state.level))
}

/// The KPIs of every area the grids fall in. `grids` lists the plan's
/// grid codes (for coverage, and so that an area without cases shows).
pub fn case_kpis(
    cases: &[CaseRecord],
    grids: &[String],
    catalogue: &Catalogue,
    p: &CaseKpiParams,
) -> Vec<AreaKpi> {
    let mut k = CaseKpis::new(grids, catalogue, p);
    for c in cases {
        k.add(c);
    }
    k.finish()
}

/// The KPIs taken a case at a time, so that a store can stream a year of
/// cases through them without holding them all.
#[derive(Debug)]
pub struct CaseKpis {
    catalogue: Catalogue,
    p: CaseKpiParams,
    grids: BTreeSet<String>,
    out: BTreeMap<String, AreaKpi>,
    reporting: BTreeSet<String>,
    close_hours: BTreeMap<String, Vec<f64>>,
}

impl CaseKpis {
    pub fn new(grids: &[String], catalogue: &Catalogue, p: &CaseKpiParams) -> Self {
        let mut k = Self {
            catalogue: catalogue.clone(),
            p: p.clone(),
            grids: grids.iter().cloned().collect(),
            out: BTreeMap::new(),
            reporting: BTreeSet::new(),
            close_hours: BTreeMap::new(),
        };
        for g in grids {
            let key = k.area_of(g);
            k.out.entry(key).or_default().grids += 1;
        }
        k
    }

    fn area_of(&self, code: &str) -> String {
        code.get(..self.p.prefix).unwrap_or(code).to_string()
    }

    /// Whether a case's stored state is its state at the period's end
    /// (no event since), so it counts without its events.
    pub fn settled(&self, state: &CaseState) -> bool {
        state.last_at < self.p.to
    }

    /// Counts one case (one reported outside the period counts for nothing).
    pub fn add(&mut self, c: &CaseRecord) {
        let p = &self.p;
        if c.reported < p.from || c.reported >= p.to {
            return;
        }
        let replayed;
        let state = match c.history {
            History::Settled(s) => s,
            History::Events(events) => {
                // Events come in time order (a slice, no copy); else they are picked.
                let upto: Cow<[Event]> = if events.is_sorted_by_key(|e| e.at) {
                    Cow::Borrowed(&events[..events.partition_point(|e| e.at < p.to)])
                } else {
                    Cow::Owned(events.iter().filter(|e| e.at < p.to).cloned().collect())
                };
                replayed = CaseState::replay(c.reported, c.level, &upto);
                &replayed
            }
        };
        // A year of a county is half a million cases: the area is looked
        // up by a slice of the code, a key allocated only for a new area.
        let key = c.grid.get(..p.prefix).unwrap_or(c.grid);
        if !self.out.contains_key(key) {
            self.out.insert(key.to_string(), AreaKpi::default());
        }
        let Some(a) = self.out.get_mut(key) else {
            return;
        };
        a.reported += 1;
        if c.source == Source::Worker && !self.reporting.contains(c.grid) {
            self.reporting.insert(c.grid.to_string());
        }
        if state.accepted.is_some() {
            a.accepted += 1;
        }
        if let (Some(acc), Some(dis)) = (state.accepted, state.dispatched)
            && dis.0 - acc.0 <= p.dispatch_within_ms
        {
            a.dispatched_in_time += 1;
        }
        if state.status.is_closed() {
            a.closed += 1;
            if let (Some(dis), Some(closed)) = (state.dispatched, state.closed) {
                let took = closed.0 - dis.0;
                let hours = took as f64 / 3_600_000.0;
                match self.close_hours.get_mut(key) {
                    Some(h) => h.push(hours),
                    None => {
                        self.close_hours.insert(key.to_string(), vec![hours]);
                    }
                }
                let level = state.dispatch_level.unwrap_or(c.level);
                if self
                    .catalogue
                    .find(c.category)
                    .is_some_and(|cat| took <= cat.deadline_ms(level))
                {
                    a.closed_on_time += 1;
                }
            }
        }
        if let Some(s) = state.last_satisfaction {
            a.followed_up += 1;
            if s != Satisfaction::Unsatisfied {
                a.satisfied += 1;
            }
        }
        if state.status.is_open() {
            a.open += 1;
            if overdue(state, c.category, &self.catalogue, p.to) {
                a.overdue += 1;
            }
        }
    }

    pub fn finish(mut self) -> Vec<AreaKpi> {
        for g in &self.reporting {
            let key = self.area_of(g);
            if let Some(a) = self.out.get_mut(&key)
                && self.grids.contains(g)
            {
                a.grids_reporting += 1;
            }
        }
        let mut close_hours = std::mem::take(&mut self.close_hours);
        self.out
            .into_iter()
            .map(|(area, mut a)| {
                a.area = area.clone();
                a.coverage = ratio(a.grids_reporting, a.grids);
                a.dispatch_rate = ratio(a.dispatched_in_time, a.accepted);
                a.closure_rate = ratio(a.closed, a.accepted);
                a.on_time_rate = ratio(a.closed_on_time, a.closed);
                a.satisfaction_rate = ratio(a.satisfied, a.followed_up);
                if let Some(mut h) = close_hours.remove(&area)
                    && !h.is_empty()
                {
                    h.sort_by(f64::total_cmp);
                    a.mean_close_hours = Some(h.iter().sum::<f64>() / h.len() as f64);
                    let i = ((h.len() as f64 * 0.9).ceil() as usize).clamp(1, h.len()) - 1;
                    a.p90_close_hours = Some(h[i]);
                }
                a
            })
            .collect()
    }
}

/// One category's count against the same period a year earlier.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CategoryTrend {
    pub code: String,
    pub name: String,
    pub count: usize,
    pub last_year: usize,
    /// (count − last_year) / last_year.
    pub change: Option<f64>,
    pub target_change: Option<f64>,
    /// Whether the change is at or below the target.
    pub target_met: Option<bool>,
}

/// The same instant a year earlier (in China's zone: 29 February goes to
/// the 28th).
pub fn a_year_before(t: UnixMs) -> UnixMs {
    jiff::Timestamp::from_millisecond(t.0)
        .ok()
        .and_then(|ts| {
            ts.to_zoned(crate::positions::time::LocalDays::china().zone().clone())
                .checked_sub(jiff::Span::new().years(1))
                .ok()
        })
        .map_or(UnixMs(t.0 - 365 * 86_400_000), |z| {
            UnixMs(z.timestamp().as_millisecond())
        })
}

/// Counts per category in `[from, to)` and the year before; a target of
/// −0.10 is met by a fall of 10 % or more.
pub fn category_trends(
    cases: &[CaseRecord],
    catalogue: &Catalogue,
    from: UnixMs,
    to: UnixMs,
) -> Vec<CategoryTrend> {
    let (lf, lt) = (a_year_before(from), a_year_before(to));
    let count = |a: UnixMs, b: UnixMs| {
        let mut n: BTreeMap<String, usize> = BTreeMap::new();
        for c in cases.iter().filter(|c| c.reported >= a && c.reported < b) {
            *n.entry(c.category.to_string()).or_default() += 1;
        }
        n
    };
    trends_of_counts(&count(from, to), &count(lf, lt), catalogue)
}

/// The same from counts by category code (or name): this period's and
/// the same period's a year earlier.
pub fn trends_of_counts(
    now: &BTreeMap<String, usize>,
    last_year: &BTreeMap<String, usize>,
    catalogue: &Catalogue,
) -> Vec<CategoryTrend> {
    catalogue
        .categories
        .iter()
        .map(|cat| {
            let of = |n: &BTreeMap<String, usize>| {
                n.get(&cat.code).copied().unwrap_or(0)
                    + if cat.name != cat.code {
                        n.get(&cat.name).copied().unwrap_or(0)
                    } else {
                        0
                    }
            };
            let (count, last_year) = (of(now), of(last_year));
            let change =
                (last_year > 0).then(|| (count as f64 - last_year as f64) / last_year as f64);
            CategoryTrend {
                code: cat.code.clone(),
                name: cat.name.clone(),
                count,
                last_year,
                change,
                target_change: cat.target_change,
                target_met: cat.target_change.zip(change).map(|(t, c)| c <= t + 1e-12),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::workflow::{Actor, Move, Status};

    const H: i64 = 3_600_000;

    /// A case's events through the loop up to `upto` (a status), an hour
    /// a step, dispatched `dispatch_after` after acceptance.
    fn events(upto: Status, dispatch_after: i64, sat: Satisfaction) -> Vec<Event> {
        let path = [
            Status::Accepted,
            Status::Dispatched,
            Status::Handled,
            Status::Verified,
            Status::Closed,
            Status::FollowedUp,
        ];
        let mut s = CaseState::reported(UnixMs(0), Level::GRID);
        let mut t = 0;
        let mut out = Vec::new();
        for to in path {
            t += if to == Status::Dispatched {
                dispatch_after
            } else {
                H
            };
            let m = Move {
                to: Some(to),
                unit: Some("u".into()),
                satisfaction: Some(sat),
                ..Move::default()
            };
            let e = s.check(&m, Actor::Admin, "a", UnixMs(t)).unwrap();
            s = s.apply(&e);
            out.push(e);
            if to == upto {
                break;
            }
        }
        out
    }

    #[test]
    fn kpis_per_village_from_events() {
        let closed = events(Status::FollowedUp, 10 * 60_000, Satisfaction::Satisfied);
        let late = events(Status::Dispatched, 5 * H, Satisfaction::Satisfied);
        let unhappy = events(Status::FollowedUp, 60_000, Satisfaction::Unsatisfied);
        let g1 = "110108001001001";
        let g2 = "110108001001002";
        let g3 = "110108001002001";
        fn rec<'a>(grid: &'a str, events: &'a [Event], source: Source) -> CaseRecord<'a> {
            CaseRecord {
                grid,
                category: "property",
                source,
                reported: UnixMs(0),
                level: Level::GRID,
                history: History::Events(events),
            }
        }
        let cases = [
            rec(g1, &closed, Source::Worker),
            rec(g1, &late, Source::Hotline),
            rec(g2, &unhappy, Source::Citizen),
            rec(g3, &closed, Source::Worker),
        ];
        let grids = [g1, g2, g3].map(String::from);
        let p = CaseKpiParams {
            from: UnixMs(0),
            to: UnixMs(100 * H),
            dispatch_within_ms: 30 * 60_000,
            prefix: 12,
        };
        let k = case_kpis(&cases, &grids, &Catalogue::standard(), &p);
        assert_eq!(k.len(), 2);
        let v1 = &k[0];
        assert_eq!(v1.area, "110108001001");
        assert_eq!(
            (v1.grids, v1.grids_reporting, v1.reported, v1.accepted),
            (2, 1, 3, 3)
        );
        assert_eq!(v1.coverage, Some(0.5));
        assert_eq!(v1.dispatched_in_time, 2, "the 5-hour dispatch is late");
        assert_eq!((v1.closed, v1.open), (2, 1));
        assert_eq!((v1.followed_up, v1.satisfied), (2, 1));
        // The late case has sat dispatched since hour 6: past 24 h by hour 100.
        assert_eq!(v1.overdue, 1);
        assert_eq!(v1.closed_on_time, 2);
        assert!(v1.mean_close_hours.unwrap() > 2.9 && v1.p90_close_hours.unwrap() <= 3.0 + 1e-9);
        // The period's end cuts history: at hour 3 nothing is closed yet.
        let early = CaseKpiParams {
            to: UnixMs(3 * H),
            ..p.clone()
        };
        let k = case_kpis(&cases, &grids, &Catalogue::standard(), &early);
        assert_eq!(k[0].closed, 0);
    }

    #[test]
    fn a_year_earlier_and_the_target() {
        let t = UnixMs(1_795_996_800_000); // 2026-11-30 08:00 +08
        assert_eq!(
            a_year_before(t),
            UnixMs(1_795_996_800_000 - 365 * 86_400_000)
        );
        let ev: &[Event] = &[];
        let rec = |reported| CaseRecord {
            grid: "110108001001001",
            category: "property",
            source: Source::Hotline,
            reported,
            level: Level::GRID,
            history: History::Events(ev),
        };
        let year = 365 * 86_400_000;
        let mut cases: Vec<CaseRecord> = (0..9).map(|i| rec(UnixMs(t.0 + i))).collect();
        cases.extend((0..10).map(|i| rec(UnixMs(t.0 - year + i))));
        let tr = category_trends(&cases, &Catalogue::standard(), t, UnixMs(t.0 + 1000));
        let p = tr.iter().find(|c| c.code == "property").unwrap();
        assert_eq!((p.count, p.last_year), (9, 10));
        assert_eq!(p.target_met, Some(true), "down 10 %: {p:?}");
        let m = tr.iter().find(|c| c.code == "medical").unwrap();
        assert_eq!((m.count, m.change, m.target_met), (0, None, None));
    }

    /// The KPIs as first written, straight from the events (what the
    /// state kept on a case's row must reproduce).
    fn from_events(c: &CaseRecord, events: &[Event], p: &CaseKpiParams) -> AreaKpi {
        let upto: Vec<Event> = events.iter().filter(|e| e.at < p.to).cloned().collect();
        let first = |to: Status| upto.iter().find(|e| e.to == to).map(|e| e.at);
        let state = CaseState::replay(c.reported, c.level, &upto);
        let (accepted, dispatched) = (first(Status::Accepted), first(Status::Dispatched));
        let mut a = AreaKpi {
            reported: 1,
            ..AreaKpi::default()
        };
        a.accepted = usize::from(accepted.is_some() || dispatched.is_some());
        if let (Some(acc), Some(dis)) = (accepted.or(dispatched), dispatched) {
            a.dispatched_in_time = usize::from(dis.0 - acc.0 <= p.dispatch_within_ms);
        }
        if state.status.is_closed() {
            a.closed = 1;
            if let (Some(dis), Some(closed)) = (dispatched, state.closed) {
                let level = upto
                    .iter()
                    .find(|e| e.to == Status::Dispatched)
                    .map_or(c.level, |e| e.level);
                let cat = Catalogue::standard();
                a.closed_on_time = usize::from(
                    cat.find(c.category)
                        .is_some_and(|k| closed.0 - dis.0 <= k.deadline_ms(level)),
                );
            }
        }
        if let Some(s) = upto.iter().rev().find_map(|e| e.satisfaction) {
            a.followed_up = 1;
            a.satisfied = usize::from(s != Satisfaction::Unsatisfied);
        }
        a.open = usize::from(state.status.is_open());
        a
    }

    proptest::proptest! {
        /// A random walk through the loop, cut by a period's end anywhere:
        /// the KPIs from the events equal those first written, and those
        /// from the state a case's row keeps equal them whenever that
        /// state is settled by the period's end.
        #[test]
        fn settled_state_counts_as_its_events(
            steps in proptest::collection::vec((0usize..4, 1i64..40 * H, 1u8..=4, 0usize..3), 0..14),
            cut in 0i64..400 * H,
        ) {
            let mut s = CaseState::reported(UnixMs(0), Level::GRID);
            let mut t = 0;
            let mut events = Vec::new();
            for (pick, dt, level, sat) in steps {
                let next = s.status.next();
                let to = next[pick % next.len()];
                t += dt;
                let m = Move {
                    to: Some(to),
                    unit: Some("u".into()),
                    level: Level::new(level).ok(),
                    satisfaction: Some([Satisfaction::Satisfied, Satisfaction::Partly, Satisfaction::Unsatisfied][sat]),
                    duplicate_of: Some(9),
                    ..Move::default()
                };
                let Ok(e) = s.check(&m, Actor::Admin, "a", UnixMs(t)) else { continue };
                s = s.apply(&e);
                events.push(e);
            }
            let grids = ["110108001001001".to_string()];
            let p = CaseKpiParams { from: UnixMs(0), to: UnixMs(cut + 1), dispatch_within_ms: 20 * H, prefix: 12 };
            let rec = |history| CaseRecord {
                grid: "110108001001001",
                category: "property",
                source: Source::Hotline,
                reported: UnixMs(0),
                level: Level::GRID,
                history,
            };
            let count = |history| {
                let mut k = CaseKpis::new(&grids, &Catalogue::standard(), &p);
                k.add(&rec(history));
                let mut a = k.finish().remove(0);
                a = AreaKpi { area: String::new(), grids: 0, coverage: None, dispatch_rate: None,
                    closure_rate: None, on_time_rate: None, satisfaction_rate: None,
                    mean_close_hours: None, p90_close_hours: None, overdue: 0, ..a };
                a
            };
            let by_events = count(History::Events(&events));
            proptest::prop_assert_eq!(&by_events, &from_events(&rec(History::Events(&events)), &events, &p));
            let k = CaseKpis::new(&grids, &Catalogue::standard(), &p);
            if k.settled(&s) {
                proptest::prop_assert_eq!(&count(History::Settled(&s)), &by_events);
            }
        }
    }
}

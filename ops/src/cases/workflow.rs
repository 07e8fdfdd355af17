//! A case's closed loop (发现 → 立案 → 派遣 → 处置 → 核查 → 结案 → 回访) as a
//! state machine. Every change is an event with its actor, role, time and
//! note; a case's state is what its events, applied in order, leave. No
//! I/O here: the stores keep the events, the server checks and applies.

use serde::{Deserialize, Serialize};

use crate::positions::UnixMs;

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 上报: found and reported, not yet looked at.
    Reported,
    /// 立案: accepted as a case.
    Accepted,
    /// 不予立案: not a case.
    Rejected,
    /// 重复: the same as another case.
    Duplicate,
    /// 派遣: sent to a unit at a level.
    Dispatched,
    /// 处置: the unit says it is dealt with.
    Handled,
    /// 核查: checked on the spot.
    Verified,
    /// 结案: closed, fixed.
    Closed,
    /// 结案（未解决）: closed without a fix (out of reach, by law or means).
    ClosedNotFixed,
    /// 回访: the reporter was asked, with a satisfaction.
    FollowedUp,
    /// 重新打开: back for dispatch.
    Reopened,
}

impl Status {
    pub const ALL: [Status; 11] = [
        Self::Reported,
        Self::Accepted,
        Self::Rejected,
        Self::Duplicate,
        Self::Dispatched,
        Self::Handled,
        Self::Verified,
        Self::Closed,
        Self::ClosedNotFixed,
        Self::FollowedUp,
        Self::Reopened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reported => "reported",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Duplicate => "duplicate",
            Self::Dispatched => "dispatched",
            Self::Handled => "handled",
            Self::Verified => "verified",
            Self::Closed => "closed",
            Self::ClosedNotFixed => "closed_not_fixed",
            Self::FollowedUp => "followed_up",
            Self::Reopened => "reopened",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn chinese(self) -> &'static str {
        match self {
            Self::Reported => "已上报",
            Self::Accepted => "已立案",
            Self::Rejected => "不予立案",
            Self::Duplicate => "重复",
            Self::Dispatched => "已派遣",
            Self::Handled => "已处置",
            Self::Verified => "已核查",
            Self::Closed => "已结案",
            Self::ClosedNotFixed => "结案（未解决）",
            Self::FollowedUp => "已回访",
            Self::Reopened => "重新打开",
        }
    }

    /// The statuses a case may move to from here (by a person; the
    /// system's escalation re-dispatches one level up).
    pub fn next(self) -> &'static [Status] {
        use Status::*;
        match self {
            Reported => &[Accepted, Rejected, Duplicate],
            Accepted => &[Dispatched],
            // Re-dispatch: to another unit, or up a level by hand.
            Dispatched => &[Handled, Dispatched],
            // A check on the spot that fails sends it back.
            Handled => &[Verified, Dispatched],
            Verified => &[Closed, ClosedNotFixed],
            Closed | ClosedNotFixed => &[FollowedUp, Reopened],
            FollowedUp => &[Reopened],
            Rejected | Duplicate => &[Reopened],
            Reopened => &[Accepted, Dispatched],
        }
    }

    /// Still to be dealt with (counted as open, may run overdue).
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Reported
                | Self::Accepted
                | Self::Dispatched
                | Self::Handled
                | Self::Verified
                | Self::Reopened
        )
    }

    /// Closed one way or the other (结案).
    pub fn is_closed(self) -> bool {
        matches!(self, Self::Closed | Self::ClosedNotFixed | Self::FollowedUp)
    }
}

/// The four levels cases are handled at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Level(u8);

impl Level {
    pub const GRID: Level = Level(1);
    pub const VILLAGE: Level = Level(2);
    pub const TOWN: Level = Level(3);
    pub const COUNTY: Level = Level(4);

    pub fn new(n: u8) -> Result<Self, String> {
        (1..=4).contains(&n).then_some(Self(n)).ok_or_else(|| {
            format!("level {n} is not 1 (grid), 2 (village), 3 (town) or 4 (county)")
        })
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// One level up, or `None` at the county.
    pub fn up(self) -> Option<Level> {
        (self.0 < 4).then_some(Level(self.0 + 1))
    }
}

impl TryFrom<u8> for Level {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        Self::new(n)
    }
}

impl From<Level> for u8 {
    fn from(l: Level) -> u8 {
        l.0
    }
}

/// 满意 / 基本满意 / 不满意.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    Partly,
    Unsatisfied,
}

impl Satisfaction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Satisfied => "satisfied",
            Self::Partly => "partly",
            Self::Unsatisfied => "unsatisfied",
        }
    }

    /// The English word or the Chinese one (满意, 基本满意, 不满意).
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "satisfied" | "满意" => Some(Self::Satisfied),
            "partly" | "基本满意" => Some(Self::Partly),
            "unsatisfied" | "不满意" => Some(Self::Unsatisfied),
            _ => None,
        }
    }
}

/// Who acts on a case, and how far their account reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// A grid worker, in its grids: reports and handles.
    Worker,
    /// An account of a village, town or county (by its scope's level):
    /// accepts, dispatches, verifies and closes cases up to its level.
    Office(Level),
    /// An administrator: everything.
    Admin,
    /// wangge itself: escalation past a deadline.
    System,
}

impl Actor {
    /// `worker`, `office:2`, `admin`, `system` (as stored).
    pub fn to_text(self) -> String {
        match self {
            Self::Worker => "worker".into(),
            Self::Office(l) => format!("office:{}", l.get()),
            Self::Admin => "admin".into(),
            Self::System => "system".into(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "worker" => Some(Self::Worker),
            "admin" => Some(Self::Admin),
            "system" => Some(Self::System),
            _ => s
                .strip_prefix("office:")
                .and_then(|l| l.parse::<u8>().ok())
                .and_then(|l| Level::new(l).ok())
                .map(Self::Office),
        }
    }
}

/// One change of a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at: UnixMs,
    pub from: Option<Status>,
    pub to: Status,
    /// The level after the change.
    pub level: Level,
    pub actor: Actor,
    /// The account's name (a token's, a user's, `system`).
    pub by: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
    /// The unit dispatched to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub satisfaction: Option<Satisfaction>,
    /// Another case this one repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<i64>,
}

/// A request to move a case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Move {
    pub to: Option<Status>,
    pub note: String,
    /// For a dispatch: the unit, and the level (default: the case's).
    pub unit: Option<String>,
    pub level: Option<Level>,
    pub satisfaction: Option<Satisfaction>,
    pub duplicate_of: Option<i64>,
}

/// Why a move is refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MoveError {
    #[error("a case {from} cannot become {to}; from {from} it may become {allowed}")]
    Illegal {
        from: &'static str,
        to: &'static str,
        allowed: String,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    Missing(&'static str),
}

impl MoveError {
    fn illegal(from: Status, to: Status) -> Self {
        Self::Illegal {
            from: from.as_str(),
            to: to.as_str(),
            allowed: from
                .next()
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// What a case's events leave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseState {
    pub status: Status,
    pub level: Level,
    pub reported: UnixMs,
    /// When it was first dispatched (the clock of the dispatch rate).
    pub dispatched: Option<UnixMs>,
    /// When it was last closed.
    pub closed: Option<UnixMs>,
    /// Since when the current stage has run (its deadline counts from here).
    pub since: UnixMs,
    pub satisfaction: Option<Satisfaction>,
    pub escalations: u32,
    pub reopened: u32,
    /// When it was first accepted (or dispatched straight away).
    pub accepted: Option<UnixMs>,
    /// The level it was first dispatched at (closure on time counts
    /// against that level's deadline).
    pub dispatch_level: Option<Level>,
    /// The last satisfaction given, kept through a reopening (the
    /// satisfaction KPI counts every follow-up).
    pub last_satisfaction: Option<Satisfaction>,
    /// The latest of its events' times: the state holds at any later
    /// instant, so a KPI over a period ending after it needs no replay.
    pub last_at: UnixMs,
}

impl CaseState {
    /// The state of a new case.
    pub fn reported(at: UnixMs, level: Level) -> Self {
        Self {
            status: Status::Reported,
            level,
            reported: at,
            dispatched: None,
            closed: None,
            since: at,
            satisfaction: None,
            escalations: 0,
            reopened: 0,
            accepted: None,
            dispatch_level: None,
            last_satisfaction: None,
            last_at: at,
        }
    }

    /// The state after `e` (which must have been checked).
    pub fn apply(&self, e: &Event) -> Self {
        let mut s = self.clone();
        s.status = e.to;
        s.level = e.level;
        s.since = e.at;
        s.last_at = s.last_at.max(e.at);
        if e.satisfaction.is_some() {
            s.last_satisfaction = e.satisfaction;
        }
        match e.to {
            Status::Accepted => {
                s.accepted.get_or_insert(e.at);
            }
            Status::Dispatched => {
                s.dispatched.get_or_insert(e.at);
                s.accepted.get_or_insert(e.at);
                s.dispatch_level.get_or_insert(e.level);
                if e.actor == Actor::System {
                    s.escalations += 1;
                }
            }
            Status::Closed | Status::ClosedNotFixed => s.closed = Some(e.at),
            Status::FollowedUp => s.satisfaction = e.satisfaction,
            Status::Reopened => {
                s.reopened += 1;
                s.closed = None;
                s.satisfaction = None;
            }
            _ => {}
        }
        s
    }

    /// Replays a case's events from its report.
    pub fn replay(reported: UnixMs, level: Level, events: &[Event]) -> Self {
        events
            .iter()
            .fold(Self::reported(reported, level), |s, e| s.apply(e))
    }

    /// Checks a move by `actor` and makes its event.
    pub fn check(&self, m: &Move, actor: Actor, by: &str, at: UnixMs) -> Result<Event, MoveError> {
        let to =
            m.to.ok_or(MoveError::Missing("the target status ('to') is missing"))?;
        if !self.status.next().contains(&to) {
            return Err(MoveError::illegal(self.status, to));
        }
        let level = m.level.unwrap_or(self.level);
        allowed(actor, self, to, level)?;
        if to == Status::FollowedUp && m.satisfaction.is_none() {
            return Err(MoveError::Missing(
                "a follow-up names the reporter's satisfaction: satisfied, partly or unsatisfied",
            ));
        }
        if to == Status::Duplicate && m.duplicate_of.is_none() {
            return Err(MoveError::Missing(
                "a duplicate names the case it repeats ('duplicate_of')",
            ));
        }
        if to == Status::Dispatched && m.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
            return Err(MoveError::Missing(
                "a dispatch names the unit it goes to ('unit')",
            ));
        }
        Ok(Event {
            at,
            from: Some(self.status),
            to,
            level,
            actor,
            by: by.to_string(),
            note: m.note.clone(),
            unit: m.unit.clone(),
            satisfaction: (to == Status::FollowedUp)
                .then_some(m.satisfaction)
                .flatten(),
            duplicate_of: (to == Status::Duplicate)
                .then_some(m.duplicate_of)
                .flatten(),
        })
    }

    /// The statuses `actor` may move the case to now (at its level).
    pub fn allowed_moves(&self, actor: Actor) -> Vec<Status> {
        self.status
            .next()
            .iter()
            .copied()
            .filter(|&to| allowed(actor, self, to, self.level).is_ok())
            .collect()
    }

    /// The system's escalation of a case past its deadline: dispatched
    /// again one level up (`None` when not open, or already at the county).
    pub fn escalation(&self, at: UnixMs) -> Option<Event> {
        let up = self.level.up()?;
        matches!(
            self.status,
            Status::Accepted | Status::Dispatched | Status::Reopened
        )
        .then(|| Event {
            at,
            from: Some(self.status),
            to: Status::Dispatched,
            level: up,
            actor: Actor::System,
            by: "system".into(),
            note: format!(
                "overdue at level {}: escalated to level {}",
                self.level.get(),
                up.get()
            ),
            unit: None,
            satisfaction: None,
            duplicate_of: None,
        })
    }
}

/// Who may make which move: a worker reports (elsewhere) and handles; an
/// office accepts, dispatches, verifies, closes and follows up cases at or
/// below its level, and dispatches no higher than itself; the system only
/// escalates; an admin may do anything legal.
fn allowed(actor: Actor, s: &CaseState, to: Status, level: Level) -> Result<(), MoveError> {
    match actor {
        Actor::Admin => Ok(()),
        Actor::System => Err(MoveError::Forbidden("the system only escalates".into())),
        Actor::Worker => {
            if to == Status::Handled && s.level == Level::GRID {
                Ok(())
            } else {
                Err(MoveError::Forbidden(format!(
                    "a grid worker may mark a grid-level case handled; this one is at level {} and would become {}",
                    s.level.get(),
                    to.as_str()
                )))
            }
        }
        Actor::Office(own) => {
            if s.level > own {
                Err(MoveError::Forbidden(format!(
                    "the case is at level {}, above this account's level {}",
                    s.level.get(),
                    own.get()
                )))
            } else if level > own {
                Err(MoveError::Forbidden(format!(
                    "an account of level {} may not send a case to level {}",
                    own.get(),
                    level.get()
                )))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn mv(to: Status) -> Move {
        Move {
            to: Some(to),
            unit: Some("城管中队".into()),
            satisfaction: Some(Satisfaction::Satisfied),
            duplicate_of: Some(1),
            ..Move::default()
        }
    }

    #[test]
    fn the_closed_loop_runs_through_and_is_replayed_from_its_events() {
        let office = Actor::Office(Level::VILLAGE);
        let mut s = CaseState::reported(UnixMs(0), Level::GRID);
        let mut events = Vec::new();
        for (i, (to, actor)) in [
            (Status::Accepted, office),
            (Status::Dispatched, office),
            (Status::Handled, Actor::Worker),
            (Status::Verified, office),
            (Status::Closed, office),
            (Status::FollowedUp, office),
        ]
        .into_iter()
        .enumerate()
        {
            let e = s
                .check(&mv(to), actor, "x", UnixMs(i as i64 * 1000 + 1000))
                .unwrap();
            s = s.apply(&e);
            events.push(e);
        }
        assert_eq!(s.status, Status::FollowedUp);
        assert_eq!(s.dispatched, Some(UnixMs(2000)));
        assert_eq!(s.closed, Some(UnixMs(5000)));
        assert_eq!(s.satisfaction, Some(Satisfaction::Satisfied));
        assert_eq!(CaseState::replay(UnixMs(0), Level::GRID, &events), s);
    }

    #[test]
    fn illegal_moves_name_the_allowed_ones() {
        let s = CaseState::reported(UnixMs(0), Level::GRID);
        let e = s
            .check(&mv(Status::Closed), Actor::Admin, "a", UnixMs(1))
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "a case reported cannot become closed; from reported it may become accepted, rejected, duplicate"
        );
    }

    #[test]
    fn accounts_act_within_their_level() {
        let mut s = CaseState::reported(UnixMs(0), Level::TOWN);
        assert!(matches!(
            s.check(
                &mv(Status::Accepted),
                Actor::Office(Level::VILLAGE),
                "v",
                UnixMs(1)
            ),
            Err(MoveError::Forbidden(_))
        ));
        assert!(
            s.check(
                &mv(Status::Accepted),
                Actor::Office(Level::TOWN),
                "t",
                UnixMs(1)
            )
            .is_ok()
        );
        s.level = Level::GRID;
        s.status = Status::Accepted;
        let up = Move {
            level: Some(Level::COUNTY),
            ..mv(Status::Dispatched)
        };
        assert!(matches!(
            s.check(&up, Actor::Office(Level::TOWN), "t", UnixMs(1)),
            Err(MoveError::Forbidden(_))
        ));
        assert!(matches!(
            s.check(&mv(Status::Dispatched), Actor::Worker, "w", UnixMs(1)),
            Err(MoveError::Forbidden(_))
        ));
        assert_eq!(s.allowed_moves(Actor::Worker), []);
        assert_eq!(
            s.allowed_moves(Actor::Office(Level::VILLAGE)),
            [Status::Dispatched]
        );
        let no_unit = Move {
            unit: None,
            ..mv(Status::Dispatched)
        };
        assert!(matches!(
            s.check(&no_unit, Actor::Admin, "a", UnixMs(1)),
            Err(MoveError::Missing(_))
        ));
    }

    #[test]
    fn escalation_goes_one_level_up_and_stops_at_the_county() {
        let mut s = CaseState::reported(UnixMs(0), Level::TOWN);
        assert_eq!(
            s.escalation(UnixMs(1)),
            None,
            "a reported case is not yet anyone's"
        );
        s.status = Status::Dispatched;
        let e = s.escalation(UnixMs(1)).unwrap();
        assert_eq!(
            (e.to, e.level, e.actor),
            (Status::Dispatched, Level::COUNTY, Actor::System)
        );
        let s = s.apply(&e);
        assert_eq!(s.escalations, 1);
        assert_eq!(s.escalation(UnixMs(2)), None);
    }

    fn any_status() -> impl Strategy<Value = Status> {
        proptest::sample::select(Status::ALL.to_vec())
    }

    fn any_actor() -> impl Strategy<Value = Actor> {
        prop_oneof![
            Just(Actor::Worker),
            Just(Actor::Admin),
            (1u8..=4).prop_map(|l| Actor::Office(Level::new(l).unwrap())),
        ]
    }

    proptest! {
        /// Any sequence of requests, legal or not, leaves the case in a
        /// status reachable from `reported`, with a history whose every
        /// step was allowed, chained, in time order, and which replays to
        /// the same state.
        #[test]
        fn any_requests_leave_a_reachable_state_and_a_consistent_history(
            reqs in proptest::collection::vec((any_status(), any_actor(), 1u8..=4, any::<bool>()), 0..60)
        ) {
            let mut s = CaseState::reported(UnixMs(0), Level::GRID);
            let mut events: Vec<Event> = Vec::new();
            for (i, (to, actor, level, escalate)) in reqs.into_iter().enumerate() {
                let at = UnixMs(i as i64 + 1);
                let e = if escalate {
                    s.escalation(at)
                } else {
                    let m = Move { level: Some(Level::new(level).unwrap()), ..mv(to) };
                    s.check(&m, actor, "p", at).ok()
                };
                if let Some(e) = e {
                    s = s.apply(&e);
                    events.push(e);
                }
            }
            let mut prev = Status::Reported;
            for e in &events {
                prop_assert_eq!(e.from, Some(prev));
                prop_assert!(prev.next().contains(&e.to));
                prev = e.to;
            }
            prop_assert!(events.windows(2).all(|w| w[0].at <= w[1].at));
            prop_assert_eq!(s.status, prev);
            prop_assert_eq!(&CaseState::replay(UnixMs(0), Level::GRID, &events), &s);
            prop_assert_eq!(s.closed.is_some(), s.status.is_closed());
        }
    }
}

//! Instants of fixes: Unix milliseconds, read from RFC 3339 text or a Unix
//! number, and cut into local days.

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnixMs(pub i64);

impl UnixMs {
    pub const fn seconds(s: i64) -> Self {
        Self(s * 1000)
    }

    pub fn now() -> Self {
        Self(jiff::Timestamp::now().as_millisecond())
    }

    /// RFC 3339 text, as in `2026-11-30T08:00:00+08:00`.
    pub fn rfc3339(self) -> String {
        jiff::Timestamp::from_millisecond(self.0)
            .map(|t| t.to_string())
            .unwrap_or_else(|_| format!("@{}ms", self.0))
    }

    /// Seconds from `self` to `later`.
    pub fn secs_until(self, later: Self) -> f64 {
        (later.0 - self.0) as f64 / 1000.0
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TimeError {
    #[error("time {0:?} is neither RFC 3339 (2026-11-30T08:00:00+08:00) nor Unix seconds")]
    Unreadable(String),
    #[error("time {0} is not a finite number")]
    NotFinite(f64),
}

/// Unix numbers of 1e11 and more are milliseconds (the year 5138 in
/// seconds): phones send both, OsmAnd milliseconds.
const MS_FROM: f64 = 1e11;

/// A Unix number, seconds or milliseconds.
pub fn from_number(v: f64) -> Result<UnixMs, TimeError> {
    if !v.is_finite() || v.abs() > 1e15 {
        return Err(TimeError::NotFinite(v));
    }
    Ok(UnixMs(if v.abs() >= MS_FROM {
        v.round() as i64
    } else {
        (v * 1000.0).round() as i64
    }))
}

/// RFC 3339 text, or a Unix number written as text.
pub fn from_text(s: &str) -> Result<UnixMs, TimeError> {
    let t = s.trim();
    if let Ok(v) = t.parse::<f64>() {
        return from_number(v);
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Ok(UnixMs(ts.as_millisecond()));
    }
    // Traccar's clients also send "2026-11-30 08:00:00" meaning UTC.
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>()
        && let Ok(z) = dt.to_zoned(jiff::tz::TimeZone::UTC)
    {
        return Ok(UnixMs(z.timestamp().as_millisecond()));
    }
    Err(TimeError::Unreadable(t.chars().take(60).collect()))
}

/// The time zone local days are cut in.
#[derive(Debug, Clone)]
pub struct LocalDays(jiff::tz::TimeZone);

impl LocalDays {
    /// China's one zone (no daylight saving).
    pub fn china() -> Self {
        Self(
            jiff::tz::TimeZone::get("Asia/Shanghai")
                .unwrap_or_else(|_| jiff::tz::TimeZone::fixed(jiff::tz::offset(8))),
        )
    }

    /// The zone itself.
    pub fn zone(&self) -> &jiff::tz::TimeZone {
        &self.0
    }

    /// An IANA zone name such as `Asia/Urumqi`.
    pub fn named(name: &str) -> Result<Self, String> {
        jiff::tz::TimeZone::get(name)
            .map(Self)
            .map_err(|e| format!("time zone {name:?}: {e}"))
    }

    /// The local day of an instant as `YYYY-MM-DD`'s days since 1970-01-01.
    pub fn day_of(&self, t: UnixMs) -> i32 {
        jiff::Timestamp::from_millisecond(t.0)
            .map(|ts| {
                let d = ts.to_zoned(self.0.clone()).date();
                d.since(jiff::civil::date(1970, 1, 1))
                    .map(|s| s.get_days())
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }

    /// The first instant of the local day holding `t`.
    pub fn day_start(&self, t: UnixMs) -> UnixMs {
        jiff::Timestamp::from_millisecond(t.0)
            .ok()
            .and_then(|ts| ts.to_zoned(self.0.clone()).start_of_day().ok())
            .map_or(t, |z| UnixMs(z.timestamp().as_millisecond()))
    }

    /// The local date of an instant, `YYYY-MM-DD`.
    pub fn date_of(&self, t: UnixMs) -> String {
        jiff::Timestamp::from_millisecond(t.0)
            .map(|ts| ts.to_zoned(self.0.clone()).date().to_string())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_and_unix_forms_agree() {
        let a = from_text("2026-11-30T08:00:00+08:00").unwrap();
        let b = from_text("1795996800").unwrap();
        let c = from_number(1_795_996_800_000.0).unwrap();
        let d = from_text("2026-11-30 00:00:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(b, c);
        assert_eq!(c, d);
        assert!(from_text("yesterday").is_err());
        assert!(from_number(f64::NAN).is_err());
    }

    #[test]
    fn local_midnight_is_at_16_utc() {
        let days = LocalDays::china();
        assert_eq!(
            days.day_start(from_text("2026-11-30T15:59:59Z").unwrap()),
            from_text("2026-11-29T16:00:00Z").unwrap()
        );
        assert_eq!(
            days.day_start(from_text("2026-11-30T16:00:00Z").unwrap()),
            from_text("2026-11-30T16:00:00Z").unwrap()
        );
        let before = from_text("2026-11-30T15:59:59Z").unwrap();
        let after = from_text("2026-11-30T16:00:00Z").unwrap();
        assert_eq!(days.day_of(before) + 1, days.day_of(after));
        assert_eq!(days.date_of(after), "2026-12-01");
    }
}

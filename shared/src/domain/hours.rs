//! A business's hours in its own time zone: quiet hours (no texts), business hours (when a
//! task's hour counts), and the local time of day the daily jobs act at. Pure functions of
//! an instant; time zones from the IANA database (chrono-tz).

use chrono::{DateTime, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// A daily span of local time, `"HH:MM"` to `"HH:MM"`; it may wrap past midnight
/// (`20:00`–`09:00`). Equal ends mean no span at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DailySpan {
    #[serde(with = "hhmm")]
    #[schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub start: NaiveTime,
    #[serde(with = "hhmm")]
    #[schema(value_type = String, pattern = "^([01][0-9]|2[0-3]):[0-5][0-9]$")]
    pub end: NaiveTime,
}

impl DailySpan {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        Self { start, end }
    }

    /// Quiet hours by default (DESIGN §2.4): 20:00–09:00.
    pub fn default_quiet() -> Self {
        Self::new(hm(20, 0), hm(9, 0))
    }

    /// Business hours by default: 09:00–18:00.
    pub fn default_business() -> Self {
        Self::new(hm(9, 0), hm(18, 0))
    }

    /// Whether a local time of day falls inside the span (start included, end excluded).
    pub fn contains(&self, t: NaiveTime) -> bool {
        if self.start <= self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

/// `HH:MM` as a time of day (00:00–23:59).
pub fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// Parses `"HH:MM"`.
pub fn parse_hhmm(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_hhmm(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("{text:?} is not a time HH:MM")))
    }
}

/// The tenant's time zone; an unknown name (settings are validated, so only old data) reads
/// as UTC rather than failing the work.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

/// Whether `name` is an IANA time zone.
pub fn is_zone(name: &str) -> bool {
    name.parse::<Tz>().is_ok()
}

/// The instant of local `time` on local `day`: in a gap (spring forward) the first valid
/// instant after it, in an overlap (fall back) the earlier one.
pub fn at_local(tz: Tz, day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let mut naive = day.and_time(time);
    for _ in 0..4 {
        match tz.from_local_datetime(&naive) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => return t.with_timezone(&Utc),
            LocalResult::None => naive += chrono::Duration::minutes(30),
        }
    }
    Utc.from_utc_datetime(&day.and_time(time))
}

/// The first instant at or after `t` whose local time of day is `time` (03:00 for the daily
/// jobs): `t` itself when it is exactly that, else that time today or tomorrow.
pub fn next_local_time(t: DateTime<Utc>, tz: Tz, time: NaiveTime) -> DateTime<Utc> {
    let day = t.with_timezone(&tz).date_naive();
    let today = at_local(tz, day, time);
    if today >= t {
        today
    } else {
        at_local(tz, day.checked_add_days(Days::new(1)).unwrap_or(day), time)
    }
}

/// When a message may go out: `t` itself outside quiet hours, else the end of the quiet
/// hours it falls in.
pub fn after_quiet_hours(t: DateTime<Utc>, tz: Tz, quiet: &DailySpan) -> DateTime<Utc> {
    let local = t.with_timezone(&tz).time();
    if quiet.contains(local) {
        next_local_time(t, tz, quiet.end)
    } else {
        t
    }
}

/// The instant `hours` of business time after `t` (a task "due in 1 h (business hours)"):
/// time outside business hours does not count.
pub fn add_business_time(
    t: DateTime<Utc>,
    tz: Tz,
    open: &DailySpan,
    minutes: i64,
) -> DateTime<Utc> {
    if open.start == open.end {
        return t + chrono::Duration::minutes(minutes);
    }
    let mut at = t;
    let mut left = chrono::Duration::minutes(minutes);
    // At most a few days of walking: each turn ends a business span or the remainder.
    for _ in 0..64 {
        if !open.contains(at.with_timezone(&tz).time()) {
            at = next_local_time(at, tz, open.start);
        }
        let close = next_local_time(at, tz, open.end);
        let room = close - at;
        if left <= room {
            return at + left;
        }
        left -= room;
        at = close;
    }
    at + left
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").to_utc()
    }

    const DUBLIN: Tz = chrono_tz::Europe::Dublin;
    const NEW_YORK: Tz = chrono_tz::America::New_York;

    #[test]
    fn quiet_hours_wrap_midnight_and_delay_to_their_end() {
        let quiet = DailySpan::default_quiet();
        // 21:30 in Dublin (summer, UTC+1) → 09:00 Dublin next day = 08:00 UTC.
        assert_eq!(
            after_quiet_hours(utc("2026-07-01T20:30:00Z"), DUBLIN, &quiet),
            utc("2026-07-02T08:00:00Z")
        );
        // 07:00 Dublin → 09:00 the same day.
        assert_eq!(
            after_quiet_hours(utc("2026-07-01T06:00:00Z"), DUBLIN, &quiet),
            utc("2026-07-01T08:00:00Z")
        );
        // 12:00 is not quiet: at once.
        let noon = utc("2026-07-01T11:00:00Z");
        assert_eq!(after_quiet_hours(noon, DUBLIN, &quiet), noon);
        // The same instant is 16:30 in New York: not quiet there.
        let t = utc("2026-07-01T20:30:00Z");
        assert_eq!(after_quiet_hours(t, NEW_YORK, &quiet), t);
    }

    #[test]
    fn the_daily_time_follows_the_zone_and_its_clock_changes() {
        let three = hm(3, 0);
        // Winter Dublin = UTC; 03:00 local.
        assert_eq!(
            next_local_time(utc("2026-01-10T12:00:00Z"), DUBLIN, three),
            utc("2026-01-11T03:00:00Z")
        );
        // Summer Dublin = UTC+1.
        assert_eq!(
            next_local_time(utc("2026-07-10T01:00:00Z"), DUBLIN, three),
            utc("2026-07-10T02:00:00Z")
        );
        // New York on the day clocks go forward (02:00 → 03:00 on 2026-03-08).
        assert_eq!(
            next_local_time(utc("2026-03-08T05:00:00Z"), NEW_YORK, hm(2, 30)),
            utc("2026-03-08T07:00:00Z")
        );
    }

    #[test]
    fn business_time_skips_nights_and_counts_only_open_hours() {
        let open = DailySpan::default_business();
        // 17:30 Dublin winter + 1 h → 30 min today, 30 min from 09:00 tomorrow.
        assert_eq!(
            add_business_time(utc("2026-01-12T17:30:00Z"), DUBLIN, &open, 60),
            utc("2026-01-13T09:30:00Z")
        );
        // 22:00 → 10:00 next day.
        assert_eq!(
            add_business_time(utc("2026-01-12T22:00:00Z"), DUBLIN, &open, 60),
            utc("2026-01-13T10:00:00Z")
        );
        // 11:00 → 12:00.
        assert_eq!(
            add_business_time(utc("2026-01-12T11:00:00Z"), DUBLIN, &open, 60),
            utc("2026-01-12T12:00:00Z")
        );
    }

    #[test]
    fn spans_and_zones_parse_strictly() {
        assert_eq!(parse_hhmm("09:30"), Some(hm(9, 30)));
        for bad in ["9:30", "24:00", "09:60", "0930", ""] {
            assert_eq!(parse_hhmm(bad), None, "{bad}");
        }
        assert!(is_zone("Europe/Dublin") && !is_zone("Mars/Olympus"));
        let span: DailySpan =
            serde_json::from_str(r#"{"start":"21:00","end":"08:00"}"#).expect("span");
        assert!(span.contains(hm(23, 0)) && span.contains(hm(7, 59)) && !span.contains(hm(8, 0)));
        assert!(serde_json::from_str::<DailySpan>(r#"{"start":"25:00","end":"08:00"}"#).is_err());
    }
}

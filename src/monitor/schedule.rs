//! When to poll a source next: pure arithmetic over what the last polls saw, so it can be tested
//! without a clock or a server.
//!
//! - A source that publishes often is polled often: the interval follows the median gap between
//!   its recent entries' dates, within [`MIN_INTERVAL`, `MAX_INTERVAL`]; a poll that finds nothing
//!   new stretches it by half, one that finds something shortens it towards the gap.
//! - A failing source backs off exponentially from its interval (doubling per failure, capped at a
//!   day) and is never dropped: it keeps being tried a day apart.
//! - A host that answered `Retry-After` is left alone until then, for all its sources.

use chrono::{DateTime, Duration, Utc};

/// The shortest interval between two polls of one source.
pub const MIN_INTERVAL: i64 = 15 * 60;
/// The longest: a day.
pub const MAX_INTERVAL: i64 = 24 * 3600;
/// A new source's interval until its rhythm is known.
pub const DEFAULT_INTERVAL: i64 = 3600;

/// The interval after a successful poll. `entry_times` are the publication times of the entries
/// the source lists now; `found_new` says whether the poll brought anything new.
pub fn next_interval(current: i64, entry_times: &[DateTime<Utc>], found_new: bool) -> i64 {
    let mut times: Vec<i64> = entry_times.iter().map(|t| t.timestamp()).collect();
    times.sort_unstable();
    times.dedup();
    let gaps: Vec<i64> = times.windows(2).map(|w| w[1] - w[0]).filter(|g| *g > 0).collect();
    let rhythm = if gaps.len() >= 2 {
        let mut g = gaps.clone();
        g.sort_unstable();
        Some(g[g.len() / 2])
    } else {
        None
    };
    let next = match (found_new, rhythm) {
        // Publishing: follow its rhythm (half the median gap, so a new entry waits less).
        (true, Some(gap)) => gap / 2,
        (true, None) => current,
        // Quiet: stretch, but never beyond its known rhythm by much.
        (false, Some(gap)) => (current + current / 2).min(gap.max(current)),
        (false, None) => current + current / 2,
    };
    next.clamp(MIN_INTERVAL, MAX_INTERVAL)
}

/// How long to wait before trying a failing source again: its interval doubled per failure in a
/// row (`failures` ≥ 1), at most a day; never less than the server's `Retry-After`.
pub fn backoff(interval: i64, failures: u32, retry_after: Option<u64>) -> i64 {
    let doubled = interval.saturating_mul(1i64 << failures.min(20).saturating_sub(1)).min(MAX_INTERVAL);
    let asked = retry_after.map_or(0, |s| i64::try_from(s).unwrap_or(MAX_INTERVAL));
    // The server's word wins even past a day (it is capped at a week when read).
    doubled.max(asked).min(MAX_INTERVAL.max(asked))
}

/// The time `seconds` after `now`.
pub fn after(now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
    now + Duration::seconds(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap() + Duration::minutes(h)
    }

    #[test]
    fn intervals_follow_what_a_source_publishes() {
        for (current, minutes, found_new, expected) in [
            // Every 10 minutes: polled at the floor.
            (3600, vec![0, 10, 20, 30, 40], true, MIN_INTERVAL),
            // Every 4 hours: every 2 hours.
            (3600, vec![0, 240, 480, 720], true, 7200),
            // Unknown rhythm, something new: keep the interval.
            (3600, vec![0], true, 3600),
            // Quiet: stretch by half, up to a day.
            (3600, vec![], false, 5400),
            (80_000, vec![], false, MAX_INTERVAL),
            // Quiet but its rhythm is daily-ish: stretch no further than its gap.
            (7200, vec![0, 600, 1200], false, 10_800),
            // Weekly: a day at most.
            (3600, vec![0, 10_080, 20_160], true, MAX_INTERVAL),
        ] {
            let times: Vec<DateTime<Utc>> = minutes.iter().map(|m| t(*m)).collect();
            assert_eq!(next_interval(current, &times, found_new), expected, "{current} {minutes:?} {found_new}");
        }
    }

    #[test]
    fn failures_back_off_exponentially_to_a_day() {
        for (interval, failures, retry_after, expected) in [
            (3600, 1, None, 3600),
            (3600, 2, None, 7200),
            (3600, 3, None, 14_400),
            (3600, 6, None, MAX_INTERVAL),
            (3600, 60, None, MAX_INTERVAL),
            (900, 1, Some(7200), 7200),
            (900, 1, Some(30), 900),
            (3600, 1, Some(3 * 24 * 3600), 3 * 24 * 3600),
        ] {
            assert_eq!(backoff(interval, failures, retry_after), expected, "{interval} {failures} {retry_after:?}");
        }
    }
}

//! Reading publication dates as pages write them.
//!
//! Pages give dates in many shapes: RFC 3339 (`2016-07-06T16:23:12+03:00`), the same without a
//! colon in the offset or without any offset, RFC 2822 (`Wed, 06 Jul 2016 13:23:12 GMT`), bare
//! dates, Unix timestamps, and dates inside URLs (`/2016/07/06/`). A date without a zone is taken as
//! UTC. Anything before 1990 or in the future (beyond a day of clock skew) is rejected as a misread.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parses one date string as found in metadata.
pub fn parse(input: &str) -> Option<DateTime<Utc>> {
    let s = input.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    parse_any(s).filter(plausible)
}

fn parse_any(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    // "2016-07-06 16:23:12+03:00" — RFC 3339 with a space.
    if let Ok(d) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y%m%dT%H%M%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d.with_timezone(&Utc));
        }
    }
    // With a zone name we cannot resolve ("EST", "ET"): keep the local time, zone dropped.
    let without_zone = strip_zone_name(s);
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%a, %d %b %Y %H:%M:%S",
        "%d %b %Y %H:%M:%S",
        "%B %d, %Y %H:%M",
        "%b %d, %Y %I:%M %p",
        "%B %d, %Y %I:%M %p",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(without_zone, fmt) {
            return Some(Utc.from_utc_datetime(&d));
        }
    }
    for fmt in [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y%m%d",
        "%d.%m.%Y",
        "%B %d, %Y",
        "%b %d, %Y",
        "%d %B %Y",
        "%d %b %Y",
        "%A, %B %d, %Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(without_zone, fmt) {
            return d.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d));
        }
    }
    // Leading date of a longer string: "2016-07-06T16:23:12.000 some junk".
    if s.len() >= 10 && s.is_char_boundary(10) {
        if let Ok(d) = NaiveDate::parse_from_str(&s[..10], "%Y-%m-%d") {
            return d.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d));
        }
    }
    // Unix time in seconds or milliseconds.
    if s.len() >= 9 && s.chars().all(|c| c.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        let secs = if s.len() >= 13 { n / 1000 } else { n };
        return DateTime::from_timestamp(secs, 0);
    }
    None
}

fn strip_zone_name(s: &str) -> &str {
    let trimmed = s.trim_end();
    match trimmed.rsplit_once(' ') {
        Some((head, zone))
            if zone.len() <= 4 && zone.chars().all(|c| c.is_ascii_uppercase()) && zone != "AM" && zone != "PM" =>
        {
            head
        }
        _ => trimmed,
    }
}

fn plausible(d: &DateTime<Utc>) -> bool {
    d.year() >= 1990 && *d <= Utc::now() + chrono::Duration::days(1)
}

/// A date written in a URL path: `/2016/07/06/`, `/2016-07-06/`, `/20160706/`.
pub fn from_url(url: &url::Url) -> Option<DateTime<Utc>> {
    let segments: Vec<&str> = url.path_segments()?.collect();
    for (i, seg) in segments.iter().enumerate() {
        if seg.len() == 4 && seg.chars().all(|c| c.is_ascii_digit()) {
            let y: i32 = seg.parse().ok()?;
            let m: u32 = segments.get(i + 1).and_then(|s| s.parse().ok()).unwrap_or(0);
            let d: u32 = segments.get(i + 2).and_then(|s| s.get(..2)).and_then(|s| s.parse().ok()).unwrap_or(0);
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                return date.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d)).filter(plausible);
            }
        }
        for part in seg.split(['-', '_']).collect::<Vec<_>>().windows(3) {
            if let [y, m, d] = part {
                if y.len() == 4 && m.len() == 2 && d.len() == 2 {
                    if let (Ok(y), Ok(m), Ok(d)) = (y.parse(), m.parse(), d.parse()) {
                        if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                            return date.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d)).filter(plausible);
                        }
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Option<&str>) {
        let got = parse(input).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
        assert_eq!(got.as_deref(), expected, "input: {input:?}");
    }

    #[test]
    fn metadata_dates() {
        check("2016-07-06T16:23:12+03:00", Some("2016-07-06T13:23:12Z"));
        check("2016-07-06T16:23:12+0300", Some("2016-07-06T13:23:12Z"));
        check("2016-07-06 16:23:12", Some("2016-07-06T16:23:12Z"));
        check("2016-07-06T16:23:12.123Z", Some("2016-07-06T16:23:12Z"));
        check("Wed, 06 Jul 2016 13:23:12 GMT", Some("2016-07-06T13:23:12Z"));
        check("2016-07-06", Some("2016-07-06T00:00:00Z"));
        check("July 6, 2016", Some("2016-07-06T00:00:00Z"));
        check("Jul 6, 2016 4:23 PM", Some("2016-07-06T16:23:00Z"));
        check("1467811392", Some("2016-07-06T13:23:12Z"));
        check("06.07.2016", Some("2016-07-06T00:00:00Z"));
        check("1970-01-01", None);
        check("2999-01-01", None);
        check("yesterday", None);
        check("", None);
    }

    #[test]
    fn url_dates() {
        for (url, expected) in [
            ("https://example.com/2016/07/06/putin-calls-obama/", Some("2016-07-06")),
            ("https://example.com/news/2016-07-06-putin", Some("2016-07-06")),
            ("https://example.com/2016/13/40/x", None),
            ("https://example.com/putin-calls-obama", None),
        ] {
            let got = from_url(&url::Url::parse(url).unwrap()).map(|d| d.format("%Y-%m-%d").to_string());
            assert_eq!(got.as_deref(), expected, "url: {url}");
        }
    }
}

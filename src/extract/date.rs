//! Reading publication dates as pages write them.
//!
//! Pages give dates in many shapes: RFC 3339 (`2016-07-06T16:23:12+03:00`), the same without a
//! colon in the offset or without any offset, RFC 2822 (`Wed, 06 Jul 2016 13:23:12 GMT`), bare
//! dates, Unix timestamps, and dates inside URLs (`/2016/07/06/`). A date without a zone is taken as
//! UTC. Anything before 1990 or in the future (beyond a day of clock skew) is rejected as a misread.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

/// Parses one date string as found in metadata, in UTC.
pub fn parse(input: &str) -> Option<DateTime<Utc>> {
    parse_local(input).map(|d| d.with_timezone(&Utc))
}

/// Parses one date string keeping the page's own offset from UTC (`+00:00` when it gives none),
/// so a briefing can print the date as the outlet did.
pub fn parse_local(input: &str) -> Option<DateTime<FixedOffset>> {
    let s = input.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    parse_any(s).filter(|d| plausible(&d.with_timezone(&Utc)))
}

fn utc_offset(d: DateTime<Utc>) -> DateTime<FixedOffset> {
    d.fixed_offset()
}

fn parse_any(s: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    // "2016-07-06 16:23:12+03:00" — RFC 3339 with a space.
    if let Ok(d) = DateTime::parse_from_rfc3339(&s.replacen(' ', "T", 1)) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d);
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y%m%dT%H%M%S%z"] {
        if let Ok(d) = DateTime::parse_from_str(s, fmt) {
            return Some(d);
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
        "%B %d, %Y, %I:%M %p",
        "%b %d, %Y, %I:%M %p",
        "%I:%M:%S %p %b %d, %Y",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(without_zone, fmt) {
            return Some(utc_offset(Utc.from_utc_datetime(&d)));
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
            return d.and_hms_opt(0, 0, 0).map(|d| utc_offset(Utc.from_utc_datetime(&d)));
        }
    }
    // Leading date of a longer string: "2016-07-06T16:23:12.000 some junk".
    if let Some(head) = s.get(..10) {
        if let Ok(d) = NaiveDate::parse_from_str(head, "%Y-%m-%d") {
            return d.and_hms_opt(0, 0, 0).map(|d| utc_offset(Utc.from_utc_datetime(&d)));
        }
    }
    // Unix time in seconds or milliseconds.
    if s.len() >= 9 && s.chars().all(|c| c.is_ascii_digit()) {
        let n: i64 = s.parse().ok()?;
        let secs = if s.len() >= 13 { n / 1000 } else { n };
        return DateTime::from_timestamp(secs, 0).map(utc_offset);
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

/// When a page gives its time in UTC and its URL carries the date it printed (`/2019/11/18/`
/// for a story stamped `2019-11-19T03:10Z`), the URL tells the publisher's calendar day: shift
/// the offset to the nearest common time zone that agrees with it. The instant is unchanged.
pub fn agree_with_url(d: DateTime<FixedOffset>, url_date: Option<DateTime<Utc>>) -> DateTime<FixedOffset> {
    let Some(url_day) = url_date.map(|u| u.date_naive()) else { return d };
    if d.date_naive() == url_day || d.offset().local_minus_utc() != 0 {
        return d;
    }
    // US Eastern, Pacific, Central, Mountain; Central Europe, Moscow, India, China, Japan,
    // eastern Australia.
    for hours in [-5, -8, -6, -7, -4, 1, 2, 3, 5, 8, 9, 10] {
        let secs = if hours == 5 { 5 * 3600 + 1800 } else { hours * 3600 };
        if let Some(offset) = FixedOffset::east_opt(secs) {
            let local = d.with_timezone(&offset);
            if local.date_naive() == url_day {
                return local;
            }
        }
    }
    d
}

/// The first date written out in a line of text: "November 19, 2019, 9:02 AM",
/// "Monday, November 18, 2019", "Updated: Sat 8:31 PM, Feb 17, 2018", "20 November 2019",
/// "2019-11-20".
pub fn find_in_text(text: &str) -> Option<DateTime<FixedOffset>> {
    let words: Vec<&str> =
        text.split(|c: char| c.is_whitespace() || c == ',' || c == '|').filter(|w| !w.is_empty()).collect();
    for (i, w) in words.iter().enumerate() {
        if let Some(m) = month_number(w) {
            // Month Day Year
            let day = words
                .get(i + 1)
                .and_then(|d| d.trim_end_matches(['.', 's', 't', 'h', 'n', 'd', 'r']).parse::<u32>().ok());
            let year = words.get(i + 2).and_then(|y| y.trim_end_matches(['.', ';', ':']).parse::<i32>().ok());
            if let (Some(d), Some(y)) = (day, year) {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    return at_midnight(date);
                }
            }
            // Day Month Year
            let day =
                i.checked_sub(1).and_then(|j| words.get(j)).and_then(|d| d.trim_end_matches('.').parse::<u32>().ok());
            let year = words.get(i + 1).and_then(|y| y.trim_end_matches(['.', ';', ':']).parse::<i32>().ok());
            if let (Some(d), Some(y)) = (day, year) {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    return at_midnight(date);
                }
            }
        }
        if w.len() == 10 {
            if let Ok(date) = NaiveDate::parse_from_str(w, "%Y-%m-%d") {
                return at_midnight(date);
            }
        }
    }
    None
}

fn at_midnight(date: NaiveDate) -> Option<DateTime<FixedOffset>> {
    let d = utc_offset(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?));
    plausible(&d.with_timezone(&Utc)).then_some(d)
}

/// "Nov", "November", "nov." → 11 (English month names).
fn month_number(w: &str) -> Option<u32> {
    let w = w.trim_end_matches('.').to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    MONTHS.iter().position(|m| m.starts_with(&w) && (w.len() == 3 || w == *m || (w == "sept"))).map(|i| i as u32 + 1)
}

/// A date written in a URL path: `/2016/07/06/`, `/2016-07-06/`, `/20160706/`, `/2019/nov/18/`,
/// or a slug ending in `-20191115`.
pub fn from_url(url: &url::Url) -> Option<DateTime<Utc>> {
    let segments: Vec<&str> = url.path_segments()?.collect();
    for (i, seg) in segments.iter().enumerate() {
        if seg.len() == 4 && seg.chars().all(|c| c.is_ascii_digit()) {
            let y: i32 = seg.parse().ok()?;
            let m: u32 = segments.get(i + 1).and_then(|s| s.parse().ok().or_else(|| month_number(s))).unwrap_or(0);
            let d: u32 = segments.get(i + 2).and_then(|s| s.get(..2)).and_then(|s| s.parse().ok()).unwrap_or(0);
            if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                return date.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d)).filter(plausible);
            }
        }
        // "tuft-cells-…-20191115": an eight-digit date closing a slug.
        if let Some(last) = seg.rsplit(['-', '_']).next() {
            if last.len() == 8
                && last.chars().all(|c| c.is_ascii_digit())
                && (last.starts_with("19") || last.starts_with("20"))
            {
                if let Ok(date) = NaiveDate::parse_from_str(last, "%Y%m%d") {
                    if let Some(d) = date.and_hms_opt(0, 0, 0).map(|d| Utc.from_utc_datetime(&d)).filter(plausible) {
                        return Some(d);
                    }
                }
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
    fn dates_in_text() {
        for (text, expected) in [
            ("November 19, 2019, 9:02 AM", Some("2019-11-19")),
            ("Monday, November 18, 2019", Some("2019-11-18")),
            ("Updated: Sat 8:31 PM, Feb 17, 2018", Some("2018-02-17")),
            ("Published 20 November 2019", Some("2019-11-20")),
            ("November 20, 2019 - 11:28 AMT", Some("2019-11-20")),
            ("Posted 2019-11-20 by staff", Some("2019-11-20")),
            ("May the force be with you", None),
            ("13 hours ago", None),
        ] {
            let got = find_in_text(text).map(|d| d.format("%Y-%m-%d").to_string());
            assert_eq!(got.as_deref(), expected, "text: {text}");
        }
    }

    #[test]
    fn utc_stamps_take_the_day_the_url_prints() {
        let url = url::Url::parse("https://venturebeat.com/2019/11/18/story/").unwrap();
        let stamped = parse_local("2019-11-19T03:10:00Z").unwrap();
        let local = agree_with_url(stamped, from_url(&url));
        assert_eq!(local.format("%Y-%m-%d").to_string(), "2019-11-18");
        assert_eq!(local.with_timezone(&Utc), stamped.with_timezone(&Utc), "same instant");
        // A page that gave its own offset is believed.
        let own = parse_local("2019-11-19T03:10:00+03:00").unwrap();
        assert_eq!(agree_with_url(own, from_url(&url)), own);
    }

    #[test]
    fn url_dates() {
        for (url, expected) in [
            ("https://example.com/2016/07/06/putin-calls-obama/", Some("2016-07-06")),
            ("https://example.com/news/2016-07-06-putin", Some("2016-07-06")),
            ("https://example.com/2016/13/40/x", None),
            ("https://www.politifact.com/west-virginia/statements/2019/nov/18/david-mckinley/x/", Some("2019-11-18")),
            ("https://www.quantamagazine.org/tuft-cells-set-off-immune-responses-20191115/", Some("2019-11-15")),
            ("https://example.com/putin-calls-obama", None),
        ] {
            let got = from_url(&url::Url::parse(url).unwrap()).map(|d| d.format("%Y-%m-%d").to_string());
            assert_eq!(got.as_deref(), expected, "url: {url}");
        }
    }
}

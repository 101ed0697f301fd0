//! Trends: how many clips each of a few queries finds per day or per week, and the share of
//! outlets and languages among them.
//!
//! A series is a query in the search language; a topic, an actor or an outlet becomes one with
//! [`TrendSpec::topic`], [`TrendSpec::actor`] and [`TrendSpec::outlet`]. [`compute`] runs each
//! query within the period and counts its clips by the UTC day (or the ISO week, Monday first) of
//! their publication or of their clipping, as the query language's dates are UTC days: a period
//! `--from 2016-07-01` is `after:2016-07-01`, so the counts add up to what a search finds. A
//! series' days without clips are zeros, so every series has the same points. Clips without a
//! publication date cannot be placed on a published axis: they are counted apart (`undated`).
//!
//! The result is plain data ([`Trends`]); the chart is drawn by Typst (`templates/trend.typ`),
//! the same drawing in a briefing's PDF as in [`svg`] and [`png`], reading the data as JSON.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::digest::PeriodOn;
use crate::error::{Error, Result};
use crate::model::time_from_db;
use crate::search::{self, query};

/// At most this many series in one chart (beyond it, no one can tell the lines apart).
pub const MAX_SERIES: usize = 12;
/// At most this many days or weeks.
pub const MAX_POINTS: usize = 1000;

/// The length of a point of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bucket {
    Day,
    /// ISO weeks, Monday to Sunday; a point is dated by its Monday.
    #[default]
    Week,
}

/// What to chart.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct TrendSpec {
    /// One query per series.
    pub series: Vec<String>,
    #[serde(default)]
    pub by: Bucket,
    /// Which date of a clip places it on the axis (and which the period applies to).
    #[serde(default)]
    pub on: PeriodOn,
    /// First day (inclusive); with neither bound, the period runs from the first clip found to
    /// the last.
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day (inclusive).
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

impl TrendSpec {
    /// The series of a topic (its subtopics included).
    pub fn topic(name: &str) -> String {
        format!("topic:{}", query::quote_value(name))
    }
    /// The series of an actor (any of its names).
    pub fn actor(name: &str) -> String {
        format!("actor:{}", query::quote_value(name))
    }
    /// The series of an outlet (its site name).
    pub fn outlet(name: &str) -> String {
        format!("site:{}", query::quote_value(name))
    }
}

/// Counts ready to chart: every series has the same points, in date order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trends {
    pub by: Bucket,
    pub on: PeriodOn,
    /// The first and last day counted (`YYYY-MM-DD`); `None` when nothing was found.
    pub from: Option<String>,
    pub to: Option<String>,
    /// "Clips per week by publication date, 4 July – 17 July 2016": the chart's caption.
    pub title: String,
    pub series: Vec<Series>,
    /// Distinct clips counted in any series.
    pub clips: i64,
    /// Those clips by outlet and by language, most first.
    pub outlets: Vec<Share>,
    pub languages: Vec<Share>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Series {
    pub query: String,
    /// As printed in the legend.
    pub label: String,
    /// Clips counted (the sum of the points).
    pub total: i64,
    /// Clips the query finds that have no publication date (on a published axis only).
    pub undated: i64,
    pub points: Vec<Point>,
}

impl Series {
    /// The point with the most clips (the first of equals); `None` when all are zero.
    pub fn peak(&self) -> Option<&Point> {
        let max = self.points.iter().map(|p| p.count).max()?;
        (max > 0).then(|| self.points.iter().find(|p| p.count == max)).flatten()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Point {
    /// The day, or the Monday of the week: `YYYY-MM-DD`.
    pub date: String,
    /// As printed under the axis: "6 Jul".
    pub label: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Share {
    /// The outlet, or the language code (`unknown` when the clip has none).
    pub name: String,
    /// As printed: the outlet, or the language's English name.
    pub label: String,
    pub count: i64,
    /// Of [`Trends::clips`], between 0 and 1.
    pub share: f64,
}

fn trend_error(message: impl Into<String>) -> Error {
    Error::input("input.trend", message)
}

/// One clip's facts a trend needs.
struct ClipFacts {
    day: Option<NaiveDate>,
    outlet: String,
    lang: Option<String>,
}

/// Counts each series of `spec` per day or week.
pub fn compute(conn: &Connection, spec: &TrendSpec) -> Result<Trends> {
    let queries: Vec<String> = spec.series.iter().map(|s| s.trim().to_owned()).collect();
    if queries.is_empty() {
        return Err(trend_error("a trend needs at least one query"));
    }
    if queries.len() > MAX_SERIES {
        return Err(trend_error(format!("at most {MAX_SERIES} series in one chart, {} given", queries.len())));
    }
    if let Some(q) = queries.iter().find(|q| q.is_empty()) {
        return Err(trend_error(format!("an empty query cannot be a series ({q:?})")));
    }
    if let (Some(a), Some(b)) = (spec.from, spec.to) {
        if a > b {
            return Err(trend_error(format!("the period ends ({b}) before it starts ({a})")));
        }
    }
    let now = Utc::now();
    let mut facts: HashMap<i64, ClipFacts> = HashMap::new();
    let mut per_series: Vec<(Vec<i64>, i64)> = Vec::with_capacity(queries.len());
    let mut stmt = conn.prepare_cached(
        "SELECT CASE WHEN ?2 THEN published_at ELSE clipped_at END, site_name, canonical_url, lang FROM clip WHERE id = ?1",
    )?;
    for q in &queries {
        let full = crate::digest::build::period_query(&format!("({q})"), spec.from, spec.to, spec.on);
        let node = search::parse(conn, full.trim())?;
        let ids = search::matching_ids(conn, &query::compile(&node, now))?;
        let mut dated = Vec::with_capacity(ids.len());
        let mut undated = 0;
        for (id, _) in ids {
            if let std::collections::hash_map::Entry::Vacant(slot) = facts.entry(id) {
                let row = stmt
                    .query_row(rusqlite::params![id, spec.on == PeriodOn::Published], |r| {
                        Ok((
                            r.get::<_, Option<String>>(0)?,
                            r.get::<_, Option<String>>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, Option<String>>(3)?,
                        ))
                    })
                    .optional()?;
                let Some((time, site, url, lang)) = row else { continue };
                let day = time.as_deref().and_then(time_from_db).map(|t: DateTime<Utc>| t.date_naive());
                let outlet =
                    site.map(|s| crate::text::collapse_ws(&s)).filter(|s| !s.is_empty()).unwrap_or_else(|| host(&url));
                slot.insert(ClipFacts { day, outlet, lang: lang.filter(|l| !l.trim().is_empty()) });
            }
            if facts.get(&id).is_some_and(|f| f.day.is_some()) {
                dated.push(id);
            } else {
                undated += 1;
            }
        }
        per_series.push((dated, undated));
    }

    // The axis: the period given, else from the first clip found to the last.
    let days = || per_series.iter().flat_map(|(ids, _)| ids).filter_map(|id| facts.get(id).and_then(|f| f.day));
    let first = spec.from.or_else(|| days().min());
    let last = spec.to.or_else(|| days().max()).or(first);
    let axis: Vec<NaiveDate> = match (first, last) {
        (Some(a), Some(b)) => {
            let (a, b) = (bucket_start(a, spec.by), bucket_start(b.max(a), spec.by));
            let step = match spec.by {
                Bucket::Day => 1,
                Bucket::Week => 7,
            };
            let n = (b - a).num_days() / step + 1;
            if n as usize > MAX_POINTS {
                return Err(trend_error(format!(
                    "{n} {}s is more than a chart can show ({MAX_POINTS}): count by week or give a shorter period",
                    if spec.by == Bucket::Day { "day" } else { "week" }
                )));
            }
            (0..n).map(|i| a + Duration::days(i * step)).collect()
        }
        _ => Vec::new(),
    };
    let index: HashMap<NaiveDate, usize> = axis.iter().enumerate().map(|(i, d)| (*d, i)).collect();

    let mut counted: HashSet<i64> = HashSet::new();
    let mut series = Vec::with_capacity(queries.len());
    for (q, (ids, undated)) in queries.iter().zip(per_series) {
        let mut counts = vec![0i64; axis.len()];
        for id in ids {
            let Some(day) = facts.get(&id).and_then(|f| f.day) else { continue };
            if let Some(&i) = index.get(&bucket_start(day, spec.by)) {
                counts[i] += 1;
                counted.insert(id);
            }
        }
        series.push(Series {
            query: q.clone(),
            label: q.clone(),
            total: counts.iter().sum(),
            undated: if spec.on == PeriodOn::Published { undated } else { 0 },
            points: axis
                .iter()
                .zip(counts)
                .map(|(d, count)| Point { date: d.format("%Y-%m-%d").to_string(), label: short_date(*d), count })
                .collect(),
        });
    }

    let clips = counted.len() as i64;
    let mut outlets: BTreeMap<String, i64> = BTreeMap::new();
    let mut languages: BTreeMap<String, i64> = BTreeMap::new();
    for id in &counted {
        if let Some(f) = facts.get(id) {
            *outlets.entry(f.outlet.clone()).or_default() += 1;
            *languages.entry(f.lang.clone().unwrap_or_else(|| "unknown".into())).or_default() += 1;
        }
    }
    let shares = |counts: BTreeMap<String, i64>, label: &dyn Fn(&str) -> String| {
        let mut out: Vec<Share> = counts
            .into_iter()
            .map(|(name, count)| Share {
                label: label(&name),
                share: if clips > 0 { count as f64 / clips as f64 } else { 0.0 },
                name,
                count,
            })
            .collect();
        out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        out
    };
    let from = axis.first().map(|d| spec.from.unwrap_or(*d));
    let to = axis.last().map(|d| spec.to.unwrap_or_else(|| bucket_end(*d, spec.by)));
    Ok(Trends {
        by: spec.by,
        on: spec.on,
        title: caption(spec.by, spec.on, from, to),
        from: from.map(|d| d.format("%Y-%m-%d").to_string()),
        to: to.map(|d| d.format("%Y-%m-%d").to_string()),
        series,
        clips,
        outlets: shares(outlets, &|n| n.to_owned()),
        languages: shares(languages, &|n| language_name(n).unwrap_or(n).to_owned()),
    })
}

/// The day a point starts: the day itself, or the Monday of its ISO week.
pub fn bucket_start(day: NaiveDate, by: Bucket) -> NaiveDate {
    match by {
        Bucket::Day => day,
        Bucket::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
    }
}

fn bucket_end(start: NaiveDate, by: Bucket) -> NaiveDate {
    match by {
        Bucket::Day => start,
        Bucket::Week => start + Duration::days(6),
    }
}

fn short_date(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

fn caption(by: Bucket, on: PeriodOn, from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
    let per = match by {
        Bucket::Day => "Clips per day",
        Bucket::Week => "Clips per week",
    };
    let basis = match on {
        PeriodOn::Published => "by publication date",
        PeriodOn::Clipped => "by date clipped",
    };
    match (from, to) {
        (Some(a), Some(b)) => format!(
            "{per} {basis}, {} – {} (UTC days)",
            crate::digest::build::long_date(a),
            crate::digest::build::long_date(b)
        ),
        _ => format!("{per} {basis}: no clips found"),
    }
}

/// One line saying what the chart shows, for exports without the chart.
pub fn describe(t: &Trends) -> String {
    let mut s = t.title.clone();
    s.push_str(&format!("; {} clip{} in all.", t.clips, if t.clips == 1 { "" } else { "s" }));
    s
}

fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(|h| h.trim_start_matches("www.").to_owned()))
        .unwrap_or_default()
}

/// The English name of the languages Clipdesk meets most.
fn language_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "en" => "English",
        "ru" => "Russian",
        "uk" => "Ukrainian",
        "ar" => "Arabic",
        "he" => "Hebrew",
        "fa" => "Persian",
        "tr" => "Turkish",
        "zh" => "Chinese",
        "ja" => "Japanese",
        "ko" => "Korean",
        "fr" => "French",
        "de" => "German",
        "es" => "Spanish",
        "it" => "Italian",
        "pt" => "Portuguese",
        "pl" => "Polish",
        "nl" => "Dutch",
        "unknown" => "Unknown",
        _ => return None,
    })
}

/// The chart as an SVG document (text drawn as outlines: it shows the same everywhere).
pub fn svg(t: &Trends) -> Result<String> {
    crate::digest::export::pdf::chart_svg(t)
}

/// The chart as a PNG image: the bytes, the width and the height in pixels. `pixels_per_point`
/// sets the resolution (2 is 144 dpi).
pub fn png(t: &Trends, pixels_per_point: f32) -> Result<(Vec<u8>, u32, u32)> {
    crate::digest::export::pdf::chart_png(t, pixels_per_point)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        for (day, monday) in [
            ("2016-07-04", "2016-07-04"),
            ("2016-07-06", "2016-07-04"),
            ("2016-07-10", "2016-07-04"),
            ("2016-07-11", "2016-07-11"),
            ("2016-01-01", "2015-12-28"),
        ] {
            assert_eq!(bucket_start(d(day), Bucket::Week), d(monday), "{day}");
            assert_eq!(bucket_start(d(day), Bucket::Day), d(day));
        }
    }

    #[test]
    fn series_of_names_are_quoted_queries() {
        for (got, expected) in [
            (TrendSpec::topic("Energy/Oil"), "topic:Energy/Oil"),
            (TrendSpec::topic("US–Russia relations"), "topic:\"US–Russia relations\""),
            (TrendSpec::actor("Владимир Путин"), "actor:\"Владимир Путин\""),
            (TrendSpec::outlet("The Times of Israel"), "site:\"The Times of Israel\""),
            (TrendSpec::outlet("Say \"no\""), "site:«Say \"no\"»"),
        ] {
            assert_eq!(got, expected);
            crate::search::query::parse(&got).expect("parses");
        }
    }
}

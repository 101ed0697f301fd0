//! Clipped pages watched for edits: each re-captured on its own schedule with the polite fetcher
//! of the feeds — a conditional GET with the validators the page last sent, at most two requests
//! to a host at once, `Retry-After` honoured for the whole host (the same `host_backoff` as the
//! feeds), failures backed off (see [`super::schedule::backoff`]).
//!
//! A check that finds the article changed stores its next version ([`crate::versions::store`]);
//! a headline changed, a correction appended or a substantive edit (see
//! [`crate::versions::Change`]) raises an alert of kind `edit` in the monitoring alert list, with
//! a sentence saying what changed. A page that answers 404 or 410 is `gone`: one alert ("the page
//! is gone (410)"), then a check a day in case it comes back. Nothing here ever drops a watch.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::schedule;
use super::sources::SourceError;
use super::watch::{self, Alert};
use crate::error::{Error, FetchError, Result};
use crate::fetch::{Fetcher, Validators};
use crate::model::{time_from_db, time_to_db};
use crate::versions::{self, Change, Job, Outcome};
use crate::Library;

/// How often a page is checked unless told: every three hours.
pub const DEFAULT_INTERVAL: i64 = 3 * 3600;
/// The shortest interval allowed (the feeds' shortest).
pub const MIN_INTERVAL: i64 = schedule::MIN_INTERVAL;

/// A watched page as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageWatch {
    pub clip_id: i64,
    pub title: String,
    pub url: String,
    pub interval_s: i64,
    pub next_check_at: String,
    pub last_checked_at: Option<String>,
    pub last_changed_at: Option<String>,
    /// "ok", "failing" or "gone".
    pub state: String,
    pub failures: i64,
    pub error: Option<SourceError>,
    pub versions: i64,
}

/// Parses an interval: `90m`, `3h`, `1d`, `1h30m`, `45s` or a number of seconds; at least
/// [`MIN_INTERVAL`].
pub fn parse_duration(s: &str) -> Result<i64> {
    let bad = || {
        Error::input(
            "input.duration",
            format!(
                "{s:?} is not a duration: write it as 30m, 3h, 1d or 1h30m (at least {} minutes)",
                MIN_INTERVAL / 60
            ),
        )
    };
    let t = s.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Err(bad());
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => return Err(bad()),
        };
        let n: i64 = number.parse().map_err(|_| bad())?;
        total = n.checked_mul(unit).and_then(|v| total.checked_add(v)).ok_or_else(bad)?;
        number.clear();
    }
    if !number.is_empty() {
        let n: i64 = number.parse().map_err(|_| bad())?;
        total = total.checked_add(n).ok_or_else(bad)?;
    }
    if total < MIN_INTERVAL {
        return Err(bad());
    }
    Ok(total)
}

/// Watches clips' pages (a clip already watched gets the new interval). Its first check is one
/// interval from now; the validators of its latest snapshot are used from the first check.
pub fn add(conn: &Connection, clip_ids: &[i64], interval_s: i64, now: DateTime<Utc>) -> Result<usize> {
    let mut n = 0;
    for &id in clip_ids {
        let job = versions::job(conn, id)?;
        n += conn.execute(
            "INSERT INTO page_watch (clip_id, interval_s, next_check_at, etag, last_modified, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (clip_id) DO UPDATE SET interval_s = excluded.interval_s,
                 next_check_at = min(next_check_at, excluded.next_check_at)",
            params![
                id,
                interval_s,
                time_to_db(&schedule::after(now, interval_s)),
                job.validators.etag,
                job.validators.last_modified,
                time_to_db(&now)
            ],
        )?;
    }
    Ok(n)
}

/// The clips a query matches now (`watch-page --query`): watched from now on, like the others.
pub fn matching(conn: &Connection, query: &str) -> Result<Vec<i64>> {
    let node = crate::search::parse(conn, query)?;
    let mut ids: Vec<i64> = crate::tags::matching_clips(conn, &node, None)?.into_iter().collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Stops watching clips; returns how many were watched.
pub fn remove(conn: &Connection, clip_ids: &[i64]) -> Result<usize> {
    let mut n = 0;
    for id in clip_ids {
        n += conn.execute("DELETE FROM page_watch WHERE clip_id = ?1", [id])?;
    }
    Ok(n)
}

/// Every watched page, the next due first.
pub fn list(conn: &Connection) -> Result<Vec<PageWatch>> {
    let mut stmt = conn.prepare(
        "SELECT w.clip_id, c.title, c.canonical_url, w.interval_s, w.next_check_at, w.last_checked_at,
                w.last_changed_at, w.state, w.failures, w.error_code, w.error_message,
                (SELECT max(version) FROM clip_version v WHERE v.clip_id = w.clip_id)
         FROM page_watch w JOIN clip c ON c.id = w.clip_id ORDER BY w.next_check_at, w.clip_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let code: Option<String> = r.get(9)?;
        Ok(PageWatch {
            clip_id: r.get(0)?,
            title: r.get(1)?,
            url: r.get(2)?,
            interval_s: r.get(3)?,
            next_check_at: r.get(4)?,
            last_checked_at: r.get(5)?,
            last_changed_at: r.get(6)?,
            state: r.get(7)?,
            failures: r.get(8)?,
            error: code.map(|code| SourceError {
                code,
                message: r.get::<_, Option<String>>(10).ok().flatten().unwrap_or_default(),
            }),
            versions: r.get::<_, Option<i64>>(11)?.unwrap_or(0),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a clip's page is watched, and every how many seconds.
pub fn interval(conn: &Connection, clip_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT interval_s FROM page_watch WHERE clip_id = ?1")?
        .query_row([clip_id], |r| r.get(0))
        .optional()?)
}

/// What to check.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Every watched page, due or not.
    pub all: bool,
    /// Only these clips (due or not).
    pub only: Vec<i64>,
    /// Fetch no images for new versions.
    pub no_images: bool,
    pub politeness: super::poll::Politeness,
}

/// How one page's check ended (`clipdesk watch-page --run` and `clipdesk poll`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PageReport {
    pub clip_id: i64,
    pub title: String,
    pub url: String,
    /// "changed", "unchanged", "not_modified", "gone", "failed" or "skipped" (its host asked to
    /// wait).
    pub status: &'static str,
    /// The latest version after the check.
    pub version: i64,
    pub change: Option<Change>,
    pub alerts: Vec<Alert>,
    pub error: Option<SourceError>,
}

/// A watch's row as a check needs it.
struct Due {
    clip_id: i64,
    interval: i64,
    state: String,
    failures: i64,
    validators: Validators,
    next_check_at: String,
}

fn due(conn: &Connection, opts: &CheckOptions, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let mut stmt = conn.prepare(
        "SELECT clip_id, interval_s, state, failures, etag, last_modified, next_check_at FROM page_watch
         ORDER BY next_check_at, clip_id",
    )?;
    let now_s = time_to_db(&now);
    let rows = stmt.query_map([], |r| {
        Ok(Due {
            clip_id: r.get(0)?,
            interval: r.get(1)?,
            state: r.get(2)?,
            failures: r.get(3)?,
            validators: Validators { etag: r.get(4)?, last_modified: r.get(5)? },
            next_check_at: r.get(6)?,
        })
    })?;
    let mut out = Vec::new();
    for row in rows {
        let d = row?;
        let wanted =
            if !opts.only.is_empty() { opts.only.contains(&d.clip_id) } else { opts.all || d.next_check_at <= now_s };
        if wanted {
            out.push(d);
        }
    }
    Ok(out)
}

/// Checks the watched pages that are due (or those `opts` names): re-captures each, stores what
/// changed, raises the alerts, schedules the next check. `on_page` is called with each report as
/// it is stored.
pub fn check(
    lib: &mut Library,
    fetcher: &Fetcher,
    opts: &CheckOptions,
    cancel: &AtomicBool,
    mut on_page: impl FnMut(&PageReport),
) -> Result<Vec<PageReport>> {
    let now = Utc::now();
    let due = due(lib.conn(), opts, now)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let waits: HashMap<String, DateTime<Utc>> = lib
        .conn()
        .prepare("SELECT host, until FROM host_backoff")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|r| r.ok())
        .filter_map(|(h, t)| time_from_db(&t).map(|t| (h, t)))
        .collect();
    let blocked = Mutex::new(waits);
    let mut jobs: Vec<(String, (Job, Due))> = Vec::new();
    let mut reports = Vec::new();
    for d in due {
        match versions::job(lib.conn(), d.clip_id) {
            Ok(mut job) => {
                if d.validators.etag.is_some() || d.validators.last_modified.is_some() {
                    job.validators = d.validators.clone();
                }
                jobs.push((job.host.clone(), (job, d)));
            }
            Err(e) => {
                let report = record(lib, &d, None, Checked::Failed(e), now)?;
                on_page(&report);
                reports.push(report);
            }
        }
    }
    let limits = crate::images::Limits::default();
    let images = (!opts.no_images).then_some(&limits);
    crate::fetch::polite::run(
        jobs,
        opts.politeness.per_host,
        opts.politeness.overall,
        cancel,
        |(job, _): &(Job, Due)| {
            let until = blocked.lock().ok().and_then(|b| b.get(&job.host).copied()).filter(|t| *t > Utc::now());
            if let Some(until) = until {
                return Checked::Skipped(until);
            }
            let outcome = versions::fetch(fetcher, job, images);
            if let Outcome::Failed(Error::Fetch(FetchError::HttpStatus {
                status: 429 | 503,
                retry_after: Some(s),
                ..
            })) = &outcome
            {
                if let Ok(mut b) = blocked.lock() {
                    b.insert(job.host.clone(), schedule::after(Utc::now(), *s as i64));
                }
            }
            Checked::from(outcome)
        },
        |(job, d), checked| {
            let report = record(lib, &d, Some(&job), checked, Utc::now())?;
            on_page(&report);
            reports.push(report);
            Ok(())
        },
    )?;
    Ok(reports)
}

/// A check's result before it is stored.
enum Checked {
    Fetched(Outcome),
    Failed(Error),
    Skipped(DateTime<Utc>),
}

impl From<Outcome> for Checked {
    fn from(o: Outcome) -> Self {
        match o {
            Outcome::Failed(e) => Checked::Failed(e),
            other => Checked::Fetched(other),
        }
    }
}

/// Stores one check in its own transaction: the new version if any, the alerts, the schedule.
fn record(lib: &mut Library, d: &Due, job: Option<&Job>, checked: Checked, now: DateTime<Utc>) -> Result<PageReport> {
    let (conn, tagger) = lib.conn_and_tagger()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let (title, url): (String, String) = tx
        .query_row("SELECT title, canonical_url FROM clip WHERE id = ?1", [d.clip_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or_default();
    let mut report = PageReport {
        clip_id: d.clip_id,
        url: job.map_or(url, |j| j.url.clone()),
        title,
        status: "unchanged",
        version: job.map_or(0, |j| j.version),
        change: None,
        alerts: Vec::new(),
        error: None,
    };
    let now_s = time_to_db(&now);
    let ok = |tx: &Connection, validators: &Validators, changed: bool| -> Result<()> {
        tx.execute(
            "UPDATE page_watch SET state = 'ok', failures = 0, error_code = NULL, error_message = NULL,
                    etag = ?2, last_modified = ?3, last_checked_at = ?4, next_check_at = ?5,
                    last_changed_at = CASE WHEN ?6 THEN ?4 ELSE last_changed_at END
             WHERE clip_id = ?1",
            params![
                d.clip_id,
                validators.etag,
                validators.last_modified,
                now_s,
                time_to_db(&schedule::after(now, d.interval)),
                changed
            ],
        )?;
        Ok(())
    };
    match checked {
        Checked::Skipped(until) => {
            report.status = "skipped";
            tx.execute(
                "UPDATE page_watch SET next_check_at = max(next_check_at, ?2) WHERE clip_id = ?1",
                params![d.clip_id, time_to_db(&until)],
            )?;
        }
        Checked::Fetched(Outcome::NotModified { validators }) => {
            report.status = "not_modified";
            ok(&tx, &validators, false)?;
        }
        Checked::Fetched(Outcome::Unchanged { validators }) => {
            ok(&tx, &validators, false)?;
        }
        Checked::Fetched(Outcome::Changed { clip, change, validators }) => {
            let (version, _stored) = versions::store(&tx, tagger, d.clip_id, &clip)?;
            report.status = "changed";
            report.version = version;
            report.title = clip.article.title.clone();
            if change.alerts() {
                report.alerts.push(watch::raise_for_clip(
                    &tx,
                    "edit",
                    d.clip_id,
                    &clip.article.title,
                    Some(&report.url),
                    &format!("version {version}: {}", change.describe()),
                )?);
            }
            report.change = Some(change);
            ok(&tx, &validators, true)?;
        }
        Checked::Fetched(Outcome::Failed(e)) | Checked::Failed(e) => {
            let failures = d.failures + 1;
            report.error = Some(SourceError { code: e.code().to_owned(), message: e.to_string() });
            let retry_after = match &e {
                Error::Fetch(FetchError::HttpStatus { retry_after, .. }) => *retry_after,
                _ => None,
            };
            if let (Some(secs), Error::Fetch(FetchError::HttpStatus { status: 429 | 503, .. })) = (retry_after, &e) {
                let host = job.map(|j| j.host.clone()).unwrap_or_default();
                tx.execute(
                    "INSERT INTO host_backoff (host, until) VALUES (?1, ?2)
                     ON CONFLICT (host) DO UPDATE SET until = max(until, excluded.until)",
                    params![host, time_to_db(&schedule::after(now, secs as i64))],
                )?;
            }
            let (state, wait) = match versions::gone_status(&e) {
                Some(status) => {
                    report.status = "gone";
                    if d.state != "gone" {
                        report.alerts.push(watch::raise_for_clip(
                            &tx,
                            "edit",
                            d.clip_id,
                            &report.title,
                            Some(&report.url),
                            &format!("the page is gone ({status})"),
                        )?);
                    }
                    ("gone", schedule::MAX_INTERVAL)
                }
                None => {
                    report.status = "failed";
                    let n = u32::try_from(failures).unwrap_or(u32::MAX);
                    ("failing", schedule::backoff(d.interval, n, retry_after))
                }
            };
            tx.execute(
                "UPDATE page_watch SET state = ?2, failures = ?3, error_code = ?4, error_message = ?5,
                        last_checked_at = ?6, next_check_at = ?7 WHERE clip_id = ?1",
                params![
                    d.clip_id,
                    state,
                    failures,
                    e.code(),
                    e.to_string(),
                    now_s,
                    time_to_db(&schedule::after(now, wait))
                ],
            )?;
        }
    }
    tx.commit()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        for (s, want) in [
            ("15m", Some(900)),
            ("3h", Some(10_800)),
            ("1d", Some(86_400)),
            ("1h30m", Some(5400)),
            ("3600", Some(3600)),
            ("2w", Some(1_209_600)),
        ] {
            assert_eq!(parse_duration(s).ok(), want, "{s}");
        }
        for s in ["", "5m", "10", "h", "3x", "1h-2m", "99999999999999999999d"] {
            assert_eq!(parse_duration(s).err().map(|e| e.code()), Some("input.duration"), "{s}");
        }
    }
}

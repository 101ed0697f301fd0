//! Polling sources, politely and without silent death; subscribing with discovery.
//!
//! Fetching runs on worker threads (at most [`Politeness::overall`] requests at once, at most
//! [`Politeness::per_host`] to one host); the calling thread owns the library and stores each
//! source's result in its own transaction as it arrives, so an interrupted poll keeps what it
//! finished. A conditional GET sends the stored `ETag` and `Last-Modified` back byte for byte; a
//! 304 costs no parse and no write beyond the source's schedule. A host that answers 429 or 503
//! with `Retry-After` is left alone until then, for all its sources. A failing source backs off
//! and says why; a source that answers 410 is `gone`; neither is ever dropped.
//!
//! After the sources, the watches run on the entries that are new (not backlog): fetching the
//! articles for watches that match on the full text, clipping and alerting.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;

use super::feed::{self, FeedKind, ParsedFeed};
use super::sources::{self, NewFeed, SourceError};
use super::watch::{self, Alert};
use super::{discover, inbox, schedule};
use crate::error::{Error, FetchError, Result};
use crate::fetch::{Document, Fetcher, Validators, FEED_ACCEPT};
use crate::library::{NewClip, Stored};
use crate::model::{time_from_db, time_to_db};
use crate::tags::taxonomy::TagRef;
use crate::Library;

/// How many requests at once.
#[derive(Debug, Clone, Copy)]
pub struct Politeness {
    pub overall: usize,
    pub per_host: usize,
}

impl Default for Politeness {
    fn default() -> Self {
        Politeness { overall: 16, per_host: 2 }
    }
}

/// How one source's poll ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    New,
    NotModified,
    Failed,
    Skipped,
}

/// One line of a poll's report (the CLI contract's shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FeedReport {
    pub feed_id: i64,
    pub url: String,
    pub title: Option<String>,
    pub status: Status,
    pub new_entries: usize,
    pub error: Option<SourceError>,
    /// Alerts the watches raised on this source's new entries.
    pub alerts: Vec<Alert>,
}

/// What to poll.
#[derive(Debug, Clone, Default)]
pub struct PollOptions {
    /// Every source, due or not.
    pub all: bool,
    /// Only these sources (due or not).
    pub only: Vec<i64>,
    pub politeness: Politeness,
}

struct Job {
    feed_id: i64,
    url: String,
    host: String,
    validators: Validators,
}

enum Outcome {
    Fetched {
        parsed: ParsedFeed,
        validators: Validators,
    },
    NotModified {
        validators: Validators,
    },
    Failed(Error),
    /// The host asked us to wait until then.
    Skipped(DateTime<Utc>),
}

/// Shared state of the fetch workers.
struct Sched {
    queue: VecDeque<Job>,
    in_flight: HashMap<String, usize>,
    wait_until: HashMap<String, DateTime<Utc>>,
}

fn host_of(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default()
}

/// Fetches and parses one source's document (a sitemap index: its newest child sitemaps too).
fn fetch_one(fetcher: &Fetcher, job: &Job) -> Outcome {
    let doc = match fetcher.fetch_document(&job.url, FEED_ACCEPT, &job.validators) {
        Ok(d) => d,
        Err(e) => return Outcome::Failed(e.into()),
    };
    let fetched = match doc {
        Document::NotModified { validators, .. } => return Outcome::NotModified { validators },
        Document::Fetched(f) => f,
    };
    let mut parsed = match feed::parse(&fetched.body, fetched.content_type.as_deref(), &fetched.final_url) {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(e.into()),
    };
    if parsed.kind == FeedKind::SitemapIndex {
        // The first few child sitemaps (news sitemaps list the newest first).
        for child in parsed.sitemaps.clone().iter().take(5) {
            if let Ok(Document::Fetched(f)) = fetcher.fetch_document(child, FEED_ACCEPT, &Validators::default()) {
                if let Ok(p) = feed::parse(&f.body, f.content_type.as_deref(), &f.final_url) {
                    parsed.entries.extend(p.entries);
                }
            }
        }
    }
    Outcome::Fetched { parsed, validators: fetched.validators }
}

/// Runs the fetch workers over `jobs`; `on_result` is called on this thread for each source as its
/// result arrives.
fn fetch_all(
    fetcher: &Fetcher,
    jobs: Vec<Job>,
    politeness: Politeness,
    wait_until: HashMap<String, DateTime<Utc>>,
    cancel: &AtomicBool,
    mut on_result: impl FnMut(i64, Outcome) -> Result<()>,
) -> Result<()> {
    let workers = politeness.overall.max(1).min(jobs.len().max(1));
    let per_host = politeness.per_host.max(1);
    let sched = Mutex::new(Sched { queue: jobs.into(), in_flight: HashMap::new(), wait_until });
    let ready = Condvar::new();
    let (tx, rx) = mpsc::channel::<(i64, Outcome)>();
    std::thread::scope(|scope| -> Result<()> {
        for _ in 0..workers {
            let tx = tx.clone();
            let (sched, ready) = (&sched, &ready);
            scope.spawn(move || loop {
                let job = {
                    let Ok(mut s) = sched.lock() else { return };
                    loop {
                        if cancel.load(Ordering::Relaxed) || s.queue.is_empty() {
                            return;
                        }
                        let pos =
                            s.queue.iter().position(|j| s.in_flight.get(&j.host).copied().unwrap_or(0) < per_host);
                        match pos.and_then(|p| s.queue.remove(p)) {
                            Some(job) => {
                                *s.in_flight.entry(job.host.clone()).or_default() += 1;
                                break job;
                            }
                            None => match ready.wait(s) {
                                Ok(guard) => s = guard,
                                Err(_) => return,
                            },
                        }
                    }
                };
                let blocked = sched.lock().ok().and_then(|s| s.wait_until.get(&job.host).copied());
                let outcome = match blocked.filter(|t| *t > Utc::now()) {
                    Some(until) => Outcome::Skipped(until),
                    None => {
                        // A bug in one feed's parsing fails that feed only.
                        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fetch_one(fetcher, &job))) {
                            Ok(o) => o,
                            Err(p) => Outcome::Failed(Error::Panic { message: crate::guard::message(&*p) }),
                        }
                    }
                };
                if let Outcome::Failed(Error::Fetch(FetchError::HttpStatus {
                    status: 429 | 503,
                    retry_after: Some(s),
                    ..
                })) = &outcome
                {
                    if let Ok(mut st) = sched.lock() {
                        st.wait_until.insert(job.host.clone(), schedule::after(Utc::now(), *s as i64));
                    }
                }
                if let Ok(mut s) = sched.lock() {
                    if let Some(n) = s.in_flight.get_mut(&job.host) {
                        *n = n.saturating_sub(1);
                    }
                }
                ready.notify_all();
                if tx.send((job.feed_id, outcome)).is_err() {
                    return;
                }
            });
        }
        drop(tx);
        for (feed_id, outcome) in rx {
            on_result(feed_id, outcome)?;
        }
        Ok(())
    })
}

/// What a source row needs for its next poll.
struct Due {
    id: i64,
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

fn due(conn: &Connection, opts: &PollOptions, now: DateTime<Utc>) -> Result<Vec<Due>> {
    let mut stmt =
        conn.prepare("SELECT id, url, etag, last_modified, next_poll_at FROM feed ORDER BY next_poll_at, id")?;
    let rows = stmt.query_map([], |r| {
        Ok((Due { id: r.get(0)?, url: r.get(1)?, etag: r.get(2)?, last_modified: r.get(3)? }, r.get::<_, String>(4)?))
    })?;
    let now_s = time_to_db(&now);
    let mut out = Vec::new();
    for row in rows {
        let (d, next) = row?;
        let wanted = if !opts.only.is_empty() { opts.only.contains(&d.id) } else { opts.all || next <= now_s };
        if wanted {
            out.push(d);
        }
    }
    Ok(out)
}

/// Polls the sources that are due (or those `opts` names), stores what they bring, runs the
/// watches on the new entries. `on_feed` is called with each source's report as it is stored.
pub fn poll(
    lib: &mut Library,
    fetcher: &Fetcher,
    opts: &PollOptions,
    cancel: &AtomicBool,
    mut on_feed: impl FnMut(&FeedReport),
) -> Result<Vec<FeedReport>> {
    let now = Utc::now();
    let due = due(lib.conn(), opts, now)?;
    let wait_until: HashMap<String, DateTime<Utc>> = lib
        .conn()
        .prepare("SELECT host, until FROM host_backoff")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .filter_map(|r| r.ok())
        .filter_map(|(h, t)| time_from_db(&t).map(|t| (h, t)))
        .collect();
    let jobs: Vec<Job> = due
        .into_iter()
        .map(|d| Job {
            host: host_of(&d.url),
            feed_id: d.id,
            url: d.url,
            validators: Validators { etag: d.etag, last_modified: d.last_modified },
        })
        .collect();
    let mut reports: Vec<FeedReport> = Vec::new();
    let mut new_entries: Vec<(i64, i64)> = Vec::new();
    fetch_all(fetcher, jobs, opts.politeness, wait_until, cancel, |feed_id, outcome| {
        let (conn, tagger) = lib.conn_and_tagger()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let report = store_outcome(&tx, &tagger.matcher, feed_id, outcome, Utc::now())?;
        tx.commit()?;
        new_entries.extend(report.1.iter().map(|e| (feed_id, *e)));
        on_feed(&report.0);
        reports.push(report.0);
        Ok(())
    })?;
    if !cancel.load(Ordering::Relaxed) {
        let alerts = run_watches(lib, fetcher, &new_entries, opts.politeness, cancel)?;
        for (feed_id, alert) in alerts {
            if let Some(r) = reports.iter_mut().find(|r| r.feed_id == feed_id) {
                r.alerts.push(alert);
            }
        }
        let tx = lib.write()?;
        inbox::purge(&tx, Utc::now())?;
        tx.commit()?;
    }
    Ok(reports)
}

/// Stores one source's outcome: its entries, health and schedule. Returns the report and the
/// ids of its new (non-backlog) entries.
fn store_outcome(
    conn: &Connection,
    matcher: &crate::tags::matcher::AliasMatcher,
    feed_id: i64,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<(FeedReport, Vec<i64>)> {
    let (url, title, interval, failures, subscribed, language): (
        String,
        Option<String>,
        i64,
        i64,
        Option<String>,
        Option<String>,
    ) = conn.query_row(
        "SELECT url, title, interval_s, failures, subscribed_at, language FROM feed WHERE id = ?1",
        [feed_id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
    )?;
    let now_s = time_to_db(&now);
    let mut report = FeedReport {
        feed_id,
        url: url.clone(),
        title: title.clone(),
        status: Status::NotModified,
        new_entries: 0,
        error: None,
        alerts: Vec::new(),
    };
    let mut fresh = Vec::new();
    match outcome {
        Outcome::NotModified { validators } => {
            let next = schedule::next_interval(interval, &[], false);
            conn.execute(
                "UPDATE feed SET etag = ?2, last_modified = ?3, health = 'ok', error_code = NULL, error_message = NULL,
                        failing_since = NULL, failures = 0, interval_s = ?4, last_poll_at = ?5, last_ok_at = ?5,
                        next_poll_at = ?6 WHERE id = ?1",
                params![
                    feed_id,
                    validators.etag,
                    validators.last_modified,
                    next,
                    now_s,
                    time_to_db(&schedule::after(now, next))
                ],
            )?;
        }
        Outcome::Fetched { parsed, validators } => {
            let backlog = subscribed.is_none();
            let lang = parsed.language.clone().or(language).map(|l| l.to_ascii_lowercase());
            let got = inbox::ingest(conn, matcher, feed_id, lang.as_deref(), &parsed.entries, backlog, now)?;
            let times: Vec<DateTime<Utc>> = parsed.entries.iter().filter_map(|e| e.published.or(e.updated)).collect();
            let next = schedule::next_interval(interval, &times, !got.new.is_empty());
            conn.execute(
                "UPDATE feed SET etag = ?2, last_modified = ?3, health = 'ok', error_code = NULL, error_message = NULL,
                        failing_since = NULL, failures = 0, interval_s = ?4, last_poll_at = ?5, last_ok_at = ?5,
                        next_poll_at = ?6, subscribed_at = ifnull(subscribed_at, ?5),
                        last_new_at = CASE WHEN ?7 THEN ?5 ELSE last_new_at END,
                        title = ifnull(title, ?8), site_url = ifnull(site_url, ?9), language = ifnull(language, ?10)
                 WHERE id = ?1",
                params![
                    feed_id,
                    validators.etag,
                    validators.last_modified,
                    next,
                    now_s,
                    time_to_db(&schedule::after(now, next)),
                    !got.new.is_empty(),
                    parsed.title,
                    parsed.link,
                    parsed.language
                ],
            )?;
            report.status = if got.new.is_empty() { Status::NotModified } else { Status::New };
            report.new_entries = got.new.len();
            if !backlog {
                fresh = got.new;
            }
        }
        Outcome::Skipped(until) => {
            report.status = Status::Skipped;
            conn.execute(
                "UPDATE feed SET next_poll_at = max(next_poll_at, ?2) WHERE id = ?1",
                params![feed_id, time_to_db(&until)],
            )?;
        }
        Outcome::Failed(e) => {
            let gone = matches!(&e, Error::Fetch(FetchError::HttpStatus { status: 410, .. }));
            let retry_after = match &e {
                Error::Fetch(FetchError::HttpStatus { retry_after, .. }) => *retry_after,
                _ => None,
            };
            if let (Some(secs), Error::Fetch(FetchError::HttpStatus { status: 429 | 503, .. })) = (retry_after, &e) {
                conn.execute(
                    "INSERT INTO host_backoff (host, until) VALUES (?1, ?2)
                     ON CONFLICT (host) DO UPDATE SET until = max(until, excluded.until)",
                    params![host_of(&url), time_to_db(&schedule::after(now, secs as i64))],
                )?;
            }
            let failures = u32::try_from(failures + 1).unwrap_or(u32::MAX);
            let wait = if gone { schedule::MAX_INTERVAL } else { schedule::backoff(interval, failures, retry_after) };
            conn.execute(
                "UPDATE feed SET health = ?2, error_code = ?3, error_message = ?4, failing_since = ifnull(failing_since, ?5),
                        failures = ?6, last_poll_at = ?5, next_poll_at = ?7 WHERE id = ?1",
                params![
                    feed_id,
                    if gone { "gone" } else { "failing" },
                    e.code(),
                    e.to_string(),
                    now_s,
                    failures,
                    time_to_db(&schedule::after(now, wait))
                ],
            )?;
            report.status = Status::Failed;
            report.error = Some(SourceError { code: e.code().to_owned(), message: e.to_string() });
        }
    }
    Ok((report, fresh))
}

/// Runs the enabled watches on the new entries: fetches articles where a watch matches on the
/// full text, records matches, clips and alerts. Returns the alerts with the feed of each entry.
fn run_watches(
    lib: &mut Library,
    fetcher: &Fetcher,
    new_entries: &[(i64, i64)],
    politeness: Politeness,
    cancel: &AtomicBool,
) -> Result<Vec<(i64, Alert)>> {
    let watches: Vec<watch::Watch> = watch::list(lib.conn())?.into_iter().filter(|w| w.enabled).collect();
    if watches.is_empty() || new_entries.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = new_entries.iter().map(|(_, e)| *e).collect();
    // Articles for the watches that read them: fetched once each, in parallel.
    let mut prepared: HashMap<i64, NewClip> = HashMap::new();
    if watches.iter().any(|w| w.fetch) {
        prepared = fetch_articles(lib.conn(), fetcher, &ids, politeness, cancel)?;
        let tx = lib.write()?;
        for (id, clip) in &prepared {
            tx.execute("UPDATE entry SET article_text = ?2 WHERE id = ?1", params![id, clip.article.text])?;
            inbox::reindex(&tx, *id)?;
        }
        tx.commit()?;
    }
    let mut alerts = Vec::new();
    for w in &watches {
        // A watch that does not read articles matches on title and summary only: it must not see
        // the article text fetched for another watch.
        let matched =
            if w.fetch { watch::matching(lib.conn(), w, &ids)? } else { matching_without_articles(lib, w, &ids)? };
        for entry_id in matched {
            if !watch::record_match(lib.conn(), w.id, entry_id)? {
                continue;
            }
            let mut clip_id = None;
            if w.clip {
                let tags: Vec<TagRef> = w.tags.iter().filter_map(|t| TagRef::parse(t).ok()).collect();
                clip_id = match clip_entry(lib, fetcher, entry_id, prepared.get(&entry_id), &tags) {
                    Ok(id) => Some(id),
                    Err(e) => {
                        tracing::warn!(entry_id, code = e.code(), "watch {:?} could not clip: {e}", w.name);
                        None
                    }
                };
            }
            if w.alert {
                let alert = watch::raise(lib.conn(), w, entry_id, clip_id)?;
                let feed = new_entries.iter().find(|(_, e)| *e == entry_id).map_or(0, |(f, _)| *f);
                alerts.push((feed, alert));
            }
        }
    }
    Ok(alerts)
}

/// A watch's matches among `ids`, judged on title and summary (the fetched article text is set
/// aside while it runs).
fn matching_without_articles(lib: &mut Library, w: &watch::Watch, ids: &[i64]) -> Result<Vec<i64>> {
    let with_articles: Vec<i64> = {
        let mut stmt = lib.conn().prepare_cached("SELECT 1 FROM entry WHERE id = ?1 AND article_text IS NOT NULL")?;
        ids.iter().copied().filter(|id| stmt.exists([id]).unwrap_or(false)).collect()
    };
    if with_articles.is_empty() {
        return watch::matching(lib.conn(), w, ids);
    }
    let tx = lib.write()?;
    for id in &with_articles {
        tx.execute("UPDATE entry SET article_text = NULL WHERE id = ?1", [id])?;
        inbox::reindex(&tx, *id)?;
    }
    let matched = watch::matching(&tx, w, ids)?;
    // Rolled back: the article texts and their index rows come back as they were.
    drop(tx);
    Ok(matched)
}

/// Fetches and extracts the articles of entries (for watches that read them).
fn fetch_articles(
    conn: &Connection,
    fetcher: &Fetcher,
    ids: &[i64],
    politeness: Politeness,
    cancel: &AtomicBool,
) -> Result<HashMap<i64, NewClip>> {
    let mut jobs = Vec::new();
    for id in ids {
        let url: Option<String> =
            conn.query_row("SELECT url FROM entry WHERE id = ?1", [id], |r| r.get(0)).optional()?.flatten();
        if let Some(url) = url {
            jobs.push(Job { feed_id: *id, host: host_of(&url), url, validators: Validators::default() });
        }
    }
    let out = Mutex::new(HashMap::new());
    let per_host = politeness.per_host.max(1);
    let queue = Mutex::new((VecDeque::from(jobs), HashMap::<String, usize>::new()));
    let ready = Condvar::new();
    std::thread::scope(|scope| {
        for _ in 0..politeness.overall.max(1).min(ids.len().max(1)) {
            scope.spawn(|| loop {
                let job = {
                    let Ok(mut q) = queue.lock() else { return };
                    loop {
                        if cancel.load(Ordering::Relaxed) || q.0.is_empty() {
                            return;
                        }
                        let pos = q.0.iter().position(|j| q.1.get(&j.host).copied().unwrap_or(0) < per_host);
                        match pos.and_then(|p| q.0.remove(p)) {
                            Some(job) => {
                                *q.1.entry(job.host.clone()).or_default() += 1;
                                break job;
                            }
                            None => match ready.wait(q) {
                                Ok(g) => q = g,
                                Err(_) => return,
                            },
                        }
                    }
                };
                let prepared = crate::guard::catch(|| crate::clip::fetch_and_prepare(fetcher, &job.url));
                if let Ok(mut q) = queue.lock() {
                    if let Some(n) = q.1.get_mut(&job.host) {
                        *n = n.saturating_sub(1);
                    }
                }
                ready.notify_all();
                if let (Ok(clip), Ok(mut out)) = (prepared, out.lock()) {
                    out.insert(job.feed_id, clip);
                }
            });
        }
    });
    Ok(out.into_inner().unwrap_or_default())
}

/// Clips an inbox entry through the normal pipeline (fetch, extract, tag, store), or stores the
/// article already fetched for it; marks the entry clipped. Returns the clip's id (an existing
/// clip when the article is already in the library).
pub fn clip_entry(
    lib: &mut Library,
    fetcher: &Fetcher,
    entry_id: i64,
    prepared: Option<&NewClip>,
    tags: &[TagRef],
) -> Result<i64> {
    let url: Option<String> = lib
        .conn()
        .query_row("SELECT url FROM entry WHERE id = ?1", [entry_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "entry", id: entry_id.to_string() })?;
    let url = url.ok_or_else(|| Error::input("input.no_link", format!("entry {entry_id} has no link to clip")))?;
    let stored = crate::guard::catch(|| match prepared {
        Some(clip) => crate::clip::store(lib, clip, tags),
        None => match lib.find_by_url_keys(&crate::clip::url_keys(&url)?)? {
            Some(id) => Ok(Stored::Duplicate(id)),
            None => {
                let clip = crate::clip::fetch_and_prepare(fetcher, &url)?;
                crate::clip::store(lib, &clip, tags)
            }
        },
    })?;
    let clip_id = match stored {
        Stored::Created(id) | Stored::Duplicate(id) => id,
    };
    if matches!(stored, Stored::Duplicate(_)) && !tags.is_empty() {
        lib.tag_clips(&[clip_id], tags, &[])?;
    }
    let tx = lib.write()?;
    inbox::mark_clipped(&tx, entry_id, clip_id)?;
    tx.commit()?;
    Ok(clip_id)
}

/// What subscribing did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscribed {
    pub feed: sources::Feed,
    pub created: bool,
    /// Entries found at subscription (the backlog: listed, never alerted on).
    pub backlog: usize,
}

/// Subscribes to `url`: a feed or sitemap URL, or a site or article page whose feed discovery
/// finds (`<link rel="alternate">`, then well-known paths). The document is fetched and parsed
/// before anything is stored; what it lists is the backlog.
pub fn subscribe(lib: &mut Library, fetcher: &Fetcher, url: &str, folder: Option<&str>) -> Result<Subscribed> {
    let (feed_url, parsed, validators) = locate(fetcher, url)?;
    let now = Utc::now();
    let (conn, tagger) = lib.conn_and_tagger()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let folder_id = folder.map(|f| sources::ensure_folder(&tx, f)).transpose()?;
    let (id, created) = sources::insert(&tx, &NewFeed { folder_id, ..NewFeed::from_parsed(&feed_url, &parsed) }, now)?;
    let mut backlog = 0;
    if created {
        backlog = store_outcome(&tx, &tagger.matcher, id, Outcome::Fetched { parsed, validators }, now)?.0.new_entries;
    } else if let Some(f) = folder_id {
        tx.execute("UPDATE feed SET folder_id = ?2 WHERE id = ?1", params![id, f])?;
    }
    tx.commit()?;
    Ok(Subscribed { feed: sources::get(lib.conn(), id)?, created, backlog })
}

/// Finds the feed behind a URL: the URL itself if it is a feed, else the page's declared feeds,
/// else the usual paths on its site. Returns the feed's URL, its parsed document and validators.
pub fn locate(fetcher: &Fetcher, url: &str) -> Result<(String, ParsedFeed, Validators)> {
    let first = fetcher.fetch_document(url, FEED_ACCEPT, &Validators::default())?;
    let Document::Fetched(page) = first else {
        return Err(Error::input("feed.not_found", format!("{url} answered 304 to a request without validators")));
    };
    match feed::parse(&page.body, page.content_type.as_deref(), &page.final_url) {
        Ok(parsed) => return Ok((page.final_url.to_string(), parsed, page.validators)),
        Err(e) if e.code() != "feed.not_a_feed" => return Err(e.into()),
        Err(_) => {}
    }
    // An HTML page: its declared feeds, then the usual places.
    let tld = page.final_url.host_str().and_then(|h| h.rsplit('.').next());
    let charset = page.content_type.as_deref().and_then(|ct| {
        crate::fetch::charset::charset_param(ct.to_ascii_lowercase().as_bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned())
    });
    let (html, _, _) = crate::fetch::charset::decode(&page.body, charset.as_deref(), tld);
    let mut candidates: Vec<String> = discover::feed_links(&html, &page.final_url).into_iter().map(|l| l.url).collect();
    candidates.extend(discover::candidates(&page.final_url).into_iter().map(|u| u.to_string()));
    let mut seen = std::collections::HashSet::new();
    for candidate in candidates.into_iter().filter(|c| seen.insert(c.clone())).take(16) {
        if let Ok(Document::Fetched(doc)) = fetcher.fetch_document(&candidate, FEED_ACCEPT, &Validators::default()) {
            if let Ok(parsed) = feed::parse(&doc.body, doc.content_type.as_deref(), &doc.final_url) {
                return Ok((doc.final_url.to_string(), parsed, doc.validators));
            }
        }
    }
    Err(Error::input(
        "feed.not_found",
        format!("no feed found at {url} (nor declared by the page, nor at the usual paths)"),
    ))
}

/// Fetches and parses a feed without subscribing (`clipdesk feed preview`).
pub fn preview(fetcher: &Fetcher, url: &str) -> Result<(String, ParsedFeed)> {
    let (u, parsed, _) = locate(fetcher, url)?;
    Ok((u, parsed))
}

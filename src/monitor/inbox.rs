//! The inbox: what sources announce, one entry per article however many feeds carry it.
//!
//! An entry is keyed twice: by its canonical URL across feeds (the same wire story in three feeds
//! is one entry listing the three), and by a stable key within each feed (`entry_feed`: guid,
//! else link, else a hash of title and date), so re-polling a feed whose entries change never
//! makes a duplicate. An entry the analyst dismissed stays dismissed; when retention removes old
//! entries their keys are kept in `entry_gone`, so a feed that still lists them cannot bring them
//! back. What the first poll of a feed finds is its backlog: shown, but never alerted on or clipped
//! by a watch.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::feed::ParsedEntry;
use crate::canon::{canonicalize, parse_web_url};
use crate::error::{Error, Result};
use crate::model::{time_from_db, time_to_db};
use crate::search::query::{self, Target};
use crate::tags::matcher::AliasMatcher;
use crate::text::fts_prepare;

/// Where an entry is in the analyst's triage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    New,
    Seen,
    Clipped,
    Dismissed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Seen => "seen",
            State::Clipped => "clipped",
            State::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "new" => Ok(State::New),
            "seen" => Ok(State::Seen),
            "clipped" => Ok(State::Clipped),
            "dismissed" => Ok(State::Dismissed),
            other => Err(Error::input(
                "input.state",
                format!("unknown entry state {other:?}: expected new, seen, clipped or dismissed"),
            )),
        }
    }
}

/// One inbox entry as listed (the CLI contract's shape).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub published_at: Option<String>,
    pub found_at: String,
    pub summary: Option<String>,
    /// The titles of the feeds that carried it.
    pub feeds: Vec<String>,
    pub state: State,
    pub backlog: bool,
    pub clip_id: Option<i64>,
    /// Names of the watches it matched.
    pub watches: Vec<String>,
}

/// A page of the inbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listing {
    pub total: i64,
    pub entries: Vec<Entry>,
}

/// Which entries to list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A query in the search language (`feed:` and `folder:` included); `None` for all.
    pub query: Option<String>,
    /// `None` for every state.
    pub state: Option<State>,
    /// Leave the subscription backlog out.
    pub hide_backlog: bool,
    pub limit: i64,
    pub offset: i64,
}

/// The result of storing one feed's entries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ingested {
    /// Entries new to the inbox (not carried by another feed before).
    pub new: Vec<i64>,
    /// Entries another feed had already brought, now also listed under this one.
    pub also_in: usize,
}

/// The key under which a gone entry is remembered.
fn gone_key(feed_id: i64, key: &str) -> String {
    format!("{feed_id}:{key}")
}

fn gone_url(canonical: &str) -> String {
    format!("url:{canonical}")
}

/// Stores a poll's entries of one feed (in the caller's transaction). `backlog`: this is the
/// feed's first poll. `site` is what the entry's `site` index column holds for this feed (its
/// title and host).
pub fn ingest(
    conn: &Connection,
    matcher: &AliasMatcher,
    feed_id: i64,
    lang: Option<&str>,
    entries: &[ParsedEntry],
    backlog: bool,
    now: DateTime<Utc>,
) -> Result<Ingested> {
    let now_s = time_to_db(&now);
    let mut out = Ingested::default();
    let mut known_key = conn.prepare_cached("SELECT 1 FROM entry_feed WHERE feed_id = ?1 AND key = ?2")?;
    let mut gone = conn.prepare_cached("SELECT 1 FROM entry_gone WHERE key = ?1")?;
    let mut by_url = conn.prepare_cached("SELECT id FROM entry WHERE canonical_url = ?1")?;
    let mut link = conn.prepare_cached(
        "INSERT OR IGNORE INTO entry_feed (feed_id, key, entry_id, first_seen) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in entries {
        if e.key.is_empty() || known_key.exists(params![feed_id, e.key])? {
            continue;
        }
        if gone.exists([gone_key(feed_id, &e.key)])? {
            continue;
        }
        let url = e.link.as_deref().and_then(|l| parse_web_url(l).ok());
        let canonical = url.as_ref().map(|u| canonicalize(u).to_string());
        if let Some(c) = &canonical {
            if gone.exists([gone_url(c)])? {
                continue;
            }
            if let Some(id) = by_url.query_row([c], |r| r.get::<_, i64>(0)).optional()? {
                link.execute(params![feed_id, e.key, id, now_s])?;
                reindex(conn, id)?;
                out.also_in += 1;
                continue;
            }
        }
        let title = e
            .title
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| e.summary.as_deref().map(|s| crate::text::truncate_chars(s, 120)))
            .or_else(|| url.as_ref().map(|u| u.to_string()))
            .unwrap_or_else(|| "(untitled)".to_owned());
        // Already in the library as a clip: listed as clipped.
        let clip_id: Option<i64> = match &canonical {
            Some(c) => crate::library::find_by_url_keys(conn, std::slice::from_ref(c))?,
            None => None,
        };
        conn.prepare_cached(
            "INSERT INTO entry (url, canonical_url, title, summary, content, authors, categories, lang, published_at,
                                found_at, state, backlog, clip_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            url.as_ref().map(|u| u.to_string()),
            canonical,
            title,
            e.summary,
            e.content,
            serde_json::to_string(&e.authors).unwrap_or_else(|_| "[]".into()),
            serde_json::to_string(&e.tags).unwrap_or_else(|_| "[]".into()),
            lang,
            e.published.or(e.updated).as_ref().map(time_to_db),
            now_s,
            if clip_id.is_some() { "clipped" } else { "new" },
            backlog,
            clip_id,
        ])?;
        let id = conn.last_insert_rowid();
        link.execute(params![feed_id, e.key, id, now_s])?;
        let text = format!("{title}\n\n{}", e.summary.as_deref().unwrap_or(""));
        let mut add_actor =
            conn.prepare_cached("INSERT OR IGNORE INTO entry_actor (entry_id, actor_id) VALUES (?1, ?2)")?;
        for found in matcher.find(&text) {
            add_actor.execute(params![id, found.tag_id])?;
        }
        reindex(conn, id)?;
        out.new.push(id);
    }
    Ok(out)
}

/// Rewrites an entry's full-text row from its columns and its feeds.
pub fn reindex(conn: &Connection, id: i64) -> Result<()> {
    type Row = (String, Option<String>, Option<String>, Option<String>, String, Option<String>);
    let row: Option<Row> = conn
        .query_row("SELECT title, summary, content, article_text, authors, url FROM entry WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .optional()?;
    conn.prepare_cached("DELETE FROM entry_fts WHERE rowid = ?1")?.execute([id])?;
    let Some((title, summary, content, article, authors, url)) = row else { return Ok(()) };
    let feeds: Vec<String> = conn
        .prepare_cached(
            "SELECT ifnull(f.title, '') || ' ' || f.url FROM entry_feed ef JOIN feed f ON f.id = ef.feed_id WHERE ef.entry_id = ?1",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let host = url.as_deref().and_then(|u| url::Url::parse(u).ok()).and_then(|u| u.host_str().map(str::to_owned));
    let site = format!("{} {}", feeds.join(" "), host.unwrap_or_default());
    // The content column holds HTML: its text is what is searched.
    let content_text = content.as_deref().map(html_text).unwrap_or_default();
    let text = [summary.unwrap_or_default(), content_text, article.unwrap_or_default()].join("\n\n");
    let authors: Vec<String> = serde_json::from_str(&authors).unwrap_or_default();
    conn.prepare_cached(
        "INSERT INTO entry_fts (rowid, title, text, note, authors, site) VALUES (?1, ?2, ?3, '', ?4, ?5)",
    )?
    .execute(params![
        id,
        fts_prepare(&title),
        fts_prepare(crate::text::truncate_bytes(&text, 256 * 1024)),
        fts_prepare(&authors.join(", ")),
        site
    ])?;
    Ok(())
}

/// The text of a sanitized HTML fragment.
fn html_text(html: &str) -> String {
    let doc = dom_query::Document::fragment(html);
    crate::text::collapse_ws(&doc.root().text())
}

/// Lists the inbox: newest found first. One statement counts the matches and one reads the page,
/// both straight from the index joined to the entries (no list of every match in memory).
pub fn list(conn: &Connection, filter: &Filter) -> Result<Listing> {
    let compiled = match filter.query.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(q) => query::compile_for(&crate::search::parse(conn, q)?, Utc::now(), Target::ENTRIES),
        None => query::Compiled { target: Target::ENTRIES, ..Default::default() },
    };
    let mut conditions = vec![compiled.where_sql()];
    let mut values: Vec<query::SqlValue> = compiled.all_params();
    if let Some(state) = filter.state {
        conditions.push("c.state = ?".into());
        values.push(query::SqlValue::Text(state.as_str().to_owned()));
    }
    if filter.hide_backlog {
        conditions.push("c.backlog = 0".into());
    }
    let (from, where_) = (from_of(&compiled), conditions.join(" AND "));
    let has_query = compiled.fts.is_some() || !compiled.conditions.is_empty();
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM {from} WHERE {where_}"))?
        .query_row(rusqlite::params_from_iter(values.iter()), |r| r.get(0))
        .map_err(|e| query_error(e, has_query))?;
    values.push(query::SqlValue::Int(filter.limit.clamp(0, 10_000)));
    values.push(query::SqlValue::Int(filter.offset.max(0)));
    let ids: Vec<i64> = conn
        .prepare_cached(&format!(
            "SELECT c.id FROM {from} WHERE {where_} ORDER BY c.found_at DESC, c.id DESC LIMIT ? OFFSET ?"
        ))?
        .query_map(rusqlite::params_from_iter(values.iter()), |r| r.get(0))
        .map_err(|e| query_error(e, has_query))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|e| query_error(e, has_query))?;
    let entries = ids.into_iter().map(|id| get(conn, id)).collect::<Result<_>>()?;
    Ok(Listing { total, entries })
}

/// The FROM clause of a compiled entry query.
fn from_of(c: &query::Compiled) -> String {
    let (fts, table) = (c.target.fts, c.target.table);
    if c.fts.is_some() {
        format!("{fts} JOIN {table} c ON c.id = {fts}.rowid")
    } else {
        format!("{table} c")
    }
}

fn query_error(e: rusqlite::Error, has_query: bool) -> Error {
    if has_query && e.sqlite_error_code() == Some(rusqlite::ErrorCode::Unknown) {
        Error::input("query.unsupported", "the search index cannot answer this query: try other words")
    } else {
        e.into()
    }
}

/// One entry.
pub fn get(conn: &Connection, id: i64) -> Result<Entry> {
    let mut entry = conn
        .prepare_cached(
            "SELECT id, title, url, published_at, found_at, summary, state, backlog, clip_id FROM entry WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(Entry {
                id: r.get(0)?,
                title: r.get(1)?,
                url: r.get(2)?,
                published_at: r.get::<_, Option<String>>(3)?.as_deref().and_then(time_from_db).map(|t| time_to_db(&t)),
                found_at: r.get(4)?,
                summary: r.get(5)?,
                state: State::parse(&r.get::<_, String>(6)?).unwrap_or(State::New),
                backlog: r.get(7)?,
                clip_id: r.get(8)?,
                feeds: Vec::new(),
                watches: Vec::new(),
            })
        })
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "entry", id: id.to_string() })?;
    entry.feeds = conn
        .prepare_cached(
            "SELECT ifnull(f.title, f.url) FROM entry_feed ef JOIN feed f ON f.id = ef.feed_id WHERE ef.entry_id = ?1
             ORDER BY ef.first_seen, f.id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    entry.watches = conn
        .prepare_cached(
            "SELECT w.name FROM entry_watch ew JOIN watch w ON w.id = ew.watch_id WHERE ew.entry_id = ?1 ORDER BY w.name",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(entry)
}

/// Sets entries' state (seen, dismissed, or back to new). Clipped entries keep their clip.
pub fn set_state(conn: &Connection, ids: &[i64], state: State) -> Result<usize> {
    let mut n = 0;
    for id in ids {
        let changed = conn.execute(
            "UPDATE entry SET state = ?2 WHERE id = ?1 AND (state != 'clipped' OR ?2 = 'clipped')",
            params![id, state.as_str()],
        )?;
        if changed == 0 && !conn.prepare_cached("SELECT 1 FROM entry WHERE id = ?1")?.exists([id])? {
            return Err(Error::NotFound { what: "entry", id: id.to_string() });
        }
        n += changed;
    }
    Ok(n)
}

/// Records that an entry was clipped as `clip_id`.
pub fn mark_clipped(conn: &Connection, id: i64, clip_id: i64) -> Result<()> {
    conn.execute("UPDATE entry SET state = 'clipped', clip_id = ?2 WHERE id = ?1", params![id, clip_id])?;
    Ok(())
}

/// Unread entries (new, not backlog).
pub fn unread(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM entry WHERE state = 'new' AND backlog = 0", [], |r| r.get(0))?)
}

/// The inbox's retention in days (setting `inbox_retention_days`, default 90).
pub fn retention_days(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row("SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'inbox_retention_days'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(90))
}

/// Removes entries older than the retention period that were not clipped, remembering their keys
/// so their feeds cannot bring them back. Returns how many were removed.
pub fn purge(conn: &Connection, now: DateTime<Utc>) -> Result<usize> {
    let cutoff = time_to_db(&(now - Duration::days(retention_days(conn)?)));
    let old: Vec<(i64, Option<String>)> = conn
        .prepare("SELECT id, canonical_url FROM entry WHERE found_at < ?1 AND clip_id IS NULL")?
        .query_map([&cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let now_s = time_to_db(&now);
    let mut remember = conn.prepare_cached("INSERT OR IGNORE INTO entry_gone (key, at) VALUES (?1, ?2)")?;
    for (id, canonical) in &old {
        let keys: Vec<(i64, String)> = conn
            .prepare_cached("SELECT feed_id, key FROM entry_feed WHERE entry_id = ?1")?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (feed, key) in keys {
            remember.execute(params![gone_key(feed, &key), now_s])?;
        }
        if let Some(c) = canonical {
            remember.execute(params![gone_url(c), now_s])?;
        }
        conn.execute("DELETE FROM entry_fts WHERE rowid = ?1", [id])?;
        conn.execute("DELETE FROM entry WHERE id = ?1", [id])?;
    }
    Ok(old.len())
}

/// Counts of entries by state, for the app's inbox header.
pub fn counts(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let mut out = BTreeMap::new();
    let mut stmt = conn.prepare("SELECT state, count(*) FROM entry GROUP BY state")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (k, v) = row?;
        out.insert(k, v);
    }
    Ok(out)
}

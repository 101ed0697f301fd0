//! Watches: standing queries in the one query language (with `feed:` and `folder:`), run on every
//! new inbox entry — on its title and summary, and on the full article when the watch asks for it
//! to be fetched. A match is recorded on the entry and may clip it (through the normal clip
//! pipeline), tag the clip, and raise an alert. Before saving, a watch can be tried on the entries
//! already in the inbox. The subscription backlog never triggers a watch.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::inbox;
use crate::error::{Error, Result};
use crate::model::time_to_db;
use crate::search::query::{self, Field, Node, Target};
use crate::tags::taxonomy::TagRef;

/// A watch as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Watch {
    pub id: i64,
    pub name: String,
    pub query: String,
    /// Fetch the article of each new entry and match on its full text too.
    pub fetch: bool,
    /// Clip what matches.
    pub clip: bool,
    /// Raise an alert for what matches.
    pub alert: bool,
    /// Tags given to what it clips.
    pub tags: Vec<String>,
    pub enabled: bool,
    /// Entries it has matched.
    pub matched: i64,
}

/// A new or changed watch.
#[derive(Debug, Clone, Default)]
pub struct WatchSpec {
    pub name: String,
    pub query: String,
    pub fetch: bool,
    pub clip: bool,
    pub alert: bool,
    pub tags: Vec<String>,
}

/// An alert as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub id: i64,
    pub kind: String,
    pub watch: Option<String>,
    pub entry_id: Option<i64>,
    pub clip_id: Option<i64>,
    pub title: String,
    pub url: Option<String>,
    pub detail: Option<String>,
    pub created_at: String,
    pub seen: bool,
}

/// Checks a watch's query: it parses, names nothing unknown, and uses only what entries have
/// (entries have no topics, notes or highlights until they are clipped).
pub fn check_query(conn: &Connection, q: &str) -> Result<Node> {
    let node = query::parse(q).map_err(|e| Error::input("query.syntax", e.to_string()))?;
    fn walk(n: &Node) -> Result<()> {
        match n {
            Node::Field(Field::Topic(_)) => Err(Error::input(
                "query.field",
                "topic: does not apply to inbox entries (they have topics once clipped): use words, actor:, feed: or folder:",
            )),
            Node::Field(Field::HasNote | Field::HasHighlight) => {
                Err(Error::input("query.field", "has:note and has:highlight do not apply to inbox entries"))
            }
            Node::And(p) | Node::Or(p) => p.iter().try_for_each(walk),
            Node::Not(inner) => walk(inner),
            _ => Ok(()),
        }
    }
    walk(&node)?;
    crate::search::saved::expand(conn, node)
}

/// Adds or replaces a watch (by name).
pub fn save(conn: &Connection, spec: &WatchSpec) -> Result<i64> {
    let name = crate::text::collapse_ws(&spec.name);
    if name.is_empty() {
        return Err(Error::input("input.name", "a watch needs a name"));
    }
    check_query(conn, &spec.query)?;
    for t in &spec.tags {
        TagRef::parse(t)?;
    }
    conn.execute(
        "INSERT INTO watch (name, query, fetch_article, clip, alert, tags, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (name) DO UPDATE SET query = excluded.query, fetch_article = excluded.fetch_article,
             clip = excluded.clip, alert = excluded.alert, tags = excluded.tags",
        params![
            name,
            spec.query,
            spec.fetch,
            spec.clip,
            spec.alert,
            serde_json::to_string(&spec.tags).unwrap_or_else(|_| "[]".into()),
            time_to_db(&Utc::now())
        ],
    )?;
    Ok(conn.query_row("SELECT id FROM watch WHERE name = ?1", [&name], |r| r.get(0))?)
}

pub fn list(conn: &Connection) -> Result<Vec<Watch>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, query, fetch_article, clip, alert, tags, enabled,
                (SELECT count(*) FROM entry_watch ew WHERE ew.watch_id = watch.id)
         FROM watch ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Watch {
            id: r.get(0)?,
            name: r.get(1)?,
            query: r.get(2)?,
            fetch: r.get(3)?,
            clip: r.get(4)?,
            alert: r.get(5)?,
            tags: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or_default(),
            enabled: r.get(7)?,
            matched: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Removes a watch by name or id.
pub fn remove(conn: &Connection, name_or_id: &str) -> Result<()> {
    let n =
        conn.execute("DELETE FROM watch WHERE name = ?1 COLLATE NOCASE OR CAST(id AS TEXT) = ?1", [name_or_id.trim()])?;
    if n == 0 {
        return Err(Error::NotFound { what: "watch", id: name_or_id.to_owned() });
    }
    Ok(())
}

/// What a query would match among the inbox's entries now (newest first), without saving it: the
/// live preview of the watch editor and `clipdesk watch test`.
pub fn test(conn: &Connection, q: &str, limit: i64) -> Result<inbox::Listing> {
    check_query(conn, q)?;
    inbox::list(conn, &inbox::Filter { query: Some(q.to_owned()), limit, ..Default::default() })
}

/// The entries among `entry_ids` a watch's query matches.
pub fn matching(conn: &Connection, watch: &Watch, entry_ids: &[i64]) -> Result<Vec<i64>> {
    let node = match check_query(conn, &watch.query) {
        Ok(n) => n,
        // A watch whose query no longer works (a saved search it named is gone) matches nothing.
        Err(_) => return Ok(Vec::new()),
    };
    let compiled = query::compile_for(&node, Utc::now(), Target::ENTRIES);
    let mut out = Vec::new();
    for id in entry_ids {
        if crate::search::matches_clip(conn, &compiled, *id)? {
            out.push(*id);
        }
    }
    Ok(out)
}

/// The tags the watches an entry matched give to its clip.
pub fn tags_for_entry(conn: &Connection, entry_id: i64) -> Result<Vec<TagRef>> {
    let lists: Vec<String> = conn
        .prepare_cached("SELECT w.tags FROM entry_watch ew JOIN watch w ON w.id = ew.watch_id WHERE ew.entry_id = ?1")?
        .query_map([entry_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out: Vec<TagRef> = Vec::new();
    for t in lists.iter().flat_map(|l| serde_json::from_str::<Vec<String>>(l).unwrap_or_default()) {
        if let Ok(tag) = TagRef::parse(&t) {
            if !out.iter().any(|o| o.kind == tag.kind && o.name == tag.name) {
                out.push(tag);
            }
        }
    }
    Ok(out)
}

/// Records a match; false if the entry had already matched this watch.
pub fn record_match(conn: &Connection, watch_id: i64, entry_id: i64) -> Result<bool> {
    Ok(conn.execute(
        "INSERT OR IGNORE INTO entry_watch (entry_id, watch_id, matched_at) VALUES (?1, ?2, ?3)",
        params![entry_id, watch_id, time_to_db(&Utc::now())],
    )? > 0)
}

/// Raises an alert for a watch's match.
pub fn raise(conn: &Connection, watch: &Watch, entry_id: i64, clip_id: Option<i64>) -> Result<Alert> {
    let (title, url): (String, Option<String>) =
        conn.query_row("SELECT title, url FROM entry WHERE id = ?1", [entry_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    conn.execute(
        "INSERT INTO alert (kind, watch_id, entry_id, clip_id, title, url, detail, created_at)
         VALUES ('watch', ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            watch.id,
            entry_id,
            clip_id,
            title,
            url,
            format!("matched the watch {:?}", watch.name),
            time_to_db(&Utc::now())
        ],
    )?;
    get_alert(conn, conn.last_insert_rowid())
}

/// Raises an alert about a clip rather than a feed entry: `kind` `edit` is a watched page that
/// changed or went away ([`super::pages`]); `detail` says how, in one sentence.
pub fn raise_for_clip(
    conn: &Connection,
    kind: &str,
    clip_id: i64,
    title: &str,
    url: Option<&str>,
    detail: &str,
) -> Result<Alert> {
    conn.execute(
        "INSERT INTO alert (kind, clip_id, title, url, detail, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![kind, clip_id, title, url, detail, time_to_db(&Utc::now())],
    )?;
    get_alert(conn, conn.last_insert_rowid())
}

fn get_alert(conn: &Connection, id: i64) -> Result<Alert> {
    conn.query_row(
        "SELECT a.id, a.kind, w.name, a.entry_id, a.clip_id, a.title, a.url, a.detail, a.created_at, a.seen_at IS NOT NULL
         FROM alert a LEFT JOIN watch w ON w.id = a.watch_id WHERE a.id = ?1",
        [id],
        alert_row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "alert", id: id.to_string() })
}

fn alert_row(r: &rusqlite::Row) -> rusqlite::Result<Alert> {
    Ok(Alert {
        id: r.get(0)?,
        kind: r.get(1)?,
        watch: r.get(2)?,
        entry_id: r.get(3)?,
        clip_id: r.get(4)?,
        title: r.get(5)?,
        url: r.get(6)?,
        detail: r.get(7)?,
        created_at: r.get(8)?,
        seen: r.get(9)?,
    })
}

/// Alerts, newest first.
pub fn alerts(conn: &Connection, unseen_only: bool, limit: i64) -> Result<Vec<Alert>> {
    let mut stmt = conn.prepare(
        "SELECT a.id, a.kind, w.name, a.entry_id, a.clip_id, a.title, a.url, a.detail, a.created_at, a.seen_at IS NOT NULL
         FROM alert a LEFT JOIN watch w ON w.id = a.watch_id
         WHERE (?1 = 0 OR a.seen_at IS NULL) ORDER BY a.created_at DESC, a.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![unseen_only, limit], alert_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks alerts seen (all when `ids` is empty).
pub fn mark_seen(conn: &Connection, ids: &[i64]) -> Result<usize> {
    let now = time_to_db(&Utc::now());
    if ids.is_empty() {
        return Ok(conn.execute("UPDATE alert SET seen_at = ?1 WHERE seen_at IS NULL", [now])?);
    }
    let mut n = 0;
    for id in ids {
        n += conn.execute("UPDATE alert SET seen_at = ?2 WHERE id = ?1 AND seen_at IS NULL", params![id, now])?;
    }
    Ok(n)
}

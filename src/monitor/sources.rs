//! Sources and their folders: subscribing (with discovery from a site or article URL), listing,
//! moving, removing, and OPML import and export that keep folders at any depth and lose nothing.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::feed::{FeedKind, ParsedFeed};
use super::opml::{Opml, Outline};
use super::schedule;
use crate::error::{Error, Result};
use crate::model::time_to_db;

/// A source's health: polled fine, failing (since when, with what), or gone (410).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Health {
    Ok,
    Failing,
    Gone,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Ok => "ok",
            Health::Failing => "failing",
            Health::Gone => "gone",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "failing" => Health::Failing,
            "gone" => Health::Gone,
            _ => Health::Ok,
        }
    }
}

/// The coded error a failing source last gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceError {
    pub code: String,
    pub message: String,
}

/// A source as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Feed {
    pub id: i64,
    pub url: String,
    pub kind: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    /// The folder's path ("Wires/Europe"), if in one.
    pub folder: Option<String>,
    pub folder_id: Option<i64>,
    pub health: Health,
    pub error: Option<SourceError>,
    pub failing_since: Option<String>,
    pub failures: i64,
    pub interval_s: i64,
    pub last_poll_at: Option<String>,
    pub last_ok_at: Option<String>,
    pub next_poll_at: String,
    pub unread: i64,
    pub entries: i64,
}

/// A folder of sources.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Folder {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub parent_id: Option<i64>,
}

/// What is known of a new source before it is stored.
#[derive(Debug, Clone, Default)]
pub struct NewFeed {
    pub url: String,
    pub kind: Option<FeedKind>,
    pub title: Option<String>,
    pub site_url: Option<String>,
    pub description: Option<String>,
    pub language: Option<String>,
    pub folder_id: Option<i64>,
    pub opml_attrs: Vec<(String, String)>,
}

impl NewFeed {
    /// A source described by a parsed document fetched from `url`.
    pub fn from_parsed(url: &str, parsed: &ParsedFeed) -> Self {
        NewFeed {
            url: url.to_owned(),
            kind: Some(parsed.kind),
            title: parsed.title.clone(),
            site_url: parsed.link.clone(),
            description: parsed.subtitle.clone(),
            language: parsed.language.clone(),
            ..Default::default()
        }
    }
}

/// The folder at `path` ("Wires/Europe"), created with its parents if needed.
pub fn ensure_folder(conn: &Connection, path: &str) -> Result<i64> {
    let mut parent: Option<i64> = None;
    let parts: Vec<String> = path.split('/').map(crate::text::collapse_ws).filter(|p| !p.is_empty()).collect();
    if parts.is_empty() {
        return Err(Error::input("input.name", "a folder needs a name"));
    }
    for name in parts {
        let found: Option<i64> = conn
            .query_row(
                "SELECT id FROM source_folder WHERE ifnull(parent_id, 0) = ifnull(?1, 0) AND name = ?2 COLLATE NOCASE",
                params![parent, name],
                |r| r.get(0),
            )
            .optional()?;
        parent = Some(match found {
            Some(id) => id,
            None => {
                conn.execute("INSERT INTO source_folder (name, parent_id) VALUES (?1, ?2)", params![name, parent])?;
                conn.last_insert_rowid()
            }
        });
    }
    parent.ok_or_else(|| Error::input("input.name", "a folder needs a name"))
}

/// Every folder with its path, in path order.
pub fn folders(conn: &Connection) -> Result<Vec<Folder>> {
    let mut stmt = conn.prepare(
        "WITH RECURSIVE path(id, name, parent_id, p, depth) AS (
             SELECT id, name, parent_id, name, 0 FROM source_folder WHERE parent_id IS NULL
             UNION ALL SELECT f.id, f.name, f.parent_id, path.p || '/' || f.name, path.depth + 1
             FROM source_folder f JOIN path ON f.parent_id = path.id WHERE path.depth < 64)
         SELECT id, name, parent_id, p FROM path ORDER BY p COLLATE NOCASE",
    )?;
    let rows =
        stmt.query_map([], |r| Ok(Folder { id: r.get(0)?, name: r.get(1)?, parent_id: r.get(2)?, path: r.get(3)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The ids of a folder (by path, or by name when unique) and of every folder below it.
pub fn folder_ids(conn: &Connection, path_or_name: &str) -> Result<Vec<i64>> {
    let all = folders(conn)?;
    let wanted = crate::text::collapse_ws(path_or_name);
    let roots: Vec<i64> = all
        .iter()
        .filter(|f| f.path.eq_ignore_ascii_case(&wanted) || f.name.eq_ignore_ascii_case(&wanted))
        .map(|f| f.id)
        .collect();
    let mut ids = roots;
    loop {
        let more: Vec<i64> = all
            .iter()
            .filter(|f| !ids.contains(&f.id) && f.parent_id.is_some_and(|p| ids.contains(&p)))
            .map(|f| f.id)
            .collect();
        if more.is_empty() {
            return Ok(ids);
        }
        ids.extend(more);
    }
}

/// The feeds a `feed:` value names: by id, URL or title (case ignored); failing those, the feeds
/// whose title contains it (`feed:Reuters` for "Reuters World News").
pub fn resolve_feed(conn: &Connection, name: &str) -> Result<Vec<i64>> {
    let name = name.trim();
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM feed WHERE CAST(id AS TEXT) = ?1 OR url = ?1 OR title = ?1 COLLATE NOCASE
         OR site_url = ?1",
    )?;
    let ids: Vec<i64> = stmt.query_map([name], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    if !ids.is_empty() || name.is_empty() {
        return Ok(ids);
    }
    let pattern = format!("%{}%", name.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let mut stmt = conn.prepare_cached("SELECT id FROM feed WHERE title LIKE ?1 ESCAPE '\\'")?;
    let ids = stmt.query_map([pattern], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

/// The feeds in a folder (`folder:` value) and its subfolders.
pub fn resolve_folder(conn: &Connection, path: &str) -> Result<Vec<i64>> {
    let folders = folder_ids(conn, path)?;
    let mut out = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT id FROM feed WHERE folder_id = ?1")?;
    for f in folders {
        for id in stmt.query_map([f], |r| r.get(0))? {
            out.push(id?);
        }
    }
    Ok(out)
}

/// Stores a new source (or returns the existing one with that URL): `(id, created)`. Its first
/// poll is due at once.
pub fn insert(conn: &Connection, f: &NewFeed, now: DateTime<Utc>) -> Result<(i64, bool)> {
    if let Some(id) =
        conn.query_row("SELECT id FROM feed WHERE url = ?1", [&f.url], |r| r.get::<_, i64>(0)).optional()?
    {
        return Ok((id, false));
    }
    let kind = match f.kind {
        Some(FeedKind::Atom) => "atom",
        Some(FeedKind::Json) => "json",
        Some(FeedKind::Sitemap | FeedKind::SitemapIndex) => "sitemap",
        _ => "rss",
    };
    let now_s = time_to_db(&now);
    conn.execute(
        "INSERT INTO feed (url, kind, title, site_url, description, language, folder_id, opml_attrs, interval_s,
                           next_poll_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            f.url,
            kind,
            f.title,
            f.site_url,
            f.description,
            f.language,
            f.folder_id,
            serde_json::to_string(&f.opml_attrs).unwrap_or_else(|_| "[]".into()),
            schedule::DEFAULT_INTERVAL,
            now_s
        ],
    )?;
    Ok((conn.last_insert_rowid(), true))
}

/// Every source, in folder then title order.
pub fn list(conn: &Connection) -> Result<Vec<Feed>> {
    let ids: Vec<i64> = conn
        .prepare(
            "SELECT f.id FROM feed f LEFT JOIN source_folder d ON d.id = f.folder_id
             ORDER BY d.name IS NOT NULL, d.name COLLATE NOCASE, f.position, ifnull(f.title, f.url) COLLATE NOCASE",
        )?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.into_iter().map(|id| get(conn, id)).collect()
}

/// One source.
pub fn get(conn: &Connection, id: i64) -> Result<Feed> {
    let folders = folders(conn)?;
    conn.prepare_cached(
        "SELECT id, url, kind, title, site_url, description, language, folder_id, health, error_code, error_message,
                failing_since, failures, interval_s, last_poll_at, last_ok_at, next_poll_at,
                (SELECT count(*) FROM entry_feed ef JOIN entry e ON e.id = ef.entry_id
                 WHERE ef.feed_id = feed.id AND e.state = 'new' AND e.backlog = 0),
                (SELECT count(*) FROM entry_feed ef WHERE ef.feed_id = feed.id)
         FROM feed WHERE id = ?1",
    )?
    .query_row([id], |r| {
        let folder_id: Option<i64> = r.get(7)?;
        let code: Option<String> = r.get(9)?;
        Ok(Feed {
            id: r.get(0)?,
            url: r.get(1)?,
            kind: r.get(2)?,
            title: r.get(3)?,
            site_url: r.get(4)?,
            description: r.get(5)?,
            language: r.get(6)?,
            folder: folder_id.and_then(|f| folders.iter().find(|d| d.id == f).map(|d| d.path.clone())),
            folder_id,
            health: Health::parse(&r.get::<_, String>(8)?),
            error: code.map(|code| SourceError {
                code,
                message: r.get::<_, Option<String>>(10).ok().flatten().unwrap_or_default(),
            }),
            failing_since: r.get(11)?,
            failures: r.get(12)?,
            interval_s: r.get(13)?,
            last_poll_at: r.get(14)?,
            last_ok_at: r.get(15)?,
            next_poll_at: r.get(16)?,
            unread: r.get(17)?,
            entries: r.get(18)?,
        })
    })
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "feed", id: id.to_string() })
}

/// Removes a source. Its inbox entries that no other source carries and that were not clipped
/// go with it; clips stay.
pub fn remove(conn: &Connection, id: i64) -> Result<()> {
    let orphans: Vec<i64> = conn
        .prepare(
            "SELECT entry_id FROM entry_feed ef WHERE feed_id = ?1
             AND NOT EXISTS (SELECT 1 FROM entry_feed o WHERE o.entry_id = ef.entry_id AND o.feed_id != ?1)",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if conn.execute("DELETE FROM feed WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound { what: "feed", id: id.to_string() });
    }
    for e in orphans {
        conn.execute("DELETE FROM entry_fts WHERE rowid = ?1", [e])?;
        conn.execute("DELETE FROM entry WHERE id = ?1 AND clip_id IS NULL", [e])?;
        super::inbox::reindex(conn, e)?;
    }
    Ok(())
}

/// Moves a source into a folder (created if needed), or out of any with `None`.
pub fn move_to(conn: &Connection, id: i64, folder: Option<&str>) -> Result<()> {
    let folder_id = folder.map(|f| ensure_folder(conn, f)).transpose()?;
    if conn.execute("UPDATE feed SET folder_id = ?2 WHERE id = ?1", params![id, folder_id])? == 0 {
        return Err(Error::NotFound { what: "feed", id: id.to_string() });
    }
    Ok(())
}

/// What an OPML import did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct OpmlReport {
    pub feeds: usize,
    pub already: usize,
    pub folders: usize,
}

/// Imports an OPML document: every outline with an `xmlUrl` becomes a source in the folder path
/// of its ancestors; attributes Clipdesk does not use are kept for export.
pub fn import_opml(conn: &Connection, opml: &Opml, now: DateTime<Utc>) -> Result<OpmlReport> {
    let before = folders(conn)?.len();
    let mut report = OpmlReport::default();
    fn walk(
        conn: &Connection,
        outlines: &[Outline],
        path: &mut Vec<String>,
        now: DateTime<Utc>,
        report: &mut OpmlReport,
    ) -> Result<()> {
        for (position, o) in outlines.iter().enumerate() {
            match &o.xml_url {
                Some(url) => {
                    let folder_id = if path.is_empty() { None } else { Some(ensure_folder(conn, &path.join("/"))?) };
                    let attrs = kept_attrs(o);
                    let f = NewFeed {
                        url: url.clone(),
                        title: Some(o.text.clone()).filter(|t| !t.is_empty()).or_else(|| o.title.clone()),
                        site_url: o.html_url.clone(),
                        folder_id,
                        opml_attrs: attrs,
                        ..Default::default()
                    };
                    let (id, created) = insert(conn, &f, now)?;
                    conn.execute("UPDATE feed SET position = ?2 WHERE id = ?1", params![id, position as i64])?;
                    if created {
                        report.feeds += 1;
                    } else {
                        report.already += 1;
                    }
                    // An outline that is both a feed and a folder keeps its children.
                    if !o.children.is_empty() {
                        path.push(o.text.clone());
                        walk(conn, &o.children, path, now, report)?;
                        path.pop();
                    }
                }
                None => {
                    let name =
                        if o.text.trim().is_empty() { o.title.clone().unwrap_or_default() } else { o.text.clone() };
                    path.push(name);
                    let folder = ensure_folder(conn, &path.join("/"))?;
                    conn.execute(
                        "UPDATE source_folder SET position = ?2, opml_attrs = ?3 WHERE id = ?1",
                        params![
                            folder,
                            position as i64,
                            serde_json::to_string(&kept_attrs(o)).unwrap_or_else(|_| "[]".into())
                        ],
                    )?;
                    walk(conn, &o.children, path, now, report)?;
                    path.pop();
                }
            }
        }
        Ok(())
    }
    walk(conn, &opml.outlines, &mut Vec::new(), now, &mut report)?;
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('opml_head', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [serde_json::to_string(&(&opml.title, &opml.head)).unwrap_or_default()],
    )?;
    report.folders = folders(conn)?.len() - before;
    Ok(report)
}

/// An outline's attributes as stored: every one the OPML had but `text`, `xmlUrl` and `htmlUrl`
/// (which have columns), `title` and `type` included when present, in order.
fn kept_attrs(o: &Outline) -> Vec<(String, String)> {
    let mut attrs = Vec::new();
    if let Some(t) = &o.title {
        attrs.push(("title".to_owned(), t.clone()));
    }
    if let Some(k) = &o.kind {
        attrs.push(("type".to_owned(), k.clone()));
    }
    attrs.extend(o.attrs.iter().cloned());
    attrs
}

/// Splits stored attributes back into an outline's title, type and the rest.
fn restore_attrs(stored: &str) -> (Option<String>, Option<String>, Vec<(String, String)>) {
    let mut attrs: Vec<(String, String)> = serde_json::from_str(stored).unwrap_or_default();
    let title = attrs.iter().position(|(k, _)| k == "title").map(|i| attrs.remove(i).1);
    let kind = attrs.iter().position(|(k, _)| k == "type").map(|i| attrs.remove(i).1);
    (title, kind, attrs)
}

/// The sources as an OPML document, folders as nested outlines, in their stored order.
pub fn export_opml(conn: &Connection) -> Result<Opml> {
    let all_folders = folders(conn)?;
    type Row = (Option<i64>, Option<String>, String, Option<String>, String, i64);
    let feeds: Vec<Row> = conn
        .prepare("SELECT folder_id, title, url, site_url, opml_attrs, position FROM feed ORDER BY position, id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let folder_rows: std::collections::HashMap<i64, (i64, String)> = conn
        .prepare("SELECT id, position, opml_attrs FROM source_folder")?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    fn outline_of(feed: &Row) -> Outline {
        let (_, title, url, site, attrs, _) = feed;
        let (t, kind, attrs) = restore_attrs(attrs);
        Outline {
            title: t,
            text: title.clone().unwrap_or_else(|| url.clone()),
            xml_url: Some(url.clone()),
            html_url: site.clone(),
            kind,
            attrs,
            children: Vec::new(),
        }
    }
    fn children(
        parent: Option<i64>,
        folders: &[Folder],
        feeds: &[Row],
        rows: &std::collections::HashMap<i64, (i64, String)>,
    ) -> Vec<Outline> {
        // Folders and feeds keep the order they were imported in (their positions interleave).
        let mut items: Vec<(i64, Outline)> = Vec::new();
        for f in folders.iter().filter(|f| f.parent_id == parent) {
            let (position, stored) = rows.get(&f.id).cloned().unwrap_or((0, "[]".into()));
            let (title, kind, attrs) = restore_attrs(&stored);
            let o = Outline {
                text: f.name.clone(),
                title,
                xml_url: None,
                html_url: None,
                kind,
                attrs,
                children: children(Some(f.id), folders, feeds, rows),
            };
            items.push((position, o));
        }
        for feed in feeds.iter().filter(|r| r.0 == parent) {
            items.push((feed.5, outline_of(feed)));
        }
        items.sort_by_key(|(p, _)| *p);
        items.into_iter().map(|(_, o)| o).collect()
    }
    let head: Option<String> =
        conn.query_row("SELECT value FROM setting WHERE key = 'opml_head'", [], |r| r.get(0)).optional()?;
    let (title, head): (Option<String>, Vec<(String, String)>) =
        head.and_then(|h| serde_json::from_str(&h).ok()).unwrap_or((Some("Clipdesk sources".into()), Vec::new()));
    Ok(Opml { title, head, outlines: children(None, &all_folders, &feeds, &folder_rows) })
}

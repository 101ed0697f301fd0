//! Saved searches: a name for a query, usable wherever a query is — `saved:"Weekly Syria"` in
//! a search, a topic rule or a briefing's selection expands to the stored query.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::query::{self, Field, Node};
use crate::error::{Error, Result};
use crate::model::time_to_db;

/// How deeply saved searches may refer to each other.
const MAX_EXPANSION: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SavedSearch {
    pub id: i64,
    pub name: String,
    pub query: String,
}

/// Saves (or replaces) a named query; the query is checked first.
pub fn save(conn: &Connection, name: &str, q: &str) -> Result<i64> {
    let name = crate::text::collapse_ws(name);
    if name.is_empty() {
        return Err(Error::input("input.name", "a saved search needs a name"));
    }
    let node = query::parse(q).map_err(|e| Error::input("query.syntax", e.to_string()))?;
    let now = time_to_db(&Utc::now());
    conn.execute(
        "INSERT INTO saved_search (name, query, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
         ON CONFLICT (name) DO UPDATE SET query = excluded.query, updated_at = excluded.updated_at",
        params![name, q, now],
    )?;
    // Checked with the new definition in place, so a search that names itself is caught; the
    // caller's transaction is not committed on error.
    expand(conn, node)?;
    Ok(conn.query_row("SELECT id FROM saved_search WHERE name = ?1", [&name], |r| r.get(0))?)
}

pub fn list(conn: &Connection) -> Result<Vec<SavedSearch>> {
    let mut stmt = conn.prepare("SELECT id, name, query FROM saved_search ORDER BY name COLLATE NOCASE")?;
    let rows = stmt.query_map([], |r| Ok(SavedSearch { id: r.get(0)?, name: r.get(1)?, query: r.get(2)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get(conn: &Connection, name: &str) -> Result<SavedSearch> {
    conn.query_row("SELECT id, name, query FROM saved_search WHERE name = ?1", [name.trim()], |r| {
        Ok(SavedSearch { id: r.get(0)?, name: r.get(1)?, query: r.get(2)? })
    })
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "saved search", id: name.to_owned() })
}

pub fn remove(conn: &Connection, name: &str) -> Result<()> {
    if conn.execute("DELETE FROM saved_search WHERE name = ?1", [name.trim()])? == 0 {
        return Err(Error::NotFound { what: "saved search", id: name.to_owned() });
    }
    Ok(())
}

/// Replaces every `saved:NAME` in a query by the saved query it names, every `topic:` and
/// `actor:` by the tag ids they mean in this library (a topic with all its subtopics, an actor by
/// any of its names), and every `feed:` and `folder:` by the ids of the sources they name.
pub fn expand(conn: &Connection, node: Node) -> Result<Node> {
    expand_depth(conn, node, 0)
}

fn resolve_topic(conn: &Connection, name: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE path(id, name, p, depth) AS (
             SELECT id, name, name, 0 FROM tag WHERE kind = 'topic' AND parent_id IS NULL
             UNION ALL SELECT t.id, t.name, path.p || '/' || t.name, path.depth + 1
             FROM tag t JOIN path ON t.parent_id = path.id WHERE path.depth < 64),
         sub(id, depth) AS (
             SELECT id, 0 FROM path WHERE p = ?1 COLLATE NOCASE OR name = ?1 COLLATE NOCASE
             UNION SELECT t.id, sub.depth + 1 FROM tag t JOIN sub ON t.parent_id = sub.id WHERE sub.depth < 64)
         SELECT DISTINCT id FROM sub",
    )?;
    let ids = stmt.query_map([name], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

fn resolve_actor(conn: &Connection, name: &str) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM tag WHERE kind = 'actor' AND name = ?1 COLLATE NOCASE
         UNION SELECT a.tag_id FROM tag_alias a JOIN tag t ON t.id = a.tag_id WHERE t.kind = 'actor' AND a.norm = ?2",
    )?;
    let ids = stmt
        .query_map(rusqlite::params![name, crate::text::fold(name)], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(ids)
}

fn expand_depth(conn: &Connection, node: Node, depth: usize) -> Result<Node> {
    Ok(match node {
        Node::Field(Field::Saved(name)) => {
            if depth >= MAX_EXPANSION {
                return Err(Error::input("query.saved", format!("saved search {name:?} refers to itself")));
            }
            let saved = get(conn, &name)?;
            let inner = query::parse(&saved.query)
                .map_err(|e| Error::input("query.syntax", format!("saved search {name:?}: {e}")))?;
            expand_depth(conn, inner, depth + 1)?
        }
        Node::Field(Field::Topic(name)) => Node::Field(Field::TagIds(resolve_topic(conn, &name)?)),
        Node::Field(Field::Actor(name)) => Node::Field(Field::TagIds(resolve_actor(conn, &name)?)),
        Node::Field(Field::Feed(name)) => {
            Node::Field(Field::FeedIds(crate::monitor::sources::resolve_feed(conn, &name)?))
        }
        Node::Field(Field::Folder(path)) => {
            Node::Field(Field::FeedIds(crate::monitor::sources::resolve_folder(conn, &path)?))
        }
        Node::And(parts) => Node::And(parts.into_iter().map(|p| expand_depth(conn, p, depth)).collect::<Result<_>>()?),
        Node::Or(parts) => Node::Or(parts.into_iter().map(|p| expand_depth(conn, p, depth)).collect::<Result<_>>()?),
        Node::Not(inner) => Node::Not(Box::new(expand_depth(conn, *inner, depth)?)),
        other => other,
    })
}

//! The taxonomy: topics (a tree) and actors (typed, with aliases), and the operations an analyst
//! performs on them. Every function takes the caller's transaction: a rename, move or merge is
//! all-or-nothing.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{time_to_db, TagKind};
use crate::text::fold;

/// What kind of actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActorType {
    Person,
    Organisation,
    State,
}

impl ActorType {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorType::Person => "person",
            ActorType::Organisation => "organisation",
            ActorType::State => "state",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s.to_lowercase().as_str() {
            "person" | "people" => Ok(ActorType::Person),
            "organisation" | "organization" | "org" => Ok(ActorType::Organisation),
            "state" | "country" => Ok(ActorType::State),
            other => Err(Error::input(
                "input.actor_type",
                format!("unknown actor type {other:?}: expected person, organisation or state"),
            )),
        }
    }
}

/// A topic with its place in the tree and how many clips it covers (its own and its
/// descendants').
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Topic {
    pub id: i64,
    pub name: String,
    pub path: String,
    pub parent_id: Option<i64>,
    pub rule: Option<String>,
    pub clips: i64,
}

/// An actor with its aliases and clip count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actor {
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub actor_type: Option<ActorType>,
    pub description: Option<String>,
    pub aliases: Vec<String>,
    pub clips: i64,
}

/// A `kind:name` reference as typed on the command line ("topic:Syria/Aleppo", "actor:Putin").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagRef {
    pub kind: TagKind,
    pub name: String,
}

impl TagRef {
    pub fn parse(s: &str) -> Result<Self> {
        let (kind, name) = s
            .split_once(':')
            .ok_or_else(|| Error::input("input.tag", format!("expected topic:NAME or actor:NAME, found {s:?}")))?;
        let kind = TagKind::parse(kind.trim())
            .ok_or_else(|| Error::input("input.tag", format!("unknown tag kind {kind:?}: expected topic or actor")))?;
        let name = clean_name(name)?;
        Ok(TagRef { kind, name })
    }
}

/// The tag a reference names, created if unknown (topics with their missing ancestors).
pub fn ensure(conn: &Connection, tag: &TagRef) -> Result<i64> {
    match tag.kind {
        TagKind::Topic => ensure_topic(conn, &tag.name),
        TagKind::Actor => ensure_actor(conn, &tag.name, None, &[]),
    }
}

/// The tag a reference names, if it exists.
pub fn find(conn: &Connection, tag: &TagRef) -> Result<Option<i64>> {
    match tag.kind {
        TagKind::Topic => find_topic(conn, &tag.name),
        TagKind::Actor => find_actor(conn, &tag.name),
    }
}

/// A name as stored: white space collapsed; topics' path separators trimmed.
fn clean_name(name: &str) -> Result<String> {
    let name = crate::text::collapse_ws(name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::input("input.tag", "a tag name must have 1 to 200 characters"));
    }
    Ok(name)
}

fn now() -> String {
    time_to_db(&Utc::now())
}

/// The topic at `path` ("Syria/Aleppo"), creating it and any missing ancestors.
pub fn ensure_topic(conn: &Connection, path: &str) -> Result<i64> {
    let mut parent: Option<i64> = None;
    for part in path.split('/').map(str::trim).filter(|p| !p.is_empty()) {
        let part = clean_name(part)?;
        let existing: Option<i64> = conn
            .query_row(
                "SELECT id FROM tag WHERE kind = 'topic' AND ifnull(parent_id, 0) = ifnull(?1, 0) AND name = ?2 COLLATE NOCASE",
                params![parent, part],
                |r| r.get(0),
            )
            .optional()?;
        parent = Some(match existing {
            Some(id) => id,
            None => {
                conn.prepare_cached(
                    "INSERT INTO tag (kind, name, parent_id, created_at) VALUES ('topic', ?1, ?2, ?3)",
                )?
                .execute(params![part, parent, now()])?;
                conn.last_insert_rowid()
            }
        });
    }
    parent.ok_or_else(|| Error::input("input.tag", "empty topic path"))
}

/// Finds a topic by its full path, or by its name when that name is unique.
pub fn find_topic(conn: &Connection, path_or_name: &str) -> Result<Option<i64>> {
    let wanted = crate::text::collapse_ws(path_or_name);
    let by_path: Option<i64> = topics(conn)?
        .into_iter()
        .find(|t| t.path.eq_ignore_ascii_case(&wanted) || t.path.to_lowercase() == wanted.to_lowercase())
        .map(|t| t.id);
    if by_path.is_some() {
        return Ok(by_path);
    }
    let mut stmt = conn.prepare_cached("SELECT id FROM tag WHERE kind = 'topic' AND name = ?1 COLLATE NOCASE")?;
    let ids: Vec<i64> = stmt.query_map([&wanted], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    match ids.as_slice() {
        [] => Ok(None),
        [id] => Ok(Some(*id)),
        _ => Err(Error::input(
            "input.ambiguous",
            format!("several topics are named {wanted:?}: give the full path (see `clipdesk topic list`)"),
        )),
    }
}

pub fn require_topic(conn: &Connection, path_or_name: &str) -> Result<i64> {
    find_topic(conn, path_or_name)?.ok_or_else(|| Error::NotFound { what: "topic", id: path_or_name.to_owned() })
}

/// Every topic with its path and clip count (descendants included), in path order.
pub fn topics(conn: &Connection) -> Result<Vec<Topic>> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE path(id, name, parent_id, rule, p, depth) AS (
             SELECT id, name, parent_id, rule, name, 0 FROM tag WHERE kind = 'topic' AND parent_id IS NULL
             UNION ALL
             SELECT t.id, t.name, t.parent_id, t.rule, path.p || '/' || t.name, path.depth + 1
             FROM tag t JOIN path ON t.parent_id = path.id WHERE path.depth < 64),
         below(root, id) AS (
             SELECT id, id FROM tag WHERE kind = 'topic'
             UNION SELECT below.root, t.id FROM tag t JOIN below ON t.parent_id = below.id)
         SELECT path.id, path.name, path.parent_id, path.rule, path.p,
                (SELECT count(DISTINCT ct.clip_id) FROM below JOIN clip_tag ct ON ct.tag_id = below.id
                 WHERE below.root = path.id)
         FROM path ORDER BY path.p COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Topic {
            id: r.get(0)?,
            name: r.get(1)?,
            parent_id: r.get(2)?,
            rule: r.get(3)?,
            path: r.get(4)?,
            clips: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Adds an actor (or returns the existing one of that name) with its aliases.
pub fn ensure_actor(conn: &Connection, name: &str, actor_type: Option<ActorType>, aliases: &[String]) -> Result<i64> {
    let name = clean_name(name)?;
    let id = match find_actor(conn, &name)? {
        Some(id) => id,
        None => {
            conn.execute(
                "INSERT INTO tag (kind, name, actor_type, created_at) VALUES ('actor', ?1, ?2, ?3)",
                params![name, actor_type.map(ActorType::as_str), now()],
            )?;
            let id = conn.last_insert_rowid();
            add_alias(conn, id, &name, None)?;
            id
        }
    };
    if let Some(t) = actor_type {
        conn.execute("UPDATE tag SET actor_type = ?2 WHERE id = ?1 AND actor_type IS NOT ?2", params![id, t.as_str()])?;
    }
    for alias in aliases {
        add_alias(conn, id, alias, None)?;
    }
    Ok(id)
}

/// Finds an actor by its name or any alias (case and diacritics ignored).
pub fn find_actor(conn: &Connection, name_or_alias: &str) -> Result<Option<i64>> {
    let by_name: Option<i64> = conn
        .query_row(
            "SELECT id FROM tag WHERE kind = 'actor' AND name = ?1 COLLATE NOCASE",
            [name_or_alias.trim()],
            |r| r.get(0),
        )
        .optional()?;
    if by_name.is_some() {
        return Ok(by_name);
    }
    Ok(conn
        .query_row(
            "SELECT a.tag_id FROM tag_alias a JOIN tag t ON t.id = a.tag_id WHERE t.kind = 'actor' AND a.norm = ?1
             ORDER BY a.ambiguous, a.tag_id LIMIT 1",
            [fold(name_or_alias)],
            |r| r.get(0),
        )
        .optional()?)
}

pub fn require_actor(conn: &Connection, name: &str) -> Result<i64> {
    find_actor(conn, name)?.ok_or_else(|| Error::NotFound { what: "actor", id: name.to_owned() })
}

/// Adds an alias to an actor. All-capital short aliases (acronyms: "US", "WHO") match only in
/// capitals.
pub fn add_alias(conn: &Connection, actor_id: i64, alias: &str, lang: Option<&str>) -> Result<()> {
    let alias = clean_name(alias)?;
    let case_sensitive = is_acronym(&alias);
    add_alias_flags(conn, actor_id, &alias, lang, case_sensitive, false)
}

pub fn add_alias_flags(
    conn: &Connection,
    actor_id: i64,
    alias: &str,
    lang: Option<&str>,
    case_sensitive: bool,
    ambiguous: bool,
) -> Result<()> {
    let norm = fold(alias);
    if norm.is_empty() {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO tag_alias (tag_id, alias, norm, lang, case_sensitive, ambiguous) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (tag_id, norm) DO NOTHING",
        params![actor_id, alias, norm, lang, case_sensitive, ambiguous],
    )?;
    Ok(())
}

/// "US", "NATO", "ООН": short, all capitals (dots allowed).
pub fn is_acronym(s: &str) -> bool {
    let letters: Vec<char> = s.chars().filter(|c| c.is_alphabetic()).collect();
    (2..=6).contains(&letters.len())
        && letters.iter().all(|c| c.is_uppercase())
        && s.chars().all(|c| c.is_alphabetic() || c == '.' || c == '-' || c == '&')
}

pub fn remove_alias(conn: &Connection, actor_id: i64, alias: &str) -> Result<bool> {
    let n = conn.execute("DELETE FROM tag_alias WHERE tag_id = ?1 AND norm = ?2", params![actor_id, fold(alias)])?;
    Ok(n > 0)
}

/// Every actor with aliases and clip counts, by name.
pub fn actors(conn: &Connection) -> Result<Vec<Actor>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.name, t.actor_type, t.description,
                (SELECT count(*) FROM clip_tag ct WHERE ct.tag_id = t.id),
                (SELECT json_group_array(alias) FROM (SELECT alias FROM tag_alias a WHERE a.tag_id = t.id ORDER BY a.lang, a.alias))
         FROM tag t WHERE t.kind = 'actor' ORDER BY t.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| {
        let actor_type: Option<String> = r.get(2)?;
        let aliases: String = r.get(5)?;
        Ok(Actor {
            id: r.get(0)?,
            name: r.get(1)?,
            actor_type: actor_type.and_then(|t| ActorType::parse(&t).ok()),
            description: r.get(3)?,
            clips: r.get(4)?,
            aliases: serde_json::from_str(&aliases).unwrap_or_default(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Renames a tag. An actor keeps its old name as an alias, so text that uses it still matches.
pub fn rename(conn: &Connection, tag_id: i64, new_name: &str) -> Result<()> {
    let new_name = clean_name(new_name)?;
    let (kind, old): (String, String) = conn
        .query_row("SELECT kind, name FROM tag WHERE id = ?1", [tag_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "tag", id: tag_id.to_string() })?;
    conn.execute("UPDATE tag SET name = ?2 WHERE id = ?1", params![tag_id, new_name])
        .map_err(|e| duplicate_name(e, &new_name))?;
    if kind == "actor" {
        add_alias(conn, tag_id, &old, None)?;
        add_alias(conn, tag_id, &new_name, None)?;
    }
    Ok(())
}

fn duplicate_name(e: rusqlite::Error, name: &str) -> Error {
    if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        Error::input("input.duplicate", format!("a tag named {name:?} already exists there: merge instead"))
    } else {
        e.into()
    }
}

/// Moves a topic under another (or to the root). A topic cannot move under itself or its own
/// descendants.
pub fn move_topic(conn: &Connection, topic_id: i64, new_parent: Option<i64>) -> Result<()> {
    if let Some(parent) = new_parent {
        let cycle: bool = conn.query_row(
            "WITH RECURSIVE up(id, depth) AS (SELECT ?1, 0 UNION SELECT t.parent_id, up.depth + 1 FROM tag t JOIN up ON t.id = up.id
                                      WHERE t.parent_id IS NOT NULL AND up.depth < 64)
             SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)",
            params![parent, topic_id],
            |r| r.get(0),
        )?;
        if cycle {
            return Err(Error::input("input.cycle", "a topic cannot move under itself or one of its subtopics"));
        }
    }
    let name: String = conn.query_row("SELECT name FROM tag WHERE id = ?1", [topic_id], |r| r.get(0))?;
    conn.execute("UPDATE tag SET parent_id = ?2 WHERE id = ?1", params![topic_id, new_parent])
        .map_err(|e| duplicate_name(e, &name))?;
    Ok(())
}

/// Merges tag `from` into `into`: its clips (with their origins), aliases, rule and subtopics
/// move to `into`; an actor's name becomes an alias of `into`; `from` is deleted. One
/// transaction (the caller's), nothing lost.
pub fn merge(conn: &Connection, from: i64, into: i64) -> Result<()> {
    if from == into {
        return Err(Error::input("input.merge", "cannot merge a tag into itself"));
    }
    let kind_of = |id: i64| -> Result<(String, String, Option<String>)> {
        conn.query_row("SELECT kind, name, rule FROM tag WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "tag", id: id.to_string() })
    };
    let (from_kind, from_name, from_rule) = kind_of(from)?;
    let (into_kind, _, into_rule) = kind_of(into)?;
    if from_kind != into_kind {
        return Err(Error::input("input.merge", "cannot merge a topic with an actor"));
    }
    if from_kind == "topic" {
        // Moving `from`'s children under `into` must not create a cycle: `into` may be below `from`.
        let into_below_from: bool = conn.query_row(
            "WITH RECURSIVE up(id, depth) AS (SELECT ?1, 0 UNION SELECT t.parent_id, up.depth + 1 FROM tag t JOIN up ON t.id = up.id
                                      WHERE t.parent_id IS NOT NULL AND up.depth < 64)
             SELECT EXISTS (SELECT 1 FROM up WHERE id = ?2)",
            params![into, from],
            |r| r.get(0),
        )?;
        if into_below_from {
            return Err(Error::input("input.merge", "cannot merge a topic into one of its own subtopics"));
        }
        let children: Vec<(i64, String)> = {
            let mut stmt = conn.prepare("SELECT id, name FROM tag WHERE parent_id = ?1")?;
            let rows = stmt.query_map([from], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (child, name) in children {
            // A same-named child under `into` absorbs this one.
            let twin: Option<i64> = conn
                .query_row(
                    "SELECT id FROM tag WHERE parent_id = ?1 AND name = ?2 COLLATE NOCASE",
                    params![into, name],
                    |r| r.get(0),
                )
                .optional()?;
            match twin {
                Some(twin) => merge(conn, child, twin)?,
                None => {
                    conn.execute("UPDATE tag SET parent_id = ?2 WHERE id = ?1", params![child, into])?;
                }
            }
        }
    }
    // Clips: keep the stronger origin where both tags were on a clip.
    conn.execute(
        "INSERT INTO clip_tag (clip_id, tag_id, origin, created_at)
         SELECT clip_id, ?2, origin, created_at FROM clip_tag WHERE tag_id = ?1
         ON CONFLICT (clip_id, tag_id) DO UPDATE SET origin = excluded.origin
         WHERE (CASE excluded.origin WHEN 'manual' THEN 4 WHEN 'suggested' THEN 3 WHEN 'rule' THEN 2 ELSE 1 END)
             > (CASE clip_tag.origin WHEN 'manual' THEN 4 WHEN 'suggested' THEN 3 WHEN 'rule' THEN 2 ELSE 1 END)",
        params![from, into],
    )?;
    conn.execute(
        "INSERT OR IGNORE INTO clip_tag_rejected (clip_id, tag_id, rejected_at) SELECT clip_id, ?2, rejected_at FROM clip_tag_rejected WHERE tag_id = ?1",
        params![from, into],
    )?;
    conn.execute(
        "INSERT INTO tag_alias (tag_id, alias, norm, lang, case_sensitive, ambiguous)
         SELECT ?2, alias, norm, lang, case_sensitive, ambiguous FROM tag_alias WHERE tag_id = ?1
         ON CONFLICT (tag_id, norm) DO NOTHING",
        params![from, into],
    )?;
    if from_kind == "actor" {
        add_alias(conn, into, &from_name, None)?;
    }
    let rule = match (into_rule, from_rule) {
        (Some(a), Some(b)) if a != b => Some(format!("({a}) OR ({b})")),
        (Some(a), _) => Some(a),
        (None, b) => b,
    };
    conn.execute("UPDATE tag SET rule = ?2 WHERE id = ?1 AND rule IS NOT ?2", params![into, rule])?;
    conn.execute("UPDATE digest_item SET clip_id = clip_id WHERE 0", [])?;
    conn.execute("DELETE FROM tag WHERE id = ?1", [from])?;
    Ok(())
}

/// Deletes a tag; its clips lose it. A topic with subtopics cannot be deleted.
pub fn delete(conn: &Connection, tag_id: i64) -> Result<()> {
    let children: i64 = conn.query_row("SELECT count(*) FROM tag WHERE parent_id = ?1", [tag_id], |r| r.get(0))?;
    if children > 0 {
        return Err(Error::input("input.has_children", "this topic has subtopics: move or delete them first"));
    }
    let n = conn.execute("DELETE FROM tag WHERE id = ?1", [tag_id])?;
    if n == 0 {
        return Err(Error::NotFound { what: "tag", id: tag_id.to_string() });
    }
    Ok(())
}

/// Sets (or clears) a topic's rule. The query is checked before it is stored.
pub fn set_rule(conn: &Connection, topic_id: i64, rule: Option<&str>) -> Result<()> {
    if let Some(q) = rule {
        crate::search::parse(conn, q)?;
    }
    conn.execute("UPDATE tag SET rule = ?2 WHERE id = ?1 AND kind = 'topic'", params![topic_id, rule])?;
    Ok(())
}

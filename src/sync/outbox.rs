//! Local changes waiting to be sent, and the operations they become.
//!
//! The capture triggers of migration `0009_sync.sql` write rows of `sync_outbox` in the
//! transaction of the change itself. A clip's operation names only the clip, and a tag
//! assignment only the tag: their payloads are built here when they are sent (a clip never
//! changes; a tag is sent under its current name, and a rename travels as its own operation).
//! Taxonomy restructuring is recorded by [`record_taxonomy`], called by `tags::ops`, once per
//! desk the tag has travelled in.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};

use crate::error::Result;
use crate::model::time_from_db;

/// One row of the outbox.
#[derive(Debug, Clone)]
pub struct Row {
    pub id: i64,
    pub op_id: String,
    pub desk: String,
    pub kind: String,
    pub clip_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub payload: Value,
    pub created_at: String,
}

/// An operation ready to send.
#[derive(Debug, Clone)]
pub struct Op {
    pub row: Row,
    pub op_id: uuid::Uuid,
    pub desk: uuid::Uuid,
    pub payload: Value,
    pub client_time: DateTime<Utc>,
    /// Snapshot bytes (zstd) the operation refers to, by SHA-256.
    pub blobs: Vec<(String, Vec<u8>)>,
}

/// How many changes wait to be sent.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM sync_outbox", [], |r| r.get(0))?)
}

/// The oldest `limit` rows.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<Row>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, op_id, desk, kind, clip_id, tag_id, payload, created_at FROM sync_outbox ORDER BY id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(Row {
            id: r.get(0)?,
            op_id: r.get(1)?,
            desk: r.get(2)?,
            kind: r.get(3)?,
            clip_id: r.get(4)?,
            tag_id: r.get(5)?,
            payload: serde_json::from_str(&r.get::<_, String>(6)?).unwrap_or(Value::Null),
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A tag as operations name it: its uid, and what a library that lacks it needs to create it
/// (kind, name, parent, actor type, aliases).
pub fn tag_desc(conn: &Connection, tag_id: i64) -> Result<Option<Value>> {
    tag_desc_depth(conn, tag_id, 0)
}

fn tag_desc_depth(conn: &Connection, tag_id: i64, depth: usize) -> Result<Option<Value>> {
    type TagRow = (String, String, String, Option<i64>, Option<String>, Option<String>);
    let row: Option<TagRow> = conn
        .prepare_cached("SELECT uid, kind, name, parent_id, actor_type, source FROM tag WHERE id = ?1")?
        .query_row([tag_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    let Some((uid, kind, name, parent_id, actor_type, source)) = row else { return Ok(None) };
    let parent = match parent_id {
        Some(p) if depth < 64 => tag_desc_depth(conn, p, depth + 1)?,
        _ => None,
    };
    // Seeded tags (the gazetteer) are in every library under the same uid: no need to ship their
    // hundreds of aliases.
    let aliases: Vec<String> = if kind == "actor" && source.is_none() {
        let mut stmt = conn.prepare_cached("SELECT alias FROM tag_alias WHERE tag_id = ?1 ORDER BY id")?;
        let rows = stmt.query_map([tag_id], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    } else {
        Vec::new()
    };
    Ok(Some(json!({
        "uid": uid, "kind": kind, "name": name, "parent": parent, "actor_type": actor_type, "aliases": aliases,
    })))
}

fn clip_uid(conn: &Connection, clip_id: i64) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT uid FROM clip WHERE id = ?1")?.query_row([clip_id], |r| r.get(0)).optional()?)
}

/// Builds the operation a row stands for; `None` when it became moot (its clip or tag is gone,
/// and what replaced it travels in its own operation).
pub fn build(conn: &Connection, row: &Row) -> Result<Option<Op>> {
    let (Ok(op_id), Ok(desk)) = (uuid::Uuid::parse_str(&row.op_id), uuid::Uuid::parse_str(&row.desk)) else {
        return Ok(None);
    };
    let client_time = time_from_db(&row.created_at).unwrap_or_else(Utc::now);
    let mut payload = match &row.payload {
        Value::Object(_) => row.payload.clone(),
        _ => json!({}),
    };
    let mut blobs = Vec::new();
    // The clip, by uid.
    if let Some(clip_id) = row.clip_id {
        match clip_uid(conn, clip_id)? {
            Some(uid) => payload["clip"] = Value::from(uid),
            None => return Ok(None),
        }
    }
    // The tag, described (unless the payload already holds it, as the tag is gone since).
    if let Some(tag_id) = row.tag_id {
        let wants_desc = matches!(row.kind.as_str(), "tag.add" | "alias.add" | "alias.remove");
        if wants_desc && !payload["tag"].is_object() {
            match tag_desc(conn, tag_id)? {
                Some(desc) => payload["tag"] = desc,
                None => return Ok(None),
            }
        }
        if row.kind == "tag.remove" && !payload["tag"].is_string() {
            return Ok(None);
        }
    }
    if row.kind == "clip.add" {
        let Some(clip_id) = row.clip_id else { return Ok(None) };
        let Some((body, snapshot_blobs)) = clip_body(conn, clip_id)? else { return Ok(None) };
        if let (Value::Object(p), Value::Object(b)) = (&mut payload, body) {
            p.extend(b);
        }
        blobs = snapshot_blobs;
    }
    Ok(Some(Op { row: row.clone(), op_id, desk, payload, client_time, blobs }))
}

/// A clip whole, as `clip.add` carries it: metadata, text, HTML, URL keys, snapshots (their
/// bytes apart, by SHA-256).
#[allow(clippy::type_complexity)]
fn clip_body(conn: &Connection, clip_id: i64) -> Result<Option<(Value, Vec<(String, Vec<u8>)>)>> {
    let clip: Option<Value> = conn
        .prepare_cached(
            "SELECT url, canonical_url, title, authors, site_name, published_at, published_offset, clipped_at, lang,
                    word_count, summary, lead_image, b.text, b.html
             FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE id = ?1",
        )?
        .query_row([clip_id], |r| {
            Ok(json!({
                "url": r.get::<_, String>(0)?,
                "canonical_url": r.get::<_, String>(1)?,
                "title": r.get::<_, String>(2)?,
                "authors": serde_json::from_str::<Value>(&r.get::<_, String>(3)?).unwrap_or(json!([])),
                "site_name": r.get::<_, Option<String>>(4)?,
                "published_at": r.get::<_, Option<String>>(5)?,
                "published_offset": r.get::<_, Option<i64>>(6)?,
                "clipped_at": r.get::<_, String>(7)?,
                "lang": r.get::<_, Option<String>>(8)?,
                "word_count": r.get::<_, i64>(9)?,
                "summary": r.get::<_, Option<String>>(10)?,
                "lead_image": r.get::<_, Option<String>>(11)?,
                "text": r.get::<_, String>(12)?,
                "html": r.get::<_, String>(13)?,
            }))
        })
        .optional()?;
    let Some(mut clip) = clip else { return Ok(None) };
    let keys: Vec<String> = conn
        .prepare_cached("SELECT url FROM clip_url WHERE clip_id = ?1 ORDER BY url")?
        .query_map([clip_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    clip["url_keys"] = json!(keys);
    let mut snapshots = Vec::new();
    let mut blobs: Vec<(String, Vec<u8>)> = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT requested_url, final_url, redirects, http_status, content_type, charset, fetched_at, body_zstd,
                body_size, sha256, extractor_version
         FROM snapshot WHERE clip_id = ?1 ORDER BY fetched_at, id",
    )?;
    let mut rows = stmt.query([clip_id])?;
    while let Some(r) = rows.next()? {
        let sha256: String = r.get(9)?;
        snapshots.push(json!({
            "requested_url": r.get::<_, String>(0)?,
            "final_url": r.get::<_, String>(1)?,
            "redirects": serde_json::from_str::<Value>(&r.get::<_, String>(2)?).unwrap_or(json!([])),
            "http_status": r.get::<_, Option<i64>>(3)?,
            "content_type": r.get::<_, Option<String>>(4)?,
            "charset": r.get::<_, Option<String>>(5)?,
            "fetched_at": r.get::<_, String>(6)?,
            "body_size": r.get::<_, i64>(8)?,
            "sha256": sha256,
            "extractor_version": r.get::<_, String>(10)?,
        }));
        if !blobs.iter().any(|(s, _)| *s == sha256) {
            blobs.push((sha256, r.get(7)?));
        }
    }
    clip["snapshots"] = json!(snapshots);
    Ok(Some((clip, blobs)))
}

/// The key an operation decides: two operations on one key are ordered by the server, and the
/// later wins. Uids are this library's.
pub fn key(kind: &str, payload: &Value) -> Option<String> {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    match kind {
        "tag.add" => Some(format!("tag:{}:{}", s(&payload["clip"])?, s(&payload["tag"]["uid"])?)),
        "tag.remove" => Some(format!("tag:{}:{}", s(&payload["clip"])?, s(&payload["tag"])?)),
        "note.set" | "title.set" => Some(format!("{}:{}", s(&payload["field"])?, s(&payload["clip"])?)),
        "tag.rename" => Some(format!("name:{}", s(&payload["tag"]["uid"])?)),
        "tag.move" => Some(format!("parent:{}", s(&payload["tag"]["uid"])?)),
        "alias.add" | "alias.remove" => {
            Some(format!("alias:{}:{}", s(&payload["tag"]["uid"])?, crate::text::fold(payload["alias"].as_str()?)))
        }
        _ => None,
    }
}

/// Records a taxonomy operation for every desk the tag has travelled in, in the caller's
/// transaction.
pub fn record_taxonomy(conn: &Connection, tag_id: i64, kind: &str, payload: &Value) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_outbox (op_id, desk, kind, tag_id, payload, created_at)
         SELECT lower(hex(randomblob(16))), desk, ?2, ?1, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
         FROM tag_desk WHERE tag_id = ?1",
        params![tag_id, kind, payload.to_string()],
    )?;
    Ok(())
}

/// Before a tag disappears (merged, deleted): the waiting operations that name it get its
/// description now, while it can still be built.
pub fn materialize(conn: &Connection, tag_id: i64) -> Result<()> {
    let Some(desc) = tag_desc(conn, tag_id)? else { return Ok(()) };
    conn.execute(
        "UPDATE sync_outbox SET payload = json_set(payload, '$.tag', json(?2))
         WHERE tag_id = ?1 AND kind IN ('tag.add', 'alias.add', 'alias.remove')
           AND json_type(payload, '$.tag') IS NOT 'object'",
        params![tag_id, desc.to_string()],
    )?;
    Ok(())
}

//! Who did what to a shared clip, and when: the entries of its desk's change log that name it,
//! read from the team database (the log is the audit trail; clients cannot alter it). Answers
//! "who tagged this?" with the analyst (database role), the library it came from, the time there
//! and the time the server took it.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::{apply, desk, remote};
use crate::error::{Error, Result, SyncError};
use crate::Library;

/// One operation on a clip, as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Its place in the server's order.
    pub seq: i64,
    pub kind: String,
    /// The analyst: the database role that sent it.
    pub author: String,
    /// The library (device id) that made it.
    pub device: String,
    /// Made in this library.
    pub mine: bool,
    /// When it was made, by that library's clock (RFC 3339).
    pub client_time: String,
    /// When the server took it (RFC 3339).
    pub server_time: String,
    /// What it did, in words: "tagged actor:Vladimir Putin", "set the note: …".
    pub what: String,
}

/// The uids that name a clip here: its own, and others found to be the same clip.
fn clip_uids(conn: &Connection, clip: i64) -> Result<(Vec<String>, Option<String>)> {
    let (uid, desk): (String, Option<String>) = conn
        .query_row("SELECT uid, desk FROM clip WHERE id = ?1", [clip], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "clip", id: clip.to_string() })?;
    let mut uids = vec![uid.clone()];
    let mut stmt = conn.prepare("SELECT uid FROM sync_alias WHERE kind = 'clip' AND target = ?1")?;
    for other in stmt.query_map([&uid], |r| r.get::<_, String>(0))? {
        uids.push(other?);
    }
    Ok((uids, desk))
}

fn tag_label(kind: &str, name: &str) -> String {
    format!("{kind}:{name}")
}

/// A tag named by its uid, as this library knows it now.
fn local_tag(conn: &Connection, uid: &str) -> Result<String> {
    let Some(id) = apply::find_tag(conn, uid)? else { return Ok("a tag since deleted".into()) };
    Ok(conn.query_row("SELECT kind, name FROM tag WHERE id = ?1", [id], |r| {
        Ok(tag_label(&r.get::<_, String>(0)?, &r.get::<_, String>(1)?))
    })?)
}

fn quoted(text: Option<&str>) -> String {
    match text.map(crate::text::collapse_ws).filter(|t| !t.is_empty()) {
        None => String::new(),
        Some(t) if t.chars().count() > 80 => format!(": “{}…”", t.chars().take(79).collect::<String>()),
        Some(t) => format!(": “{t}”"),
    }
}

/// An operation in words.
pub fn describe(conn: &Connection, kind: &str, payload: &Value) -> Result<String> {
    let s = |v: &Value| v.as_str().map(str::to_owned);
    Ok(match kind {
        "clip.add" => "clipped it".to_owned(),
        "tag.add" => {
            let tag = &payload["tag"];
            let label = match (s(&tag["kind"]), s(&tag["name"]), s(&tag["uid"])) {
                (Some(k), Some(n), _) => tag_label(&k, &n),
                (_, _, Some(uid)) => local_tag(conn, &uid)?,
                _ => "a tag".to_owned(),
            };
            let by_rule = payload["origin"].as_str().is_some_and(|o| o != "manual");
            format!("tagged {label}{}", if by_rule { " (automatically)" } else { "" })
        }
        "tag.remove" => {
            let label = match s(&payload["tag"]).or_else(|| s(&payload["tag"]["uid"])) {
                Some(uid) => local_tag(conn, &uid)?,
                None => "a tag".to_owned(),
            };
            format!("untagged {label}")
        }
        "note.set" | "title.set" => {
            let field = if kind == "note.set" { "note" } else { "title" };
            let text = payload["text"].as_str();
            let settled = payload["resolves"].as_array().is_some_and(|r| !r.is_empty());
            match (settled, text.is_some_and(|t| !t.trim().is_empty())) {
                (true, _) => format!("settled the conflict over the {field}{}", quoted(text)),
                (false, true) => format!("set the {field}{}", quoted(text)),
                (false, false) => format!("cleared the {field}"),
            }
        }
        other => other.replace('.', " "),
    })
}

/// The log entries that name `clip`, oldest first. Needs the server; a clip on this laptop only
/// has no history there (`input.not_shared`).
pub fn of_clip(lib: &Library, clip: i64) -> Result<Vec<Entry>> {
    let conn = lib.conn();
    let (uids, desk_id) = clip_uids(conn, clip)?;
    let desk_id = desk_id.ok_or_else(|| {
        Error::input("input.not_shared", format!("clip {clip} is on this laptop only: no desk keeps a history of it"))
    })?;
    let desk_uuid =
        uuid::Uuid::parse_str(&desk_id).map_err(|_| SyncError::NoDesk { name: format!("(desk {desk_id})") })?;
    let mut client = desk::connected(lib)?;
    let this_device = super::device(conn)?.to_string();
    let rows = client
        .query(
            "SELECT seq, kind, payload, author, device, client_time, server_time FROM clipdesk.op_log
             WHERE desk = $1 AND payload->>'clip' = ANY($2) ORDER BY seq",
            &[&desk_uuid, &uids],
        )
        .map_err(remote::error)?;
    let rfc = |t: chrono::DateTime<chrono::Utc>| crate::model::time_to_db(&t);
    rows.iter()
        .map(|r| {
            let kind: String = r.get(1);
            let payload: Value = r.get(2);
            let device: uuid::Uuid = r.get(4);
            Ok(Entry {
                seq: r.get(0),
                what: describe(conn, &kind, &payload)?,
                kind,
                author: r.get(3),
                mine: device.to_string() == this_device,
                device: device.to_string(),
                client_time: rfc(r.get(5)),
                server_time: rfc(r.get(6)),
            })
        })
        .collect()
}

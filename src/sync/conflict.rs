//! Conflicts: a note or a title two analysts edited at once. The later edit in the server's
//! order is what the library shows; the other text is kept beside it until someone chooses
//! (`clipdesk resolve ID --keep mine|theirs|both`). The choice is an edit like any other, sent
//! to the desk, and it settles the conflict in every library.

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use crate::error::{Error, Result};
use crate::model::time_to_db;
use crate::Library;

/// One side of a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Side {
    pub text: Option<String>,
    /// The database role that wrote it.
    pub by: String,
    /// Its place in the server's order.
    pub seq: i64,
    /// Written by this library.
    pub mine: bool,
}

/// An open conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub id: i64,
    pub clip: i64,
    pub clip_title: String,
    /// `note` or `title`.
    pub field: String,
    /// What the library shows now (the later edit).
    pub current: Side,
    /// The concurrent edit it overtook.
    pub other: Side,
}

/// Which text to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keep {
    /// The side this library wrote (the current text if it wrote neither).
    Mine,
    /// The other side.
    Theirs,
    /// Both, the current first, separated by a blank line (for a title: " / ").
    Both,
}

impl Keep {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "mine" => Ok(Keep::Mine),
            "theirs" => Ok(Keep::Theirs),
            "both" => Ok(Keep::Both),
            other => Err(Error::input("input.keep", format!("unknown choice {other:?}: mine, theirs or both"))),
        }
    }
}

const SELECT: &str = "SELECT k.id, k.clip_id, c.title, k.field, k.current_text, k.current_by, k.current_seq,
        k.other_text, k.other_by, k.other_seq, k.mine
 FROM sync_conflict k JOIN clip c ON c.id = k.clip_id";

fn row(r: &rusqlite::Row) -> rusqlite::Result<Conflict> {
    let mine: Option<String> = r.get(10)?;
    Ok(Conflict {
        id: r.get(0)?,
        clip: r.get(1)?,
        clip_title: r.get(2)?,
        field: r.get(3)?,
        current: Side { text: r.get(4)?, by: r.get(5)?, seq: r.get(6)?, mine: mine.as_deref() == Some("current") },
        other: Side { text: r.get(7)?, by: r.get(8)?, seq: r.get(9)?, mine: mine.as_deref() == Some("other") },
    })
}

/// The open conflicts, oldest first.
pub fn open(conn: &Connection) -> Result<Vec<Conflict>> {
    let mut stmt = conn.prepare(&format!("{SELECT} WHERE k.resolved_at IS NULL ORDER BY k.id"))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Settles a conflict: the chosen text becomes the note (or title), as an edit sent to the desk
/// that names the conflict it settles. Returns the text kept.
pub fn resolve(lib: &mut Library, id: i64, keep: Keep) -> Result<Option<String>> {
    let tx = lib.write()?;
    let conflict = tx
        .query_row(&format!("{SELECT} WHERE k.id = ?1 AND k.resolved_at IS NULL"), [id], row)
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "conflict", id: id.to_string() })?;
    let (mine, theirs) =
        if conflict.other.mine { (&conflict.other, &conflict.current) } else { (&conflict.current, &conflict.other) };
    let text = match keep {
        Keep::Mine => mine.text.clone(),
        Keep::Theirs => theirs.text.clone(),
        Keep::Both => {
            let sep = if conflict.field == "title" { " / " } else { "\n\n" };
            let parts: Vec<&str> =
                [&conflict.current.text, &conflict.other.text].into_iter().flatten().map(String::as_str).collect();
            Some(parts.join(sep)).filter(|t| !t.is_empty())
        }
    };
    let (uid, desk, previous): (String, Option<String>, Option<String>) = tx.query_row(
        &format!(
            "SELECT uid, desk, {} FROM clip WHERE id = ?1",
            if conflict.field == "title" { "title" } else { "note" }
        ),
        [conflict.clip],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    super::quiet(&tx)?;
    let now = time_to_db(&Utc::now());
    if conflict.field == "note" {
        tx.execute(
            "UPDATE clip SET note = ?2, updated_at = ?3 WHERE id = ?1",
            params![conflict.clip, text.as_deref().filter(|t| !t.trim().is_empty()), now],
        )?;
    } else if let Some(title) = text.as_deref().filter(|t| !t.trim().is_empty()) {
        tx.execute("UPDATE clip SET title = ?2, updated_at = ?3 WHERE id = ?1", params![conflict.clip, title, now])?;
    }
    crate::library::index_clip(&tx, conflict.clip)?;
    super::loud(&tx)?;
    if let Some(desk) = desk {
        let base: i64 = tx
            .query_row(
                "SELECT seq FROM sync_field WHERE clip_id = ?1 AND field = ?2",
                params![conflict.clip, conflict.field],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(0);
        let payload = json!({
            "field": conflict.field, "text": text, "previous": previous, "base": base,
            "resolves": [[conflict.current.seq, conflict.other.seq]], "clip": uid,
        });
        tx.execute(
            "INSERT INTO sync_outbox (op_id, desk, kind, clip_id, payload, created_at)
             VALUES (lower(hex(randomblob(16))), ?1, ?2, ?3, ?4, ?5)",
            params![desk, format!("{}.set", conflict.field), conflict.clip, payload.to_string(), now],
        )?;
    }
    tx.execute("UPDATE sync_conflict SET resolved_at = ?2 WHERE id = ?1", params![id, now])?;
    tx.commit()?;
    Ok(text)
}

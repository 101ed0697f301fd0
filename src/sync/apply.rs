//! Applying one pulled operation to the library, through its own functions (tags through
//! `tags::tag_clip`, taxonomy through `tags::taxonomy` and stored queries through `tags::refs`,
//! the full-text index through `library::index_clip`), inside the caller's transaction, with
//! the capture triggers quiet.
//!
//! How replicas converge whatever order they saw changes in:
//! - a clip is immutable: added once, by uid;
//! - a key (a tag on a clip, a note, a title, a tag's name or parent, an alias) holds what the
//!   latest operation in the server's order put there: `sync_register` remembers the order of the
//!   operation that last decided each key, so an older one pulled later is superseded;
//! - a note or title edited concurrently (its base is not the latest version in the server's
//!   order) becomes a conflict that keeps both texts, the same in every library;
//! - merges map the merged uid onto the surviving tag (`sync_alias`), so later operations naming
//!   it land on the survivor; two opposite merges at once settle on the smaller uid everywhere;
//! - the same topic or clip created in two libraries at once is one: the smaller uid names both.

use std::collections::HashMap;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::Value;

use super::outbox;
use super::push::set_register;
use crate::error::{Error, Result};
use crate::model::{time_to_db, Origin, TagKind};
use crate::tags::{refs, taxonomy};

/// An operation from the server's log.
#[derive(Debug, Clone)]
pub struct Incoming {
    pub seq: i64,
    pub op_id: String,
    pub kind: String,
    pub payload: Value,
    pub author: String,
    /// The library that made it.
    pub device: String,
    /// Made by this library.
    pub mine: bool,
    pub desk: String,
}

/// Applies one operation. Returns false when it was this library's own. An operation that
/// cannot apply here (it names what this library refuses, such as a second topic of one name
/// after a rename) is skipped and logged; the rest of the sync goes on.
pub fn apply(conn: &Connection, op: &Incoming, blobs: &HashMap<String, Vec<u8>>) -> Result<bool> {
    conn.execute_batch("SAVEPOINT sync_op")?;
    let result = apply_op(conn, op, blobs);
    match result {
        Ok(()) => conn.execute_batch("RELEASE sync_op")?,
        Err(e @ (Error::Input { .. } | Error::NotFound { .. })) => {
            conn.execute_batch("ROLLBACK TO sync_op; RELEASE sync_op")?;
            tracing::warn!("skipped {} (seq {}): {e}", op.kind, op.seq);
        }
        Err(e) => {
            conn.execute_batch("ROLLBACK TO sync_op; RELEASE sync_op")?;
            return Err(e);
        }
    }
    Ok(!op.mine)
}

fn apply_op(conn: &Connection, op: &Incoming, blobs: &HashMap<String, Vec<u8>>) -> Result<()> {
    let p = &op.payload;
    match op.kind.as_str() {
        "clip.add" if !op.mine => add_clip(conn, op, blobs),
        "tag.add" | "tag.remove" => tag_assignment(conn, op),
        "note.set" | "title.set" => field(conn, op),
        _ if op.mine => {
            if let Some(key) = local_key(conn, &op.kind, p)? {
                set_register(conn, &key, op.seq)?;
            }
            Ok(())
        }
        "alias.add" | "alias.remove" => alias(conn, op),
        "tag.rename" => rename(conn, op),
        "tag.move" => move_topic(conn, op),
        "tag.merge" => merge(conn, op),
        "tag.delete" => {
            if let Some(id) = find_tag(conn, p["tag"].as_str().unwrap_or_default())? {
                taxonomy::delete(conn, id)?;
            }
            Ok(())
        }
        // Membership: the desk list is refreshed from the server at each sync.
        _ => Ok(()),
    }
}

fn s(v: &Value) -> Option<&str> {
    v.as_str()
}

// ---------------------------------------------------------------------------------------------
// Identities

/// The local tag a uid names: its own, or one it was merged into or found the same as.
pub fn find_tag(conn: &Connection, uid: &str) -> Result<Option<i64>> {
    let mut uid = uid.to_owned();
    for _ in 0..16 {
        let id: Option<i64> =
            conn.prepare_cached("SELECT id FROM tag WHERE uid = ?1")?.query_row([&uid], |r| r.get(0)).optional()?;
        if id.is_some() {
            return Ok(id);
        }
        let next: Option<String> = conn
            .prepare_cached("SELECT target FROM sync_alias WHERE uid = ?1 AND kind = 'tag'")?
            .query_row([&uid], |r| r.get(0))
            .optional()?;
        match next {
            Some(n) if n != uid => uid = n,
            _ => return Ok(None),
        }
    }
    Ok(None)
}

/// The local clip a uid names.
pub fn find_clip(conn: &Connection, uid: &str) -> Result<Option<i64>> {
    let id: Option<i64> =
        conn.prepare_cached("SELECT id FROM clip WHERE uid = ?1")?.query_row([uid], |r| r.get(0)).optional()?;
    if id.is_some() {
        return Ok(id);
    }
    let target: Option<String> = conn
        .prepare_cached("SELECT target FROM sync_alias WHERE uid = ?1 AND kind = 'clip'")?
        .query_row([uid], |r| r.get(0))
        .optional()?;
    match target {
        Some(t) => {
            Ok(conn.prepare_cached("SELECT id FROM clip WHERE uid = ?1")?.query_row([t], |r| r.get(0)).optional()?)
        }
        None => Ok(None),
    }
}

fn tag_uid(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn.prepare_cached("SELECT uid FROM tag WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

fn clip_uid(conn: &Connection, id: i64) -> Result<String> {
    Ok(conn.prepare_cached("SELECT uid FROM clip WHERE id = ?1")?.query_row([id], |r| r.get(0))?)
}

/// `uid` now names the local `target` too; aliases that pointed at `uid` follow.
fn alias_uid(conn: &Connection, kind: &str, uid: &str, target: &str) -> Result<()> {
    if uid == target {
        return Ok(());
    }
    conn.execute(
        "INSERT INTO sync_alias (uid, kind, target) VALUES (?1, ?2, ?3)
         ON CONFLICT (uid) DO UPDATE SET target = excluded.target",
        params![uid, kind, target],
    )?;
    conn.execute("UPDATE sync_alias SET target = ?2 WHERE target = ?1 AND kind = ?3", params![uid, target, kind])?;
    Ok(())
}

/// Two uids found to name one thing: the smaller names it everywhere.
fn settle_twins(conn: &Connection, table: &str, local_id: i64, local_uid: &str, remote_uid: &str) -> Result<()> {
    let kind = if table == "tag" { "tag" } else { "clip" };
    if remote_uid < local_uid {
        let sql = if table == "tag" {
            "UPDATE tag SET uid = ?2 WHERE id = ?1"
        } else {
            "UPDATE clip SET uid = ?2 WHERE id = ?1"
        };
        conn.execute(sql, params![local_id, remote_uid])?;
        conn.execute("DELETE FROM sync_alias WHERE uid = ?1", [remote_uid])?;
        alias_uid(conn, kind, local_uid, remote_uid)?;
        rekey(conn, local_uid, remote_uid)?;
    } else {
        alias_uid(conn, kind, remote_uid, local_uid)?;
    }
    Ok(())
}

/// A uid renamed: the keys it was part of keep what decided them.
fn rekey(conn: &Connection, old: &str, new: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_register (key, seq) SELECT replace(key, ?1, ?2), seq FROM sync_register WHERE instr(key, ?1) > 0
         ON CONFLICT (key) DO UPDATE SET seq = max(seq, excluded.seq)",
        params![old, new],
    )?;
    conn.execute("DELETE FROM sync_register WHERE instr(key, ?1) > 0", [old])?;
    Ok(())
}

/// The local tag an operation's description names, created (with its parents and aliases) if
/// this library lacks it.
pub fn ensure_tag(conn: &Connection, desc: &Value) -> Result<i64> {
    ensure_tag_depth(conn, desc, 0)
}

fn ensure_tag_depth(conn: &Connection, desc: &Value, depth: usize) -> Result<i64> {
    let bad = || Error::input("sync.bad_op", "an operation names a tag without uid, kind or name");
    let uid = s(&desc["uid"]).ok_or_else(bad)?;
    if let Some(id) = find_tag(conn, uid)? {
        return Ok(id);
    }
    let kind = s(&desc["kind"]).and_then(TagKind::parse).ok_or_else(bad)?;
    let name = s(&desc["name"]).ok_or_else(bad)?;
    let parent = match (&desc["parent"], kind) {
        (Value::Object(_), TagKind::Topic) if depth < 64 => Some(ensure_tag_depth(conn, &desc["parent"], depth + 1)?),
        _ => None,
    };
    // The same name in the same place, made in this library: one tag.
    let twin: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, uid FROM tag WHERE kind = ?1 AND ifnull(parent_id, 0) = ifnull(?2, 0) AND name = ?3 COLLATE NOCASE",
            params![kind.as_str(), parent, name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    // An actor by a name that is already another actor's alias here — the name of an actor merged
    // into it — is that actor: every library folds it the same way, whether it saw the merge
    // before or after this actor was made (a library that made it first merged it then).
    let merged_into: Option<i64> = match (&twin, kind) {
        (None, TagKind::Actor) => conn
            .query_row(
                "SELECT a.tag_id FROM tag_alias a JOIN tag t ON t.id = a.tag_id
                 WHERE t.kind = 'actor' AND a.norm = ?1 AND t.name <> ?2 COLLATE NOCASE
                 ORDER BY a.tag_id LIMIT 1",
                params![crate::text::fold(name), name],
                |r| r.get(0),
            )
            .optional()?,
        _ => None,
    };
    if let Some(survivor) = merged_into {
        let survivor_uid = tag_uid(conn, survivor)?;
        alias_uid(conn, "tag", uid, &survivor_uid)?;
        return Ok(survivor);
    }
    let id = match twin {
        Some((id, twin_uid)) => {
            settle_twins(conn, "tag", id, &twin_uid, uid)?;
            id
        }
        None => {
            let actor_type = s(&desc["actor_type"]).filter(|_| kind == TagKind::Actor);
            conn.execute(
                "INSERT INTO tag (kind, name, parent_id, actor_type, uid, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![kind.as_str(), name, parent, actor_type, uid, time_to_db(&Utc::now())],
            )?;
            let id = conn.last_insert_rowid();
            if kind == TagKind::Actor {
                taxonomy::add_alias(conn, id, name, None)?;
            }
            id
        }
    };
    if kind == TagKind::Actor {
        for alias in desc["aliases"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            taxonomy::add_alias(conn, id, alias, None)?;
            // The other side of the fold above: a local actor named by one of this actor's
            // aliases — an actor merged into it elsewhere — is merged into it here.
            if crate::text::fold(alias) == crate::text::fold(name) {
                continue;
            }
            let named: Option<i64> = conn
                .query_row(
                    "SELECT id FROM tag WHERE kind = 'actor' AND id <> ?1 AND name = ?2 COLLATE NOCASE",
                    params![id, alias],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(other) = named {
                let other_uid = tag_uid(conn, other)?;
                conn.execute(
                    "INSERT OR IGNORE INTO tag_desk (tag_id, desk) SELECT ?2, desk FROM tag_desk WHERE tag_id = ?1",
                    params![other, id],
                )?;
                taxonomy::merge(conn, other, id)?;
                let survivor = tag_uid(conn, id)?;
                alias_uid(conn, "tag", &other_uid, &survivor)?;
            }
        }
    }
    Ok(id)
}

/// An operation's key in this library's uids (the sender's may have become aliases here).
fn local_key(conn: &Connection, kind: &str, p: &Value) -> Result<Option<String>> {
    let clip = match s(&p["clip"]) {
        Some(uid) => match find_clip(conn, uid)? {
            Some(id) => Some(clip_uid(conn, id)?),
            None => return Ok(None),
        },
        None => None,
    };
    let tag_ref = if p["tag"].is_object() { s(&p["tag"]["uid"]) } else { s(&p["tag"]) };
    let tag = match tag_ref {
        Some(uid) => match find_tag(conn, uid)? {
            Some(id) => Some(tag_uid(conn, id)?),
            None => return Ok(None),
        },
        None => None,
    };
    let mut local = p.clone();
    if let Some(c) = clip {
        local["clip"] = Value::from(c);
    }
    if let Some(t) = tag {
        if local["tag"].is_object() {
            local["tag"]["uid"] = Value::from(t);
        } else {
            local["tag"] = Value::from(t);
        }
    }
    Ok(outbox::key(kind, &local))
}

/// Whether a later operation (this library's, or pulled before) decided `key` already, or this
/// library has a change of it waiting to be sent (it will come after this one).
fn superseded(conn: &Connection, key: &str, seq: i64) -> Result<bool> {
    let decided: Option<i64> = conn
        .prepare_cached("SELECT seq FROM sync_register WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    Ok(decided.is_some_and(|d| d > seq))
}

// ---------------------------------------------------------------------------------------------
// Clips

fn add_clip(conn: &Connection, op: &Incoming, blobs: &HashMap<String, Vec<u8>>) -> Result<()> {
    let p = &op.payload;
    let uid = s(&p["clip"]).ok_or_else(|| Error::input("sync.bad_op", "clip.add without a clip uid"))?;
    if find_clip(conn, uid)?.is_some() {
        return Ok(());
    }
    let canonical = s(&p["canonical_url"]).unwrap_or_default().to_owned();
    let mut keys: Vec<String> =
        p["url_keys"].as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect();
    keys.push(canonical.clone());
    // The same article clipped here too: one clip, the pulled snapshot kept beside ours.
    if let Some(local) = crate::library::find_by_url_keys(conn, &keys)? {
        let local_uid = clip_uid(conn, local)?;
        settle_twins(conn, "clip", local, &local_uid, uid)?;
        conn.execute("UPDATE clip SET desk = ?2 WHERE id = ?1 AND desk IS NULL", params![local, op.desk])?;
        add_snapshots(conn, local, p, blobs)?;
        return Ok(());
    }
    let str_or = |k: &str| s(&p[k]).map(str::to_owned);
    let clipped_at = str_or("clipped_at").unwrap_or_else(|| time_to_db(&Utc::now()));
    conn.prepare_cached(
        "INSERT INTO clip (url, canonical_url, title, authors, site_name, published_at, clipped_at, lang, word_count,
                           summary, lead_image, updated_at, published_offset, uid, desk)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?7, ?12, ?13, ?14)",
    )?
    .execute(params![
        str_or("url").unwrap_or_else(|| canonical.clone()),
        canonical,
        str_or("title").unwrap_or_default(),
        p["authors"].to_string(),
        str_or("site_name"),
        str_or("published_at"),
        clipped_at,
        str_or("lang"),
        p["word_count"].as_i64().unwrap_or(0),
        str_or("summary"),
        str_or("lead_image"),
        p["published_offset"].as_i64(),
        uid,
        op.desk,
    ])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO clip_body (clip_id, text, html) VALUES (?1, ?2, ?3)")?.execute(params![
        id,
        str_or("text").unwrap_or_default(),
        str_or("html").unwrap_or_default()
    ])?;
    {
        let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO clip_url (url, clip_id) VALUES (?1, ?2)")?;
        for key in &keys {
            stmt.execute(params![key, id])?;
        }
    }
    add_snapshots(conn, id, p, blobs)?;
    crate::library::index_clip(conn, id)?;
    Ok(())
}

/// The snapshots a `clip.add` carries that the clip lacks (by SHA-256).
fn add_snapshots(conn: &Connection, clip_id: i64, p: &Value, blobs: &HashMap<String, Vec<u8>>) -> Result<()> {
    for snap in p["snapshots"].as_array().into_iter().flatten() {
        let sha256 = s(&snap["sha256"]).unwrap_or_default();
        let have: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM snapshot WHERE clip_id = ?1 AND sha256 = ?2)")?
            .query_row(params![clip_id, sha256], |r| r.get(0))?;
        if have {
            continue;
        }
        let body = match blobs.get(sha256) {
            Some(b) => b.clone(),
            // Bytes missing on the server (never for a client of this version): the record of
            // the fetch is kept, with an empty body that does not match its hash.
            None => zstd::bulk::compress(&[], 3).map_err(|source| Error::Io { path: "<snapshot>".into(), source })?,
        };
        conn.prepare_cached(
            "INSERT INTO snapshot (clip_id, requested_url, final_url, redirects, http_status, content_type, charset,
                                   fetched_at, body_zstd, body_size, sha256, extractor_version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?
        .execute(params![
            clip_id,
            s(&snap["requested_url"]).unwrap_or_default(),
            s(&snap["final_url"]).unwrap_or_default(),
            snap["redirects"].to_string(),
            snap["http_status"].as_i64(),
            s(&snap["content_type"]),
            s(&snap["charset"]),
            s(&snap["fetched_at"]).unwrap_or_default(),
            body,
            snap["body_size"].as_i64().unwrap_or(0),
            sha256,
            s(&snap["extractor_version"]).unwrap_or_default(),
        ])?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Tags on clips

fn tag_assignment(conn: &Connection, op: &Incoming) -> Result<()> {
    let p = &op.payload;
    let Some(clip) = s(&p["clip"]).map(|u| find_clip(conn, u)).transpose()?.flatten() else { return Ok(()) };
    let tag = if op.kind == "tag.add" && !op.mine {
        Some(ensure_tag(conn, &p["tag"])?)
    } else if op.kind == "tag.add" {
        find_tag(conn, s(&p["tag"]["uid"]).unwrap_or_default())?
    } else {
        find_tag(conn, s(&p["tag"]).unwrap_or_default())?
    };
    let Some(tag) = tag else { return Ok(()) };
    conn.execute("INSERT OR IGNORE INTO tag_desk (tag_id, desk) VALUES (?1, ?2)", params![tag, op.desk])?;
    let key = format!("tag:{}:{}", clip_uid(conn, clip)?, tag_uid(conn, tag)?);
    if op.mine {
        return set_register(conn, &key, op.seq);
    }
    let pending: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM sync_outbox WHERE clip_id = ?1 AND tag_id = ?2
                            AND kind IN ('tag.add', 'tag.remove'))",
        )?
        .query_row(params![clip, tag], |r| r.get(0))?;
    if pending || superseded(conn, &key, op.seq)? {
        return Ok(());
    }
    if op.kind == "tag.add" {
        let origin = s(&p["origin"]).and_then(Origin::parse).unwrap_or(Origin::Manual);
        // The latest operation holds, with the sender's origin: a removal before it (a
        // rejection) is overruled.
        conn.execute("DELETE FROM clip_tag_rejected WHERE clip_id = ?1 AND tag_id = ?2", params![clip, tag])?;
        conn.prepare_cached(
            "INSERT INTO clip_tag (clip_id, tag_id, origin, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (clip_id, tag_id) DO UPDATE SET origin = excluded.origin",
        )?
        .execute(params![clip, tag, origin.as_str(), time_to_db(&Utc::now())])?;
    } else {
        crate::tags::untag_clip(conn, clip, tag)?;
    }
    set_register(conn, &key, op.seq)
}

// ---------------------------------------------------------------------------------------------
// Notes and titles

fn field(conn: &Connection, op: &Incoming) -> Result<()> {
    let p = &op.payload;
    let field = if op.kind == "note.set" { "note" } else { "title" };
    let Some(clip) = s(&p["clip"]).map(|u| find_clip(conn, u)).transpose()?.flatten() else { return Ok(()) };
    let text = s(&p["text"]).map(str::to_owned);
    let base = p["base"].as_i64().unwrap_or(0);
    // The previous version in the server's order: an edit not based on it was concurrent.
    type Previous = (i64, Option<String>, String, bool, String);
    let previous: Option<Previous> = conn
        .prepare_cached("SELECT seq, text, author, mine, device FROM sync_field WHERE clip_id = ?1 AND field = ?2")?
        .query_row(params![clip, field], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?;
    if let Some((prev_seq, prev_text, prev_author, prev_mine, prev_device)) = &previous {
        // Base -1: made right after the same library's previous edit, before that was sent.
        let based_on_previous = base == *prev_seq || (base == -1 && *prev_device == op.device) || prev_text == &text;
        if !based_on_previous {
            let mine = if op.mine {
                Some("current")
            } else if *prev_mine {
                Some("other")
            } else {
                None
            };
            conn.execute(
                "INSERT OR IGNORE INTO sync_conflict (clip_id, field, current_seq, current_text, current_by, other_seq,
                                                      other_text, other_by, mine, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![
                    clip,
                    field,
                    op.seq,
                    text,
                    op.author,
                    prev_seq,
                    prev_text,
                    prev_author,
                    mine,
                    time_to_db(&Utc::now())
                ],
            )?;
        }
    }
    // A resolution settles the conflicts it names, here as where it was made.
    for pair in p["resolves"].as_array().into_iter().flatten() {
        if let (Some(current), Some(other)) = (pair[0].as_i64(), pair[1].as_i64()) {
            conn.execute(
                "UPDATE sync_conflict SET resolved_at = ?5
                 WHERE clip_id = ?1 AND field = ?2 AND current_seq = ?3 AND other_seq = ?4 AND resolved_at IS NULL",
                params![clip, field, current, other, time_to_db(&Utc::now())],
            )?;
        }
    }
    conn.prepare_cached(
        "INSERT INTO sync_field (clip_id, field, seq, text, author, mine, device) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (clip_id, field) DO UPDATE SET seq = excluded.seq, text = excluded.text,
             author = excluded.author, mine = excluded.mine, device = excluded.device",
    )?
    .execute(params![clip, field, op.seq, text, op.author, op.mine, op.device])?;
    let key = format!("{field}:{}", clip_uid(conn, clip)?);
    if op.mine {
        return set_register(conn, &key, op.seq);
    }
    let pending: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM sync_outbox WHERE clip_id = ?1 AND kind = ?2)")?
        .query_row(params![clip, op.kind], |r| r.get(0))?;
    if pending || superseded(conn, &key, op.seq)? {
        return Ok(());
    }
    if field == "note" {
        conn.execute(
            "UPDATE clip SET note = ?2, updated_at = ?3 WHERE id = ?1",
            params![clip, text.filter(|t| !t.trim().is_empty()), time_to_db(&Utc::now())],
        )?;
    } else if let Some(title) = text.filter(|t| !t.trim().is_empty()) {
        conn.execute(
            "UPDATE clip SET title = ?2, updated_at = ?3 WHERE id = ?1",
            params![clip, title, time_to_db(&Utc::now())],
        )?;
    }
    crate::library::index_clip(conn, clip)?;
    set_register(conn, &key, op.seq)
}

// ---------------------------------------------------------------------------------------------
// The taxonomy

fn alias(conn: &Connection, op: &Incoming) -> Result<()> {
    let p = &op.payload;
    let tag = ensure_tag(conn, &p["tag"])?;
    let Some(alias) = s(&p["alias"]) else { return Ok(()) };
    let key = format!("alias:{}:{}", tag_uid(conn, tag)?, crate::text::fold(alias));
    if superseded(conn, &key, op.seq)? {
        return Ok(());
    }
    if op.kind == "alias.add" {
        taxonomy::add_alias(conn, tag, alias, None)?;
    } else {
        taxonomy::remove_alias(conn, tag, alias)?;
    }
    set_register(conn, &key, op.seq)
}

fn rename(conn: &Connection, op: &Incoming) -> Result<()> {
    let p = &op.payload;
    let Some(tag) = find_tag(conn, s(&p["tag"]["uid"]).unwrap_or_default())? else { return Ok(()) };
    let Some(name) = s(&p["name"]) else { return Ok(()) };
    let key = format!("name:{}", tag_uid(conn, tag)?);
    if superseded(conn, &key, op.seq)? {
        return Ok(());
    }
    let topic = s(&p["tag"]["kind"]) == Some("topic");
    let before = if topic { Some(refs::before(conn, tag)?) } else { None };
    taxonomy::rename(conn, tag, name)?;
    if let Some(before) = before {
        refs::rewrite(conn, &before, tag)?;
    }
    set_register(conn, &key, op.seq)
}

fn move_topic(conn: &Connection, op: &Incoming) -> Result<()> {
    let p = &op.payload;
    let Some(tag) = find_tag(conn, s(&p["tag"]["uid"]).unwrap_or_default())? else { return Ok(()) };
    let key = format!("parent:{}", tag_uid(conn, tag)?);
    if superseded(conn, &key, op.seq)? {
        return Ok(());
    }
    let parent = if p["parent"].is_object() { Some(ensure_tag(conn, &p["parent"])?) } else { None };
    let before = refs::before(conn, tag)?;
    taxonomy::move_topic(conn, tag, parent)?;
    refs::rewrite(conn, &before, tag)?;
    set_register(conn, &key, op.seq)
}

fn merge(conn: &Connection, op: &Incoming) -> Result<()> {
    let p = &op.payload;
    let from_uid = s(&p["from"]["uid"]).unwrap_or_default().to_owned();
    let into_uid = s(&p["into"]["uid"]).unwrap_or_default().to_owned();
    let into = ensure_tag(conn, &p["into"])?;
    let Some(from) = find_tag(conn, &from_uid)? else {
        // Never seen here: later operations naming it land on the survivor.
        let survivor = tag_uid(conn, into)?;
        return alias_uid(conn, "tag", &from_uid, &survivor);
    };
    if from == into {
        // Already one tag. If it is `from` that survived (this library merged the other way
        // at the same time), both libraries settle on the smaller uid, under its name.
        let current = tag_uid(conn, into)?;
        if current == from_uid && into_uid < from_uid {
            conn.execute("UPDATE tag SET uid = ?2 WHERE id = ?1", params![into, into_uid])?;
            conn.execute("DELETE FROM sync_alias WHERE uid = ?1", [&into_uid])?;
            alias_uid(conn, "tag", &from_uid, &into_uid)?;
            rekey(conn, &from_uid, &into_uid)?;
            if let Some(name) = s(&p["into"]["name"]) {
                let old: String = conn.query_row("SELECT name FROM tag WHERE id = ?1", [into], |r| r.get(0))?;
                if old != name {
                    taxonomy::rename(conn, into, name)?;
                }
            }
        }
        return Ok(());
    }
    let topic = s(&p["from"]["kind"]) == Some("topic");
    let before = if topic { Some(refs::before(conn, from)?) } else { None };
    conn.execute(
        "INSERT OR IGNORE INTO tag_desk (tag_id, desk) SELECT ?2, desk FROM tag_desk WHERE tag_id = ?1",
        params![from, into],
    )?;
    let local_from_uid = tag_uid(conn, from)?;
    taxonomy::merge(conn, from, into)?;
    if let Some(before) = before {
        refs::rewrite(conn, &before, into)?;
    }
    let survivor = tag_uid(conn, into)?;
    alias_uid(conn, "tag", &local_from_uid, &survivor)?;
    alias_uid(conn, "tag", &from_uid, &survivor)?;
    Ok(())
}

/// A tag merged in this library: its uid names the survivor from now on.
pub(crate) fn merged(conn: &Connection, from_uid: &str, into: i64) -> Result<()> {
    let survivor = tag_uid(conn, into)?;
    alias_uid(conn, "tag", from_uid, &survivor)
}

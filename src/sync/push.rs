//! Sending the outbox: batches of operations into the server's change log.
//!
//! Each batch is one server transaction: the snapshot bytes first, then the operations, each
//! `INSERT … ON CONFLICT (op_id) DO NOTHING`, so a batch sent twice (the laptop died after the
//! server committed, before it noted so) is logged once. Only when the server has committed does
//! the library drop the batch from its outbox and note the order the server gave each operation.
//!
//! A batch the server refuses for lack of privilege (a viewer's change, a desk the role left) is
//! sent again one operation at a time, to tell the refused ones apart. A refused change is
//! reported, taken out of the outbox and undone here, so this library shows what the others see.

use postgres::Client;
use rusqlite::{params, Connection};

use super::outbox::{self, Op};
use super::remote::{self, is_denied};
use super::{Options, Progress, Refused, Report};
use crate::error::Result;
use crate::Library;

/// Sends everything waiting, batch by batch.
pub fn push(
    lib: &mut Library,
    client: &mut Client,
    device: uuid::Uuid,
    options: &Options,
    report: &mut Report,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    let batch = options.batch.max(1);
    let total = outbox::count(lib.conn())?.max(0) as usize;
    let mut done = 0;
    loop {
        if cancel.load(std::sync::atomic::Ordering::Relaxed) {
            report.cancelled = true;
            return Ok(());
        }
        let rows = outbox::pending(lib.conn(), batch)?;
        if rows.is_empty() {
            return Ok(());
        }
        done += rows.len();
        let mut ops = Vec::new();
        let mut moot = Vec::new();
        for row in &rows {
            match outbox::build(lib.conn(), row)? {
                Some(op) => ops.push(op),
                None => moot.push(row.id),
            }
        }
        match send(client, &ops, device) {
            Ok(seqs) => {
                super::stall_point("push-committed");
                settle(lib, &ops, &seqs, &moot)?;
                report.pushed += ops.len();
            }
            Err(e) if is_denied(&e) => {
                settle(lib, &[], &[], &moot)?;
                for op in ops {
                    // A refused clip takes what waited for it out of the outbox.
                    let waiting: bool = lib.conn().query_row(
                        "SELECT EXISTS (SELECT 1 FROM sync_outbox WHERE id = ?1)",
                        [op.row.id],
                        |r| r.get(0),
                    )?;
                    if !waiting {
                        continue;
                    }
                    match send(client, std::slice::from_ref(&op), device) {
                        Ok(seqs) => {
                            settle(lib, std::slice::from_ref(&op), &seqs, &[])?;
                            report.pushed += 1;
                        }
                        Err(e) if is_denied(&e) => {
                            let refused = refuse(lib, &op, &remote::message(&e))?;
                            report.refused.push(refused);
                        }
                        Err(e) => return Err(remote::error(e)),
                    }
                }
            }
            Err(e) => return Err(remote::error(e)),
        }
        progress(&Progress { phase: "push", done, total: total.max(done) });
    }
}

/// One server transaction: the blobs, then the operations. Returns the server order of each.
fn send(client: &mut Client, ops: &[Op], device: uuid::Uuid) -> std::result::Result<Vec<i64>, postgres::Error> {
    let mut tx = client.transaction()?;
    let blob = tx.prepare(
        "INSERT INTO clipdesk.blob (desk, sha256, bytes) SELECT $1, $2, $3
         WHERE NOT EXISTS (SELECT 1 FROM clipdesk.blob WHERE desk = $1 AND sha256 = $2)
         ON CONFLICT DO NOTHING",
    )?;
    let insert = tx.prepare(
        "INSERT INTO clipdesk.op_log (desk, op_id, kind, payload, device, client_time)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (op_id) DO NOTHING RETURNING seq",
    )?;
    let existing = tx.prepare("SELECT seq FROM clipdesk.op_log WHERE op_id = $1")?;
    let mut seqs = Vec::with_capacity(ops.len());
    for op in ops {
        for (sha256, bytes) in &op.blobs {
            tx.execute(&blob, &[&op.desk, sha256, bytes])?;
        }
        let row = tx.query_opt(&insert, &[&op.desk, &op.op_id, &op.row.kind, &op.payload, &device, &op.client_time])?;
        let seq: i64 = match row {
            Some(r) => r.get(0),
            // Sent before: the server kept the first.
            None => tx.query_one(&existing, &[&op.op_id])?.get(0),
        };
        seqs.push(seq);
    }
    super::stall_point("push-open");
    tx.commit()?;
    Ok(seqs)
}

/// After the server committed: the batch leaves the outbox, and each key it decided remembers
/// the server's order (an older operation pulled later does not undo it).
fn settle(lib: &mut Library, ops: &[Op], seqs: &[i64], moot: &[i64]) -> Result<()> {
    let tx = lib.write()?;
    for id in moot {
        tx.execute("DELETE FROM sync_outbox WHERE id = ?1", [id])?;
    }
    for (op, seq) in ops.iter().zip(seqs) {
        tx.execute("DELETE FROM sync_outbox WHERE id = ?1", [op.row.id])?;
        if let Some(key) = outbox::key(&op.row.kind, &op.payload) {
            set_register(&tx, &key, *seq)?;
        }
        if let Some(tag_id) = op.row.tag_id {
            // The tag may be gone since (merged into another, deleted): its row went with it.
            tx.execute(
                "INSERT OR IGNORE INTO tag_desk (tag_id, desk) SELECT ?1, ?2
                 WHERE EXISTS (SELECT 1 FROM tag WHERE id = ?1) AND EXISTS (SELECT 1 FROM sync_desk WHERE id = ?2)",
                params![tag_id, op.row.desk],
            )?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Notes that `key` was decided by the operation at `seq` (kept if a later one did already).
pub fn set_register(conn: &Connection, key: &str, seq: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_register (key, seq) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET seq = max(seq, excluded.seq)",
    )?
    .execute(params![key, seq])?;
    Ok(())
}

/// A refused change: out of the outbox, undone here, recorded and reported.
fn refuse(lib: &mut Library, op: &Op, message: &str) -> Result<Refused> {
    let tx = lib.write()?;
    super::quiet(&tx)?;
    let row = &op.row;
    match row.kind.as_str() {
        // The clip stays on this laptop, out of the desk, with everything done to it: nothing
        // about it reaches the desk, so what else waits for it goes too.
        "clip.add" => {
            if let Some(clip) = row.clip_id {
                tx.execute("UPDATE clip SET desk = NULL WHERE id = ?1", [clip])?;
                tx.execute("DELETE FROM sync_outbox WHERE clip_id = ?1 AND desk = ?2", params![clip, row.desk])?;
            }
        }
        "tag.add" => {
            if let (Some(clip), Some(tag)) = (row.clip_id, row.tag_id) {
                tx.execute("DELETE FROM clip_tag WHERE clip_id = ?1 AND tag_id = ?2", params![clip, tag])?;
            }
        }
        "tag.remove" => {
            if let (Some(clip), Some(tag)) = (row.clip_id, row.tag_id) {
                let origin = op.payload["origin"].as_str().unwrap_or("manual");
                tx.execute(
                    "INSERT OR IGNORE INTO clip_tag (clip_id, tag_id, origin, created_at)
                     SELECT ?1, id, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now') FROM tag WHERE id = ?2",
                    params![clip, tag, origin],
                )?;
                tx.execute("DELETE FROM clip_tag_rejected WHERE clip_id = ?1 AND tag_id = ?2", params![clip, tag])?;
            }
        }
        "note.set" | "title.set" => {
            if let Some(clip) = row.clip_id {
                let previous = op.payload["previous"].as_str();
                if row.kind == "note.set" {
                    tx.execute("UPDATE clip SET note = ?2 WHERE id = ?1", params![clip, previous])?;
                } else if let Some(title) = previous {
                    tx.execute("UPDATE clip SET title = ?2 WHERE id = ?1", params![clip, title])?;
                }
                crate::library::index_clip(&tx, clip)?;
            }
        }
        // Taxonomy changes stay: the taxonomy is this library's too (its laptop-only clips use
        // it); the report says the desk did not take them.
        _ => {}
    }
    tx.execute("DELETE FROM sync_outbox WHERE id = ?1", [row.id])?;
    tx.execute(
        "INSERT INTO sync_refused (op_id, desk, kind, payload, code, message, at)
         VALUES (?1, ?2, ?3, ?4, 'sync.denied', ?5, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
        params![row.op_id, row.desk, row.kind, op.payload.to_string(), message],
    )?;
    super::loud(&tx)?;
    let desk_name: String = tx
        .query_row("SELECT name FROM sync_desk WHERE id = ?1", [&row.desk], |r| r.get(0))
        .unwrap_or_else(|_| row.desk.clone());
    tx.commit()?;
    Ok(Refused {
        op_id: row.op_id.clone(),
        desk: desk_name,
        kind: row.kind.clone(),
        clip: row.clip_id,
        code: "sync.denied".into(),
        message: message.to_owned(),
    })
}

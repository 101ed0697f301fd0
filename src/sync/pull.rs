//! Pulling: the operations logged since this library's cursor, desk by desk, in the server's
//! order.
//!
//! A page of operations is applied in one local transaction that also moves the desk's cursor,
//! so a sync killed half-way resumes at the first page it had not finished. This library's own
//! operations come back too: they are not applied again (they were, when made), but their place
//! in the server's order is noted, as it decides what a later pulled operation may overwrite and
//! whether an edit was concurrent.

use std::collections::HashMap;

use postgres::Client;
use rusqlite::params;

use super::apply::{self, Incoming};
use super::remote;
use super::{Options, Progress, Report};
use crate::error::Result;
use crate::Library;

/// Pulls every desk this library takes part in.
pub fn pull(
    lib: &mut Library,
    client: &mut Client,
    device: uuid::Uuid,
    options: &Options,
    report: &mut Report,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<()> {
    let desks: Vec<(String, i64)> = {
        let mut stmt = lib.conn().prepare("SELECT id, last_seq FROM sync_desk ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let page = options.batch.max(1) as i64;
    let select = client
        .prepare(
            "SELECT seq, op_id, kind, payload, author, device FROM clipdesk.op_log
             WHERE desk = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        )
        .map_err(remote::error)?;
    let blobs = client
        .prepare("SELECT sha256, bytes FROM clipdesk.blob WHERE desk = $1 AND sha256 = ANY($2)")
        .map_err(remote::error)?;
    // What there is to receive, for the progress bar (row security counts only this role's desks).
    let count =
        client.prepare("SELECT count(*) FROM clipdesk.op_log WHERE desk = $1 AND seq > $2").map_err(remote::error)?;
    let mut total = 0usize;
    for (desk, last) in &desks {
        if let Ok(desk_id) = uuid::Uuid::parse_str(desk) {
            let n: i64 = client.query_one(&count, &[&desk_id, last]).map_err(remote::error)?.get(0);
            total += n.max(0) as usize;
        }
    }
    let mut done = 0;
    for (desk, mut last) in desks {
        let Ok(desk_id) = uuid::Uuid::parse_str(&desk) else { continue };
        loop {
            if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                report.cancelled = true;
                return Ok(());
            }
            let rows = client.query(&select, &[&desk_id, &last, &page]).map_err(remote::error)?;
            if rows.is_empty() {
                break;
            }
            let ops: Vec<Incoming> = rows
                .iter()
                .map(|r| {
                    let op_device: uuid::Uuid = r.get(5);
                    Incoming {
                        seq: r.get(0),
                        op_id: r.get::<_, uuid::Uuid>(1).to_string(),
                        kind: r.get(2),
                        payload: r.get(3),
                        author: r.get(4),
                        device: op_device.to_string(),
                        mine: op_device == device,
                        desk: desk.clone(),
                    }
                })
                .collect();
            // The snapshot bytes of the clips this page brings.
            let wanted: Vec<String> = ops
                .iter()
                .filter(|op| !op.mine && op.kind == "clip.add")
                .flat_map(|op| op.payload["snapshots"].as_array().cloned().unwrap_or_default())
                .filter_map(|s| s["sha256"].as_str().map(str::to_owned))
                .collect();
            let mut bytes: HashMap<String, Vec<u8>> = HashMap::new();
            if !wanted.is_empty() {
                for r in client.query(&blobs, &[&desk_id, &wanted]).map_err(remote::error)? {
                    bytes.insert(r.get(0), r.get(1));
                }
            }
            let tx = lib.write()?;
            super::quiet(&tx)?;
            for op in &ops {
                if apply::apply(&tx, op, &bytes)? {
                    report.pulled += 1;
                }
                last = op.seq;
            }
            tx.execute("UPDATE sync_desk SET last_seq = ?2 WHERE id = ?1", params![desk, last])?;
            super::loud(&tx)?;
            tx.commit()?;
            done += ops.len();
            progress(&Progress { phase: "pull", done, total: total.max(done) });
            super::stall_point("pull");
        }
    }
    Ok(())
}

//! Team desks through a real PostgreSQL 15 on this machine (a Unix socket, the cluster made by
//! `initdb` in a temporary directory): one laptop clips 10,000 generated clips into a desk and
//! sends them; an empty laptop joins and pulls them all; then 100 changes (tags added and
//! removed, notes, titles) are made on the first and synced to the second. Reports times, rates
//! and bytes (on the server and in the libraries), which `docs/scaling.md` extrapolates from.

use std::path::Path;
use std::time::{Duration, Instant};

use clipdesk::model::TagKind;
use clipdesk::sync::{self, desk};
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;

use crate::Section;

#[path = "../../tests/support/postgres.rs"]
#[allow(dead_code)] // the tests crash the server; the bench does not
mod pg;

type Err = Box<dyn std::error::Error>;

const CLIPS: usize = 10_000;
const CHANGES: usize = 100;

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

fn mb(bytes: f64) -> f64 {
    bytes / 1e6
}

/// A number from the server, as the administrator sees it.
fn server_number(pg: &pg::Postgres, sql: &str) -> Result<f64, Err> {
    Ok(pg.psql("team", "admin", sql).trim().parse::<f64>()?)
}

fn file_size(path: &Path) -> u64 {
    let wal = path.with_extension("sqlite-wal");
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) + std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

pub fn run(data: &Path) -> Result<Section, Err> {
    let server = pg::Postgres::start(&["alice", "bob"]);
    sync::remote::init(&server.url("admin"))?;
    let dir = std::env::temp_dir().join(format!("clipdesk-bench-sync-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let options = sync::Options { batch: 500 };

    let mut alice = Library::open(&dir.join("alice.sqlite"))?;
    desk::attach(&mut alice, &server.url("alice"))?;
    desk::create(&mut alice, "Bench desk")?;
    desk::add_member(&mut alice, "Bench desk", "bob", desk::Level::Editor)?;
    alice.set_desk(Some("Bench desk"))?;
    let fill = crate::scale::fill(&mut alice, data, CLIPS)?;
    alice.set_desk(None)?;
    let queued = sync::status(&alice)?.pending;
    eprintln!("sync: {CLIPS} clips made in {:.1} s, {queued} operations waiting", secs(fill));

    let t = Instant::now();
    let pushed = sync::run(&mut alice, &options)?;
    let push_time = t.elapsed();
    eprintln!("sync: pushed {} in {:.1} s", pushed.pushed, secs(push_time));
    let ops = server_number(&server, "SELECT count(*) FROM clipdesk.op_log")?;
    let payload = server_number(&server, "SELECT sum(octet_length(payload::text)) FROM clipdesk.op_log")?;
    let blobs = server_number(&server, "SELECT coalesce(sum(octet_length(bytes)), 0) FROM clipdesk.blob")?;
    let log_rel = server_number(&server, "SELECT pg_total_relation_size('clipdesk.op_log')")?;
    let blob_rel = server_number(&server, "SELECT pg_total_relation_size('clipdesk.blob')")?;
    let state_rel = server_number(
        &server,
        "SELECT pg_total_relation_size('clipdesk.clip_state') + pg_total_relation_size('clipdesk.clip_tag_state')
              + pg_total_relation_size('clipdesk.tag_state')",
    )?;
    let db_size = server_number(&server, "SELECT pg_database_size('team')")?;
    let clip_ops = server_number(&server, "SELECT count(*) FROM clipdesk.op_log WHERE kind = 'clip.add'")?;
    let clip_payload =
        server_number(&server, "SELECT avg(octet_length(payload::text)) FROM clipdesk.op_log WHERE kind = 'clip.add'")?;
    let small_payload = server_number(
        &server,
        "SELECT avg(octet_length(payload::text)) FROM clipdesk.op_log WHERE kind <> 'clip.add'",
    )?;

    let mut bob = Library::open(&dir.join("bob.sqlite"))?;
    desk::attach(&mut bob, &server.url("bob"))?;
    let t = Instant::now();
    let pulled = sync::run(&mut bob, &options)?;
    let pull_time = t.elapsed();
    eprintln!("sync: pulled {} in {:.1} s", pulled.pulled, secs(pull_time));
    if bob.count()? != alice.count()? {
        return Err(format!("bob has {} clips, alice {}", bob.count()?, alice.count()?).into());
    }
    let bob_bytes = file_size(bob.path());

    // 100 changes on alice's laptop: 40 tags added, 20 removed, 30 notes, 10 titles.
    let ids: Vec<i64> = {
        let mut stmt = alice.conn().prepare("SELECT id FROM clip ORDER BY id LIMIT ?1")?;
        let rows = stmt.query_map([CHANGES as i64], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    let before = sync::status(&alice)?.pending;
    for (i, id) in ids.iter().enumerate() {
        match i % 10 {
            0..=3 => {
                alice.tag_clips(&[*id], &[TagRef { kind: TagKind::Topic, name: "Bench/Reviewed".into() }], &[])?;
            }
            4 | 5 => {
                let have = alice.clip_tags(*id)?;
                let remove: Vec<TagRef> = have
                    .iter()
                    .filter(|t| t.kind == TagKind::Topic)
                    .take(1)
                    .map(|t| TagRef { kind: t.kind, name: t.name.clone() })
                    .collect();
                if remove.is_empty() {
                    alice.tag_clips(&[*id], &[TagRef { kind: TagKind::Topic, name: "Bench/Other".into() }], &[])?;
                } else {
                    alice.tag_clips(&[*id], &[], &remove)?;
                }
            }
            6..=8 => alice.set_note(*id, Some(&format!("bench note {i}: check the figures")))?,
            _ => alice.set_title(*id, &format!("Bench headline {i}"))?,
        }
    }
    let changes = sync::status(&alice)?.pending - before;
    let t = Instant::now();
    let small_push = sync::run(&mut alice, &options)?;
    let small_push_time = t.elapsed();
    let t = Instant::now();
    let small_pull = sync::run(&mut bob, &options)?;
    let small_pull_time = t.elapsed();
    let _ = std::fs::remove_dir_all(&dir);

    let mut body = String::new();
    body.push_str(&format!(
        "## Team desks: sync through PostgreSQL 15\n\n\
         One laptop clips {CLIPS} generated clips (real article texts, `bench search`'s generator) into a desk and \
         syncs; an empty laptop joins the desk and pulls everything; then {CHANGES} changes on the first are synced to \
         the second. PostgreSQL 15 from Debian on this machine (Unix socket, `fsync = off`, the cluster made by \
         `initdb`), batches of 500 operations, release build, 2 shared cores. `cargo run --release -p clipdesk-bench \
         -- sync --write`.\n\n\
         | step | operations | time | rate | bytes |\n|---|---:|---:|---:|---:|\n"
    ));
    body.push_str(&format!(
        "| push {CLIPS} clips (clip + tags) | {} | {:.1} s | {:.0} ops/s | {:.1} MB of payload, {:.1} MB of snapshots |\n",
        pushed.pushed,
        secs(push_time),
        pushed.pushed as f64 / secs(push_time),
        mb(payload),
        mb(blobs)
    ));
    body.push_str(&format!(
        "| full pull into an empty laptop | {} | {:.1} s | {:.0} ops/s, {:.0} clips/s | library {:.1} MB |\n",
        pulled.pulled,
        secs(pull_time),
        pulled.pulled as f64 / secs(pull_time),
        CLIPS as f64 / secs(pull_time),
        mb(bob_bytes as f64)
    ));
    body.push_str(&format!(
        "| push {CHANGES} changes | {} | {:.2} s | {:.0} ops/s | |\n",
        small_push.pushed,
        secs(small_push_time),
        small_push.pushed as f64 / secs(small_push_time)
    ));
    body.push_str(&format!(
        "| pull {CHANGES} changes | {} | {:.2} s | {:.0} ops/s | |\n\n",
        small_pull.pulled,
        secs(small_pull_time),
        small_pull.pulled as f64 / secs(small_pull_time)
    ));
    body.push_str(&format!(
        "On the server after the {CLIPS} clips: {ops:.0} operations ({clip_ops:.0} `clip.add`, the rest tags and \
         memberships); a `clip.add` payload averages {:.1} KB of JSON (text, HTML, metadata, snapshot records), other \
         operations {:.0} bytes. Table sizes with indexes and TOAST: log {:.1} MB, snapshots {:.1} MB, current state \
         {:.1} MB; the database {:.1} MB. The {changes} local changes became {} operations.\n",
        clip_payload / 1e3,
        small_payload,
        mb(log_rel),
        mb(blob_rel),
        mb(state_rel),
        mb(db_size),
        small_push.pushed,
    ));
    Ok(Section { name: "sync".into(), body })
}

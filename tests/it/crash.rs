//! Crash consistency: the CLI killed with SIGKILL at moments spread over re-tagging, merging topics
//! and saving a briefing (the batch-clipping case is `cli::killed_batch_*`). After every kill the
//! library passes `PRAGMA integrity_check`, every clip is whole, the full-text index agrees with
//! the table, no row points at a missing one, and each operation either happened or did not.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use clipdesk::model::TagKind;
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;

use crate::support::{check_library_consistent, clipdesk_bin, seed_copies};

const CLIPS: usize = 1500;
/// Kills per operation (three operations: at least 50 with the batch-clipping test's 8).
const ROUNDS: u64 = 15;

/// A library of `CLIPS` clips (copies of the seed article under different URLs), half under the
/// topic "Old", the rest under "New"; an alias that automatic tagging will apply everywhere.
fn base_library(dir: &Path) -> PathBuf {
    let db = dir.join("base.sqlite");
    let mut lib = Library::open(&db).expect("open");
    let batch: Vec<_> = seed_copies(CLIPS, |_, _| {})
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let topic = if i % 2 == 0 { "Old" } else { "New" };
            (c, vec![TagRef { kind: TagKind::Topic, name: topic.into() }])
        })
        .collect();
    lib.insert_clips(&batch).expect("insert");
    lib.add_actor("Coordination Council", None, &["coordination".to_owned()], None).expect("actor");
    let tx = lib.write().expect("write");
    let digest =
        clipdesk::digest::Digest { title: "All".into(), query: Some("topic:New".into()), ..Default::default() };
    assert_eq!(clipdesk::digest::save(&tx, &digest).expect("save digest"), 1);
    tx.commit().expect("commit");
    lib.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").expect("checkpoint");
    db
}

fn fresh_copy(base: &Path, dir: &Path, name: &str) -> PathBuf {
    let db = dir.join(format!("{name}.sqlite"));
    std::fs::copy(base, &db).expect("copy");
    db
}

fn cli(db: &Path, args: &[String]) -> Command {
    let mut c = Command::new(clipdesk_bin());
    c.arg("--db").arg(db).args(args).stdout(Stdio::null()).stderr(Stdio::null()).env_remove("CLIPDESK_DB");
    c
}

/// How long the operation takes when left alone.
fn duration_of(base: &Path, dir: &Path, args: &[String]) -> Duration {
    let db = fresh_copy(base, dir, "timing");
    let t = Instant::now();
    let status = cli(&db, args).status().expect("run");
    assert!(status.success(), "{args:?} failed");
    t.elapsed()
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.query_row(sql, [], |r| r.get(0)).expect(sql)
}

/// Runs `args` on fresh copies of the base library, killing it at `ROUNDS` moments spread from
/// the start to past the end of the operation; `check` looks at each result. Returns how many
/// rounds were interrupted before the operation completed.
fn kill_rounds(base: &Path, dir: &Path, name: &str, args: &[String], check: impl Fn(&Path) -> bool) -> usize {
    let full = duration_of(base, dir, args);
    let mut interrupted = 0;
    for round in 0..ROUNDS {
        let db = fresh_copy(base, dir, &format!("{name}-{round}"));
        let mut child = cli(&db, args).spawn().expect("spawn");
        std::thread::sleep(full.mul_f64(round as f64 / (ROUNDS - 2) as f64));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().expect("wait");
        check_library_consistent(&db);
        assert_eq!(
            count(&db, "SELECT count(*) FROM pragma_foreign_key_check"),
            0,
            "{name} round {round}: dangling rows"
        );
        assert_eq!(count(&db, "SELECT count(*) FROM clip"), CLIPS as i64, "{name} round {round}: clips lost");
        let done = check(&db);
        if !status.success() && !done {
            interrupted += 1;
        }
    }
    interrupted
}

#[test]
fn killed_retag_merge_and_briefing_save_leave_the_library_sound() {
    let dir = tempfile::tempdir().expect("tempdir");
    let base = base_library(dir.path());
    let arg = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let tagged =
        "SELECT count(*) FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.name = 'Coordination Council'";

    // Re-tagging: every clip ends tagged with the alias's actor, or the run had not finished.
    let retag = kill_rounds(&base, dir.path(), "retag", &arg(&["retag"]), |db| count(db, tagged) == CLIPS as i64);

    // Merging "Old" into "New": either "Old" still has its clips, or all of them are under "New".
    let merge = kill_rounds(&base, dir.path(), "merge", &arg(&["topic", "merge", "Old", "New"]), |db| {
        let old = count(db, "SELECT count(*) FROM tag WHERE name = 'Old'");
        let under = |t: &str| {
            count(db, &format!("SELECT count(*) FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.name = '{t}'"))
        };
        match old {
            1 => {
                assert_eq!((under("Old"), under("New")), (CLIPS as i64 / 2, CLIPS as i64 / 2), "half-merged topics");
                false
            }
            _ => {
                assert_eq!(under("New"), CLIPS as i64, "clips lost from the merged topic");
                true
            }
        }
    });

    // Saving a briefing's choices for half the clips: all of them or none.
    let mut save = arg(&["digest", "edit", "1", "--order", "manual"]);
    for id in (1..=CLIPS).step_by(2) {
        save.push("--add".into());
        save.push(id.to_string());
    }
    let digest = kill_rounds(&base, dir.path(), "digest", &save, |db| {
        assert_eq!(count(db, "SELECT count(*) FROM digest"), 1, "the briefing was lost");
        match count(db, "SELECT count(*) FROM digest_item") {
            0 => false,
            n => {
                assert_eq!(n, CLIPS.div_ceil(2) as i64, "a briefing saved in part");
                true
            }
        }
    });
    eprintln!("interrupted before completion: retag {retag}, merge {merge}, digest {digest} of {ROUNDS} each");
    assert!(retag + merge + digest > 0, "no kill landed inside an operation: make the library bigger");
}

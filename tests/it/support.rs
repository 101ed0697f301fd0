//! Test fixtures: a local HTTP server, temporary libraries, fixture files, the CLI binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clipdesk::Library;

#[path = "../support/server.rs"]
mod server;
pub use server::{Reply, TestServer};

/// A library in a fresh temporary directory (kept alive by the returned guard).
pub fn temp_library() -> (tempfile::TempDir, Library) {
    let dir = tempfile::tempdir().expect("temp dir");
    let lib = Library::open(&dir.path().join("library.sqlite")).expect("open library");
    (dir, lib)
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// The fixture pages served under `/pages/NAME`.
pub fn page_routes() -> HashMap<String, Reply> {
    server::page_routes(&fixtures().join("pages"))
}

/// The `clipdesk` binary built for this test run.
pub fn clipdesk_bin() -> &'static str {
    env!("CARGO_BIN_EXE_clipdesk")
}

/// Runs the CLI on a library; returns (exit code, stdout, stderr).
pub fn run_cli(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(clipdesk_bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CLIPDESK_DB")
        .output()
        .expect("run clipdesk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks the invariants every library must keep whatever happened to the process writing it:
/// SQLite's integrity, every clip whole (snapshot, URL key, index row), the index agreeing with the
/// table. Returns the number of clips.
pub fn check_library_consistent(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(integrity, "ok");
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let clips = q("SELECT count(*) FROM clip");
    assert_eq!(
        q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT clip_id FROM snapshot)"),
        0,
        "clip without snapshot"
    );
    assert_eq!(
        q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT clip_id FROM clip_url)"),
        0,
        "clip without URL key"
    );
    assert_eq!(q("SELECT count(*) FROM clip_fts"), clips, "index rows != clips");
    assert_eq!(
        q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT rowid FROM clip_fts)"),
        0,
        "clip missing from index"
    );
    assert_eq!(q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT clip_id FROM clip_body)"), 0, "clip without body");
    assert_eq!(
        q("SELECT count(*) FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE length(b.text) = 0 OR length(title) = 0"),
        0,
        "empty clip"
    );
    clips
}

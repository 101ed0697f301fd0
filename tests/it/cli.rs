//! The `clipdesk` binary: its JSON contract, exit codes, and what an interrupted batch leaves.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{
    check_library_consistent, clipdesk_bin, fixture, fixtures, page_routes, run_cli, Reply, TestServer,
};

fn json_lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}"))).collect()
}

#[test]
fn clip_reports_one_json_line_per_url_and_exit_1_on_failures() {
    let server = TestServer::start(page_routes());
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.sqlite");
    let seed = server.url("/pages/seed-article.html");
    let (code, stdout, _) = run_cli(
        &db,
        &[
            "--json",
            "clip",
            &seed,
            &server.url("/pages/missing.html"),
            &format!("{seed}?utm_campaign=x"),
            "--jobs",
            "2",
        ],
    );
    assert_eq!(code, 1);
    let lines = json_lines(&stdout);
    assert_eq!(lines.len(), 3);
    let by_status = |s: &str| lines.iter().filter(|l| l["status"] == s).collect::<Vec<_>>();
    let created = by_status("created");
    let failed = by_status("failed");
    let duplicate = by_status("duplicate");
    assert_eq!((created.len(), failed.len(), duplicate.len()), (1, 1, 1), "{stdout}");
    assert_eq!(created[0]["url"], seed.as_str());
    assert_eq!(duplicate[0]["id"], created[0]["id"]);
    assert_eq!(failed[0]["error"]["code"], "fetch.http_status");
    assert!(failed[0]["error"]["message"].as_str().unwrap_or("").contains("404"));
    assert!(failed[0].get("id").is_none());

    // show --json has the contract's fields.
    let id = created[0]["id"].as_i64().expect("id").to_string();
    let (code, stdout, _) = run_cli(&db, &["show", &id, "--json"]);
    assert_eq!(code, 0);
    let clip: Value = serde_json::from_str(&stdout).expect("json");
    for field in [
        "id",
        "url",
        "canonical_url",
        "title",
        "authors",
        "site_name",
        "published_at",
        "clipped_at",
        "lang",
        "text",
        "html",
        "word_count",
        "summary",
        "note",
        "tags",
        "snapshot",
    ] {
        assert!(clip.get(field).is_some(), "show --json lacks {field}");
    }
    for field in ["final_url", "http_status", "content_type", "fetched_at", "sha256", "bytes"] {
        assert!(clip["snapshot"].get(field).is_some(), "snapshot lacks {field}");
    }
    assert_eq!(clip["published_at"], "2016-07-06T13:23:12Z");
    assert_eq!(clip["site_name"], "The Times of Israel");
    assert!(clip["note"].is_null());

    let (code, stdout, _) = run_cli(&db, &["list", "--json"]);
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(list["total"], 1);
}

#[test]
fn errors_print_code_and_message_on_stderr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.sqlite");
    for (args, code, needle) in [
        (vec!["show", "42"], 2, "error[not_found]: clip 42 not found"),
        (vec!["clip"], 2, "error[input.no_urls]"),
        (vec!["clip", "ftp://example.com/x"], 1, "error[fetch.scheme]"),
        (vec!["no-such-command"], 2, "unrecognized subcommand"),
    ] {
        let (got, stdout, stderr) = run_cli(&db, &args);
        assert_eq!(got, code, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: stderr {stderr:?}");
        if code == 2 {
            assert!(stdout.is_empty(), "{args:?}: stdout {stdout:?}");
        }
    }
}

#[test]
fn saved_page_and_url_list_from_stdin() {
    let server = TestServer::start(page_routes());
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.sqlite");
    let saved = fixtures().join("pages/hebrew-cp1255.html");
    let (code, stdout, stderr) = run_cli(
        &db,
        &["--json", "clip", "--html", saved.to_str().expect("path"), "--url", "https://news.example/he/putin-obama"],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(json_lines(&stdout)[0]["status"], "created");

    let mut child = Command::new(clipdesk_bin())
        .args(["--db", db.to_str().expect("db"), "--json", "clip", "--file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    let list = format!(
        "# morning list\n{}\n\n{}\n",
        server.url("/pages/russian-cp1251.html"),
        server.url("/pages/japanese-sjis.html")
    );
    child.stdin.take().expect("stdin").write_all(list.as_bytes()).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let lines = json_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["status"] == "created"));
    assert_eq!(check_library_consistent(&db), 3);
}

/// Clips stored so far in a library another process is writing (0 while it does not exist yet).
fn stored_clips(db: &std::path::Path) -> i64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY) else {
        return 0;
    };
    conn.query_row("SELECT count(*) FROM clip", [], |r| r.get(0)).unwrap_or(0)
}

/// Killing the CLI in the middle of a batch leaves every clip complete or absent, and the library
/// sound. Each round kills at a different moment of a batch of slow pages.
#[test]
fn killed_batch_leaves_every_clip_whole_or_absent() {
    let page = fixture("pages/seed-article.html");
    let mut routes = HashMap::new();
    let n = 40;
    for i in 0..n {
        // Each page distinct (its own canonical URL), answering after a short wait.
        let body = String::from_utf8_lossy(&page)
            .replace("<link rel=\"canonical\"", &format!("<link data-n=\"{i}\" rel=\"x-canonical\""));
        routes.insert(
            format!("/a/{i}"),
            Reply::html(body.into_bytes()).delayed(Duration::from_millis(20 + (i % 7) * 15)),
        );
    }
    let server = TestServer::start(routes);
    let urls: Vec<String> = (0..n).map(|i| server.url(&format!("/a/{i}"))).collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut seen_partial = false;
    for round in 0..8u64 {
        let db = dir.path().join(format!("round{round}.sqlite"));
        let mut child = Command::new(clipdesk_bin())
            .arg("--db")
            .arg(&db)
            .args(["--json", "clip", "--jobs", "4"])
            .args(&urls)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Kill once this round's share of the batch is stored (1, 5, 9 … 29 of 40 clips): a moment
        // set by progress, not by a clock, so a loaded machine still interrupts mid-batch.
        let target = 1 + round as i64 * 4;
        let started = std::time::Instant::now();
        while stored_clips(&db) < target && started.elapsed() < Duration::from_secs(60) {
            if child.try_wait().expect("try_wait").is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().expect("kill"); // SIGKILL on Unix
        child.wait().expect("wait");
        if !db.exists() {
            continue;
        }
        let clips = check_library_consistent(&db);
        seen_partial |= clips > 0 && clips < n as i64;
    }
    assert!(seen_partial, "no round was interrupted mid-batch: make the pages slower");
}

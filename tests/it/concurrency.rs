//! Concurrent use: the CLI clips 500 pages from a local server while, in this process, a second
//! library handle does what the desktop app's commands do (the app holds exactly such a `Library`):
//! re-tags the whole library, searches with facets, tags clips, edits the taxonomy and saves a
//! briefing, over and over. No "database is locked" reaches either side and no write is lost.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clipdesk::model::TagKind;
use clipdesk::search::Options;
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;

use crate::support::{check_library_consistent, clipdesk_bin, fixture, Reply, TestServer};

const PAGES: usize = 500;

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

#[test]
fn cli_clipping_while_the_app_retags_and_searches() {
    let page = String::from_utf8_lossy(&fixture("pages/seed-article.html")).into_owned();
    let mut routes = HashMap::new();
    for i in 0..PAGES {
        let body = page.replace("<link rel=\"canonical\"", &format!("<link data-n=\"{i}\" rel=\"x-canonical\""));
        routes.insert(format!("/p/{i}"), Reply::html(body.into_bytes()).delayed(Duration::from_millis(5)));
    }
    let server = TestServer::start(routes);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    drop(Library::open(&db).expect("create"));
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, (0..PAGES).map(|i| server.url(&format!("/p/{i}"))).collect::<Vec<_>>().join("\n"))
        .expect("write");

    let cli = Command::new(clipdesk_bin())
        .arg("--db")
        .arg(&db)
        .args(["--json", "clip", "--jobs", "4", "--file"])
        .arg(&list)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");

    // The app's side, until the CLI is done.
    let done = Arc::new(AtomicBool::new(false));
    let app_done = Arc::clone(&done);
    let app_db = db.clone();
    let app = std::thread::spawn(move || {
        let mut lib = Library::open(&app_db).expect("open");
        let mut errors = Vec::new();
        let mut searches = Vec::new();
        let mut writes = Vec::new();
        let (mut retags, mut tagged_by_app) = (0, 0usize);
        let mut round = 0;
        while !app_done.load(Ordering::Relaxed) || round < 3 {
            round += 1;
            for q in ["coordination", "actor:Russia", "topic:Load", "Putin OR Obama", ""] {
                let t = Instant::now();
                match lib.search(q, Options { limit: 50, facets: true, ..Options::default() }) {
                    Ok(r) => {
                        searches.push(t.elapsed());
                        // Tag what the search found, as the bulk bar does.
                        let ids: Vec<i64> = r.results.iter().map(|h| h.id).collect();
                        if !ids.is_empty() && q == "coordination" {
                            let t = Instant::now();
                            let tag = TagRef { kind: TagKind::Topic, name: format!("Load/Round {round}") };
                            match lib.tag_clips(&ids, &[tag], &[]) {
                                Ok(c) => {
                                    tagged_by_app += c.added;
                                    writes.push(t.elapsed());
                                }
                                Err(e) => errors.push(format!("tag: {} {e}", e.code())),
                            }
                        }
                    }
                    Err(e) => errors.push(format!("search {q:?}: {} {e}", e.code())),
                }
            }
            let t = Instant::now();
            match lib.retag(false, |_, _| {}) {
                Ok(_) => {
                    retags += 1;
                    writes.push(t.elapsed());
                }
                Err(e) => errors.push(format!("retag: {} {e}", e.code())),
            }
            if let Err(e) = lib.add_actor(&format!("Envoy {round}"), None, &[format!("envoy{round}")], None) {
                errors.push(format!("add actor: {} {e}", e.code()));
            }
        }
        (errors, searches, writes, retags, tagged_by_app)
    });

    let out = cli.wait_with_output().expect("cli");
    done.store(true, Ordering::Relaxed);
    let (errors, mut searches, mut writes, retags, tagged_by_app) = app.join().expect("app thread");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "CLI failed: {stderr}");
    assert!(!stderr.contains("locked") && !stderr.contains("busy"), "{stderr}");
    assert!(errors.is_empty(), "the app side saw errors: {errors:#?}");
    let created = String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.contains("\"created\"")).count();
    assert_eq!(created, PAGES);

    // No lost write: every page and every tag the app added is there.
    assert_eq!(check_library_consistent(&db), PAGES as i64);
    let conn = rusqlite::Connection::open(&db).expect("open");
    let app_tags: i64 = conn
        .query_row(
            "SELECT count(*) FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id JOIN tag p ON p.id = t.parent_id WHERE p.name = 'Load'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(app_tags as usize, tagged_by_app);
    assert!(retags >= 3);

    searches.sort();
    writes.sort();
    eprintln!(
        "load: {PAGES} pages clipped by the CLI; app side: {} searches p50 {:?} p95 {:?}, {} writes p50 {:?} p95 {:?} max {:?}, {retags} full retags, 0 errors",
        searches.len(),
        percentile(&searches, 50),
        percentile(&searches, 95),
        writes.len(),
        percentile(&writes, 50),
        percentile(&writes, 95),
        writes.last().copied().unwrap_or_default(),
    );
}

//! Test fixtures: a local HTTP server, temporary libraries, fixture files, the CLI binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use clipdesk::clip::{prepare, saved_page, store};
use clipdesk::library::Stored;
use clipdesk::model::TagKind;
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;

#[path = "../support/server.rs"]
mod server;
pub use server::{Reply, TestServer};

#[path = "../support/copies.rs"]
mod copies;
pub use copies::seed_copies;

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

/// Stores a saved page as a clip with one topic; returns its id.
pub fn add_page(lib: &mut Library, url: &str, html: Vec<u8>, topic: &str) -> i64 {
    let clip = prepare(&saved_page(html, url).expect("page")).expect("extract");
    let tags = [TagRef { kind: TagKind::Topic, name: topic.into() }];
    match store(lib, &clip, &tags).expect("store") {
        Stored::Created(id) => id,
        Stored::Duplicate(id) => panic!("{url} duplicate of {id}"),
    }
}

/// A library with the fixture pages in six languages, the hostile page, and one wire story
/// republished by a second outlet.
pub fn multilingual_library() -> (tempfile::TempDir, Library, Vec<(i64, String)>) {
    let (dir, mut lib) = temp_library();
    let pages = [
        ("seed-article.html", "https://www.timesofisrael.com/putin-calls-obama/", "Diplomacy/US–Russia"),
        ("russian-cp1251.html", "https://ria.example/2016/07/07/putin-obama", "Diplomacy/US–Russia"),
        ("arabic-cp1256.html", "https://ar.example/2016/07/07/putin", "Conflicts/Syria"),
        ("hebrew-cp1255.html", "https://he.example/2016/07/07/putin", "Conflicts/Syria"),
        ("chinese-gbk.html", "https://cn.example/2016/07/07/putin", "Diplomacy/US–Russia"),
        ("japanese-sjis.html", "https://jp.example/2016/07/08/russia", "Economy"),
        ("hostile.html", "https://riverton.example/2016/07/05/council", "Local"),
    ];
    let mut ids = Vec::new();
    for (file, url, topic) in pages {
        let id = add_page(&mut lib, url, fixture(&format!("pages/{file}")), topic);
        ids.push((id, lib.get(id).expect("clip").title));
    }
    // The same AP story on another site (different furniture, same text).
    let copy = String::from_utf8_lossy(&fixture("pages/seed-article.html"))
        .replace("The Times of Israel", "The Washington Times")
        .replace("timesofisrael.com", "washingtontimes.example")
        .into_bytes();
    add_page(&mut lib, "https://www.washingtontimes.example/news/2016/jul/6/putin-obama/", copy, "Diplomacy/US–Russia");
    (dir, lib, ids)
}

/// [`multilingual_library`] with each of its six articles split out of the story they share (the
/// call of 6 July 2016 reported in five languages) by the analyst, so a briefing prints each as its
/// own item; the republished copy stays with its original.
pub fn multilingual_library_apart() -> (tempfile::TempDir, Library, Vec<(i64, String)>) {
    let (dir, mut lib, ids) = multilingual_library();
    for (id, _) in &ids[1..] {
        lib.split_clip(*id).expect("split");
    }
    (dir, lib, ids)
}

/// A clip of plain text, as if clipped from `url` (the text is the article; the snapshot holds it).
pub fn text_clip(
    url: &str,
    title: &str,
    text: &str,
    lang: &str,
    site: &str,
    published: &str,
) -> clipdesk::library::NewClip {
    let published = clipdesk::model::time_from_db(published).expect("an RFC 3339 time");
    let article = clipdesk::extract::Article {
        title: title.to_owned(),
        authors: Vec::new(),
        published_at: Some(published),
        published_offset: Some(0),
        site_name: Some(site.to_owned()),
        lang: Some(lang.to_owned()),
        canonical_url: None,
        lead_image: None,
        html: String::new(),
        summary: None,
        word_count: clipdesk::text::word_count(text),
        text: text.to_owned(),
    };
    clipdesk::library::NewClip {
        url: url.to_owned(),
        canonical_url: url.to_owned(),
        url_keys: vec![url.to_owned()],
        snapshot: clipdesk::library::NewSnapshot {
            requested_url: url.to_owned(),
            final_url: url.to_owned(),
            redirects: Vec::new(),
            http_status: Some(200),
            content_type: Some("text/plain".into()),
            charset: Some("UTF-8".into()),
            fetched_at: published,
            body: text.as_bytes().to_vec(),
            extractor_version: "test".into(),
            headers: None,
            source: None,
        },
        article,
        images: Vec::new(),
    }
}

/// Stores a clip; returns its id.
pub fn store_clip(lib: &mut Library, clip: &clipdesk::library::NewClip) -> i64 {
    match lib.insert_clip(clip, &[]).expect("store") {
        Stored::Created(id) => id,
        Stored::Duplicate(id) => panic!("{} duplicate of {id}", clip.url),
    }
}

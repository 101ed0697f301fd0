//! Imports from other tools (`clipdesk import-from`), from fixtures written in each tool's
//! documented export shape (`tests/fixtures/imports/`): non-ASCII titles, tags and notes, items
//! with fields missing, and each format's file cut short. Items without content are fetched from
//! a real local server (`--fetch-missing`); items with content never touch the network.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use clipdesk::import::{self, Format, Options};
use clipdesk::model::time_to_db;
use clipdesk::Library;
use serde_json::Value;

use crate::support::{check_library_consistent, fixtures, run_cli, Reply, TestServer};

/// The host every fixture's URLs name.
const HOST: &str = "https://news.example";

fn fixture(name: &str) -> PathBuf {
    fixtures().join("imports").join(name)
}

/// An article page for every path the fixture names, on a local server.
fn site_for(files: &[PathBuf]) -> TestServer {
    let path = regex::Regex::new(r#"https://news\.example(/[^\s"'<>,|?]*)"#).expect("regex");
    let mut routes = HashMap::new();
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(f).unwrap_or_default()).into_owned();
        for c in path.captures_iter(&text) {
            let p = c[1].to_owned();
            let page = format!(
                "<!DOCTYPE html><html><head><meta charset=utf-8><title>Fetched {p}</title></head><body><article>
                 <h1>Fetched {p}</h1>
                 <p>This is the article found at {p}, fetched by Clipdesk because the export did not carry it.</p>
                 <p>It has a second paragraph so that the extractor sees an article and not a fragment of one.</p>
                 </article></body></html>"
            );
            routes.insert(p, Reply::html(page));
        }
    }
    TestServer::start(routes)
}

/// A copy of a fixture (file or folder) in `dir`, its URLs pointing at `base` when given.
fn copy_fixture(name: &str, dir: &Path, base: Option<&str>) -> PathBuf {
    let from = fixture(name);
    let to = dir.join(name);
    let rewrite = |bytes: Vec<u8>| match base {
        Some(b) => String::from_utf8_lossy(&bytes).replace(HOST, b).into_bytes(),
        None => bytes,
    };
    if from.is_dir() {
        for entry in walk(&from) {
            let target = to.join(entry.strip_prefix(&from).expect("inside"));
            std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
            std::fs::write(&target, rewrite(std::fs::read(&entry).expect("read"))).expect("write");
        }
    } else {
        std::fs::write(&to, rewrite(std::fs::read(&from).expect("read"))).expect("write");
    }
    to
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read dir") {
        let p = entry.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

struct Case {
    format: &'static str,
    file: &'static str,
    fetch: bool,
    imported: u64,
    already: u64,
    /// The failures' codes, sorted.
    failed: &'static [&'static str],
}

const CASES: &[Case] = &[
    // Exports that carry the articles: nothing is fetched.
    Case {
        format: "wallabag",
        file: "wallabag.json",
        fetch: false,
        imported: 2,
        already: 0,
        failed: &["import.no_content", "import.no_url"],
    },
    Case {
        format: "omnivore",
        file: "omnivore",
        fetch: false,
        imported: 2,
        already: 0,
        failed: &["import.no_content"],
    },
    Case {
        format: "linkwarden",
        file: "linkwarden.json",
        fetch: false,
        imported: 1,
        already: 0,
        failed: &["import.no_content"],
    },
    // Without --fetch-missing, an export of links only imports nothing, and says why.
    Case {
        format: "bookmarks",
        file: "bookmarks.html",
        fetch: false,
        imported: 0,
        already: 0,
        failed: &[
            "import.no_content",
            "import.no_content",
            "import.no_content",
            "import.no_content",
            "import.no_content",
            "import.no_content",
            "import.no_url",
        ],
    },
    // Links fetched from the (local) site.
    Case {
        format: "bookmarks",
        file: "bookmarks.html",
        fetch: true,
        imported: 6,
        already: 0,
        failed: &["import.no_url"],
    },
    Case { format: "pocket", file: "pocket.csv", fetch: true, imported: 4, already: 0, failed: &["import.no_url"] },
    Case { format: "pocket", file: "ril_export.html", fetch: true, imported: 3, already: 0, failed: &[] },
    Case {
        format: "karakeep",
        file: "karakeep.json",
        fetch: true,
        imported: 2,
        already: 0,
        failed: &["import.no_url", "import.no_url"],
    },
    Case { format: "linkwarden", file: "linkwarden.json", fetch: true, imported: 2, already: 0, failed: &[] },
    Case {
        format: "csl-json",
        file: "zotero.csl.json",
        fetch: true,
        imported: 2,
        already: 0,
        failed: &["import.no_url"],
    },
    Case { format: "ris", file: "zotero.ris", fetch: true, imported: 2, already: 0, failed: &["import.no_url"] },
    // Two lines of the list are one article (a tracking parameter apart).
    Case { format: "urls", file: "urls.txt", fetch: true, imported: 3, already: 0, failed: &[] },
    Case {
        format: "wallabag",
        file: "wallabag.json",
        fetch: true,
        imported: 3,
        already: 0,
        failed: &["import.no_url"],
    },
];

fn import_cli(db: &Path, format: &str, file: &Path, fetch: bool) -> (i32, Value, String) {
    let mut args = vec!["--json", "import-from", format, file.to_str().expect("path")];
    if fetch {
        args.push("--fetch-missing");
    }
    let (code, out, err) = run_cli(db, &args);
    (code, serde_json::from_str(&out).unwrap_or(Value::Null), err)
}

#[test]
fn every_format_imports_what_its_export_carries() {
    for case in CASES {
        let dir = tempfile::tempdir().expect("dir");
        let site = case.fetch.then(|| site_for(&walk_or_file(&fixture(case.file))));
        let file = copy_fixture(case.file, dir.path(), site.as_ref().map(|s| s.base.as_str()));
        let db = dir.path().join("library.sqlite");
        let what = format!("{} {} (fetch: {})", case.format, case.file, case.fetch);
        let (code, report, err) = import_cli(&db, case.format, &file, case.fetch);
        assert_eq!(report["format"], case.format, "{what}: {report} {err}");
        assert_eq!(
            (report["imported"].as_u64(), report["already"].as_u64()),
            (Some(case.imported), Some(case.already)),
            "{what}: {report}"
        );
        let mut codes: Vec<&str> =
            report["failed"].as_array().expect("failed").iter().map(|f| f["code"].as_str().unwrap_or("")).collect();
        codes.sort();
        assert_eq!(codes, case.failed, "{what}: {report}");
        assert_eq!(code, if case.failed.is_empty() { 0 } else { 1 }, "{what}: {err}");
        for f in report["failed"].as_array().expect("failed") {
            assert!(
                !f["item"].as_str().unwrap_or("").is_empty() && !f["message"].as_str().unwrap_or("").is_empty(),
                "{what}: {f}"
            );
        }
        if case.imported > 0 {
            assert_eq!(check_library_consistent(&db), case.imported as i64, "{what}");
        }
        // Content-bearing items never reached a server; fetched ones did, once each.
        if let Some(site) = &site {
            let fetched: std::collections::HashSet<String> = site.seen().into_iter().map(|s| s.path).collect();
            assert!(fetched.len() as u64 <= case.imported, "{what}: fetched {fetched:?}");
        }
        // A second run finds everything already there.
        let (_, again, _) = import_cli(&db, case.format, &file, case.fetch);
        assert_eq!(
            (again["imported"].as_u64(), again["already"].as_u64()),
            (Some(0), Some(case.imported + case.already)),
            "{what} again: {again}"
        );
    }
}

fn walk_or_file(p: &Path) -> Vec<PathBuf> {
    if p.is_dir() {
        walk(p)
    } else {
        vec![p.to_owned()]
    }
}

/// The clip imported from `url_end` (the end of its URL).
fn clip_at(lib: &Library, url_end: &str) -> clipdesk::model::Clip {
    let id: i64 = lib
        .conn()
        .query_row("SELECT id FROM clip WHERE url LIKE '%' || ?1 OR canonical_url LIKE '%' || ?1", [url_end], |r| {
            r.get(0)
        })
        .unwrap_or_else(|e| panic!("no clip at {url_end}: {e}"));
    lib.get(id).expect("clip")
}

fn topics(clip: &clipdesk::model::Clip) -> Vec<String> {
    let mut t: Vec<String> =
        clip.tags.iter().filter(|t| t.kind == clipdesk::model::TagKind::Topic).map(|t| t.name.clone()).collect();
    t.sort();
    t
}

fn saved(clip: &clipdesk::model::Clip) -> String {
    time_to_db(&clip.clipped_at)
}

#[test]
fn what_the_source_has_is_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("library.sqlite");
    for (format, file) in [("wallabag", "wallabag.json"), ("omnivore", "omnivore"), ("linkwarden", "linkwarden.json")] {
        let (_, report, err) = import_cli(&db, format, &fixture(file), false);
        assert!(report["imported"].as_u64().is_some_and(|n| n > 0), "{format}: {report} {err}");
    }
    let lib = Library::open(&db).expect("open");

    // Wallabag: content, tags, annotations (one whose passage the content lacks is kept in the
    // note), saved and published dates, author.
    let c = clip_at(&lib, "/ru/2024/05/putin-obama-syria");
    assert_eq!(c.title, "Путин и Обама обсудили Сирию");
    assert!(c.text.contains("координацию действий в Сирии"), "{}", c.text);
    assert_eq!(topics(&c), ["Syria", "дипломатия"]);
    assert_eq!(saved(&c), "2024-05-02T08:00:00Z");
    assert_eq!(c.published_at.map(|t| time_to_db(&t)).as_deref(), Some("2024-05-01T08:00:00Z"));
    assert_eq!(c.authors, ["Мира Острова"]);
    assert_eq!(c.snapshot.as_ref().and_then(|s| s.source.as_deref()), Some("import:wallabag"));
    assert_eq!(c.snapshot.as_ref().and_then(|s| s.http_status), None);
    let h = lib.highlights(c.id).expect("highlights");
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!((h[0].quote.as_str(), h[0].note.as_deref()), ("координацию действий в Сирии", Some("ключевая фраза")));
    assert_eq!(c.note.as_deref(), Some("> a passage the export's content no longer has"));
    let gaza = clip_at(&lib, "/ar/2024/05/gaza-talks");
    assert_eq!(gaza.title, "محادثات غزة تستأنف في القاهرة");
    assert_eq!(gaza.lang.as_deref(), Some("ar"));

    // Omnivore: content files, labels (one a path), highlights with their notes.
    let c = clip_at(&lib, "/en/2024/05/grain-corridor");
    assert_eq!(c.title, "Ministers agree grain corridor deal");
    assert!(c.text.contains("under naval escort"), "{}", c.text);
    assert_eq!(topics(&c), ["Black Sea", "Trade/Grain"]);
    assert_eq!(saved(&c), "2024-05-02T09:15:00Z");
    assert_eq!(c.authors, ["Mira Ostrova"]);
    let h = lib.highlights(c.id).expect("highlights");
    let quotes: Vec<(&str, Option<&str>)> = h.iter().map(|h| (h.quote.as_str(), h.note.as_deref())).collect();
    assert_eq!(
        quotes,
        [
            ("The corridor will open on Monday under naval escort", Some("Check against the Turkish readout.")),
            ("replacing the three checks ships faced until now", None)
        ]
    );
    let c = clip_at(&lib, "/zh/2024/05/trade");
    assert_eq!(c.title, "中美贸易谈判重启");

    // Linkwarden: the collection's path and the tags as topics, the description as the note,
    // the readable text as the article.
    let c = clip_at(&lib, "/en/2024/05/opec-cuts");
    assert_eq!(topics(&c), ["OPEC", "Research/Énergie", "نفط"]);
    assert_eq!(c.note.as_deref(), Some("Watch the Saudi position."));
    assert!(c.text.contains("OPEC and its allies agreed"), "{}", c.text);
    assert_eq!(saved(&c), "2024-05-05T09:58:00Z");
}

#[test]
fn bookmark_folders_become_topics() {
    let dir = tempfile::tempdir().expect("dir");
    let site = site_for(&[fixture("bookmarks.html")]);
    let file = copy_fixture("bookmarks.html", dir.path(), Some(&site.base));
    let db = dir.path().join("library.sqlite");
    let (code, report, err) = import_cli(&db, "bookmarks", &file, true);
    assert_eq!(code, 1, "{report} {err}");
    let lib = Library::open(&db).expect("open");
    let c = clip_at(&lib, "/ru/2024/05/putin-obama-syria");
    assert_eq!(topics(&c), ["Новости/Ближний Восток", "Сирия", "дипломатия"]);
    assert_eq!(c.note.as_deref(), Some("Прочитать перед брифингом — «важно»"));
    assert_eq!(saved(&c), "2024-05-02T00:00:00Z");
    assert_eq!(c.snapshot.as_ref().and_then(|s| s.http_status), Some(200), "fetched");
    assert_eq!(topics(&clip_at(&lib, "/zh/2024/05/trade")), ["Новости"]);
    // The browser's toolbar is not a topic; a folder inside it is.
    assert!(topics(&clip_at(&lib, "/en/2024/05/grain-corridor")).is_empty());
    // One article bookmarked twice (a tracking parameter apart): one clip, both folders' topics,
    // the earlier date.
    let c = clip_at(&lib, "/en/2024/05/opec-cuts");
    assert_eq!(topics(&c), ["Energy", "OPEC"]);
    assert_eq!(saved(&c), "2024-05-05T00:00:00Z");
    assert_eq!(site.seen_at("/en/2024/05/opec-cuts").len(), 1);
    let failed = &report["failed"][0];
    assert_eq!(failed["code"], "import.no_url");
    assert!(failed["item"].as_str().unwrap_or("").contains("A bookmarklet"), "{failed}");
}

/// Each format's file cut short is a clear error before anything is written.
#[test]
fn a_file_cut_short_imports_nothing() {
    let cases = [
        ("bookmarks", "bookmarks-truncated.html"),
        ("pocket", "pocket-truncated.csv"),
        ("pocket", "ril_export-truncated.html"),
        ("wallabag", "wallabag-truncated.json"),
        ("omnivore", "omnivore-truncated"),
        ("karakeep", "karakeep-truncated.json"),
        ("linkwarden", "linkwarden-truncated.json"),
        ("csl-json", "zotero-truncated.csl.json"),
        ("ris", "zotero-truncated.ris"),
    ];
    for (format, file) in cases {
        let dir = tempfile::tempdir().expect("dir");
        let db = dir.path().join("library.sqlite");
        let (code, out, err) = run_cli(&db, &["import-from", format, fixture(file).to_str().expect("path")]);
        assert_eq!(code, 2, "{format} {file}: {out} {err}");
        assert!(err.starts_with("error[import.truncated]: "), "{format} {file}: {err}");
        assert!(err.contains("cut short"), "{err}");
        assert_eq!(check_library_consistent(&db), 0, "{format} {file}");
    }
    // A URL list has no end marker: a line cut in its scheme is not a URL, and refuses the file.
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("library.sqlite");
    let (code, _, err) = run_cli(&db, &["import-from", "urls", fixture("urls-truncated.txt").to_str().expect("path")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error[import.parse]: ") && err.contains("line 3"), "{err}");
    // A file of another format is named as such.
    let (code, _, err) = run_cli(&db, &["import-from", "bookmarks", fixture("pocket.csv").to_str().expect("path")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error[import.parse]: "), "{err}");
    let (code, _, err) = run_cli(&db, &["import-from", "wallabag", fixture("karakeep.json").to_str().expect("path")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.starts_with("error[import.parse]: "), "{err}");
    assert_eq!(check_library_consistent(&db), 0);
}

/// Cancelled after its first item, an import continues where it stopped when run again: what was
/// done is reported as already there, nothing is imported twice, and the checkpoint is cleared
/// once the run completes.
#[test]
fn a_cancelled_import_resumes() {
    let dir = tempfile::tempdir().expect("dir");
    let mut lib = Library::open(&dir.path().join("library.sqlite")).expect("open");
    let file = fixture("wallabag.json");
    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let first = import::run(&mut lib, Format::Wallabag, &file, &Options::default(), &cancel, |p| {
        seen.push((p.done, p.total));
        cancel.store(true, Ordering::Relaxed);
    })
    .expect("first run");
    assert!(first.cancelled);
    assert_eq!((first.imported, first.already, first.failed.len(), first.total), (1, 0, 0, 4));
    assert_eq!(seen, [(1, 4)]);
    let checkpoint = |lib: &Library| -> i64 {
        lib.conn().query_row("SELECT count(*) FROM import_checkpoint", [], |r| r.get(0)).expect("count")
    };
    assert_eq!(checkpoint(&lib), 1);

    let cancel = AtomicBool::new(false);
    let mut done = Vec::new();
    let second = import::run(&mut lib, Format::Wallabag, &file, &Options::default(), &cancel, |p| done.push(p.done))
        .expect("resume");
    assert!(!second.cancelled);
    assert_eq!((second.imported, second.already, second.failed.len()), (1, 1, 2), "{second:?}");
    assert_eq!(done, [1, 2, 3, 4]);
    assert_eq!(lib.count().expect("count"), 2);
    assert_eq!(checkpoint(&lib), 0, "the checkpoint of a completed import is cleared");
}

/// An item already in the library (clipped before, under another form of its URL) is counted as
/// already there, and left as it was.
#[test]
fn items_already_in_the_library_are_not_imported_again() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("library.sqlite");
    let page = dir.path().join("page.html");
    std::fs::write(
        &page,
        "<html><head><title>Gaza talks</title></head><body><article><p>The talks resumed in Cairo on Thursday, \
         officials said, with Egyptian and Qatari mediators present.</p></article></body></html>",
    )
    .expect("write");
    let (code, _, err) = run_cli(
        &db,
        &[
            "clip",
            "--html",
            page.to_str().expect("path"),
            "--url",
            "https://news.example/ar/2024/05/gaza-talks?utm_source=x",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let (_, report, _) = import_cli(&db, "wallabag", &fixture("wallabag.json"), false);
    assert_eq!((report["imported"].as_u64(), report["already"].as_u64()), (Some(1), Some(1)), "{report}");
    let lib = Library::open(&db).expect("open");
    assert_eq!(clip_at(&lib, "gaza-talks?utm_source=x").title, "Gaza talks");
}

#[test]
fn the_text_report_says_what_happened() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("library.sqlite");
    let (code, out, err) =
        run_cli(&db, &["import-from", "omnivore", fixture("omnivore/metadata_0_to_3.json").to_str().expect("path")]);
    assert_eq!(code, 1);
    assert_eq!(out.trim(), "3 items: 2 imported, 0 already there, 1 failed");
    assert!(err.contains("error[import.no_content]: https://news.example/en/2024/05/never-fetched"), "{err}");
    let (code, _, err) = run_cli(&db, &["import-from", "evernote", "x.enex"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bookmarks, pocket, wallabag"), "{err}");
}

/// Ctrl-C during `import-from` stops after the item in hand: the report says it was cancelled and
/// what was done, nothing is half-written, and the same command then imports the rest.
#[test]
fn ctrl_c_stops_an_import_that_the_same_command_then_finishes() {
    let dir = tempfile::tempdir().expect("dir");
    let site = TestServer::start(HashMap::new());
    let mut urls = String::new();
    for i in 0..12 {
        let path = format!("/slow/{i}");
        let page = format!(
            "<html><head><title>Harbour notice {i}</title></head><body><article><h1>Harbour notice {i}</h1>\
             <p>The harbour authority published notice number {i} about berth closures this week.</p>\
             <p>Pilots will guide vessels through the eastern channel while dredging continues.</p></article></body></html>"
        );
        site.set(&path, Reply::html(page).delayed(std::time::Duration::from_millis(400)));
        urls.push_str(&site.url(&path));
        urls.push('\n');
    }
    let file = dir.path().join("urls.txt");
    std::fs::write(&file, urls).expect("write");
    let db = dir.path().join("library.sqlite");

    let child = std::process::Command::new(crate::support::clipdesk_bin())
        .arg("--db")
        .arg(&db)
        .args(["--json", "import-from", "urls", file.to_str().expect("path"), "--fetch-missing"])
        .env_remove("CLIPDESK_DB")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Wait for the first item to land, then press Ctrl-C.
    let start = std::time::Instant::now();
    while site.seen().len() < 2 {
        assert!(start.elapsed() < std::time::Duration::from_secs(60), "the import never fetched");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(status.success());
    let out = child.wait_with_output().expect("wait");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("a report after Ctrl-C ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(report["cancelled"], true, "{report}");
    assert_eq!(out.status.code(), Some(1), "a cancelled import is not a success");
    let first = report["imported"].as_u64().expect("imported");
    assert!((1..12).contains(&first), "stopped part way: {report}");
    let lib = Library::open(&db).expect("open");
    assert_eq!(lib.count().expect("count") as u64, first, "every item reported is stored whole");
    check_library_consistent(&db);
    drop(lib);

    let (code, report, err) = import_cli(&db, "urls", &file, true);
    assert_eq!(code, 0, "{report} {err}");
    assert_eq!(report["cancelled"], false);
    assert_eq!((report["imported"].as_u64(), report["already"].as_u64()), (Some(12 - first), Some(first)), "{report}");
}

/// A small deterministic generator (xorshift) for the mutants below.
struct Xorshift(u64);

impl Xorshift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Files damaged the ways files get damaged: cut anywhere (inside a multi-byte character too),
/// bytes flipped, a stray invalid byte, a run of text doubled, a field's text replaced by
/// right-to-left and combining marks.
fn mutants(bytes: &[u8], rng: &mut Xorshift) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for k in 1..24 {
        out.push(bytes[..bytes.len() * k / 24].to_vec());
    }
    for _ in 0..24 {
        let mut b = bytes.to_vec();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(b.len());
            b[i] ^= 1 << rng.below(8);
        }
        out.push(b);
    }
    for _ in 0..8 {
        let mut b = bytes.to_vec();
        b.insert(rng.below(b.len()), [0xff, 0xc3, 0x00, 0xe2][rng.below(4)]);
        out.push(b);
    }
    for _ in 0..8 {
        let (i, j) = (rng.below(bytes.len()), rng.below(bytes.len()));
        let (i, j) = (i.min(j), i.max(j));
        let mut b = bytes[..j].to_vec();
        b.extend_from_slice(&bytes[i..]);
        out.push(b);
    }
    let text = String::from_utf8_lossy(bytes);
    for word in ["Gaza", "Energy", "news.example", "title", "2024"] {
        out.push(text.replace(word, "\u{202e}\u{0301}ש\u{200d}\u{fe0f}").into_bytes());
    }
    out
}

/// Regression guard for "no panic on any input": every import parser, given hundreds of damaged
/// copies of its fixture, reads it or refuses it with a coded error — never a panic — and what it
/// reads imports into a real library without one either.
#[test]
fn damaged_export_files_are_read_or_refused_never_a_panic() {
    let dir = tempfile::tempdir().expect("dir");
    let mut rng = Xorshift(0x9e37_79b9_7f4a_7c15);
    let formats = [
        ("bookmarks", "bookmarks.html"),
        ("pocket", "pocket.csv"),
        ("pocket", "ril_export.html"),
        ("wallabag", "wallabag.json"),
        ("karakeep", "karakeep.json"),
        ("linkwarden", "linkwarden.json"),
        ("csl-json", "zotero.csl.json"),
        ("ris", "zotero.ris"),
        ("urls", "urls.txt"),
        ("omnivore", "omnivore/metadata_0_to_3.json"),
    ];
    let (mut read, mut refused, mut imported) = (0, 0, 0);
    for (name, file) in formats {
        let format = Format::parse(name).expect("format");
        let original = std::fs::read(fixture(file)).expect("fixture");
        for (n, bytes) in mutants(&original, &mut rng).into_iter().enumerate() {
            // Omnivore's export is a folder: the damaged metadata file beside the real content.
            let path = if format == Format::Omnivore {
                let home = dir.path().join(format!("omnivore-{n}"));
                let folder = copy_fixture("omnivore", &home, None);
                std::fs::write(folder.join("metadata_0_to_3.json"), &bytes).expect("write");
                folder
            } else {
                let p = dir.path().join(format!("{name}-{n}"));
                std::fs::write(&p, &bytes).expect("write");
                p
            };
            let outcome = std::panic::catch_unwind(|| import::read(format, &path));
            let parsed = outcome.unwrap_or_else(|_| panic!("{name} panicked on mutant {n} ({})", path.display()));
            match parsed {
                Ok(p) => {
                    read += 1;
                    for e in &p.entries {
                        if let Err((label, e)) = e {
                            assert!(e.code().starts_with("import."), "{name} mutant {n}: {label}: {e}");
                        }
                    }
                }
                Err(e) => {
                    refused += 1;
                    assert!(
                        ["import.", "input.", "io."].iter().any(|p| e.code().starts_with(p)),
                        "{name} mutant {n} refused as {}: {e}",
                        e.code()
                    );
                }
            }
            // A few of each whole, into a library (nothing fetched: no network).
            if n % 9 == 0 {
                let db = dir.path().join(format!("lib-{name}-{n}.sqlite"));
                let mut lib = Library::open(&db).expect("library");
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    import::run(&mut lib, format, &path, &Options::default(), &AtomicBool::new(false), |_| {})
                }));
                match run.unwrap_or_else(|_| panic!("importing {name} mutant {n} panicked")) {
                    Ok(r) => {
                        assert!(r.failed.iter().all(|f| !f.code.starts_with("internal")), "{name} mutant {n}: {r:?}");
                        imported += r.imported;
                    }
                    Err(e) => assert!(!e.code().starts_with("internal"), "{name} mutant {n}: {e}"),
                }
                drop(lib);
                check_library_consistent(&db);
            }
        }
    }
    // The mutants exercised both paths.
    assert!(read > 100 && refused > 100, "read {read}, refused {refused}");
    assert!(imported > 0);
}

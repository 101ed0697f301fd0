//! Every real page we have, clipped the way a user clips: the `clipdesk` binary fetching from a
//! real HTTP server on 127.0.0.1, extracting, tagging against a taxonomy full of ambiguous and
//! multi-script aliases, storing. The pages: the Zyte and trafilatura sets and the SemEval texts
//! under `../shared/data`, and every page under `tests/fixtures`. Not one may panic — the panic
//! net would turn a panic into an `internal.panic` failure of that URL, and this test fails on it —
//! and pages with an article are clipped.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use clipdesk::tags::taxonomy::ActorType;
use serde_json::Value;

use crate::support::{clipdesk_bin, fixtures, temp_library, Reply, TestServer};

fn shared_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

fn gunzip(path: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(path).expect("open")).read_to_end(&mut out).expect("gunzip");
    out
}

/// Every page, as (route, reply); pages are served as a plain web server would (no charset).
fn routes() -> HashMap<String, Reply> {
    let mut routes = HashMap::new();
    let data = shared_data();
    for (set, dir) in [("zyte", "zyte-article-extraction-benchmark/html"), ("traf", "trafilatura-eval-dev/pages")] {
        for entry in std::fs::read_dir(data.join(dir)).unwrap_or_else(|e| panic!("{dir}: {e}")) {
            let path = entry.expect("entry").path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().trim_end_matches(".gz").to_owned();
            routes.insert(format!("/{set}/{name}"), Reply::html(gunzip(&path)).with_type("text/html"));
        }
    }
    let mut reader = csv::Reader::from_path(data.join("semeval2022-task8-dev/pairs.csv")).expect("pairs.csv");
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("row");
        for (side, col) in [(1, 4), (2, 5)] {
            let text = row.get(col).unwrap_or_default().to_owned();
            routes.insert(format!("/semeval/{i}-{side}.txt"), Reply::html(text).with_type("text/plain; charset=utf-8"));
        }
    }
    let mut stack = vec![fixtures()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("fixtures") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "html") {
                let rel = path.strip_prefix(fixtures()).expect("under fixtures").to_string_lossy().replace('\\', "/");
                routes.insert(
                    format!("/fixtures/{rel}"),
                    Reply::html(std::fs::read(&path).expect("read")).with_type("text/html"),
                );
            }
        }
    }
    routes
}

/// Names that are also words, names in several scripts, names inside other names, acronyms,
/// punctuation inside names: what made the tagger's offsets go wrong before.
fn hard_taxonomy(db: &Path) {
    let mut lib = clipdesk::Library::open(db).expect("open");
    let person = Some(ActorType::Person);
    let org = Some(ActorType::Organisation);
    for (name, t, aliases) in [
        ("Michael Jordan", person, vec!["Jordan", "Джордан", "乔丹"]),
        ("Vladimir Putin", person, vec!["Putin", "Путин", "Путина", "普京", "بوتين", "פוטין", "V. Putin"]),
        ("Recep Tayyip Erdoğan", person, vec!["Erdogan", "Erdoğan", "Эрдоган", "أردوغان", "埃尔多安"]),
        ("Bashar al-Assad", person, vec!["al-Assad", "Assad", "الأسد", "Асад"]),
        ("Conan O'Brien", person, vec!["O'Brien", "O’Brien"]),
        ("Associated Press", org, vec!["AP", "А.П.", "美联社"]),
        ("United Nations", org, vec!["UN", "U.N.", "ООН", "الأمم المتحدة", "联合国", "האו\"ם"]),
        ("Chad Smith", person, vec!["Chad"]),
        ("Georgia Tech", org, vec!["Georgia"]),
        ("Ümit Özdağ", person, vec!["Özdağ", "ÖZDAĞ"]),
        ("Ελληνικός Στρατός", org, vec!["Στρατός"]),
        ("Dash — Name", person, vec!["—Name—", "– Dash"]),
    ] {
        let aliases: Vec<String> = aliases.into_iter().map(str::to_owned).collect();
        lib.add_actor(name, t, &aliases, None).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn every_page_we_have_clips_without_a_panic() {
    let (dir, lib) = temp_library();
    let db = lib.path().to_owned();
    drop(lib);
    hard_taxonomy(&db);
    let routes = routes();
    assert!(routes.len() > 3000, "the shared data is missing: {} pages", routes.len());
    let mut paths: Vec<&String> = routes.keys().collect();
    paths.sort();
    let server = TestServer::start(routes.clone());
    let list = dir.path().join("urls.txt");
    std::fs::write(&list, paths.iter().map(|p| server.url(p)).collect::<Vec<_>>().join("\n")).expect("write list");
    let out = std::process::Command::new(clipdesk_bin())
        .args(["--db", db.to_str().expect("utf-8 path"), "--json", "clip", "--jobs", "4", "--file"])
        .arg(&list)
        .env_remove("CLIPDESK_DB")
        .output()
        .expect("run clipdesk");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked at"),
        "a page panicked:\n{}",
        stderr.lines().filter(|l| l.contains("panicked")).take(10).collect::<Vec<_>>().join("\n")
    );
    let mut by_status: HashMap<String, Vec<String>> = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        let key = match v["status"].as_str() {
            Some("failed") => v["error"]["code"].as_str().unwrap_or("?").to_owned(),
            other => other.unwrap_or("?").to_owned(),
        };
        by_status.entry(key).or_default().push(v["url"].as_str().unwrap_or_default().to_owned());
    }
    let internal: Vec<&String> =
        by_status.iter().filter(|(k, _)| k.starts_with("internal")).flat_map(|(_, v)| v).collect();
    assert!(internal.is_empty(), "internal errors (panics caught by the net): {internal:?}");
    let total: usize = by_status.values().map(Vec::len).sum();
    assert_eq!(total, paths.len(), "one line per URL");
    let created = by_status.get("created").map_or(0, Vec::len);
    // Copies of one page (the same fixture twice, pages that declare one canonical URL) are
    // duplicates; everything else with an article is clipped.
    let failed: Vec<(&String, usize)> = by_status
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "created" | "duplicate"))
        .map(|(k, v)| (k, v.len()))
        .collect();
    let failed_total: usize = failed.iter().map(|(_, n)| n).sum();
    assert!(failed_total * 100 <= total * 2, "{failed_total} of {total} failed: {failed:?}");
    assert!(created * 10 >= total * 9, "{created} of {total} created: {failed:?}");
    // The hard taxonomy did its work on real text.
    let lib = clipdesk::Library::open(&db).expect("open");
    let tagged: i64 = lib
        .conn()
        .query_row(
            "SELECT count(DISTINCT clip_id) FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id WHERE t.name IN ('Vladimir Putin', 'United Nations')",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(tagged > 20, "only {tagged} clips name Putin or the UN");
}

/// The regression of issue 10: a dateline dash (several bytes) right before an alias the
/// matcher checks for a longer name ("AMMAN — Jordan said…") panicked the CLI.
#[test]
fn a_dateline_dash_before_an_ambiguous_name_is_clipped_and_tagged() {
    let (_dir, lib) = temp_library();
    let db = lib.path().to_owned();
    drop(lib);
    let mut routes = HashMap::new();
    for (i, dash) in ["—", "–", "‒", "―", "−", "：", "、"].iter().enumerate() {
        let page = format!(
            "<html><head><title>Jordan condemns the raid</title></head><body><article><h1>Jordan condemns the raid</h1>\
             <p>AMMAN {dash} Jordan said on Monday it condemned the raid and summoned the ambassador.</p>\
             <p>N'DJAMENA {dash}Chad, Niger and Georgia joined the statement, officials said in a briefing to reporters.</p>\
             <p>The foreign ministry said the talks would continue and that it expected an answer within a week.</p>\
             </article></body></html>"
        );
        routes.insert(format!("/dateline/{i}"), Reply::html(page));
    }
    let server = TestServer::start(routes);
    let urls: Vec<String> = (0..7).map(|i| server.url(&format!("/dateline/{i}"))).collect();
    let out = std::process::Command::new(clipdesk_bin())
        .args(["--db", db.to_str().expect("utf-8"), "--json", "clip"])
        .args(&urls)
        .env_remove("CLIPDESK_DB")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lib = clipdesk::Library::open(&db).expect("open");
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let v: Value = serde_json::from_str(line).expect("json");
        assert_eq!(v["status"], "created", "{line}");
        let clip = lib.get(v["id"].as_i64().expect("id")).expect("clip");
        assert!(clip.tags.iter().any(|t| t.name == "Jordan"), "{}: {:?}", v["url"], clip.tags);
    }
}

/// A panic in one page (injected) fails that URL with `internal.panic`; the batch's other URLs
/// are clipped and the command reports it, exit 1.
#[test]
fn a_panic_on_one_page_fails_that_url_only() {
    let (_dir, lib) = temp_library();
    let db = lib.path().to_owned();
    drop(lib);
    let server = TestServer::start(crate::support::page_routes());
    let urls: Vec<String> = ["seed-article.html", "russian-cp1251.html", "hebrew-cp1255.html"]
        .iter()
        .map(|p| server.url(&format!("/pages/{p}")))
        .collect();
    let out = std::process::Command::new(clipdesk_bin())
        .args(["--db", db.to_str().expect("utf-8"), "--json", "clip", "--jobs", "1"])
        .args(&urls)
        .env_remove("CLIPDESK_DB")
        .env(clipdesk::guard::FAULT_PANIC_URL, "russian-cp1251")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<Value> =
        String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert_eq!(lines.len(), 3);
    for v in &lines {
        let url = v["url"].as_str().expect("url");
        if url.contains("russian") {
            assert_eq!(v["status"], "failed");
            assert_eq!(v["error"]["code"], "internal.panic");
            assert!(v["error"]["message"].as_str().expect("message").contains("injected"), "{v}");
        } else {
            assert_eq!(v["status"], "created", "{v}");
        }
    }
    assert_eq!(clipdesk::Library::open(&db).expect("open").count().expect("count"), 2);
    crate::support::check_library_consistent(&db);
}

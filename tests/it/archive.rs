//! Backup, full export and import: an exported library imported into an empty one is identical
//! (every table, every row, the full-text index); bad imports change nothing; a backup taken while
//! another process writes is consistent.

use std::path::Path;

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::support::{check_library_consistent, multilingual_library, run_cli};

/// Every row of every table (the full-text index included, SQLite's own tables not), as text.
fn dump(db: &Path) -> Vec<(String, Vec<String>)> {
    let conn = Connection::open(db).expect("open");
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name NOT LIKE 'clip_fts_%' AND name NOT LIKE 'entry_fts_%' ORDER BY name",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("names");
    tables
        .into_iter()
        .map(|t| {
            let sql = if t == "clip_fts" || t == "entry_fts" {
                format!("SELECT rowid, * FROM {t} ORDER BY rowid")
            } else {
                format!("SELECT * FROM \"{t}\" ORDER BY 1, 2")
            };
            let mut stmt = conn.prepare(&sql).expect("select");
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get::<_, Value>(i).expect("value")))
                        .collect::<Vec<_>>()
                        .join(" | "))
                })
                .expect("rows")
                .collect::<Result<Vec<_>, _>>()
                .expect("collect");
            (t, rows)
        })
        .collect()
}

fn cli_ok(db: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_cli(db, args);
    assert_eq!(code, 0, "clipdesk {args:?}: {stderr}");
    stdout
}

/// A library with something in every table: clips in six scripts, topics, actors with aliases,
/// a rule, a removed automatic tag, a dismissed suggestion, a note, highlights, a saved search, a
/// briefing with per-item choices, stories and a clip split out of its story.
fn rich_library() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, lib, ids) = multilingual_library();
    let db = lib.path().to_owned();
    drop(lib);
    let first = ids[0].0.to_string();
    cli_ok(&db, &["note", &first, "Confirms the Kremlin readout — «важно»."]);
    cli_ok(&db, &["highlight", "add", &first, "Kremlin says", "--note", "key phrase"]);
    cli_ok(&db, &["actor", "add", "Vladimir Putin", "--type", "person"]);
    cli_ok(&db, &["actor", "alias", "Vladimir Putin", "--add", "Путин", "--add", "بوتين"]);
    cli_ok(&db, &["topic", "add", "Energy/Oil"]);
    cli_ok(&db, &["rule", "set", "Energy/Oil", "oil OR opec", "--apply"]);
    cli_ok(&db, &["tag", &first, "--remove", "actor:Syria"]);
    cli_ok(&db, &["suggest", &first, "--dismiss", "Kremlin"]);
    cli_ok(&db, &["saved", "add", "Syria week", "topic:Conflicts/Syria after:2016-07-01"]);
    // The republished copy of the seed article (the last clip) split out of its story.
    let copy = ids.len() as i64 + 1;
    cli_ok(&db, &["story", "split", &copy.to_string()]);
    let out = cli_ok(
        &db,
        &["--json", "digest", "new", "--title", "Weekly", "--query", "topic:Diplomacy", "--classification", "Internal"],
    );
    let digest: serde_json::Value = serde_json::from_str(&out).expect("json");
    let id = digest["id"].as_i64().expect("id").to_string();
    cli_ok(&db, &["digest", "edit", &id, "--exclude", &ids[1].0.to_string(), "--add", &ids[5].0.to_string()]);
    // Monitoring: a source in a folder with entries (one matched by a watch, with its alert, one
    // naming an actor), a host that asked to wait, a purged entry's key, the entry of a clip.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch(&format!(
        "INSERT INTO source_folder (id, name, opml_attrs) VALUES (1, 'Wires', '[[\"title\",\"Wires\"]]');
         INSERT INTO feed (id, url, title, folder_id, next_poll_at, created_at, subscribed_at, etag)
             VALUES (1, 'https://wire.example/rss', 'Wire — «Новости»', 1, '2026-11-30T10:00:00Z', '2026-11-30T09:00:00Z',
                     '2026-11-30T09:00:00Z', 'W/\"1\"');
         INSERT INTO host_backoff VALUES ('slow.example', '2026-11-30T12:00:00Z');
         INSERT INTO entry (id, url, canonical_url, title, summary, content, found_at, state, clip_id)
             VALUES (1, 'https://wire.example/a', 'https://wire.example/a', 'Putin calls Obama', 'The Kremlin said', '<p>x</p>',
                     '2026-11-30T09:00:00Z', 'clipped', {first}),
                    (2, 'https://wire.example/b', 'https://wire.example/b', 'Путин в Анкаре', NULL, NULL,
                     '2026-11-30T09:30:00Z', 'new', NULL);
         INSERT INTO entry_feed VALUES (1, 'guid:a', 1, '2026-11-30T09:00:00Z'), (1, 'guid:b', 2, '2026-11-30T09:30:00Z');
         INSERT INTO entry_gone VALUES ('1:guid:old', '2026-11-30T09:00:00Z');
         INSERT INTO entry_actor SELECT 2, id FROM tag WHERE name = 'Vladimir Putin';
         INSERT INTO watch (id, name, query, alert, tags, created_at) VALUES (1, 'Putin', 'actor:\"Vladimir Putin\"', 1, '[]', '2026-11-30T09:00:00Z');
         INSERT INTO entry_watch VALUES (2, 1, '2026-11-30T09:30:00Z');
         INSERT INTO alert (kind, watch_id, entry_id, title, url, created_at) VALUES ('watch', 1, 2, 'Путин в Анкаре', 'https://wire.example/b', '2026-11-30T09:30:00Z');
         INSERT INTO import_checkpoint VALUES ('pocket:0123abcd', 'https://wire.example/a', 1, '2026-11-30T09:40:00Z');
         UPDATE snapshot SET source = 'browser:Chromium 156.0.8078.108' WHERE id = (SELECT min(id) FROM snapshot);"
    ))
    .expect("monitoring rows");
    // Evidence: an image kept with the first clip (a real PNG, checked again on import), a page
    // watched for edits.
    let png = {
        let img = image::RgbImage::from_fn(8, 6, |x, y| image::Rgb([x as u8 * 30, y as u8 * 40, 90]));
        let mut out = std::io::Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img).write_to(&mut out, image::ImageFormat::Png).expect("png");
        out.into_inner()
    };
    let sha = clipdesk::images::sha256_hex(&png);
    conn.execute(
        "INSERT INTO image (sha256, mime, width, height, bytes, data, created_at)
         VALUES (?1, 'image/png', 8, 6, ?2, ?3, '2026-11-30T09:00:00Z')",
        rusqlite::params![sha, png.len() as i64, png],
    )
    .expect("image");
    conn.execute(
        "INSERT INTO clip_image (clip_id, version, position, sha256, original_url, caption, credit, is_lead)
         SELECT ?1, 1, coalesce(max(position) + 1, 0), ?2, 'https://www.timesofisrael.com/a.png', 'Putin — «в Кремле»', 'AP', 1
         FROM clip_image WHERE clip_id = ?1 AND version = 1",
        rusqlite::params![first, sha],
    )
    .expect("clip image");
    conn.execute(
        "INSERT INTO page_watch (clip_id, interval_s, next_check_at, etag, created_at)
         VALUES (?1, 3600, '2026-11-30T10:00:00Z', '\"abc\"', '2026-11-30T09:00:00Z')",
        [&first],
    )
    .expect("page watch");
    // Team desks: the clip shared with a desk (its outbox rows made by the capture triggers),
    // a merged uid, a conflict, a refused change, what the server ordered.
    let desk = "6f1c2a4e-9d3b-4c1e-8a55-2f0e6b7c9d10";
    conn.execute_batch(&format!(
        "INSERT INTO sync_desk (id, name, level, last_seq) VALUES ('{desk}', 'Energy desk', 'editor', 42);
         UPDATE clip SET desk = '{desk}' WHERE id = {first};
         INSERT INTO tag_desk SELECT id, '{desk}' FROM tag WHERE name = 'Vladimir Putin';
         INSERT INTO sync_alias SELECT '0b7e0c1e-merged', 'tag', uid FROM tag WHERE name = 'Vladimir Putin';
         INSERT INTO sync_register VALUES ('note:' || (SELECT uid FROM clip WHERE id = {first}), 41);
         INSERT INTO sync_field VALUES ({first}, 'note', 41, 'Confirms the Kremlin readout — «важно».', 'alice', 1,
                                        'a9d1e0b2-4c5f-4e6a-9b7c-0d1e2f3a4b5c');
         INSERT INTO sync_conflict (clip_id, field, current_seq, current_text, current_by, other_seq, other_text,
                                    other_by, mine, created_at)
             VALUES ({first}, 'note', 41, 'Confirms the Kremlin readout — «важно».', 'alice', 40, 'Unconfirmed.', 'bob',
                     'current', '2026-11-30T09:00:00Z');
         INSERT INTO sync_refused (op_id, desk, kind, payload, code, message, at)
             VALUES ('1f2e3d4c5b6a79880f1e2d3c4b5a6978', '{desk}', 'tag.add', '{{}}', 'sync.denied',
                     'new row violates row-level security policy', '2026-11-30T09:00:00Z');"
    ))
    .expect("sync rows");
    let tx = conn.unchecked_transaction().expect("tx");
    clipdesk::monitor::inbox::reindex(&tx, 1).expect("index");
    clipdesk::monitor::inbox::reindex(&tx, 2).expect("index");
    tx.commit().expect("commit");
    (dir, db)
}

#[test]
fn export_then_import_gives_an_identical_library() {
    let (dir, db) = rich_library();
    let file = dir.path().join("export.json");
    let out = cli_ok(&db, &["--json", "export", "--format", "json", file.to_str().expect("path")]);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(report["clips"], 8);

    // Every table of the schema is in the export (a new table must be added to archive::TABLES).
    let want = dump(&db);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("export is JSON");
    for (table, rows) in &want {
        if table == "clip_fts" || table == "entry_fts" {
            continue;
        }
        let exported = doc["tables"][table]["rows"].as_array().unwrap_or_else(|| panic!("table {table} not exported"));
        assert_eq!(exported.len(), rows.len(), "rows of {table}");
        assert!(!rows.is_empty(), "the test library should have rows in {table}");
    }

    let copy = dir.path().join("imported.sqlite");
    let out = cli_ok(&copy, &["--json", "import", file.to_str().expect("path")]);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out).expect("json")["clips"], 8);
    let have = dump(&copy);
    assert_eq!(have.len(), want.len());
    for ((t1, r1), (t2, r2)) in want.iter().zip(&have) {
        assert_eq!(t1, t2);
        assert_eq!(r1, r2, "table {t1} differs after the round trip");
    }
    check_library_consistent(&copy);

    // The imported library works: search, tags and the briefing.
    for q in ["Kremlin", "actor:Russia", "topic:Diplomacy", "saved:\"Syria week\"", "has:highlight", "feed:Wire"] {
        let (a, b) = (cli_ok(&db, &["--json", "search", q]), cli_ok(&copy, &["--json", "search", q]));
        assert_eq!(a, b, "{q}");
        assert!(!a.contains("\"total\":0"), "{q} finds nothing: {a}");
    }
    cli_ok(&copy, &["digest", "export", "1", "--md", dir.path().join("w.md").to_str().expect("path")]);
    // The inbox's index is rebuilt: a query over entries finds the same in both.
    let inbox = |db: &Path| cli_ok(db, &["--json", "inbox", "--state", "all", "--query", "Путин OR Kremlin"]);
    assert_eq!(inbox(&db), inbox(&copy));
    assert!(inbox(&copy).contains("\"total\":2"), "{}", inbox(&copy));

    // Exporting the copy gives the same document (apart from the time of export); a directory
    // target works too.
    let again = dir.path().join("again");
    std::fs::create_dir(&again).expect("dir");
    cli_ok(&copy, &["export", again.to_str().expect("path")]);
    let strip = |p: &Path| {
        let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json");
        v["exported_at"] = serde_json::Value::Null;
        v
    };
    assert_eq!(strip(&file), strip(&again.join("clipdesk-export.json")));
}

/// Imports that cannot be right fail with a code and leave the library as it was.
#[test]
fn bad_imports_change_nothing() {
    let (dir, db) = rich_library();
    let file = dir.path().join("export.json");
    cli_ok(&db, &["export", file.to_str().expect("path")]);
    let text = std::fs::read_to_string(&file).expect("read");

    let check = |name: &str, content: &str, target: &Path, code: &str| {
        let bad = dir.path().join(name);
        std::fs::write(&bad, content).expect("write");
        let before = dump(target);
        let (exit, _, stderr) = run_cli(target, &["import", bad.to_str().expect("path")]);
        assert_eq!(exit, 2, "{name}: {stderr}");
        assert!(stderr.contains(&format!("error[{code}]")), "{name}: {stderr}");
        assert_eq!(dump(target), before, "{name} changed the library");
    };
    // Into a library that already has clips.
    check("same.json", &text, &db, "import.not_empty");
    let empty = dir.path().join("empty.sqlite");
    cli_ok(&empty, &["list"]);
    check("garbage.json", "{\"format\": 1", &empty, "import.format");
    check(
        "other.json",
        "{\"format\":\"zotero\",\"format_version\":1,\"schema_version\":1,\"tables\":{}}",
        &empty,
        "import.format",
    );
    check("newer.json", &text.replacen("\"format_version\":1", "\"format_version\":99", 1), &empty, "import.too_new");
    check("table.json", &text.replacen("\"clip\":", "\"sqlite_master\":", 1), &empty, "import.format");
    check(
        "column.json",
        &text.replacen("\"title\"", "\"title\\\" TEXT); DROP TABLE clip; --\"", 1),
        &empty,
        "import.format",
    );
    // A highlight pointing at a clip the export does not have.
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    doc["tables"]["highlight"]["rows"][0][1] = serde_json::json!(99_999);
    check("orphan.json", &doc.to_string(), &empty, "import.inconsistent");
}

/// A backup taken while another process keeps writing opens, passes every consistency check, and
/// holds a state the writer actually went through.
#[test]
fn backup_while_writing_is_consistent() {
    let (dir, db) = rich_library();
    let before = check_library_consistent(&db);
    let writer_db = db.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop_writer = std::sync::Arc::clone(&stop);
    let writer = std::thread::spawn(move || {
        let mut lib = clipdesk::Library::open(&writer_db).expect("open");
        let html = crate::support::fixture("pages/seed-article.html");
        let mut n = 0;
        while !stop_writer.load(std::sync::atomic::Ordering::Relaxed) && n < 200 {
            crate::support::add_page(&mut lib, &format!("https://copy{n}.example/story"), html.clone(), "Load");
            n += 1;
        }
        n
    });
    let mut backups = Vec::new();
    for i in 0..3 {
        std::thread::sleep(std::time::Duration::from_millis(150));
        let file = dir.path().join(format!("backup-{i}.sqlite"));
        cli_ok(&db, &["backup", file.to_str().expect("path")]);
        backups.push(file);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let written = writer.join().expect("writer");
    let after = check_library_consistent(&db);
    assert_eq!(after, before + written as i64);
    let mut last = before;
    for b in &backups {
        let clips = check_library_consistent(b);
        assert!(clips >= last && clips <= after, "backup holds {clips} clips, outside {last}..={after}");
        last = clips;
    }
    // An existing file is not overwritten without --force.
    let (code, _, stderr) = run_cli(&db, &["backup", backups[0].to_str().expect("path")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[backup.exists]"), "{stderr}");
    cli_ok(&db, &["backup", "--force", backups[0].to_str().expect("path")]);
}

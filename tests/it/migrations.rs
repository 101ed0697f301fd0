//! Schema migrations: an upgraded library equals a fresh one; a newer one is refused untouched.

use std::path::Path;

use clipdesk::db::{self, SCHEMA_VERSION};
use rusqlite::Connection;

/// The schema as SQLite reports it, in a stable order, plus the full-text index's configuration
/// (a migration may change only that, as version 3 did).
fn schema(conn: &Connection) -> Vec<(String, String, String)> {
    let mut stmt = conn
        .prepare(
            "SELECT type, name, ifnull(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'
             UNION ALL SELECT 'fts config', k, CAST(v AS TEXT) FROM clip_fts_config
             ORDER BY 1, 2",
        )
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("query").map(|r| r.expect("row")).collect()
}

fn library_at_version(path: &Path, version: i64) -> Connection {
    let mut conn = Connection::open(path).expect("open");
    db::prepare(&conn).expect("prepare");
    db::migrate_to(&mut conn, path, version).expect("migrate");
    assert_eq!(db::user_version(&conn).expect("version"), version);
    conn
}

#[test]
fn upgraded_library_equals_fresh_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh_path = dir.path().join("fresh.sqlite");
    let fresh = db::open(&fresh_path).expect("fresh");
    let latest = db::user_version(&fresh).expect("version");
    assert_eq!(latest, SCHEMA_VERSION);
    let fresh_schema = schema(&fresh);
    assert!(fresh_schema.iter().any(|(_, name, _)| name == "clip"));
    assert_eq!(db::MIGRATIONS.len() as i64, SCHEMA_VERSION);
    for from in 1..latest {
        let path = dir.path().join(format!("v{from}.sqlite"));
        let old = library_at_version(&path, from);
        // Each older version really is older: otherwise the comparison below proves nothing
        // about the migrations after it.
        assert_ne!(schema(&old), fresh_schema, "a library at version {from} already has the latest schema");
        drop(old);
        let upgraded = db::open(&path).expect("upgrade");
        assert_eq!(db::user_version(&upgraded).expect("version"), SCHEMA_VERSION);
        assert_eq!(schema(&upgraded), fresh_schema, "library upgraded from version {from}");
    }
}

#[test]
fn newer_library_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("future.sqlite");
    {
        let conn = Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE from_the_future (x); INSERT INTO from_the_future VALUES (1);")
            .expect("create");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1).expect("version");
    }
    let before = std::fs::read(&path).expect("read");
    let err = clipdesk::Library::open(&path).err().expect("must refuse");
    assert_eq!(err.code(), "db.too_new");
    assert!(err.to_string().contains(&format!("{}", SCHEMA_VERSION + 1)), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), before, "file changed");
    assert!(!dir.path().join("future.sqlite-wal").exists(), "WAL created");
}

#[test]
fn a_file_that_is_not_a_library_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("notes.txt");
    let content = b"these are my notes, not a database ".repeat(100);
    std::fs::write(&path, &content).expect("write");
    let err = clipdesk::Library::open(&path).err().expect("must refuse");
    assert_eq!(err.code(), "db.open");
    assert_eq!(std::fs::read(&path).expect("read"), content);
}

/// Writes `tests/fixtures/libraries/v1.sqlite`: a library at schema version 1 with a row in every
/// table, written with version 1's schema as that version stored its data (zstd snapshot,
/// JSON authors, an index row). `UPDATE_FIXTURES=1` writes the fixtures that are missing.
fn write_v1_fixture(path: &Path) {
    let _ = std::fs::remove_file(path);
    let conn = library_at_version(path, 1);
    let page = b"<html><head><title>Putin calls Obama</title></head><body><p>The Kremlin said on Wednesday...</p></body></html>";
    let body = zstd::encode_all(&page[..], 3).expect("zstd");
    conn.execute_batch(
        "INSERT INTO clip VALUES (1, 'https://www.timesofisrael.com/putin-calls-obama/',
            'https://www.timesofisrael.com/putin-calls-obama/', 'Putin calls Obama to discuss ‘better coordination’ in Syria',
            '[\"AP\",\"Times of Israel staff\"]', 'The Times of Israel', '2016-07-06T15:49:00Z', '2016-07-07T09:00:00Z',
            'en', 12, 'Russian president reaches out twice in one week', 'Check the Kremlin readout.', NULL,
            '2016-07-07T09:00:00Z');
         INSERT INTO clip_body VALUES (1, 'The Kremlin said President Vladimir Putin called Barack Obama to discuss coordination in Syria.',
            '<p>The Kremlin said President Vladimir Putin called Barack Obama to discuss coordination in Syria.</p>');
         INSERT INTO clip_url VALUES ('https://www.timesofisrael.com/putin-calls-obama/', 1);
         INSERT INTO tag VALUES (1, 'topic', 'Diplomacy', NULL, NULL, NULL, NULL, '2016-07-07T09:00:00Z');
         INSERT INTO tag VALUES (2, 'topic', 'US–Russia', 1, NULL, NULL, 'putin AND obama', '2016-07-07T09:00:00Z');
         INSERT INTO tag VALUES (3, 'actor', 'Vladimir Putin', NULL, 'person', 'President of Russia', NULL, '2016-07-07T09:00:00Z');
         INSERT INTO tag_alias VALUES (1, 3, 'Путин', 'путин', 'ru');
         INSERT INTO clip_tag VALUES (1, 2, 'rule', '2016-07-07T09:00:00Z');
         INSERT INTO clip_tag VALUES (1, 3, 'manual', '2016-07-07T09:00:00Z');
         INSERT INTO dismissed_suggestion VALUES ('kremlin', 'Kremlin', '2016-07-07T09:00:00Z');
         INSERT INTO highlight VALUES (1, 1, 73, 85, 'coordination', 'key word', '2016-07-07T09:00:00Z');
         INSERT INTO saved_search VALUES (1, 'Russia week', 'actor:\"Vladimir Putin\" after:2016-07-01', '2016-07-07T09:00:00Z', '2016-07-07T09:00:00Z');
         INSERT INTO digest VALUES (1, 'Weekly', NULL, 'Desk', 'Internal', '2016-07-01', '2016-07-07', NULL, 1, 'topic', 'each',
            'manual', 'One call, two readouts.', '2016-07-07T09:00:00Z', '2016-07-07T09:00:00Z');
         INSERT INTO digest_item VALUES (1, 1, 'added', 10, 'Putin called Obama.', NULL, '[1]', 0);
         INSERT INTO clip_fts (rowid, title, text, note, authors, site) VALUES (1,
            'Putin calls Obama to discuss ‘better coordination’ in Syria',
            'The Kremlin said President Vladimir Putin called Barack Obama to discuss coordination in Syria.',
            'Check the Kremlin readout.', 'AP, Times of Israel staff', 'The Times of Israel www.timesofisrael.com');",
    )
    .expect("v1 rows");
    conn.execute(
        "INSERT INTO snapshot VALUES (1, 1, 'https://www.timesofisrael.com/putin-calls-obama/',
            'https://www.timesofisrael.com/putin-calls-obama/', '[]', 200, 'text/html', 'UTF-8', '2016-07-07T09:00:00Z',
            ?1, ?2, 'fixture', 'clipdesk-extract/0.1.0')",
        rusqlite::params![body, page.len() as i64],
    )
    .expect("snapshot");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;").expect("checkpoint");
}

/// Writes `tests/fixtures/libraries/vN.sqlite` for versions that added no data of their own
/// (2 and later): the previous fixture as version N's migration left it.
fn write_v2_fixture(previous: &Path, path: &Path, version: i64) {
    let _ = std::fs::remove_file(path);
    std::fs::copy(previous, path).expect("copy");
    let mut conn = Connection::open(path).expect("open");
    db::prepare(&conn).expect("prepare");
    db::migrate_to(&mut conn, path, version).expect("migrate");
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;").expect("checkpoint");
}

/// Libraries written by every earlier schema version (fixtures in `tests/fixtures/libraries/`)
/// open with this binary, migrate, and keep every piece of data, usable: searched, tagged,
/// briefed. The fixture file itself is opened from a copy and never changed.
#[test]
fn libraries_of_every_earlier_version_upgrade_with_their_data() {
    let fixtures = crate::support::fixtures().join("libraries");
    let v1 = fixtures.join("v1.sqlite");
    if std::env::var_os("UPDATE_FIXTURES").is_some() {
        std::fs::create_dir_all(&fixtures).expect("dir");
        // Only the missing ones: a fixture of a released version is never regenerated.
        if !v1.is_file() {
            write_v1_fixture(&v1);
        }
        // Versions after 1 added no data of their own: each fixture is the previous one as its
        // migration left it.
        for version in 2..SCHEMA_VERSION {
            let (previous, path) =
                (fixtures.join(format!("v{}.sqlite", version - 1)), fixtures.join(format!("v{version}.sqlite")));
            if !path.is_file() {
                write_v2_fixture(&previous, &path, version);
            }
        }
    }
    for version in 1..SCHEMA_VERSION {
        let fixture = fixtures.join(format!("v{version}.sqlite"));
        assert!(fixture.is_file(), "no fixture library for schema version {version}");
        upgrade_fixture(&fixture);
    }
}

/// Opens a copy of a fixture library with this binary and checks every piece of its data.
fn upgrade_fixture(fixture: &Path) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("library.sqlite");
    std::fs::copy(fixture, &path).expect("copy");
    let original = std::fs::read(fixture).expect("read");

    let mut lib = clipdesk::Library::open(&path).expect("open and migrate");
    assert_eq!(db::user_version(lib.conn()).expect("version"), SCHEMA_VERSION);
    let clip = lib.get(1).expect("clip 1");
    assert_eq!(clip.title, "Putin calls Obama to discuss ‘better coordination’ in Syria");
    assert_eq!(clip.authors, ["AP", "Times of Israel staff"]);
    assert_eq!(clip.note.as_deref(), Some("Check the Kremlin readout."));
    assert!(clip.text.contains("coordination in Syria"));
    // The evidence migration: every clip is its version 1, with its first snapshot.
    assert_eq!(clip.versions, 1);
    let versions = clipdesk::versions::list(lib.conn(), 1).expect("versions");
    assert_eq!(versions.len(), 1);
    assert_eq!((versions[0].title.as_str(), versions[0].text_sha256.len()), (clip.title.as_str(), 64));
    assert!(versions[0].snapshot.is_some());
    assert_eq!(clipdesk::versions::get(lib.conn(), 1, 1).expect("v1").text, clip.text);
    let snapshot = lib.latest_snapshot(1).expect("snapshot").expect("has one");
    assert!(String::from_utf8_lossy(&lib.snapshot_body(snapshot.id).expect("body")).contains("The Kremlin said"));
    let tags: Vec<String> =
        clip.tags.iter().map(|t| format!("{}:{}:{}", t.kind.as_str(), t.name, t.origin.as_str())).collect();
    assert_eq!(tags.len(), 2, "{tags:?}");
    assert!(tags.contains(&"topic:Diplomacy/US–Russia:rule".to_owned()), "{tags:?}");
    assert!(tags.contains(&"actor:Vladimir Putin:manual".to_owned()), "{tags:?}");
    assert_eq!(lib.highlights(1).expect("highlights")[0].quote, "coordination");

    let hashsize: i64 = lib
        .conn()
        .query_row("SELECT v FROM clip_fts_config WHERE k = 'hashsize'", [], |r| r.get(0))
        .expect("the index's hash size (migration 3)");
    assert_eq!(hashsize, 8 << 20);

    // The migrated library works as a new one does.
    let q = |lib: &mut clipdesk::Library, q: &str| lib.search(q, Default::default()).expect(q).total;
    assert_eq!(q(&mut lib, "coordination"), 1);
    assert_eq!(q(&mut lib, "topic:Diplomacy"), 1);
    assert_eq!(q(&mut lib, "actor:Путин"), 1);
    assert_eq!(q(&mut lib, "saved:\"Russia week\""), 1);
    let digest = clipdesk::digest::load(lib.conn(), 1).expect("digest");
    assert_eq!(digest.items.len(), 1);
    // Version 4: periods of earlier briefings were on publication dates, and stay so.
    assert_eq!(digest.period_on, clipdesk::digest::PeriodOn::Published);
    let briefing = clipdesk::digest::build::build(lib.conn(), &digest).expect("build");
    assert_eq!(briefing.story_count, 1);
    // Stories: a library from before them has its clips signed and grouped when opened.
    let story = lib.clip_story(1).expect("story").expect("clip 1 is in a story");
    assert_eq!((story.size, story.relation), (1, clipdesk::stories::Relation::Original));
    assert_eq!(lib.get(1).expect("clip").wire.as_deref(), Some("ap"), "the AP byline");
    assert_eq!(q(&mut lib, "wire:ap"), 1);
    assert_eq!(q(&mut lib, &format!("story:{}", story.id)), 1);
    assert_eq!(std::fs::read(fixture).expect("read"), original, "the fixture changed");
}

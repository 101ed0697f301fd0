//! Schema migrations: an upgraded library equals a fresh one; a newer one is refused untouched.

use std::path::Path;

use clipdesk::db::{self, SCHEMA_VERSION};
use rusqlite::Connection;

/// The schema as SQLite reports it, in a stable order.
fn schema(conn: &Connection) -> Vec<(String, String, String)> {
    let mut stmt = conn
        .prepare(
            "SELECT type, name, ifnull(sql, '') FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
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
    let mut upgraded_from = Vec::new();
    for from in 1..latest {
        let path = dir.path().join(format!("v{from}.sqlite"));
        drop(library_at_version(&path, from));
        let upgraded = db::open(&path).expect("upgrade");
        assert_eq!(db::user_version(&upgraded).expect("version"), SCHEMA_VERSION);
        assert_eq!(schema(&upgraded), fresh_schema, "library upgraded from version {from}");
        upgraded_from.push(from);
    }
    assert_eq!(upgraded_from.len() as i64, latest - 1);
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

//! Opening a library file: connection set-up and schema migrations.
//!
//! Every connection goes through [`open`], which applies the pragmas in one place (WAL, foreign keys,
//! busy timeout) and brings the schema up to date. Migrations are the numbered SQL files in
//! `migrations/`, embedded at build time and applied in order by `PRAGMA user_version`, each in its
//! own IMMEDIATE transaction, so two processes opening the same old library cannot both migrate it.
//! A library whose version is newer than this binary knows is refused untouched.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{DbError, Result};

/// The migrations, in order: `MIGRATIONS[i]` brings the schema from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_library.sql"),
    include_str!("../migrations/0002_tagging.sql"),
    include_str!("../migrations/0003_fts_hashsize.sql"),
    include_str!("../migrations/0004_period_basis.sql"),
    include_str!("../migrations/0005_monitoring.sql"),
    include_str!("../migrations/0006_stories.sql"),
    include_str!("../migrations/0007_evidence.sql"),
    include_str!("../migrations/0008_briefing_trends.sql"),
    include_str!("../migrations/0009_capture.sql"),
    include_str!("../migrations/0010_sync.sql"),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long a writer waits for another process (the app and the CLI share the file) before giving
/// up with `db.busy`.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens (creating if needed) the library at `path` and migrates it to [`SCHEMA_VERSION`].
pub fn open(path: &Path) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|source| DbError::Open { path: path.to_owned(), source })?;
    let open_err = |source| DbError::Open { path: path.to_owned(), source };
    // Check the version before any pragma: switching to WAL rewrites the header, and a library from
    // a newer Clipdesk must be refused untouched.
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_err)?;
    let found = user_version(&conn).map_err(open_err)?;
    if found > SCHEMA_VERSION {
        return Err(DbError::TooNew { path: path.to_owned(), found, supported: SCHEMA_VERSION }.into());
    }
    prepare(&conn).map_err(open_err)?;
    migrate_to(&mut conn, path, SCHEMA_VERSION)?;
    Ok(conn)
}

/// The connection pragmas, for every connection.
///
/// `synchronous = FULL` because a clip is evidence: a committed clip must survive a power cut, and
/// clipping is bound by the network, not by fsync.
pub fn prepare(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Storing a clip runs some twenty distinct statements; the default cache of 16 would
    // re-prepare them on every clip.
    conn.set_prepared_statement_cache_capacity(256);
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // A library may come from someone else: its schema (triggers, views) may not call functions
    // with side effects, and SQL cannot corrupt the file's structure on purpose.
    conn.pragma_update(None, "trusted_schema", false)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // 32 MB of page cache: the index of a large library stays in memory while searching and
    // bulk imports do not thrash.
    conn.pragma_update(None, "cache_size", -32_000)?;
    Ok(())
}

/// The schema version of an open library.
pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.pragma_query_value(None, "user_version", |row| row.get(0))
}

/// Applies the migrations after the library's version up to `target` (tests use a lower target to
/// build libraries of earlier versions).
pub fn migrate_to(conn: &mut Connection, path: &Path, target: i64) -> Result<()> {
    let target = target.min(SCHEMA_VERSION);
    loop {
        // Read the version inside the write transaction: another process may have migrated since.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = user_version(&tx)?;
        if found > SCHEMA_VERSION {
            return Err(DbError::TooNew { path: path.to_owned(), found, supported: SCHEMA_VERSION }.into());
        }
        if found >= target {
            return Ok(());
        }
        let version = found + 1;
        tx.execute_batch(MIGRATIONS[found as usize])
            .and_then(|()| tx.pragma_update(None, "user_version", version))
            .map_err(|source| DbError::Migration { version, source })?;
        tx.commit()?;
    }
}

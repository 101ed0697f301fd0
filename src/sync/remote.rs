//! The team database: connecting as the analyst's PostgreSQL role, and its schema.
//!
//! The schema is the numbered SQL files of `migrations/remote/`, embedded at build time and
//! applied in order by `clipdesk remote init` (run by an administrator role), each in its own
//! transaction, recorded in `clipdesk.schema_version`. A concurrent init waits on the table lock
//! and then finds the work done. Clients refuse a database whose schema is newer than they know.

use std::str::FromStr;
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use crate::error::{Result, SyncError};

/// The remote migrations, in order: `MIGRATIONS[i]` brings the team schema from `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[include_str!("../../migrations/remote/0001_team.sql")];

/// The team schema version this binary writes and reads.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// How long connecting may take before `sync.connect`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// The URL as it may be shown: any password replaced by `***`.
pub fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_owned(),
    }
}

/// Connects to the team database named by `url` (`postgres://alice@/team?host=/run/postgresql`,
/// or with a password), as the role it names.
pub fn connect(url: &str) -> Result<Client> {
    let mut config = postgres::Config::from_str(url)
        .map_err(|e| SyncError::Connect { url: redact(url), message: format!("not a PostgreSQL URL: {e}") })?;
    config.connect_timeout(CONNECT_TIMEOUT);
    config.application_name("clipdesk");
    config.connect(NoTls).map_err(|e| SyncError::Connect { url: redact(url), message: message(&e) }.into())
}

/// The readable part of a PostgreSQL error: the server's message, else the client's.
pub fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_owned(),
        None => e.to_string(),
    }
}

/// Whether the server refused for lack of privilege: a missing grant, or a row-level security
/// policy (both SQLSTATE 42501).
pub fn is_denied(e: &postgres::Error) -> bool {
    e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE)
}

/// A PostgreSQL error as the core's error.
pub fn error(e: postgres::Error) -> crate::Error {
    if is_denied(&e) {
        return SyncError::Denied { message: message(&e) }.into();
    }
    match e.code() {
        Some(code) => {
            if code == &SqlState::UNDEFINED_TABLE || code == &SqlState::INVALID_SCHEMA_NAME {
                return SyncError::NotInitialised { url: "the team database".into() }.into();
            }
            SyncError::Remote { sqlstate: code.code().to_owned(), message: message(&e) }.into()
        }
        None => SyncError::Connect { url: "the team database".into(), message: message(&e) }.into(),
    }
}

/// The team schema's version; 0 when there is none.
pub fn version(client: &mut Client) -> Result<i64> {
    let exists: bool =
        client.query_one("SELECT to_regclass('clipdesk.schema_version') IS NOT NULL", &[]).map_err(error)?.get(0);
    if !exists {
        return Ok(0);
    }
    let v: Option<i32> =
        client.query_one("SELECT max(version) FROM clipdesk.schema_version", &[]).map_err(error)?.get(0);
    Ok(i64::from(v.unwrap_or(0)))
}

/// Checks that a client can work with the team database: a schema, not newer than ours.
pub fn check(client: &mut Client, url: &str) -> Result<i64> {
    let found = version(client)?;
    if found == 0 {
        return Err(SyncError::NotInitialised { url: redact(url) }.into());
    }
    if found > SCHEMA_VERSION {
        return Err(SyncError::TooNew { found, supported: SCHEMA_VERSION }.into());
    }
    Ok(found)
}

/// What `remote init` did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct InitReport {
    pub from_version: i64,
    pub version: i64,
}

/// Creates or upgrades the team schema (run once by an administrator role; idempotent).
pub fn init(url: &str) -> Result<InitReport> {
    let mut client = connect(url)?;
    client
        .batch_execute(
            "CREATE SCHEMA IF NOT EXISTS clipdesk;
             CREATE TABLE IF NOT EXISTS clipdesk.schema_version (
                 version    int PRIMARY KEY,
                 applied_at timestamptz NOT NULL DEFAULT now(),
                 applied_by text NOT NULL DEFAULT current_user)",
        )
        .map_err(error)?;
    let from_version = version(&mut client)?;
    if from_version > SCHEMA_VERSION {
        return Err(SyncError::TooNew { found: from_version, supported: SCHEMA_VERSION }.into());
    }
    loop {
        let mut tx = client.transaction().map_err(error)?;
        // One migrator at a time: the second waits here and then sees the new version.
        tx.batch_execute("LOCK TABLE clipdesk.schema_version IN EXCLUSIVE MODE").map_err(error)?;
        let found: Option<i32> =
            tx.query_one("SELECT max(version) FROM clipdesk.schema_version", &[]).map_err(error)?.get(0);
        let found = i64::from(found.unwrap_or(0));
        if found >= SCHEMA_VERSION {
            tx.commit().map_err(error)?;
            return Ok(InitReport { from_version, version: found });
        }
        let next = found + 1;
        tx.batch_execute(MIGRATIONS[found as usize])
            .map_err(|e| SyncError::Migration { version: next, message: message(&e) })?;
        let v = next as i32;
        tx.execute("INSERT INTO clipdesk.schema_version (version) VALUES ($1)", &[&v]).map_err(error)?;
        tx.commit().map_err(error)?;
    }
}

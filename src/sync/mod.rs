//! Team desks: libraries shared through a PostgreSQL database, offline first.
//!
//! Each laptop keeps its SQLite library and works on it exactly as alone; a sync copies in the
//! desks its analyst belongs to and sends back what changed here (see
//! `docs/adr/0001-team-desks-on-postgresql.md`).
//!
//! - [`remote`]: connecting as the analyst's PostgreSQL role; the team schema and its migrations.
//! - [`desk`]: attaching a library, creating desks, membership, listing.
//! - [`outbox`]: local changes waiting to be sent. SQLite triggers (migration `0010_sync.sql`)
//!   record them in the transaction that makes them; taxonomy restructuring (rename, move,
//!   merge, delete) is recorded by `tags::ops`.
//! - [`push`]: the outbox into the server's change log, in batches, idempotent by `op_id`;
//!   refused changes reverted here.
//! - [`pull`] and [`apply`]: the other libraries' operations, in the server's order, applied
//!   through the library's own functions.
//! - [`conflict`]: concurrent edits of a note or a title, both texts kept until resolved.
//! - [`history`]: who did what to a shared clip and when, from the desk's change log.
//!
//! The app and the CLI call [`status`], [`run`], [`conflict::open`] and [`conflict::resolve`].

pub mod apply;
pub mod conflict;
pub mod desk;
pub mod history;
pub mod outbox;
pub mod pull;
pub mod push;
pub mod remote;

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Result, SyncError};
use crate::Library;

/// The setting holding the team database's URL.
pub const SETTING_REMOTE: &str = "sync_remote";
/// The setting holding the desk new clips go to by default (its id).
pub const SETTING_DEFAULT_DESK: &str = "sync_default_desk";
/// The setting holding the read replica pulls come from, if any.
pub const SETTING_PULL_FROM: &str = "sync_pull_from";
/// The setting holding this library's device id (a uuid), recorded with each operation it sends.
pub const SETTING_DEVICE: &str = "sync_device";
/// Present only inside a transaction applying pulled operations: the capture triggers stay quiet.
pub const SETTING_APPLYING: &str = "sync_applying";
const SETTING_LAST_SYNC: &str = "sync_last_at";
const SETTING_LAST_ERROR: &str = "sync_last_error";

/// What one sync did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Operations of this library the server accepted.
    pub pushed: usize,
    /// Operations of other libraries applied here.
    pub pulled: usize,
    /// Conflicts waiting for the analyst (all open ones, not only this sync's).
    pub conflicts: Vec<conflict::Conflict>,
    /// Changes the server refused in this sync: reverted here, seen by no one.
    pub refused: Vec<Refused>,
    /// Stopped between two batches when asked; the next sync goes on from there.
    pub cancelled: bool,
}

/// How far a sync has got: after each batch sent (`push`) or page applied (`pull`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// `push` or `pull`.
    pub phase: &'static str,
    /// Operations sent or received so far in this phase.
    pub done: usize,
    /// Operations to send or receive in this phase, as counted when it began.
    pub total: usize,
}

/// A change the server refused.
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    pub op_id: String,
    pub desk: String,
    pub kind: String,
    /// The clip concerned, if any (its local id).
    pub clip: Option<i64>,
    pub code: String,
    pub message: String,
}

/// Where a library stands with its team database.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// The team database (password hidden), `None` when the library is not attached.
    pub remote: Option<String>,
    /// The read replica pulls come from (password hidden), if any.
    pub pull_from: Option<String>,
    pub device: Option<String>,
    pub desks: Vec<desk::Desk>,
    /// The desk new clips go to unless told otherwise (its name).
    pub default_desk: Option<String>,
    /// Local changes waiting to be sent.
    pub pending: i64,
    /// Open conflicts.
    pub conflicts: i64,
    pub last_sync: Option<String>,
    /// The error of the last sync, if it failed (cleared by the next that succeeds).
    pub last_error: Option<LastError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastError {
    pub code: String,
    pub message: String,
}

/// How a sync runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// Operations per server transaction when sending; pulled operations per local transaction.
    pub batch: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options { batch: 200 }
    }
}

pub(crate) fn setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

pub(crate) fn set_setting(conn: &Connection, key: &str, value: Option<&str>) -> Result<()> {
    match value {
        Some(v) => conn.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, v],
        )?,
        None => conn.execute("DELETE FROM setting WHERE key = ?1", [key])?,
    };
    Ok(())
}

/// The team database this library is attached to.
pub fn remote_url(conn: &Connection) -> Result<Option<String>> {
    setting(conn, SETTING_REMOTE)
}

/// This library's device id, made on first use.
pub fn device(conn: &Connection) -> Result<uuid::Uuid> {
    if let Some(d) = setting(conn, SETTING_DEVICE)?.and_then(|d| uuid::Uuid::parse_str(&d).ok()) {
        return Ok(d);
    }
    let d = uuid::Uuid::new_v4();
    set_setting(conn, SETTING_DEVICE, Some(&d.to_string()))?;
    Ok(d)
}

/// Silences the capture triggers for the rest of the caller's transaction (until [`loud`]).
pub(crate) fn quiet(conn: &Connection) -> Result<()> {
    conn.execute("INSERT OR REPLACE INTO setting (key, value) VALUES (?1, '1')", [SETTING_APPLYING])?;
    Ok(())
}

pub(crate) fn loud(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM setting WHERE key = ?1", [SETTING_APPLYING])?;
    Ok(())
}

/// Runs `f` with the capture triggers silenced, in the caller's transaction.
pub(crate) fn quietly<T>(conn: &Connection, f: impl FnOnce() -> Result<T>) -> Result<T> {
    quiet(conn)?;
    let out = f()?;
    loud(conn)?;
    Ok(out)
}

/// Where the library stands, without reaching the server (the app shows it at all times).
pub fn status(lib: &Library) -> Result<Status> {
    let conn = lib.conn();
    let last_error = match (setting(conn, SETTING_LAST_ERROR)?, setting(conn, SETTING_LAST_SYNC)?) {
        (Some(e), _) => serde_json::from_str::<serde_json::Value>(&e).ok().map(|v| LastError {
            code: v["code"].as_str().unwrap_or_default().to_owned(),
            message: v["message"].as_str().unwrap_or_default().to_owned(),
        }),
        _ => None,
    };
    Ok(Status {
        remote: remote_url(conn)?.map(|u| remote::redact(&u)),
        pull_from: setting(conn, SETTING_PULL_FROM)?.map(|u| remote::redact(&u)),
        device: setting(conn, SETTING_DEVICE)?,
        desks: desk::local(conn)?,
        default_desk: desk::default_name(conn)?,
        pending: outbox::count(conn)?,
        conflicts: conn.query_row("SELECT count(*) FROM sync_conflict WHERE resolved_at IS NULL", [], |r| r.get(0))?,
        last_sync: setting(conn, SETTING_LAST_SYNC)?,
        last_error,
    })
}

/// A shared clip's place in the team: its desk, this role's level there, open conflicts on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClipDesk {
    pub desk: String,
    pub level: String,
    pub conflicts: i64,
}

/// The desk a clip belongs to (`None`: this laptop only), for the reader.
pub fn clip_desk(conn: &Connection, clip: i64) -> Result<Option<ClipDesk>> {
    Ok(conn
        .query_row(
            "SELECT d.name, d.level,
                    (SELECT count(*) FROM sync_conflict k WHERE k.clip_id = c.id AND k.resolved_at IS NULL)
             FROM clip c JOIN sync_desk d ON d.id = c.desk WHERE c.id = ?1",
            [clip],
            |r| Ok(ClipDesk { desk: r.get(0)?, level: r.get(1)?, conflicts: r.get(2)? }),
        )
        .optional()?)
}

/// Test-only fault injection: `CLIPDESK_FAULT_SYNC_STALL=push-open|push-committed|pull` makes a
/// sync stop at that point of its first batch (after printing `clipdesk: stalled at …` on
/// standard error), so a test can kill the process or the server right there. It goes on after
/// a minute, or as soon as the file named by `CLIPDESK_FAULT_SYNC_RESUME` exists.
pub(crate) fn stall_point(point: &str) {
    use std::sync::atomic::{AtomicBool, Ordering};
    static STALLED: AtomicBool = AtomicBool::new(false);
    if std::env::var("CLIPDESK_FAULT_SYNC_STALL").is_ok_and(|p| p == point) && !STALLED.swap(true, Ordering::SeqCst) {
        use std::io::Write;
        let mut err = std::io::stderr();
        let _ = writeln!(err, "clipdesk: stalled at {point}");
        let _ = err.flush();
        let resume = std::env::var_os("CLIPDESK_FAULT_SYNC_RESUME").map(std::path::PathBuf::from);
        for _ in 0..600 {
            if resume.as_ref().is_some_and(|f| f.exists()) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }
}

/// Sends this library's changes, then applies everyone else's: the desks the role belongs to
/// are refreshed first. Safe to interrupt at any point and to run again.
pub fn run(lib: &mut Library, options: &Options) -> Result<Report> {
    run_with(lib, options, &std::sync::atomic::AtomicBool::new(false), |_| {})
}

/// [`run`], telling `progress` after each batch and stopping between two batches once `cancel`
/// is set (the report then says `cancelled`; nothing is half-done).
pub fn run_with(
    lib: &mut Library,
    options: &Options,
    cancel: &std::sync::atomic::AtomicBool,
    mut progress: impl FnMut(&Progress),
) -> Result<Report> {
    let result = run_inner(lib, options, cancel, &mut progress);
    let conn = lib.conn();
    match &result {
        Ok(_) => {
            set_setting(conn, SETTING_LAST_SYNC, Some(&crate::model::time_to_db(&chrono::Utc::now())))?;
            set_setting(conn, SETTING_LAST_ERROR, None)?;
        }
        // A library that is not shared has no sync state to report as failed.
        Err(crate::Error::Sync(SyncError::NoRemote)) => {}
        Err(e) => {
            let v = serde_json::json!({"code": e.code(), "message": e.to_string()});
            set_setting(conn, SETTING_LAST_ERROR, Some(&v.to_string()))?;
        }
    }
    result
}

fn run_inner(
    lib: &mut Library,
    options: &Options,
    cancel: &std::sync::atomic::AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Report> {
    let url = remote_url(lib.conn())?.ok_or(SyncError::NoRemote)?;
    let mut client = remote::connect(&url)?;
    remote::check(&mut client, &url)?;
    let device = device(lib.conn())?;
    desk::refresh(lib, &mut client)?;
    let mut report = Report::default();
    push::push(lib, &mut client, device, options, &mut report, cancel, progress)?;
    if report.cancelled {
        report.conflicts = conflict::open(lib.conn())?;
        return Ok(report);
    }
    // Pulls only read: from the read replica when there is one (a standby that lags shows a
    // shorter prefix of each desk's log; the next sync catches up). One that cannot be reached is
    // passed over for the primary.
    let mut replica = match setting(lib.conn(), SETTING_PULL_FROM)? {
        Some(r) => match remote::connect(&r).and_then(|mut c| remote::check(&mut c, &r).map(|_| c)) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!("the read replica cannot be reached, pulling from the primary: {e}");
                None
            }
        },
        None => None,
    };
    pull::pull(lib, replica.as_mut().unwrap_or(&mut client), device, options, &mut report, cancel, progress)?;
    report.conflicts = conflict::open(lib.conn())?;
    Ok(report)
}

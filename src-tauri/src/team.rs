//! The team desks in the app: where the library stands with its team database (shown at all
//! times in the rail), a sync now and every few minutes in the background, the conflicts to
//! settle, and attaching, desks and members as `clipdesk remote add` / `desk …` do. Every sync
//! runs on its own connection to the library, one at a time, so the window never waits on the
//! network.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use clipdesk::sync::{self, conflict, desk};
use clipdesk::Library;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::dto::IpcError;
use crate::{guarded, AppState, Res};

/// The sync machinery of the running app.
#[derive(Default)]
pub struct Team {
    /// The window's channel for sync events (registered by `sync_events`).
    channel: Mutex<Option<Channel<SyncEvent>>>,
    /// Held while a sync runs: a second one waits for it rather than racing it.
    running: Arc<Mutex<()>>,
    busy: std::sync::atomic::AtomicBool,
    /// Set to stop the running sync between two batches.
    cancel: std::sync::atomic::AtomicBool,
}

impl Team {
    fn send(&self, event: SyncEvent) {
        if let Some(c) = self.channel.lock().ok().as_ref().and_then(|c| c.as_ref()) {
            let _ = c.send(event);
        }
    }
}

/// A desk as the rail and the clip dialog show it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeskDto {
    pub id: String,
    pub name: String,
    /// This analyst's level: viewer, editor or admin.
    pub level: String,
    #[ts(type = "number")]
    pub clips: i64,
    #[ts(type = "number")]
    pub pending: i64,
    /// `role (level)` of each member, when listed from the server.
    pub members: Option<Vec<String>>,
}

impl From<desk::Desk> for DeskDto {
    fn from(d: desk::Desk) -> Self {
        DeskDto {
            id: d.id,
            name: d.name,
            level: d.level,
            clips: d.clips,
            pending: d.pending,
            members: d.members.map(|m| m.into_iter().map(|m| format!("{} ({})", m.role, m.level)).collect()),
        }
    }
}

/// Where the library stands with its team database.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncStatusDto {
    /// The team database (password hidden); `None` when the library is not shared.
    pub remote: Option<String>,
    /// The read replica pulls come from, if any.
    pub pull_from: Option<String>,
    pub desks: Vec<DeskDto>,
    /// Where new clips go unless told otherwise (a desk's name; `None`: this laptop only).
    pub default_desk: Option<String>,
    /// Local changes waiting to be sent.
    #[ts(type = "number")]
    pub pending: i64,
    #[ts(type = "number")]
    pub conflicts: i64,
    /// When the last sync succeeded (RFC 3339).
    pub last_sync: Option<String>,
    /// Why the last sync failed; `sync.connect` means offline (changes wait here).
    pub last_error: Option<IpcError>,
    /// A sync is running now.
    pub running: bool,
}

/// A change the team database refused: undone here, seen by no one.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RefusedDto {
    pub desk: String,
    pub kind: String,
    #[ts(type = "number | null")]
    pub clip: Option<i64>,
    pub code: String,
    pub message: String,
}

/// What one sync did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncReportDto {
    #[ts(type = "number")]
    pub pushed: usize,
    #[ts(type = "number")]
    pub pulled: usize,
    #[ts(type = "number")]
    pub conflicts: usize,
    pub refused: Vec<RefusedDto>,
    /// Stopped when asked, between two batches.
    pub cancelled: bool,
}

/// What the background sync tells the window: "started", "progress" (after each batch),
/// "finished" (with its report) or "failed" (with the error); each with the status.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncEvent {
    pub kind: String,
    pub status: SyncStatusDto,
    pub report: Option<SyncReportDto>,
    pub error: Option<IpcError>,
    pub progress: Option<SyncProgressDto>,
}

/// How far the running sync has got.
#[derive(Debug, Clone, Serialize, TS)]
pub struct SyncProgressDto {
    /// `push` (sending) or `pull` (receiving).
    pub phase: String,
    #[ts(type = "number")]
    pub done: usize,
    #[ts(type = "number")]
    pub total: usize,
}

/// One side of a conflict.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflictSideDto {
    pub text: Option<String>,
    /// The analyst (database role) who wrote it.
    pub by: String,
    /// Written in this library.
    pub mine: bool,
}

/// A note or a title two analysts edited at once.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConflictDto {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub clip: i64,
    pub clip_title: String,
    /// `note` or `title`.
    pub field: String,
    /// What the library shows now.
    pub current: ConflictSideDto,
    /// The concurrent edit it overtook.
    pub other: ConflictSideDto,
}

impl From<conflict::Conflict> for ConflictDto {
    fn from(c: conflict::Conflict) -> Self {
        let side = |s: conflict::Side| ConflictSideDto { text: s.text, by: s.by, mine: s.mine };
        ConflictDto {
            id: c.id,
            clip: c.clip,
            clip_title: c.clip_title,
            field: c.field,
            current: side(c.current),
            other: side(c.other),
        }
    }
}

/// A shared clip's desk, for the reader.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ClipDeskDto {
    pub desk: String,
    pub level: String,
    #[ts(type = "number")]
    pub conflicts: i64,
}

impl From<sync::ClipDesk> for ClipDeskDto {
    fn from(d: sync::ClipDesk) -> Self {
        ClipDeskDto { desk: d.desk, level: d.level, conflicts: d.conflicts }
    }
}

/// One change to a shared clip, from its desk's log.
#[derive(Debug, Clone, Serialize, TS)]
pub struct HistoryEntryDto {
    /// The analyst (database role).
    pub author: String,
    /// Made in this library.
    pub mine: bool,
    /// When the server took it (RFC 3339).
    pub server_time: String,
    /// When it was made, by its library's clock.
    pub client_time: String,
    /// What it did, in words.
    pub what: String,
}

pub fn export_bindings(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    HistoryEntryDto::export_all(cfg)?;
    SyncStatusDto::export_all(cfg)?;
    SyncEvent::export_all(cfg)?;
    SyncReportDto::export_all(cfg)?;
    ConflictDto::export_all(cfg)?;
    DeskListDto::export_all(cfg)?;
    ClipDeskDto::export_all(cfg)
}

fn status_of(lib: &Library, team: &Team) -> Res<SyncStatusDto> {
    let s = sync::status(lib)?;
    Ok(SyncStatusDto {
        remote: s.remote,
        pull_from: s.pull_from,
        desks: s.desks.into_iter().map(DeskDto::from).collect(),
        default_desk: s.default_desk,
        pending: s.pending,
        conflicts: s.conflicts,
        last_sync: s.last_sync,
        last_error: s.last_error.map(|e| IpcError { code: e.code, message: e.message }),
        running: team.busy.load(std::sync::atomic::Ordering::Relaxed),
    })
}

/// Runs one sync on its own connection (after any sync already running), telling the window
/// when it starts and how it ended.
fn run_sync(state: &AppState) -> Res<SyncReportDto> {
    let team = &state.team;
    let _one = team.running.lock().unwrap_or_else(|p| p.into_inner());
    let mut lib = Library::open(&state.path)?;
    team.busy.store(true, std::sync::atomic::Ordering::Relaxed);
    team.cancel.store(false, std::sync::atomic::Ordering::Relaxed);
    let started = status_of(&lib, team).ok();
    if let Some(status) = &started {
        team.send(SyncEvent {
            kind: "started".into(),
            status: status.clone(),
            report: None,
            error: None,
            progress: None,
        });
    }
    let result = clipdesk::guard::catch(|| {
        sync::run_with(&mut lib, &sync::Options::default(), &team.cancel, |p| {
            if let Some(status) = &started {
                let progress = SyncProgressDto { phase: p.phase.into(), done: p.done, total: p.total };
                team.send(SyncEvent {
                    kind: "progress".into(),
                    status: SyncStatusDto { running: true, ..status.clone() },
                    report: None,
                    error: None,
                    progress: Some(progress),
                });
            }
        })
    });
    finish(team, &lib, result)
}

/// Ends a sync: the window is told how it went.
fn finish(team: &Team, lib: &Library, result: clipdesk::Result<sync::Report>) -> Res<SyncReportDto> {
    team.busy.store(false, std::sync::atomic::Ordering::Relaxed);
    let status = status_of(lib, team)?;
    match result {
        Ok(r) => {
            let report = SyncReportDto {
                pushed: r.pushed,
                pulled: r.pulled,
                conflicts: r.conflicts.len(),
                refused: r
                    .refused
                    .into_iter()
                    .map(|x| RefusedDto { desk: x.desk, kind: x.kind, clip: x.clip, code: x.code, message: x.message })
                    .collect(),
                cancelled: r.cancelled,
            };
            team.send(SyncEvent {
                kind: "finished".into(),
                status,
                report: Some(report.clone()),
                error: None,
                progress: None,
            });
            Ok(report)
        }
        Err(e) => {
            let e = IpcError::from(e);
            team.send(SyncEvent {
                kind: "failed".into(),
                status,
                report: None,
                error: Some(e.clone()),
                progress: None,
            });
            Err(e)
        }
    }
}

/// Syncs a shared library in the background: a few seconds after the app opens, then every
/// `CLIPDESK_SYNC_SECONDS` (300 by default; 0 turns it off). A library not attached to a team
/// database is left alone; a failed sync (offline) is tried again at the next turn.
pub fn start_background(app: AppHandle) {
    let every = std::env::var("CLIPDESK_SYNC_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(300u64);
    if every == 0 {
        return;
    }
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(every.min(5)));
        loop {
            let state = app.state::<AppState>();
            // One setting, read on the window's connection (opening a library takes a write lock).
            let attached = state.lib().ok().and_then(|lib| sync::remote_url(lib.conn()).ok().flatten()).is_some();
            if attached {
                if let Err(e) = run_sync(&state) {
                    eprintln!("clipdesk: background sync failed: error[{}]: {}", e.code, e.message);
                }
            }
            std::thread::sleep(Duration::from_secs(every));
        }
    });
}

/// Runs `f` on a thread of its own. The PostgreSQL client blocks on a runtime of its own, which
/// it cannot start on a thread of Tauri's async runtime, where commands run (it panicked there:
/// "Cannot start a runtime from within a runtime").
fn off_runtime<T: Send>(f: impl FnOnce() -> Res<T> + Send) -> Res<T> {
    std::thread::scope(|s| {
        s.spawn(|| guarded(f))
            .join()
            .unwrap_or_else(|_| Err(IpcError::new("internal.panic", "the sync thread stopped unexpectedly")))
    })
}

/// Registers the window for sync events; returns the status to show.
#[tauri::command(async)]
pub fn sync_events(state: State<'_, AppState>, events: Channel<SyncEvent>) -> Res<SyncStatusDto> {
    guarded(|| {
        if let Ok(mut c) = state.team.channel.lock() {
            *c = Some(events);
        }
        status_of(&*state.lib()?, &state.team)
    })
}

/// Where the library stands (no network).
#[tauri::command(async)]
pub fn sync_status(state: State<'_, AppState>) -> Res<SyncStatusDto> {
    guarded(|| status_of(&*state.lib()?, &state.team))
}

/// Sends this library's changes and applies the desk's.
#[tauri::command(async)]
pub fn sync_now(state: State<'_, AppState>) -> Res<SyncReportDto> {
    off_runtime(|| run_sync(&state))
}

/// Stops the running sync between two batches (it reports `cancelled`; the next goes on).
#[tauri::command]
pub fn cancel_sync(state: State<'_, AppState>) -> Res<()> {
    state.team.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(())
}

/// The conflicts waiting, oldest first.
#[tauri::command(async)]
pub fn sync_conflicts(state: State<'_, AppState>) -> Res<Vec<ConflictDto>> {
    guarded(|| Ok(conflict::open(state.lib()?.conn())?.into_iter().map(ConflictDto::from).collect()))
}

/// Settles a conflict keeping `mine`, `theirs` or `both`; the choice goes to the desk at the
/// next sync. Returns the text kept.
#[tauri::command(async)]
pub fn resolve_conflict(state: State<'_, AppState>, id: i64, keep: String) -> Res<Option<String>> {
    guarded(|| {
        let keep = conflict::Keep::parse(&keep)?;
        let mut lib = state.lib()?;
        let kept = conflict::resolve(&mut lib, id, keep)?;
        if let Ok(status) = status_of(&lib, &state.team) {
            state.team.send(SyncEvent { kind: "changed".into(), status, report: None, error: None, progress: None });
        }
        Ok(kept)
    })
}

/// Who did what to a shared clip, and when (from the team database).
#[tauri::command(async)]
pub fn clip_history(state: State<'_, AppState>, id: i64) -> Res<Vec<HistoryEntryDto>> {
    off_runtime(|| {
        let lib = Library::open(&state.path)?;
        Ok(sync::history::of_clip(&lib, id)?
            .into_iter()
            .map(|e| HistoryEntryDto {
                author: e.author,
                mine: e.mine,
                server_time: e.server_time,
                client_time: e.client_time,
                what: e.what,
            })
            .collect())
    })
}

/// Attaches the library to a team database as the role the URL names (`remote add`).
#[tauri::command(async)]
pub fn attach_remote(state: State<'_, AppState>, url: String) -> Res<SyncStatusDto> {
    off_runtime(|| {
        let _one = state.team.running.lock().unwrap_or_else(|p| p.into_inner());
        let mut lib = Library::open(&state.path)?;
        desk::attach(&mut lib, url.trim())?;
        status_of(&lib, &state.team)
    })
}

/// The desks with their members, from the server when it answers (`online`).
#[derive(Debug, Clone, Serialize, TS)]
pub struct DeskListDto {
    pub desks: Vec<DeskDto>,
    pub online: bool,
}

#[tauri::command(async)]
pub fn list_desks(state: State<'_, AppState>) -> Res<DeskListDto> {
    off_runtime(|| {
        let mut lib = Library::open(&state.path)?;
        let (desks, online) = desk::list(&mut lib)?;
        Ok(DeskListDto { desks: desks.into_iter().map(DeskDto::from).collect(), online })
    })
}

/// Where new clips go unless told otherwise — the clip dialog, the browser extension, watches,
/// inbox clips: a desk by name, or `None` for this laptop only.
#[tauri::command(async)]
pub fn set_default_desk(state: State<'_, AppState>, desk: Option<String>) -> Res<SyncStatusDto> {
    guarded(|| {
        let mut lib = state.lib()?;
        sync::desk::set_default(&mut lib, desk.as_deref().filter(|d| !d.is_empty()))?;
        status_of(&lib, &state.team)
    })
}

/// Creates a desk on the team database; this analyst is its admin.
#[tauri::command(async)]
pub fn create_desk(state: State<'_, AppState>, name: String) -> Res<DeskDto> {
    off_runtime(|| {
        let mut lib = Library::open(&state.path)?;
        Ok(desk::create(&mut lib, &name)?.into())
    })
}

/// Gives a database role a level on a desk this analyst administers.
#[tauri::command(async)]
pub fn add_desk_member(state: State<'_, AppState>, desk: String, role: String, level: String) -> Res<()> {
    off_runtime(|| {
        let level = desk::Level::parse(&level)?;
        let mut lib = Library::open(&state.path)?;
        Ok(desk::add_member(&mut lib, &desk, role.trim(), level)?)
    })
}

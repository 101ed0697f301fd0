//! The monitoring commands of the window: sources, the inbox, watches and alerts, polling now and
//! in the background while the app runs (with desktop notifications for alerts). Each command is
//! a few lines over `clipdesk::monitor`; network work runs on its own thread with its own
//! connection, so the window's connection keeps answering.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use clipdesk::fetch::Fetcher;
use clipdesk::monitor::{inbox, opml, poll, sources, watch};
use clipdesk::Library;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, Manager, State};
use ts_rs::TS;

use crate::dto::{IpcError, JobEvent};
use crate::{guarded, AppState, Res};

/// A source in the Sources view.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FeedDto {
    #[ts(type = "number")]
    pub id: i64,
    pub url: String,
    pub kind: String,
    pub title: Option<String>,
    pub site_url: Option<String>,
    /// The folder's path, "Wires/Europe".
    pub folder: Option<String>,
    /// "ok", "failing" or "gone".
    pub health: String,
    pub error: Option<IpcError>,
    pub failing_since: Option<String>,
    pub last_poll_at: Option<String>,
    pub next_poll_at: String,
    #[ts(type = "number")]
    pub interval_s: i64,
    #[ts(type = "number")]
    pub unread: i64,
    #[ts(type = "number")]
    pub entries: i64,
}

impl From<sources::Feed> for FeedDto {
    fn from(f: sources::Feed) -> Self {
        FeedDto {
            id: f.id,
            url: f.url,
            kind: f.kind,
            title: f.title,
            site_url: f.site_url,
            folder: f.folder,
            health: f.health.as_str().to_owned(),
            error: f.error.map(|e| IpcError::new(&e.code, e.message)),
            failing_since: f.failing_since,
            last_poll_at: f.last_poll_at,
            next_poll_at: f.next_poll_at,
            interval_s: f.interval_s,
            unread: f.unread,
            entries: f.entries,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FolderDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub path: String,
    #[ts(type = "number | null")]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SourcesDto {
    pub folders: Vec<FolderDto>,
    pub feeds: Vec<FeedDto>,
}

/// An inbox entry.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EntryDto {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub published_at: Option<String>,
    pub found_at: String,
    /// Plain text.
    pub summary: Option<String>,
    pub feeds: Vec<String>,
    /// "new", "seen", "clipped" or "dismissed".
    pub state: String,
    /// Found when its feed was subscribed to.
    pub backlog: bool,
    #[ts(type = "number | null")]
    pub clip_id: Option<i64>,
    pub watches: Vec<String>,
}

impl From<inbox::Entry> for EntryDto {
    fn from(e: inbox::Entry) -> Self {
        EntryDto {
            id: e.id,
            title: e.title,
            url: e.url,
            published_at: e.published_at,
            found_at: e.found_at,
            summary: e.summary,
            feeds: e.feeds,
            state: e.state.as_str().to_owned(),
            backlog: e.backlog,
            clip_id: e.clip_id,
            watches: e.watches,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct InboxPage {
    #[ts(type = "number")]
    pub total: i64,
    pub entries: Vec<EntryDto>,
    #[ts(type = "number")]
    pub unread: i64,
}

impl InboxPage {
    fn new(l: inbox::Listing, unread: i64) -> Self {
        InboxPage { total: l.total, entries: l.entries.into_iter().map(EntryDto::from).collect(), unread }
    }
}

/// An entry opened: its feed's content (sanitized HTML), if the feed carried more than a summary.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EntryDetail {
    pub entry: EntryDto,
    pub content: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct WatchDto {
    #[ts(type = "number | null")]
    pub id: Option<i64>,
    pub name: String,
    pub query: String,
    pub fetch: bool,
    pub clip: bool,
    pub alert: bool,
    pub tags: Vec<String>,
    #[ts(type = "number")]
    pub matched: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct AlertDto {
    #[ts(type = "number")]
    pub id: i64,
    pub kind: String,
    pub watch: Option<String>,
    #[ts(type = "number | null")]
    pub entry_id: Option<i64>,
    #[ts(type = "number | null")]
    pub clip_id: Option<i64>,
    pub title: String,
    pub url: Option<String>,
    pub detail: Option<String>,
    pub created_at: String,
    pub seen: bool,
}

impl From<watch::Alert> for AlertDto {
    fn from(a: watch::Alert) -> Self {
        AlertDto {
            id: a.id,
            kind: a.kind,
            watch: a.watch,
            entry_id: a.entry_id,
            clip_id: a.clip_id,
            title: a.title,
            url: a.url,
            detail: a.detail,
            created_at: a.created_at,
            seen: a.seen,
        }
    }
}

/// Unread entries and unseen alerts, for the rail's badges.
#[derive(Debug, Clone, Serialize, TS)]
pub struct MonitorCounts {
    #[ts(type = "number")]
    pub unread: i64,
    #[ts(type = "number")]
    pub alerts: i64,
}

/// What polling tells the window: "polling" (a poll began), "polled" (one source done),
/// "finished" (with the alerts it raised and the new counts), "error".
#[derive(Debug, Clone, Serialize, TS)]
pub struct MonitorEvent {
    pub kind: String,
    #[ts(type = "number | null")]
    pub feed_id: Option<i64>,
    pub status: Option<String>,
    #[ts(type = "number")]
    pub new_entries: usize,
    pub error: Option<IpcError>,
    pub alerts: Vec<AlertDto>,
    pub counts: Option<MonitorCounts>,
}

impl MonitorEvent {
    fn of(kind: &str) -> Self {
        MonitorEvent {
            kind: kind.into(),
            feed_id: None,
            status: None,
            new_entries: 0,
            error: None,
            alerts: Vec::new(),
            counts: None,
        }
    }
}

/// The monitoring part of the app's state: the window's event channel and whether a poll runs.
#[derive(Default)]
pub struct Monitor {
    channel: Mutex<Option<Channel<MonitorEvent>>>,
    polling: AtomicBool,
}

impl Monitor {
    fn send(&self, event: MonitorEvent) {
        if let Ok(c) = self.channel.lock() {
            if let Some(c) = c.as_ref() {
                let _ = c.send(event);
            }
        }
    }
}

pub fn export_bindings(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    SourcesDto::export_all(cfg)?;
    InboxPage::export_all(cfg)?;
    EntryDetail::export_all(cfg)?;
    WatchDto::export_all(cfg)?;
    AlertDto::export_all(cfg)?;
    MonitorCounts::export_all(cfg)?;
    MonitorEvent::export_all(cfg)?;
    Ok(())
}

fn counts(lib: &Library) -> Res<MonitorCounts> {
    Ok(MonitorCounts {
        unread: inbox::unread(lib.conn())?,
        alerts: watch::alerts(lib.conn(), true, 1000)?.len() as i64,
    })
}

fn fetcher() -> Res<Fetcher> {
    Fetcher::new(Default::default()).map_err(|e| IpcError::from(clipdesk::Error::from(e)))
}

#[tauri::command(async)]
pub fn sources(state: State<'_, AppState>) -> Res<SourcesDto> {
    guarded(|| {
        let lib = state.lib()?;
        Ok(SourcesDto {
            folders: sources::folders(lib.conn())?
                .into_iter()
                .map(|f| FolderDto { id: f.id, name: f.name, path: f.path, parent_id: f.parent_id })
                .collect(),
            feeds: sources::list(lib.conn())?.into_iter().map(FeedDto::from).collect(),
        })
    })
}

/// Subscribes to a feed, site or article URL (discovery finds the feed).
#[tauri::command(async)]
pub fn subscribe(state: State<'_, AppState>, url: String, folder: Option<String>) -> Res<FeedDto> {
    let path = state.path.clone();
    // The blocking HTTP client must not live on the async runtime's threads (regression: it
    // panicked "Cannot drop a runtime in a context where blocking is not allowed").
    off_runtime(move || {
        let mut lib = Library::open(&path)?;
        let folder = folder.filter(|f| !f.trim().is_empty());
        Ok(poll::subscribe(&mut lib, &fetcher()?, url.trim(), folder.as_deref())?.feed.into())
    })
}

/// Runs network work on a thread of its own (the blocking HTTP client cannot run on the async
/// runtime that runs commands), under the panic net, and waits for it.
pub(crate) fn off_runtime<T: Send + 'static>(f: impl FnOnce() -> Res<T> + Send + 'static) -> Res<T> {
    std::thread::spawn(move || guarded(f))
        .join()
        .unwrap_or_else(|p| Err(IpcError::from(clipdesk::Error::Panic { message: clipdesk::guard::message(&*p) })))
}

#[tauri::command(async)]
pub fn remove_feed(state: State<'_, AppState>, id: i64) -> Res<()> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        sources::remove(&tx, id)?;
        Ok(tx.commit().map_err(clipdesk::Error::from)?)
    })
}

#[tauri::command(async)]
pub fn move_feed(state: State<'_, AppState>, id: i64, folder: Option<String>) -> Res<()> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        sources::move_to(&tx, id, folder.as_deref().filter(|f| !f.trim().is_empty()))?;
        Ok(tx.commit().map_err(clipdesk::Error::from)?)
    })
}

/// Polls every source now; progress on `events`.
#[tauri::command(async)]
pub fn poll_now(app: AppHandle, events: Channel<MonitorEvent>) -> Res<()> {
    guarded(|| {
        std::thread::spawn(move || {
            let sent = run_poll(&app, true, |e| {
                let _ = events.send(e);
            });
            if let Err(e) = sent {
                let _ = events.send(MonitorEvent { error: Some(e), ..MonitorEvent::of("error") });
            }
        });
        Ok(())
    })
}

/// One poll (every source with `all`, else the due ones), on the caller's thread with its own
/// connection; events go to `send` and to the window's monitor channel; alerts become desktop
/// notifications.
fn run_poll(app: &AppHandle, all: bool, mut send: impl FnMut(MonitorEvent)) -> Res<()> {
    let state = app.state::<AppState>();
    if state.monitor.polling.swap(true, Ordering::AcqRel) {
        send(MonitorEvent::of("busy"));
        return Ok(());
    }
    let result = guarded(|| {
        let mut lib = Library::open(&state.path)?;
        send(MonitorEvent::of("polling"));
        let cancel = AtomicBool::new(false);
        let reports =
            poll::poll(&mut lib, &fetcher()?, &poll::PollOptions { all, ..Default::default() }, &cancel, |r| {
                send(MonitorEvent {
                    feed_id: Some(r.feed_id),
                    status: serde_json::to_value(r.status).ok().and_then(|v| v.as_str().map(str::to_owned)),
                    new_entries: r.new_entries,
                    error: r.error.as_ref().map(|e| IpcError::new(&e.code, e.message.clone())),
                    ..MonitorEvent::of("polled")
                });
            })?;
        let mut alerts: Vec<AlertDto> = reports.into_iter().flat_map(|r| r.alerts).map(AlertDto::from).collect();
        // Then the pages watched for edits that are due.
        let checks = clipdesk::monitor::pages::CheckOptions { all, ..Default::default() };
        let pages = clipdesk::monitor::pages::check(&mut lib, &fetcher()?, &checks, &cancel, |_| {})?;
        alerts.extend(pages.into_iter().flat_map(|r| r.alerts).map(AlertDto::from));
        notify(app, &alerts);
        let done = MonitorEvent { alerts, counts: Some(counts(&lib)?), ..MonitorEvent::of("finished") };
        state.monitor.send(done.clone());
        send(done);
        Ok(())
    });
    state.monitor.polling.store(false, Ordering::Release);
    result
}

/// Desktop notifications for new alerts (where the desktop offers them; a failure is ignored:
/// the alert list has them).
fn notify(app: &AppHandle, alerts: &[AlertDto]) {
    use tauri_plugin_notification::NotificationExt;
    for a in alerts.iter().take(5) {
        let _ = app
            .notification()
            .builder()
            .title(format!(
                "Clipdesk: {}",
                if a.kind == "edit" { "a watched page changed" } else { a.watch.as_deref().unwrap_or("alert") }
            ))
            .body(match (&a.detail, a.kind.as_str()) {
                (Some(d), "edit") => format!("{} — {d}", a.title),
                _ => a.title.clone(),
            })
            .show();
    }
    if alerts.len() > 5 {
        let _ = app.notification().builder().title("Clipdesk").body(format!("{} more alerts", alerts.len() - 5)).show();
    }
}

/// Polls the due sources in the background while the app runs, every `CLIPDESK_POLL_SECONDS`
/// (default 60; each source has its own schedule, so most checks fetch nothing).
pub fn start_background(app: AppHandle) {
    let every = std::env::var("CLIPDESK_POLL_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(60u64).max(1);
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_secs(every));
        if let Err(e) = run_poll(&app, false, |_| {}) {
            eprintln!("clipdesk: background poll failed: error[{}]: {}", e.code, e.message);
        }
    });
}

/// The window registers its channel for background events (new alerts, counts).
#[tauri::command]
pub fn monitor_events(state: State<'_, AppState>, events: Channel<MonitorEvent>) -> Res<MonitorCounts> {
    guarded(|| {
        if let Ok(mut c) = state.monitor.channel.lock() {
            *c = Some(events);
        }
        counts(&*state.lib()?)
    })
}

#[tauri::command(async)]
pub fn monitor_counts(state: State<'_, AppState>) -> Res<MonitorCounts> {
    guarded(|| counts(&*state.lib()?))
}

#[tauri::command(async)]
pub fn inbox_page(
    state: State<'_, AppState>,
    query: String,
    entry_state: String,
    hide_backlog: bool,
    offset: i64,
    limit: i64,
) -> Res<InboxPage> {
    guarded(|| {
        let lib = state.lib()?;
        let s = if entry_state == "all" { None } else { Some(inbox::State::parse(&entry_state)?) };
        let listing = inbox::list(
            lib.conn(),
            &inbox::Filter {
                query: Some(query).filter(|q| !q.trim().is_empty()),
                state: s,
                hide_backlog,
                limit,
                offset,
            },
        )?;
        Ok(InboxPage::new(listing, inbox::unread(lib.conn())?))
    })
}

#[tauri::command(async)]
pub fn entry_detail(state: State<'_, AppState>, id: i64) -> Res<EntryDetail> {
    guarded(|| {
        let lib = state.lib()?;
        let entry = inbox::get(lib.conn(), id)?;
        let content: Option<String> = lib
            .conn()
            .query_row("SELECT content FROM entry WHERE id = ?1", [id], |r| r.get(0))
            .map_err(clipdesk::Error::from)?;
        Ok(EntryDetail { entry: entry.into(), content })
    })
}

#[tauri::command(async)]
pub fn set_entries_state(state: State<'_, AppState>, ids: Vec<i64>, entry_state: String) -> Res<MonitorCounts> {
    guarded(|| {
        let mut lib = state.lib()?;
        let s = inbox::State::parse(&entry_state)?;
        let tx = lib.write()?;
        inbox::set_state(&tx, &ids, s)?;
        tx.commit().map_err(clipdesk::Error::from)?;
        counts(&lib)
    })
}

/// Clips inbox entries on a worker thread; progress on `events` (as the clip dialog's).
#[tauri::command(async)]
pub fn clip_entries(state: State<'_, AppState>, ids: Vec<i64>, events: Channel<JobEvent>) -> Res<()> {
    guarded(|| {
        let path = state.path.clone();
        let total = ids.len();
        std::thread::spawn(move || {
            let send = |kind: &str, id: Option<i64>, error: Option<IpcError>, done: usize| {
                let _ = events.send(JobEvent { kind: kind.into(), url: None, id, error, done, total });
            };
            let result = guarded(|| {
                let mut lib = Library::open(&path)?;
                let fetcher = fetcher()?;
                for (i, entry) in ids.iter().enumerate() {
                    // The watches that matched it name the tags to give.
                    let tags = watch::tags_for_entry(lib.conn(), *entry)?;
                    match clipdesk::guard::catch(|| poll::clip_entry(&mut lib, &fetcher, *entry, None, &tags)) {
                        Ok(clip) => send("created", Some(clip), None, i + 1),
                        Err(e) => send("failed", Some(*entry), Some(e.into()), i + 1),
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                send("failed", None, Some(e), 0);
            }
            send("finished", None, None, total);
        });
        Ok(())
    })
}

#[tauri::command(async)]
pub fn watches(state: State<'_, AppState>) -> Res<Vec<WatchDto>> {
    guarded(|| {
        Ok(watch::list(state.lib()?.conn())?
            .into_iter()
            .map(|w| WatchDto {
                id: Some(w.id),
                name: w.name,
                query: w.query,
                fetch: w.fetch,
                clip: w.clip,
                alert: w.alert,
                tags: w.tags,
                matched: w.matched,
            })
            .collect())
    })
}

#[tauri::command(async)]
pub fn save_watch(state: State<'_, AppState>, watch: WatchDto) -> Res<i64> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        let id = watch::save(
            &tx,
            &watch::WatchSpec {
                name: watch.name,
                query: watch.query,
                fetch: watch.fetch,
                clip: watch.clip,
                alert: watch.alert,
                tags: watch.tags,
            },
        )?;
        tx.commit().map_err(clipdesk::Error::from)?;
        Ok(id)
    })
}

#[tauri::command(async)]
pub fn remove_watch(state: State<'_, AppState>, name: String) -> Res<()> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        watch::remove(&tx, &name)?;
        Ok(tx.commit().map_err(clipdesk::Error::from)?)
    })
}

/// The watch editor's live preview: what a query matches in the inbox now.
#[tauri::command(async)]
pub fn test_watch(state: State<'_, AppState>, query: String, limit: i64) -> Res<InboxPage> {
    guarded(|| {
        let lib = state.lib()?;
        let listing = watch::test(lib.conn(), &query, limit)?;
        Ok(InboxPage::new(listing, inbox::unread(lib.conn())?))
    })
}

#[tauri::command(async)]
pub fn alerts(state: State<'_, AppState>, unseen: bool) -> Res<Vec<AlertDto>> {
    guarded(|| Ok(watch::alerts(state.lib()?.conn(), unseen, 200)?.into_iter().map(AlertDto::from).collect()))
}

#[tauri::command(async)]
pub fn mark_alerts_seen(state: State<'_, AppState>, ids: Vec<i64>) -> Res<MonitorCounts> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        watch::mark_seen(&tx, &ids)?;
        tx.commit().map_err(clipdesk::Error::from)?;
        counts(&lib)
    })
}

/// Imports an OPML file the user picks (`CLIPDESK_IMPORT_FILE` in tests).
#[tauri::command(async)]
pub fn import_opml(app: AppHandle) -> Res<Option<SourcesDto>> {
    guarded(|| {
        let Some(path) = crate::files::ask_open(&app, "OPML", "opml")? else { return Ok(None) };
        let bytes =
            std::fs::read(&path).map_err(|e| IpcError::new("io", format!("cannot read {}: {e}", path.display())))?;
        let doc = opml::parse(&bytes).map_err(clipdesk::Error::from)?;
        let state = app.state::<AppState>();
        {
            let mut lib = state.lib()?;
            let tx = lib.write()?;
            sources::import_opml(&tx, &doc, chrono::Utc::now())?;
            tx.commit().map_err(clipdesk::Error::from)?;
        }
        sources(state).map(Some)
    })
}

/// Exports the sources as OPML to a file the user picks.
#[tauri::command(async)]
pub fn export_opml(app: AppHandle) -> Res<Option<String>> {
    guarded(|| {
        let Some(path) = crate::files::ask_save(&app, "Clipdesk sources.opml", "OPML", "opml")? else {
            return Ok(None);
        };
        let doc = sources::export_opml(app.state::<AppState>().lib()?.conn())?;
        std::fs::write(&path, opml::write(&doc))
            .map_err(|e| IpcError::new("io.write", format!("cannot write {}: {e}", path.display())))?;
        Ok(Some(path.display().to_string()))
    })
}

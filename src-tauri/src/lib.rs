//! Clipdesk's desktop shell: Tauri commands, each a few lines over the `clipdesk` core. Long work
//! (clipping a batch, retagging) runs on its own thread with its own connection to the library,
//! streams progress over a channel and can be cancelled.

pub mod capture;
pub mod dto;
mod files;
mod images;
pub mod monitor;
pub mod stories;
pub mod team;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use clipdesk::cite;
use clipdesk::digest::{self, build, export};
use clipdesk::search::{saved, Options, Sort};
use clipdesk::tags::taxonomy::{ActorType, TagRef};
use clipdesk::Library;
use dto::*;
use tauri::ipc::Channel;
use tauri::{Manager, State};

pub(crate) type Res<T> = Result<T, IpcError>;

/// The app's state: the library (one connection for the UI's requests) and running jobs.
pub struct AppState {
    library: Mutex<Library>,
    path: PathBuf,
    jobs: Mutex<HashMap<u64, Arc<AtomicBool>>>,
    next_job: AtomicU64,
    monitor: monitor::Monitor,
    /// A read-only connection that serves the library's images to the window (opened on first
    /// use; see `images.rs`).
    images: Mutex<Option<clipdesk::images::Reader>>,
    capture: capture::Capture,
    team: team::Team,
}

impl AppState {
    /// The UI's connection. A command that panicked while holding it poisoned the lock, but the
    /// library is whole (SQLite rolled the panicking command's transaction back), so the lock is
    /// taken back rather than every later command failing until a restart.
    pub(crate) fn lib(&self) -> Res<std::sync::MutexGuard<'_, Library>> {
        Ok(self.library.lock().unwrap_or_else(|poisoned| {
            self.library.clear_poison();
            poisoned.into_inner()
        }))
    }

    fn start_job(&self) -> (u64, Arc<AtomicBool>) {
        let id = self.next_job.fetch_add(1, Ordering::Relaxed);
        let flag = Arc::new(AtomicBool::new(false));
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.insert(id, Arc::clone(&flag));
        }
        (id, flag)
    }

    fn end_job(&self, id: u64) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.remove(&id);
        }
    }
}

/// Runs a command's body under the panic net: a panic answers `internal.panic` (with where it
/// happened) instead of an invoke that never returns, and the window goes on.
pub(crate) fn guarded<T>(f: impl FnOnce() -> Res<T>) -> Res<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|payload| {
        Err(IpcError::from(clipdesk::Error::Panic { message: clipdesk::guard::message(&*payload) }))
    })
}

fn tag_refs(list: &[String]) -> Res<Vec<TagRef>> {
    list.iter().map(|t| TagRef::parse(t).map_err(IpcError::from)).collect()
}

#[tauri::command(async)]
fn search(
    state: State<'_, AppState>,
    query: String,
    offset: i64,
    limit: i64,
    sort: String,
    facets: bool,
    collapse: bool,
) -> Res<SearchPage> {
    guarded(|| {
        let opts = Options { limit, offset, sort: Sort::parse(&sort)?, facets, facet_limit: 40, collapse };
        let result = state.lib()?.search(&query, opts)?;
        Ok(SearchPage {
            total: result.total,
            offset,
            rows: result.results.into_iter().map(ClipRow::from).collect(),
            facets: facets.then(|| result.facets.into()),
        })
    })
}

#[tauri::command(async)]
fn get_clip(state: State<'_, AppState>, id: i64) -> Res<ClipDetail> {
    guarded(|| {
        let lib = state.lib()?;
        let versions = clipdesk::versions::list(lib.conn(), id)?;
        let watched = clipdesk::monitor::pages::interval(lib.conn(), id)?;
        let mut detail = ClipDetail::new(lib.get(id)?, lib.highlights(id)?, versions, watched);
        detail.team = clipdesk::sync::clip_desk(lib.conn(), id)?.map(Into::into);
        Ok(detail)
    })
}

/// One version of a clip's article.
#[tauri::command(async)]
fn clip_version(state: State<'_, AppState>, id: i64, version: i64) -> Res<VersionDetail> {
    guarded(|| {
        let v = clipdesk::versions::get(state.lib()?.conn(), id, version)?;
        Ok(VersionDetail { version: v.version, title: v.title, html: v.html, created_at: v.created_at })
    })
}

/// How two versions of a clip's article differ.
#[tauri::command(async)]
fn clip_diff(state: State<'_, AppState>, id: i64, from: i64, to: i64) -> Res<DiffDto> {
    guarded(|| Ok(clipdesk::versions::diff(state.lib()?.conn(), id, from, to)?.into()))
}

/// Fetches a clip's page again; a new version if the article changed.
#[tauri::command(async)]
fn recapture_clip(state: State<'_, AppState>, id: i64) -> Res<RecaptureDto> {
    let path = state.path.clone();
    // The blocking HTTP client runs on a thread of its own, with its own connection.
    monitor::off_runtime(move || {
        let mut lib = Library::open(&path)?;
        let fetcher =
            clipdesk::fetch::Fetcher::new(Default::default()).map_err(|e| IpcError::from(clipdesk::Error::from(e)))?;
        let r = lib.recapture(&fetcher, &[id], &Default::default())?.into_iter().next();
        let r = r.ok_or_else(|| IpcError::new("not_found", format!("clip {id} not found")))?;
        Ok(RecaptureDto {
            status: r.status.into(),
            version: r.version,
            summary: r.change.as_ref().map(|c| c.describe()),
            error: r.error.map(|e| IpcError::new(&e.code, e.message)),
        })
    })
}

/// Watches a clip's page for edits (`every`: "3h", "1d"…; default 3 hours), or stops (`every`
/// null and `stop`).
#[tauri::command(async)]
fn watch_page(state: State<'_, AppState>, id: i64, every: Option<String>, stop: bool) -> Res<Option<i64>> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        let result = if stop {
            clipdesk::monitor::pages::remove(&tx, &[id])?;
            None
        } else {
            let interval = match every.as_deref().filter(|e| !e.trim().is_empty()) {
                Some(e) => clipdesk::monitor::pages::parse_duration(e)?,
                None => clipdesk::monitor::pages::DEFAULT_INTERVAL,
            };
            clipdesk::monitor::pages::add(&tx, &[id], interval, chrono::Utc::now())?;
            Some(interval)
        };
        tx.commit().map_err(|e| IpcError::from(clipdesk::Error::from(e)))?;
        Ok(result)
    })
}

/// Asks where to save, then writes the clip's evidence bundle there. The path, or `None` if the
/// user cancelled.
#[tauri::command(async)]
fn save_evidence(app: tauri::AppHandle, state: State<'_, AppState>, id: i64) -> Res<Option<String>> {
    guarded(|| {
        let name = format!("Clipdesk evidence {id} {}.zip", chrono::Local::now().format("%Y-%m-%d"));
        let Some(path) = files::ask_save(&app, &name, "Evidence bundle", "zip")? else {
            return Ok(None);
        };
        // Its own connection: the window's keeps answering while the bundle is written.
        let lib = Library::open(&state.path)?;
        let written = clipdesk::evidence::write(lib.conn(), id, &path)?;
        Ok(Some(written.path.display().to_string()))
    })
}

/// Clips URLs on a worker thread; progress arrives on `events`. Returns the job id (for
/// [`cancel_job`]).
#[tauri::command(async)]
fn clip_urls(
    state: State<'_, AppState>,
    urls: Vec<String>,
    tags: Vec<String>,
    desk: Option<String>,
    events: Channel<JobEvent>,
) -> Res<u64> {
    guarded(|| {
        let tags = tag_refs(&tags)?;
        let urls: Vec<String> = urls.into_iter().map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()).collect();
        let (job, cancelled) = state.start_job();
        let path = state.path.clone();
        let total = urls.len();
        std::thread::spawn(move || {
            let send = |kind: &str, url: Option<&str>, id: Option<i64>, error: Option<IpcError>, done: usize| {
                let _ =
                    events.send(JobEvent { kind: kind.into(), url: url.map(str::to_owned), id, error, done, total });
            };
            // Every URL runs under the panic net (a bug on one page fails that page with
            // `internal.panic` and the batch goes on), and the job always ends with "finished",
            // whatever happened, so the dialog never waits forever.
            let result = guarded(|| -> Res<()> {
                let mut lib = Library::open(&path)?;
                lib.set_desk(desk.as_deref().filter(|d| !d.trim().is_empty()))?;
                let fetcher = clipdesk::fetch::Fetcher::new(Default::default())
                    .map_err(|e| IpcError::from(clipdesk::Error::from(e)))?;
                for (i, url) in urls.iter().enumerate() {
                    if cancelled.load(Ordering::Relaxed) {
                        send("cancelled", None, None, None, i);
                        return Ok(());
                    }
                    send("started", Some(url), None, None, i);
                    let outcome =
                        clipdesk::guard::catch(|| match lib.find_by_url_keys(&clipdesk::clip::url_keys(url)?)? {
                            Some(id) => Ok(clipdesk::library::Stored::Duplicate(id)),
                            None => clipdesk::clip::fetch_and_prepare(&fetcher, url)
                                .and_then(|c| clipdesk::clip::store(&mut lib, &c, &tags)),
                        });
                    match outcome {
                        Ok(clipdesk::library::Stored::Created(id)) => send("created", Some(url), Some(id), None, i + 1),
                        Ok(clipdesk::library::Stored::Duplicate(id)) => {
                            send("duplicate", Some(url), Some(id), None, i + 1)
                        }
                        Err(e) => send("failed", Some(url), None, Some(e.into()), i + 1),
                    }
                }
                Ok(())
            });
            if let Err(e) = result {
                send("failed", None, None, Some(e), 0);
            }
            send("finished", None, None, None, total);
        });
        // The job's entry is removed when it is cancelled or the app ends; it costs a bool.
        let _ = job;
        Ok(job)
    })
}

#[tauri::command]
fn cancel_job(state: State<'_, AppState>, job: u64) -> Res<()> {
    if let Some(flag) = state.jobs.lock().ok().and_then(|j| j.get(&job).cloned()) {
        flag.store(true, Ordering::Relaxed);
    }
    state.end_job(job);
    Ok(())
}

#[tauri::command(async)]
fn suggestions(state: State<'_, AppState>, id: i64) -> Res<Vec<SuggestionDto>> {
    guarded(|| {
        Ok(state
            .lib()?
            .suggestions(id)?
            .into_iter()
            .map(|s| SuggestionDto {
                name: s.name,
                actor_type: s.actor_type.as_str().into(),
                mentions: s.mentions,
                known: s.known,
            })
            .collect())
    })
}

#[tauri::command(async)]
fn accept_suggestion(state: State<'_, AppState>, id: i64, name: String, actor_type: Option<String>) -> Res<()> {
    guarded(|| {
        let actor_type = actor_type.as_deref().map(ActorType::parse).transpose()?;
        state.lib()?.accept_suggestion(id, &name, actor_type)?;
        Ok(())
    })
}

#[tauri::command(async)]
fn dismiss_suggestion(state: State<'_, AppState>, name: String) -> Res<()> {
    guarded(|| Ok(state.lib()?.dismiss_suggestion(&name)?))
}

#[tauri::command(async)]
fn tag_clips(state: State<'_, AppState>, ids: Vec<i64>, add: Vec<String>, remove: Vec<String>) -> Res<TagChangeDto> {
    guarded(|| {
        let c = state.lib()?.tag_clips(&ids, &tag_refs(&add)?, &tag_refs(&remove)?)?;
        Ok(TagChangeDto { clips: c.clips, added: c.added, removed: c.removed })
    })
}

#[tauri::command(async)]
fn set_note(state: State<'_, AppState>, id: i64, note: String) -> Res<()> {
    guarded(|| Ok(state.lib()?.set_note(id, Some(&note))?))
}

#[tauri::command(async)]
fn add_highlight(state: State<'_, AppState>, id: i64, quote: String, note: Option<String>) -> Res<i64> {
    guarded(|| Ok(state.lib()?.add_highlight(id, &quote, None, note.as_deref())?))
}

#[tauri::command(async)]
fn remove_highlight(state: State<'_, AppState>, highlight: i64) -> Res<()> {
    guarded(|| Ok(state.lib()?.remove_highlight(highlight)?))
}

#[tauri::command(async)]
fn taxonomy(state: State<'_, AppState>) -> Res<Taxonomy> {
    guarded(|| {
        let lib = state.lib()?;
        Ok(Taxonomy {
            topics: lib
                .topics()?
                .into_iter()
                .map(|t| TopicDto {
                    id: t.id,
                    name: t.name,
                    path: t.path,
                    parent_id: t.parent_id,
                    rule: t.rule,
                    clips: t.clips,
                })
                .collect(),
            actors: lib
                .actors()?
                .into_iter()
                .map(|a| ActorDto {
                    id: a.id,
                    name: a.name,
                    actor_type: a.actor_type.map(|t| t.as_str().to_owned()),
                    description: a.description,
                    aliases: a.aliases,
                    clips: a.clips,
                })
                .collect(),
        })
    })
}

#[tauri::command(async)]
fn add_topic(state: State<'_, AppState>, path: String) -> Res<i64> {
    guarded(|| Ok(state.lib()?.add_topic(&path, None)?))
}

#[tauri::command(async)]
fn add_actor(state: State<'_, AppState>, name: String, actor_type: Option<String>, aliases: Vec<String>) -> Res<i64> {
    guarded(|| {
        let actor_type = actor_type.as_deref().map(ActorType::parse).transpose()?;
        Ok(state.lib()?.add_actor(&name, actor_type, &aliases, None)?)
    })
}

#[tauri::command(async)]
fn edit_aliases(state: State<'_, AppState>, actor: String, add: Vec<String>, remove: Vec<String>) -> Res<()> {
    guarded(|| {
        state.lib()?.edit_aliases(&actor, &add, &remove)?;
        Ok(())
    })
}

#[tauri::command(async)]
fn rename_tag(state: State<'_, AppState>, tag: String, new_name: String) -> Res<()> {
    guarded(|| Ok(state.lib()?.rename_tag(&TagRef::parse(&tag)?, &new_name)?))
}

#[tauri::command(async)]
fn move_topic(state: State<'_, AppState>, topic: String, new_parent: Option<String>) -> Res<()> {
    guarded(|| Ok(state.lib()?.move_topic(&topic, new_parent.as_deref())?))
}

#[tauri::command(async)]
fn merge_tags(state: State<'_, AppState>, from: String, into: String) -> Res<()> {
    guarded(|| Ok(state.lib()?.merge_tags(&TagRef::parse(&from)?, &TagRef::parse(&into)?)?))
}

#[tauri::command(async)]
fn delete_tag(state: State<'_, AppState>, tag: String) -> Res<()> {
    guarded(|| Ok(state.lib()?.delete_tag(&TagRef::parse(&tag)?)?))
}

#[tauri::command(async)]
fn preview_rule(state: State<'_, AppState>, topic: String, rule: String) -> Res<RulePreviewDto> {
    guarded(|| {
        let p = state.lib()?.preview_rule(&topic, &rule)?;
        Ok(RulePreviewDto { matching: p.matching, would_add: p.would_add })
    })
}

#[tauri::command(async)]
fn set_rule(state: State<'_, AppState>, topic: String, rule: Option<String>, apply: bool) -> Res<RulePreviewDto> {
    guarded(|| {
        let rule = rule.filter(|r| !r.trim().is_empty());
        let (p, added) = state.lib()?.set_rule(&topic, rule.as_deref(), apply)?;
        Ok(RulePreviewDto { matching: p.matching, would_add: if apply { added } else { p.would_add } })
    })
}

/// Re-applies automatic tagging to the whole library, with progress.
#[tauri::command(async)]
fn retag(state: State<'_, AppState>, events: Channel<JobEvent>) -> Res<()> {
    guarded(|| {
        let path = state.path.clone();
        let mut lib = Library::open(&path)?;
        let report = lib.retag(false, |done, total| {
            if done % 200 == 0 || done == total {
                let _ =
                    events.send(JobEvent { kind: "progress".into(), url: None, id: None, error: None, done, total });
            }
        })?;
        let _ = events.send(JobEvent {
            kind: "finished".into(),
            url: None,
            id: None,
            error: None,
            done: report.clips,
            total: report.clips,
        });
        Ok(())
    })
}

#[tauri::command(async)]
fn saved_searches(state: State<'_, AppState>) -> Res<Vec<SavedSearchDto>> {
    guarded(|| {
        let lib = state.lib()?;
        Ok(saved::list(lib.conn())?.into_iter().map(|s| SavedSearchDto { name: s.name, query: s.query }).collect())
    })
}

#[tauri::command(async)]
fn save_search(state: State<'_, AppState>, name: String, query: String) -> Res<()> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        saved::save(&tx, &name, &query)?;
        tx.commit().map_err(|e| IpcError::from(clipdesk::Error::from(e)))
    })
}

#[tauri::command(async)]
fn remove_saved_search(state: State<'_, AppState>, name: String) -> Res<()> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        saved::remove(&tx, &name)?;
        tx.commit().map_err(|e| IpcError::from(clipdesk::Error::from(e)))
    })
}

#[tauri::command(async)]
fn digests(state: State<'_, AppState>) -> Res<Vec<DigestSummary>> {
    guarded(|| {
        let lib = state.lib()?;
        Ok(digest::list(lib.conn())?
            .into_iter()
            .map(|(id, title, updated_at)| DigestSummary { id, title, updated_at })
            .collect())
    })
}

#[tauri::command(async)]
fn load_digest(state: State<'_, AppState>, id: i64) -> Res<DigestDto> {
    guarded(|| Ok(DigestDto::from_digest(digest::load(state.lib()?.conn(), id)?)))
}

#[tauri::command(async)]
fn save_digest(state: State<'_, AppState>, digest: DigestDto) -> Res<i64> {
    guarded(|| {
        let d = digest.into_digest()?;
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        let id = digest::save(&tx, &d)?;
        tx.commit().map_err(|e| IpcError::from(clipdesk::Error::from(e)))?;
        Ok(id)
    })
}

#[tauri::command(async)]
fn delete_digest(state: State<'_, AppState>, id: i64) -> Res<()> {
    guarded(|| {
        let mut lib = state.lib()?;
        let tx = lib.write()?;
        digest::delete(&tx, id)?;
        tx.commit().map_err(|e| IpcError::from(clipdesk::Error::from(e)))
    })
}

/// Builds a briefing from a (possibly unsaved) definition and typesets its first pages as SVG.
#[tauri::command(async)]
fn preview_briefing(state: State<'_, AppState>, digest: DigestDto, max_pages: usize) -> Res<BriefingPreview> {
    guarded(|| {
        let d = digest.into_digest()?;
        let briefing = build::build(state.lib()?.conn(), &d)?;
        let pages = export::pdf::preview(&briefing, max_pages.clamp(1, 50))?;
        Ok(BriefingPreview::new(&briefing, pages))
    })
}

/// Asks where to save (a native save dialog), then exports the briefing there. Returns the path,
/// or `None` when the user cancelled. End-to-end tests set `CLIPDESK_EXPORT_DIR`, which skips the
/// dialog: WebDriver cannot drive a native window.
#[tauri::command(async)]
fn export_briefing(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    digest: DigestDto,
    format: String,
) -> Res<Option<String>> {
    guarded(|| {
        let d = digest.into_digest()?;
        let (kind, ext) = match format.as_str() {
            "pdf" => ("PDF document", "pdf"),
            "md" => ("Markdown", "md"),
            "html" => ("Web page", "html"),
            "docx" => ("Word document", "docx"),
            "eml" => ("E-mail draft", "eml"),
            other => {
                return Err(IpcError::new(
                    "input.format",
                    format!("unknown format {other:?}: expected pdf, docx, eml, md or html"),
                ))
            }
        };
        let file_name = format!("{}.{ext}", export::file_stem(&d.title));
        let Some(path) = files::ask_save(&app, &file_name, kind, ext)? else {
            return Ok(None);
        };
        let briefing = build::build(state.lib()?.conn(), &d)?;
        let bytes = match ext {
            "pdf" => export::pdf::render(&briefing)?,
            "md" => export::markdown(&briefing).into_bytes(),
            "docx" => export::docx::render(&briefing)?,
            // A draft for the user's mail program, the PDF attached; the app sends nothing.
            "eml" => export::email::eml(&briefing, &export::pdf::render(&briefing)?, &Default::default())?,
            _ => export::html(&briefing).into_bytes(),
        };
        std::fs::write(&path, bytes)
            .map_err(|e| IpcError::new("io.write", format!("cannot write {}: {e}", path.display())))?;
        Ok(Some(path.display().to_string()))
    })
}

/// Clips per day or week for a few queries (the query language), within an optional period of
/// publication or clipping dates: the chart and its numbers.
#[tauri::command(async)]
fn trend(
    state: State<'_, AppState>,
    series: Vec<String>,
    by: String,
    on: String,
    from: Option<String>,
    to: Option<String>,
) -> Res<TrendView> {
    guarded(|| {
        let date = |d: Option<String>| -> Res<Option<chrono::NaiveDate>> {
            match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                None => Ok(None),
                Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| IpcError::new("input.date", format!("{d:?} is not a date written YYYY-MM-DD"))),
            }
        };
        let spec = clipdesk::trends::TrendSpec {
            series: series.iter().map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()).collect(),
            by: digest::parse_choice("trend interval", &by, "day, week")?,
            on: digest::parse_choice("date", &on, "published, clipped")?,
            from: date(from)?,
            to: date(to)?,
        };
        let t = clipdesk::trends::compute(state.lib()?.conn(), &spec)?;
        let svg = clipdesk::trends::svg(&t)?;
        Ok(TrendView::new(&t, svg))
    })
}

/// The clips cited in `format` (`apa`, `chicago`, `bibtex`, `ris` or `csl-json`): the text to copy
/// and, for the two styles, the reference as HTML (italics kept when pasted into a word processor).
#[tauri::command(async)]
fn cite(state: State<'_, AppState>, clip_ids: Vec<i64>, format: String) -> Res<CitationDto> {
    guarded(|| {
        let lib = state.lib()?;
        let format = cite::Format::parse(&format)?;
        let style = match format {
            cite::Format::Apa => Some(cite::CiteStyle::Apa),
            cite::Format::Chicago => Some(cite::CiteStyle::Chicago),
            _ => None,
        };
        let html = match style {
            Some(style) => {
                let refs = cite::references(lib.conn(), &clip_ids)?;
                let list: Vec<String> = cite::formatted(&refs, style)?.into_iter().map(|f| f.html).collect();
                Some(list.join("<br>"))
            }
            None => None,
        };
        Ok(CitationDto { text: cite::export(lib.conn(), &clip_ids, format)?, html })
    })
}

/// Copies the library to a file the user picks (SQLite online backup). `None` if cancelled.
#[tauri::command(async)]
fn backup_library(app: tauri::AppHandle) -> Res<Option<ArchiveReport>> {
    guarded(|| files::backup(&app))
}

/// Exports everything the library holds as JSON to a file the user picks.
#[tauri::command(async)]
fn export_library(app: tauri::AppHandle) -> Res<Option<ArchiveReport>> {
    guarded(|| files::export(&app))
}

/// Imports an export the user picks into this library, which must be empty.
#[tauri::command(async)]
fn import_library(app: tauri::AppHandle) -> Res<Option<ArchiveReport>> {
    guarded(|| files::import(&app))
}

/// Opens an article's link in the system browser (never in the app window); http(s) only.
#[tauri::command]
fn open_external(app: tauri::AppHandle, url: String) -> Res<()> {
    guarded(|| {
        use tauri_plugin_opener::OpenerExt;
        let parsed = url::Url::parse(&url).map_err(|_| IpcError::new("input.url", format!("not a link: {url:?}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(IpcError::new("input.url", format!("only http and https links open outside: {url:?}")));
        }
        app.opener()
            .open_url(parsed.as_str(), None::<&str>)
            .map_err(|e| IpcError::new("app.open", format!("cannot open {url}: {e}")))
    })
}

/// When the process started, for the start-up time the UI reports in [`ui_ready`].
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// The UI calls this once, when the first page of the library has painted. The time since start-up
/// goes to standard error and, when `CLIPDESK_READY_FILE` is set (the app benchmark), to that file.
#[tauri::command]
fn ui_ready() -> Res<()> {
    let ms = STARTED.get().map_or(0, |t| t.elapsed().as_millis());
    eprintln!("clipdesk: interactive {ms} ms after start");
    if let Some(path) = std::env::var_os("CLIPDESK_READY_FILE") {
        std::fs::write(&path, ms.to_string())
            .map_err(|e| IpcError::new("io.write", format!("cannot write the ready file: {e}")))?;
    }
    Ok(())
}

/// The library the app opens: `CLIPDESK_DB` if set (tests use a temporary one), else the same
/// file the CLI uses by default.
pub fn library_path() -> PathBuf {
    std::env::var_os("CLIPDESK_DB").map(PathBuf::from).unwrap_or_else(Library::default_path)
}

/// WebKitGTK's own memory levers, measured in the app bench (`docs/benchmarks.md`):
/// - the cache model: `document-viewer` (the default here: no page cache and the smallest memory
///   cache; this window shows one local page, it never navigates back and forth as a browser does),
///   or WebKit's own `web-browser` (`CLIPDESK_WEBKIT_CACHE_MODEL`);
/// - a memory limit for WebKit's network process (`CLIPDESK_WEBKIT_NETWORK_MEMORY_MB`; off by
///   default). The web process's settings can only be given when its context is created, which
///   Tauri does without them.
#[cfg(target_os = "linux")]
mod webkit_levers {
    pub fn before_windows() {
        let mb = std::env::var("CLIPDESK_WEBKIT_NETWORK_MEMORY_MB").ok().and_then(|v| v.parse::<u32>().ok());
        if let Some(mb) = mb.filter(|mb| *mb > 0) {
            let mut settings = webkit2gtk::MemoryPressureSettings::new();
            settings.set_memory_limit(mb);
            webkit2gtk::WebsiteDataManager::set_memory_pressure_settings(&mut settings);
        }
    }

    pub fn on_window(window: &tauri::WebviewWindow) {
        use webkit2gtk::{CacheModel, WebContextExt, WebViewExt};
        let model = match std::env::var("CLIPDESK_WEBKIT_CACHE_MODEL").as_deref() {
            Ok("web-browser") => CacheModel::WebBrowser,
            Ok("document-browser") => CacheModel::DocumentBrowser,
            _ => CacheModel::DocumentViewer,
        };
        let _ = window.with_webview(move |wv| {
            if let Some(ctx) = wv.inner().context() {
                ctx.set_cache_model(model);
            }
        });
    }
}

/// Runs the app.
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    #[cfg(target_os = "linux")]
    webkit_levers::before_windows();
    // End-to-end tests run the app as a separate profile: no single-instance lock, no remembered
    // window geometry, their own temporary library.
    let test_profile = std::env::var("CLIPDESK_PROFILE").is_ok_and(|p| p == "test");
    let path = library_path();
    let mut builder = tauri::Builder::default();
    if !test_profile {
        builder = builder
            .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
                if let Some(window) = app.get_webview_window("main") {
                    let _ = window.unminimize();
                    let _ = window.set_focus();
                }
            }))
            .plugin(tauri_plugin_window_state::Builder::default().build());
    }
    let result = builder
        // The library's images, for the reader: `clipdesk-img://localhost/<sha256>`.
        .register_asynchronous_uri_scheme_protocol(clipdesk::images::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            let path = request.uri().path().to_owned();
            std::thread::spawn(move || responder.respond(images::respond(&app, &path)));
        })
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .setup(move |app| {
            let library =
                Library::open(&path).map_err(|e| format!("cannot open the library {}: {e}", path.display()))?;
            app.manage(AppState {
                library: Mutex::new(library),
                path: path.clone(),
                jobs: Mutex::default(),
                next_job: AtomicU64::new(1),
                monitor: monitor::Monitor::default(),
                images: Mutex::new(None),
                capture: capture::Capture::default(),
                team: team::Team::default(),
            });
            files::install_menu(app)?;
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                webkit_levers::on_window(&window);
            }
            monitor::start_background(app.handle().clone());
            capture::start(app.handle(), test_profile);
            team::start_background(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            search,
            get_clip,
            clip_version,
            clip_diff,
            recapture_clip,
            watch_page,
            save_evidence,
            clip_urls,
            cancel_job,
            suggestions,
            accept_suggestion,
            dismiss_suggestion,
            tag_clips,
            set_note,
            add_highlight,
            remove_highlight,
            taxonomy,
            add_topic,
            add_actor,
            edit_aliases,
            rename_tag,
            move_topic,
            merge_tags,
            delete_tag,
            preview_rule,
            set_rule,
            retag,
            saved_searches,
            save_search,
            remove_saved_search,
            digests,
            load_digest,
            save_digest,
            delete_digest,
            cite,
            trend,
            preview_briefing,
            export_briefing,
            open_external,
            ui_ready,
            backup_library,
            export_library,
            import_library,
            monitor::sources,
            monitor::subscribe,
            monitor::remove_feed,
            monitor::move_feed,
            monitor::poll_now,
            monitor::monitor_events,
            monitor::monitor_counts,
            monitor::inbox_page,
            monitor::entry_detail,
            monitor::set_entries_state,
            monitor::clip_entries,
            monitor::watches,
            monitor::save_watch,
            monitor::remove_watch,
            monitor::test_watch,
            monitor::alerts,
            monitor::mark_alerts_seen,
            monitor::import_opml,
            monitor::export_opml,
            stories::get_story,
            stories::story_diff,
            stories::split_story,
            stories::merge_stories,
            capture::capture_events,
            capture::capture_info,
            capture::capture_rotate,
            team::sync_events,
            team::sync_status,
            team::sync_now,
            team::cancel_sync,
            team::sync_conflicts,
            team::resolve_conflict,
            team::clip_history,
            team::attach_remote,
            team::list_desks,
            team::create_desk,
            team::set_default_desk,
            team::add_desk_member,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        eprintln!("error[app.start]: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression: a command that panicked while holding the library poisoned its lock, and every
    /// later command answered `app.busy` until the app was restarted.
    #[test]
    fn a_panic_holding_the_library_does_not_lock_the_app_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("library.sqlite");
        let state = Arc::new(AppState {
            library: Mutex::new(Library::open(&path).expect("open")),
            path,
            jobs: Mutex::default(),
            next_job: AtomicU64::new(1),
            monitor: monitor::Monitor::default(),
            images: Mutex::new(None),
            capture: capture::Capture::default(),
            team: team::Team::default(),
        });
        let s = Arc::clone(&state);
        let r = guarded(move || -> Res<()> {
            let _lib = s.lib()?;
            panic!("a bug while holding the library");
        });
        assert_eq!(r.unwrap_err().code, "internal.panic");
        assert!(state.library.is_poisoned() || state.lib().is_ok());
        let lib = state.lib().expect("the library is usable after the panic");
        assert_eq!(lib.count().expect("count"), 0);
    }
}

//! Files the user picks (save and open dialogs, done in Rust so the page needs no dialog
//! permission), and the library's backup, full export and import, offered both in the window's
//! native menu and in the UI.

use std::path::PathBuf;

use clipdesk::Library;
use tauri::menu::{MenuBuilder, MenuEvent, MenuItemBuilder, PredefinedMenuItem, SubmenuBuilder};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::{DialogExt, MessageDialogKind};

use crate::dto::{ArchiveReport, IpcError};
use crate::AppState;

type Res<T> = Result<T, IpcError>;

/// Asks where to save `file_name`. End-to-end tests set `CLIPDESK_EXPORT_DIR`, which skips the
/// dialog (WebDriver cannot drive a native window). `None` when the user cancelled.
pub fn ask_save(app: &AppHandle, file_name: &str, kind: &str, ext: &str) -> Res<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("CLIPDESK_EXPORT_DIR") {
        return Ok(Some(PathBuf::from(dir).join(file_name)));
    }
    match app
        .dialog()
        .file()
        .set_file_name(file_name)
        .add_filter(kind, &[ext])
        .blocking_save_file()
        .map(|p| p.into_path())
    {
        None => Ok(None),
        Some(Ok(p)) => Ok(Some(p)),
        Some(Err(e)) => Err(IpcError::new("io.path", format!("cannot use the chosen file: {e}"))),
    }
}

pub fn ask_open(app: &AppHandle, kind: &str, ext: &str) -> Res<Option<PathBuf>> {
    if let Some(file) = std::env::var_os("CLIPDESK_IMPORT_FILE") {
        return Ok(Some(PathBuf::from(file)));
    }
    match app.dialog().file().add_filter(kind, &[ext]).blocking_pick_file().map(|p| p.into_path()) {
        None => Ok(None),
        Some(Ok(p)) => Ok(Some(p)),
        Some(Err(e)) => Err(IpcError::new("io.path", format!("cannot use the chosen file: {e}"))),
    }
}

fn today() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

fn report(r: clipdesk::archive::Report) -> ArchiveReport {
    ArchiveReport { path: r.path.display().to_string(), clips: r.clips, bytes: r.bytes }
}

/// Copies the library (SQLite online backup) to a file the user picks.
pub fn backup(app: &AppHandle) -> Res<Option<ArchiveReport>> {
    let Some(path) = ask_save(app, &format!("Clipdesk backup {}.sqlite", today()), "SQLite database", "sqlite")? else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    // Its own connection: the UI's keeps answering while the copy runs.
    let lib = Library::open(&state.path)?;
    // The dialog already asked before replacing an existing file.
    Ok(Some(report(clipdesk::archive::backup(lib.conn(), &path, true)?)))
}

/// Writes everything the library holds as one JSON document.
pub fn export(app: &AppHandle) -> Res<Option<ArchiveReport>> {
    let Some(path) = ask_save(app, &format!("Clipdesk export {}.json", today()), "Clipdesk export", "json")? else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    let lib = Library::open(&state.path)?;
    Ok(Some(report(clipdesk::archive::export(lib.conn(), &path)?)))
}

/// Loads an export into this library (which must be empty).
pub fn import(app: &AppHandle) -> Res<Option<ArchiveReport>> {
    let Some(path) = ask_open(app, "Clipdesk export", "json")? else {
        return Ok(None);
    };
    let state = app.state::<AppState>();
    let r = state.lib()?.import(&path)?;
    Ok(Some(report(r)))
}

/// The window's menu: the library's file operations, and quitting.
pub fn install_menu(app: &tauri::App) -> tauri::Result<()> {
    let file = SubmenuBuilder::new(app, "Library")
        .item(&MenuItemBuilder::with_id("backup", "Back Up Library…").build(app)?)
        .item(&MenuItemBuilder::with_id("export", "Export Everything as JSON…").build(app)?)
        .item(&MenuItemBuilder::with_id("import", "Import from an Export…").build(app)?)
        .separator()
        .item(&PredefinedMenuItem::quit(app, Some("Quit Clipdesk"))?)
        .build()?;
    let menu = MenuBuilder::new(app).item(&file).build()?;
    app.set_menu(menu)?;
    app.on_menu_event(on_menu);
    Ok(())
}

fn on_menu(app: &AppHandle, event: MenuEvent) {
    let id = event.id().as_ref().to_owned();
    let app = app.clone();
    // Dialogs block: run off the event loop.
    std::thread::spawn(move || {
        let (what, result) = match id.as_str() {
            "backup" => ("Backup", backup(&app)),
            "export" => ("Export", export(&app)),
            "import" => ("Import", import(&app)),
            _ => return,
        };
        let (kind, text) = match result {
            Ok(None) => return,
            Ok(Some(r)) => (
                MessageDialogKind::Info,
                format!("{what} done: {} clips, {} ({:.1} MB).", r.clips, r.path, r.bytes as f64 / 1e6),
            ),
            Err(e) => (MessageDialogKind::Error, format!("{what} failed: {}", e.message)),
        };
        if id == "import" {
            if let Some(w) = app.get_webview_window("main") {
                let _ = w.reload();
            }
        }
        app.dialog().message(text).kind(kind).title("Clipdesk").blocking_show();
    });
}

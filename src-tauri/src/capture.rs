//! The browser extension's endpoint, run by the app while it is open (the same server as
//! `clipdesk capture serve`, from `clipdesk::capture`), and the two commands of its settings
//! panel: the pairing code to show, and a new one.

use std::sync::Mutex;

use clipdesk::capture::pairing;
use clipdesk::capture::server::{Event, Listener, Options, Server};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{Manager, State};
use ts_rs::TS;

use crate::dto::IpcError;
use crate::{guarded, AppState, Res};

/// The endpoint while the app runs: the server (stopped when dropped) or why it could not start.
#[derive(Default)]
pub struct Capture {
    server: Mutex<Option<Server>>,
    error: Mutex<Option<IpcError>>,
    /// The window's channel for captures (registered by `capture_events`).
    channel: std::sync::Arc<Mutex<Option<Channel<CaptureEvent>>>>,
}

/// A capture the endpoint processed, for the window: it refreshes the list and says so.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CaptureEvent {
    pub url: String,
    /// `created`, `duplicate` or `failed`.
    pub status: String,
    pub id: Option<i64>,
    pub error: Option<IpcError>,
}

/// The settings panel's view of the endpoint.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CaptureInfo {
    /// Whether the endpoint listens.
    pub running: bool,
    pub port: Option<u16>,
    /// What to paste into the extension: `PORT-TOKEN`.
    pub pairing_code: String,
    /// The extension origins paired (`chrome-extension://…`, `moz-extension://…`).
    pub origins: Vec<String>,
    /// Why the endpoint is not running.
    pub error: Option<IpcError>,
}

pub fn export_bindings(cfg: &ts_rs::Config) -> Result<(), ts_rs::ExportError> {
    CaptureInfo::export_all(cfg)?;
    CaptureEvent::export_all(cfg)
}

/// Starts the endpoint for the app's library. End-to-end tests (the test profile) take any free
/// port, leaving the documented ones to a real app. Each capture is sent to the window's channel.
pub fn start(app: &tauri::AppHandle, test_profile: bool) {
    let state = app.state::<AppState>();
    let mut options = Options::for_library(state.path.clone());
    if test_profile {
        options.port = Some(0);
    }
    let capture = &state.capture;
    let channel = std::sync::Arc::clone(&capture.channel);
    let on_event: Listener = std::sync::Arc::new(move |event: &Event| {
        if let Event::Clipped { url, response } = event {
            let event = CaptureEvent {
                url: url.clone(),
                status: response.status.to_owned(),
                id: response.id,
                error: response
                    .error
                    .as_ref()
                    .map(|e| IpcError { code: e.code.to_owned(), message: e.message.clone() }),
            };
            if let Some(c) = channel.lock().ok().as_ref().and_then(|c| c.as_ref()) {
                let _ = c.send(event);
            }
        }
    });
    match Server::start(options, Some(on_event)) {
        Ok(server) => {
            if let Ok(mut s) = capture.server.lock() {
                *s = Some(server);
            }
        }
        Err(e) => {
            eprintln!("clipdesk: the capture endpoint did not start: error[{}]: {e}", e.code());
            if let Ok(mut slot) = capture.error.lock() {
                *slot = Some(e.into());
            }
        }
    }
}

fn info(state: &AppState, pairing: pairing::Pairing) -> CaptureInfo {
    let capture = &state.capture;
    let port = capture.server.lock().ok().and_then(|s| s.as_ref().map(Server::port));
    CaptureInfo {
        running: port.is_some(),
        port,
        pairing_code: pairing::Pairing { port: port.or(pairing.port), ..pairing.clone() }.code(),
        origins: pairing.origins,
        error: capture.error.lock().ok().and_then(|e| e.clone()),
    }
}

/// Registers the window for the endpoint's captures.
#[tauri::command(async)]
pub fn capture_events(state: State<'_, AppState>, events: Channel<CaptureEvent>) -> Res<()> {
    guarded(|| {
        if let Ok(mut c) = state.capture.channel.lock() {
            *c = Some(events);
        }
        Ok(())
    })
}

#[tauri::command(async)]
pub fn capture_info(state: State<'_, AppState>) -> Res<CaptureInfo> {
    guarded(|| {
        let pairing = pairing::load_or_create(&pairing::path_for(&state.path))?;
        Ok(info(&state, pairing))
    })
}

/// A new token: every paired extension must pair again.
#[tauri::command(async)]
pub fn capture_rotate(state: State<'_, AppState>) -> Res<CaptureInfo> {
    guarded(|| {
        let pairing = pairing::rotate(&pairing::path_for(&state.path))?;
        Ok(info(&state, pairing))
    })
}

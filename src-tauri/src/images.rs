//! The `clipdesk-img` scheme: the library's images, served to the window so the reader shows
//! them without asking the web for anything (the window's CSP allows no other images but `data:`
//! and its own). A request names an image by its SHA-256, `clipdesk-img://localhost/<sha256>`;
//! anything else is a 404. Reads go through a read-only connection of their own.

use tauri::http::{header, Response, StatusCode};
use tauri::{AppHandle, Manager};

use crate::AppState;

fn status(code: StatusCode) -> Response<Vec<u8>> {
    let mut r = Response::new(Vec::new());
    *r.status_mut() = code;
    r
}

/// The response for a request's path (`/<sha256>`).
pub fn respond(app: &AppHandle, path: &str) -> Response<Vec<u8>> {
    let sha = path.trim_start_matches('/');
    if !clipdesk::images::is_sha256(sha) {
        return status(StatusCode::NOT_FOUND);
    }
    let Some(state) = app.try_state::<AppState>() else { return status(StatusCode::SERVICE_UNAVAILABLE) };
    let found = {
        let mut reader = state.images.lock().unwrap_or_else(|p| p.into_inner());
        if reader.is_none() {
            match clipdesk::images::Reader::open(&state.path) {
                Ok(r) => *reader = Some(r),
                Err(e) => {
                    eprintln!("clipdesk: cannot open the library's images: error[{}]: {e}", e.code());
                    return status(StatusCode::INTERNAL_SERVER_ERROR);
                }
            }
        }
        reader.as_ref().map(|r| r.get(sha))
    };
    match found {
        Some(Ok(Some(image))) => Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, image.mime)
            // An image's name is its content: it never changes.
            .header(header::CACHE_CONTROL, "max-age=31536000, immutable")
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'")
            .body(image.data)
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR)),
        Some(Ok(None)) | None => status(StatusCode::NOT_FOUND),
        Some(Err(e)) => {
            eprintln!("clipdesk: cannot read image {sha}: error[{}]: {e}", e.code());
            status(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

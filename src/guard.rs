//! The net under work on one item: a panic while clipping one URL (or answering one command of the
//! app) becomes that item's [`Error::Panic`] (`internal.panic`), and the batch, the window and the
//! library go on. SQLite rolls back a transaction dropped while unwinding, so a panic never leaves
//! a half-written clip.
//!
//! The net hides nothing: the panic is still printed to standard error by the panic hook with its
//! location, the item is reported as failed with code `internal.panic`, and the tests that sweep
//! real pages (and the fuzz targets, which call the core without this net) fail on it.
//!
//! Tests inject a panic into the real pipeline with `CLIPDESK_FAULT_PANIC_URL`: a page whose URL
//! contains that text panics in [`crate::clip::prepare`], as a bug in extraction would.

use std::any::Any;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use crate::error::{Error, Result};

/// Runs `f`, turning a panic into [`Error::Panic`].
pub fn catch<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(Error::Panic { message: message(&*payload) }))
}

/// The text a panic was raised with.
pub fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// The environment variable of the fault injection.
pub const FAULT_PANIC_URL: &str = "CLIPDESK_FAULT_PANIC_URL";

/// Panics if the fault injection names this URL (tests only; unset, it costs one load).
pub fn inject_panic(url: &str) {
    static MARKER: OnceLock<Option<String>> = OnceLock::new();
    let marker = MARKER.get_or_init(|| std::env::var(FAULT_PANIC_URL).ok().filter(|m| !m.is_empty()));
    if let Some(m) = marker {
        if url.contains(m.as_str()) {
            panic!("injected by {FAULT_PANIC_URL} for {url}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error() {
        let r: Result<()> = catch(|| panic!("boom at {}", 3));
        let e = r.unwrap_err();
        assert_eq!(e.code(), "internal.panic");
        assert!(e.to_string().contains("boom at 3"), "{e}");
        assert_eq!(catch(|| Ok(5)).unwrap(), 5);
        let e = catch::<()>(|| Err(Error::NotFound { what: "clip", id: "7".into() })).unwrap_err();
        assert_eq!(e.code(), "not_found");
    }
}

//! Clipdesk's core: everything the desktop app and the `clipdesk` CLI share.
//!
//! The core is plain functions over plain data. It knows nothing of Tauri, of any GUI toolkit or of
//! the IPC JSON shapes; `src-tauri/` and `src/bin/clipdesk/` are thin layers over it.
//!
//! The flow of a clip: [`fetch`] gets the page (bounded, redirects recorded, charset decoded),
//! [`extract`] turns it into an article (clean text, sanitized HTML, metadata), [`library`] stores it
//! with its snapshot in one transaction. [`clip`] ties the three together, with [`images`] (an
//! article's images kept with it). [`versions`] re-captures a page and keeps each version of the
//! article; [`evidence`] writes and verifies a bundle of them. [`monitor`] follows sites through
//! their feeds and news sitemaps, and watches clipped pages for edits. [`digest`] turns clips into
//! briefings (PDF, Word, e-mail…), [`cite`] into citations, [`trends`] into counts over time.
//! with its snapshot in one transaction. [`clip`] ties the three together. [`monitor`] follows sites
//! through their feeds and news sitemaps.
//! [`sync`] shares desks of clips with a team through PostgreSQL, offline first.

// Text from pages and users is sliced only at offsets known to be character boundaries: a byte
// offset computed by hand panics on the first multi-byte character there. Exceptions carry an
// `#[allow]` with the reason, on the allow-list of `tests/it/tidy.rs`.
#![warn(clippy::string_slice)]

pub mod archive;
pub mod canon;
pub mod capture;
pub mod cite;
pub mod clip;
pub mod db;
pub mod digest;
pub mod error;
pub mod evidence;
pub mod extract;
pub mod fetch;
pub mod guard;
pub mod highlight;
pub mod images;
pub mod import;
pub mod library;
pub mod model;
pub mod monitor;
pub mod search;
pub mod stories;
pub mod sync;
pub mod tags;
pub mod text;
pub mod trends;
pub mod versions;

pub use error::{Error, Result};
pub use library::Library;

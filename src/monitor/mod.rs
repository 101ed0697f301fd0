//! Monitoring: sources watched by themselves. Feeds (RSS, Atom, JSON Feed) and news sitemaps,
//! found from a site or article URL, in a folder tree; polled politely (conditional GET, per-host
//! limits, adaptive intervals, backoff, `Retry-After`) and never dropped silently; an inbox of
//! what they publish, one entry per article across feeds; watches — standing queries in the one
//! query language — that clip, tag and alert.
//!
//! - `feed`, `sitemap`, `discover`, `opml`: documents in, plain data out (no database, no network);
//! - `schedule`: when to poll next (pure arithmetic);
//! - `sources`: sources and folders in the library, OPML import and export;
//! - `inbox`: entries, their de-duplication, triage states and retention;
//! - `watch`: watches, their matches and alerts;
//! - `poll`: the polling engine and subscribing.

pub mod discover;
pub mod feed;
pub mod inbox;
pub mod opml;
pub mod poll;
pub mod schedule;
pub mod sources;
pub mod watch;

//! Monitoring: sources watched by themselves. Feeds (RSS, Atom, JSON Feed) and news sitemaps,
//! found from a site or article URL, in a folder tree; polled politely (conditional GET, per-host
//! limits, adaptive intervals, backoff, `Retry-After`) and never dropped silently; an inbox of
//! what they publish, one entry per article across feeds; watches — standing queries in the one
//! query language — that clip, tag and alert.
//!
//! The pure half (no database, no network): [`feed::parse`] turns one fetched document into a
//! [`feed::ParsedFeed`] whose entries carry stable keys, plain-text titles and summaries and
//! sanitized HTML; [`sitemap`] reads (news) sitemaps and sitemap indexes for it; [`discover`] finds
//! the feeds an HTML page links to and the usual places to try; [`opml`] reads and writes
//! subscription lists; [`schedule`] is when to poll next.
//!
//! The library half: [`sources`] (sources and folders, OPML import and export), [`inbox`]
//! (entries, their de-duplication, triage states and retention), [`watch`] (watches, their matches
//! and alerts) and [`poll`] (the polling engine and subscribing); [`pages`] watches clipped
//! pages for edits (re-captured on a schedule, alerts of kind `edit`).

mod clean;
pub mod discover;
pub mod feed;
pub mod inbox;
pub mod opml;
pub mod pages;
pub mod poll;
mod repair;
pub mod schedule;
pub mod sitemap;
pub mod sources;
pub mod watch;
mod xml;

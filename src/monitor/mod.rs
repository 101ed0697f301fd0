//! Feed monitoring: following sites through their RSS, Atom and JSON feeds and their news sitemaps.
//!
//! This half is pure (no database, no network): [`feed::parse`] turns one fetched document into a
//! [`feed::ParsedFeed`] whose entries carry stable keys, plain-text titles and summaries and
//! sanitized HTML; [`sitemap`] reads (news) sitemaps and sitemap indexes for it; [`discover`] finds
//! the feeds an HTML page links to and the usual places to try; [`opml`] reads and writes
//! subscription lists.

mod clean;
pub mod discover;
pub mod feed;
pub mod opml;
mod repair;
pub mod sitemap;
mod xml;

//! STUB (replaced by the feed parser): the agreed types.
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Rss,
    Atom,
    Json,
    Sitemap,
    SitemapIndex,
}

impl FeedKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Rss => "rss",
            FeedKind::Atom => "atom",
            FeedKind::Json => "json",
            FeedKind::Sitemap => "sitemap",
            FeedKind::SitemapIndex => "sitemap_index",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ParsedFeed {
    pub title: Option<String>,
    pub link: Option<String>,
    pub subtitle: Option<String>,
    pub language: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    pub entries: Vec<ParsedEntry>,
    pub sitemaps: Vec<String>,
    pub kind: FeedKind,
}

#[derive(Debug, Clone, Default)]
pub struct ParsedEntry {
    pub key: String,
    pub guid: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    pub summary: Option<String>,
    pub content: Option<String>,
    pub tags: Vec<String>,
}

pub fn parse(_body: &[u8], _content_type: Option<&str>, url: &url::Url) -> Result<ParsedFeed, crate::Error> {
    Err(crate::Error::input("feed.parse", format!("stub: {url}")))
}

//! Sitemaps as feeds: Google News sitemaps, plain sitemaps and sitemap indexes.
//!
//! A news sitemap (`<urlset>` with `<news:news>` in its `<url>`s) is what news sites publish for
//! search engines, often where they have no feed: each URL is an entry with its title, publication
//! date, keywords (as tags), and the publication's name and language (the feed's title and
//! language). A plain `<urlset>` gives URLs and their `lastmod` (as `updated`). A
//! `<sitemapindex>` gives the URLs of other sitemaps in [`ParsedFeed::sitemaps`]. Gzipped
//! sitemaps are inflated by [`super::feed::parse`], which calls [`parse`] here.
//!
//! Elements are known by their local name and their parent's (`loc` in `url`, `title` in `news`),
//! so any prefix works and `<image:loc>` is not taken for the page's URL. Every entry's key is
//! `link:` and its URL; a URL listed twice is kept once.

use std::collections::HashSet;

use quick_xml::events::Event;
use url::Url;

use super::clean::{non_empty, plain_text, w3c_date, web_link};
use super::feed::{parse_error, FeedKind, ParsedEntry, ParsedFeed};
use super::xml::{local, push_text};
use crate::error::FeedError;

/// A `<url>` being read.
#[derive(Default)]
struct Pending {
    loc: String,
    lastmod: String,
    title: String,
    published: String,
    keywords: String,
}

/// Parses a sitemap or sitemap index already decoded to text, fetched from `url`.
pub fn parse(text: &str, url: &Url) -> Result<ParsedFeed, FeedError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().allow_dangling_amp = true;
    // Local names of the open elements.
    let mut path: Vec<String> = Vec::new();
    let mut kind = None;
    let mut current = Pending::default();
    let mut feed = ParsedFeed {
        title: None,
        link: None,
        subtitle: None,
        language: None,
        updated: None,
        entries: Vec::new(),
        sitemaps: Vec::new(),
        kind: FeedKind::Sitemap,
    };
    let mut publication = (String::new(), String::new());
    let mut seen = HashSet::new();
    loop {
        let event =
            reader.read_event().map_err(|e| parse_error(url, format!("{e} (at byte {})", reader.error_position())))?;
        match &event {
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if path.is_empty() {
                    kind = Some(if name == "sitemapindex" { FeedKind::SitemapIndex } else { FeedKind::Sitemap });
                }
                if name == "url" || name == "sitemap" {
                    current = Pending::default();
                }
                if name == "publication" {
                    publication = (String::new(), String::new());
                }
                path.push(name);
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { continue };
                let parent = path.last().map(String::as_str);
                match (name.as_str(), parent) {
                    ("url", _) if path.len() == 1 => {
                        if let Some(entry) = entry(std::mem::take(&mut current), url) {
                            if seen.insert(entry.key.clone()) {
                                feed.entries.push(entry);
                            }
                        }
                    }
                    ("sitemap", _) if path.len() == 1 => {
                        if let Some(loc) = web_link(url, &current.loc) {
                            if seen.insert(loc.clone()) {
                                feed.sitemaps.push(loc);
                            }
                        }
                    }
                    ("publication", _) => {
                        let (name, language) = std::mem::take(&mut publication);
                        if feed.title.is_none() {
                            feed.title = non_empty(plain_text(&name));
                        }
                        if feed.language.is_none() {
                            feed.language = non_empty(language.trim().to_owned());
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let n = path.len();
                let (Some(parent), Some(name)) = (n.checked_sub(2).and_then(|i| path.get(i)), path.last()) else {
                    continue;
                };
                let target = match (parent.as_str(), name.as_str()) {
                    ("url" | "sitemap", "loc") => &mut current.loc,
                    ("url" | "sitemap", "lastmod") => &mut current.lastmod,
                    ("news", "title") => &mut current.title,
                    ("news", "publication_date") => &mut current.published,
                    ("news", "keywords") => &mut current.keywords,
                    ("publication", "name") => &mut publication.0,
                    ("publication", "language") => &mut publication.1,
                    _ => continue,
                };
                push_text(target, &event);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    feed.kind = kind.unwrap_or(FeedKind::Sitemap);
    Ok(feed)
}

fn entry(u: Pending, base: &Url) -> Option<ParsedEntry> {
    let link = web_link(base, &u.loc)?;
    let mut tags: Vec<String> = Vec::new();
    for keyword in u.keywords.split(',').map(plain_text) {
        if !keyword.is_empty() && !tags.contains(&keyword) {
            tags.push(keyword);
        }
    }
    Some(ParsedEntry {
        key: format!("link:{link}"),
        guid: None,
        title: non_empty(plain_text(&u.title)),
        link: Some(link),
        published: w3c_date(&u.published),
        updated: w3c_date(&u.lastmod),
        authors: Vec::new(),
        summary: None,
        content: None,
        tags,
    })
}

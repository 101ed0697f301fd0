//! Parsing one fetched feed document: RSS 0.90–2.0, Atom 0.3 and 1.0, JSON Feed 1.0 and 1.1, and
//! (through [`super::sitemap`]) news sitemaps and sitemap indexes.
//!
//! [`parse`] undoes gzip (bounded), decodes the bytes (see `xml::decode`: byte order mark, then the
//! `Content-Type` charset, then the XML declaration), tells the document's kind from its first
//! element, and hands RSS and Atom (after `repair`) and JSON Feed (after its values are given the
//! types the spec says) to `feed-rs`. What comes back is cleaned for storage:
//!
//! - every entry has a stable `key`: `guid:` and the document's own guid or id, else `link:` and
//!   its absolute link, else `hash:` and the SHA-256 of its title and publication date. `feed-rs`
//!   makes up an id (a hash, or a random UUID) when an entry has none; that id is never used: its
//!   id generator is given one that returns nothing, so an empty id means the document had none.
//!   Within one document the first entry with a key wins; later entries with the same key are
//!   dropped.
//! - titles, authors, tags and summaries are plain text (tags stripped, entities decoded, white
//!   space collapsed); summaries are at most [`MAX_SUMMARY_CHARS`] characters, and come from the
//!   content when the entry has no summary. RSS text is read as HTML whatever the format says
//!   (titles with escaped markup are common); Atom and JSON Feed plain text keeps its `<`.
//! - `content` is the entry's full content (`content:encoded`, Atom `content`, `content_html` or
//!   `content_text`) as sanitized HTML, relative URLs resolved against its `xml:base`, else the
//!   entry's link, else the feed's URL; `None` when the document has none (an RSS `description`
//!   is the summary).
//! - links are absolute http(s) URLs; an RSS entry without a `<link>` whose guid is a permalink
//!   (an http(s) URL not marked `isPermaLink="false"`) has its guid as link.
//! - dates are UTC. RSS has no update date: `feed-rs` copies `published` into `updated`.
//! - entries without authors have the feed's (Atom's rule, applied to every format).

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use super::clean::{html_text, non_empty, plain_text, sanitized, text_to_html, web_link};
use super::xml::{self, GunzipError, Sniffed, MAX_DECOMPRESSED};
use super::{repair, sitemap};
use crate::error::FeedError;
use crate::text::truncate_chars;

/// The longest summary kept, in characters.
pub const MAX_SUMMARY_CHARS: usize = 1000;

/// One fetched feed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedFeed {
    pub title: Option<String>,
    /// The site's URL (not the feed's).
    pub link: Option<String>,
    pub subtitle: Option<String>,
    pub language: Option<String>,
    pub updated: Option<DateTime<Utc>>,
    pub entries: Vec<ParsedEntry>,
    /// For a sitemap index: the sitemaps it lists (absolute http(s) URLs, in order, once each).
    pub sitemaps: Vec<String>,
    pub kind: FeedKind,
}

/// The format of a feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedKind {
    /// RSS 0.90, 0.91, 0.92, 1.0 (RDF) or 2.0.
    Rss,
    /// Atom 0.3 or 1.0.
    Atom,
    /// JSON Feed 1.0 or 1.1.
    Json,
    /// A sitemap (`<urlset>`), Google News or plain.
    Sitemap,
    /// A sitemap index (`<sitemapindex>`): the URLs of other sitemaps.
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

/// One entry of a feed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ParsedEntry {
    /// Stable across fetches: `guid:…`, `link:…` or `hash:…` (see the module documentation).
    pub key: String,
    /// The entry's own guid or id, trimmed, if the document gives one.
    pub guid: Option<String>,
    pub title: Option<String>,
    pub link: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    pub authors: Vec<String>,
    /// Plain text, at most [`MAX_SUMMARY_CHARS`] characters.
    pub summary: Option<String>,
    /// Sanitized HTML.
    pub content: Option<String>,
    pub tags: Vec<String>,
}

/// Parses `body`, fetched from `url` with this `Content-Type`. An HTML page (or any other document
/// that is not a feed) is [`FeedError::NotAFeed`]: look for its feeds with
/// [`super::discover::feed_links`].
pub fn parse(body: &[u8], content_type: Option<&str>, url: &Url) -> Result<ParsedFeed, FeedError> {
    let body = xml::gunzip(body, MAX_DECOMPRESSED).map_err(|e| match e {
        GunzipError::TooLarge => FeedError::TooLarge { url: url.to_string(), limit: MAX_DECOMPRESSED },
        GunzipError::Corrupt(m) => parse_error(url, format!("corrupt gzip: {m}")),
    })?;
    let text = xml::decode(&body, content_type);
    match xml::sniff(&text).map_err(|m| parse_error(url, m))? {
        Sniffed::Json => parse_json(&text, url),
        Sniffed::Xml(root) => match root.local.as_str() {
            "urlset" | "sitemapindex" => sitemap::parse(&text, url),
            "rss" | "RDF" | "feed" | "entry" => parse_xml(&text, url),
            other => Err(not_a_feed(url, &format!("an XML document whose root element is <{other}>"))),
        },
        Sniffed::Html => Err(not_a_feed(url, "an HTML page")),
        Sniffed::Empty => Err(not_a_feed(url, "empty")),
        Sniffed::Text => Err(not_a_feed(url, "neither XML nor JSON")),
    }
}

pub(super) fn parse_error(url: &Url, message: impl Into<String>) -> FeedError {
    FeedError::Parse { url: url.to_string(), message: message.into() }
}

fn not_a_feed(url: &Url, found: &str) -> FeedError {
    FeedError::NotAFeed { url: url.to_string(), found: found.to_owned() }
}

/// What the document says that `feed-rs` does not keep.
#[derive(Default)]
struct Extra {
    not_permalinks: HashSet<String>,
    json: Option<JsonExtra>,
}

struct JsonExtra {
    home_page_url: Option<String>,
    /// Per item, in order: `url`, then `external_url`.
    item_urls: Vec<Vec<String>>,
}

fn parse_xml(text: &str, url: &Url) -> Result<ParsedFeed, FeedError> {
    let repaired = repair::repair(text).map_err(|m| parse_error(url, m))?;
    let feed = run_feed_rs(repaired.text.as_bytes(), url)?;
    Ok(convert(feed, url, &Extra { not_permalinks: repaired.not_permalinks, json: None }))
}

fn run_feed_rs(bytes: &[u8], url: &Url) -> Result<feed_rs::model::Feed, FeedError> {
    feed_rs::parser::Builder::new()
        .base_uri(Some(url.as_str()))
        // An id made up by feed-rs would not be stable: an empty one says "none in the document".
        .id_generator(|_, _, _| String::new())
        .sanitize_content(false)
        .build()
        .parse(bytes)
        .map_err(|e| parse_error(url, e.to_string()))
}

fn parse_json(text: &str, url: &Url) -> Result<ParsedFeed, FeedError> {
    let text = text.trim_start_matches('\u{feff}');
    let mut value: Value = serde_json::from_str(text).map_err(|e| parse_error(url, e.to_string()))?;
    let Some(feed) = value.as_object_mut() else {
        return Err(not_a_feed(url, "JSON that is not a JSON Feed"));
    };
    let version = feed.get("version").and_then(Value::as_str).unwrap_or_default();
    if !version.contains("jsonfeed.org/version/") && !feed.get("items").is_some_and(Value::is_array) {
        return Err(not_a_feed(url, "JSON that is not a JSON Feed"));
    }
    normalize_json(feed);
    let home_page_url = feed.get("home_page_url").and_then(Value::as_str).map(str::to_owned);
    let item_urls = feed
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|item| {
                    ["url", "external_url"]
                        .iter()
                        .filter_map(|k| item.get(k).and_then(Value::as_str).map(str::to_owned))
                        .collect()
                })
                .collect()
        })
        .unwrap_or_default();
    let bytes = serde_json::to_vec(&value).map_err(|e| parse_error(url, e.to_string()))?;
    let feed = run_feed_rs(&bytes, url)?;
    Ok(convert(
        feed,
        url,
        &Extra { not_permalinks: HashSet::new(), json: Some(JsonExtra { home_page_url, item_urls }) },
    ))
}

/// Gives a JSON Feed the shape `feed-rs` deserializes (one value of a wrong type would fail the
/// whole feed): numeric ids become strings, values of other wrong types are removed, author names
/// are made safe for `feed-rs` (see `repair::pad_emails`).
fn normalize_json(feed: &mut Map<String, Value>) {
    let version = feed.get("version").and_then(Value::as_str).unwrap_or_default();
    if !version.starts_with("https://jsonfeed.org/version/1") {
        feed.insert("version".into(), Value::String("https://jsonfeed.org/version/1.1".into()));
    }
    if !feed.get("title").is_some_and(Value::is_string) {
        feed.insert("title".into(), Value::String(String::new()));
    }
    keep_strings(feed, &["home_page_url", "feed_url", "language", "description", "icon", "favicon"]);
    normalize_authors(feed);
    let items = match feed.remove("items") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let items: Vec<Value> = items
        .into_iter()
        .filter_map(|item| match item {
            Value::Object(mut item) => {
                match item.get("id") {
                    Some(Value::Number(n)) => {
                        let id = n.to_string();
                        item.insert("id".into(), Value::String(id));
                    }
                    Some(Value::String(_)) | None => {}
                    Some(_) => {
                        item.remove("id");
                    }
                }
                keep_strings(
                    &mut item,
                    &[
                        "url",
                        "external_url",
                        "title",
                        "content_html",
                        "content_text",
                        "summary",
                        "date_published",
                        "date_modified",
                    ],
                );
                normalize_authors(&mut item);
                if let Some(Value::Array(tags)) = item.remove("tags") {
                    let tags: Vec<Value> = tags.into_iter().filter(Value::is_string).collect();
                    item.insert("tags".into(), Value::Array(tags));
                }
                // Not used, and a missing `mime_type` would fail the feed.
                item.remove("attachments");
                Some(Value::Object(item))
            }
            _ => None,
        })
        .collect();
    feed.insert("items".into(), Value::Array(items));
}

fn keep_strings(object: &mut Map<String, Value>, keys: &[&str]) {
    for key in keys {
        if object.get(*key).is_some_and(|v| !v.is_string() && !v.is_null()) {
            object.remove(*key);
        }
    }
}

fn normalize_authors(object: &mut Map<String, Value>) {
    let fix = |author: Value| -> Option<Value> {
        let Value::Object(mut author) = author else { return None };
        keep_strings(&mut author, &["name", "url", "avatar"]);
        if let Some(Value::String(name)) = author.get("name") {
            let padded = repair::pad_emails(name);
            author.insert("name".into(), Value::String(padded));
        }
        Some(Value::Object(author))
    };
    if let Some(author) = object.remove("author") {
        if let Some(author) = fix(author) {
            object.insert("author".into(), author);
        }
    }
    if let Some(Value::Array(authors)) = object.remove("authors") {
        object.insert("authors".into(), Value::Array(authors.into_iter().filter_map(fix).collect()));
    }
}

fn convert(feed: feed_rs::model::Feed, url: &Url, extra: &Extra) -> ParsedFeed {
    use feed_rs::model::FeedType;
    let kind = match feed.feed_type {
        FeedType::Atom => FeedKind::Atom,
        FeedType::JSON => FeedKind::Json,
        FeedType::RSS0 | FeedType::RSS1 | FeedType::RSS2 => FeedKind::Rss,
    };
    // RSS says nothing reliable about markup in its text.
    let markup = kind == FeedKind::Rss;
    let link = match &extra.json {
        Some(json) => json.home_page_url.as_deref().and_then(|h| web_link(url, h)),
        None => best_link(&feed.links, url),
    };
    let feed_authors = authors(&feed.authors, markup);
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(feed.entries.len());
    for (i, entry) in feed.entries.iter().enumerate() {
        let json_urls = extra.json.as_ref().map(|j| j.item_urls.get(i).map(Vec::as_slice).unwrap_or_default());
        let mut parsed = convert_entry(entry, url, kind, json_urls, &extra.not_permalinks);
        if parsed.authors.is_empty() {
            parsed.authors = feed_authors.clone();
        }
        if seen.insert(parsed.key.clone()) {
            entries.push(parsed);
        }
    }
    ParsedFeed {
        title: feed.title.as_ref().and_then(|t| text(t, markup)),
        link,
        subtitle: feed.description.as_ref().and_then(|t| text(t, markup)),
        language: feed.language.as_deref().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned),
        updated: feed.updated.or(feed.published),
        entries,
        sitemaps: Vec::new(),
        kind,
    }
}

fn convert_entry(
    entry: &feed_rs::model::Entry,
    url: &Url,
    kind: FeedKind,
    json_urls: Option<&[String]>,
    not_permalinks: &HashSet<String>,
) -> ParsedEntry {
    let markup = kind == FeedKind::Rss;
    let guid = non_empty(crate::text::strip_controls(entry.id.trim()).into_owned());
    let mut link = match json_urls {
        Some(urls) => urls.iter().find_map(|u| web_link(url, u)),
        None => best_link(&entry.links, url),
    };
    if link.is_none() && kind == FeedKind::Rss {
        link = guid.as_deref().filter(|g| !not_permalinks.contains(*g)).and_then(absolute_web_url);
    }
    let title = entry.title.as_ref().and_then(|t| text(t, markup));
    let base = content_base(entry, link.as_deref(), url);
    let content = entry.content.as_ref().and_then(|c| content_html(c, &base));
    let summary = entry
        .summary
        .as_ref()
        .and_then(|t| text(t, markup))
        .or_else(|| content.as_deref().map(html_text).and_then(non_empty))
        .map(|s| truncate_chars(&s, MAX_SUMMARY_CHARS));
    let mut tags = Vec::new();
    for category in &entry.categories {
        let label = category.label.as_deref().filter(|l| !l.trim().is_empty()).unwrap_or(&category.term);
        let tag = if markup { html_text(label) } else { plain_text(label) };
        if !tag.is_empty() && !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    let key = match (&guid, &link) {
        (Some(guid), _) => format!("guid:{guid}"),
        (None, Some(link)) => format!("link:{link}"),
        (None, None) => format!("hash:{}", content_hash(title.as_deref(), entry.published, summary.as_deref())),
    };
    ParsedEntry {
        key,
        guid,
        title,
        link,
        published: entry.published,
        updated: entry.updated,
        authors: authors(&entry.authors, markup),
        summary,
        content,
        tags,
    }
}

/// The SHA-256 (hex) of the title and the publication date (RFC 3339), a line apart. An entry with
/// neither is told apart by its summary.
fn content_hash(title: Option<&str>, published: Option<DateTime<Utc>>, summary: Option<&str>) -> String {
    let published = published.map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true)).unwrap_or_default();
    let mut input = format!("{}\n{published}", title.unwrap_or_default());
    if title.is_none() && published.is_empty() {
        input.push('\n');
        input.push_str(summary.unwrap_or_default());
    }
    format!("{:x}", Sha256::digest(input.as_bytes()))
}

/// The text of a feed text construct on one line (see the module documentation).
fn text(t: &feed_rs::model::Text, markup: bool) -> Option<String> {
    let plain = t.content_type.essence().to_string().eq_ignore_ascii_case("text/plain");
    non_empty(if plain && !markup { plain_text(&t.content) } else { html_text(&t.content) })
}

/// The page a list of links points to: the first `alternate` (or untyped RSS) link, an HTML one
/// first.
fn best_link(links: &[feed_rs::model::Link], base: &Url) -> Option<String> {
    let alternates: Vec<&feed_rs::model::Link> = links
        .iter()
        .filter(|l| l.target.is_none())
        .filter(|l| l.rel.as_deref().is_none_or(|r| r.trim().eq_ignore_ascii_case("alternate")))
        .collect();
    let html =
        |l: &feed_rs::model::Link| l.media_type.as_deref().is_none_or(|t| t.to_ascii_lowercase().contains("html"));
    alternates
        .iter()
        .copied()
        .filter(|l| html(l))
        .chain(alternates.iter().copied())
        .find_map(|l| web_link(base, &l.href))
}

/// `s` if it is an absolute http(s) URL.
fn absolute_web_url(s: &str) -> Option<String> {
    Url::parse(s.trim()).ok().filter(|u| matches!(u.scheme(), "http" | "https")).map(String::from)
}

/// The URL relative links of an entry's content resolve against: its `xml:base`, else the entry's
/// link (the content is usually the article page's), else the feed's URL.
fn content_base(entry: &feed_rs::model::Entry, link: Option<&str>, url: &Url) -> Url {
    let from_content =
        entry.content.as_ref().filter(|c| c.body.is_some()).and_then(|c| c.src.as_ref()).map(|l| l.href.as_str());
    // feed-rs gives content:encoded the base in scope, which is the feed's URL when the document
    // sets none: then the entry's link is the better guess.
    let from_content = from_content.filter(|b| *b != url.as_str());
    from_content
        .or(entry.base.as_deref())
        .or(link)
        .and_then(|b| url.join(b.trim()).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| url.clone())
}

fn content_html(content: &feed_rs::model::Content, base: &Url) -> Option<String> {
    let body = content.body.as_deref()?;
    let essence = content.content_type.essence().to_string().to_ascii_lowercase();
    match essence.as_str() {
        // feed-rs calls Atom's inline XHTML `application/xhtml`.
        "text/html" | "application/xhtml" | "application/xhtml+xml" | "text/xml" | "application/xml" => {
            sanitized(body, base)
        }
        t if t.starts_with("text/") => sanitized(&text_to_html(body), base),
        _ => None,
    }
}

/// Author names, once each: a person's name, else their e-mail address. RSS's `email (Name)`
/// form gives the name without its parentheses.
fn authors(people: &[feed_rs::model::Person], markup: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for person in people {
        let name = person.name.as_deref().map(|n| if markup { html_text(n) } else { plain_text(n) });
        let name = name.map(|n| match n.strip_prefix('(').and_then(|n| n.strip_suffix(')')) {
            Some(inner) => inner.trim().to_owned(),
            None => n,
        });
        let name = name.filter(|n| !n.is_empty()).or_else(|| person.email.as_deref().map(plain_text));
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            if !out.contains(&name) {
                out.push(name);
            }
        }
    }
    out
}

#[cfg(test)]
pub(super) mod tests {
    use std::path::PathBuf;

    use super::*;

    const NOFOLLOW: &str = "rel=\"noopener noreferrer nofollow\"";

    pub(crate) fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/feeds")
    }

    pub(crate) fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(fixtures().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    fn date(rfc3339: &str) -> Option<DateTime<Utc>> {
        Some(DateTime::parse_from_rfc3339(rfc3339).unwrap().with_timezone(&Utc))
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    /// An entry with only its key; the expectations fill in the rest.
    fn entry(key: &str) -> ParsedEntry {
        ParsedEntry {
            key: key.into(),
            guid: None,
            title: None,
            link: None,
            published: None,
            updated: None,
            authors: Vec::new(),
            summary: None,
            content: None,
            tags: Vec::new(),
        }
    }

    fn feed(kind: FeedKind, entries: Vec<ParsedEntry>) -> ParsedFeed {
        ParsedFeed {
            title: None,
            link: None,
            subtitle: None,
            language: None,
            updated: None,
            entries,
            sitemaps: Vec::new(),
            kind,
        }
    }

    /// Parses the fixture `name` as fetched from `url` and compares every field with `expected`.
    fn check(name: &str, content_type: Option<&str>, url: &str, expected: ParsedFeed) {
        let url = Url::parse(url).unwrap();
        let got = parse(&fixture(name), content_type, &url).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (i, (g, e)) in got.entries.iter().zip(&expected.entries).enumerate() {
            assert_eq!(g, e, "{name}: entry {i}");
        }
        assert_eq!(got.entries.len(), expected.entries.len(), "{name}: entries {:#?}", got.entries);
        assert_eq!(got, expected, "{name}");
    }

    #[test]
    fn rss_091() {
        check(
            "rss091.xml",
            Some("text/xml"),
            "http://writetheweb.com/rss.xml",
            ParsedFeed {
                title: s("WriteTheWeb"),
                link: s("http://writetheweb.com/"),
                subtitle: s("News for web users that write back"),
                language: s("en-us"),
                ..feed(
                    FeedKind::Rss,
                    vec![
                        ParsedEntry {
                            title: s("Giving the world a pluggable Gnutella"),
                            link: s("http://writetheweb.com/read.php?item=24"),
                            summary: s("WorldOS is a framework on which to build programs that work like Freenet or \
                                        Gnutella -allowing distributed applications using peer-to-peer routing."),
                            ..entry("link:http://writetheweb.com/read.php?item=24")
                        },
                        ParsedEntry {
                            // An entity of the DTD, and a Latin-1 byte.
                            title: s("Syndication discussions hot up at the Café Zürich"),
                            link: s("http://writetheweb.com/read.php?item=23"),
                            summary: s("After a period of dormancy, the Syndication mailing list has become active \
                                        again, with contributions from leaders in traditional media and Web \
                                        syndication."),
                            ..entry("link:http://writetheweb.com/read.php?item=23")
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn rss_090() {
        check(
            "rss090.xml",
            None,
            "http://www.mozilla.org/news.rdf",
            ParsedFeed {
                title: s("Mozilla Dot Org"),
                link: s("http://www.mozilla.org/"),
                subtitle: s("the Mozilla Organization web site"),
                ..feed(
                    FeedKind::Rss,
                    vec![
                        ParsedEntry {
                            title: s("New Status Updates"),
                            link: s("http://www.mozilla.org/status/"),
                            ..entry("link:http://www.mozilla.org/status/")
                        },
                        ParsedEntry {
                            title: s("Bugzilla Reorganized"),
                            link: s("http://www.mozilla.org/bugs/"),
                            ..entry("link:http://www.mozilla.org/bugs/")
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn rss_10() {
        let first = "https://xml.example.com/pub/2000/08/09/xslt/xslt.html";
        let second = "https://xml.example.com/pub/2000/08/09/rdfdb/index.html";
        check(
            "rss10-rdf.xml",
            Some("application/rdf+xml"),
            "https://xml.example.com/news.rss",
            ParsedFeed {
                title: s("XML.com"),
                link: s("https://xml.example.com/pub"),
                subtitle: s("XML.com features a rich mix of information and services for the XML community."),
                language: s("en-gb"),
                updated: date("2024-03-05T08:30:00Z"),
                ..feed(
                    FeedKind::Rss,
                    vec![
                        ParsedEntry {
                            title: s("Processing Inclusions with XSLT"),
                            link: s(first),
                            published: date("2024-03-04T18:00:00Z"),
                            authors: strings(&["Eric van der Vlist"]),
                            summary: s("Processing document inclusions with general XML tools can be problematic. \
                                        This article proposes a way of preserving inclusion information through \
                                        SAX-based processing."),
                            content: s("<p>Processing document <em>inclusions</em> with general XML tools.</p>\
                                        <p><img src=\"https://xml.example.com/images/fig1.png\" alt=\"Figure 1\"></p>"),
                            ..entry(&format!("link:{first}"))
                        },
                        ParsedEntry {
                            title: s("Putting RDF to Work"),
                            link: s(second),
                            authors: strings(&["Edd Dumbill"]),
                            summary: s("Tool and API support for the Resource Description Framework is slowly \
                                        coming of age. Edd Dumbill takes a look at RDFDB, one of the most exciting \
                                        new RDF toolkits."),
                            ..entry(&format!("link:{second}"))
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn rss_20() {
        let geneva = "https://ledger.example.com/world/2024/03/05/geneva-talks/";
        let markup = "https://ledger.example.com/world/2024/03/03/markup/";
        check(
            "rss20.xml",
            Some("application/rss+xml; charset=UTF-8"),
            "https://ledger.example.com/world/feed/",
            ParsedFeed {
                title: s("The Kyiv Ledger — World & Politics"),
                link: s("https://ledger.example.com/world/"),
                subtitle: s("Reporting from Kyiv & beyond"),
                language: s("uk"),
                updated: date("2024-03-05T08:15:00Z"),
                ..feed(
                    FeedKind::Rss,
                    vec![
                        ParsedEntry {
                            guid: s("ledger-28391"),
                            title: s("Talks in Geneva end without agreement"),
                            link: s(geneva),
                            published: date("2024-03-05T07:00:00Z"),
                            updated: date("2024-03-05T07:00:00Z"),
                            authors: strings(&["Olena Kovalenko", "John Smith"]),
                            summary: s("Delegations left Geneva on Tuesday…"),
                            content: s(&format!(
                                "<p>Delegations left <a href=\"https://ledger.example.com/world/geneva\" {NOFOLLOW}>\
                                 Geneva</a> on Tuesday.</p>\n<p>Second paragraph.<img src=\"{geneva}img/photo.jpg\" \
                                 alt=\"Photo\"></p>"
                            )),
                            tags: strings(&["Diplomacy", "Switzerland"]),
                            ..entry("guid:ledger-28391")
                        },
                        ParsedEntry {
                            guid: s("https://ledger.example.com/?p=28377"),
                            title: s("Ціни на пальне зросли на 3%"),
                            link: s("https://ledger.example.com/world/2024/03/04/fuel-prices/"),
                            published: date("2024-03-04T18:30:00Z"),
                            updated: date("2024-03-04T18:30:00Z"),
                            authors: strings(&["Newsroom Desk"]),
                            summary: s("Fuel prices rose by 3% & diesel by 5%."),
                            ..entry("guid:https://ledger.example.com/?p=28377")
                        },
                        ParsedEntry {
                            guid: s(markup),
                            title: s("Escaped markup in a title"),
                            // No <link>: the guid is a permalink.
                            link: s(markup),
                            published: date("2024-03-03T07:05:00Z"),
                            updated: date("2024-03-03T07:05:00Z"),
                            summary: s("Short."),
                            ..entry(&format!("guid:{markup}"))
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn atom_03() {
        check(
            "atom03.xml",
            Some("application/atom+xml"),
            "http://diveintomark.org/atom.xml",
            ParsedFeed {
                title: s("dive into mark"),
                link: s("http://diveintomark.org/"),
                subtitle: s("A lot of effort went into making this effortless"),
                language: s("en"),
                updated: date("2003-12-13T18:30:02Z"),
                ..feed(
                    FeedKind::Atom,
                    vec![
                        ParsedEntry {
                            guid: s("tag:diveintomark.org,2003:3.2397"),
                            title: s("Atom 0.3 snapshot"),
                            link: s("http://diveintomark.org/2003/12/13/atom03"),
                            published: date("2003-12-13T12:29:29Z"),
                            updated: date("2003-12-13T18:30:02Z"),
                            authors: strings(&["Mark Pilgrim"]),
                            summary: s("This is a test"),
                            content: s(&format!(
                                "<p>Some <a href=\"http://diveintomark.org/about\" {NOFOLLOW}>text</a>.</p>"
                            )),
                            ..entry("guid:tag:diveintomark.org,2003:3.2397")
                        },
                        ParsedEntry {
                            guid: s("tag:diveintomark.org,2003:3.2396"),
                            title: s("Second & last"),
                            link: s("http://diveintomark.org/2003/12/10/second"),
                            published: date("2003-12-10T10:00:00Z"),
                            updated: date("2003-12-10T10:00:00Z"),
                            authors: strings(&["Guest Writer"]),
                            summary: s("Inline XHTML content"),
                            content: s("<p>Inline <b>XHTML</b> content</p>"),
                            ..entry("guid:tag:diveintomark.org,2003:3.2396")
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn atom_10() {
        let id = "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a";
        check(
            "atom10.xml",
            Some("application/atom+xml"),
            "https://blog.example.org/feed.atom",
            ParsedFeed {
                title: s("Le Monde & la Politique"),
                link: s("https://blog.example.org/"),
                subtitle: s("Analyses quotidiennes"),
                language: s("fr"),
                updated: date("2024-03-05T11:00:00Z"),
                ..feed(
                    FeedKind::Atom,
                    vec![
                        ParsedEntry {
                            guid: s(id),
                            title: s("L’Europe & l’énergie"),
                            link: s("https://blog.example.org/2024/03/05/energie"),
                            published: date("2024-03-05T08:00:00Z"),
                            updated: date("2024-03-05T10:30:00Z"),
                            authors: strings(&["Marie Dupont", "jean@example.org"]),
                            summary: s("Une analyse des prix <et> des marchés."),
                            content: s(&format!(
                                "<p>Le <a href=\"https://blog.example.org/2024/03/05/energie#prix\" {NOFOLLOW}>prix</a> \
                                 du gaz…</p><p><img src=\"https://blog.example.org/2024/03/05/graph.png\" \
                                 alt=\"Graphique\"></p>"
                            )),
                            tags: strings(&["Énergie", "europe"]),
                            ..entry(&format!("guid:{id}"))
                        },
                        ParsedEntry {
                            guid: s("tag:blog.example.org,2024:2"),
                            title: s("Sans auteur"),
                            link: s("https://blog.example.org/2024/03/04/sans-auteur"),
                            updated: date("2024-03-04T08:00:00Z"),
                            // The feed's author.
                            authors: strings(&["Rédaction"]),
                            summary: s("Texte court."),
                            content: s("<p>Texte court.</p>"),
                            ..entry("guid:tag:blog.example.org,2024:2")
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn json_feed() {
        let first = "https://json.example.com/2024/03/05/first";
        check(
            "feed.json",
            Some("application/feed+json"),
            "https://json.example.com/feed.json",
            ParsedFeed {
                title: s("Daring Example"),
                link: s("https://json.example.com/"),
                subtitle: s("Notes & links"),
                language: s("en-GB"),
                ..feed(
                    FeedKind::Json,
                    vec![
                        ParsedEntry {
                            guid: s(first),
                            title: s("First & foremost"),
                            link: s(first),
                            published: date("2024-03-05T15:00:00Z"),
                            updated: date("2024-03-05T17:00:00Z"),
                            authors: strings(&["Bob Writer"]),
                            summary: s("A summary."),
                            content: s(&format!(
                                "<p>Hello <a href=\"https://json.example.com/about\" {NOFOLLOW}>world</a>.</p>"
                            )),
                            tags: strings(&["Politics", "Europe"]),
                            ..entry(&format!("guid:{first}"))
                        },
                        ParsedEntry {
                            // A numeric id, as some generators write.
                            guid: s("1234"),
                            link: s("https://elsewhere.example.org/story"),
                            published: date("2024-03-04T08:00:00Z"),
                            authors: strings(&["Ann Author"]),
                            summary: s("Plain text with a <tag>. Second paragraph."),
                            content: s("<p>Plain text with a &lt;tag&gt;.</p><p>Second paragraph.</p>"),
                            ..entry("guid:1234")
                        },
                        ParsedEntry {
                            title: s("No id here"),
                            link: s("https://json.example.com/relative/third"),
                            authors: strings(&["Ann Author"]),
                            summary: s("Third"),
                            content: s("<p>Third</p>"),
                            ..entry("link:https://json.example.com/relative/third")
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn legacy_encodings() {
        let article = "https://novosti.example.ru/2024/03/05/soveshchanie.html";
        check(
            "rss-windows1251.xml",
            Some("application/rss+xml"),
            "https://novosti.example.ru/rss",
            ParsedFeed {
                title: s("Новости России"),
                link: s("https://novosti.example.ru/"),
                subtitle: s("Главные новости дня"),
                language: s("ru"),
                ..feed(
                    FeedKind::Rss,
                    vec![ParsedEntry {
                        guid: s(article),
                        title: s("Президент провёл совещание с правительством"),
                        link: s(article),
                        published: date("2024-03-05T09:00:00Z"),
                        updated: date("2024-03-05T09:00:00Z"),
                        summary: s("Обсуждались вопросы экономики — «бюджет» и налоги."),
                        tags: strings(&["Политика"]),
                        ..entry(&format!("guid:{article}"))
                    }],
                )
            },
        );
        // Declared ISO-8859-1 (in the document and by the server), really UTF-8.
        for content_type in [None, Some("text/xml; charset=ISO-8859-1")] {
            check(
                "rss-latin1-declared-utf8.xml",
                content_type,
                "https://zeitung.example.de/feed",
                ParsedFeed {
                    title: s("Zeitung für Übersee"),
                    link: s("https://zeitung.example.de/"),
                    subtitle: s("Nachrichten – „aktuell“"),
                    ..feed(
                        FeedKind::Rss,
                        vec![ParsedEntry {
                            title: s("Grüße aus München"),
                            link: s("https://zeitung.example.de/2024/gruesse"),
                            summary: s("Straße, Maß und Öl: 5 €"),
                            ..entry("link:https://zeitung.example.de/2024/gruesse")
                        }],
                    )
                },
            );
        }
    }

    #[test]
    fn header_charset_wins_over_the_declaration() {
        let body = encoding_rs::WINDOWS_1251
            .encode(
                "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Заголовок</title>\
                 </channel></rss>",
            )
            .0
            .into_owned();
        let url = Url::parse("https://example.ru/rss").unwrap();
        let got = parse(&body, Some("application/rss+xml; charset=windows-1251"), &url).unwrap();
        assert_eq!(got.title.as_deref(), Some("Заголовок"));
        // Without the header, the declaration is believed.
        let got = parse(&body, None, &url).unwrap();
        assert_eq!(got.title.as_deref(), Some("Çàãîëîâîê"));
    }

    #[test]
    fn stable_keys_without_guids() {
        check(
            "rss-no-guids.xml",
            None,
            "https://noguid.example.com/feed",
            ParsedFeed {
                title: s("No guids here"),
                link: s("https://noguid.example.com/"),
                subtitle: s("A feed whose items have no guid"),
                ..feed(
                    FeedKind::Rss,
                    vec![
                        ParsedEntry {
                            title: s("Linked story"),
                            link: s("https://noguid.example.com/stories/1"),
                            published: date("2024-03-05T12:00:00Z"),
                            updated: date("2024-03-05T12:00:00Z"),
                            ..entry("link:https://noguid.example.com/stories/1")
                        },
                        ParsedEntry {
                            title: s("Unlinked story"),
                            published: date("2024-03-05T13:00:00Z"),
                            updated: date("2024-03-05T13:00:00Z"),
                            summary: s("Only a title and a date identify this one."),
                            // SHA-256 of "Unlinked story\n2024-03-05T13:00:00Z".
                            ..entry("hash:e8ae4036de059b11b93d4e2e8e8c144f4aa70af8aa493d22662d1ff7bffb0ab1")
                        },
                        ParsedEntry {
                            summary: s("Neither a title nor a date."),
                            // SHA-256 of "\n\nNeither a title nor a date.".
                            ..entry("hash:8566c1eac03307a54cd798ed7665ad818fd96d33fb0a6b34cf9c69e95f6404e7")
                        },
                        ParsedEntry {
                            title: s("Empty guid"),
                            link: s("https://noguid.example.com/stories/4"),
                            ..entry("link:https://noguid.example.com/stories/4")
                        },
                    ],
                )
            },
        );
        // The keys do not change from one parse to the next (feed-rs would invent random ids).
        let url = Url::parse("https://noguid.example.com/feed").unwrap();
        let keys = |f: ParsedFeed| f.entries.into_iter().map(|e| e.key).collect::<Vec<_>>();
        let once = keys(parse(&fixture("rss-no-guids.xml"), None, &url).unwrap());
        let again = keys(parse(&fixture("rss-no-guids.xml"), None, &url).unwrap());
        assert_eq!(once, again);
    }

    #[test]
    fn duplicate_guids_keep_the_first() {
        check(
            "rss-duplicate-guids.xml",
            None,
            "https://dup.example.com/feed",
            ParsedFeed {
                title: s("Duplicates"),
                link: s("https://dup.example.com/"),
                subtitle: s("A feed that lists one story twice"),
                ..feed(
                    FeedKind::Rss,
                    vec![
                        ParsedEntry {
                            guid: s("story-1"),
                            title: s("First version"),
                            link: s("https://dup.example.com/a"),
                            ..entry("guid:story-1")
                        },
                        ParsedEntry {
                            guid: s("story-2"),
                            title: s("Another story"),
                            link: s("https://dup.example.com/b"),
                            ..entry("guid:story-2")
                        },
                    ],
                )
            },
        );
    }

    #[test]
    fn news_sitemaps() {
        let summit = "https://news.example.com/politics/2024/03/05/summit.html";
        let zurich = "https://news.example.com/world/2024/03/05/z%C3%BCrich.html";
        let expected = ParsedFeed {
            title: s("The Example Times"),
            language: s("en"),
            ..feed(
                FeedKind::Sitemap,
                vec![
                    ParsedEntry {
                        title: s("Leaders meet at summit & agree on trade"),
                        link: s(summit),
                        published: date("2024-03-05T08:30:00Z"),
                        updated: date("2024-03-05T10:00:00Z"),
                        tags: strings(&["summit", "trade", "Europe"]),
                        ..entry(&format!("link:{summit}"))
                    },
                    ParsedEntry {
                        title: s("Zürich votes on “new” tax"),
                        link: s(zurich),
                        published: date("2024-03-05T00:00:00Z"),
                        ..entry(&format!("link:{zurich}"))
                    },
                ],
            )
        };
        let url = "https://news.example.com/sitemap-news.xml";
        check("news-sitemap.xml", Some("application/xml"), url, expected.clone());
        check("news-sitemap.xml.gz", Some("application/x-gzip"), url, expected);
    }

    #[test]
    fn plain_sitemaps() {
        let catalog = "https://www.example.com/catalog?item=12&desc=vacation_hawaii";
        check(
            "sitemap.xml",
            None,
            "https://www.example.com/sitemap.xml",
            feed(
                FeedKind::Sitemap,
                vec![
                    ParsedEntry {
                        link: s("https://www.example.com/"),
                        updated: date("2024-03-01T00:00:00Z"),
                        ..entry("link:https://www.example.com/")
                    },
                    ParsedEntry {
                        link: s(catalog),
                        updated: date("2024-02-28T18:20:30Z"),
                        ..entry(&format!("link:{catalog}"))
                    },
                    ParsedEntry {
                        link: s("https://www.example.com/about"),
                        ..entry("link:https://www.example.com/about")
                    },
                ],
            ),
        );
        check(
            "sitemap-index.xml",
            None,
            "https://news.example.com/sitemap-index.xml",
            ParsedFeed {
                sitemaps: strings(&[
                    "https://news.example.com/sitemap-news.xml",
                    "https://news.example.com/sitemap-2024-03.xml.gz",
                ]),
                ..feed(FeedKind::SitemapIndex, Vec::new())
            },
        );
    }

    #[test]
    fn kinds_by_name() {
        for (kind, name) in [
            (FeedKind::Rss, "rss"),
            (FeedKind::Atom, "atom"),
            (FeedKind::Json, "json"),
            (FeedKind::Sitemap, "sitemap"),
            (FeedKind::SitemapIndex, "sitemap_index"),
        ] {
            assert_eq!(kind.as_str(), name);
            assert_eq!(serde_json::to_value(kind).unwrap(), Value::String(name.into()));
        }
    }

    fn check_error(body: &[u8], code: &str, message_part: &str) {
        let url = Url::parse("https://example.com/feed").unwrap();
        match parse(body, None, &url) {
            Ok(feed) => panic!("{:?} parsed: {feed:?}", String::from_utf8_lossy(body)),
            Err(e) => {
                assert_eq!(e.code(), code, "{:?}: {e}", String::from_utf8_lossy(body));
                assert!(e.to_string().contains(message_part), "{e} lacks {message_part:?}");
                assert_eq!(crate::Error::from(e).code(), code);
            }
        }
    }

    #[test]
    fn errors() {
        check_error(&fixture("page-with-feeds.html"), "feed.not_a_feed", "an HTML page");
        check_error(b"<html><body><p>Hello</p></body></html>", "feed.not_a_feed", "an HTML page");
        check_error(b"<p>Hello <b>world</p>", "feed.not_a_feed", "root element is <p>");
        check_error(b"plain text", "feed.not_a_feed", "neither XML nor JSON");
        check_error(b"   ", "feed.not_a_feed", "empty");
        check_error(&fixture("feedly.opml"), "feed.not_a_feed", "<opml>");
        check_error(b"{\"data\": [1, 2]}", "feed.not_a_feed", "not a JSON Feed");
        check_error(b"<rss version=\"2.0\"><channel><title>x</channel></rss>", "feed.parse", "title");
        check_error(b"<rss version=\"2.0\"><item></item></rss>", "feed.parse", "no root element");
        check_error(b"<feed><entry><title>x</entry></feed>", "feed.parse", "https://example.com/feed");
        check_error(b"{\"version\": \"https://jsonfeed.org/version/1.1\", \"items\": [", "feed.parse", "EOF");
        check_error(b"\x1f\x8b\x08\x00garbage", "feed.parse", "gzip");
    }

    #[test]
    fn gzip_bombs_are_refused() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"<urlset>").unwrap();
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..51 {
            gz.write_all(&chunk).unwrap();
        }
        gz.write_all(b"</urlset>").unwrap();
        let bomb = gz.finish().unwrap();
        assert!(bomb.len() < 1_000_000, "{}", bomb.len());
        check_error(&bomb, "feed.too_large", "52428800 byte limit");
    }

    #[test]
    fn lenient_with_common_mistakes() {
        let url = Url::parse("https://example.com/feed").unwrap();
        let parsed = |body: &str| parse(body.as_bytes(), None, &url).unwrap_or_else(|e| panic!("{body}: {e}"));
        // A bare ampersand; no version attribute.
        let feed = parsed("<rss><channel><title>AT&T & co</title><item><title>x</title></item></channel></rss>");
        assert_eq!(feed.title.as_deref(), Some("AT&T & co"));
        assert_eq!(feed.entries.len(), 1);
        // HTML entities XML does not define.
        let feed = parsed("<rss version=\"2.0\"><channel><title>caf&eacute;&nbsp;bar</title></channel></rss>");
        assert_eq!(feed.title.as_deref(), Some("café bar"));
        // A MIME type on an Atom title, a JSON Feed item of the wrong type.
        let feed = parsed("<feed xmlns=\"http://www.w3.org/2005/Atom\"><title type=\"text/plain\">T</title></feed>");
        assert_eq!(feed.title.as_deref(), Some("T"));
        let feed =
            parsed("{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [3, {\"id\": \"a\", \"tags\": 5}]}");
        assert_eq!((feed.title, feed.entries.len(), feed.entries[0].key.as_str()), (None, 1, "guid:a"));
    }

    /// Inputs that made feed-rs 3.0 panic before `repair` (it slices next to an e-mail address and
    /// unwraps digit parsing).
    #[test]
    fn feed_rs_panics_are_defused() {
        let url = Url::parse("https://example.com/feed").unwrap();
        for body in [
            "<rss version=\"2.0\"><channel><item><title>t</title><dc:creator xmlns:dc=\"http://purl.org/dc/elements/1.1/\">Иван«ivan@example.com»</dc:creator></item></channel></rss>",
            "<rss version=\"2.0\"><channel><item><title>t</title><author>Name\u{a0}name@example.com</author></item></channel></rss>",
            "<rss version=\"2.0\"><channel><managingEditor>ed@example.com—Редактор с длинным именем</managingEditor></channel></rss>",
            "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><item><title>t</title><itunes:duration>٣:٠٠:٠٠</itunes:duration></item></channel></rss>",
            "<rss version=\"2.0\" xmlns:itunes=\"http://www.itunes.com/dtds/podcast-1.0.dtd\"><channel><item><title>t</title><itunes:duration>99999999999999999999999</itunes:duration></item></channel></rss>",
            "<rss version=\"2.0\" xmlns:media=\"http://search.yahoo.com/mrss/\"><channel><item><title>t</title><media:text start=\"1:00:00.١\">x</media:text><media:thumbnail url=\"https://e.com/a.jpg\" time=\"99999999999999999999:00:00\"/></item></channel></rss>",
            "{\"version\": \"https://jsonfeed.org/version/1.1\", \"title\": \"t\", \"items\": [{\"id\": \"1\", \"authors\": [{\"name\": \"Иван«ivan@example.com»\"}]}]}",
        ] {
            let feed = parse(body.as_bytes(), None, &url).unwrap_or_else(|e| panic!("{body}: {e}"));
            assert!(feed.entries.len() <= 1, "{body}");
        }
        let feed = parse(
            "<rss version=\"2.0\"><channel><item><title>t</title><author>Иван Петров（ivan@mail.ru）</author></item></channel></rss>"
                .as_bytes(),
            None,
            &url,
        )
        .unwrap();
        assert_eq!(feed.entries[0].authors, strings(&["Иван Петров（"]));
    }

    /// Deterministic pseudo-random numbers (xorshift64*), so a failure can be replayed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }
    }

    /// Every fixture cut at every 97th byte, and with random bytes changed, parses or fails: it never
    /// panics.
    #[test]
    fn any_bytes_never_panic() {
        let url = Url::parse("https://example.com/feed/").unwrap();
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let mut names: Vec<_> = std::fs::read_dir(fixtures()).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        for path in names {
            let bytes = std::fs::read(&path).unwrap();
            let mut inputs: Vec<Vec<u8>> = (0..bytes.len()).step_by(97).map(|n| bytes[..n].to_vec()).collect();
            for _ in 0..150 {
                let mut flipped = bytes.clone();
                for _ in 0..1 + rng.next() % 4 {
                    let at = (rng.next() % flipped.len() as u64) as usize;
                    flipped[at] = match rng.next() % 4 {
                        0 => b"<>&\"';:/@"[(rng.next() % 9) as usize],
                        1 => 0xC0 | (rng.next() % 0x20) as u8,
                        _ => rng.next() as u8,
                    };
                }
                inputs.push(flipped);
            }
            for input in inputs {
                let result = std::panic::catch_unwind(|| {
                    let _ = parse(&input, None, &url);
                    let _ = parse(&input, Some("text/xml; charset=windows-1251"), &url);
                });
                assert!(result.is_ok(), "{} panicked on {:?}", path.display(), String::from_utf8_lossy(&input));
            }
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let url = Url::parse("https://example.com/feed").unwrap();
        let deep = format!("<rss version=\"2.0\"><channel>{}</channel></rss>", "<x>".repeat(100_000));
        assert!(parse(deep.as_bytes(), None, &url).is_err());
        let deep_html = format!(
            "<rss version=\"2.0\"><channel><item><title>t</title><description>{}</description></item></channel></rss>",
            "&lt;div&gt;".repeat(50_000)
        );
        let feed = parse(deep_html.as_bytes(), None, &url).unwrap();
        assert_eq!(feed.entries[0].summary, None);
        let deep_json = format!("{{\"version\": \"https://jsonfeed.org/version/1\", \"items\": {}", "[".repeat(10_000));
        assert!(parse(deep_json.as_bytes(), None, &url).is_err());
    }
}

//! Clipping: from a URL (or a saved page) to a stored clip.
//!
//! [`prepare`] is the pure half — fetched page in, [`NewClip`] out — so a batch can run it on many
//! threads; [`store`] is the write, done by one thread. A failure at any step returns a coded error
//! and writes nothing.

use url::Url;

use crate::canon::{canonicalize, parse_web_url};
use crate::error::{Error, Result};
use crate::extract::{self, EXTRACTOR_VERSION};
use crate::fetch::{Fetcher, Kind, Page};
use crate::library::{Library, NewClip, NewSnapshot, Stored};
use crate::tags::taxonomy::TagRef;

/// The canonical keys under which a URL given by the user may already be in the library.
pub fn url_keys(url: &str) -> Result<Vec<String>> {
    let parsed = parse_web_url(url)?;
    Ok(vec![canonicalize(&parsed).to_string()])
}

/// Fetches and extracts `url` and fetches its images (see [`crate::images`]); nothing is written.
pub fn fetch_and_prepare(fetcher: &Fetcher, url: &str) -> Result<NewClip> {
    fetch_and_prepare_with(fetcher, url, Some(&crate::images::Limits::default()))
}

/// Fetches and extracts `url`, and its images within `images` (none when `None`: the stored HTML
/// then shows none); nothing is written.
pub fn fetch_and_prepare_with(fetcher: &Fetcher, url: &str, images: Option<&crate::images::Limits>) -> Result<NewClip> {
    let page = fetcher.fetch(url)?;
    let mut clip = prepare(&page)?;
    if let Some(limits) = images {
        crate::images::fetch_into(fetcher, &page.final_url, &mut clip.images, limits, &Default::default());
        clip.article.html = clip.stored_html();
    }
    Ok(clip)
}

/// Turns a fetched page into a clip ready to store.
pub fn prepare(page: &Page) -> Result<NewClip> {
    crate::guard::inject_panic(page.final_url.as_str());
    let (text, encoding) = page.decode_text();
    let article = match page.kind {
        Kind::Html => extract::extract(&text, &page.final_url)?,
        Kind::Text => extract::from_plain_text(&text, &page.final_url)?,
    };
    Ok(with_article(page, article, encoding))
}

/// Turns a page into a clip whose text is the analyst's selection ("clip selection only", for a
/// page whose article the extractor cannot find); the metadata is the page's.
pub fn prepare_selection(page: &Page, selection: &str) -> Result<NewClip> {
    crate::guard::inject_panic(page.final_url.as_str());
    let (text, encoding) = page.decode_text();
    let article = extract::from_selection(&text, selection, &page.final_url)?;
    Ok(with_article(page, article, encoding))
}

/// A clip of `page` with its article extracted: URL keys, canonical URL, snapshot.
fn with_article(page: &Page, article: extract::Article, encoding: &'static encoding_rs::Encoding) -> NewClip {
    let given = canonicalize(&page.requested_url);
    let final_ = canonicalize(&page.final_url);
    // The page's own canonical link is trusted only on the same site: a page cannot claim to be
    // another site's article and so shadow it as a "duplicate".
    let declared = article.canonical_url.as_ref().filter(|c| same_site(c, &page.final_url)).map(canonicalize);
    let canonical = declared.clone().unwrap_or_else(|| final_.clone());
    let mut url_keys: Vec<String> =
        [Some(given), Some(final_), declared].into_iter().flatten().map(|u| u.to_string()).collect();
    url_keys.dedup();
    let images = crate::images::candidates(&article.html, article.lead_image.as_ref());
    NewClip {
        url: page.requested_url.to_string(),
        canonical_url: canonical.to_string(),
        url_keys,
        snapshot: NewSnapshot {
            requested_url: page.requested_url.to_string(),
            final_url: page.final_url.to_string(),
            redirects: page.redirects.clone(),
            http_status: page.http_status,
            content_type: page.content_type.clone(),
            charset: Some(encoding.name().to_owned()),
            fetched_at: page.fetched_at,
            body: page.body.clone(),
            extractor_version: EXTRACTOR_VERSION.to_owned(),
            source: None,
            headers: (!page.headers.is_empty() || page.http_status.is_some()).then(|| page.headers.clone()),
        },
        article,
        images,
    }
}

/// Whether two URLs belong to one site: the same registrable domain by the public suffix list
/// (`bbc.co.uk`, `someone.github.io`), so `a.co.uk` cannot claim to be `b.co.uk`'s article.
/// Hosts without a registrable domain (IP addresses, `localhost`) must be equal.
pub fn same_site(a: &Url, b: &Url) -> bool {
    fn site(u: &Url) -> Option<String> {
        let host = u.host_str()?.trim_end_matches('.').to_ascii_lowercase();
        if !matches!(u.host(), Some(url::Host::Domain(_))) {
            return Some(host);
        }
        // Unlisted suffixes follow the list's default rule (the last label is the suffix).
        Some(psl::domain(host.as_bytes()).map_or(host.clone(), |d| String::from_utf8_lossy(d.as_bytes()).into_owned()))
    }
    site(a).is_some_and(|s| Some(s) == site(b))
}

/// A page saved to disk (`clipdesk clip --html FILE --url URL`): the bytes as they are, the URL it
/// came from.
pub fn saved_page(bytes: Vec<u8>, url: &str) -> Result<Page> {
    let url = parse_web_url(url)?;
    // The same bound as a fetched page after decompression.
    let limit = crate::fetch::Limits::default().max_decoded;
    if bytes.len() as u64 > limit {
        return Err(crate::Error::input(
            "input.too_large",
            format!("the saved page is {} MB; pages over {} MB are not articles", bytes.len() >> 20, limit >> 20),
        ));
    }
    Ok(Page {
        requested_url: url.clone(),
        final_url: url,
        redirects: Vec::new(),
        http_status: None,
        content_type: Some("text/html".into()),
        fetched_at: chrono::Utc::now(),
        kind: Kind::Html,
        headers: Vec::new(),
        body: bytes,
    })
}

/// Stores a prepared clip, with tags added by hand.
pub fn store(library: &mut Library, clip: &NewClip, tags: &[TagRef]) -> Result<Stored> {
    library.insert_clip(clip, tags)
}

/// What a clip may bring besides its page: the passages the analyst marked (the browser's
/// selection, an export's highlights), a note, and when it was saved (an export's date).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    pub tags: Vec<TagRef>,
    pub note: Option<String>,
    pub highlights: Vec<Quote>,
    /// When the analyst saved it, if not now (the date an export gives).
    pub saved_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// A marked passage, with the analyst's note on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quote {
    pub text: String,
    pub note: Option<String>,
}

/// Stores a prepared clip with its extras in one transaction: all of it or nothing. A passage
/// that is not in the article's text (the extractor left its paragraph out) is not lost: it is
/// kept in the clip's note as a quoted line.
pub fn store_with(library: &mut Library, clip: &NewClip, extras: &Extras) -> Result<Stored> {
    store_with_then(library, clip, extras, |_, _| Ok(()))
}

/// [`store_with`], then `then` on the new clip in the same transaction (an import's checkpoint).
pub fn store_with_then(
    library: &mut Library,
    clip: &NewClip,
    extras: &Extras,
    then: impl FnOnce(&rusqlite::Transaction, i64) -> Result<()>,
) -> Result<Stored> {
    let text = &clip.article.text;
    library.insert_clip_then(clip, &extras.tags, |tx, id| {
        let now = chrono::Utc::now();
        let mut note: Vec<String> = extras.note.iter().filter(|n| !n.trim().is_empty()).cloned().collect();
        for quote in extras.highlights.iter().filter(|q| !q.text.trim().is_empty()) {
            let at = extras.saved_at.unwrap_or(now);
            if crate::highlight::insert_quote(tx, id, text, &quote.text, quote.note.as_deref(), at)?.is_none() {
                let mut line = format!("> {}", crate::text::collapse_ws(&quote.text));
                if let Some(n) = quote.note.as_deref().filter(|n| !n.trim().is_empty()) {
                    line.push_str(&format!("\n{n}"));
                }
                note.push(line);
            }
        }
        if !note.is_empty() {
            tx.execute("UPDATE clip SET note = ?2 WHERE id = ?1", rusqlite::params![id, note.join("\n\n")])?;
        }
        if let Some(saved) = extras.saved_at {
            let at = crate::model::time_to_db(&saved);
            tx.execute("UPDATE clip SET clipped_at = ?2, updated_at = ?2 WHERE id = ?1", rusqlite::params![id, at])?;
        }
        if !note.is_empty() {
            crate::library::index_clip(tx, id)?;
        }
        then(tx, id)
    })
}

/// The whole flow for one URL: known already → `Duplicate` without fetching; else fetch, extract,
/// store.
pub fn clip_url(library: &mut Library, fetcher: &Fetcher, url: &str) -> Result<Stored> {
    if let Some(id) = library.find_by_url_keys(&url_keys(url)?)? {
        return Ok(Stored::Duplicate(id));
    }
    let clip = fetch_and_prepare(fetcher, url)?;
    store(library, &clip, &[])
}

/// An error's code and message, for reports.
pub fn describe(e: &Error) -> (&'static str, String) {
    (e.code(), e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: &str, b: &str, expected: bool) {
        let (ua, ub) = (Url::parse(a).unwrap(), Url::parse(b).unwrap());
        assert_eq!(same_site(&ua, &ub), expected, "{a} vs {b}");
    }

    #[test]
    fn same_site_follows_the_public_suffix_list() {
        check("https://www.bbc.co.uk/news/1", "https://bbc.co.uk/news/2", true);
        check("https://news.bbc.co.uk/a", "https://www.bbc.co.uk/b", true);
        // Regression: the last two labels ("co.uk", "github.io") made every such site one site,
        // so one page could claim another's canonical URL and hide it as a duplicate.
        check("https://www.bbc.co.uk/a", "https://www.theguardian.co.uk/a", false);
        check("https://alice.github.io/post", "https://bob.github.io/post", false);
        check("https://www.timesofisrael.com/a", "https://blogs.timesofisrael.com/b", true);
        check("https://example.com/", "https://example.org/", false);
        check("http://127.0.0.1:8080/a", "http://127.0.0.1:9090/b", true);
        check("http://127.0.0.1/a", "http://127.0.0.2/a", false);
        check("http://localhost/a", "http://localhost/b", true);
    }
}

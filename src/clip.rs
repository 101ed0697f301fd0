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

/// Fetches and extracts `url`; nothing is written.
pub fn fetch_and_prepare(fetcher: &Fetcher, url: &str) -> Result<NewClip> {
    let page = fetcher.fetch(url)?;
    prepare(&page)
}

/// Turns a fetched page into a clip ready to store.
pub fn prepare(page: &Page) -> Result<NewClip> {
    let (text, encoding) = page.decode_text();
    let article = match page.kind {
        Kind::Html => extract::extract(&text, &page.final_url)?,
        Kind::Text => extract::from_plain_text(&text, &page.final_url)?,
    };
    let given = canonicalize(&page.requested_url);
    let final_ = canonicalize(&page.final_url);
    // The page's own canonical link is trusted only on the same site: a page cannot claim to be
    // another site's article and so shadow it as a "duplicate".
    let declared = article.canonical_url.as_ref().filter(|c| same_site(c, &page.final_url)).map(canonicalize);
    let canonical = declared.clone().unwrap_or_else(|| final_.clone());
    let mut url_keys: Vec<String> =
        [Some(given), Some(final_), declared].into_iter().flatten().map(|u| u.to_string()).collect();
    url_keys.dedup();
    Ok(NewClip {
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
        },
        article,
    })
}

fn same_site(a: &Url, b: &Url) -> bool {
    fn site(u: &Url) -> String {
        let host = u.host_str().unwrap_or("").to_ascii_lowercase();
        let parts: Vec<&str> = host.trim_start_matches("www.").split('.').collect();
        parts[parts.len().saturating_sub(2)..].join(".")
    }
    site(a) == site(b)
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
        body: bytes,
    })
}

/// Stores a prepared clip, with tags added by hand.
pub fn store(library: &mut Library, clip: &NewClip, tags: &[TagRef]) -> Result<Stored> {
    library.insert_clip(clip, tags)
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

//! Capture: clipping the page as the analyst's browser shows it.
//!
//! The browser extension (`extension/`) sends the page's DOM after its scripts ran, with the
//! analyst's session (a page behind a login, a paywall the analyst is subscribed to), its URL, the
//! selected text and tags to the endpoint of [`server`], on 127.0.0.1 only. [`clip`] feeds it to
//! the same pipeline as `clipdesk clip --html FILE --url URL` (extraction, tags, stories), keeps
//! the selection as a highlight, and records in the snapshot that the bytes came from the browser
//! (`source: "browser:Chromium 156.0…"`), not from a fetch. [`pairing`] keeps the token every
//! request must carry and the extension origins paired with it.
//!
//! Nothing here reads the library back to the browser: a request can add a clip and learn its id,
//! nothing else.

pub mod pairing;
pub mod server;

use serde::{Deserialize, Serialize};

use crate::clip::{self, Extras, Quote};
use crate::error::{CaptureError, Error, Result};
use crate::library::Stored;
use crate::model::TagKind;
use crate::tags::taxonomy::TagRef;
use crate::Library;

/// The endpoint's documented port; when it is taken, the next [`FALLBACK_PORTS`] are tried in
/// turn (the extension tries them too).
pub const DEFAULT_PORT: u16 = 47615;
pub const FALLBACK_PORTS: u16 = 4;

/// The ports the endpoint may listen on, in the order tried.
pub fn ports() -> std::ops::RangeInclusive<u16> {
    DEFAULT_PORT..=DEFAULT_PORT + FALLBACK_PORTS
}

/// The header that carries the pairing token.
pub const TOKEN_HEADER: &str = "x-clipdesk-token";

/// At most this many tags on one capture, each at most 200 characters.
const MAX_TAGS: usize = 50;

/// What the extension sends to `POST /v1/clip`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClipRequest {
    /// The page's URL (http or https).
    pub url: String,
    /// `document.documentElement.outerHTML`: the DOM after scripts.
    pub html: String,
    /// The text the analyst selected, kept as a highlight.
    #[serde(default)]
    pub selection: Option<String>,
    /// Tags for the new clip: `topic:NAME`, `actor:NAME`, or a bare name (a topic).
    #[serde(default)]
    pub tags: Vec<String>,
    /// The browser and its version ("Chromium 156.0.8078.108", "Firefox 140.0").
    pub browser: String,
    /// Clip the selection's text as the article (for pages whose article the extractor cannot
    /// find).
    #[serde(default)]
    pub selection_only: bool,
}

/// The endpoint's answer to a capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClipResponse {
    /// `created`, `duplicate` or `failed`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    pub code: &'static str,
    pub message: String,
}

impl ClipResponse {
    pub fn from_result(result: &Result<Stored>) -> Self {
        match result {
            Ok(Stored::Created(id)) => ClipResponse { status: "created", id: Some(*id), error: None },
            Ok(Stored::Duplicate(id)) => ClipResponse { status: "duplicate", id: Some(*id), error: None },
            Err(e) => ClipResponse::failed(e),
        }
    }

    pub fn failed(e: &Error) -> Self {
        ClipResponse { status: "failed", id: None, error: Some(ErrorBody { code: e.code(), message: e.to_string() }) }
    }
}

/// The `source` recorded in the snapshot of a page the browser sent.
pub fn source_label(browser: &str) -> String {
    format!("browser:{browser}")
}

/// Stores the page the browser sent, through the pipeline of `clip --html`: a URL already in the
/// library is a duplicate (nothing is extracted, nothing changes); otherwise the page is
/// extracted (or its selection taken as the article), tagged and stored with its snapshot, the
/// selection as a highlight, in one transaction.
pub fn clip(library: &mut Library, request: &ClipRequest) -> Result<Stored> {
    let browser = browser_label(&request.browser)?;
    let tags = request.tags.iter().map(|t| tag_ref(t)).collect::<Result<Vec<_>>>()?;
    if tags.len() > MAX_TAGS {
        return Err(bad_request(format!("{} tags; at most {MAX_TAGS}", tags.len())));
    }
    let selection = request.selection.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if request.selection_only && selection.is_none() {
        return Err(bad_request("\"clip selection only\" without a selection".into()));
    }
    if let Some(id) = library.find_by_url_keys(&clip::url_keys(&request.url)?)? {
        return Ok(Stored::Duplicate(id));
    }
    let mut page = clip::saved_page(request.html.as_bytes().to_vec(), &request.url)?;
    // The DOM was serialized by the browser and sent as JSON: UTF-8, whatever the page's own
    // `<meta charset>` said when it was fetched.
    page.content_type = Some("text/html; charset=utf-8".into());
    let mut new = match (request.selection_only, selection) {
        (true, Some(s)) => clip::prepare_selection(&page, s)?,
        _ => clip::prepare(&page)?,
    };
    new.snapshot.source = Some(source_label(&browser));
    let highlights = match (request.selection_only, selection) {
        (false, Some(s)) => vec![Quote { text: s.to_owned(), note: None }],
        _ => Vec::new(),
    };
    clip::store_with(library, &new, &Extras { tags, highlights, ..Extras::default() })
}

/// The browser's name as recorded: printable, at most 100 characters.
fn browser_label(browser: &str) -> Result<String> {
    let label = crate::text::collapse_ws(browser);
    if label.is_empty() || label.chars().count() > 100 || label.chars().any(char::is_control) {
        return Err(bad_request("\"browser\" must name the browser in 1 to 100 characters".into()));
    }
    Ok(label)
}

/// A tag as the extension sends it: `topic:NAME`, `actor:NAME` or a bare topic name.
fn tag_ref(tag: &str) -> Result<TagRef> {
    if let Some((kind, name)) = tag.trim_start().split_once(':') {
        let kind = kind.to_ascii_lowercase();
        if kind == "topic" || kind == "actor" {
            return TagRef::parse(&format!("{kind}:{name}"));
        }
    }
    let parsed = TagRef::parse(&format!("topic:{tag}"))?;
    Ok(TagRef { kind: TagKind::Topic, name: parsed.name })
}

fn bad_request(message: String) -> Error {
    CaptureError::BadRequest { message }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_as_the_extension_sends_them() {
        let cases = [
            ("Energy", Some((TagKind::Topic, "Energy"))),
            ("topic:Energy/Oil", Some((TagKind::Topic, "Energy/Oil"))),
            ("Actor:OPEC", Some((TagKind::Actor, "OPEC"))),
            ("  Syria  war ", Some((TagKind::Topic, "Syria war"))),
            ("", None),
            ("topic:", None),
        ];
        for (given, expected) in cases {
            let got = tag_ref(given).ok().map(|t| (t.kind, t.name));
            assert_eq!(got.as_ref().map(|(k, n)| (*k, n.as_str())), expected, "{given:?}");
        }
    }

    #[test]
    fn browser_labels() {
        assert_eq!(browser_label(" Chromium  156.0 ").expect("ok"), "Chromium 156.0");
        assert!(browser_label("").is_err());
        assert!(browser_label(&"x".repeat(101)).is_err());
    }
}

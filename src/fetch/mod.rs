//! Fetching a page over HTTP, bounded in every dimension a hostile server controls.
//!
//! Only http and https. Redirects are followed by hand (at most [`Limits::max_redirects`]) so that
//! every hop is recorded for provenance and re-checked for its scheme. Time is bounded by a connect
//! timeout, a per-read timeout and a total deadline checked as the body streams in (a server
//! trickling a byte a second is cut off). Size is bounded twice: the bytes on the wire and the bytes
//! after `Content-Encoding` (gzip, deflate, brotli) is undone, so a compression bomb stops at the cap.
//! Decompression is done here, not by reqwest, for exactly that reason.

pub mod charset;
pub mod polite;

use std::io::{self, Read};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use reqwest::blocking::{Client, Response};
use reqwest::header::{self, HeaderMap};
use serde::Serialize;
use url::Url;

use crate::canon::parse_web_url;
use crate::error::FetchError;

/// The bounds on one fetch.
#[derive(Debug, Clone)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// Wall-clock bound on the whole fetch, redirects and body included.
    pub total_timeout: Duration,
    /// Bytes on the wire.
    pub max_body: u64,
    /// Bytes after decompression.
    pub max_decoded: u64,
    pub max_redirects: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(10),
            total_timeout: Duration::from_secs(30),
            max_body: 20 * 1024 * 1024,
            max_decoded: 40 * 1024 * 1024,
            max_redirects: 10,
        }
    }
}

pub const USER_AGENT: &str = concat!(
    "Mozilla/5.0 (compatible; Clipdesk/",
    env!("CARGO_PKG_VERSION"),
    "; +https://github.com/clipdesk/clipdesk)"
);

/// One redirect hop: the URL that answered and its status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Hop {
    pub url: String,
    pub status: u16,
}

/// What kind of document the response is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Html,
    Text,
}

/// A fetched page: the decoded body bytes and everything needed for the snapshot.
#[derive(Debug, Clone)]
pub struct Page {
    pub requested_url: Url,
    pub final_url: Url,
    pub redirects: Vec<Hop>,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub kind: Kind,
    /// The final response's headers, in the order sent (values as text, lossily): kept with the
    /// snapshot as evidence. Empty for a page saved to disk.
    pub headers: Vec<(String, String)>,
    /// The body after Content-Encoding is undone, before charset decoding.
    pub body: Vec<u8>,
}

impl Page {
    /// The charset named by the Content-Type header, if any.
    pub fn header_charset(&self) -> Option<String> {
        let ct = self.content_type.as_deref()?;
        charset::charset_param(ct.to_ascii_lowercase().as_bytes()).map(|b| String::from_utf8_lossy(b).into_owned())
    }

    /// The body as text (see [`charset`]).
    pub fn decode_text(&self) -> (String, &'static encoding_rs::Encoding) {
        let tld = self.final_url.host_str().and_then(|h| h.rsplit('.').next());
        let (text, encoding, _) = charset::decode(&self.body, self.header_charset().as_deref(), tld);
        (text, encoding)
    }
}

/// What an article fetch accepts.
pub const PAGE_ACCEPT: &str = "text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5";

/// What a feed fetch accepts.
pub const FEED_ACCEPT: &str =
    "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, \
     text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

/// A server's validators for a conditional GET, kept byte for byte.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// A fetched document of any type (feeds, sitemaps), body decompressed and bounded.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub requested_url: Url,
    pub final_url: Url,
    pub redirects: Vec<Hop>,
    pub http_status: u16,
    pub content_type: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub validators: Validators,
    /// The final response's headers, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Fetched {
    /// The document as an article page, if it is HTML or text (the same test as
    /// [`Fetcher::fetch`]): a re-capture goes through a conditional GET, then on as a clip does.
    pub fn into_page(self) -> Result<Page, FetchError> {
        let declared = self.content_type.as_deref().map_or(Declared::Unknown, declared_kind);
        let kind = match declared {
            Declared::Page(kind) => kind,
            Declared::Other => {
                return Err(FetchError::NotHtml {
                    url: self.final_url.to_string(),
                    content_type: self.content_type.unwrap_or_default(),
                })
            }
            Declared::Unknown => sniff_kind(&self.body).ok_or_else(|| FetchError::NotHtml {
                url: self.final_url.to_string(),
                content_type: "an undeclared binary type".into(),
            })?,
        };
        Ok(Page {
            requested_url: self.requested_url,
            final_url: self.final_url,
            redirects: self.redirects,
            http_status: Some(self.http_status),
            content_type: self.content_type,
            fetched_at: self.fetched_at,
            kind,
            headers: self.headers,
            body: self.body,
        })
    }
}

/// A response's headers as (name, value) text pairs, in the order sent.
fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers.iter().map(|(k, v)| (k.as_str().to_owned(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect()
}

/// The outcome of a conditional GET.
#[derive(Debug, Clone)]
pub enum Document {
    Fetched(Fetched),
    /// 304, or a 200 with the ETag we sent: nothing read, nothing to parse.
    NotModified {
        final_url: Url,
        validators: Validators,
    },
}

/// `Retry-After` as seconds from `now`: a number of seconds or an HTTP date; at most a week.
pub fn retry_after_seconds(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    let secs = match value.parse::<u64>() {
        Ok(s) => s,
        Err(_) => {
            let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
            u64::try_from((at - now).num_seconds()).unwrap_or(0)
        }
    };
    Some(secs.min(7 * 24 * 3600))
}

/// A reusable HTTP client with Clipdesk's policy (no automatic redirects or decompression).
#[derive(Debug, Clone)]
pub struct Fetcher {
    client: Client,
    limits: Limits,
}

impl Fetcher {
    pub fn new(limits: Limits) -> Result<Self, FetchError> {
        let client = Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(limits.connect_timeout)
            .timeout(limits.total_timeout)
            .build()
            .map_err(|e| FetchError::Network { url: String::new(), message: e.to_string() })?;
        Ok(Fetcher { client, limits })
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The same client (connections, policy) with other bounds: images are fetched with their own.
    pub fn with_limits(&self, limits: Limits) -> Fetcher {
        Fetcher { client: self.client.clone(), limits }
    }

    /// Fetches `url`, following redirects, and returns the page if it is HTML or plain text.
    pub fn fetch(&self, url: &str) -> Result<Page, FetchError> {
        let requested = parse_web_url(url)?;
        let deadline = Instant::now() + self.limits.total_timeout;
        let (current, redirects, response) = self.follow(&requested, deadline, PAGE_ACCEPT, &Validators::default())?;
        self.read_page(requested, current, redirects, response, deadline)
    }

    /// Fetches a document of any type (a feed, a sitemap) with a conditional GET: the stored
    /// validators are sent back byte for byte, and a 304 (or a 200 carrying the same ETag) is
    /// [`Document::NotModified`] without reading the body. Same bounds as [`Fetcher::fetch`].
    pub fn fetch_document(&self, url: &str, accept: &str, validators: &Validators) -> Result<Document, FetchError> {
        let requested = parse_web_url(url)?;
        let deadline = Instant::now() + self.limits.total_timeout;
        let (final_url, redirects, response) = self.follow(&requested, deadline, accept, validators)?;
        let headers = response.headers().clone();
        let header = |name: header::HeaderName| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let fresh = Validators { etag: header(header::ETAG), last_modified: header(header::LAST_MODIFIED) };
        let same_etag = fresh.etag.is_some() && fresh.etag == validators.etag;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED || same_etag {
            // Keep the validators we had where a 304 omits them.
            let kept = Validators {
                etag: fresh.etag.or_else(|| validators.etag.clone()),
                last_modified: fresh.last_modified.or_else(|| validators.last_modified.clone()),
            };
            return Ok(Document::NotModified { final_url, validators: kept });
        }
        if response.content_length().is_some_and(|n| n > self.limits.max_body) {
            return Err(FetchError::TooLarge { url: final_url.to_string(), limit: self.limits.max_body });
        }
        let status = response.status().as_u16();
        let raw = read_bounded(response, self.limits.max_body, deadline)
            .map_err(|e| self.read_error(&final_url, e, self.limits.max_body))?;
        let body = decode_content(&headers, raw, self.limits.max_decoded, deadline)
            .map_err(|e| self.read_error(&final_url, e, self.limits.max_decoded))?;
        Ok(Document::Fetched(Fetched {
            requested_url: requested,
            final_url,
            redirects,
            http_status: status,
            content_type: header(header::CONTENT_TYPE),
            fetched_at: Utc::now(),
            validators: fresh,
            headers: header_list(&headers),
            body,
        }))
    }

    /// Sends the request and follows redirects by hand; returns the final URL, the hops and the
    /// final response, which is a success or a 304 (any other status is an error, with the
    /// server's `Retry-After` when it gave one).
    fn follow(
        &self,
        requested: &Url,
        deadline: Instant,
        accept: &str,
        validators: &Validators,
    ) -> Result<(Url, Vec<Hop>, Response), FetchError> {
        let mut current = requested.clone();
        let mut redirects = Vec::new();
        loop {
            let response = self.send(&current, deadline, accept, validators)?;
            let status = response.status();
            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                let next = location(&current, response.headers())
                    .ok_or_else(|| FetchError::BadRedirect { url: current.to_string() })?;
                redirects.push(Hop { url: current.to_string(), status: status.as_u16() });
                if redirects.len() > self.limits.max_redirects {
                    return Err(FetchError::TooManyRedirects {
                        url: requested.to_string(),
                        limit: self.limits.max_redirects,
                    });
                }
                current = parse_web_url(next.as_str())?;
                continue;
            }
            if !status.is_success() && status != reqwest::StatusCode::NOT_MODIFIED {
                let retry_after = response
                    .headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| retry_after_seconds(v, Utc::now()));
                return Err(FetchError::HttpStatus { url: current.to_string(), status: status.as_u16(), retry_after });
            }
            return Ok((current, redirects, response));
        }
    }

    fn send(
        &self,
        url: &Url,
        deadline: Instant,
        accept: &str,
        validators: &Validators,
    ) -> Result<Response, FetchError> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.timeout(url));
        }
        let mut request = self
            .client
            .get(url.clone())
            .header(header::ACCEPT, accept)
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
            .header(header::ACCEPT_LANGUAGE, "*")
            .timeout(remaining);
        // Validators go back exactly as the server sent them (it compares them as strings).
        if let Some(etag) = validators.etag.as_deref().and_then(|v| header::HeaderValue::from_str(v).ok()) {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = validators.last_modified.as_deref().and_then(|v| header::HeaderValue::from_str(v).ok()) {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        request.send().map_err(|e| self.classify(url, &e))
    }

    fn read_page(
        &self,
        requested_url: Url,
        final_url: Url,
        redirects: Vec<Hop>,
        response: Response,
        deadline: Instant,
    ) -> Result<Page, FetchError> {
        let url_text = final_url.to_string();
        let headers = response.headers().clone();
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let declared = content_type.as_deref().map_or(Declared::Unknown, declared_kind);
        if declared == Declared::Other {
            return Err(FetchError::NotHtml { url: url_text, content_type: content_type.unwrap_or_default() });
        }
        if response.content_length().is_some_and(|n| n > self.limits.max_body) {
            return Err(FetchError::TooLarge { url: url_text, limit: self.limits.max_body });
        }
        let status = response.status().as_u16();
        let raw = read_bounded(response, self.limits.max_body, deadline)
            .map_err(|e| self.read_error(&final_url, e, self.limits.max_body))?;
        let body = decode_content(&headers, raw, self.limits.max_decoded, deadline)
            .map_err(|e| self.read_error(&final_url, e, self.limits.max_decoded))?;
        let kind = match declared {
            Declared::Page(kind) => kind,
            Declared::Unknown | Declared::Other => sniff_kind(&body).ok_or_else(|| FetchError::NotHtml {
                url: url_text.clone(),
                content_type: "an undeclared binary type".into(),
            })?,
        };
        Ok(Page {
            requested_url,
            final_url,
            redirects,
            http_status: Some(status),
            content_type,
            fetched_at: Utc::now(),
            kind,
            headers: header_list(&headers),
            body,
        })
    }

    fn timeout(&self, url: &Url) -> FetchError {
        FetchError::Timeout { url: url.to_string(), seconds: self.limits.total_timeout.as_secs() }
    }

    fn classify(&self, url: &Url, e: &reqwest::Error) -> FetchError {
        if e.is_timeout() {
            self.timeout(url)
        } else if e.is_connect() {
            FetchError::Connect { url: url.to_string(), message: error_chain(e) }
        } else {
            FetchError::Network { url: url.to_string(), message: error_chain(e) }
        }
    }

    fn read_error(&self, url: &Url, e: ReadError, limit: u64) -> FetchError {
        match e {
            ReadError::TooLarge => FetchError::TooLarge { url: url.to_string(), limit },
            ReadError::Deadline => self.timeout(url),
            ReadError::Io(e) if is_timeout(&e) => self.timeout(url),
            ReadError::Io(e) => FetchError::Network { url: url.to_string(), message: e.to_string() },
            ReadError::Corrupt(encoding, e) => {
                FetchError::Decode { url: url.to_string(), encoding, message: e.to_string() }
            }
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    message
}

fn is_timeout(e: &io::Error) -> bool {
    if e.kind() == io::ErrorKind::TimedOut {
        return true;
    }
    // reqwest wraps its own timeout error inside io::Error.
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|r| r as _);
    while let Some(s) = source {
        if s.downcast_ref::<reqwest::Error>().is_some_and(reqwest::Error::is_timeout) {
            return true;
        }
        source = s.source();
    }
    false
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Declared {
    Page(Kind),
    /// The server does not say: decide from the bytes.
    Unknown,
    /// Anything that is not a page (PDF, image, JSON…).
    Other,
}

fn declared_kind(content_type: &str) -> Declared {
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => Declared::Page(Kind::Html),
        "text/plain" => Declared::Page(Kind::Text),
        "" | "application/octet-stream" | "binary/octet-stream" | "unknown/unknown" => Declared::Unknown,
        _ => Declared::Other,
    }
}

/// For responses without a usable Content-Type: HTML if it looks like markup, text if it has no
/// binary bytes, else nothing.
fn sniff_kind(body: &[u8]) -> Option<Kind> {
    let head = &body[..body.len().min(1024)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let text = String::from_utf8_lossy(&lower);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if ["<!doctype html", "<html", "<head", "<body", "<meta", "<title", "<p", "<div", "<article"]
        .iter()
        .any(|p| trimmed.starts_with(p))
    {
        Some(Kind::Html)
    } else if !head.iter().any(|&b| b == 0 || (b < 0x09)) {
        Some(Kind::Text)
    } else {
        None
    }
}

fn location(base: &Url, headers: &HeaderMap) -> Option<Url> {
    let value = headers.get(header::LOCATION)?.to_str().ok()?;
    base.join(value.trim()).ok()
}

enum ReadError {
    TooLarge,
    Deadline,
    Io(io::Error),
    Corrupt(String, io::Error),
}

/// Reads at most `limit` bytes from `reader`, failing past the limit or past `deadline`.
fn read_bounded(mut reader: impl Read, limit: u64, deadline: Instant) -> Result<Vec<u8>, ReadError> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if Instant::now() > deadline {
            return Err(ReadError::Deadline);
        }
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        if out.len() as u64 + n as u64 > limit {
            return Err(ReadError::TooLarge);
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Undoes the Content-Encoding chain (`gzip`, `deflate`, `br`; listed in the order applied).
fn decode_content(headers: &HeaderMap, raw: Vec<u8>, limit: u64, deadline: Instant) -> Result<Vec<u8>, ReadError> {
    let codings: Vec<String> = headers
        .get_all(header::CONTENT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    let mut body = raw;
    for coding in codings.iter().rev() {
        let corrupt = |e: ReadError| match e {
            ReadError::Io(io) => ReadError::Corrupt(coding.clone(), io),
            other => other,
        };
        body = match coding.as_str() {
            "gzip" | "x-gzip" => {
                read_bounded(flate2::read::MultiGzDecoder::new(&body[..]), limit, deadline).map_err(corrupt)?
            }
            "deflate" => {
                // "deflate" should be zlib-wrapped, but some servers send raw deflate.
                let zlib = read_bounded(flate2::read::ZlibDecoder::new(&body[..]), limit, deadline);
                match zlib {
                    Ok(b) => b,
                    Err(ReadError::Io(_)) => {
                        read_bounded(flate2::read::DeflateDecoder::new(&body[..]), limit, deadline).map_err(corrupt)?
                    }
                    Err(e) => return Err(e),
                }
            }
            "br" => read_bounded(brotli::Decompressor::new(&body[..], 64 * 1024), limit, deadline).map_err(corrupt)?,
            other => {
                return Err(ReadError::Corrupt(
                    other.to_owned(),
                    io::Error::new(io::ErrorKind::Unsupported, "unsupported content encoding"),
                ))
            }
        };
    }
    Ok(body)
}

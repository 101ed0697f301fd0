//! An article's images, kept with its clip so the reader shows them offline and without asking
//! the outlet for anything.
//!
//! The images are the ones the extracted HTML shows plus the page's lead image (`og:image` and
//! the like). [`candidates`] lists them (pure: sanitized HTML in, one [`ImageSlot`] per distinct
//! URL out, with the caption and credit printed beside it); [`fetch_into`] fetches them in
//! parallel with the page's [`Fetcher`] under [`Limits`] — how many, bytes per image and per clip,
//! decoded dimensions — and [`check`] decodes every one before it is kept: only PNG, JPEG, GIF and
//! WebP that decode within the limits; SVG never (it can carry scripts); a decompression bomb is
//! refused from its header, before anything is allocated for its pixels.
//!
//! Kept images are stored once per SHA-256 (table `image`) and referenced from the article's HTML
//! as `clipdesk-img://localhost/<sha256>` ([`reference`]), which the desktop app serves from the
//! library; [`rewrite_html`] makes that change and removes the `src` of every image that was not
//! kept, so stored HTML never points at the web for an image. A refused image is reported with its
//! coded [`ImageError`]; the clip is stored all the same, and the image's original URL, caption and
//! credit stay in `clip_image`.
//!
//! Images are fetched only within the page's network [`Zone`]: a page on the web never makes
//! Clipdesk ask a private-network or loopback address for anything (a hostile page cannot probe
//! the analyst's network), and a page on this machine — a local mirror of a site, a saved page
//! served locally — gets its images from this machine only, so clipping it tells the outlet
//! nothing. Refused by this rule: `image.blocked`.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use dom_query::{Document, NodeRef};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;

use crate::error::{Error, FetchError, ImageError, Result};
use crate::fetch::{Document as FetchedDoc, Fetcher, Validators};
use crate::model::time_to_db;

/// The URL scheme of an image kept in the library, as the app serves it.
pub const SCHEME: &str = "clipdesk-img";
/// The prefix of every kept image's reference; the SHA-256 follows.
pub const PREFIX: &str = "clipdesk-img://localhost/";

/// What an image fetch accepts.
const IMAGE_ACCEPT: &str = "image/webp,image/png,image/jpeg,image/gif;q=0.9,*/*;q=0.1";

/// The bounds on one clip's images.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Images fetched per clip (the lead image included); the rest are `image.too_many`.
    pub max_images: usize,
    /// Bytes of one image (on the wire and decompressed).
    pub max_bytes: u64,
    /// Bytes of all the images of one clip.
    pub max_clip_bytes: u64,
    /// Pixels on either side.
    pub max_side: u32,
    /// Pixels in all (width × height): bounds the memory a decoder may take.
    pub max_pixels: u64,
    /// Images fetched at once for one clip.
    pub parallel: usize,
    /// Time for one image.
    pub timeout: Duration,
    /// Time for all the images of one clip: what is not fetched by then is `image.fetch`.
    pub total_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_images: 40,
            max_bytes: 10 * 1024 * 1024,
            max_clip_bytes: 40 * 1024 * 1024,
            max_side: 10_000,
            max_pixels: 25_000_000,
            parallel: 4,
            timeout: Duration::from_secs(20),
            total_timeout: Duration::from_secs(60),
        }
    }
}

/// An image that passed [`check`], ready to store.
#[derive(Clone, PartialEq, Eq)]
pub struct NewImage {
    pub sha256: String,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for NewImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NewImage({} {} {}×{} {} bytes)", self.sha256, self.mime, self.width, self.height, self.data.len())
    }
}

/// An image already in the library (a re-capture finds the same URL again).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    pub sha256: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
}

/// Where one image of a clip stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ImageState {
    /// Not fetched (a page clipped from a file, or images not asked for).
    NotFetched,
    Kept(NewImage),
    /// Already in the library.
    Known(ImageRef),
    Failed(ImageError),
}

/// One image of an article: its URL as the page gave it, what the page printed beside it, and
/// what became of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSlot {
    pub url: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    /// The page's lead image (its metadata's `og:image` or the like).
    pub is_lead: bool,
    pub state: ImageState,
}

impl ImageSlot {
    /// The stored image's SHA-256, if it is kept.
    pub fn sha256(&self) -> Option<&str> {
        match &self.state {
            ImageState::Kept(i) => Some(&i.sha256),
            ImageState::Known(r) => Some(&r.sha256),
            _ => None,
        }
    }

    /// Why it is not kept, if it is not.
    pub fn error(&self) -> Option<ImageError> {
        match &self.state {
            ImageState::Failed(e) => Some(e.clone()),
            ImageState::NotFetched => Some(ImageError::Skipped {
                url: self.url.clone(),
                reason: "the clip was made without fetching images".into(),
            }),
            _ => None,
        }
    }
}

/// The reference stored HTML uses for a kept image.
pub fn reference(sha256: &str) -> String {
    format!("{PREFIX}{sha256}")
}

/// The SHA-256 a reference names, if it is one (exactly `clipdesk-img://localhost/` and 64
/// lower-case hex digits, nothing else).
pub fn parse_reference(value: &str) -> Option<&str> {
    let sha = value.strip_prefix(PREFIX)?;
    is_sha256(sha).then_some(sha)
}

pub fn is_sha256(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Lower-case hex of a SHA-256 digest.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data).iter().map(|b| format!("{b:02x}")).collect()
}

/// The images an article shows: each `<img>` of its (sanitized) HTML with an http(s) source, in
/// document order and once per URL, then the lead image when the body does not show it.
pub fn candidates(html: &str, lead: Option<&Url>) -> Vec<ImageSlot> {
    let mut out: Vec<ImageSlot> = Vec::new();
    if html.contains("<img") {
        let doc = Document::fragment(html);
        for img in doc.select("img").nodes() {
            let Some(url) = img.attr("src").and_then(|s| web_url(&s)) else { continue };
            if out.iter().any(|s| s.url == url) {
                continue;
            }
            let (caption, credit) = caption_of(img);
            out.push(ImageSlot { url, caption, credit, is_lead: false, state: ImageState::NotFetched });
        }
    }
    if let Some(lead) = lead.and_then(|u| web_url(u.as_str())) {
        match out.iter_mut().find(|s| s.url == lead) {
            Some(slot) => slot.is_lead = true,
            None => out.push(ImageSlot {
                url: lead,
                caption: None,
                credit: None,
                is_lead: true,
                state: ImageState::NotFetched,
            }),
        }
    }
    out
}

fn web_url(s: &str) -> Option<String> {
    let u = Url::parse(s.trim()).ok()?;
    matches!(u.scheme(), "http" | "https").then(|| u.to_string())
}

/// The caption printed with an image (its figure's `<figcaption>`, else its `alt` text), and the
/// credit split from it.
fn caption_of(img: &NodeRef) -> (Option<String>, Option<String>) {
    let figure = img.ancestors_it(Some(6)).find(|a| crate::extract::body::is_named(a, "figure"));
    let text = figure
        .and_then(|f| f.find(&["figcaption"]).first().map(|c| crate::text::collapse_ws(&c.text())))
        .filter(|t| !t.is_empty())
        .or_else(|| img.attr("alt").map(|a| crate::text::collapse_ws(&a)).filter(|t| !t.is_empty()));
    match text {
        Some(t) => split_credit(&t),
        None => (None, None),
    }
}

/// Words that open a photo credit, in the languages clipped ("Photo: AP", "Фото: ТАСС").
const CREDIT_OPENERS: &[&str] = &[
    "photo:",
    "photo by",
    "photos:",
    "photograph:",
    "photograph by",
    "picture:",
    "image:",
    "image credit",
    "credit:",
    "credits:",
    "copyright",
    "©",
    "(c)",
    "foto:",
    "fotos:",
    "фото:",
    "фото ",
    "источник фото",
    "crédit photo",
    "crédit :",
    "crédit:",
    "crédito:",
    "bild:",
    "צילום:",
    "צילום",
    "تصوير",
    "الصورة:",
    "图片来源",
    "图片:",
    "写真:",
];

/// Agencies and libraries whose name alone in a caption's tail is a credit.
const AGENCIES: &[&str] = &[
    "ap",
    "ap photo",
    "afp",
    "reuters",
    "getty",
    "getty images",
    "epa",
    "shutterstock",
    "alamy",
    "bloomberg",
    "xinhua",
    "tass",
    "ria novosti",
    "anadolu",
    "flickr",
    "wikimedia",
    "pa",
    "pa images",
    "dpa",
    "ansa",
];

/// Splits the credit from a caption: a tail opened by a credit word ("… Photo: AP"), a tail in
/// parentheses naming a photographer or an agency ("… (AP Photo/Ariel Schalit)"), or a whole
/// caption that is only a credit.
pub fn split_credit(caption: &str) -> (Option<String>, Option<String>) {
    let caption = caption.trim();
    let lower = caption.to_lowercase();
    let non_empty = |s: &str| {
        Some(s.trim().trim_end_matches([',', ';', '-', '–', '—', '|', '/']).trim().to_owned()).filter(|s| !s.is_empty())
    };
    // The lower-cased text keeps byte offsets only where lower-casing keeps lengths; work on
    // character positions to be safe.
    let chars: Vec<char> = caption.chars().collect();
    let lower_chars: Vec<char> = caption.chars().flat_map(char::to_lowercase).collect();
    if lower_chars.len() == chars.len() {
        for opener in CREDIT_OPENERS {
            let needle: Vec<char> = opener.chars().collect();
            let at = (0..chars.len()).find(|&i| {
                lower_chars.get(i..i + needle.len()) == Some(&needle[..]) && (i == 0 || !chars[i - 1].is_alphanumeric())
            });
            if let Some(i) = at {
                let before: String = chars[..i].iter().collect();
                let mut credit: String = chars[i..].iter().collect();
                if let Some(inner) = credit.strip_suffix(')') {
                    if before.trim_end().ends_with('(') {
                        credit = inner.to_owned();
                    }
                }
                let before = before.trim_end().trim_end_matches('(').to_owned();
                return (non_empty(&before), non_empty(&credit));
            }
        }
    }
    // A tail in parentheses: "(AP Photo/Ariel Schalit)", "(Getty Images)".
    if let Some(inner_start) = caption.strip_suffix(')').and_then(|c| c.rfind('(')) {
        let inner = caption.get(inner_start + 1..caption.len() - 1).unwrap_or_default();
        let inner_lower = inner.to_lowercase();
        if inner.split_whitespace().count() <= 8
            && (inner.contains('/') || AGENCIES.iter().any(|a| words_contain(&inner_lower, a)))
        {
            return (non_empty(caption.get(..inner_start).unwrap_or_default()), non_empty(inner));
        }
    }
    // A short tail after a separator naming an agency: "… | Reuters", "… / AFP".
    for sep in [" | ", " / ", " — ", " - "] {
        if let Some((head, tail)) = caption.rsplit_once(sep) {
            let tail_lower = tail.to_lowercase();
            if tail.split_whitespace().count() <= 5 && AGENCIES.iter().any(|a| words_contain(&tail_lower, a)) {
                return (non_empty(head), non_empty(tail));
            }
        }
    }
    if AGENCIES.iter().any(|a| lower.trim_end_matches('.') == *a) {
        return (None, non_empty(caption));
    }
    (non_empty(caption), None)
}

/// Whether `haystack` has `needle` as whole words.
fn words_contain(haystack: &str, needle: &str) -> bool {
    let words: Vec<&str> = haystack.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let want: Vec<&str> = needle.split_whitespace().collect();
    !want.is_empty() && words.windows(want.len()).any(|w| w == want.as_slice())
}

/// Where a host is, as far as its URL says: this machine, a private network, or the web.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Loopback,
    Private,
    Public,
}

/// The zone of a URL's host, from its literal address or name (`localhost`, `*.local`); names are
/// not resolved.
pub fn zone(url: &Url) -> Zone {
    use std::net::{IpAddr, Ipv4Addr};
    fn v4(ip: Ipv4Addr) -> Zone {
        let [a, b, ..] = ip.octets();
        if ip.is_loopback() {
            Zone::Loopback
        } else if ip.is_private()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || (a == 100 && (64..128).contains(&b))
        {
            Zone::Private
        } else {
            Zone::Public
        }
    }
    let ip = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            return if d == "localhost" || d.ends_with(".localhost") {
                Zone::Loopback
            } else if [".local", ".internal", ".lan", ".home.arpa", ".intranet"].iter().any(|s| d.ends_with(s))
                || !d.contains('.')
            {
                Zone::Private
            } else {
                Zone::Public
            };
        }
        None => return Zone::Private,
    };
    match ip {
        IpAddr::V4(ip) => v4(ip),
        IpAddr::V6(ip) => match ip.to_ipv4_mapped() {
            Some(v4ip) => v4(v4ip),
            None if ip.is_loopback() => Zone::Loopback,
            None if ip.is_unspecified()
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80 =>
            {
                Zone::Private
            }
            None => Zone::Public,
        },
    }
}

/// Whether a page in `page`'s zone may have its images fetched from `image`'s: the web's pages
/// from the web only; a private network's from it or the web; this machine's from it only.
pub fn zone_allows(page: Zone, image: Zone) -> bool {
    match page {
        Zone::Public => image == Zone::Public,
        Zone::Private => image != Zone::Loopback,
        Zone::Loopback => image == Zone::Loopback,
    }
}

/// Fetches the images of `slots` that are not yet fetched, in parallel (at most
/// [`Limits::parallel`] at once), each checked by [`check`]: the first [`Limits::max_images`]
/// only, and only within the zone of `page` (the page's final URL, see [`zone_allows`]). `known`
/// are images this clip already has in the library, by URL, which are not fetched again.
/// Failures are recorded in the slots; nothing here fails the clip.
pub fn fetch_into(
    fetcher: &Fetcher,
    page: &Url,
    slots: &mut [ImageSlot],
    limits: &Limits,
    known: &HashMap<String, ImageRef>,
) {
    let mut todo: Vec<usize> = Vec::new();
    let mut attempts = 0usize;
    let page_zone = zone(page);
    for (i, slot) in slots.iter_mut().enumerate() {
        if slot.state != ImageState::NotFetched {
            continue;
        }
        if let Some(r) = known.get(&slot.url) {
            slot.state = ImageState::Known(r.clone());
            continue;
        }
        let image_zone = Url::parse(&slot.url).map_or(Zone::Private, |u| zone(&u));
        if !zone_allows(page_zone, image_zone) {
            let reason = match page_zone {
                Zone::Loopback => "the page is on this machine: its images are fetched from this machine only",
                _ => "a page's image on this machine or a private network is not fetched",
            };
            slot.state = ImageState::Failed(ImageError::Blocked { url: slot.url.clone(), reason: reason.into() });
            continue;
        }
        if attempts >= limits.max_images {
            slot.state = ImageState::Failed(ImageError::TooMany { url: slot.url.clone(), limit: limits.max_images });
            continue;
        }
        attempts += 1;
        todo.push(i);
    }
    if todo.is_empty() {
        return;
    }
    let image_fetcher = fetcher.with_limits(crate::fetch::Limits {
        max_body: limits.max_bytes,
        max_decoded: limits.max_bytes,
        total_timeout: limits.timeout,
        ..fetcher.limits().clone()
    });
    let deadline = Instant::now() + limits.total_timeout;
    let next = AtomicUsize::new(0);
    let spent = AtomicU64::new(0);
    let urls: Vec<String> = todo.iter().map(|&i| slots[i].url.clone()).collect();
    let results: Mutex<Vec<(usize, ImageState)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..limits.parallel.max(1).min(todo.len()) {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(url) = urls.get(k) else { return };
                let state = if Instant::now() >= deadline {
                    ImageState::Failed(ImageError::Fetch {
                        url: url.clone(),
                        message: format!("the clip's images took longer than {} s", limits.total_timeout.as_secs()),
                    })
                } else {
                    // One image's bug fails that image only.
                    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        fetch_one(&image_fetcher, url, limits, &spent)
                    })) {
                        Ok(Ok(img)) => ImageState::Kept(img),
                        Ok(Err(e)) => ImageState::Failed(e),
                        Err(p) => ImageState::Failed(ImageError::Decode {
                            url: url.clone(),
                            message: format!("internal error: {}", crate::guard::message(&*p)),
                        }),
                    }
                };
                if let Ok(mut r) = results.lock() {
                    r.push((k, state));
                }
            });
        }
    });
    for (k, state) in results.into_inner().unwrap_or_default() {
        if let Some(&i) = todo.get(k) {
            slots[i].state = state;
        }
    }
}

fn fetch_one(fetcher: &Fetcher, url: &str, limits: &Limits, spent: &AtomicU64) -> Result<NewImage, ImageError> {
    let fetched = match fetcher.fetch_document(url, IMAGE_ACCEPT, &Validators::default()) {
        Ok(FetchedDoc::Fetched(f)) => f,
        Ok(FetchedDoc::NotModified { .. }) => {
            return Err(ImageError::Fetch { url: url.to_owned(), message: "answered 304 to a plain request".into() })
        }
        Err(FetchError::TooLarge { limit, .. }) => return Err(ImageError::TooLarge { url: url.to_owned(), limit }),
        Err(e) => return Err(ImageError::Fetch { url: url.to_owned(), message: e.to_string() }),
    };
    let size = fetched.body.len() as u64;
    let before = spent.fetch_add(size, Ordering::Relaxed);
    if before + size > limits.max_clip_bytes {
        spent.fetch_sub(size, Ordering::Relaxed);
        return Err(ImageError::Budget { url: url.to_owned(), limit: limits.max_clip_bytes });
    }
    check(&fetched.body, fetched.content_type.as_deref(), url, limits)
}

/// The image formats kept, by their signature.
fn sniff(data: &[u8]) -> Option<(image::ImageFormat, &'static str)> {
    if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some((image::ImageFormat::Png, "image/png"))
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some((image::ImageFormat::Jpeg, "image/jpeg"))
    } else if data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a") {
        Some((image::ImageFormat::Gif, "image/gif"))
    } else if data.len() >= 12 && data.starts_with(b"RIFF") && data.get(8..12) == Some(b"WEBP") {
        Some((image::ImageFormat::WebP, "image/webp"))
    } else {
        None
    }
}

/// What a refused body looks like, for the message.
fn describe_other(data: &[u8], declared: Option<&str>) -> String {
    let head = String::from_utf8_lossy(&data[..data.len().min(512)]).to_lowercase();
    let declared = declared.map(|d| d.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
    if head.contains("<svg") || declared.as_deref() == Some("image/svg+xml") {
        "an SVG image (SVG can carry scripts: never kept)".into()
    } else if data.is_empty() {
        "empty".into()
    } else {
        match declared.filter(|d| !d.is_empty()) {
            Some(d) => format!("not an image in a known format (served as {d})"),
            None => "not an image in a known format".into(),
        }
    }
}

/// At most two images decode at once in the whole process: a decoder may take up to
/// [`Limits::max_pixels`] × 4 bytes, and a batch fetches many clips' images at the same time.
static DECODING: (Mutex<usize>, Condvar) = (Mutex::new(0), Condvar::new());
const DECODERS: usize = 2;

struct DecodePermit;

impl DecodePermit {
    fn take() -> DecodePermit {
        let (lock, cv) = &DECODING;
        let mut n = lock.lock().unwrap_or_else(|p| p.into_inner());
        while *n >= DECODERS {
            n = cv.wait(n).unwrap_or_else(|p| p.into_inner());
        }
        *n += 1;
        DecodePermit
    }
}

impl Drop for DecodePermit {
    fn drop(&mut self) {
        let (lock, cv) = &DECODING;
        let mut n = lock.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(1);
        cv.notify_one();
    }
}

/// Checks that `data` is an image Clipdesk keeps: a PNG, JPEG, GIF or WebP by its signature (the
/// server's Content-Type is not believed), whose header's dimensions are within the limits, and
/// that decodes whole within them. The dimensions are read first, so a decompression bomb (a small
/// file declaring 100,000 × 100,000 pixels) is refused before a pixel buffer exists.
pub fn check(data: &[u8], declared: Option<&str>, url: &str, limits: &Limits) -> Result<NewImage, ImageError> {
    if data.len() as u64 > limits.max_bytes {
        return Err(ImageError::TooLarge { url: url.to_owned(), limit: limits.max_bytes });
    }
    let Some((format, mime)) = sniff(data) else {
        return Err(ImageError::Type { url: url.to_owned(), found: describe_other(data, declared) });
    };
    let decode_error = |e: image::ImageError| ImageError::Decode { url: url.to_owned(), message: e.to_string() };
    let reader = image::ImageReader::with_format(Cursor::new(data), format);
    let (width, height) = reader.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(l) => {
            ImageError::Dimensions { url: url.to_owned(), width: 0, height: 0, message: l.to_string() }
        }
        other => decode_error(other),
    })?;
    let too_big = width == 0
        || height == 0
        || width > limits.max_side
        || height > limits.max_side
        || u64::from(width) * u64::from(height) > limits.max_pixels;
    if too_big {
        return Err(ImageError::Dimensions {
            url: url.to_owned(),
            width,
            height,
            message: format!("at most {} pixels a side and {} in all", limits.max_side, limits.max_pixels),
        });
    }
    let mut bounds = image::Limits::default();
    bounds.max_image_width = Some(limits.max_side);
    bounds.max_image_height = Some(limits.max_side);
    // RGBA at 16 bits per channel, and some slack for the decoder's own buffers.
    bounds.max_alloc = Some(limits.max_pixels.saturating_mul(8).saturating_add(16 << 20));
    let mut reader = image::ImageReader::with_format(Cursor::new(data), format);
    reader.limits(bounds);
    {
        let _permit = DecodePermit::take();
        let decoded = reader.decode().map_err(|e| match e {
            image::ImageError::Limits(l) => {
                ImageError::Dimensions { url: url.to_owned(), width, height, message: l.to_string() }
            }
            other => decode_error(other),
        })?;
        if decoded.width() != width || decoded.height() != height {
            return Err(ImageError::Decode {
                url: url.to_owned(),
                message: format!(
                    "its header says {width}×{height} but it decodes to {}×{}",
                    decoded.width(),
                    decoded.height()
                ),
            });
        }
    }
    Ok(NewImage { sha256: sha256_hex(data), mime, width, height, data: data.to_vec() })
}

/// The article HTML as stored: each `<img>` whose image is kept points at the library
/// ([`reference`]); every other `<img>` loses its `src` (its `alt` stays). Sanitized again.
pub fn rewrite_html(html: &str, slots: &[ImageSlot], base: &Url) -> String {
    if !html.contains("<img") {
        return html.to_owned();
    }
    let kept: HashMap<&str, &str> = slots.iter().filter_map(|s| Some((s.url.as_str(), s.sha256()?))).collect();
    let doc = Document::fragment(html);
    for img in doc.select("img").nodes() {
        let src = img.attr("src").map(|s| s.to_string()).unwrap_or_default();
        if parse_reference(&src).is_some() {
            continue;
        }
        match web_url(&src).as_deref().and_then(|u| kept.get(u)) {
            Some(sha) => img.set_attr("src", &reference(sha)),
            None => img.remove_attr("src"),
        }
    }
    crate::extract::render::sanitize(&doc.html(), base)
}

/// Whether stored HTML still has an image source on the web (it must go through
/// [`rewrite_html`]). Sanitized HTML quotes attributes with `"`.
pub fn needs_rewrite(html: &str) -> bool {
    html.contains("<img") && (html.contains("src=\"http:") || html.contains("src=\"https:"))
}

/// Stores a clip version's images: each kept image once by its SHA-256, a `clip_image` row per
/// slot (kept or not) in the caller's transaction.
pub fn store(conn: &Connection, clip_id: i64, version: i64, slots: &[ImageSlot]) -> Result<()> {
    let now = time_to_db(&Utc::now());
    let mut put = conn.prepare_cached(
        "INSERT OR IGNORE INTO image (sha256, mime, width, height, bytes, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut link = conn.prepare_cached(
        "INSERT INTO clip_image (clip_id, version, position, sha256, original_url, caption, credit, is_lead,
                                 error_code, error_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (position, slot) in slots.iter().enumerate() {
        if let ImageState::Kept(img) = &slot.state {
            put.execute(params![img.sha256, img.mime, img.width, img.height, img.data.len() as i64, img.data, now])?;
        }
        let error = slot.error();
        link.execute(params![
            clip_id,
            version,
            position as i64,
            slot.sha256(),
            slot.url,
            slot.caption,
            slot.credit,
            slot.is_lead,
            error.as_ref().map(ImageError::code),
            error.as_ref().map(ToString::to_string),
        ])?;
    }
    Ok(())
}

/// An image of a clip version as listed (`clipdesk show --json`'s `images`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClipImage {
    pub position: i64,
    /// `None` when the image was not kept (see `error`).
    pub sha256: Option<String>,
    pub mime: Option<String>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub bytes: Option<i64>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub original_url: String,
    pub is_lead: bool,
    pub error: Option<ImageFailure>,
}

/// Why an image was not kept, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageFailure {
    pub code: String,
    pub message: String,
}

/// The images of a clip's version, in order (kept or not).
pub fn list(conn: &Connection, clip_id: i64, version: i64) -> Result<Vec<ClipImage>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ci.position, ci.sha256, i.mime, i.width, i.height, i.bytes, ci.caption, ci.credit, ci.original_url,
                ci.is_lead, ci.error_code, ci.error_message
         FROM clip_image ci LEFT JOIN image i ON i.sha256 = ci.sha256
         WHERE ci.clip_id = ?1 AND ci.version = ?2 ORDER BY ci.position",
    )?;
    let rows = stmt.query_map(params![clip_id, version], |r| {
        let code: Option<String> = r.get(10)?;
        Ok(ClipImage {
            position: r.get(0)?,
            sha256: r.get(1)?,
            mime: r.get(2)?,
            width: r.get(3)?,
            height: r.get(4)?,
            bytes: r.get(5)?,
            caption: r.get(6)?,
            credit: r.get(7)?,
            original_url: r.get(8)?,
            is_lead: r.get(9)?,
            error: code.map(|code| ImageFailure {
                code,
                message: r.get::<_, Option<String>>(11).ok().flatten().unwrap_or_default(),
            }),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The images a clip already has in the library, by original URL (any version).
pub fn known(conn: &Connection, clip_id: i64) -> Result<HashMap<String, ImageRef>> {
    let mut stmt = conn.prepare_cached(
        "SELECT ci.original_url, i.sha256, i.mime, i.width, i.height, i.bytes
         FROM clip_image ci JOIN image i ON i.sha256 = ci.sha256 WHERE ci.clip_id = ?1",
    )?;
    let rows = stmt.query_map([clip_id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            ImageRef { sha256: r.get(1)?, mime: r.get(2)?, width: r.get(3)?, height: r.get(4)?, bytes: r.get(5)? },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A stored image's type and bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredImage {
    pub mime: String,
    pub data: Vec<u8>,
}

impl std::fmt::Debug for StoredImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredImage({} {} bytes)", self.mime, self.data.len())
    }
}

/// A stored image by its SHA-256.
pub fn get(conn: &Connection, sha256: &str) -> Result<Option<StoredImage>> {
    if !is_sha256(sha256) {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached("SELECT mime, data FROM image WHERE sha256 = ?1")?
        .query_row([sha256], |r| Ok(StoredImage { mime: r.get(0)?, data: r.get(1)? }))
        .optional()?)
}

/// The file extension of an image type.
pub fn extension(mime: &str) -> &'static str {
    match mime {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/webp" => "webp",
        _ => "bin",
    }
}

/// A read-only connection to a library's images, for serving them to the window: it never writes,
/// never migrates, and answers while another connection writes (WAL).
pub struct Reader {
    conn: Connection,
}

impl Reader {
    pub fn open(path: &Path) -> Result<Reader> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|source| crate::error::DbError::Open { path: path.to_owned(), source })?;
        conn.busy_timeout(crate::db::BUSY_TIMEOUT)?;
        Ok(Reader { conn })
    }

    /// The image named by a SHA-256, if the library has it.
    pub fn get(&self, sha256: &str) -> Result<Option<StoredImage>> {
        get(&self.conn, sha256)
    }
}

/// The error for an image reference that names nothing in the library.
pub fn not_found(sha256: &str) -> Error {
    Error::NotFound { what: "image", id: sha256.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_are_split_from_captions() {
        for (caption, want_caption, want_credit) in [
            (
                "Vladimir Putin in Moscow. (AP Photo/Ivan Sekretarev)",
                Some("Vladimir Putin in Moscow."),
                Some("AP Photo/Ivan Sekretarev"),
            ),
            ("Smoke over Aleppo, July 5. Photo: AFP", Some("Smoke over Aleppo, July 5."), Some("Photo: AFP")),
            ("The harbour at dawn | Reuters", Some("The harbour at dawn"), Some("Reuters")),
            ("Путин в Кремле. Фото: ТАСС", Some("Путин в Кремле."), Some("Фото: ТАСС")),
            ("A beach in Tel Aviv (Getty Images)", Some("A beach in Tel Aviv"), Some("Getty Images")),
            ("Credit: Jane Doe", None, Some("Credit: Jane Doe")),
            ("© Ministry of Defence", None, Some("© Ministry of Defence")),
            ("Reuters", None, Some("Reuters")),
            ("Members of the council vote (left to right)", Some("Members of the council vote (left to right)"), None),
            ("A photographer's view of the port", Some("A photographer's view of the port"), None),
            ("מפגינים בתל אביב. צילום: רויטרס", Some("מפגינים בתל אביב."), Some("צילום: רויטרס")),
        ] {
            let (c, k) = split_credit(caption);
            assert_eq!((c.as_deref(), k.as_deref()), (want_caption, want_credit), "{caption}");
        }
    }

    #[test]
    fn candidates_are_the_bodys_images_once_then_the_lead() {
        let html = r#"<figure><img src="https://cdn.example/a.jpg" alt=""><figcaption>The port. Photo: AP</figcaption></figure>
            <p>Text <img src="https://cdn.example/b.png" alt="A chart"></p><img src="https://cdn.example/a.jpg">
            <img src="data:image/png;base64,AAAA"><img>"#;
        let lead = Url::parse("https://cdn.example/lead.jpg").unwrap();
        let slots = candidates(html, Some(&lead));
        let got: Vec<(&str, Option<&str>, Option<&str>, bool)> =
            slots.iter().map(|s| (s.url.as_str(), s.caption.as_deref(), s.credit.as_deref(), s.is_lead)).collect();
        assert_eq!(
            got,
            [
                ("https://cdn.example/a.jpg", Some("The port."), Some("Photo: AP"), false),
                ("https://cdn.example/b.png", Some("A chart"), None, false),
                ("https://cdn.example/lead.jpg", None, None, true),
            ]
        );
        // The lead image shown in the body is that image, marked.
        let slots = candidates(html, Some(&Url::parse("https://cdn.example/b.png").unwrap()));
        assert_eq!(slots.len(), 2);
        assert!(slots[1].is_lead);
    }

    #[test]
    fn images_are_fetched_within_the_pages_zone() {
        for (page, image, allowed) in [
            ("https://news.example/a", "https://cdn.example/x.jpg", true),
            ("https://news.example/a", "http://127.0.0.1/x.jpg", false),
            ("https://news.example/a", "http://localhost:8080/x.jpg", false),
            ("https://news.example/a", "http://192.168.1.1/admin.png", false),
            ("https://news.example/a", "http://10.0.0.5/x.png", false),
            ("https://news.example/a", "http://[::1]/x.png", false),
            ("https://news.example/a", "http://[fd00::1]/x.png", false),
            ("https://news.example/a", "http://router/x.png", false),
            ("http://127.0.0.1:9000/a", "http://127.0.0.1:9001/x.png", true),
            ("http://127.0.0.1:9000/a", "https://static.example/x.png", false),
            ("http://10.1.2.3/a", "https://cdn.example/x.png", true),
            ("http://10.1.2.3/a", "http://10.1.2.4/x.png", true),
            ("http://10.1.2.3/a", "http://127.0.0.1/x.png", false),
        ] {
            let (p, i) = (Url::parse(page).unwrap(), Url::parse(image).unwrap());
            assert_eq!(zone_allows(zone(&p), zone(&i)), allowed, "{page} → {image}");
        }
    }

    #[test]
    fn references_are_exact() {
        let sha = "a".repeat(64);
        assert_eq!(parse_reference(&reference(&sha)), Some(sha.as_str()));
        for bad in [
            format!("clipdesk-img://localhost/{}", "A".repeat(64)),
            format!("clipdesk-img://evil/{sha}"),
            format!("clipdesk-img://localhost/{sha}?x"),
            format!("clipdesk-img://localhost/{}", "a".repeat(63)),
            format!("https://localhost/{sha}"),
        ] {
            assert_eq!(parse_reference(&bad), None, "{bad}");
        }
    }

    #[test]
    fn rewriting_points_kept_images_at_the_library_and_drops_the_rest() {
        let base = Url::parse("https://news.example/a").unwrap();
        let html = r#"<p><img src="https://cdn.example/a.jpg" alt="kept"><img src="https://cdn.example/b.jpg" alt="refused"></p>"#;
        let mut slots = candidates(html, None);
        let sha = "b".repeat(64);
        slots[0].state = ImageState::Known(ImageRef {
            sha256: sha.clone(),
            mime: "image/jpeg".into(),
            width: 1,
            height: 1,
            bytes: 1,
        });
        slots[1].state = ImageState::Failed(ImageError::Type { url: slots[1].url.clone(), found: "SVG".into() });
        let out = rewrite_html(html, &slots, &base);
        assert!(out.contains(&format!(r#"src="clipdesk-img://localhost/{sha}""#)), "{out}");
        assert!(!out.contains("cdn.example"), "{out}");
        assert!(out.contains(r#"alt="refused""#), "{out}");
        assert!(!needs_rewrite(&out));
        assert_eq!(rewrite_html(&out, &slots, &base), out, "idempotent");
    }
}

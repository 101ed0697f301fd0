//! The core's error types.
//!
//! Every error carries the context needed to act on it (the URL, the limit, the schema version) and a
//! stable machine-readable [`Error::code`] such as `fetch.timeout`. The CLI prints
//! `error[code]: message`; the desktop shell turns the same pair into its `{code, message}` IPC error.
//! Callers branch on the code, never on the message text.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Image(#[from] ImageError),
    #[error(transparent)]
    Capture(#[from] CaptureError),
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: String },
    #[error("{message}")]
    Input { code: &'static str, message: String },
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A bug: code panicked while working on one item (see [`crate::guard`]). The item fails with
    /// this error and the rest of the batch goes on; the message names where it panicked.
    #[error("internal error (a bug in Clipdesk, please report it): {message}")]
    Panic { message: String },
}

impl Error {
    /// A stable code naming the kind of failure, e.g. `fetch.timeout` or `db.too_new`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Fetch(e) => e.code(),
            Error::Extract(e) => e.code(),
            Error::Db(e) => e.code(),
            Error::Feed(e) => e.code(),
            Error::Image(e) => e.code(),
            Error::Capture(e) => e.code(),
            Error::Import(e) => e.code(),
            Error::Sync(e) => e.code(),
            Error::NotFound { .. } => "not_found",
            Error::Input { code, .. } => code,
            Error::Io { .. } => "io",
            Error::Write { .. } => "io.write",
            Error::Panic { .. } => "internal.panic",
        }
    }

    pub fn input(code: &'static str, message: impl Into<String>) -> Self {
        Error::Input { code, message: message.into() }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Db(DbError::Sqlite(e))
    }
}

/// Why a page could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("not a valid URL: {url:?} ({reason})")]
    BadUrl { url: String, reason: String },
    #[error("only http and https URLs can be clipped, not {scheme}: ({url})")]
    Scheme { url: String, scheme: String },
    #[error("{url} did not answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{url} redirected more than {limit} times")]
    TooManyRedirects { url: String, limit: usize },
    #[error("{url} redirected without a valid Location")]
    BadRedirect { url: String },
    #[error("{url} answered HTTP {status}")]
    HttpStatus {
        url: String,
        status: u16,
        /// Seconds the server asked us to wait (`Retry-After` on 429 and 503).
        retry_after: Option<u64>,
    },
    #[error("{url} is larger than the {limit} byte limit")]
    TooLarge { url: String, limit: u64 },
    #[error("{url} is {content_type}, not an HTML page")]
    NotHtml { url: String, content_type: String },
    #[error("cannot decode the {encoding} body of {url}: {message}")]
    Decode { url: String, encoding: String, message: String },
    #[error("network error on {url}: {message}")]
    Network { url: String, message: String },
}

impl FetchError {
    pub fn code(&self) -> &'static str {
        match self {
            FetchError::BadUrl { .. } => "fetch.bad_url",
            FetchError::Scheme { .. } => "fetch.scheme",
            FetchError::Timeout { .. } => "fetch.timeout",
            FetchError::Connect { .. } => "fetch.connect",
            FetchError::TooManyRedirects { .. } => "fetch.too_many_redirects",
            FetchError::BadRedirect { .. } => "fetch.bad_redirect",
            FetchError::HttpStatus { .. } => "fetch.http_status",
            FetchError::TooLarge { .. } => "fetch.too_large",
            FetchError::NotHtml { .. } => "fetch.not_html",
            FetchError::Decode { .. } => "fetch.decode",
            FetchError::Network { .. } => "fetch.network",
        }
    }
}

/// Why a fetched page gave no clip.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("no article found on {url}")]
    NoArticle { url: String },
    #[error("{url} nests elements {depth} deep, past the limit of {limit}")]
    TooDeep { url: String, depth: usize, limit: usize },
}

impl ExtractError {
    pub fn code(&self) -> &'static str {
        match self {
            ExtractError::NoArticle { .. } => "extract.no_article",
            ExtractError::TooDeep { .. } => "extract.too_deep",
        }
    }
}

/// Why a fetched document gave no feed, or an OPML file no subscriptions.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// An HTML page (look for its feed links with `monitor::discover`), or any other document that
    /// is not RSS, Atom, JSON Feed or a sitemap.
    #[error("{url} is {found}, not a feed")]
    NotAFeed { url: String, found: String },
    #[error("cannot parse the feed {url}: {message}")]
    Parse { url: String, message: String },
    #[error("{url} is larger than the {limit} byte limit once decompressed")]
    TooLarge { url: String, limit: u64 },
    #[error("not a usable OPML file: {message}")]
    Opml { message: String },
}

impl FeedError {
    pub fn code(&self) -> &'static str {
        match self {
            FeedError::NotAFeed { .. } => "feed.not_a_feed",
            FeedError::Parse { .. } => "feed.parse",
            FeedError::TooLarge { .. } => "feed.too_large",
            FeedError::Opml { .. } => "feed.opml",
        }
    }
}

/// Why an image of an article was not kept. The clip is stored all the same: the image's caption
/// and original URL stay with it, and the reader shows the caption where the image would be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("cannot fetch the image {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("the image {url} is larger than the {limit} byte limit")]
    TooLarge { url: String, limit: u64 },
    #[error("the clip's images reached the {limit} byte limit before {url}")]
    Budget { url: String, limit: u64 },
    #[error("the page has more than {limit} images; {url} and the rest were not fetched")]
    TooMany { url: String, limit: usize },
    #[error("the image {url} is {width}×{height} pixels, past the limit ({message})")]
    Dimensions { url: String, width: u32, height: u32, message: String },
    #[error("{url} is {found}, not an image Clipdesk keeps (PNG, JPEG, GIF, WebP)")]
    Type { url: String, found: String },
    #[error("the image {url} does not decode: {message}")]
    Decode { url: String, message: String },
    #[error("the image {url} was not fetched ({reason})")]
    Skipped { url: String, reason: String },
    #[error("the image {url} was not fetched: {reason}")]
    Blocked { url: String, reason: String },
}

impl ImageError {
    pub fn code(&self) -> &'static str {
        match self {
            ImageError::Fetch { .. } => "image.fetch",
            ImageError::TooLarge { .. } => "image.too_large",
            ImageError::Budget { .. } => "image.budget",
            ImageError::TooMany { .. } => "image.too_many",
            ImageError::Dimensions { .. } => "image.dimensions",
            ImageError::Type { .. } => "image.type",
            ImageError::Decode { .. } => "image.decode",
            ImageError::Skipped { .. } => "image.skipped",
            ImageError::Blocked { .. } => "image.blocked",
        }
    }
}

/// Why the capture endpoint refused a request (see `crate::capture`). Refusals happen before the
/// body is read and before the library is touched.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// The `Host` header is not this endpoint's `127.0.0.1:PORT` or `localhost:PORT`: a page that
    /// rebinds its own host name to 127.0.0.1 (DNS rebinding).
    #[error("the request was addressed to {host:?}, not to this endpoint")]
    Host { host: String },
    /// No `Origin`, or one that was not paired (a web page, another extension).
    #[error("the origin {origin:?} is not the paired Clipdesk extension")]
    Origin { origin: String },
    /// No pairing token, or a wrong one.
    #[error("missing or wrong pairing token (pair the extension again with the code Clipdesk shows)")]
    Token,
    #[error("the request is {size} bytes; the limit is {limit}")]
    TooLarge { size: u64, limit: u64 },
    #[error("bad request: {message}")]
    BadRequest { message: String },
    #[error("no such endpoint: {path}")]
    NotFound { path: String },
    #[error("{method} is not allowed on {path}")]
    Method { method: String, path: String },
    #[error("too many requests at once; try again")]
    Busy,
    #[error("cannot listen on 127.0.0.1 (tried ports {ports}): {message}")]
    Port { ports: String, message: String },
}

impl CaptureError {
    pub fn code(&self) -> &'static str {
        match self {
            CaptureError::Host { .. } => "capture.host",
            CaptureError::Origin { .. } => "capture.origin",
            CaptureError::Token => "capture.token",
            CaptureError::TooLarge { .. } => "capture.too_large",
            CaptureError::BadRequest { .. } => "capture.bad_request",
            CaptureError::NotFound { .. } => "capture.not_found",
            CaptureError::Method { .. } => "capture.method",
            CaptureError::Busy => "capture.busy",
            CaptureError::Port { .. } => "capture.port",
        }
    }
}

/// Why a collection from another tool could not be imported (the whole file, before anything is
/// written) or one of its items was not (see `crate::import`).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file ends before its format says it does (a download or copy cut short).
    #[error("{path} is cut short: {message}")]
    Truncated { path: PathBuf, message: String },
    /// The file is not what its format says (the message says where).
    #[error("{path} is not a {format} export: {message}")]
    Parse { path: PathBuf, format: &'static str, message: String },
    /// An item the export carries no content for; `--fetch-missing` fetches it.
    #[error("{url}: the export has no content for it (use --fetch-missing to fetch it)")]
    NoContent { url: String },
    /// An item without a web address to file it under.
    #[error("{item} has no http(s) URL")]
    NoUrl { item: String },
}

impl ImportError {
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Truncated { .. } => "import.truncated",
            ImportError::Parse { .. } => "import.parse",
            ImportError::NoContent { .. } => "import.no_content",
            ImportError::NoUrl { .. } => "import.no_url",
        }
    }
}

/// Why sharing desks through the team database failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this library is not attached to a team database: `clipdesk remote add URL` first")]
    NoRemote,
    #[error("cannot reach the team database {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{url} holds no Clipdesk team schema: its administrator runs `clipdesk remote init URL` first")]
    NotInitialised { url: String },
    #[error(
        "the team database has schema version {found}, newer than this Clipdesk supports ({supported}); \
         upgrade Clipdesk"
    )]
    TooNew { found: i64, supported: i64 },
    #[error("the team database refused: {message}")]
    Denied { message: String },
    #[error("no login role named {role:?} on the team database")]
    NoRole { role: String },
    #[error("no desk named {name:?} (see `clipdesk desk list`)")]
    NoDesk { name: String },
    #[error("a desk named {name:?} already exists")]
    DeskExists { name: String },
    #[error("team schema migration {version} failed: {message}")]
    Migration { version: i64, message: String },
    #[error("team database error ({sqlstate}): {message}")]
    Remote { sqlstate: String, message: String },
}

impl SyncError {
    pub fn code(&self) -> &'static str {
        match self {
            SyncError::NoRemote => "sync.no_remote",
            SyncError::Connect { .. } => "sync.connect",
            SyncError::NotInitialised { .. } => "sync.not_initialised",
            SyncError::TooNew { .. } => "sync.too_new",
            SyncError::Denied { .. } => "sync.denied",
            SyncError::NoRole { .. } => "sync.no_role",
            SyncError::NoDesk { .. } => "sync.no_desk",
            SyncError::DeskExists { .. } => "sync.desk_exists",
            SyncError::Migration { .. } => "sync.migration",
            SyncError::Remote { .. } => "sync.remote",
        }
    }
}

/// Storage failures.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("cannot open library {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "library {path} has schema version {found}, newer than this Clipdesk supports ({supported}); \
         upgrade Clipdesk to open it"
    )]
    TooNew { path: PathBuf, found: i64, supported: i64 },
    #[error("migration {version} failed: {source}")]
    Migration {
        version: i64,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[source] rusqlite::Error),
}

impl DbError {
    pub fn code(&self) -> &'static str {
        match self {
            DbError::Open { .. } => "db.open",
            DbError::TooNew { .. } => "db.too_new",
            DbError::Migration { .. } => "db.migration",
            DbError::Sqlite(e) if is_busy(e) => "db.busy",
            DbError::Sqlite(_) => "db.sqlite",
        }
    }
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked))
}

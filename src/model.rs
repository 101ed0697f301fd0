//! The library's plain data: what a clip, its snapshot and its tags are.
//!
//! These types serialize to the shapes of the CLI contract (`clipdesk show --json`, see
//! `../shared/DESIGN.md`): times RFC 3339 UTC, unknown values `null`. The desktop shell has its own
//! DTOs; it converts from these.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

/// A stored clip, whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clip {
    pub id: i64,
    pub url: String,
    pub canonical_url: String,
    pub title: String,
    pub authors: Vec<String>,
    pub site_name: Option<String>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub clipped_at: DateTime<Utc>,
    pub lang: Option<String>,
    pub text: String,
    pub html: String,
    pub word_count: i64,
    pub summary: Option<String>,
    pub note: Option<String>,
    pub lead_image: Option<String>,
    /// The outlet's UTC offset for `published_at`, in seconds east.
    pub published_offset: Option<i32>,
    pub tags: Vec<ClipTag>,
    pub snapshot: Option<SnapshotInfo>,
    /// The monitored sources whose entry this clip was made from.
    pub via_feeds: Vec<FeedRef>,
    /// The news agency the clip credits (`ap`, `reuters`…), from its dateline or byline.
    pub wire: Option<String>,
    /// The clip's story: its id, size, and whether the clip is its original, a copy or coverage.
    pub story: Option<crate::stories::ClipStory>,
    /// How many versions of the article Clipdesk has kept (1 until a re-capture finds it changed).
    pub versions: i64,
    /// The images of the latest version that are kept in the library, in order.
    pub images: Vec<ImageInfo>,
    /// The images of the latest version that were not kept, and why.
    pub image_errors: Vec<ImageErrorInfo>,
}

/// An image kept with a clip (`clipdesk show --json`'s `images`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageInfo {
    pub sha256: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub bytes: i64,
    pub original_url: String,
    pub is_lead: bool,
}

/// An image of a clip that was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageErrorInfo {
    pub original_url: String,
    pub caption: Option<String>,
    pub code: String,
    pub message: String,
}

/// A monitored source, as a clip names where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeedRef {
    pub id: i64,
    pub title: Option<String>,
    pub url: String,
}

/// One row of a clip listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClipSummary {
    pub id: i64,
    pub title: String,
    pub site_name: Option<String>,
    #[serde(serialize_with = "rfc3339_opt")]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(serialize_with = "rfc3339")]
    pub clipped_at: DateTime<Utc>,
    pub lang: Option<String>,
    pub url: String,
    pub word_count: i64,
    pub published_offset: Option<i32>,
}

/// The publication date as the outlet printed it: `published_at` in the page's own offset.
pub fn local_date(published_at: Option<DateTime<Utc>>, offset: Option<i32>) -> Option<chrono::NaiveDate> {
    let t = published_at?;
    let offset = chrono::FixedOffset::east_opt(offset.unwrap_or(0)).or(chrono::FixedOffset::east_opt(0))?;
    Some(t.with_timezone(&offset).date_naive())
}

/// A tag on a clip and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClipTag {
    pub kind: TagKind,
    pub name: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagKind {
    Topic,
    Actor,
}

impl TagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TagKind::Topic => "topic",
            TagKind::Actor => "actor",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "topic" => Some(TagKind::Topic),
            "actor" => Some(TagKind::Actor),
            _ => None,
        }
    }
}

/// Why a clip carries a tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    Manual,
    Rule,
    Alias,
    Suggested,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Manual => "manual",
            Origin::Rule => "rule",
            Origin::Alias => "alias",
            Origin::Suggested => "suggested",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "manual" => Some(Origin::Manual),
            "rule" => Some(Origin::Rule),
            "alias" => Some(Origin::Alias),
            "suggested" => Some(Origin::Suggested),
            _ => None,
        }
    }
}

/// Provenance of a clip: its latest snapshot, without the bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    pub id: i64,
    pub requested_url: String,
    pub final_url: String,
    pub redirects: Vec<crate::fetch::Hop>,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    #[serde(serialize_with = "rfc3339")]
    pub fetched_at: DateTime<Utc>,
    pub sha256: String,
    /// Size of the page as fetched (after Content-Encoding), in bytes.
    pub bytes: i64,
    pub extractor_version: String,
    /// The response's headers as (name, value) pairs in order; `None` for snapshots taken before
    /// Clipdesk kept them.
    pub headers: Option<Vec<(String, String)>>,
    /// Where the bytes came from when Clipdesk did not fetch them: `browser:NAME VERSION` (the
    /// page as the analyst's browser rendered it, sent by the capture extension) or
    /// `import:FORMAT`; `null` for a page Clipdesk fetched.
    pub source: Option<String>,
}

/// Formats a time the way the library stores it: RFC 3339, UTC, whole seconds, `Z`.
pub fn time_to_db(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a stored time; `None` for anything unreadable.
pub fn time_from_db(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.with_timezone(&Utc))
}

fn rfc3339<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&time_to_db(t))
}

pub(crate) fn rfc3339_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&time_to_db(t)),
        None => s.serialize_none(),
    }
}

//! The IPC shapes: what the UI sends and receives. Only this crate knows them; TypeScript
//! bindings are generated from these types (`ui/src/ipc/bindings/`, see [`export_bindings`]) and a
//! test fails when the committed bindings drift.

use clipdesk::digest::{self, build};
use clipdesk::model::{local_date, time_to_db, Clip, ClipTag};
use clipdesk::search::{FacetCount, Facets, Hit};
use clipdesk::trends::TrendSpec;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Every error the UI sees: a stable code to branch on and a message for people.
#[derive(Debug, Clone, Serialize, TS)]
pub struct IpcError {
    pub code: String,
    pub message: String,
}

impl From<clipdesk::Error> for IpcError {
    fn from(e: clipdesk::Error) -> Self {
        IpcError { code: e.code().to_owned(), message: e.to_string() }
    }
}

impl IpcError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        IpcError { code: code.to_owned(), message: message.into() }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TagChip {
    pub kind: String,
    pub name: String,
    pub origin: String,
}

impl From<&ClipTag> for TagChip {
    fn from(t: &ClipTag) -> Self {
        TagChip { kind: t.kind.as_str().into(), name: t.name.clone(), origin: t.origin.as_str().into() }
    }
}

/// One row of the library list or of search results.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ClipRow {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub site_name: Option<String>,
    /// RFC 3339, UTC.
    pub published_at: Option<String>,
    /// HTML-escaped text with matches in `<mark>`.
    pub snippet: String,
    pub tags: Vec<TagChip>,
    #[ts(type = "number | null")]
    pub story_id: Option<i64>,
    /// Clips in the clip's story (1 for a clip alone).
    #[ts(type = "number")]
    pub story_size: i64,
    /// Clips of the story the query matched (a collapsed row stands for them all).
    #[ts(type = "number")]
    pub matched: i64,
    /// "+4 outlets, 2 languages"; empty for a story of one outlet and one language.
    pub story_note: String,
}

impl From<Hit> for ClipRow {
    fn from(h: Hit) -> Self {
        ClipRow {
            story_note: clipdesk::stories::coverage_note(h.outlets.len(), h.languages.len()),
            id: h.id,
            title: h.title,
            site_name: h.site_name,
            published_at: h.published_at,
            snippet: h.snippet,
            tags: h.tags.iter().map(TagChip::from).collect(),
            story_id: h.story_id,
            story_size: h.story_size,
            matched: h.matched,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Facet {
    pub name: String,
    #[ts(type = "number")]
    pub count: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FacetSet {
    pub topic: Vec<Facet>,
    pub actor: Vec<Facet>,
    pub site: Vec<Facet>,
    pub lang: Vec<Facet>,
    pub month: Vec<Facet>,
}

impl From<Facets> for FacetSet {
    fn from(f: Facets) -> Self {
        let conv = |v: Vec<FacetCount>| v.into_iter().map(|c| Facet { name: c.name, count: c.count }).collect();
        FacetSet {
            topic: conv(f.topic),
            actor: conv(f.actor),
            site: conv(f.site),
            lang: conv(f.lang),
            month: conv(f.month),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SearchPage {
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub offset: i64,
    pub rows: Vec<ClipRow>,
    pub facets: Option<FacetSet>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Snapshot {
    pub requested_url: String,
    pub final_url: String,
    /// The redirect chain, "301 https://…" per hop.
    pub redirects: Vec<String>,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub fetched_at: String,
    pub sha256: String,
    #[ts(type = "number")]
    pub bytes: i64,
    pub extractor_version: String,
    /// Where the bytes came from when Clipdesk did not fetch them: "browser:Chromium 156.0…" (the
    /// extension), "import:wallabag"; null for a fetch.
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct HighlightDto {
    #[ts(type = "number")]
    pub id: i64,
    pub quote: String,
    pub note: Option<String>,
}

/// A clip for the reader.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ClipDetail {
    #[ts(type = "number")]
    pub id: i64,
    pub url: String,
    pub canonical_url: String,
    pub title: String,
    pub authors: Vec<String>,
    pub site_name: Option<String>,
    pub published_at: Option<String>,
    /// The publication date as the outlet printed it ("2016-07-06").
    pub published_date: Option<String>,
    pub clipped_at: String,
    pub lang: Option<String>,
    /// "rtl" or "ltr".
    #[ts(type = "\"ltr\" | \"rtl\"")]
    pub dir: String,
    /// Sanitized article HTML.
    pub html: String,
    #[ts(type = "number")]
    pub word_count: i64,
    pub summary: Option<String>,
    pub note: Option<String>,
    pub tags: Vec<TagChip>,
    pub snapshot: Option<Snapshot>,
    pub highlights: Vec<HighlightDto>,
    /// The news agency the clip credits ("AP").
    pub wire: Option<String>,
    pub story: Option<crate::stories::ClipStoryDto>,
    /// Every version of the article, oldest first (one until a re-capture finds it changed).
    pub versions: Vec<VersionDto>,
    /// The latest version's images kept in the library, in order.
    pub images: Vec<ImageDto>,
    /// How many of its images were not kept.
    #[ts(type = "number")]
    pub images_not_kept: usize,
    /// Every how many seconds the page is checked for edits, if it is watched.
    #[ts(type = "number | null")]
    pub watched_every: Option<i64>,
    /// The desk a shared clip belongs to (`None`: this laptop only).
    pub team: Option<crate::team::ClipDeskDto>,
}

/// One version of an article in the reader's timeline.
#[derive(Debug, Clone, Serialize, TS)]
pub struct VersionDto {
    #[ts(type = "number")]
    pub version: i64,
    pub created_at: String,
    /// When its page was fetched.
    pub fetched_at: Option<String>,
    pub title: String,
    #[ts(type = "number")]
    pub words: usize,
    /// How it differs from the version before ("headline changed; 2 paragraphs removed").
    pub summary: String,
    pub substantive: bool,
    pub http_status: Option<u16>,
    /// SHA-256 of its page as fetched.
    pub sha256: Option<String>,
}

impl From<clipdesk::versions::Version> for VersionDto {
    fn from(v: clipdesk::versions::Version) -> Self {
        VersionDto {
            version: v.version,
            summary: if v.version == 1 { "first capture".into() } else { v.change.describe() },
            substantive: v.change.alerts(),
            created_at: v.created_at,
            fetched_at: v.fetched_at,
            title: v.title,
            words: v.words,
            http_status: v.snapshot.as_ref().and_then(|s| s.http_status),
            sha256: v.snapshot.map(|s| s.sha256),
        }
    }
}

/// An image kept with a clip, shown from the library.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ImageDto {
    pub sha256: String,
    /// `clipdesk-img://localhost/<sha256>`: served by the app from the library.
    pub src: String,
    pub width: u32,
    pub height: u32,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub is_lead: bool,
    #[ts(type = "number")]
    pub bytes: i64,
}

/// One version's article, for the reader.
#[derive(Debug, Clone, Serialize, TS)]
pub struct VersionDetail {
    #[ts(type = "number")]
    pub version: i64,
    pub title: String,
    /// Sanitized HTML, images from the library.
    pub html: String,
    pub created_at: String,
}

/// A run of words in a diff: "same", "added" or "removed".
#[derive(Debug, Clone, Serialize, TS)]
pub struct SpanDto {
    pub op: String,
    pub text: String,
}

/// A paragraph of a diff: "same", "added", "removed" or "changed", with its words.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiffParagraphDto {
    pub op: String,
    pub spans: Vec<SpanDto>,
}

/// How two versions differ, for the reader's diff view.
#[derive(Debug, Clone, Serialize, TS)]
pub struct DiffDto {
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    pub title_changed: bool,
    pub title: Vec<SpanDto>,
    pub paragraphs: Vec<DiffParagraphDto>,
    pub summary: String,
    #[ts(type = "number")]
    pub words_added: usize,
    #[ts(type = "number")]
    pub words_removed: usize,
}

impl From<clipdesk::versions::Diff> for DiffDto {
    fn from(d: clipdesk::versions::Diff) -> Self {
        use clipdesk::versions::Paragraph;
        let spans = |v: Vec<clipdesk::versions::Span>| -> Vec<SpanDto> {
            v.into_iter().map(|s| SpanDto { op: s.op.into(), text: s.text }).collect()
        };
        let whole =
            |op: &str, text: String| DiffParagraphDto { op: op.into(), spans: vec![SpanDto { op: op.into(), text }] };
        DiffDto {
            from: d.from,
            to: d.to,
            title_changed: d.title.changed,
            title: spans(d.title.spans),
            paragraphs: d
                .paragraphs
                .into_iter()
                .map(|p| match p {
                    Paragraph::Same { text } => whole("same", text),
                    Paragraph::Added { text } => whole("added", text),
                    Paragraph::Removed { text } => whole("removed", text),
                    Paragraph::Changed { spans: s } => DiffParagraphDto { op: "changed".into(), spans: spans(s) },
                })
                .collect(),
            summary: d.change.describe(),
            words_added: d.change.words_added,
            words_removed: d.change.words_removed,
        }
    }
}

/// What a re-capture found.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RecaptureDto {
    /// "changed", "unchanged", "not_modified" or "failed".
    pub status: String,
    #[ts(type = "number")]
    pub version: i64,
    pub summary: Option<String>,
    pub error: Option<IpcError>,
}

impl ClipDetail {
    pub fn new(
        c: Clip,
        highlights: Vec<clipdesk::highlight::Highlight>,
        versions: Vec<clipdesk::versions::Version>,
        watched_every: Option<i64>,
    ) -> Self {
        let dir = match c.lang.as_deref() {
            Some("ar" | "he" | "fa" | "ur" | "yi" | "ps") => "rtl",
            _ => "ltr",
        };
        ClipDetail {
            id: c.id,
            url: c.url,
            canonical_url: c.canonical_url,
            title: c.title,
            authors: c.authors,
            site_name: c.site_name,
            published_at: c.published_at.as_ref().map(time_to_db),
            published_date: local_date(c.published_at, c.published_offset).map(|d| d.format("%Y-%m-%d").to_string()),
            clipped_at: time_to_db(&c.clipped_at),
            lang: c.lang,
            dir: dir.into(),
            html: c.html,
            word_count: c.word_count,
            summary: c.summary,
            note: c.note,
            tags: c.tags.iter().map(TagChip::from).collect(),
            snapshot: c.snapshot.map(|s| Snapshot {
                requested_url: s.requested_url,
                final_url: s.final_url,
                redirects: s.redirects.iter().map(|h| format!("{} {}", h.status, h.url)).collect(),
                http_status: s.http_status,
                content_type: s.content_type,
                charset: s.charset,
                fetched_at: time_to_db(&s.fetched_at),
                sha256: s.sha256,
                bytes: s.bytes,
                extractor_version: s.extractor_version,
                source: s.source,
            }),
            highlights: highlights
                .into_iter()
                .map(|h| HighlightDto { id: h.id, quote: h.quote, note: h.note })
                .collect(),
            wire: c.wire.as_deref().map(crate::stories::wire_name),
            story: c.story.map(Into::into),
            images_not_kept: c.image_errors.len(),
            images: c
                .images
                .into_iter()
                .map(|i| ImageDto {
                    src: clipdesk::images::reference(&i.sha256),
                    sha256: i.sha256,
                    width: i.width,
                    height: i.height,
                    caption: i.caption,
                    credit: i.credit,
                    is_lead: i.is_lead,
                    bytes: i.bytes,
                })
                .collect(),
            versions: versions.into_iter().map(VersionDto::from).collect(),
            watched_every,
            team: None,
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SuggestionDto {
    pub name: String,
    pub actor_type: String,
    #[ts(type = "number")]
    pub mentions: usize,
    pub known: bool,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TopicDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub path: String,
    #[ts(type = "number | null")]
    pub parent_id: Option<i64>,
    pub rule: Option<String>,
    #[ts(type = "number")]
    pub clips: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct ActorDto {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub actor_type: Option<String>,
    pub description: Option<String>,
    pub aliases: Vec<String>,
    #[ts(type = "number")]
    pub clips: i64,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Taxonomy {
    pub topics: Vec<TopicDto>,
    pub actors: Vec<ActorDto>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct RulePreviewDto {
    #[ts(type = "number")]
    pub matching: usize,
    #[ts(type = "number")]
    pub would_add: usize,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TagChangeDto {
    #[ts(type = "number")]
    pub clips: usize,
    #[ts(type = "number")]
    pub added: usize,
    #[ts(type = "number")]
    pub removed: usize,
}

/// Progress of a long job (clipping a batch, retagging), streamed over a channel.
#[derive(Debug, Clone, Serialize, TS)]
pub struct JobEvent {
    /// "started" (one URL begun), "created", "duplicate", "failed", "progress", "finished",
    /// "cancelled".
    pub kind: String,
    pub url: Option<String>,
    #[ts(type = "number | null")]
    pub id: Option<i64>,
    pub error: Option<IpcError>,
    #[ts(type = "number")]
    pub done: usize,
    #[ts(type = "number")]
    pub total: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct SavedSearchDto {
    pub name: String,
    pub query: String,
}

/// A clip's place in a briefing, as the builder edits it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct ItemChoiceDto {
    #[ts(type = "number")]
    pub clip_id: i64,
    /// "auto", "added" or "excluded".
    pub membership: String,
    #[ts(type = "number | null")]
    pub position: Option<i64>,
    pub summary: Option<String>,
    pub note: Option<String>,
    pub hidden: bool,
}

/// A briefing's definition, as the builder edits it.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
pub struct DigestDto {
    #[ts(type = "number | null")]
    pub id: Option<i64>,
    pub title: String,
    pub subtitle: Option<String>,
    pub author: Option<String>,
    pub classification: Option<String>,
    /// "YYYY-MM-DD".
    pub period_start: Option<String>,
    pub period_end: Option<String>,
    /// Which date the period applies to: "published" or "clipped".
    pub period_on: String,
    pub query: Option<String>,
    pub saved_search: Option<String>,
    /// "topic", "actor", "site", "day" or "none".
    pub group_by: String,
    /// "each" or "first".
    pub multi_group: String,
    /// "newest", "oldest", "relevance" or "manual".
    pub order_by: String,
    pub executive_summary: Option<String>,
    /// The trend section's queries, one per series (none: no section).
    pub trend_series: Vec<String>,
    /// "day" or "week".
    pub trend_by: String,
    /// Show each story's lead image in the PDF and HTML.
    #[serde(default)]
    pub lead_images: bool,
    pub items: Vec<ItemChoiceDto>,
}

/// The trends view: the chart (as the PDF draws it) and its numbers.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TrendView {
    /// The chart as an SVG document.
    pub svg: String,
    /// What is counted, over which period ("Clips per week by publication date, …").
    pub description: String,
    pub series: Vec<TrendSeriesDto>,
    #[ts(type = "number")]
    pub clips: i64,
    pub outlets: Vec<TrendShareDto>,
    pub languages: Vec<TrendShareDto>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TrendSeriesDto {
    pub query: String,
    pub label: String,
    #[ts(type = "number")]
    pub total: i64,
    #[ts(type = "number")]
    pub undated: i64,
    /// The busiest point's label and count, if any clip was counted.
    pub peak: Option<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct TrendShareDto {
    pub label: String,
    #[ts(type = "number")]
    pub count: i64,
    /// 0–1.
    pub share: f64,
}

impl TrendView {
    pub fn new(t: &clipdesk::trends::Trends, svg: String) -> Self {
        let shares = |v: &[clipdesk::trends::Share]| {
            v.iter().map(|s| TrendShareDto { label: s.label.clone(), count: s.count, share: s.share }).collect()
        };
        TrendView {
            svg,
            description: clipdesk::trends::describe(t),
            series: t
                .series
                .iter()
                .map(|s| TrendSeriesDto {
                    query: s.query.clone(),
                    label: s.label.clone(),
                    total: s.total,
                    undated: s.undated,
                    peak: s.peak().map(|p| format!("{} ({})", p.label, p.count)),
                })
                .collect(),
            clips: t.clips,
            outlets: shares(&t.outlets),
            languages: shares(&t.languages),
        }
    }
}

/// Clips cited for the clipboard.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CitationDto {
    /// One reference per line, or the whole file's text (BibTeX, RIS, CSL-JSON).
    pub text: String,
    /// APA and Chicago: the references as HTML, for a rich paste.
    pub html: Option<String>,
}

fn choice<T: for<'de> Deserialize<'de>>(what: &str, s: &str, allowed: &str) -> Result<T, IpcError> {
    digest::parse_choice(what, s, allowed).map_err(IpcError::from)
}

fn name_of<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

impl DigestDto {
    pub fn into_digest(self) -> Result<digest::Digest, IpcError> {
        let date = |s: &Option<String>| -> Result<Option<chrono::NaiveDate>, IpcError> {
            match s.as_deref().filter(|s| !s.is_empty()) {
                None => Ok(None),
                Some(d) => chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .map(Some)
                    .map_err(|_| IpcError::new("input.date", format!("expected a date like 2016-07-01, found {d:?}"))),
            }
        };
        let blank = |s: Option<String>| s.filter(|v| !v.trim().is_empty());
        Ok(digest::Digest {
            id: self.id,
            title: self.title,
            period_start: date(&self.period_start)?,
            period_end: date(&self.period_end)?,
            period_on: choice("period basis", &self.period_on, "published, clipped")?,
            subtitle: blank(self.subtitle),
            author: blank(self.author),
            classification: blank(self.classification),
            query: blank(self.query),
            saved_search: blank(self.saved_search),
            group_by: choice("grouping", &self.group_by, "topic, actor, site, day, none")?,
            multi_group: choice("multi-group setting", &self.multi_group, "each, first")?,
            order_by: choice("order", &self.order_by, "newest, oldest, relevance, manual")?,
            executive_summary: blank(self.executive_summary),
            trends: {
                let series: Vec<String> =
                    self.trend_series.iter().map(|q| q.trim().to_owned()).filter(|q| !q.is_empty()).collect();
                if series.is_empty() {
                    None
                } else {
                    Some(TrendSpec {
                        series,
                        by: choice("trend interval", &self.trend_by, "day, week")?,
                        ..Default::default()
                    })
                }
            },
            lead_images: self.lead_images,
            items: self
                .items
                .into_iter()
                .map(|i| {
                    Ok(digest::ItemChoice {
                        clip_id: i.clip_id,
                        membership: choice("membership", &i.membership, "auto, added, excluded")?,
                        position: i.position,
                        summary: blank(i.summary),
                        note: blank(i.note),
                        highlights: Vec::new(),
                        hidden: i.hidden,
                    })
                })
                .collect::<Result<_, IpcError>>()?,
        })
    }

    pub fn from_digest(d: digest::Digest) -> Self {
        DigestDto {
            id: d.id,
            title: d.title,
            subtitle: d.subtitle,
            author: d.author,
            classification: d.classification,
            period_start: d.period_start.map(|p| p.format("%Y-%m-%d").to_string()),
            period_end: d.period_end.map(|p| p.format("%Y-%m-%d").to_string()),
            period_on: name_of(&d.period_on),
            query: d.query,
            saved_search: d.saved_search,
            group_by: name_of(&d.group_by),
            multi_group: name_of(&d.multi_group),
            order_by: name_of(&d.order_by),
            executive_summary: d.executive_summary,
            trend_series: d.trends.as_ref().map(|t| t.series.clone()).unwrap_or_default(),
            trend_by: name_of(&d.trends.as_ref().map(|t| t.by).unwrap_or_default()),
            lead_images: d.lead_images,
            items: d
                .items
                .into_iter()
                .map(|i| ItemChoiceDto {
                    clip_id: i.clip_id,
                    membership: name_of(&i.membership),
                    position: i.position,
                    summary: i.summary,
                    note: i.note,
                    hidden: i.hidden,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct DigestSummary {
    #[ts(type = "number")]
    pub id: i64,
    pub title: String,
    pub updated_at: String,
}

/// One item of a built briefing, as the builder shows it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BriefingItem {
    #[ts(type = "number")]
    pub clip_id: i64,
    pub headline: String,
    pub outlet: Option<String>,
    pub date: Option<String>,
    pub summary: Vec<String>,
    pub summary_is_override: bool,
    pub note: Option<String>,
    #[ts(type = "\"ltr\" | \"rtl\"")]
    pub dir: String,
    pub also_in: Vec<String>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct BriefingGroup {
    pub name: String,
    pub items: Vec<BriefingItem>,
}

/// A built briefing and its pages as SVG, for the live preview.
#[derive(Debug, Clone, Serialize, TS)]
pub struct BriefingPreview {
    #[ts(type = "number")]
    pub stories: usize,
    pub groups: Vec<BriefingGroup>,
    /// Each page as an SVG document.
    pub pages: Vec<String>,
}

impl BriefingPreview {
    pub fn new(b: &build::Briefing, pages: Vec<String>) -> Self {
        BriefingPreview {
            stories: b.story_count,
            groups: b
                .groups
                .iter()
                .map(|g| BriefingGroup {
                    name: g.name.clone(),
                    items: g
                        .items
                        .iter()
                        .map(|i| BriefingItem {
                            clip_id: i.clip_id,
                            headline: i.headline.clone(),
                            outlet: i.outlet.clone(),
                            date: i.date.clone(),
                            summary: i.summary.clone(),
                            summary_is_override: i.summary_is_override,
                            note: i.note.clone(),
                            dir: i.dir.into(),
                            also_in: i.also_in.iter().map(|c| c.outlet.clone()).collect(),
                        })
                        .collect(),
                })
                .collect(),
            pages,
        }
    }
}

/// What a backup, export or import did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ArchiveReport {
    pub path: String,
    #[ts(type = "number")]
    pub clips: usize,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Writes every binding into `dir` (one `.ts` file per type).
pub fn export_bindings(dir: &std::path::Path) -> Result<(), ts_rs::ExportError> {
    let cfg = ts_rs::Config::new().with_out_dir(dir);
    IpcError::export_all(&cfg)?;
    CitationDto::export_all(&cfg)?;
    TrendView::export_all(&cfg)?;
    ClipRow::export_all(&cfg)?;
    SearchPage::export_all(&cfg)?;
    ClipDetail::export_all(&cfg)?;
    SuggestionDto::export_all(&cfg)?;
    Taxonomy::export_all(&cfg)?;
    RulePreviewDto::export_all(&cfg)?;
    TagChangeDto::export_all(&cfg)?;
    JobEvent::export_all(&cfg)?;
    SavedSearchDto::export_all(&cfg)?;
    DigestDto::export_all(&cfg)?;
    DigestSummary::export_all(&cfg)?;
    BriefingPreview::export_all(&cfg)?;
    ArchiveReport::export_all(&cfg)?;
    VersionDetail::export_all(&cfg)?;
    DiffDto::export_all(&cfg)?;
    RecaptureDto::export_all(&cfg)?;
    crate::monitor::export_bindings(&cfg)?;
    crate::stories::export_bindings(&cfg)?;
    crate::capture::export_bindings(&cfg)?;
    crate::team::export_bindings(&cfg)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::path::Path;

    fn read_dir(dir: &Path) -> BTreeMap<String, String> {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
                    .map(|e| {
                        (
                            e.file_name().to_string_lossy().into_owned(),
                            std::fs::read_to_string(e.path()).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The committed TypeScript bindings are exactly what the Rust types generate. After changing
    /// a DTO, run `UPDATE_BINDINGS=1 cargo test -p clipdesk-app bindings` and commit the result.
    #[test]
    fn bindings_match_the_rust_types() {
        let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/ipc/bindings");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            let _ = std::fs::remove_dir_all(&committed);
            super::export_bindings(&committed).expect("export");
        }
        let fresh = tempfile::tempdir().expect("tempdir");
        super::export_bindings(fresh.path()).expect("export");
        let (want, have) = (read_dir(fresh.path()), read_dir(&committed));
        assert!(!want.is_empty());
        for (name, text) in &want {
            assert_eq!(
                have.get(name),
                Some(text),
                "ui/src/ipc/bindings/{name} is stale: regenerate with UPDATE_BINDINGS=1"
            );
        }
        for name in have.keys() {
            assert!(want.contains_key(name), "ui/src/ipc/bindings/{name} has no Rust type any more");
        }
    }
}

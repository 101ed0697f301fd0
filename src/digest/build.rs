//! From a digest's definition to a briefing: the clips selected, one item per story (the library's
//! stories, [`crate::stories`]: copies and coverage of one event in any language), the groups, the
//! order, and every item's text as it will print.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::{summary, Digest, GroupBy, Membership, MultiGroup, OrderBy, PeriodOn};
use crate::error::{Error, Result};
use crate::model::{local_date, time_from_db, TagKind};
use crate::search::{self, query};

/// A briefing ready to lay out. Every string is final text (never markup).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Briefing {
    pub title: String,
    pub subtitle: Option<String>,
    pub author: Option<String>,
    pub classification: Option<String>,
    /// "1–7 July 2016", when the digest has a period.
    pub period: Option<String>,
    /// "27 November 2026".
    pub generated: String,
    pub executive_summary: Vec<String>,
    pub group_by: GroupBy,
    pub groups: Vec<Group>,
    /// Distinct stories (one item each), whatever the grouping repeats.
    pub story_count: usize,
    /// The trend section, when the digest asks for one.
    pub trends: Option<crate::trends::Trends>,
    /// The bytes of the lead images the items show, by their `path` (given to the PDF's Typst
    /// world as files and embedded in the HTML; never part of the JSON data).
    #[serde(skip)]
    pub images: BTreeMap<String, BriefingImage>,
}

/// An image's bytes for an export.
#[derive(Clone, PartialEq, Eq)]
pub struct BriefingImage {
    pub mime: String,
    pub data: std::sync::Arc<Vec<u8>>,
}

impl std::fmt::Debug for BriefingImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "BriefingImage({} {} bytes)", self.mime, self.data.len())
    }
}

/// A story's lead image, as a briefing shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeadImage {
    /// Where the export finds its bytes (`/images/<sha256>.<ext>`): a key of [`Briefing::images`].
    pub path: String,
    pub width: u32,
    pub height: u32,
    /// Caption and credit, as printed under it.
    pub caption: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// Empty when the briefing is not grouped.
    pub name: String,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    pub clip_id: i64,
    pub headline: String,
    pub outlet: Option<String>,
    /// The date as the outlet printed it, "6 July 2016".
    pub date: Option<String>,
    pub authors: Vec<String>,
    pub lang: Option<String>,
    /// "rtl" for Arabic, Hebrew, Persian, Urdu text.
    pub dir: &'static str,
    /// The summary's sentences (or the analyst's own summary as one entry).
    pub summary: Vec<String>,
    pub summary_is_override: bool,
    pub note: Option<String>,
    pub quotes: Vec<Quote>,
    pub topics: Vec<String>,
    pub actors: Vec<String>,
    /// The source as a link target: http(s) only, non-ASCII percent-encoded; `None` if the clip's
    /// URL cannot be a safe link.
    pub url: Option<String>,
    /// The source as printed.
    pub url_display: String,
    /// When Clipdesk fetched the page (the snapshot), "27 November 2026".
    pub retrieved: String,
    /// Other outlets of the briefing's clips of the same story (copies and coverage).
    pub also_in: Vec<Copy>,
    /// The story's lead image, when the briefing shows them and the clip kept one.
    pub lead_image: Option<LeadImage>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub text: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Copy {
    pub outlet: String,
    pub url: Option<String>,
    pub lang: Option<String>,
}

/// Everything about one clip a briefing may print.
struct ClipData {
    id: i64,
    title: String,
    canonical_url: String,
    outlet: Option<String>,
    published: Option<DateTime<Utc>>,
    offset: Option<i32>,
    authors: Vec<String>,
    lang: Option<String>,
    text: String,
    note: Option<String>,
    fetched: Option<DateTime<Utc>>,
    topics: Vec<String>,
    actors: Vec<(String, Option<String>)>,
    score: f64,
    /// Published, else clipped (as stored: orders like the time), as stories order clips.
    time: String,
    story: Option<i64>,
}

/// Formats a date the way a briefing prints it.
pub fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// Builds the briefing of a digest.
pub fn build(conn: &Connection, digest: &Digest) -> Result<Briefing> {
    let selected = select(conn, digest)?;
    if selected.is_empty() {
        return Err(Error::input(
            "digest.empty",
            "the selection finds no clips: widen the query or the period, or add clips by hand",
        ));
    }
    let mut clips: Vec<ClipData> = Vec::with_capacity(selected.len());
    for (id, score) in &selected {
        clips.push(load_clip(conn, *id, *score)?);
    }
    let choices: HashMap<i64, &super::ItemChoice> = digest.items.iter().map(|c| (c.clip_id, c)).collect();

    // One item per story: its earliest selected clip (the story's original when selected); the
    // other selected clips of the story are listed as "also in".
    let lead = story_leads(&clips);
    let mut items: BTreeMap<i64, Item> = BTreeMap::new();
    let mut images: BTreeMap<String, BriefingImage> = BTreeMap::new();
    for clip in &clips {
        if lead.get(&clip.id).is_none_or(|l| *l == clip.id) {
            let mut item = make_item(conn, clip, choices.get(&clip.id).copied())?;
            if digest.lead_images {
                if let Some((lead, bytes)) = lead_image(conn, clip.id)? {
                    images.insert(lead.path.clone(), bytes);
                    item.lead_image = Some(lead);
                }
            }
            items.insert(clip.id, item);
        }
    }
    let by_time = |c: &&ClipData| (c.time.clone(), c.id);
    let mut ordered: Vec<&ClipData> = clips.iter().collect();
    ordered.sort_by_key(by_time);
    for clip in ordered {
        let Some(&l) = lead.get(&clip.id).filter(|l| **l != clip.id) else { continue };
        let Some(item) = items.get_mut(&l) else { continue };
        let outlet = clip.outlet.clone().unwrap_or_else(|| host_of(&clip.canonical_url));
        if item.outlet.as_deref() == Some(outlet.as_str()) || item.also_in.iter().any(|c| c.outlet == outlet) {
            continue;
        }
        item.also_in.push(Copy { outlet, url: safe_link(&clip.canonical_url), lang: clip.lang.clone() });
    }

    // Groups.
    let by_id: HashMap<i64, &ClipData> = clips.iter().map(|c| (c.id, c)).collect();
    let mut groups: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for &id in items.keys() {
        let clip = by_id[&id];
        let mut keys: Vec<String> = match digest.group_by {
            GroupBy::Topic => clip.topics.clone(),
            GroupBy::Actor => {
                // People and organisations first; states only when nothing else is tagged.
                let main: Vec<String> =
                    clip.actors.iter().filter(|(_, t)| t.as_deref() != Some("state")).map(|(n, _)| n.clone()).collect();
                if main.is_empty() {
                    clip.actors.iter().map(|(n, _)| n.clone()).collect()
                } else {
                    main
                }
            }
            GroupBy::Site => clip.outlet.clone().into_iter().collect(),
            GroupBy::Day => {
                local_date(clip.published, clip.offset).map(|d| d.format("%Y-%m-%d").to_string()).into_iter().collect()
            }
            GroupBy::None => vec![String::new()],
        };
        if keys.is_empty() {
            keys.push(String::new()); // "Other"
        }
        if digest.multi_group == MultiGroup::First {
            keys.truncate(1);
        }
        for key in keys {
            groups.entry(key).or_default().push(id);
        }
    }
    let order_key = |id: &i64| by_id[id].published.map_or(i64::MIN, |t| t.timestamp());
    let mut out_groups: Vec<Group> = Vec::new();
    for (name, mut ids) in groups {
        match digest.order_by {
            OrderBy::Newest => ids.sort_by_key(|id| std::cmp::Reverse(order_key(id))),
            OrderBy::Oldest => ids.sort_by_key(order_key),
            OrderBy::Relevance => ids.sort_by(|a, b| by_id[b].score.total_cmp(&by_id[a].score)),
            OrderBy::Manual => ids.sort_by_key(|id| {
                (choices.get(id).and_then(|c| c.position).unwrap_or(i64::MAX), std::cmp::Reverse(order_key(id)))
            }),
        }
        out_groups.push(Group { name, items: ids.iter().filter_map(|id| items.get(id).cloned()).collect() });
    }
    // Sections: the largest first for topics, actors and outlets; days newest first; the
    // ungrouped rest last.
    match digest.group_by {
        GroupBy::Day => out_groups.sort_by(|a, b| b.name.cmp(&a.name)),
        _ => out_groups.sort_by(|a, b| b.items.len().cmp(&a.items.len()).then(a.name.cmp(&b.name))),
    }
    if let Some(i) = out_groups.iter().position(|g| g.name.is_empty()) {
        let other = out_groups.remove(i);
        out_groups.push(other);
    }
    if digest.group_by == GroupBy::Day {
        for g in &mut out_groups {
            if let Ok(d) = chrono::NaiveDate::parse_from_str(&g.name, "%Y-%m-%d") {
                g.name = d.format("%A %-d %B %Y").to_string();
            }
        }
    }

    let dates = match (digest.period_start, digest.period_end) {
        (Some(a), Some(b)) if a == b => Some(long_date(a)),
        (Some(a), Some(b)) => Some(format!("{} – {}", long_date(a), long_date(b))),
        (Some(a), None) => Some(format!("from {}", long_date(a))),
        (None, Some(b)) => Some(format!("until {}", long_date(b))),
        (None, None) => None,
    };
    // The briefing says which date its period is about.
    let period = dates.map(|d| match digest.period_on {
        PeriodOn::Published => format!("Published {d}"),
        PeriodOn::Clipped => format!("Clipped {d}"),
    });
    // The trend section covers the briefing's period unless it has its own.
    let trends = match &digest.trends {
        Some(spec) => {
            let mut spec = spec.clone();
            if spec.from.is_none() && spec.to.is_none() {
                (spec.from, spec.to, spec.on) = (digest.period_start, digest.period_end, digest.period_on);
            }
            Some(crate::trends::compute(conn, &spec)?)
        }
        None => None,
    };
    Ok(Briefing {
        title: digest.title.clone(),
        subtitle: digest.subtitle.clone(),
        author: digest.author.clone(),
        classification: digest.classification.clone(),
        period,
        generated: long_date(Utc::now().date_naive()),
        executive_summary: digest
            .executive_summary
            .as_deref()
            .map(|s| s.split("\n\n").map(crate::text::collapse_ws).filter(|p| !p.is_empty()).collect())
            .unwrap_or_default(),
        group_by: digest.group_by,
        story_count: items.len(),
        groups: out_groups,
        trends,
        images,
    })
}

/// The clips a digest selects, with their search scores: its query (or saved search) within its
/// period, plus the clips added by hand, minus those excluded or hidden.
fn select(conn: &Connection, digest: &Digest) -> Result<Vec<(i64, f64)>> {
    let q = match (&digest.query, &digest.saved_search) {
        (Some(q), _) if !q.trim().is_empty() => format!("({q})"),
        (_, Some(name)) => format!("saved:\"{}\"", name.replace('"', "")),
        _ => String::new(),
    };
    let has_selection = !q.is_empty();
    let q = period_query(&q, digest.period_start, digest.period_end, digest.period_on);
    let mut hits: Vec<(i64, f64)> = if has_selection || digest.period_start.is_some() || digest.period_end.is_some() {
        let node = search::parse(conn, q.trim())?;
        let compiled = query::compile(&node, Utc::now());
        search::matching_ids(conn, &compiled)?
    } else {
        Vec::new()
    };
    let excluded: HashSet<i64> =
        digest.items.iter().filter(|c| c.membership == Membership::Excluded || c.hidden).map(|c| c.clip_id).collect();
    let present: HashSet<i64> = hits.iter().map(|h| h.0).collect();
    for c in &digest.items {
        if c.membership == Membership::Added && !present.contains(&c.clip_id) {
            hits.push((c.clip_id, 0.0));
        }
    }
    hits.retain(|(id, _)| !excluded.contains(id));
    Ok(hits)
}

/// `q` restricted to a period (days inclusive) of publication or of clipping, in the query
/// language: `after:`/`before:` or `clipped:FROM..TO`.
pub(crate) fn period_query(
    q: &str,
    start: Option<chrono::NaiveDate>,
    end: Option<chrono::NaiveDate>,
    on: PeriodOn,
) -> String {
    let mut q = q.to_owned();
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    let end = end.and_then(|d| d.succ_opt());
    match on {
        PeriodOn::Published => {
            if let Some(start) = start {
                q.push_str(&format!(" after:{}", day(start)));
            }
            if let Some(end) = end {
                q.push_str(&format!(" before:{}", day(end)));
            }
        }
        PeriodOn::Clipped => {
            if start.is_some() || end.is_some() {
                let start = start.map_or_else(|| "1970-01-01".to_owned(), day);
                q.push_str(&format!(" clipped:{start}..{}", end.map(day).unwrap_or_default()));
            }
        }
    }
    q
}

fn load_clip(conn: &Connection, id: i64, score: f64) -> Result<ClipData> {
    let mut clip = conn
        .prepare_cached(
            "SELECT c.title, c.canonical_url, c.site_name, c.published_at, c.published_offset, c.authors, c.lang, b.text,
                    c.note, (SELECT max(fetched_at) FROM snapshot s WHERE s.clip_id = c.id),
                    coalesce(c.published_at, c.clipped_at), c.story_id
             FROM clip c JOIN clip_body b ON b.clip_id = c.id WHERE c.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ClipData {
                id,
                title: r.get(0)?,
                canonical_url: r.get(1)?,
                outlet: r.get(2)?,
                published: r.get::<_, Option<String>>(3)?.as_deref().and_then(time_from_db),
                offset: r.get(4)?,
                authors: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
                lang: r.get(6)?,
                text: r.get(7)?,
                note: r.get(8)?,
                fetched: r.get::<_, Option<String>>(9)?.as_deref().and_then(time_from_db),
                topics: Vec::new(),
                actors: Vec::new(),
                score,
                time: r.get(10)?,
                story: r.get(11)?,
            })
        })
        .map_err(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NotFound { what: "clip", id: id.to_string() },
            e => e.into(),
        })?;
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.kind, t.actor_type FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.clip_id = ?1
         ORDER BY t.kind DESC, t.name COLLATE NOCASE",
    )?;
    let tags: Vec<(i64, String, Option<String>)> =
        stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<rusqlite::Result<_>>()?;
    for (tag_id, kind, actor_type) in tags {
        let name = crate::library::tag_path(conn, tag_id)?;
        match TagKind::parse(&kind) {
            Some(TagKind::Topic) => clip.topics.push(name),
            Some(TagKind::Actor) => clip.actors.push((name, actor_type)),
            None => {}
        }
    }
    Ok(clip)
}

fn make_item(conn: &Connection, clip: &ClipData, choice: Option<&super::ItemChoice>) -> Result<Item> {
    let (summary, summary_is_override) =
        match choice.and_then(|c| c.summary.as_deref()).filter(|s| !s.trim().is_empty()) {
            Some(s) => (vec![crate::text::collapse_ws(s)], true),
            None => (summary::summarize(&clip.text, 3), false),
        };
    let wanted: &[i64] = choice.map_or(&[], |c| c.highlights.as_slice());
    let mut quotes = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT id, quote, note FROM highlight WHERE clip_id = ?1 ORDER BY start")?;
    for row in stmt
        .query_map([clip.id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?)))?
    {
        let (hid, text, note) = row?;
        if wanted.is_empty() || wanted.contains(&hid) {
            quotes.push(Quote { text: crate::text::collapse_ws(&text), note });
        }
    }
    let note = choice.and_then(|c| c.note.clone()).or_else(|| clip.note.clone()).filter(|n| !n.trim().is_empty());
    let dir = match clip.lang.as_deref() {
        Some("ar" | "he" | "fa" | "ur" | "yi" | "ps") => "rtl",
        _ => "ltr",
    };
    Ok(Item {
        clip_id: clip.id,
        headline: clip.title.clone(),
        outlet: clip.outlet.clone(),
        date: local_date(clip.published, clip.offset).map(long_date),
        authors: clip.authors.clone(),
        lang: clip.lang.clone(),
        dir,
        summary,
        summary_is_override,
        note,
        quotes,
        topics: clip.topics.clone(),
        actors: clip.actors.iter().map(|(n, _)| n.clone()).collect(),
        url: safe_link(&clip.canonical_url),
        url_display: clip.canonical_url.clone(),
        retrieved: clip.fetched.map(|t| long_date(t.date_naive())).unwrap_or_default(),
        also_in: Vec::new(),
        lead_image: None,
    })
}

/// A clip's lead image for a briefing: its page's lead image if it was kept, else the first image
/// of its article that was; with its bytes.
fn lead_image(conn: &Connection, clip_id: i64) -> Result<Option<(LeadImage, BriefingImage)>> {
    let version = crate::versions::latest(conn, clip_id)?;
    let images = crate::images::list(conn, clip_id, version)?;
    let Some(chosen) = images.iter().filter(|i| i.sha256.is_some()).min_by_key(|i| (!i.is_lead, i.position)) else {
        return Ok(None);
    };
    let Some(sha) = chosen.sha256.as_deref() else { return Ok(None) };
    let Some(stored) = crate::images::get(conn, sha)? else { return Ok(None) };
    let caption = match (&chosen.caption, &chosen.credit) {
        (Some(c), Some(k)) => Some(format!("{c} — {k}")),
        (Some(c), None) => Some(c.clone()),
        (None, Some(k)) => Some(k.clone()),
        (None, None) => None,
    };
    let path = format!("/images/{sha}.{}", crate::images::extension(&stored.mime));
    Ok(Some((
        LeadImage { path, width: chosen.width.unwrap_or(1), height: chosen.height.unwrap_or(1), caption },
        BriefingImage { mime: stored.mime, data: std::sync::Arc::new(stored.data) },
    )))
}

/// A URL that may become a link in an export: http, https or mailto, non-empty, with every
/// non-ASCII character percent-encoded (hosts in punycode).
pub fn safe_link(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https" | "mailto") {
        return None;
    }
    let s = parsed.to_string();
    (!s.is_empty() && s.is_ascii()).then_some(s)
}

fn host_of(url: &str) -> String {
    url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| url.to_owned())
}

/// The item each selected clip belongs to: clip id → the id of its story's earliest selected clip
/// (itself for that one and for clips without a story).
fn story_leads(clips: &[ClipData]) -> HashMap<i64, i64> {
    let mut first: HashMap<i64, (&str, i64)> = HashMap::new();
    for c in clips {
        if let Some(story) = c.story {
            let key = (c.time.as_str(), c.id);
            first.entry(story).and_modify(|k| *k = (*k).min(key)).or_insert(key);
        }
    }
    clips.iter().map(|c| (c.id, c.story.and_then(|s| first.get(&s)).map_or(c.id, |k| k.1))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_safe_or_absent() {
        for (input, expected) in [
            (
                "https://example.com/путь?q=война",
                Some("https://example.com/%D0%BF%D1%83%D1%82%D1%8C?q=%D0%B2%D0%BE%D0%B9%D0%BD%D0%B0"),
            ),
            ("https://пример.рф/a", Some("https://xn--e1afmkfd.xn--p1ai/a")),
            ("javascript:alert(1)", None),
            ("", None),
            ("file:///etc/passwd", None),
            ("mailto:desk@example.com", Some("mailto:desk@example.com")),
        ] {
            assert_eq!(safe_link(input).as_deref(), expected, "input: {input}");
        }
    }
}

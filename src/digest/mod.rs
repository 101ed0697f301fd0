//! Briefing digests: a stored definition (what to select, how to group and order, the analyst's
//! overrides) and its output as a typeset PDF, Markdown or HTML.
//!
//! [`Digest`] is the definition as stored (tables `digest` and `digest_item`), so next week's
//! briefing is the same definition run again. [`build::build`] turns it into a [`build::Briefing`]:
//! plain data, every string as it will print. The exports only lay that data out; the PDF
//! template reads it as JSON, so nothing from an article is ever read as Typst markup.

pub mod build;
pub mod export;
pub mod summary;

use chrono::{NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, ToSql};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::time_to_db;

/// How items are grouped into sections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GroupBy {
    #[default]
    Topic,
    Actor,
    Site,
    Day,
    None,
}

/// Where a clip with several topics (or actors) appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MultiGroup {
    /// Under each of its groups.
    #[default]
    Each,
    /// Under its first group only.
    First,
}

/// Order of items within a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderBy {
    #[default]
    Newest,
    Oldest,
    Relevance,
    /// The analyst's order (positions), the rest after it, newest first.
    Manual,
}

/// Which date of a clip the period applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodOn {
    /// When the outlet published it.
    #[default]
    Published,
    /// When the analyst clipped it.
    Clipped,
}

/// Whether a clip is in the digest because the selection found it, or by the analyst's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Membership {
    #[default]
    Auto,
    Added,
    Excluded,
}

/// The analyst's choices for one clip of a digest.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ItemChoice {
    pub clip_id: i64,
    #[serde(default)]
    pub membership: Membership,
    /// Manual order (lower first).
    pub position: Option<i64>,
    /// Replaces the automatic summary.
    pub summary: Option<String>,
    /// The analyst's note for this briefing (the clip's own note is used otherwise).
    pub note: Option<String>,
    /// Highlights to quote; empty means all of the clip's highlights.
    #[serde(default)]
    pub highlights: Vec<i64>,
    #[serde(default)]
    pub hidden: bool,
}

/// A briefing's definition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Digest {
    pub id: Option<i64>,
    pub title: String,
    pub subtitle: Option<String>,
    pub author: Option<String>,
    /// Printed in every page's header and footer ("Internal — for the recipient's information
    /// only").
    pub classification: Option<String>,
    pub period_start: Option<NaiveDate>,
    /// Inclusive.
    pub period_end: Option<NaiveDate>,
    /// Which date the period applies to.
    #[serde(default)]
    pub period_on: PeriodOn,
    /// The selection: a query in the search language (may name saved searches).
    pub query: Option<String>,
    /// Or a saved search by name.
    pub saved_search: Option<String>,
    pub group_by: GroupBy,
    pub multi_group: MultiGroup,
    pub order_by: OrderBy,
    pub executive_summary: Option<String>,
    /// Show each story's lead image (kept with its clip) in the PDF and HTML exports.
    #[serde(default)]
    pub lead_images: bool,
    pub items: Vec<ItemChoice>,
    /// A trend section: clips per day or week for a few queries, charted. Without its own
    /// period it covers the briefing's (on the briefing's basis).
    #[serde(default)]
    pub trends: Option<crate::trends::TrendSpec>,
}

impl Digest {
    /// The analyst's choice for a clip, created on demand.
    pub fn item_mut(&mut self, clip_id: i64) -> &mut ItemChoice {
        if let Some(i) = self.items.iter().position(|c| c.clip_id == clip_id) {
            return &mut self.items[i];
        }
        self.items.push(ItemChoice { clip_id, ..Default::default() });
        self.items.last_mut().expect("just pushed")
    }
}

fn enum_str<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn enum_parse<T: for<'de> Deserialize<'de> + Default>(s: &str) -> T {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).unwrap_or_default()
}

/// Parses a `GroupBy`, `OrderBy`… from its name, with a clear error.
pub fn parse_choice<T: for<'de> Deserialize<'de>>(what: &str, s: &str, allowed: &str) -> Result<T> {
    serde_json::from_value(serde_json::Value::String(s.to_lowercase()))
        .map_err(|_| Error::input("input.digest", format!("unknown {what} {s:?}: expected one of {allowed}")))
}

/// Saves a digest (inserting or replacing it and its item choices); returns its id.
pub fn save(conn: &Connection, d: &Digest) -> Result<i64> {
    if d.title.trim().is_empty() {
        return Err(Error::input("input.digest", "a briefing needs a title"));
    }
    if let Some(q) = &d.query {
        crate::search::parse(conn, q)?;
    }
    let saved_id: Option<i64> = match &d.saved_search {
        Some(name) => Some(crate::search::saved::get(conn, name)?.id),
        None => None,
    };
    let now = time_to_db(&Utc::now());
    let date = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let (title, start, end) = (d.title.trim(), date(d.period_start), date(d.period_end));
    let (group_by, multi, order) = (enum_str(&d.group_by), enum_str(&d.multi_group), enum_str(&d.order_by));
    let period_on = enum_str(&d.period_on);
    let trends = match &d.trends {
        Some(t) => {
            if t.series.is_empty() || t.series.len() > crate::trends::MAX_SERIES {
                return Err(Error::input(
                    "input.trend",
                    format!("a trend section needs 1 to {} queries", crate::trends::MAX_SERIES),
                ));
            }
            for q in &t.series {
                crate::search::parse(conn, q)?;
            }
            Some(serde_json::to_string(t).map_err(|e| Error::input("input.trend", e.to_string()))?)
        }
        None => None,
    };
    // The columns ?1..?16 both statements write; an update adds the id as ?17.
    let mut values: Vec<&dyn ToSql> = vec![
        &title,
        &d.subtitle,
        &d.author,
        &d.classification,
        &start,
        &end,
        &d.query,
        &saved_id,
        &group_by,
        &multi,
        &order,
        &d.executive_summary,
        &now,
        &period_on,
        &d.lead_images,
        &trends,
    ];
    let id = match d.id {
        Some(id) => {
            values.push(&id);
            let n = conn.execute(
                "UPDATE digest SET title = ?1, subtitle = ?2, author = ?3, classification = ?4, period_start = ?5,
                        period_end = ?6, query = ?7, saved_search_id = ?8, group_by = ?9, multi_group = ?10,
                        order_by = ?11, executive_summary = ?12, updated_at = ?13, period_on = ?14,
                        lead_images = ?15, trends = ?16 WHERE id = ?17",
                values.as_slice(),
            )?;
            if n == 0 {
                return Err(Error::NotFound { what: "digest", id: id.to_string() });
            }
            id
        }
        None => {
            conn.execute(
                "INSERT INTO digest (title, subtitle, author, classification, period_start, period_end, query,
                        saved_search_id, group_by, multi_group, order_by, executive_summary, created_at, updated_at,
                        period_on, lead_images, trends)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, ?14, ?15, ?16)",
                values.as_slice(),
            )?;
            conn.last_insert_rowid()
        }
    };
    conn.execute("DELETE FROM digest_item WHERE digest_id = ?1", [id])?;
    for item in &d.items {
        conn.execute(
            "INSERT INTO digest_item (digest_id, clip_id, membership, position, summary, note, highlights, hidden)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                id,
                item.clip_id,
                enum_str(&item.membership),
                item.position,
                item.summary,
                item.note,
                serde_json::to_string(&item.highlights).unwrap_or_else(|_| "[]".into()),
                item.hidden
            ],
        )
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                Error::NotFound { what: "clip", id: item.clip_id.to_string() }
            }
            _ => e.into(),
        })?;
    }
    Ok(id)
}

/// Loads a digest by id.
pub fn load(conn: &Connection, id: i64) -> Result<Digest> {
    let mut d = conn
        .query_row(
            "SELECT d.id, d.title, d.subtitle, d.author, d.classification, d.period_start, d.period_end, d.query,
                    s.name, d.group_by, d.multi_group, d.order_by, d.executive_summary, d.period_on, d.lead_images,
                    d.trends
             FROM digest d LEFT JOIN saved_search s ON s.id = d.saved_search_id WHERE d.id = ?1",
            [id],
            |r| {
                let date = |s: Option<String>| s.and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok());
                Ok(Digest {
                    id: Some(r.get(0)?),
                    title: r.get(1)?,
                    subtitle: r.get(2)?,
                    author: r.get(3)?,
                    classification: r.get(4)?,
                    period_start: date(r.get(5)?),
                    period_end: date(r.get(6)?),
                    query: r.get(7)?,
                    saved_search: r.get(8)?,
                    group_by: enum_parse(&r.get::<_, String>(9)?),
                    multi_group: enum_parse(&r.get::<_, String>(10)?),
                    order_by: enum_parse(&r.get::<_, String>(11)?),
                    executive_summary: r.get(12)?,
                    period_on: enum_parse(&r.get::<_, String>(13)?),
                    lead_images: r.get(14)?,
                    items: Vec::new(),
                    trends: r.get::<_, Option<String>>(15)?.and_then(|t| serde_json::from_str(&t).ok()),
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "digest", id: id.to_string() })?;
    let mut stmt = conn.prepare(
        "SELECT clip_id, membership, position, summary, note, highlights, hidden FROM digest_item WHERE digest_id = ?1
         ORDER BY position IS NULL, position, clip_id",
    )?;
    d.items = stmt
        .query_map([id], |r| {
            Ok(ItemChoice {
                clip_id: r.get(0)?,
                membership: enum_parse(&r.get::<_, String>(1)?),
                position: r.get(2)?,
                summary: r.get(3)?,
                note: r.get(4)?,
                highlights: serde_json::from_str(&r.get::<_, String>(5)?).unwrap_or_default(),
                hidden: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(d)
}

/// A digest's id, by title (case-insensitive) or by the number itself.
pub fn find(conn: &Connection, id_or_title: &str) -> Result<i64> {
    if let Ok(id) = id_or_title.parse::<i64>() {
        return Ok(id);
    }
    conn.query_row(
        "SELECT id FROM digest WHERE title = ?1 COLLATE NOCASE ORDER BY id DESC LIMIT 1",
        [id_or_title],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "digest", id: id_or_title.to_owned() })
}

/// Stored digests: (id, title, updated).
pub fn list(conn: &Connection) -> Result<Vec<(i64, String, String)>> {
    let mut stmt = conn.prepare("SELECT id, title, updated_at FROM digest ORDER BY updated_at DESC, id DESC")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delete(conn: &Connection, id: i64) -> Result<()> {
    if conn.execute("DELETE FROM digest WHERE id = ?1", [id])? == 0 {
        return Err(Error::NotFound { what: "digest", id: id.to_string() });
    }
    Ok(())
}

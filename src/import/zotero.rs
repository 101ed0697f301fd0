//! Reference managers' exports (Zotero, and others that write the same formats):
//!
//! - **CSL-JSON**: an array of items `{id, type, title, URL, author: [{family, given} |
//!   {literal}], issued, accessed: {"date-parts": [[y, m, d]]} | {raw}, container-title,
//!   abstract, note, keyword}`. Web pages, newspaper and magazine articles, blog posts — any item
//!   with a URL; `accessed` is the saved date, `keyword` (comma-separated) the topics, `note` the
//!   note.
//! - **RIS**: records of `TAG  - value` lines, each ended by `ER  -`: `TY` type, `TI`/`T1` title,
//!   `UR` URL, `AU`/`A1` authors, `PY`/`DA`/`Y1` published, `Y2` accessed, `KW` keywords,
//!   `N1` notes, `T2`/`JO`/`JF` the publication. A last record without its `ER` was cut short.
//!
//! Neither carries the article's text: items are fetched with `--fetch-missing`.

use std::path::Path;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::bookmarks::split_tags;
use super::{json, no_url, parse_error, parse_time, truncated, web_url, Entry, ImportItem};
use crate::error::Result;

#[derive(Deserialize)]
struct CslItem {
    #[serde(default)]
    title: Option<String>,
    #[serde(default, rename = "URL")]
    url: Option<String>,
    #[serde(default)]
    author: Vec<CslName>,
    #[serde(default)]
    issued: Option<Value>,
    #[serde(default)]
    accessed: Option<Value>,
    #[serde(default, rename = "container-title")]
    container_title: Option<String>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    keyword: Option<String>,
}

#[derive(Deserialize)]
struct CslName {
    #[serde(default)]
    family: Option<String>,
    #[serde(default)]
    given: Option<String>,
    #[serde(default)]
    literal: Option<String>,
}

impl CslName {
    fn full(&self) -> Option<String> {
        let name = match (&self.literal, &self.given, &self.family) {
            (Some(l), _, _) => l.clone(),
            (None, Some(g), Some(f)) => format!("{g} {f}"),
            (None, g, f) => g.clone().or_else(|| f.clone())?,
        };
        Some(crate::text::collapse_ws(&name)).filter(|n| !n.is_empty())
    }
}

/// A CSL date: `{"date-parts": [[2024, 1, 15]]}` (month and day optional) or `{"raw": "…"}`.
fn csl_date(v: &Value) -> Option<DateTime<Utc>> {
    if let Some(parts) = v.get("date-parts").and_then(|p| p.get(0)).and_then(Value::as_array) {
        let n = |i: usize| parts.get(i).and_then(|x| x.as_i64().or_else(|| x.as_str()?.trim().parse().ok()));
        let date = NaiveDate::from_ymd_opt(n(0)? as i32, n(1).unwrap_or(1) as u32, n(2).unwrap_or(1) as u32)?;
        return date.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
    }
    v.get("raw").and_then(Value::as_str).and_then(parse_time)
}

pub fn parse_csl_json(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let items: Vec<CslItem> = json(path, "CSL-JSON", bytes)?;
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(i, item)| -> Entry {
            let title = item.title.as_deref().map(crate::text::collapse_ws).filter(|t| !t.is_empty());
            let url = web_url(item.url.as_deref()).ok_or_else(|| {
                no_url(format!("item {}{}", i + 1, title.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()))
            })?;
            Ok(ImportItem {
                url,
                title,
                tags: item.keyword.as_deref().map(|k| split_tags(k, ',')).unwrap_or_default(),
                note: item.note.filter(|n| !n.trim().is_empty()),
                saved_at: item.accessed.as_ref().and_then(csl_date),
                published_at: item.issued.as_ref().and_then(csl_date),
                authors: item.author.iter().filter_map(CslName::full).collect(),
                site_name: item.container_title.filter(|c| !c.trim().is_empty()),
                ..Default::default()
            })
        })
        .collect())
}

pub fn parse_ris(path: &Path, text: &str) -> Result<Vec<Entry>> {
    const FORMAT: &str = "RIS";
    let mut entries = Vec::new();
    let mut record: Option<Vec<(String, String)>> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        // `TY  - JOUR`: two characters, two spaces, a dash (the value may be empty: `ER  -`).
        let (tag, value) = match line.split_once("  -") {
            Some((tag, value)) if tag.len() == 2 && tag.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                (tag.to_owned(), value.trim().to_owned())
            }
            _ => match record.as_mut().and_then(|r| r.last_mut()) {
                // A value continued on the next line.
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                    continue;
                }
                None => return Err(parse_error(path, FORMAT, format!("line {} is not `TAG  - value`", n + 1))),
            },
        };
        match tag.as_str() {
            "TY" => {
                if record.is_some() {
                    return Err(parse_error(
                        path,
                        FORMAT,
                        format!("line {}: a record starts before ER ended the last", n + 1),
                    ));
                }
                record = Some(vec![(tag, value)]);
            }
            "ER" => {
                let fields = record
                    .take()
                    .ok_or_else(|| parse_error(path, FORMAT, format!("line {}: ER without a record", n + 1)))?;
                entries.push(ris_item(entries.len(), &fields));
            }
            _ => match record.as_mut() {
                Some(r) => r.push((tag, value)),
                None => {
                    return Err(parse_error(path, FORMAT, format!("line {}: {tag} outside a record (no TY)", n + 1)))
                }
            },
        }
    }
    if record.is_some() {
        return Err(truncated(path, "its last record has no ER line"));
    }
    if entries.is_empty() {
        return Err(parse_error(path, FORMAT, "no record (TY … ER)"));
    }
    Ok(entries)
}

fn ris_item(i: usize, fields: &[(String, String)]) -> Entry {
    let first = |tags: &[&str]| {
        tags.iter().find_map(|t| fields.iter().find(|(k, v)| k == t && !v.is_empty()).map(|(_, v)| v.clone()))
    };
    let title = first(&["TI", "T1", "CT"]).map(|t| crate::text::collapse_ws(&t));
    let url = web_url(first(&["UR", "L2"]).as_deref()).ok_or_else(|| {
        no_url(format!("record {}{}", i + 1, title.as_deref().map(|t| format!(" ({t})")).unwrap_or_default()))
    })?;
    let all = |tag: &'static str| all_of(fields, tag);
    let notes: Vec<String> = all("N1").collect();
    Ok(ImportItem {
        url,
        title,
        tags: all("KW").flat_map(|k| split_tags(&k, ';')).collect(),
        note: Some(notes.join("\n\n")).filter(|n| !n.is_empty()),
        saved_at: first(&["Y2"]).as_deref().and_then(ris_date),
        published_at: first(&["DA", "PY", "Y1"]).as_deref().and_then(ris_date),
        authors: all("AU").chain(all("A1")).map(|a| ris_name(&a)).collect(),
        site_name: first(&["T2", "JO", "JF"]),
        ..Default::default()
    })
}

/// Every non-empty value of a tag.
fn all_of<'a>(fields: &'a [(String, String)], tag: &'a str) -> impl Iterator<Item = String> + 'a {
    fields.iter().filter(move |(k, v)| k == tag && !v.is_empty()).map(|(_, v)| v.clone())
}

/// RIS dates: `2024/01/15/`, `2024/01//`, `2024-01-15`, or a year.
fn ris_date(v: &str) -> Option<DateTime<Utc>> {
    if let Some(t) = parse_time(v) {
        return Some(t);
    }
    let mut parts = v.split(['/', '-']).map(str::trim);
    let year: i32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(1);
    let day: u32 = parts.next().and_then(|d| d.parse().ok()).unwrap_or(1);
    NaiveDate::from_ymd_opt(year, month, day)?.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t))
}

/// `Family, Given` → `Given Family`.
fn ris_name(name: &str) -> String {
    match name.split_once(',') {
        Some((family, given)) if !given.trim().is_empty() => format!("{} {}", given.trim(), family.trim()),
        _ => name.trim().to_owned(),
    }
}

//! Pocket's exports: the CSV of its last years (`title,url,time_added,tags,status`, tags joined by
//! `|`, `time_added` in Unix seconds) and the older `ril_export.html` (read by
//! [`super::bookmarks::parse_pocket_html`]). Pocket exports no article text: its items need
//! `--fetch-missing`.
//!
//! A CSV file is cut short when its last line is not ended, or its last record lacks fields.

use std::path::Path;

use super::bookmarks::{parse_pocket_html, split_tags};
use super::{no_url, parse_error, truncated, unix_time, web_url, Entry, ImportItem};
use crate::error::Result;

/// Reads a Pocket export, CSV or HTML.
pub fn parse(path: &Path, text: &str) -> Result<Vec<Entry>> {
    if text.trim_start().starts_with('<') {
        return parse_pocket_html(path, text);
    }
    parse_csv(path, text)
}

fn parse_csv(path: &Path, text: &str) -> Result<Vec<Entry>> {
    const FORMAT: &str = "Pocket CSV";
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| parse_error(path, FORMAT, e.to_string()))?.clone();
    let column = |name: &str| headers.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let Some(url_at) = column("url") else {
        return Err(parse_error(path, FORMAT, "no url column in the header line"));
    };
    let (title_at, time_at, tags_at) = (column("title"), column("time_added"), column("tags"));
    if !text.ends_with('\n') {
        return Err(truncated(path, "its last line is not ended"));
    }
    let records = reader.records().collect::<std::result::Result<Vec<_>, _>>().map_err(|e| {
        if text.trim_end().is_empty() {
            parse_error(path, FORMAT, e.to_string())
        } else {
            truncated(path, format!("a record is cut ({e})"))
        }
    })?;
    let mut entries = Vec::new();
    for (i, record) in records.iter().enumerate() {
        if record.len() < headers.len() {
            let line = record.position().map_or(0, |p| p.line());
            return Err(if i + 1 == records.len() {
                truncated(path, format!("its last record (line {line}) lacks fields"))
            } else {
                parse_error(
                    path,
                    FORMAT,
                    format!("line {line} has {} fields, the header {}", record.len(), headers.len()),
                )
            });
        }
        let field = |at: Option<usize>| at.and_then(|a| record.get(a)).map(str::trim).filter(|v| !v.is_empty());
        let title = field(title_at).map(str::to_owned);
        let Some(url) = web_url(record.get(url_at)) else {
            entries.push(Err(no_url(format!("line {} ({})", i + 2, title.as_deref().unwrap_or("untitled")))));
            continue;
        };
        entries.push(Ok(ImportItem {
            url,
            title,
            tags: field(tags_at).map(|t| split_tags(t, '|')).unwrap_or_default(),
            saved_at: field(time_at).and_then(|t| t.parse().ok()).and_then(unix_time),
            ..Default::default()
        }));
    }
    Ok(entries)
}

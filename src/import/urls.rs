//! Plain lists of URLs: one per line, blank lines and `#` comments ignored (what `clip --file`
//! reads). A list carries nothing but the URLs: its items are fetched with `--fetch-missing`.
//!
//! A list has no end marker, so a file cut short cannot always be told from a whole one; a line
//! that is not an http(s) URL (one cut in its scheme, or not a URL at all) refuses the whole file
//! before anything is written, naming the line.

use std::path::Path;

use super::{parse_error, Entry, ImportItem};
use crate::error::Result;

pub fn parse(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Err(e) = crate::canon::parse_web_url(line) {
            return Err(parse_error(path, "URL list", format!("line {} is not an http(s) URL: {e}", n + 1)));
        }
        entries.push(Ok(ImportItem { url: line.to_owned(), ..Default::default() }));
    }
    Ok(entries)
}

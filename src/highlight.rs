//! Highlights: passages of a clip the analyst marks, with an optional note, quoted in briefings.
//! A highlight stores the quote and its character offsets in the clip's text, so it survives
//! being shown in another layout.

use chrono::Utc;
use rusqlite::params;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::time_to_db;
use crate::Library;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Highlight {
    pub id: i64,
    pub clip_id: i64,
    /// Character offsets into the clip's text.
    pub start: i64,
    pub end: i64,
    pub quote: String,
    pub note: Option<String>,
}

impl Library {
    /// Highlights a passage, given as the quoted text (found in the clip's text, white space
    /// ignored) or, when `at` is given, by character offsets.
    pub fn add_highlight(
        &mut self,
        clip_id: i64,
        quote: &str,
        at: Option<(i64, i64)>,
        note: Option<&str>,
    ) -> Result<i64> {
        let text: String = self
            .conn()
            .query_row("SELECT text FROM clip_body WHERE clip_id = ?1", [clip_id], |r| r.get(0))
            .map_err(|_| Error::NotFound { what: "clip", id: clip_id.to_string() })?;
        let (start, end) = match at {
            Some((s, e)) => {
                let len = text.chars().count() as i64;
                if s < 0 || e <= s || e > len {
                    return Err(Error::input(
                        "input.highlight",
                        format!("offsets {s}..{e} are outside the text (0..{len})"),
                    ));
                }
                (s, e)
            }
            None => find_quote(&text, quote)
                .ok_or_else(|| Error::input("input.highlight", "the quoted passage is not in the clip's text"))?,
        };
        let tx = self.write()?;
        let id = insert_at(&tx, clip_id, &text, (start, end), note, Utc::now())?;
        tx.commit()?;
        Ok(id)
    }

    pub fn highlights(&self, clip_id: i64) -> Result<Vec<Highlight>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT id, clip_id, start, end, quote, note FROM highlight WHERE clip_id = ?1 ORDER BY start")?;
        let rows = stmt.query_map([clip_id], |r| {
            Ok(Highlight {
                id: r.get(0)?,
                clip_id: r.get(1)?,
                start: r.get(2)?,
                end: r.get(3)?,
                quote: r.get(4)?,
                note: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn remove_highlight(&mut self, id: i64) -> Result<()> {
        let tx = self.write()?;
        if tx.execute("DELETE FROM highlight WHERE id = ?1", [id])? == 0 {
            return Err(Error::NotFound { what: "highlight", id: id.to_string() });
        }
        tx.commit()?;
        Ok(())
    }
}

/// Highlights `quote` in the clip's `text` in the caller's transaction (a capture's selection, an
/// import's highlights); `None` when the quote is not in the text.
pub fn insert_quote(
    tx: &rusqlite::Transaction,
    clip_id: i64,
    text: &str,
    quote: &str,
    note: Option<&str>,
    created_at: chrono::DateTime<Utc>,
) -> Result<Option<i64>> {
    match find_quote(text, quote) {
        Some(at) => Ok(Some(insert_at(tx, clip_id, text, at, note, created_at)?)),
        None => Ok(None),
    }
}

fn insert_at(
    tx: &rusqlite::Transaction,
    clip_id: i64,
    text: &str,
    (start, end): (i64, i64),
    note: Option<&str>,
    created_at: chrono::DateTime<Utc>,
) -> Result<i64> {
    let passage: String = text.chars().skip(start as usize).take((end - start) as usize).collect();
    tx.execute(
        "INSERT INTO highlight (clip_id, start, end, quote, note, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![clip_id, start, end, passage, note.filter(|n| !n.trim().is_empty()), time_to_db(&created_at)],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Where a quote occurs in a text, in characters, comparing with white space collapsed.
pub(crate) fn find_quote(text: &str, quote: &str) -> Option<(i64, i64)> {
    let wanted: Vec<char> = crate::text::collapse_ws(quote).chars().collect();
    if wanted.is_empty() {
        return None;
    }
    // Map the collapsed text back to character offsets of the original.
    let mut collapsed: Vec<char> = Vec::new();
    let mut origin: Vec<usize> = Vec::new();
    let mut pending_space = false;
    for (i, c) in text.chars().enumerate() {
        if crate::text::is_space(c) {
            pending_space = !collapsed.is_empty();
            continue;
        }
        if pending_space {
            collapsed.push(' ');
            origin.push(i.saturating_sub(1));
            pending_space = false;
        }
        collapsed.push(c);
        origin.push(i);
    }
    let pos = collapsed.windows(wanted.len()).position(|w| w == wanted.as_slice())?;
    let start = origin[pos];
    let end = origin[pos + wanted.len() - 1] + 1;
    Some((start as i64, end as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_are_found_across_line_breaks() {
        let text = "First paragraph.\n\nThe Kremlin said the two\nleaders agreed.";
        let (s, e) = find_quote(text, "the two leaders agreed").unwrap();
        let got: String = text.chars().skip(s as usize).take((e - s) as usize).collect();
        assert_eq!(got, "the two\nleaders agreed");
        assert_eq!(find_quote(text, "not there"), None);
        assert_eq!(find_quote(text, "   "), None);
    }
}

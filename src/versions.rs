//! The versions of an article: what a page said each time Clipdesk captured it, and how it
//! changed.
//!
//! A clip is version 1 of its article. [`Library::recapture`] (and the page watches of
//! [`crate::monitor::pages`]) fetch the page again — a conditional GET with the validators it
//! last sent, so an unchanged page costs a 304 — and extract it; if the headline or the text
//! differ, a new version is stored with its own snapshot (bytes, headers, redirects, time, hash)
//! and images. Nothing is overwritten: `clip` and `clip_body` show the latest version (what search
//! finds), every earlier one stays in `clip_version` with its snapshot, byte for byte. An
//! unchanged page leaves no trace but the check's time.
//!
//! [`compare`] says how two versions differ: the headline, paragraphs added, removed and edited
//! (paragraphs are matched by their text, then paired by similarity), and within an edited
//! paragraph the words added and removed. [`Change`] sums it up, including whether the edit is
//! *substantive* (see [`Change::substantive`]) and whether a correction was appended.

use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use similar::{capture_diff_slices_deadline, Algorithm, ChangeTag, DiffOp, TextDiff};

use crate::error::{Error, FetchError, Result};
use crate::fetch::{Document, Fetcher, Page, Validators, PAGE_ACCEPT};
use crate::images::{self, ImageRef};
use crate::library::NewClip;
use crate::model::{time_to_db, SnapshotInfo};
use crate::text::{collapse_ws, is_cjk, word_count};
use crate::Library;

/// How a version differs from the one before it.
///
/// **Substantive.** An edit is substantive when a reader of the two versions would tell them
/// apart in substance, not in typography. Both texts are reduced to their words (case folded;
/// punctuation and white space dropped; each Chinese or Japanese character a word), and
/// paragraphs that are only a time stamp ("Updated 10:32 GMT", "Last modified: 6 July") are set
/// aside. The edit is then substantive if any of these holds:
/// - the headline's words changed;
/// - a correction was appended ([`is_correction`]: a new paragraph near the end opening with
///   "Correction", "Clarification", "Editor's note", "Исправление", "Rectificación"…);
/// - a number changed inside an edited paragraph (a toll, a sum, a date: "3 dead" → "30 dead");
/// - at least [`SUBSTANTIVE_WORDS`] words were added or removed in all, or at least 3 words that
///   are [`SUBSTANTIVE_SHARE`] or more of the earlier text.
///
/// A typo fixed, punctuation, quotes or case changed, a paragraph split in two, a time stamp
/// refreshed are not substantive: the version is kept, no alert is raised.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Change {
    pub title_changed: bool,
    pub words_added: usize,
    pub words_removed: usize,
    pub paragraphs_added: usize,
    pub paragraphs_removed: usize,
    pub paragraphs_changed: usize,
    /// The correction appended, as printed.
    pub correction: Option<String>,
    pub numbers_changed: bool,
    pub substantive: bool,
}

/// Words added or removed that always make an edit substantive.
pub const SUBSTANTIVE_WORDS: usize = 10;
/// The share of the earlier text's words (with at least 3 words) that makes an edit substantive.
pub const SUBSTANTIVE_SHARE: f64 = 0.05;

impl Change {
    /// Whether anything at all changed.
    pub fn is_empty(&self) -> bool {
        !self.title_changed
            && self.words_added == 0
            && self.words_removed == 0
            && self.paragraphs_added == 0
            && self.paragraphs_removed == 0
            && self.paragraphs_changed == 0
    }

    /// Whether an analyst watching the page is told (an `edit` alert).
    pub fn alerts(&self) -> bool {
        self.title_changed || self.correction.is_some() || self.substantive
    }

    /// One sentence for an alert or a timeline: "headline changed; correction appended; 3
    /// paragraphs removed (+12 −240 words)".
    pub fn describe(&self) -> String {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if self.title_changed {
            parts.push("headline changed".to_owned());
        }
        if self.correction.is_some() {
            parts.push("correction appended".to_owned());
        }
        let added = self.paragraphs_added.saturating_sub(usize::from(self.correction.is_some()));
        if self.paragraphs_removed > 0 {
            parts.push(format!("{} removed", plural(self.paragraphs_removed, "paragraph")));
        }
        if added > 0 {
            parts.push(format!("{} added", plural(added, "paragraph")));
        }
        if self.paragraphs_changed > 0 {
            parts.push(format!("{} edited", plural(self.paragraphs_changed, "paragraph")));
        }
        let mut s = if parts.is_empty() { "text edited".to_owned() } else { parts.join("; ") };
        if self.words_added > 0 || self.words_removed > 0 {
            s.push_str(&format!(" (+{} −{} words)", self.words_added, self.words_removed));
        }
        if !self.substantive && !self.title_changed && self.correction.is_none() {
            s.push_str(", minor");
        }
        s
    }
}

/// A version as listed (`clipdesk versions --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    pub version: i64,
    /// When Clipdesk stored it.
    pub created_at: String,
    /// When its page was fetched (its snapshot's time).
    pub fetched_at: Option<String>,
    pub title: String,
    pub words: usize,
    pub text_sha256: String,
    pub snapshot: Option<SnapshotInfo>,
    /// How it differs from the version before (empty for version 1).
    pub change: Change,
}

/// One version's article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VersionText {
    pub version: i64,
    pub title: String,
    pub text: String,
    /// Sanitized HTML, images pointing at the library.
    pub html: String,
    pub text_sha256: String,
    pub snapshot_id: Option<i64>,
    pub created_at: String,
}

/// Stores a version row (the caller's transaction).
#[allow(clippy::too_many_arguments)]
pub fn insert_version(
    conn: &Connection,
    clip_id: i64,
    version: i64,
    snapshot_id: i64,
    title: &str,
    text: &str,
    html: &str,
    change: &Change,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO clip_version (clip_id, version, snapshot_id, title, text, html, text_sha256, created_at, change)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        clip_id,
        version,
        snapshot_id,
        title,
        text,
        html,
        images::sha256_hex(text.as_bytes()),
        time_to_db(&Utc::now()),
        serde_json::to_string(change).unwrap_or_else(|_| "{}".into()),
    ])?;
    Ok(())
}

/// The latest version's number (0 for a clip without versions, which only a damaged library has).
pub fn latest(conn: &Connection, clip_id: i64) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT ifnull(max(version), 0) FROM clip_version WHERE clip_id = ?1")?
        .query_row([clip_id], |r| r.get(0))?)
}

fn ensure_clip(conn: &Connection, clip_id: i64) -> Result<()> {
    let exists = conn.prepare_cached("SELECT 1 FROM clip WHERE id = ?1")?.exists([clip_id])?;
    if exists {
        Ok(())
    } else {
        Err(Error::NotFound { what: "clip", id: clip_id.to_string() })
    }
}

/// A clip's versions, oldest first.
pub fn list(conn: &Connection, clip_id: i64) -> Result<Vec<Version>> {
    ensure_clip(conn, clip_id)?;
    let mut stmt = conn.prepare_cached(
        "SELECT version, created_at, title, text, text_sha256, snapshot_id, change FROM clip_version
         WHERE clip_id = ?1 ORDER BY version",
    )?;
    struct Row {
        version: i64,
        created_at: String,
        title: String,
        text: String,
        sha: Option<String>,
        snapshot_id: Option<i64>,
        change: String,
    }
    let rows: Vec<Row> = stmt
        .query_map([clip_id], |r| {
            Ok(Row {
                version: r.get(0)?,
                created_at: r.get(1)?,
                title: r.get(2)?,
                text: r.get(3)?,
                sha: r.get(4)?,
                snapshot_id: r.get(5)?,
                change: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for Row { version, created_at, title, text, sha, snapshot_id, change } in rows {
        let snapshot = match snapshot_id {
            Some(id) => crate::library::snapshot_info(conn, id)?,
            None => None,
        };
        out.push(Version {
            version,
            created_at,
            fetched_at: snapshot.as_ref().map(|s| time_to_db(&s.fetched_at)),
            title,
            words: word_count(&text),
            text_sha256: sha.unwrap_or_else(|| images::sha256_hex(text.as_bytes())),
            snapshot,
            change: serde_json::from_str(&change).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// One version's article; `not_found` when the clip has no such version.
pub fn get(conn: &Connection, clip_id: i64, version: i64) -> Result<VersionText> {
    ensure_clip(conn, clip_id)?;
    conn.prepare_cached(
        "SELECT version, title, text, html, text_sha256, snapshot_id, created_at FROM clip_version
         WHERE clip_id = ?1 AND version = ?2",
    )?
    .query_row(params![clip_id, version], |r| {
        let text: String = r.get(2)?;
        Ok(VersionText {
            version: r.get(0)?,
            title: r.get(1)?,
            text_sha256: r.get::<_, Option<String>>(4)?.unwrap_or_else(|| images::sha256_hex(text.as_bytes())),
            text,
            html: r.get(3)?,
            snapshot_id: r.get(5)?,
            created_at: r.get(6)?,
        })
    })
    .optional()?
    .ok_or_else(|| Error::NotFound { what: "version", id: format!("{version} of clip {clip_id}") })
}

/// A part of a paragraph or headline in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    /// "same", "added" or "removed".
    pub op: &'static str,
    pub text: String,
}

/// One paragraph of a diff, in the order of the newer version (removed paragraphs where they
/// were).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Paragraph {
    Same {
        text: String,
    },
    Added {
        text: String,
    },
    Removed {
        text: String,
    },
    /// Edited: its words, each kept, added or removed.
    Changed {
        spans: Vec<Span>,
    },
}

/// The headline in a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TitleDiff {
    pub from: String,
    pub to: String,
    pub changed: bool,
    pub spans: Vec<Span>,
}

/// How two versions differ (`clipdesk diff --json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub id: i64,
    pub from: i64,
    pub to: i64,
    pub title: TitleDiff,
    pub paragraphs: Vec<Paragraph>,
    pub change: Change,
}

/// The diff between two versions of a clip (`from` older or not: any two).
pub fn diff(conn: &Connection, clip_id: i64, from: i64, to: i64) -> Result<Diff> {
    let a = get(conn, clip_id, from)?;
    let b = get(conn, clip_id, to)?;
    let (title, paragraphs, change) = compare(&a.title, &a.text, &b.title, &b.text);
    Ok(Diff { id: clip_id, from, to, title, paragraphs, change })
}

/// The paragraphs of a text (blank-line separated).
fn paragraphs(text: &str) -> Vec<&str> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect()
}

/// The words a reader compares: case folded, without punctuation; each CJK character a word.
fn tokens(s: &str) -> Vec<String> {
    crate::text::folded_words(s)
}

/// How long a diff may think before settling for a coarser answer (a pathological page must not
/// hold a check for long).
const DIFF_DEADLINE: Duration = Duration::from_secs(2);

fn deadline() -> Option<std::time::Instant> {
    std::time::Instant::now().checked_add(DIFF_DEADLINE)
}

fn similar_enough(a: &str, b: &str) -> bool {
    TextDiff::configure().algorithm(Algorithm::Patience).timeout(DIFF_DEADLINE).diff_words(a, b).ratio() >= 0.5
}

/// The words of an edited paragraph (or headline): kept, added and removed, as spans.
fn spans(old: &str, new: &str) -> Vec<Span> {
    let mut config = TextDiff::configure();
    config.algorithm(Algorithm::Patience).timeout(DIFF_DEADLINE);
    let diff = if old.chars().chain(new.chars()).any(is_cjk) {
        config.diff_chars(old, new)
    } else {
        config.diff_words(old, new)
    };
    let mut out: Vec<Span> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => "same",
            ChangeTag::Insert => "added",
            ChangeTag::Delete => "removed",
        };
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(change.value()),
            _ => out.push(Span { op, text: change.value().to_owned() }),
        }
    }
    out
}

/// Added and removed words between two token lists, and whether a number is among them.
fn token_changes(old: &[String], new: &[String]) -> (usize, usize, bool) {
    let (mut added, mut removed, mut numbers) = (0, 0, false);
    for op in capture_diff_slices_deadline(Algorithm::Myers, old, new, deadline()) {
        match op {
            DiffOp::Equal { .. } => {}
            DiffOp::Delete { old_index, old_len, .. } => {
                removed += old_len;
                numbers |= old.iter().skip(old_index).take(old_len).any(|t| t.chars().any(|c| c.is_ascii_digit()));
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                added += new_len;
                numbers |= new.iter().skip(new_index).take(new_len).any(|t| t.chars().any(|c| c.is_ascii_digit()));
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                removed += old_len;
                added += new_len;
                numbers |= old.iter().skip(old_index).take(old_len).any(|t| t.chars().any(|c| c.is_ascii_digit()))
                    || new.iter().skip(new_index).take(new_len).any(|t| t.chars().any(|c| c.is_ascii_digit()));
            }
        }
    }
    (added, removed, numbers)
}

/// Words that open a paragraph that is only a time stamp.
const STAMP_WORDS: &[&str] = &[
    "updated",
    "update",
    "last",
    "published",
    "posted",
    "modified",
    "edited",
    "first",
    "обновлено",
    "обновлен",
    "опубликовано",
    "изменено",
    "actualizado",
    "actualización",
    "publicado",
    "aktualisiert",
    "veröffentlicht",
    "stand",
    "mis",
    "publié",
    "modifié",
    "aggiornato",
    "pubblicato",
    "atualizado",
    "zaktualizowano",
];

/// A paragraph that only says when the article was published or updated ("Updated 10:32 GMT, 6
/// July 2016"): refreshed by many sites on every edit, or on none.
pub fn is_timestamp_line(p: &str) -> bool {
    let t = tokens(p);
    if t.is_empty() || t.len() > 12 {
        return false;
    }
    let has_digit = t.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    let opens = STAMP_WORDS.contains(&t[0].as_str())
        || t.iter().filter(|w| w.chars().all(|c| c.is_ascii_digit())).count() * 2 >= t.len();
    // Only dates and times follow: at most one other word ("Updated guidance was published on 6
    // July" is news, not a time stamp).
    let others = t.iter().filter(|w| !is_stamp_token(w)).count();
    has_digit && opens && others <= 1
}

/// Month names (their first letters) in the languages clipped.
const MONTH_PREFIXES: &[&str] = &[
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "fév", "avr", "mai", "juin",
    "juil", "août", "déc", "ene", "abr", "ago", "dic", "gen", "mag", "giu", "lug", "set", "ott", "mär", "okt", "dez",
    "янв", "фев", "мар", "апр", "мая", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек",
];

/// Words of a time stamp besides its numbers: time zones and the small words between.
const STAMP_FILLERS: &[&str] = &[
    "gmt", "utc", "bst", "cet", "cest", "est", "edt", "pst", "pdt", "msk", "am", "pm", "at", "on", "the", "de", "du",
    "le", "el", "um", "alle", "às", "à", "в", "г", "года", "of",
];

fn is_stamp_token(w: &str) -> bool {
    w.chars().all(|c| c.is_ascii_digit() || !c.is_alphanumeric())
        || STAMP_WORDS.contains(&w)
        || STAMP_FILLERS.contains(&w)
        || MONTH_PREFIXES.iter().any(|m| w.starts_with(m))
}

/// How corrections open, in the languages clipped (folded to lower case).
const CORRECTION_OPENERS: &[&str] = &[
    "correction",
    "corrections",
    "clarification",
    "editor's note",
    "editor’s note",
    "editors' note",
    "editors’ note",
    "note to readers",
    "erratum",
    "errata",
    "this article has been corrected",
    "this article has been amended",
    "this article has been updated to correct",
    "this story has been corrected",
    "this story has been updated to correct",
    "this article was amended",
    "this article was corrected",
    "an earlier version of this",
    "a previous version of this",
    "исправление",
    "уточнение",
    "поправка",
    "от редакции",
    "corrección",
    "rectificación",
    "fe de errores",
    "nota del editor",
    "rectificatif",
    "correctif",
    "précision",
    "note de la rédaction",
    "berichtigung",
    "korrektur",
    "anmerkung der redaktion",
    "correzione",
    "rettifica",
    "nota della redazione",
    "correção",
    "nota do editor",
    "sprostowanie",
    "düzeltme",
    "تصحيح",
    "توضيح",
    "תיקון",
    "הבהרה",
    "更正",
    "订正",
    "訂正",
];

/// Whether a paragraph is a correction or an editor's note ("Correction: An earlier version of
/// this article misstated…", "Исправление: …", "Editor’s note, July 8: …").
pub fn is_correction(p: &str) -> bool {
    let lower = p.trim_start_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
    CORRECTION_OPENERS.iter().any(|o| {
        lower.strip_prefix(o).is_some_and(|rest| {
            if o.contains(' ') {
                // A phrase ("this article has been corrected"): anything may follow.
                rest.chars().next().is_none_or(|c| !c.is_alphanumeric())
            } else {
                // One word opens a correction only as a label ("Correction: …", "Исправление —"),
                // not as the first word of a sentence ("Corrections officers said…").
                rest.trim_start().chars().next().is_none_or(|c| !c.is_alphanumeric())
            }
        })
    })
}

/// How an older text (`a`) became a newer one (`b`): the headline, each paragraph of both, and
/// the sum of it all.
pub fn compare(a_title: &str, a_text: &str, b_title: &str, b_text: &str) -> (TitleDiff, Vec<Paragraph>, Change) {
    let old = paragraphs(a_text);
    let new = paragraphs(b_text);
    let old_keys: Vec<String> = old.iter().map(|p| collapse_ws(p)).collect();
    let new_keys: Vec<String> = new.iter().map(|p| collapse_ws(p)).collect();
    let mut out: Vec<Paragraph> = Vec::new();
    // Index in `new` of each paragraph pushed, for finding what was appended at the end.
    let mut new_at: Vec<Option<usize>> = Vec::new();
    let mut push = |p: Paragraph, at: Option<usize>| {
        out.push(p);
        new_at.push(at);
    };
    for op in capture_diff_slices_deadline(Algorithm::Patience, &old_keys, &new_keys, deadline()) {
        match op {
            DiffOp::Equal { new_index, len, .. } => {
                for (k, p) in new.iter().enumerate().skip(new_index).take(len) {
                    push(Paragraph::Same { text: (*p).to_owned() }, Some(k));
                }
            }
            DiffOp::Delete { old_index, old_len, .. } => {
                for p in &old[old_index..old_index + old_len] {
                    push(Paragraph::Removed { text: (*p).to_owned() }, None);
                }
            }
            DiffOp::Insert { new_index, new_len, .. } => {
                for (k, p) in new.iter().enumerate().skip(new_index).take(new_len) {
                    push(Paragraph::Added { text: (*p).to_owned() }, Some(k));
                }
            }
            DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                let (olds, news) = (&old[old_index..old_index + old_len], &new[new_index..new_index + new_len]);
                let (mut i, mut j) = (0, 0);
                while i < olds.len() && j < news.len() {
                    if similar_enough(olds[i], news[j]) {
                        push(Paragraph::Changed { spans: spans(olds[i], news[j]) }, Some(new_index + j));
                        i += 1;
                        j += 1;
                    } else if j + 1 < news.len() && similar_enough(olds[i], news[j + 1]) {
                        push(Paragraph::Added { text: news[j].to_owned() }, Some(new_index + j));
                        j += 1;
                    } else {
                        push(Paragraph::Removed { text: olds[i].to_owned() }, None);
                        i += 1;
                    }
                }
                for p in &olds[i..] {
                    push(Paragraph::Removed { text: (*p).to_owned() }, None);
                }
                for (k, p) in news.iter().enumerate().skip(j) {
                    push(Paragraph::Added { text: (*p).to_owned() }, Some(new_index + k));
                }
            }
        }
    }

    let mut change = Change::default();
    let (mut substantive_words, mut numbers) = (0usize, false);
    for p in &out {
        match p {
            Paragraph::Same { .. } => {}
            Paragraph::Added { text } => {
                change.paragraphs_added += 1;
                change.words_added += word_count(text);
                if !is_timestamp_line(text) {
                    substantive_words += tokens(text).len();
                }
            }
            Paragraph::Removed { text } => {
                change.paragraphs_removed += 1;
                change.words_removed += word_count(text);
                if !is_timestamp_line(text) {
                    substantive_words += tokens(text).len();
                }
            }
            Paragraph::Changed { spans } => {
                change.paragraphs_changed += 1;
                let side = |keep: &str| {
                    spans.iter().filter(|s| s.op == "same" || s.op == keep).map(|s| s.text.as_str()).collect::<String>()
                };
                let (before, after) = (side("removed"), side("added"));
                change.words_added +=
                    spans.iter().filter(|s| s.op == "added").map(|s| word_count(&s.text)).sum::<usize>();
                change.words_removed +=
                    spans.iter().filter(|s| s.op == "removed").map(|s| word_count(&s.text)).sum::<usize>();
                if !(is_timestamp_line(&before) && is_timestamp_line(&after)) {
                    let (added, removed, nums) = token_changes(&tokens(&before), &tokens(&after));
                    substantive_words += added + removed;
                    numbers |= nums;
                }
            }
        }
    }
    // A correction is appended: a new paragraph among the last three of the newer text.
    let tail_from = new.len().saturating_sub(3);
    change.correction =
        out.iter().zip(&new_at).filter(|(_, at)| at.is_some_and(|k| k >= tail_from)).find_map(|(p, _)| match p {
            Paragraph::Added { text } if is_correction(text) => Some(text.clone()),
            _ => None,
        });
    let title_changed = tokens(a_title) != tokens(b_title);
    change.title_changed = title_changed;
    if title_changed {
        numbers |= token_changes(&tokens(a_title), &tokens(b_title)).2;
    }
    change.numbers_changed = numbers;
    let old_words = tokens(a_text).len();
    change.substantive = title_changed
        || change.correction.is_some()
        || numbers
        || substantive_words >= SUBSTANTIVE_WORDS
        || (substantive_words >= 3 && substantive_words as f64 >= SUBSTANTIVE_SHARE * old_words as f64);
    let title = TitleDiff {
        from: a_title.to_owned(),
        to: b_title.to_owned(),
        changed: a_title != b_title,
        spans: if a_title == b_title {
            vec![Span { op: "same", text: b_title.to_owned() }]
        } else {
            spans(a_title, b_title)
        },
    };
    (title, out, change)
}

/// What one re-capture needs, read from the library before fetching (the fetch runs on a worker
/// thread without the library).
#[derive(Debug, Clone)]
pub struct Job {
    pub clip_id: i64,
    /// The page's URL where it was last found (the latest snapshot's final URL).
    pub url: String,
    pub host: String,
    pub validators: Validators,
    pub version: i64,
    pub title: String,
    pub text: String,
    /// The latest version's page, when it was extracted by another extractor version: it is
    /// extracted again, so a new extractor's different reading is not taken for an edit.
    pub old_page: Option<Page>,
    /// Images this clip already has, by URL: not fetched again.
    pub known_images: HashMap<String, ImageRef>,
}

/// The validators a snapshot's response carried (`ETag`, `Last-Modified`).
pub fn validators_of(snapshot: &SnapshotInfo) -> Validators {
    let header = |name: &str| {
        snapshot
            .headers
            .as_ref()
            .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone()))
    };
    Validators { etag: header("etag"), last_modified: header("last-modified") }
}

/// Reads what re-capturing a clip needs.
pub fn job(conn: &Connection, clip_id: i64) -> Result<Job> {
    ensure_clip(conn, clip_id)?;
    let version = latest(conn, clip_id)?;
    let current = get(conn, clip_id, version)?;
    let snapshot = match current.snapshot_id {
        Some(id) => crate::library::snapshot_info(conn, id)?,
        None => None,
    };
    let canonical: String = conn.query_row("SELECT canonical_url FROM clip WHERE id = ?1", [clip_id], |r| r.get(0))?;
    let url = snapshot.as_ref().map_or(canonical, |s| s.final_url.clone());
    let host = url::Url::parse(&url).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default();
    let old_page = match &snapshot {
        Some(s) if s.extractor_version != crate::extract::EXTRACTOR_VERSION => {
            let body = crate::library::snapshot_body(conn, s.id)?;
            url::Url::parse(&s.final_url).ok().map(|final_url| Page {
                requested_url: url::Url::parse(&s.requested_url).unwrap_or_else(|_| final_url.clone()),
                final_url,
                redirects: s.redirects.clone(),
                http_status: s.http_status,
                content_type: s.content_type.clone(),
                fetched_at: s.fetched_at,
                kind: if s.content_type.as_deref().is_some_and(|c| c.starts_with("text/plain")) {
                    crate::fetch::Kind::Text
                } else {
                    crate::fetch::Kind::Html
                },
                headers: s.headers.clone().unwrap_or_default(),
                body,
            })
        }
        _ => None,
    };
    Ok(Job {
        clip_id,
        host,
        validators: snapshot.as_ref().map(validators_of).unwrap_or_default(),
        url,
        version,
        title: current.title,
        text: current.text,
        old_page,
        known_images: images::known(conn, clip_id)?,
    })
}

/// What fetching a page again found.
#[derive(Debug)]
pub enum Outcome {
    /// 304 (or the same ETag): nothing read.
    NotModified {
        validators: Validators,
    },
    /// Fetched, and the article reads the same.
    Unchanged {
        validators: Validators,
    },
    /// The article changed: a new version to store.
    Changed {
        clip: Box<NewClip>,
        change: Change,
        validators: Validators,
    },
    Failed(Error),
}

/// Fetches a page again (conditional GET) and extracts it; if the article changed, fetches its
/// new images (within `images`; none when `None`). No library: runs on any thread.
pub fn fetch(fetcher: &Fetcher, job: &Job, images: Option<&images::Limits>) -> Outcome {
    match crate::guard::catch(|| fetch_inner(fetcher, job, images)) {
        Ok(o) => o,
        Err(e) => Outcome::Failed(e),
    }
}

fn fetch_inner(fetcher: &Fetcher, job: &Job, images: Option<&images::Limits>) -> Result<Outcome> {
    let fetched = match fetcher.fetch_document(&job.url, PAGE_ACCEPT, &job.validators)? {
        Document::NotModified { validators, .. } => return Ok(Outcome::NotModified { validators }),
        Document::Fetched(f) => f,
    };
    let validators = fetched.validators.clone();
    let page = fetched.into_page()?;
    let mut clip = crate::clip::prepare(&page)?;
    let (base_title, base_text) = match job.old_page.as_ref().and_then(|p| crate::clip::prepare(p).ok()) {
        // The old page read by this extractor, if it reads as the stored version did not.
        Some(old) => (old.article.title, old.article.text),
        None => (job.title.clone(), job.text.clone()),
    };
    if clip.article.title == base_title && clip.article.text == base_text {
        return Ok(Outcome::Unchanged { validators });
    }
    let (_, _, change) = compare(&base_title, &base_text, &clip.article.title, &clip.article.text);
    if let Some(limits) = images {
        images::fetch_into(fetcher, &page.final_url, &mut clip.images, limits, &job.known_images);
        clip.article.html = clip.stored_html();
    }
    Ok(Outcome::Changed { clip: Box::new(clip), change, validators })
}

/// Stores a changed article as the clip's next version, in the caller's transaction: its
/// snapshot, the version row, its images; the clip's row, body, URL keys, index entry and
/// automatic tags follow the new version; highlights are found again in the new text (one whose
/// passage is gone keeps its quote and old offsets). Returns the new version's number and how it
/// differs from the version before (as stored: what the analyst read).
pub fn store(conn: &Connection, tagger: &crate::tags::Tagger, clip_id: i64, clip: &NewClip) -> Result<(i64, Change)> {
    let previous = latest(conn, clip_id)?;
    let before = get(conn, clip_id, previous)?;
    let (_, _, change) = compare(&before.title, &before.text, &clip.article.title, &clip.article.text);
    let version = previous + 1;
    // Versions carried over by the migration get their text hash now.
    conn.execute(
        "UPDATE clip_version SET text_sha256 = ?3 WHERE clip_id = ?1 AND version = ?2 AND text_sha256 IS NULL",
        params![clip_id, previous, before.text_sha256],
    )?;
    let snapshot_id = crate::library::insert_snapshot(conn, clip_id, &clip.snapshot)?;
    let html = clip.stored_html();
    let a = &clip.article;
    insert_version(conn, clip_id, version, snapshot_id, &a.title, &a.text, &html, &change)?;
    images::store(conn, clip_id, version, &clip.images)?;
    conn.execute(
        "UPDATE clip SET title = ?2, word_count = ?3, summary = ?4, lead_image = ifnull(?5, lead_image),
                authors = CASE WHEN ?6 = '[]' THEN authors ELSE ?6 END, updated_at = ?7 WHERE id = ?1",
        params![
            clip_id,
            a.title,
            a.word_count as i64,
            a.summary,
            a.lead_image.as_ref().map(|u| u.to_string()),
            serde_json::to_string(&a.authors).unwrap_or_else(|_| "[]".into()),
            time_to_db(&Utc::now()),
        ],
    )?;
    conn.execute("UPDATE clip_body SET text = ?2, html = ?3 WHERE clip_id = ?1", params![clip_id, a.text, html])?;
    {
        let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO clip_url (url, clip_id) VALUES (?1, ?2)")?;
        for key in &clip.url_keys {
            stmt.execute(params![key, clip_id])?;
        }
    }
    crate::library::index_clip(conn, clip_id)?;
    let highlights: Vec<(i64, String)> = conn
        .prepare("SELECT id, quote FROM highlight WHERE clip_id = ?1")?
        .query_map([clip_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, quote) in highlights {
        if let Some((start, end)) = crate::highlight::find_quote(&a.text, &quote) {
            conn.execute("UPDATE highlight SET start = ?2, end = ?3 WHERE id = ?1", params![id, start, end])?;
        }
    }
    crate::tags::auto_tag_clip(conn, tagger, clip_id)?;
    Ok((version, change))
}

/// How re-capturing one clip ended (`clipdesk recapture --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recaptured {
    pub id: i64,
    /// The latest version after the re-capture.
    pub version: i64,
    /// "changed", "unchanged", "not_modified" or "failed".
    pub status: &'static str,
    pub changed: bool,
    pub title_changed: bool,
    pub words_added: usize,
    pub words_removed: usize,
    pub change: Option<Change>,
    /// The new version's images that were not kept, and why.
    pub image_errors: Vec<crate::model::ImageErrorInfo>,
    pub error: Option<crate::monitor::sources::SourceError>,
}

impl Recaptured {
    fn new(id: i64, version: i64, status: &'static str) -> Self {
        Recaptured {
            id,
            version,
            status,
            changed: false,
            title_changed: false,
            words_added: 0,
            words_removed: 0,
            change: None,
            image_errors: Vec::new(),
            error: None,
        }
    }

    pub fn failed(id: i64, version: i64, e: &Error) -> Self {
        Recaptured {
            error: Some(crate::monitor::sources::SourceError { code: e.code().to_owned(), message: e.to_string() }),
            ..Recaptured::new(id, version, "failed")
        }
    }
}

/// Stores an outcome of [`fetch`] for a clip whose latest version was `job.version`, in its own
/// transaction; returns the report and (for a changed article) the change.
pub fn apply(lib: &mut Library, job: &Job, outcome: Outcome) -> Result<Recaptured> {
    Ok(match outcome {
        Outcome::NotModified { .. } => Recaptured::new(job.clip_id, job.version, "not_modified"),
        Outcome::Unchanged { .. } => Recaptured::new(job.clip_id, job.version, "unchanged"),
        Outcome::Failed(e) => Recaptured::failed(job.clip_id, job.version, &e),
        Outcome::Changed { clip, .. } => {
            let (conn, tagger) = lib.conn_and_tagger()?;
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let (version, change) = store(&tx, tagger, job.clip_id, &clip)?;
            tx.commit()?;
            let image_errors = clip
                .images
                .iter()
                .filter_map(|s| {
                    let e = s.error()?;
                    Some(crate::model::ImageErrorInfo {
                        original_url: s.url.clone(),
                        caption: s.caption.clone(),
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    })
                })
                .collect();
            Recaptured {
                changed: true,
                title_changed: change.title_changed,
                words_added: change.words_added,
                words_removed: change.words_removed,
                change: Some(change),
                image_errors,
                ..Recaptured::new(job.clip_id, version, "changed")
            }
        }
    })
}

/// Options of a re-capture.
#[derive(Debug, Clone, Default)]
pub struct RecaptureOptions {
    /// Fetch no images (the new version's HTML shows none).
    pub no_images: bool,
    pub politeness: crate::monitor::poll::Politeness,
}

impl Library {
    /// Fetches the pages of `ids` again (politely: at most two at once per host) and stores a new
    /// version of each article that changed. One report per id, in the order given; a failure
    /// (a page gone, a network error) is that clip's report, the others go on.
    pub fn recapture(&mut self, fetcher: &Fetcher, ids: &[i64], opts: &RecaptureOptions) -> Result<Vec<Recaptured>> {
        let mut jobs = Vec::new();
        let mut reports: HashMap<i64, Recaptured> = HashMap::new();
        for &id in ids {
            match job(self.conn(), id) {
                Ok(j) => jobs.push(j),
                Err(e @ Error::NotFound { .. }) => return Err(e),
                Err(e) => {
                    reports.insert(id, Recaptured::failed(id, 0, &e));
                }
            }
        }
        let limits = images::Limits::default();
        let images = (!opts.no_images).then_some(&limits);
        let cancel = std::sync::atomic::AtomicBool::new(false);
        crate::fetch::polite::run(
            jobs.into_iter().map(|j| (j.host.clone(), j)).collect(),
            opts.politeness.per_host,
            opts.politeness.overall,
            &cancel,
            |j: &Job| fetch(fetcher, j, images),
            |j: Job, outcome| {
                let report = match apply(self, &j, outcome) {
                    Ok(r) => r,
                    Err(e) => Recaptured::failed(j.clip_id, j.version, &e),
                };
                reports.insert(j.clip_id, report);
                Ok(())
            },
        )?;
        Ok(ids.iter().filter_map(|id| reports.remove(id)).collect())
    }
}

/// Whether a failure means the page is gone (404 or 410).
pub fn gone_status(e: &Error) -> Option<u16> {
    match e {
        Error::Fetch(FetchError::HttpStatus { status: s @ (404 | 410), .. }) => Some(*s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(ps: &[Paragraph]) -> Vec<&'static str> {
        ps.iter()
            .map(|p| match p {
                Paragraph::Same { .. } => "same",
                Paragraph::Added { .. } => "added",
                Paragraph::Removed { .. } => "removed",
                Paragraph::Changed { .. } => "changed",
            })
            .collect()
    }

    const BASE: &str = "The council met on Monday to discuss the harbour budget for next year.\n\n\
        Members agreed to publish the dredging contract before the vote.\n\n\
        Three people were hurt when a crane fell on the quay, police said.\n\n\
        The next meeting is on 14 July.";

    #[test]
    fn how_versions_differ() {
        // (what changed, new title, new text, paragraph ops, title changed, substantive, correction)
        type Case<'a> = (&'a str, &'a str, String, Vec<&'a str>, bool, bool, bool);
        let cases: Vec<Case> = vec![
            ("nothing", "Council meets", BASE.to_owned(), vec!["same"; 4], false, false, false),
            ("headline rewritten", "Council meets amid anger", BASE.to_owned(), vec!["same"; 4], true, true, false),
            (
                "a paragraph removed",
                "Council meets",
                BASE.replace("Members agreed to publish the dredging contract before the vote.\n\n", ""),
                vec!["same", "removed", "same", "same"],
                false,
                true,
                false,
            ),
            (
                "a correction appended",
                "Council meets",
                format!("{BASE}\n\nCorrection: An earlier version of this article misstated the date of the meeting."),
                vec!["same", "same", "same", "same", "added"],
                false,
                true,
                true,
            ),
            (
                "a number changed",
                "Council meets",
                BASE.replace("Three people", "Thirty people").replace("14 July", "15 July"),
                vec!["same", "same", "changed", "changed"],
                false,
                true,
                false,
            ),
            (
                "a typo and punctuation",
                "Council meets",
                BASE.replace("harbour budget", "harbour  budget")
                    .replace("police said.", "police said!")
                    .replace("Monday", "monday"),
                vec!["changed", "same", "changed", "same"],
                false,
                false,
                false,
            ),
            (
                "a time stamp refreshed",
                "Council meets",
                format!("Updated 10:32 GMT\n\n{BASE}"),
                vec!["added", "same", "same", "same", "same"],
                false,
                false,
                false,
            ),
            (
                "a Russian correction",
                "Council meets",
                format!("{BASE}\n\nИсправление: в первой версии статьи была неверно указана дата."),
                vec!["same", "same", "same", "same", "added"],
                false,
                true,
                true,
            ),
        ];
        for (what, title, text, want_ops, title_changed, substantive, correction) in cases {
            let (t, paras, change) = compare("Council meets", BASE, title, &text);
            assert_eq!(ops(&paras), want_ops, "{what}");
            assert_eq!(change.title_changed, title_changed, "{what}");
            assert_eq!(t.changed, title != "Council meets", "{what}");
            assert_eq!(change.substantive, substantive, "{what}: {change:?}");
            assert_eq!(change.correction.is_some(), correction, "{what}");
        }
    }

    #[test]
    fn edited_paragraphs_show_their_words() {
        let (_, paras, change) = compare("T", "Three people were hurt.", "T", "Thirty people were badly hurt.");
        let Paragraph::Changed { spans } = &paras[0] else { panic!("{paras:?}") };
        let added: Vec<&str> = spans.iter().filter(|s| s.op == "added").map(|s| s.text.trim()).collect();
        let removed: Vec<&str> = spans.iter().filter(|s| s.op == "removed").map(|s| s.text.trim()).collect();
        assert_eq!(added, ["Thirty", "badly"]);
        assert_eq!(removed, ["Three"]);
        assert_eq!((change.words_added, change.words_removed), (2, 1));
        assert!(change.numbers_changed || change.substantive);
    }

    #[test]
    fn corrections_and_time_stamps_are_recognised() {
        for (p, correction) in [
            ("Correction: An earlier version of this story misspelled the mayor's name.", true),
            ("CLARIFICATION — The report was published on Tuesday.", true),
            ("Editor’s note, July 8: This article has been updated.", true),
            ("An earlier version of this article gave the wrong toll.", true),
            ("Rectificación: la cifra correcta es 30.", true),
            ("תיקון: בגרסה קודמת נכתב בטעות", true),
            ("Corrections officers said the inmate escaped.", false),
            ("The correction of the budget is due next week.", false),
        ] {
            assert_eq!(is_correction(p), correction, "{p}");
        }
        for (p, stamp) in [
            ("Updated 10:32 GMT, 6 July 2016", true),
            ("Last updated: 2016-07-06 10:32", true),
            ("Обновлено 6 июля 2016, 10:32", true),
            ("6 July 2016 10:32", true),
            ("Updated guidance was published by the ministry on 6 July.", false),
            ("Three people were hurt.", false),
        ] {
            assert_eq!(is_timestamp_line(p), stamp, "{p}");
        }
    }

    #[test]
    fn a_change_says_itself_in_one_sentence() {
        let c = Change {
            title_changed: true,
            paragraphs_removed: 3,
            paragraphs_added: 1,
            correction: Some("Correction: …".into()),
            words_added: 12,
            words_removed: 240,
            substantive: true,
            ..Change::default()
        };
        assert_eq!(c.describe(), "headline changed; correction appended; 3 paragraphs removed (+12 −240 words)");
        let minor = Change { paragraphs_changed: 1, words_added: 1, words_removed: 1, ..Change::default() };
        assert_eq!(minor.describe(), "1 paragraph edited (+1 −1 words), minor");
    }
}

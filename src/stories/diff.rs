//! What an outlet changed when it republished a text: the headline, a subheading, paragraphs added
//! or removed, words changed — plain data for the reader's diff view, and one sentence saying it
//! ("The Times of Israel added a subheading and two paragraphs to the AP text").
//!
//! Paragraphs (blank-line separated, compared with case, accents and white space folded) are
//! aligned by the `similar` crate's Myers diff, as `versions` aligns two versions of one page; a
//! removed and an added paragraph between the same neighbours that share at least half their words
//! are one paragraph *changed*, diffed word by word the same way. Each alignment has a
//! [`DEADLINE`]: past it the diff is coarser (still correct), never slow.

use std::time::{Duration, Instant};

use serde::Serialize;
use similar::{capture_diff_slices_deadline, Algorithm, DiffOp};

/// How long one alignment may take before it settles for a coarser diff.
const DEADLINE: Duration = Duration::from_millis(200);
/// An added first paragraph this short, without a final full stop, is a subheading.
const SUBHEADING_WORDS: usize = 30;

/// How a piece of the copy relates to the original.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Same,
    Added,
    Removed,
    Changed,
}

/// A paragraph of the diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Block {
    pub op: Op,
    /// The paragraph (the copy's, or the original's when removed).
    pub text: String,
    /// For a changed paragraph: its words, each the same, added or removed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
}

/// A run of words of a changed paragraph.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Word {
    pub op: Op,
    pub text: String,
}

/// Two headlines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Headline {
    pub original: String,
    pub copy: String,
}

/// A copy compared with its original.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub copy_id: i64,
    pub original_id: i64,
    pub copy_outlet: Option<String>,
    pub original_outlet: Option<String>,
    /// The agency the original credits (`ap`).
    pub wire: Option<String>,
    /// Set when the headlines differ.
    pub headline: Option<Headline>,
    /// A short line the copy put above the text.
    pub subheading: Option<String>,
    /// The copy's text against the original's, paragraph by paragraph (the subheading excluded).
    pub blocks: Vec<Block>,
    pub added_paragraphs: usize,
    pub removed_paragraphs: usize,
    pub changed_paragraphs: usize,
    /// Words replaced, added or removed inside changed paragraphs.
    pub changed_words: usize,
    /// One sentence for people.
    pub summary: String,
}

/// What one side of a diff needs.
pub struct Side<'a> {
    pub id: i64,
    pub title: &'a str,
    pub text: &'a str,
    pub outlet: Option<&'a str>,
    pub wire: Option<&'a str>,
}

impl Diff {
    /// The sentence saying what the outlet changed.
    pub fn summary(&self) -> &str {
        &self.summary
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(crate::text::collapse_ws).filter(|p| !p.is_empty()).collect()
}

fn key(s: &str) -> String {
    crate::text::fold(s)
}

/// The items two sequences have in common, in order, as pairs of indices.
fn matches(a: &[String], b: &[String]) -> Vec<(usize, usize)> {
    capture_diff_slices_deadline(Algorithm::Myers, a, b, Some(Instant::now() + DEADLINE))
        .into_iter()
        .filter_map(|op| match op {
            DiffOp::Equal { old_index, new_index, len } => Some((0..len).map(move |k| (old_index + k, new_index + k))),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Share of words two paragraphs have in common (of the smaller word set).
fn overlap(a: &str, b: &str) -> f64 {
    let wa: std::collections::HashSet<String> = key(a).split_whitespace().map(str::to_owned).collect();
    let wb: std::collections::HashSet<String> = key(b).split_whitespace().map(str::to_owned).collect();
    let small = wa.len().min(wb.len());
    if small == 0 {
        return 0.0;
    }
    wa.intersection(&wb).count() as f64 / small as f64
}

/// The word diff of two versions of a paragraph, and how many words changed.
fn word_diff(original: &str, copy: &str) -> (Vec<Word>, usize) {
    let a: Vec<&str> = original.split_whitespace().collect();
    let b: Vec<&str> = copy.split_whitespace().collect();
    let (ka, kb): (Vec<String>, Vec<String>) = (a.iter().map(|w| key(w)).collect(), b.iter().map(|w| key(w)).collect());
    let pairs = matches(&ka, &kb);
    let mut out: Vec<Word> = Vec::new();
    let push = |out: &mut Vec<Word>, op: Op, w: &str| match out.last_mut() {
        Some(last) if last.op == op => {
            last.text.push(' ');
            last.text.push_str(w);
        }
        _ => out.push(Word { op, text: w.to_owned() }),
    };
    let (mut i, mut j) = (0, 0);
    let (mut added, mut removed, mut changed) = (0, 0, 0);
    let mut flush = |added: &mut usize, removed: &mut usize| {
        changed += (*added).max(*removed);
        *added = 0;
        *removed = 0;
    };
    for (pi, pj) in pairs.into_iter().chain(std::iter::once((a.len(), b.len()))) {
        while i < pi {
            push(&mut out, Op::Removed, a[i]);
            removed += 1;
            i += 1;
        }
        while j < pj {
            push(&mut out, Op::Added, b[j]);
            added += 1;
            j += 1;
        }
        flush(&mut added, &mut removed);
        if pi < a.len() && pj < b.len() {
            push(&mut out, Op::Same, b[pj]);
            i += 1;
            j += 1;
        }
    }
    (out, changed)
}

/// Compares a copy with its original.
pub fn compare(original: &Side, copy: &Side) -> Diff {
    let a = paragraphs(original.text);
    let mut b = paragraphs(copy.text);
    let a_keys: Vec<String> = a.iter().map(|p| key(p)).collect();
    // A subheading: a short first line of the copy that the original does not have.
    let mut subheading = None;
    if let Some(first) = b.first() {
        let short = first.split_whitespace().count() <= SUBHEADING_WORDS;
        let unpunctuated = !first.ends_with(['.', '!', '?', '。', '"', '”', '»']);
        if short && unpunctuated && !a_keys.contains(&key(first)) && key(first) != key(copy.title) {
            subheading = Some(b.remove(0));
        }
    }
    let b_keys: Vec<String> = b.iter().map(|p| key(p)).collect();
    let pairs = matches(&a_keys, &b_keys);
    let mut blocks = Vec::new();
    let (mut i, mut j) = (0, 0);
    for (pi, pj) in pairs.into_iter().chain(std::iter::once((a.len(), b.len()))) {
        // Between two matches: removed and added paragraphs, paired up when they are one
        // paragraph edited.
        let mut removed: Vec<&String> = a[i..pi].iter().collect();
        let added: Vec<&String> = b[j..pj].iter().collect();
        for new in added {
            match removed.iter().position(|old| overlap(old, new) >= 0.5) {
                Some(k) => {
                    for old in removed.drain(..k) {
                        blocks.push(Block { op: Op::Removed, text: old.clone(), words: Vec::new() });
                    }
                    let old = removed.remove(0);
                    let (words, _) = word_diff(old, new);
                    blocks.push(Block { op: Op::Changed, text: new.clone(), words });
                }
                None => blocks.push(Block { op: Op::Added, text: new.clone(), words: Vec::new() }),
            }
        }
        for old in removed {
            blocks.push(Block { op: Op::Removed, text: old.clone(), words: Vec::new() });
        }
        if pi < a.len() && pj < b.len() {
            blocks.push(Block { op: Op::Same, text: b[pj].clone(), words: Vec::new() });
        }
        i = pi + 1;
        j = pj + 1;
    }
    let count = |op: Op| blocks.iter().filter(|b| b.op == op).count();
    let changed_words: usize = blocks
        .iter()
        .filter(|b| b.op == Op::Changed)
        .map(|b| {
            let (mut added, mut removed, mut total) = (0, 0, 0);
            for w in &b.words {
                let n = w.text.split_whitespace().count();
                match w.op {
                    Op::Added => added += n,
                    Op::Removed => removed += n,
                    _ => {
                        total += added.max(removed);
                        added = 0;
                        removed = 0;
                    }
                }
            }
            total + added.max(removed)
        })
        .sum();
    let headline = (key(original.title) != key(copy.title))
        .then(|| Headline { original: original.title.to_owned(), copy: copy.title.to_owned() });
    let mut diff = Diff {
        copy_id: copy.id,
        original_id: original.id,
        copy_outlet: copy.outlet.map(str::to_owned),
        original_outlet: original.outlet.map(str::to_owned),
        wire: original.wire.map(str::to_owned),
        headline,
        subheading,
        added_paragraphs: count(Op::Added),
        removed_paragraphs: count(Op::Removed),
        changed_paragraphs: count(Op::Changed),
        changed_words,
        blocks,
        summary: String::new(),
    };
    diff.summary = sentence(&diff);
    diff
}

fn number(n: usize) -> String {
    const WORDS: [&str; 11] = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    WORDS.get(n).map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

fn counted(n: usize, what: &str) -> String {
    format!("{} {what}{}", number(n), if n == 1 { "" } else { "s" })
}

/// "The Times of Israel changed the headline, added a subheading and two paragraphs to the AP text."
fn sentence(d: &Diff) -> String {
    let who = d.copy_outlet.clone().unwrap_or_else(|| "This copy".to_owned());
    let source = match (d.wire.as_deref().and_then(super::wire::short_name), &d.original_outlet) {
        (Some(agency), _) => format!("the {agency} text"),
        (None, Some(outlet)) => format!("the text of {outlet}"),
        (None, None) => "the original text".to_owned(),
    };
    // Each part with the preposition that joins it to the source.
    let mut parts: Vec<(String, &str)> = Vec::new();
    if d.headline.is_some() {
        parts.push(("changed the headline".to_owned(), "of"));
    }
    let mut added = Vec::new();
    if d.subheading.is_some() {
        added.push("a subheading".to_owned());
    }
    if d.added_paragraphs > 0 {
        added.push(counted(d.added_paragraphs, "paragraph"));
    }
    if !added.is_empty() {
        parts.push((format!("added {}", added.join(" and ")), "to"));
    }
    if d.removed_paragraphs > 0 {
        parts.push((format!("removed {}", counted(d.removed_paragraphs, "paragraph")), "from"));
    }
    if d.changed_words > 0 {
        parts.push((format!("changed {}", counted(d.changed_words, "word")), "in"));
    }
    let Some((_, preposition)) = parts.last().cloned() else {
        return format!("{who} republished {source} unchanged.");
    };
    let phrases: Vec<String> = parts.into_iter().map(|(p, _)| p).collect();
    let joined = match phrases.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
        [] => String::new(),
    };
    format!("{who} {joined} {preposition} {source}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side<'a>(id: i64, title: &'a str, text: &'a str, outlet: &'a str, wire: Option<&'a str>) -> Side<'a> {
        Side { id, title, text, outlet: Some(outlet), wire }
    }

    fn check(original: &str, copy: &str, copy_title: &str, expected: &str, counts: (usize, usize, usize, usize)) {
        let d = compare(
            &side(1, "Putin calls Obama", original, "AP", Some("ap")),
            &side(2, copy_title, copy, "The Times of Israel", None),
        );
        assert_eq!(d.summary(), expected);
        assert_eq!((d.added_paragraphs, d.removed_paragraphs, d.changed_paragraphs, d.changed_words), counts);
    }

    #[test]
    fn what_a_copy_changed() {
        let ap = "MOSCOW (AP) — The Kremlin says Putin called Obama.\n\nThey discussed Syria.\n\nAnd Ukraine.";
        check(ap, ap, "Putin calls Obama", "The Times of Israel republished the AP text unchanged.", (0, 0, 0, 0));
        check(
            ap,
            "Russian president reaches out twice in one week\n\nMOSCOW (AP) — The Kremlin says Putin called Obama.\n\n\
             They discussed Syria.\n\nA tank in Aleppo, Syria in 2016.\n\nAnd Ukraine.\n\nMore from the Kremlin follows.",
            "Putin calls Obama to discuss ‘better coordination’ in Syria",
            "The Times of Israel changed the headline and added a subheading and two paragraphs to the AP text.",
            (2, 0, 0, 0),
        );
        check(
            ap,
            "MOSCOW (AP) — The Kremlin says President Putin phoned Obama.\n\nAnd Ukraine.",
            "Putin calls Obama",
            "The Times of Israel removed one paragraph and changed two words in the AP text.",
            (0, 1, 1, 2),
        );
    }

    #[test]
    fn word_diffs_mark_runs() {
        let (words, changed) = word_diff("the cat sat on the mat", "the dog sat on a mat today");
        let ops: Vec<(Op, &str)> = words.iter().map(|w| (w.op, w.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                (Op::Same, "the"),
                (Op::Removed, "cat"),
                (Op::Added, "dog"),
                (Op::Same, "sat on"),
                (Op::Removed, "the"),
                (Op::Added, "a"),
                (Op::Same, "mat"),
                (Op::Added, "today"),
            ]
        );
        assert_eq!(changed, 3);
    }
}

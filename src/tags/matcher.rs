//! Finding known actors in text: every name and alias at once, with Aho-Corasick.
//!
//! Matching runs on the folded text (`text::fold`: case, diacritics and letter variants
//! unified), with the longest match winning where names overlap ("Michael Jordan" beats "Jordan").
//! A match must stand as a whole word, with the tolerances real text needs:
//! - Russian and other Cyrillic names take case endings ("Путина", "России"): a Cyrillic alias
//!   matches its stem followed by a short inflectional ending;
//! - Arabic and Hebrew attach prefixes to words ("وبوتين" and Putin, "בפוטין" in Putin): one to
//!   three proclitic letters may precede the alias;
//! - Chinese and Japanese have no spaces: CJK aliases match anywhere.
//!
//! Acronym aliases ("US", "WHO") must match in capitals; aliases marked ambiguous ("Jordan",
//! "Chad") are skipped when a neighbouring capitalised word shows they are part of another name.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use rusqlite::Connection;

use crate::error::Result;
use crate::text::{fold_with_offsets, is_cjk};

/// One alias pattern as compiled.
#[derive(Debug, Clone)]
struct Pattern {
    tag_id: i64,
    alias: String,
    case_sensitive: bool,
    ambiguous: bool,
    script: Script,
    /// Cyrillic aliases are matched by stem: how many folded bytes of the alias the stem drops.
    inflects: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Cjk,
    Cyrillic,
    Semitic,
    Other,
}

/// A compiled matcher over every actor alias of a library.
pub struct AliasMatcher {
    automaton: Option<AhoCorasick>,
    /// Folded alias → actors, for exact lookups of a whole name.
    exact: HashMap<String, Vec<i64>>,
    /// For each automaton key, the aliases that share it (two actors may share a name).
    keys: Vec<Vec<Pattern>>,
}

/// An actor found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub tag_id: i64,
    pub mentions: usize,
}

/// Russian (and Ukrainian, Bulgarian…) case endings a name may take, longest first.
const CYRILLIC_ENDINGS: &[&str] = &[
    "ами", "ями", "ого", "его", "ому", "ему", "ыми", "ими", "ой", "ей", "ом", "ем", "ым", "им", "ых", "их", "ах", "ях",
    "ов", "ев", "ую", "юю", "ая", "яя", "ое", "ее", "а", "я", "у", "ю", "е", "ы", "и", "ь", "й", "о", "і", "ї",
];
const ARABIC_PROCLITICS: &[char] = &['و', 'ف', 'ب', 'ل', 'ك'];
const HEBREW_PROCLITICS: &[char] = &['ו', 'ה', 'ב', 'ל', 'מ', 'ש', 'כ'];

impl AliasMatcher {
    /// Builds the matcher from every alias in the library.
    pub fn load(conn: &Connection) -> Result<Self> {
        let mut stmt = conn.prepare(
            "SELECT a.tag_id, a.alias, a.norm, a.case_sensitive, a.ambiguous FROM tag_alias a
             JOIN tag t ON t.id = a.tag_id WHERE t.kind = 'actor'",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, bool>(4)?,
            ))
        })?;
        let mut aliases = Vec::new();
        for row in rows {
            aliases.push(row?);
        }
        Ok(Self::build(aliases))
    }

    /// Builds from (tag id, alias, folded alias, case-sensitive, ambiguous).
    pub fn build(aliases: Vec<(i64, String, String, bool, bool)>) -> Self {
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut exact: HashMap<String, Vec<i64>> = HashMap::new();
        let mut texts: Vec<String> = Vec::new();
        let mut keys: Vec<Vec<Pattern>> = Vec::new();
        for (tag_id, alias, norm, case_sensitive, ambiguous) in aliases {
            let ids = exact.entry(norm.clone()).or_default();
            if !ids.contains(&tag_id) {
                ids.push(tag_id);
            }
            let script = script_of(&norm);
            let (key, inflects) = match script {
                Script::Cyrillic => cyrillic_stem(&norm),
                _ => (norm.clone(), false),
            };
            if key.chars().count() < 2 && script != Script::Cjk {
                continue;
            }
            let slot = *index.entry(key.clone()).or_insert_with(|| {
                texts.push(key);
                keys.push(Vec::new());
                keys.len() - 1
            });
            keys[slot].push(Pattern { tag_id, alias, case_sensitive, ambiguous, script, inflects });
        }
        let automaton = if texts.is_empty() {
            None
        } else {
            AhoCorasickBuilder::new().match_kind(MatchKind::LeftmostLongest).build(&texts).ok()
        };
        AliasMatcher { automaton, exact, keys }
    }

    /// The actors one of whose names is exactly `name` (case and diacritics ignored).
    pub fn lookup(&self, name: &str) -> &[i64] {
        self.exact.get(&crate::text::fold(name)).map_or(&[], Vec::as_slice)
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The actors mentioned in `text`, with how often; in order of first mention.
    pub fn find(&self, text: &str) -> Vec<Found> {
        let Some(automaton) = &self.automaton else { return Vec::new() };
        let (folded, offsets) = fold_with_offsets(text);
        let mut counts: HashMap<i64, usize> = HashMap::new();
        let mut order: Vec<i64> = Vec::new();
        for m in automaton.find_iter(&folded) {
            let (start, end) = (m.start(), m.end());
            let mut counted: Vec<i64> = Vec::new();
            // Every actor whose alias has this key counts (two actors may share a name).
            for pattern in &self.keys[m.pattern().as_usize()] {
                let Some(end) = self.accept(pattern, &folded, start, end) else { continue };
                let (from, to) = (offsets[start], offsets[end.min(offsets.len() - 1)]);
                if pattern.case_sensitive && !case_matches(text.get(from..to).unwrap_or(""), &pattern.alias) {
                    continue;
                }
                if pattern.ambiguous && part_of_longer_name(text, from, to) {
                    continue;
                }
                if counted.contains(&pattern.tag_id) {
                    continue;
                }
                counted.push(pattern.tag_id);
                let entry = counts.entry(pattern.tag_id).or_insert(0);
                if *entry == 0 {
                    order.push(pattern.tag_id);
                }
                *entry += 1;
            }
        }
        order.into_iter().map(|tag_id| Found { tag_id, mentions: counts[&tag_id] }).collect()
    }

    /// Checks the word boundaries of a match; returns where the matched word ends (after any
    /// inflectional ending), or `None` if the match is inside a longer word.
    fn accept(&self, p: &Pattern, folded: &str, start: usize, end: usize) -> Option<usize> {
        if p.script == Script::Cjk {
            return Some(end);
        }
        let before = folded.get(..start).unwrap_or("");
        let left_ok = match before.chars().next_back() {
            None => true,
            Some(c) if !c.is_alphanumeric() => true,
            Some(_) if p.script == Script::Semitic => {
                let proclitics = if is_hebrew(&p.alias) { HEBREW_PROCLITICS } else { ARABIC_PROCLITICS };
                let run: Vec<char> = before.chars().rev().take_while(|c| c.is_alphanumeric()).collect();
                run.len() <= 3 && run.iter().all(|c| proclitics.contains(c))
            }
            Some(_) => false,
        };
        if !left_ok {
            return None;
        }
        let after = folded.get(end..).unwrap_or("");
        let word_rest: String = after.chars().take_while(|c| c.is_alphanumeric()).collect();
        if word_rest.is_empty() {
            return Some(end);
        }
        if p.inflects && CYRILLIC_ENDINGS.contains(&word_rest.as_str()) {
            return Some(end + word_rest.len());
        }
        None
    }
}

/// A full-text MATCH expression (title and text columns) that finds every clip in which
/// [`AliasMatcher::find`] could find `alias`, and few others: the index narrows a library to the
/// clips to check when an actor or alias is added. Cyrillic aliases are looked up by their stem as
/// a prefix (case endings), Arabic and Hebrew ones also with up to three proclitic letters before
/// them, Chinese and Japanese ones as a phrase of characters.
pub fn candidates_expr(alias: &str) -> Option<String> {
    let norm = crate::text::fold(alias);
    if !norm.chars().any(char::is_alphanumeric) {
        return None;
    }
    let quote = |s: &str| crate::search::query::quote(&crate::text::fts_prepare(s));
    let mut terms = vec![quote(alias), quote(&norm)];
    match script_of(&norm) {
        Script::Cyrillic => {
            let (stem, _) = cyrillic_stem(&norm);
            terms.push(format!("{} *", quote(&stem)));
        }
        Script::Semitic => {
            let proclitics = if is_hebrew(&norm) { HEBREW_PROCLITICS } else { ARABIC_PROCLITICS };
            let mut prefixes: Vec<String> = vec![String::new()];
            for _ in 0..3 {
                let longer: Vec<String> = prefixes
                    .iter()
                    .filter(|p| p.chars().count() < 3)
                    .flat_map(|p| proclitics.iter().map(move |c| format!("{p}{c}")))
                    .collect();
                prefixes.extend(longer);
                prefixes.sort();
                prefixes.dedup();
            }
            terms.extend(prefixes.iter().filter(|p| !p.is_empty()).map(|p| quote(&format!("{p}{norm}"))));
        }
        Script::Cjk | Script::Other => {}
    }
    terms.sort();
    terms.dedup();
    Some(format!("{{title text}} : ({})", terms.join(" OR ")))
}

/// The capitals of a case-sensitive alias: an acronym ("US", "WHO") must be in capitals, a name
/// that is also a common word ("Turkey", "Того") must start with one. Inflected endings may differ.
fn case_matches(original: &str, alias: &str) -> bool {
    let letters = |s: &str| s.chars().filter(|c| c.is_alphabetic()).collect::<Vec<char>>();
    let (o, a) = (letters(original), letters(alias));
    if a.len() >= 2 && a.iter().all(|c| c.is_uppercase()) {
        o.iter().take(a.len()).all(|c| c.is_uppercase())
    } else {
        o.first().is_some_and(|c| c.is_uppercase()) == a.first().is_some_and(|c| c.is_uppercase())
    }
}

fn script_of(s: &str) -> Script {
    if s.chars().any(is_cjk) {
        Script::Cjk
    } else if s.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)) {
        Script::Cyrillic
    } else if s.chars().any(|c| ('\u{0590}'..='\u{06FF}').contains(&c)) {
        Script::Semitic
    } else {
        Script::Other
    }
}

fn is_hebrew(s: &str) -> bool {
    s.chars().any(|c| ('\u{0590}'..='\u{05FF}').contains(&c))
}

/// The matching key of a Cyrillic alias: its last word without a final vowel or soft sign, so
/// "россия" matches "россии", "россию", "россией". Short names keep their ending.
fn cyrillic_stem(norm: &str) -> (String, bool) {
    let last_word_len = norm.rsplit(' ').next().map_or(0, |w| w.chars().count());
    let mut chars: Vec<char> = norm.chars().collect();
    if last_word_len >= 5 && matches!(chars.last(), Some('а' | 'я' | 'ь' | 'й' | 'о' | 'е' | 'ы' | 'и' | 'у' | 'ю'))
    {
        chars.pop();
    }
    (chars.into_iter().collect(), true)
}

/// True if the match at `start..end` of `text` has a capitalised word right before or after it,
/// as "Jordan" has in "Michael Jordan" or "Jordan Peterson". A capital after a sentence end does
/// not count.
fn part_of_longer_name(text: &str, start: usize, end: usize) -> bool {
    // `start` and `end` map a match in the folded text back to `text`: the starts of characters
    // of `text`, but read with `get` so that no offset can ever panic.
    let after = text.get(end..).unwrap_or("");
    let next_word = after.trim_start_matches([' ', '\u{a0}']);
    let next_is_name = after.starts_with([' ', '\u{a0}']) && next_word.chars().next().is_some_and(char::is_uppercase);
    let before = text.get(..start).unwrap_or("");
    let prev_is_name = before.ends_with([' ', '\u{a0}']) && {
        let trimmed = before.trim_end_matches([' ', '\u{a0}']);
        // Where the word before the match starts: after the last character that is not part of a
        // word. That character may be a dash of several bytes (a dateline "AMMAN — Jordan…"), so
        // the offset is its end, never its start plus one byte.
        let word_start = trimmed
            .char_indices()
            .rev()
            .find(|&(_, c)| !c.is_alphanumeric() && c != '-' && c != '\'')
            .map_or(0, |(p, c)| p + c.len_utf8());
        let (head, word) = trimmed.split_at(word_start);
        let preceded_by_sentence_end =
            head.trim_end().chars().next_back().is_none_or(|c| matches!(c, '.' | '!' | '?' | '\n' | '"' | '“'));
        word.chars().next().is_some_and(char::is_uppercase) && !preceded_by_sentence_end && !is_function_word(word)
    };
    next_is_name || prev_is_name
}

/// Capitalised words that do not start a name ("In Jordan", "President of Chad").
fn is_function_word(w: &str) -> bool {
    matches!(
        w,
        "In" | "The"
            | "From"
            | "To"
            | "And"
            | "Of"
            | "On"
            | "At"
            | "For"
            | "With"
            | "By"
            | "As"
            | "That"
            | "And,"
            | "But"
            | "Or"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn matcher(aliases: &[(i64, &str, bool)]) -> AliasMatcher {
        AliasMatcher::build(
            aliases
                .iter()
                .map(|(id, a, ambiguous)| {
                    (*id, a.to_string(), fold(a), crate::tags::taxonomy::is_acronym(a), *ambiguous)
                })
                .collect(),
        )
    }

    fn check(m: &AliasMatcher, text: &str, expected: &[(i64, usize)]) {
        let got: Vec<(i64, usize)> = m.find(text).into_iter().map(|f| (f.tag_id, f.mentions)).collect();
        assert_eq!(got, expected, "text: {text}");
    }

    #[test]
    fn whole_words_any_case_and_script() {
        let m = matcher(&[
            (1, "Vladimir Putin", false),
            (1, "Putin", false),
            (1, "Путин", false),
            (1, "بوتين", false),
            (1, "פוטין", false),
            (1, "普京", false),
            (2, "Erdoğan", false),
            (3, "Russia", false),
            (3, "Россия", false),
            (4, "US", false),
            (5, "Jordan", true),
            (6, "Michael Jordan", false),
        ]);
        check(&m, "President Vladimir Putin met Putin's aides.", &[(1, 2)]);
        check(&m, "PUTIN and putin", &[(1, 2)]);
        check(&m, "Putinism is not a name", &[]);
        check(&m, "Кремль: Путин провёл переговоры. Встреча Путина с Обамой.", &[(1, 2)]);
        check(&m, "санкции против России и Россией", &[(3, 2)]);
        check(&m, "وقال بوتين إن ... واتصل وبوتين", &[(1, 2)]);
        check(&m, "הנשיא פוטין אמר ... בפוטין", &[(1, 2)]);
        check(&m, "普京与奥巴马通电话", &[(1, 1)]);
        check(&m, "Erdogan and ERDOĞAN", &[(2, 2)]);
        check(&m, "the US said; they told us", &[(4, 1)]);
        check(&m, "Michael Jordan scored. Jordan Peterson spoke. King of Jordan, and in Jordan.", &[(6, 1), (5, 2)]);
        check(&m, "Jordan said on Tuesday", &[(5, 1)]);
    }
}

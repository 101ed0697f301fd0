//! Small text utilities shared by extraction, tagging and search.

/// Collapses every run of white space (including non-breaking and zero-width spaces) to one space
/// and trims the ends.
pub fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if is_space(c) {
            pending_space = !out.is_empty();
        } else if is_invisible(c) {
            continue;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Whether `c` is a control character that carries no text: C0 controls other than tab, line
/// feed, carriage return and form feed; DEL; the C1 range. Pages contain them by accident (bad
/// conversions) or on purpose (to confuse parsers and terminals).
pub fn is_stray_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}')) || c == '\u{7f}'
}

/// `s` without stray control characters (see [`is_stray_control`]); borrowed when there are none.
pub fn strip_controls(s: &str) -> std::borrow::Cow<'_, str> {
    if s.chars().any(is_stray_control) {
        std::borrow::Cow::Owned(s.chars().filter(|c| !is_stray_control(*c)).collect())
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// `s` as HTML text or a double- or single-quoted attribute value: `& < > " '` escaped, stray
/// control characters dropped. The one escaper for every piece of HTML the core writes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if is_stray_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
pub fn truncate_bytes(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let end = (0..=max).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0);
    s.get(..end).unwrap_or("")
}

/// White space as a reader sees it.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{a0}' || c == '\u{202f}' || c == '\u{2007}'
}

/// Characters that occupy no space and carry no text in an article body: zero-width spaces and
/// joiners used as line-break hints, soft hyphens, byte order marks. (Bidi controls are kept: they
/// change how right-to-left text reads.)
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}' | '\u{2060}' | '\u{feff}' | '\u{ad}')
}

/// Counts words: runs of letters or digits; each CJK ideograph or kana counts as one word, since
/// those scripts do not separate words by spaces.
pub fn word_count(s: &str) -> usize {
    let mut count = 0;
    let mut in_word = false;
    for c in s.chars() {
        if is_cjk(c) {
            count += 1;
            in_word = false;
        } else if c.is_alphanumeric() {
            if !in_word {
                count += 1;
                in_word = true;
            }
        } else if c != '\'' && c != '’' && c != '-' {
            in_word = false;
        }
    }
    count
}

/// Han ideographs, kana and Hangul syllables: scripts written without spaces between words
/// (Hangul does use spaces, but its syllable blocks are indexed like Han for substring search).
/// The words of `s` as they are compared: lower-cased, without punctuation; each CJK character a
/// word of its own (those scripts put no spaces between words).
pub fn folded_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in s.chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3040..=0x30FF      // Hiragana, Katakana
        | 0x3400..=0x4DBF    // CJK Extension A
        | 0x4E00..=0x9FFF    // CJK Unified Ideographs
        | 0xF900..=0xFAFF    // CJK Compatibility Ideographs
        | 0xAC00..=0xD7AF    // Hangul syllables
        | 0x20000..=0x2FA1F  // CJK Extensions B–F, compatibility supplement
    )
}

/// The matching form of a name or text: lower case, diacritics removed, letter variants unified,
/// white space collapsed. "Erdoğan" and "erdogan", "Ёлкин" and "елкин", "أوباما" and "اوباما" fold
/// alike. Used for actor aliases and their occurrences in text.
pub fn fold(s: &str) -> String {
    fold_with_offsets(s).0
}

/// [`fold`], plus for every byte of the folded text the byte offset in `s` of the character it
/// came from (and one more entry for the end), so a match in the folded text maps back.
pub fn fold_with_offsets(s: &str) -> (String, Vec<usize>) {
    use unicode_normalization::char::{decompose_canonical, is_combining_mark};
    let mut out = String::with_capacity(s.len());
    let mut offsets = Vec::with_capacity(s.len() + 1);
    let mut pending_space: Option<usize> = None;
    let push = |out: &mut String, offsets: &mut Vec<usize>, c: char, at: usize| {
        for lower in c.to_lowercase() {
            let before = out.len();
            out.push(lower);
            offsets.extend(std::iter::repeat_n(at, out.len() - before));
        }
    };
    for (at, c) in s.char_indices() {
        if is_space(c) {
            if !out.is_empty() && pending_space.is_none() {
                pending_space = Some(at);
            }
            continue;
        }
        if is_invisible(c) || c == '\u{640}' {
            continue; // zero-width characters, Arabic tatweel
        }
        if let Some(space_at) = pending_space.take() {
            push(&mut out, &mut offsets, ' ', space_at);
        }
        // Most text of most pages: ASCII folds to its lower case, one byte for one byte.
        if c.is_ascii() {
            out.push(if c == '`' { '\'' } else { c.to_ascii_lowercase() });
            offsets.push(at);
            continue;
        }
        let unified = match c {
            'ё' => 'е',
            'Ё' => 'Е',
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            '’' | 'ʼ' | '‘' | '`' => '\'',
            _ => c,
        };
        if is_combining_mark(unified) {
            continue; // Arabic harakat, Hebrew niqqud, stray accents
        }
        if (unified as u32) < 0x0400 || (0x1E00..0x2000).contains(&(unified as u32)) {
            // Latin and Greek: strip accents by canonical decomposition. (Not Cyrillic: "й" is a
            // letter of its own, not "и" with a mark.)
            let mut base = Vec::new();
            decompose_canonical(unified, |d| {
                if !is_combining_mark(d) {
                    base.push(d);
                }
            });
            for b in base {
                push(&mut out, &mut offsets, b, at);
            }
        } else {
            push(&mut out, &mut offsets, unified, at);
        }
    }
    offsets.push(s.len());
    (out, offsets)
}

/// The separator [`fts_prepare`] inserts: a thin space, which the index tokenizer treats as a
/// separator and which never occurs in stored text (rendering turns every space into U+0020).
const FTS_GAP: char = '\u{2009}';

/// The form of a text the full-text index stores: each CJK character stands alone, so that the
/// tokenizer (which splits on spaces and punctuation) indexes it as a token and a phrase of
/// characters finds any substring of a Chinese or Japanese text.
pub fn fts_prepare(s: &str) -> String {
    if !s.chars().any(is_cjk) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len() + s.len() / 2);
    let mut prev: Option<char> = None;
    for c in s.chars() {
        if let Some(p) = prev {
            if (is_cjk(c) || is_cjk(p)) && !is_space(c) && !is_space(p) {
                out.push(FTS_GAP);
            }
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

/// Undoes [`fts_prepare`] on text coming back from the index (snippets).
pub fn fts_unprepare(s: &str) -> String {
    s.replace(FTS_GAP, "")
}

/// Cuts `s` to at most `max` characters at a character boundary, preferring a word boundary, and
/// marks the cut with an ellipsis.
pub fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max).collect();
    let cut = match cut.rfind(char::is_whitespace) {
        Some(pos) if pos > cut.len() / 2 => cut.get(..pos).unwrap_or(&cut),
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches(|c: char| c.is_whitespace() || c.is_ascii_punctuation()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapse() {
        for (input, expected) in
            [("  a \n\t b  ", "a b"), ("a\u{a0}\u{a0}b", "a b"), ("zero\u{200b}width", "zerowidth"), ("", "")]
        {
            assert_eq!(collapse_ws(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn words() {
        for (input, expected) in [
            ("The Kremlin's view, in 3 words", 6),
            ("Путин позвонил Обаме", 3),
            ("普京与奥巴马通电话", 9),
            ("well-known co-operation", 2),
            ("", 0),
        ] {
            assert_eq!(word_count(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn folding() {
        for (input, expected) in [
            ("Erdoğan", "erdogan"),
            ("  Vladimir   PUTIN ", "vladimir putin"),
            ("Ёлкин", "елкин"),
            ("Китай", "китай"),
            ("Ελλάδα", "ελλαδα"),
            ("أوباما", "اوباما"),
            ("בִּנְיָמִין", "בנימין"),
            ("ガザ地区", "ガザ地区"),
            ("Kremlin’s", "kremlin's"),
            ("São\u{200b}Tomé", "saotome"),
            ("NATO`s U.S.-led 2024", "nato's u.s.-led 2024"),
            ("e\u{301}te\u{301}", "ete"),
        ] {
            assert_eq!(fold(input), expected, "input: {input}");
        }
        let (folded, offsets) = fold_with_offsets("Ağa Ö");
        assert_eq!(folded, "aga o");
        assert_eq!(offsets.len(), folded.len() + 1);
        assert_eq!("Ağa Ö".get(offsets[4]..), Some("Ö"));
        // Regression: the folded space mapped to the next word, so "Jordan Peterson" did not
        // look like one name.
        let text = "Jordan  Peterson";
        let (folded, offsets) = fold_with_offsets(text);
        assert_eq!(folded, "jordan peterson");
        assert_eq!(text.get(offsets[6]..), Some("  Peterson"));
    }

    #[test]
    fn cjk_index_form() {
        for (input, indexed) in [
            ("普京与奥巴马 talk", "普 京 与 奥 巴 马 talk"),
            ("ロシア政府は", "ロ シ ア 政 府 は"),
            ("G20峰会", "G20 峰 会"),
            ("no cjk here", "no cjk here"),
        ] {
            let prepared = fts_prepare(input);
            assert_eq!(prepared.replace(FTS_GAP, " "), indexed, "input: {input}");
            assert_eq!(fts_unprepare(&prepared), input);
        }
    }

    #[test]
    fn truncation() {
        assert_eq!(truncate_chars("short", 10), "short");
        assert_eq!(truncate_chars("one two three four five", 12), "one two…");
        assert_eq!(truncate_chars("普京与奥巴马通电话", 4), "普京与奥…");
    }
}

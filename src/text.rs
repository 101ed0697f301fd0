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
        Some(pos) if pos > cut.len() / 2 => &cut[..pos],
        _ => &cut[..],
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

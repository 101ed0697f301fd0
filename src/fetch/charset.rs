//! Turning the bytes of a page into text: which character encoding the page is in.
//!
//! The order is the one browsers use (WHATWG HTML "determining the character encoding"): a byte
//! order mark, then the charset of the HTTP `Content-Type`, then a `<meta>` declaration in the first
//! kilobytes, then a statistical guess by `chardetng` (Firefox's detector, hinted by the host's
//! top-level domain). Legacy pages in windows-1251, KOI8-R, windows-1256, windows-1255, Shift_JIS,
//! EUC-JP, GBK, Big5, EUC-KR… come out right, including those that declare nothing.
//!
//! One departure from that order: when the page's own `<meta>` names a legacy encoding but the
//! bytes are valid UTF-8 with multi-byte sequences, they are UTF-8. That is what a page saved with
//! a browser's "Save page as" looks like: the browser writes UTF-8 and keeps the original
//! declaration. Text in a legacy single-byte or East Asian encoding is practically never valid
//! UTF-8 once it has a non-ASCII character (a lone `é` in windows-1252 is an invalid byte), so the
//! check does not misread real legacy pages; a page whose non-ASCII bytes all happen to form UTF-8
//! sequences would be mojibake as text in its declared encoding anyway (`Ã©`).
//!
//! The HTTP header still wins over the bytes, as in browsers: it is what the server said when the
//! page was fetched, the snapshot records it beside the bytes, and a reader comparing the clip with
//! the page in a browser sees the same text. (Servers that label UTF-8 pages as ISO-8859-1 exist;
//! browsers show those as mojibake too, and the page's owner can see and fix it. A saved page has
//! no header, so the rule above covers it.)
#![warn(clippy::string_slice)]

use encoding_rs::{Encoding, UTF_8};

/// How many bytes the `<meta>` pre-scan looks at. The HTML standard says 1024; real pages often put
/// the declaration after long comments or scripts, so look further.
const META_SCAN_BYTES: usize = 8 * 1024;

/// Where the encoding came from, for provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Bom,
    Header,
    Meta,
    /// The page's `<meta>` named a legacy encoding, but the bytes are UTF-8 (a saved page).
    Utf8OverMeta,
    Sniffed,
}

/// Decodes `bytes` to text. `header_charset` is the `charset` parameter of the HTTP
/// `Content-Type`, if any; `tld` hints the detector (e.g. `ru`, `jp`).
pub fn decode(bytes: &[u8], header_charset: Option<&str>, tld: Option<&str>) -> (String, &'static Encoding, Source) {
    let (encoding, source) = detect(bytes, header_charset, tld);
    let (text, _had_errors) = encoding.decode_with_bom_removal(bytes);
    (text.into_owned(), encoding, source)
}

/// The encoding of `bytes`, and where that answer came from.
pub fn detect(bytes: &[u8], header_charset: Option<&str>, tld: Option<&str>) -> (&'static Encoding, Source) {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return (encoding, Source::Bom);
    }
    if let Some(encoding) = header_charset.and_then(|label| Encoding::for_label(label.trim().as_bytes())) {
        return (html_override(encoding), Source::Header);
    }
    if let Some(encoding) = meta_charset(bytes.get(..META_SCAN_BYTES).unwrap_or(bytes)) {
        let encoding = html_override(encoding);
        if encoding != UTF_8 && is_multibyte_utf8(bytes) {
            return (UTF_8, Source::Utf8OverMeta);
        }
        return (encoding, Source::Meta);
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    // chardetng asserts (panics) unless the hint is a lower-case ASCII label without a period.
    let tld =
        tld.filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    let tld = tld.map(str::as_bytes);
    (detector.guess(tld, chardetng::Utf8Detection::Allow), Source::Sniffed)
}

/// True if `bytes` are valid UTF-8 (but for a sequence cut at the very end, as a truncated page
/// has) and hold at least one multi-byte sequence.
fn is_multibyte_utf8(bytes: &[u8]) -> bool {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => bytes.len(),
        // `error_len() == None`: the input ends in the middle of a sequence.
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        Err(_) => return false,
    };
    bytes.get(..valid).is_some_and(|b| !b.is_ascii())
}

/// An HTML page cannot really be UTF-16 once it declares so in ASCII, and x-user-defined is
/// windows-1252 for pages (the standard's rule for `<meta>`).
fn html_override(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == encoding_rs::UTF_16LE || encoding == encoding_rs::UTF_16BE {
        UTF_8
    } else if encoding == encoding_rs::X_USER_DEFINED {
        encoding_rs::WINDOWS_1252
    } else {
        encoding
    }
}

/// Finds `<meta charset="…">` or `<meta http-equiv="Content-Type" content="…; charset=…">`.
fn meta_charset(head: &[u8]) -> Option<&'static Encoding> {
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut at = 0;
    while let Some(pos) = find(&lower[at..], b"<meta") {
        let start = at + pos + 5;
        let end = lower[start..].iter().position(|&b| b == b'>').map_or(lower.len(), |p| start + p);
        let tag = &lower[start..end];
        if let Some(label) = attr_value(tag, b"charset") {
            if let Some(e) = Encoding::for_label(label) {
                return Some(e);
            }
        }
        if let Some(content) = attr_value(tag, b"content") {
            if let Some(label) = charset_param(content) {
                if let Some(e) = Encoding::for_label(label) {
                    return Some(e);
                }
            }
        }
        at = end;
    }
    None
}

/// The value of attribute `name` in the inside of a tag (`name=value`, quoted or not).
fn attr_value<'a>(tag: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let mut at = 0;
    while let Some(pos) = find(&tag[at..], name) {
        let start = at + pos;
        let before_ok = start == 0 || matches!(tag[start - 1], b' ' | b'\t' | b'\n' | b'\r' | b'/' | b'"' | b'\'');
        let mut i = start + name.len();
        while i < tag.len() && tag[i].is_ascii_whitespace() {
            i += 1;
        }
        if before_ok && i < tag.len() && tag[i] == b'=' {
            i += 1;
            while i < tag.len() && tag[i].is_ascii_whitespace() {
                i += 1;
            }
            let (value_start, terminator) = match tag.get(i) {
                Some(b'"') => (i + 1, Some(b'"')),
                Some(b'\'') => (i + 1, Some(b'\'')),
                _ => (i, None),
            };
            let value_end = tag[value_start..]
                .iter()
                .position(|&b| match terminator {
                    Some(t) => b == t,
                    None => b.is_ascii_whitespace() || b == b'/',
                })
                .map_or(tag.len(), |p| value_start + p);
            return Some(&tag[value_start..value_end]);
        }
        at = start + name.len();
    }
    None
}

/// The `charset=` parameter of a content-type-like value.
pub fn charset_param(content: &[u8]) -> Option<&[u8]> {
    let pos = find(content, b"charset")?;
    let rest = &content[pos + 7..];
    let rest = rest.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"").or_else(|| rest.strip_prefix(b"'")).unwrap_or(rest);
    let end = rest.iter().position(|&b| matches!(b, b';' | b'"' | b'\'' | b' ')).unwrap_or(rest.len());
    Some(&rest[..end]).filter(|l| !l.is_empty())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(bytes: &[u8], header: Option<&str>, expected: &str, source: Source) {
        let (encoding, found) = detect(bytes, header, None);
        assert_eq!((encoding.name(), found), (expected, source), "input: {:?}", String::from_utf8_lossy(bytes));
    }

    #[test]
    fn detection_order() {
        check(b"\xEF\xBB\xBF<meta charset=koi8-r>", Some("windows-1251"), "UTF-8", Source::Bom);
        check(b"<meta charset=koi8-r>", Some("windows-1251"), "windows-1251", Source::Header);
        check(b"<meta charset=koi8-r>", Some("no-such-charset"), "KOI8-R", Source::Meta);
        check(b"<META CHARSET='Shift_JIS'>", None, "Shift_JIS", Source::Meta);
        check(
            b"<meta http-equiv=\"Content-Type\" content=\"text/html; charset=windows-1256\">",
            None,
            "windows-1256",
            Source::Meta,
        );
        check(b"<meta name=viewport content=\"width=device-width\"><meta charset=\"gbk\">", None, "GBK", Source::Meta);
        check(b"<meta charset=utf-16>", None, "UTF-8", Source::Meta);
        check(b"plain ascii", None, "UTF-8", Source::Sniffed);
    }

    /// Regression (found by fuzzing): a TLD hint with a capital, a period or a non-ASCII letter
    /// made chardetng panic; such a hint is now ignored.
    #[test]
    fn odd_tld_hints_are_ignored() {
        let (bytes, _, _) =
            encoding_rs::WINDOWS_1251.encode("<p>Президент России провёл разговор с президентом США.</p>");
        for tld in ["RU", "co.ru", "рф", "", "[::1]"] {
            let (_, encoding, _) = decode(&bytes, None, Some(tld));
            assert_eq!(encoding.name(), "windows-1251", "tld {tld:?}");
        }
    }

    #[test]
    fn sniffs_undeclared_legacy_pages() {
        let (bytes, _, _) = encoding_rs::WINDOWS_1251
            .encode("<p>Президент России Владимир Путин провёл телефонный разговор с президентом США.</p>");
        let (text, encoding, source) = decode(&bytes, None, None);
        assert_eq!((encoding.name(), source), ("windows-1251", Source::Sniffed));
        assert!(text.contains("Владимир Путин"));
    }

    /// Regression: a page saved as UTF-8 that still declares its original legacy charset
    /// (what "Save page as" writes) was decoded as that charset into mojibake ("FrÃ¼hling").
    /// The bytes win over the page's own `<meta>`, not over the HTTP header.
    #[test]
    fn utf8_bytes_under_a_legacy_meta() {
        let saved = "<meta charset=windows-1252><p>Frühling in Köln – «très» bien</p>".as_bytes();
        let latin = encoding_rs::WINDOWS_1252.encode("<meta charset=windows-1252><p>Frühling in Köln</p>").0;
        let cut = &saved[..saved.len() - 13]; // ends inside "è": a truncated page
        let ascii = b"<meta charset=windows-1252><p>Spring</p>";
        let declared = "<meta charset=utf-8><p>Frühling</p>".as_bytes();
        for (name, bytes, header, expected, source) in [
            ("saved page", saved, None, "UTF-8", Source::Utf8OverMeta),
            ("truncated saved page", cut, None, "UTF-8", Source::Utf8OverMeta),
            ("real legacy page", &latin[..], None, "windows-1252", Source::Meta),
            ("ASCII only", &ascii[..], None, "windows-1252", Source::Meta),
            ("header wins", saved, Some("iso-8859-1"), "windows-1252", Source::Header),
            ("UTF-8 declared", declared, None, "UTF-8", Source::Meta),
        ] {
            let (encoding, found) = detect(bytes, header, None);
            assert_eq!((encoding.name(), found), (expected, source), "{name}");
        }
        let (text, _, _) = decode(saved, None, None);
        assert!(text.contains("Frühling in Köln – «très» bien"), "{text}");
    }

    #[test]
    fn charset_parameter() {
        assert_eq!(charset_param(b"text/html; charset=\"UTF-8\""), Some(&b"UTF-8"[..]));
        assert_eq!(charset_param(b"text/html;charset=gbk"), Some(&b"gbk"[..]));
        assert_eq!(charset_param(b"text/html"), None);
    }
}

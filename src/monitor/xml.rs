//! Reading the documents monitoring fetches: gzip undone within a bound, bytes decoded to text,
//! the kind of document told from its first element, and the text of XML events.
//!
//! Decoding follows the order feed readers use: a byte order mark, then the charset
//! of the HTTP `Content-Type`, then the XML declaration's `encoding`, then UTF-8 (or, when the bytes
//! are not UTF-8, `chardetng`'s guess). A document that declares a legacy encoding but is valid
//! UTF-8 with multi-byte sequences is UTF-8: the declaration is the usual server default
//! (ISO-8859-1) or a copied template, and real Latin-1 text is almost never valid UTF-8.

use std::borrow::Cow;
use std::io::Read;

use encoding_rs::{Encoding, UTF_8};
use quick_xml::events::attributes::Attribute;
use quick_xml::events::Event;
use quick_xml::XmlVersion;

/// The most bytes a gzipped document may inflate to.
pub const MAX_DECOMPRESSED: u64 = 50 * 1024 * 1024;

/// How far into a document the XML declaration is looked for.
const DECL_SCAN_BYTES: usize = 1024;

/// Why a gzipped body could not be inflated.
#[derive(Debug, PartialEq, Eq)]
pub enum GunzipError {
    TooLarge,
    Corrupt(String),
}

/// `body` inflated if it is gzip (magic bytes 1f 8b), at most `limit` bytes; else `body` itself.
pub fn gunzip(body: &[u8], limit: u64) -> Result<Cow<'_, [u8]>, GunzipError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(Cow::Borrowed(body));
    }
    let mut out = Vec::new();
    let decoder = flate2::read::MultiGzDecoder::new(body);
    decoder.take(limit.saturating_add(1)).read_to_end(&mut out).map_err(|e| GunzipError::Corrupt(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(GunzipError::TooLarge);
    }
    Ok(Cow::Owned(out))
}

/// `bytes` as text (see the module documentation for the order of the rules).
pub fn decode(bytes: &[u8], content_type: Option<&str>) -> String {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding.decode_with_bom_removal(bytes).0.into_owned();
    }
    let header = content_type
        .and_then(|ct| crate::fetch::charset::charset_param(ct.to_ascii_lowercase().as_bytes()).map(<[u8]>::to_vec))
        .and_then(|label| Encoding::for_label(label.trim_ascii()));
    let declared = header.or_else(|| declared_encoding(bytes));
    let utf8 = std::str::from_utf8(bytes).ok();
    let encoding = match declared {
        Some(e) if e == encoding_rs::UTF_16LE || e == encoding_rs::UTF_16BE => UTF_8,
        Some(e) if e == encoding_rs::X_USER_DEFINED => encoding_rs::WINDOWS_1252,
        Some(e) if e != UTF_8 && utf8.is_some_and(|s| !s.is_ascii()) => UTF_8,
        Some(e) => e,
        None if utf8.is_some() => UTF_8,
        None => {
            let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
            detector.feed(bytes, true);
            detector.guess(None, chardetng::Utf8Detection::Allow)
        }
    };
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// The `encoding` of the XML declaration `<?xml … encoding="…"?>` at the start of `bytes`.
fn declared_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = bytes.get(..bytes.len().min(DECL_SCAN_BYTES))?;
    let head = head.trim_ascii_start();
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = head.get(..end)?;
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = decl.get(at + 8..)?.trim_ascii_start().strip_prefix(b"=")?.trim_ascii_start();
    let quote = *rest.first()?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let rest = rest.get(1..)?;
    let close = rest.iter().position(|&b| b == quote)?;
    Encoding::for_label(rest.get(..close)?.trim_ascii())
}

/// What a document is, from its first characters and its first element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sniffed {
    /// Starts with `{`.
    Json,
    /// XML whose first element has this name.
    Xml(Root),
    Html,
    /// Nothing but white space.
    Empty,
    /// Neither markup nor JSON.
    Text,
}

/// The first element of an XML document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Root {
    /// The name without its prefix.
    pub local: String,
    /// Attributes, values unescaped.
    pub attrs: Vec<(String, String)>,
}

/// Tells what `text` is. An XML error before the first element is returned as its message, unless
/// the text looks like HTML.
pub fn sniff(text: &str) -> Result<Sniffed, String> {
    let trimmed = text.trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    if trimmed.is_empty() {
        return Ok(Sniffed::Empty);
    }
    if trimmed.starts_with('{') {
        return Ok(Sniffed::Json);
    }
    if !trimmed.starts_with('<') {
        return Ok(if looks_like_html(trimmed) { Sniffed::Html } else { Sniffed::Text });
    }
    let mut reader = quick_xml::Reader::from_str(trimmed);
    reader.config_mut().allow_dangling_amp = true;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                let local = e.local_name().as_ref().to_owned();
                if local.eq_ignore_ascii_case("html") {
                    return Ok(Sniffed::Html);
                }
                let attrs = e
                    .attributes()
                    .with_checks(false)
                    .flatten()
                    .map(|a| (a.key.as_ref().to_owned(), attr_value(&a)))
                    .collect();
                return Ok(Sniffed::Xml(Root { local, attrs }));
            }
            Ok(Event::DocType(d)) if d.xml10_content().trim_start().to_ascii_lowercase().starts_with("html") => {
                return Ok(Sniffed::Html);
            }
            Ok(Event::Eof) => return Ok(Sniffed::Empty),
            Ok(_) => {}
            Err(_) if looks_like_html(trimmed) => return Ok(Sniffed::Html),
            Err(e) => return Err(e.to_string()),
        }
    }
}

fn looks_like_html(text: &str) -> bool {
    let head: String = text.chars().take(2048).collect::<String>().to_ascii_lowercase();
    ["<!doctype html", "<html", "<head", "<body"].iter().any(|m| head.contains(m))
}

/// Appends the text an event carries (text, CDATA, a character or entity reference) to `out`. An
/// entity XML does not define (`&nbsp;` in a feed without a DTD) is kept as written.
pub fn push_text(out: &mut String, event: &Event) {
    match event {
        Event::Text(t) => out.push_str(&t.xml10_content()),
        Event::CData(c) => out.push_str(&c.xml10_content()),
        Event::GeneralRef(r) => match r.resolve_char_ref() {
            Ok(Some(c)) => out.push(c),
            _ => {
                let name = r.xml10_content();
                match quick_xml::escape::resolve_predefined_entity(&name) {
                    Some(resolved) => out.push_str(resolved),
                    None => {
                        out.push('&');
                        out.push_str(&name);
                        out.push(';');
                    }
                }
            }
        },
        _ => {}
    }
}

/// An attribute's value as XML means it: references resolved, white space normalized.
pub fn attr_value(a: &Attribute) -> String {
    a.normalized_value(XmlVersion::Implicit1_0).map_or_else(|_| a.value.to_string(), Cow::into_owned)
}

/// The name of an element or attribute without its prefix.
pub fn local(qname: &str) -> String {
    qname.rsplit(':').next().unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_decode(bytes: &[u8], content_type: Option<&str>, expected: &str) {
        assert_eq!(decode(bytes, content_type), expected, "bytes: {bytes:?}, content type {content_type:?}");
    }

    #[test]
    fn decoding_order() {
        let cp1251 = encoding_rs::WINDOWS_1251.encode("Привет").0.into_owned();
        let latin1 = encoding_rs::WINDOWS_1252.encode("café").0.into_owned();
        let decl = |enc: &str, body: &[u8]| {
            let mut v = format!("<?xml version=\"1.0\" encoding=\"{enc}\"?><t>").into_bytes();
            v.extend_from_slice(body);
            v.extend_from_slice(b"</t>");
            v
        };
        // The declaration names the encoding.
        check_decode(
            &decl("windows-1251", &cp1251),
            None,
            "<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Привет</t>",
        );
        // The Content-Type wins over the declaration.
        check_decode(
            &decl("ISO-8859-1", &cp1251),
            Some("application/rss+xml; charset=windows-1251"),
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>Привет</t>",
        );
        // A byte order mark wins over both.
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice(&decl("windows-1251", "Привет".as_bytes()));
        check_decode(
            &bom,
            Some("text/xml; charset=koi8-r"),
            "<?xml version=\"1.0\" encoding=\"windows-1251\"?><t>Привет</t>",
        );
        // Declared Latin-1 and really Latin-1.
        check_decode(&decl("ISO-8859-1", &latin1), None, "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>café</t>");
        // Declared Latin-1 (by the declaration or the header), but valid UTF-8: UTF-8.
        check_decode(
            &decl("ISO-8859-1", "café".as_bytes()),
            None,
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><t>café</t>",
        );
        check_decode(b"<t>caf\xC3\xA9</t>", Some("text/xml; charset=iso-8859-1"), "<t>café</t>");
        // Nothing declared: UTF-8, or a guess when the bytes are not UTF-8.
        check_decode("<t>日本</t>".as_bytes(), None, "<t>日本</t>");
        let undeclared = encoding_rs::WINDOWS_1251
            .encode("<t>Президент России Владимир Путин провёл телефонный разговор.</t>")
            .0
            .into_owned();
        check_decode(&undeclared, None, "<t>Президент России Владимир Путин провёл телефонный разговор.</t>");
        // Labels that cannot be right for an ASCII-compatible document.
        check_decode(&decl("utf-16", b"x"), None, "<?xml version=\"1.0\" encoding=\"utf-16\"?><t>x</t>");
        check_decode(&decl("no-such-thing", b"x"), None, "<?xml version=\"1.0\" encoding=\"no-such-thing\"?><t>x</t>");
    }

    #[test]
    fn utf16_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>Ж</t>".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&bytes, None), "<?xml version=\"1.0\" encoding=\"UTF-16\"?><t>Ж</t>");
    }

    #[test]
    fn gunzip_is_bounded() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(&[b'a'; 10_000]).unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(gunzip(&gz, 10_000).unwrap().len(), 10_000);
        assert_eq!(gunzip(&gz, 9_999), Err(GunzipError::TooLarge));
        assert!(matches!(gunzip(&gz[..gz.len() / 2], 10_000), Err(GunzipError::Corrupt(_))));
        assert_eq!(&*gunzip(b"<rss/>", 1).unwrap(), b"<rss/>");
    }

    fn check_sniff(text: &str, expected: Result<Sniffed, ()>) {
        assert_eq!(sniff(text).map_err(|_| ()), expected, "text: {text:?}");
    }

    #[test]
    fn sniffing() {
        let root = |local: &str, attrs: &[(&str, &str)]| {
            Ok(Sniffed::Xml(Root {
                local: local.into(),
                attrs: attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            }))
        };
        check_sniff("  \n", Ok(Sniffed::Empty));
        check_sniff("\u{feff} {\"version\": 1}", Ok(Sniffed::Json));
        check_sniff("<?xml version=\"1.0\"?>\n<!-- c --><rss version=\"2.0\">", root("rss", &[("version", "2.0")]));
        check_sniff("<rdf:RDF xmlns:rdf=\"x\"/>", root("RDF", &[("xmlns:rdf", "x")]));
        check_sniff("<!DOCTYPE html><html><body>", Ok(Sniffed::Html));
        check_sniff("<HTML lang=en>", Ok(Sniffed::Html));
        check_sniff("<!-- unclosed comment <html>", Ok(Sniffed::Html));
        check_sniff("hello <body>", Ok(Sniffed::Html));
        check_sniff("just words", Ok(Sniffed::Text));
        check_sniff("<!-- unclosed", Err(()));
    }

    #[test]
    fn event_text() {
        let mut reader = quick_xml::Reader::from_str("<t>a &amp; b &#233; &nbsp; <![CDATA[<i>]]>\r\nz</t>");
        reader.config_mut().allow_dangling_amp = true;
        let mut out = String::new();
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => break,
                e => push_text(&mut out, &e),
            }
        }
        assert_eq!(out, "a & b é &nbsp; <i>\nz");
    }
}

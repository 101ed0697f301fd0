//! Rewriting an RSS or Atom document before `feed-rs` reads it, so that what it cannot read or
//! would panic on never reaches it.
//!
//! One pass over the XML events; everything not named here is copied byte for byte.
//!
//! - The XML declaration says UTF-8: the text was decoded already (see [`super::xml::decode`]).
//! - A bare `&` in text (`AT&T`, common in hand-made feeds) becomes `&amp;` instead of an error.
//! - `feed-rs` 3.0 panics on some values: an e-mail address next to a multi-byte character in
//!   an author (`Иван«ivan@example.com»`, it slices one byte beside the match) and non-ASCII or
//!   overlong digits in media durations and times (`unwrap` on `u64` parsing, overflow). Author
//!   texts get a space between such an address and its neighbour; unsafe durations are dropped.
//! - RSS without a version (or with one it does not know) is read as RSS 2.0.
//! - RSS 0.90 and Atom 0.3 get the namespaces of RSS 1.0 and Atom 1.0; Atom 0.3's `issued`,
//!   `modified`, `tagline` and `copyright` are renamed `published`, `updated`, `subtitle`,
//!   `rights`; its MIME `type`s on text constructs become `text`, `html`, `xhtml`, and base64
//!   content is dropped.
//!
//! The pass also records which RSS `guid`s say `isPermaLink="false"`: `feed-rs` does not keep it,
//! and a guid that is a permalink is the entry's link when it has no `<link>`.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};

use super::xml::{local, push_text};

pub const RSS1_NS: &str = "http://purl.org/rss/1.0/";
pub const RSS090_NS: &str = "http://my.netscape.com/rdf/simple/0.9/";
pub const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
pub const ATOM03_NS: &str = "http://purl.org/atom/ns#";

/// A repaired document.
#[derive(Debug, Default)]
pub struct Repaired {
    pub text: String,
    /// The (trimmed) guids marked `isPermaLink="false"`.
    pub not_permalinks: HashSet<String>,
}

/// Elements whose text `feed-rs` reads as a person (`Person::parse`).
fn is_person(local: &str) -> bool {
    matches!(local, "author" | "creator" | "managingEditor" | "webMaster" | "name")
}

/// Atom text constructs whose `type` `feed-rs` must understand.
fn is_atom_text(local: &str) -> bool {
    matches!(local, "title" | "subtitle" | "tagline" | "summary" | "content" | "rights" | "copyright" | "info")
}

/// What happens to the text of the element being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Capture {
    /// Replaced by itself with e-mail addresses padded.
    Person,
    /// Replaced by itself if safe for `feed-rs`'s time parser, else dropped.
    Duration,
    /// Copied, and recorded as not a permalink.
    Guid,
}

struct Pass {
    out: String,
    capture: Option<(Capture, String)>,
    not_permalinks: HashSet<String>,
    /// Per open element: the name its end tag gets when the start tag was renamed.
    renamed: Vec<Option<String>>,
    root_seen: bool,
    atom: bool,
    atom03: bool,
    /// The prefix of the root element (`atom` for `<atom:feed>`), to know Atom's own elements.
    root_prefix: Option<String>,
}

/// Repairs `text` (see the module documentation); an XML error is returned as its message.
pub fn repair(text: &str) -> Result<Repaired, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().allow_dangling_amp = true;
    let mut pass = Pass {
        out: String::with_capacity(text.len() + 64),
        capture: None,
        not_permalinks: HashSet::new(),
        renamed: Vec::new(),
        root_seen: false,
        atom: false,
        atom03: false,
        root_prefix: None,
    };
    // While > 0, inside an element being dropped.
    let mut skipping = 0usize;
    loop {
        let start = position(&reader);
        let event = reader.read_event().map_err(|e| format!("{e} (at byte {})", reader.error_position()))?;
        let raw = text.get(start..position(&reader)).unwrap_or_default();
        if skipping > 0 {
            match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                Event::Eof => break,
                _ => {}
            }
            continue;
        }
        match &event {
            Event::Decl(d) => {
                let version = d.version().map(|v| v.into_owned()).unwrap_or_else(|_| "1.0".into());
                let version = if version == "1.1" { "1.1" } else { "1.0" };
                pass.out.push_str(&format!("<?xml version=\"{version}\" encoding=\"UTF-8\"?>"));
            }
            Event::Start(e) | Event::Empty(e) => {
                pass.flush();
                let empty = matches!(event, Event::Empty(_));
                let is_root = !pass.root_seen;
                if is_root {
                    pass.root(e);
                }
                let end_name = match pass.start_tag(e, empty, is_root) {
                    Tag::Drop => {
                        if !empty {
                            skipping = 1;
                        }
                        continue;
                    }
                    Tag::Keep => {
                        pass.out.push_str(raw);
                        None
                    }
                    Tag::Rewrite(tag, end_name) => {
                        pass.out.push_str(&tag);
                        end_name
                    }
                };
                if !empty {
                    pass.renamed.push(end_name);
                    pass.capture = capture_of(e).map(|c| (c, String::new()));
                }
            }
            Event::End(_) => {
                pass.flush();
                match pass.renamed.pop().flatten() {
                    Some(name) => {
                        pass.out.push_str("</");
                        pass.out.push_str(&name);
                        pass.out.push('>');
                    }
                    None => pass.out.push_str(raw),
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let copy = match &mut pass.capture {
                    Some((kind, buf)) => {
                        push_text(buf, &event);
                        *kind == Capture::Guid
                    }
                    None => true,
                };
                if copy {
                    if matches!(event, Event::Text(_)) && raw.contains('&') {
                        pass.out.push_str(&raw.replace('&', "&amp;"));
                    } else {
                        pass.out.push_str(raw);
                    }
                }
            }
            Event::Eof => {
                pass.flush();
                break;
            }
            _ => pass.out.push_str(raw),
        }
    }
    Ok(Repaired { text: pass.out, not_permalinks: pass.not_permalinks })
}

fn position(reader: &quick_xml::Reader<&[u8]>) -> usize {
    usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX)
}

enum Tag {
    Keep,
    Drop,
    /// The new start tag, and the name for its end tag if renamed.
    Rewrite(String, Option<String>),
}

impl Pass {
    /// Notes what kind of document the root element starts.
    fn root(&mut self, e: &BytesStart) {
        self.root_seen = true;
        let local_name = local(e.name().as_ref());
        self.atom = local_name == "feed" || local_name == "entry";
        self.root_prefix = e.name().prefix().map(|p| p.as_ref().to_owned());
        if self.atom {
            self.atom03 = e.attributes().flatten().any(|a| {
                let key = a.key.as_ref();
                (key == "version" && a.value.trim() == "0.3")
                    || (key.starts_with("xmlns") && a.value.trim() == ATOM03_NS)
            });
        }
    }

    fn own_atom_element(&self, e: &BytesStart) -> bool {
        if !self.atom {
            return false;
        }
        let qname = e.name();
        let prefix = qname.prefix().map(|p| p.as_ref().to_owned());
        prefix == self.root_prefix
    }

    fn start_tag(&self, e: &BytesStart, empty: bool, is_root: bool) -> Tag {
        let qname = e.name().as_ref().to_owned();
        let local_name = local(&qname);
        let Ok(attrs) = e.attributes().collect::<Result<Vec<_>, _>>() else {
            return Tag::Keep;
        };
        let mut attrs: Vec<(String, String)> =
            attrs.iter().map(|a| (a.key.as_ref().to_owned(), a.value.to_string())).collect();
        let mut changed = false;
        let mut new_name = None;

        for (key, value) in attrs.iter_mut() {
            if key == "xmlns" || key.starts_with("xmlns:") {
                let replacement = match value.trim() {
                    RSS090_NS => Some(RSS1_NS),
                    ATOM03_NS => Some(ATOM_NS),
                    _ => None,
                };
                if let Some(r) = replacement {
                    *value = r.to_owned();
                    changed = true;
                }
            }
        }
        if is_root && local_name == "rss" {
            let version = attrs.iter().find(|(k, _)| k == "version").map(|(_, v)| v.trim().to_owned());
            if !matches!(version.as_deref(), Some("2.0" | "0.91" | "0.92")) {
                attrs.retain(|(k, _)| k != "version");
                attrs.push(("version".into(), "2.0".into()));
                changed = true;
            }
        }
        if self.own_atom_element(e) {
            if self.atom03 {
                let renamed = match local_name.as_str() {
                    "issued" => Some("published"),
                    "modified" => Some("updated"),
                    "tagline" => Some("subtitle"),
                    "copyright" => Some("rights"),
                    _ => None,
                };
                if let Some(r) = renamed {
                    let full = match &self.root_prefix {
                        Some(p) => format!("{p}:{r}"),
                        None => r.to_owned(),
                    };
                    new_name = Some(full);
                    changed = true;
                }
            }
            if is_atom_text(&local_name) {
                if attrs.iter().any(|(k, v)| k == "mode" && v.trim().eq_ignore_ascii_case("base64")) {
                    return Tag::Drop;
                }
                let is_content = local_name == "content";
                for (key, value) in attrs.iter_mut() {
                    if key != "type" {
                        continue;
                    }
                    let lower = value.trim().to_ascii_lowercase();
                    let normal = match lower.as_str() {
                        "text" | "html" | "xhtml" => None,
                        "text/plain" => Some("text"),
                        "text/html" => Some("html"),
                        "application/xhtml+xml" => Some("xhtml"),
                        _ if is_content => None,
                        _ => Some("text"),
                    };
                    if let Some(n) = normal {
                        *value = n.to_owned();
                        changed = true;
                    }
                }
            }
        }
        if matches!(local_name.as_str(), "text" | "thumbnail") {
            let before = attrs.len();
            attrs.retain(|(k, v)| !matches!(k.as_str(), "start" | "end" | "time") || is_safe_time(v));
            changed |= attrs.len() != before;
        }
        if !changed {
            return Tag::Keep;
        }
        let name = new_name.clone().unwrap_or(qname);
        let mut tag = format!("<{name}");
        for (key, value) in &attrs {
            let quote = if value.contains('"') { '\'' } else { '"' };
            tag.push_str(&format!(" {key}={quote}{value}{quote}"));
        }
        tag.push_str(if empty { "/>" } else { ">" });
        Tag::Rewrite(tag, new_name)
    }

    /// Ends the capture of the element being read.
    fn flush(&mut self) {
        let Some((kind, text)) = self.capture.take() else { return };
        match kind {
            Capture::Person => self.out.push_str(&quick_xml::escape::escape(pad_emails(&text))),
            Capture::Duration => {
                if is_safe_time(&text) {
                    self.out.push_str(&quick_xml::escape::escape(text));
                }
            }
            Capture::Guid => {
                let guid = text.trim();
                if !guid.is_empty() {
                    self.not_permalinks.insert(guid.to_owned());
                }
            }
        }
    }
}

fn capture_of(e: &BytesStart) -> Option<Capture> {
    let local_name = local(e.name().as_ref());
    match local_name.as_str() {
        l if is_person(l) => Some(Capture::Person),
        "duration" => Some(Capture::Duration),
        "guid" => e
            .attributes()
            .flatten()
            .any(|a| a.key.as_ref() == "isPermaLink" && a.value.trim().eq_ignore_ascii_case("false"))
            .then_some(Capture::Guid),
        _ => None,
    }
}

/// `s` with a space between any e-mail-like run of ASCII (non-space characters around an `@`) and
/// a non-ASCII character touching it, so that `feed-rs` never slices inside a character.
pub fn pad_emails(s: &str) -> String {
    if !s.contains('@') || s.is_ascii() {
        return s.to_owned();
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !is_run_char(c) {
            out.push(c);
            i += 1;
            continue;
        }
        let end = chars[i..].iter().position(|&c| !is_run_char(c)).map_or(chars.len(), |p| i + p);
        let run = &chars[i..end];
        let is_email = run.contains(&'@');
        if is_email && i > 0 && !chars[i - 1].is_ascii() {
            out.push(' ');
        }
        out.extend(run.iter());
        if is_email && end < chars.len() && !chars[end].is_ascii() {
            out.push(' ');
        }
        i = end;
    }
    out
}

fn is_run_char(c: char) -> bool {
    c.is_ascii() && !c.is_ascii_whitespace() && !c.is_ascii_control()
}

/// Whether `feed-rs`'s time parser can take `s`: no digits other than ASCII, no run of more than
/// nine digits.
pub fn is_safe_time(s: &str) -> bool {
    let mut run = 0;
    for c in s.chars() {
        if c.is_ascii_digit() {
            run += 1;
            if run > 9 {
                return false;
            }
        } else if c.is_numeric() {
            return false;
        } else {
            run = 0;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let repaired = repair(input).unwrap_or_else(|e| panic!("{e}: {input}"));
        assert_eq!(repaired.text, expected, "input: {input}");
    }

    #[test]
    fn rewrites() {
        // Untouched documents are copied byte for byte.
        let same =
            "<rss version=\"2.0\"><!-- c --><channel><title a='1'>T &amp; <![CDATA[<b>]]></title></channel></rss>";
        check(same, same);
        check(
            "<?xml version='1.0' encoding='windows-1251' ?><rss version=\"2.0\"/>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"/>",
        );
        check(
            "<rss version=\"2.0\"><title>AT&T & co</title></rss>",
            "<rss version=\"2.0\"><title>AT&amp;T &amp; co</title></rss>",
        );
        check("<rss><channel/></rss>", "<rss version=\"2.0\"><channel/></rss>");
        check("<rss version=\"0.94\" a=\"x\"></rss>", "<rss a=\"x\" version=\"2.0\"></rss>");
        check("<rss version=\"0.91\"></rss>", "<rss version=\"0.91\"></rss>");
        check(
            "<rdf:RDF xmlns:rdf=\"r\" xmlns=\"http://my.netscape.com/rdf/simple/0.9/\"></rdf:RDF>",
            "<rdf:RDF xmlns:rdf=\"r\" xmlns=\"http://purl.org/rss/1.0/\"></rdf:RDF>",
        );
        check(
            "<rss version=\"2.0\"><item><dc:creator>Иван«ivan@example.com»</dc:creator><author>a@b.c</author></item></rss>",
            "<rss version=\"2.0\"><item><dc:creator>Иван« ivan@example.com »</dc:creator><author>a@b.c</author></item></rss>",
        );
        check(
            "<rss version=\"2.0\"><item><itunes:duration>٣:٠٠</itunes:duration><itunes:duration>1:02:03</itunes:duration></item></rss>",
            "<rss version=\"2.0\"><item><itunes:duration></itunes:duration><itunes:duration>1:02:03</itunes:duration></item></rss>",
        );
        check(
            "<rss version=\"2.0\"><media:text start=\"99999999999999999999\" end=\"1\">x</media:text><media:thumbnail time=\"1\"/></rss>",
            "<rss version=\"2.0\"><media:text end=\"1\">x</media:text><media:thumbnail time=\"1\"/></rss>",
        );
    }

    #[test]
    fn atom03_becomes_atom10() {
        check(
            "<feed version=\"0.3\" xmlns=\"http://purl.org/atom/ns#\"><tagline type=\"text/plain\">S</tagline>\
             <entry><issued>2004-01-01T00:00:00Z</issued><modified>2004-01-02T00:00:00Z</modified>\
             <content type=\"text/html\" mode=\"escaped\">&lt;p&gt;x</content><content mode=\"base64\" type=\"image/png\">AAA<b/></content>\
             <title type=\"text/html\">T</title></entry></feed>",
            "<feed version=\"0.3\" xmlns=\"http://www.w3.org/2005/Atom\"><subtitle type=\"text\">S</subtitle>\
             <entry><published>2004-01-01T00:00:00Z</published><updated>2004-01-02T00:00:00Z</updated>\
             <content type=\"html\" mode=\"escaped\">&lt;p&gt;x</content>\
             <title type=\"html\">T</title></entry></feed>",
        );
        // Prefixed Atom keeps its prefix; other namespaces' elements are left alone.
        check(
            "<a:feed xmlns:a=\"http://purl.org/atom/ns#\"><a:modified>x</a:modified><media:title type=\"plain\">m</media:title></a:feed>",
            "<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:updated>x</a:updated><media:title type=\"plain\">m</media:title></a:feed>",
        );
        // Atom 1.0 with a MIME type on a title.
        check("<feed><title type=\"text/plain\">t</title></feed>", "<feed><title type=\"text\">t</title></feed>");
    }

    #[test]
    fn permalinks() {
        let r = repair(
            "<rss version=\"2.0\"><item><guid isPermaLink=\"false\"> 42 </guid></item><item><guid>http://x/</guid></item></rss>",
        )
        .unwrap();
        assert_eq!(r.not_permalinks, HashSet::from(["42".to_owned()]));
        assert!(r.text.contains("<guid isPermaLink=\"false\"> 42 </guid>"), "{}", r.text);
    }

    #[test]
    fn emails() {
        for (input, expected) in [
            ("Иван Петров（ivan@mail.ru）", "Иван Петров（ ivan@mail.ru ）"),
            ("ivan@mail.ru (Ivan)", "ivan@mail.ru (Ivan)"),
            ("Name\u{a0}name@example.com", "Name\u{a0} name@example.com"),
            ("no address — here", "no address — here"),
        ] {
            assert_eq!(pad_emails(input), expected, "input: {input}");
        }
    }

    #[test]
    fn times() {
        for (input, expected) in
            [("1:02:03.5", true), ("123456789", true), ("1234567890", false), ("٣", false), ("", true)]
        {
            assert_eq!(is_safe_time(input), expected, "input: {input}");
        }
    }

    #[test]
    fn malformed() {
        assert!(repair("<rss><channel></rss>").is_err());
    }
}

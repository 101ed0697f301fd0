//! OPML subscription lists: reading what feed readers export (Feedly, Inoreader, Miniflux,
//! FreshRSS…) and writing it back without losing anything.
//!
//! An outline with an `xmlUrl` is a subscription; one without that has children is a folder, at
//! any depth. Every attribute Clipdesk has no field for is kept in [`Outline::attrs`], in order, and
//! every `<head>` element other than the title in [`Opml::head`], so `parse(write(parse(x)))` equals
//! `parse(x)`. Values are read as XML means them (references resolved, attribute white space
//! normalized) with control characters removed; [`write`] escapes `& < > "` and the white space
//! attribute normalization would eat, drops characters XML cannot carry, and skips names that are
//! not XML names or are already written, so no input makes it write invalid XML.

use quick_xml::events::Event;

use super::xml::{attr_value, decode, push_text};
use crate::error::FeedError;

/// Folders nested deeper than this are refused (the reader and the writer recurse on nothing, but
/// no real list needs more).
pub const MAX_DEPTH: usize = 100;

/// A subscription list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opml {
    pub title: Option<String>,
    /// The other `<head>` elements (`dateCreated`, `ownerName`…): name and text, in order.
    pub head: Vec<(String, String)>,
    pub outlines: Vec<Outline>,
}

/// A subscription (with `xml_url`) or a folder (with `children`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// What readers show; the `title` when the file has no `text`.
    pub text: String,
    pub title: Option<String>,
    pub xml_url: Option<String>,
    pub html_url: Option<String>,
    /// The `type` attribute (`rss`, `atom`…).
    pub kind: Option<String>,
    /// Every other attribute, in order.
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Outline>,
}

impl Outline {
    pub fn is_folder(&self) -> bool {
        self.xml_url.is_none() && !self.children.is_empty()
    }
}

fn opml_error(message: impl Into<String>) -> FeedError {
    FeedError::Opml { message: message.into() }
}

/// Reads an OPML file.
pub fn parse(bytes: &[u8]) -> Result<Opml, FeedError> {
    let text = decode(bytes, None);
    let mut reader = quick_xml::Reader::from_str(&text);
    reader.config_mut().allow_dangling_amp = true;
    let mut opml = Opml::default();
    // Open elements by local name; the outlines being read.
    let mut path: Vec<String> = Vec::new();
    let mut open: Vec<Outline> = Vec::new();
    let mut head_text: Option<String> = None;
    let mut root_seen = false;
    // The first <title> is the title (even empty); later ones are kept in `head`.
    let mut title_seen = false;
    loop {
        let event =
            reader.read_event().map_err(|e| opml_error(format!("{e} (at byte {})", reader.error_position())))?;
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(event, Event::Empty(_));
                let qname = e.name().as_ref().to_owned();
                if !root_seen {
                    root_seen = true;
                    if !qname.eq_ignore_ascii_case("opml") {
                        return Err(opml_error(format!("the root element is <{qname}>, not <opml>")));
                    }
                }
                let parent = path.last().map(String::as_str);
                let in_body = parent == Some("body") || (parent == Some("outline") && !open.is_empty());
                if qname == "outline" && in_body {
                    if open.len() >= MAX_DEPTH {
                        return Err(opml_error(format!("outlines nested deeper than {MAX_DEPTH}")));
                    }
                    let mut attrs = Vec::new();
                    for attr in e.attributes() {
                        let attr = attr.map_err(|e| opml_error(format!("bad attribute in <outline>: {e}")))?;
                        let key = attr.key.as_ref().to_owned();
                        // A name that could not be written back is not kept.
                        if is_writable_name(&key) {
                            attrs.push((key, clean(&attr_value(&attr))));
                        }
                    }
                    let mut outline = outline_of(attrs);
                    if outline.text.is_empty() {
                        if let Some(title) = &outline.title {
                            outline.text = title.clone();
                        }
                    }
                    if empty {
                        attach(&mut opml, &mut open, outline);
                    } else {
                        open.push(outline);
                    }
                } else if parent == Some("head") && !empty {
                    head_text = Some(String::new());
                } else if parent == Some("head") && is_writable_name(&qname) {
                    opml.head.push((qname.clone(), String::new()));
                }
                if !empty {
                    path.push(qname);
                }
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { continue };
                let parent = path.last().map(String::as_str);
                if name == "outline" && parent.is_some_and(|p| p == "body" || p == "outline") {
                    if let Some(outline) = open.pop() {
                        attach(&mut opml, &mut open, outline);
                    }
                } else if parent == Some("head") {
                    let value = clean(&head_text.take().unwrap_or_default()).trim().to_owned();
                    if name == "title" && !title_seen {
                        title_seen = true;
                        opml.title = Some(value).filter(|t| !t.is_empty());
                    } else if is_writable_name(&name) {
                        opml.head.push((name, value));
                    }
                }
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                if let Some(buf) = head_text.as_mut() {
                    push_text(buf, &event);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !root_seen {
        return Err(opml_error("no <opml> element"));
    }
    Ok(opml)
}

/// Adds a finished outline to its parent, or to the list's top level.
fn attach(opml: &mut Opml, open: &mut [Outline], outline: Outline) {
    match open.last_mut() {
        Some(parent) => parent.children.push(outline),
        None => opml.outlines.push(outline),
    }
}

/// The names [`write`] gives the attributes [`Outline`] has fields for.
const KNOWN: [&str; 5] = ["text", "title", "type", "xmlUrl", "htmlUrl"];

/// An outline from its attributes. The known names are matched exactly first, then in any case
/// (`xmlurl`, `XMLURL`) for the fields still empty; the rest are kept as they are.
fn outline_of(attrs: Vec<(String, String)>) -> Outline {
    let mut outline = Outline::default();
    let mut rest = Vec::new();
    for (key, value) in attrs {
        match key.as_str() {
            "text" => outline.text = value,
            "title" => outline.title = Some(value),
            "type" => outline.kind = Some(value),
            "xmlUrl" => outline.xml_url = Some(value),
            "htmlUrl" => outline.html_url = Some(value),
            _ => rest.push((key, value)),
        }
    }
    for (key, value) in rest {
        let field = match key.to_ascii_lowercase().as_str() {
            "text" if outline.text.is_empty() => {
                outline.text = value;
                continue;
            }
            "title" => &mut outline.title,
            "type" => &mut outline.kind,
            "xmlurl" => &mut outline.xml_url,
            "htmlurl" => &mut outline.html_url,
            _ => {
                outline.attrs.push((key, value));
                continue;
            }
        };
        if field.is_none() {
            *field = Some(value);
        } else {
            outline.attrs.push((key, value));
        }
    }
    outline
}

/// `s` without the characters XML 1.0 cannot carry and without other control characters.
fn clean(s: &str) -> String {
    s.chars().filter(|&c| is_kept(c)).collect()
}

fn is_kept(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || !(c.is_control() || c == '\u{fffe}' || c == '\u{ffff}')
}

/// Writes `opml` as an OPML 2.0 document.
pub fn write(opml: &Opml) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\"");
    for prefix in prefixes(opml) {
        let uri = match prefix {
            "frss" => "https://freshrss.org/opml".to_owned(),
            other => format!("urn:x-clipdesk:opml:{other}"),
        };
        out.push_str(&format!(" xmlns:{prefix}=\"{uri}\""));
    }
    out.push_str(">\n  <head>\n");
    // Always written, so that a later `title` in `head` stays there when read back.
    out.push_str(&format!("    <title>{}</title>\n", escape(opml.title.as_deref().unwrap_or_default(), false)));
    for (name, value) in &opml.head {
        if is_writable_name(name) {
            out.push_str(&format!("    <{name}>{}</{name}>\n", escape(value, false)));
        }
    }
    out.push_str("  </head>\n  <body>\n");
    // (outline, depth, entering) on an explicit stack: no recursion, whatever the nesting.
    let mut stack: Vec<(&Outline, usize, bool)> = opml.outlines.iter().rev().map(|o| (o, 2, true)).collect();
    while let Some((outline, depth, entering)) = stack.pop() {
        let indent = "  ".repeat(depth);
        if !entering {
            out.push_str(&format!("{indent}</outline>\n"));
            continue;
        }
        out.push_str(&indent);
        out.push_str("<outline");
        let known = [
            Some(outline.text.as_str()),
            outline.title.as_deref(),
            outline.kind.as_deref(),
            outline.xml_url.as_deref(),
            outline.html_url.as_deref(),
        ];
        for (name, value) in KNOWN.iter().zip(known) {
            if let Some(value) = value {
                out.push_str(&format!(" {name}=\"{}\"", escape(value, true)));
            }
        }
        // An attribute named like a field is written as the field or not at all: XML allows one.
        let mut written: Vec<&str> = KNOWN.to_vec();
        for (name, value) in &outline.attrs {
            if is_writable_name(name) && !written.contains(&name.as_str()) {
                out.push_str(&format!(" {name}=\"{}\"", escape(value, true)));
                written.push(name.as_str());
            }
        }
        if outline.children.is_empty() {
            out.push_str("/>\n");
        } else {
            out.push_str(">\n");
            stack.push((outline, depth, false));
            stack.extend(outline.children.iter().rev().map(|c| (c, depth + 1, true)));
        }
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

/// `s` as XML text or a double-quoted attribute value.
fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            c if !is_kept(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// The namespace prefixes the names of `opml` use (`frss` for FreshRSS's `frss:priority`), to
/// declare on the root: the declarations of the file read are not kept. FreshRSS's own is known;
/// others get a URN of their own, so the file stays well-formed for namespace-aware readers.
fn prefixes<'a>(opml: &'a Opml) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    let mut add = |name: &'a str| {
        if let Some((prefix, _)) = name.split_once(':') {
            if is_writable_name(name) && !matches!(prefix, "xml" | "xmlns") && !out.contains(&prefix) {
                out.push(prefix);
            }
        }
    };
    for (name, _) in &opml.head {
        add(name);
    }
    let mut stack: Vec<&Outline> = opml.outlines.iter().collect();
    while let Some(outline) = stack.pop() {
        for (name, _) in &outline.attrs {
            add(name);
        }
        stack.extend(outline.children.iter());
    }
    out.sort_unstable();
    out
}

/// Whether `s` can name an element or attribute [`write`] writes: an XML 1.0 `Name` with at most
/// one colon, not at either end.
fn is_writable_name(s: &str) -> bool {
    is_xml_name(s) && s.matches(':').count() <= 1 && !s.starts_with(':') && !s.ends_with(':')
}

/// Whether `s` is an XML 1.0 `Name`.
fn is_xml_name(s: &str) -> bool {
    let mut chars = s.chars();
    let Some(first) = chars.next() else { return false };
    is_name_start(first) && chars.all(is_name_char)
}

fn is_name_start(c: char) -> bool {
    matches!(c, ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}' | '\u{370}'..='\u{37D}'
        | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}' | '\u{2070}'..='\u{218F}'
        | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}' | '\u{F900}'..='\u{FDCF}'
        | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::feed::tests::fixture;

    fn s(text: &str) -> Option<String> {
        Some(text.to_owned())
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn folder(text: &str, title: Option<&str>, children: Vec<Outline>) -> Outline {
        Outline { text: text.into(), title: title.map(str::to_owned), children, ..Outline::default() }
    }

    fn feed(text: &str, title: Option<&str>, xml_url: &str, html_url: Option<&str>, attrs: &[(&str, &str)]) -> Outline {
        Outline {
            text: text.into(),
            title: title.map(str::to_owned),
            xml_url: s(xml_url),
            html_url: html_url.map(str::to_owned),
            kind: s("rss"),
            attrs: pairs(attrs),
            children: Vec::new(),
        }
    }

    /// Parses the fixture, compares it with `expected`, and checks that writing it loses nothing.
    fn check(name: &str, expected: Opml) {
        let parsed = parse(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(parsed, expected, "{name}");
        let written = write(&parsed);
        let again = parse(written.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
        assert_eq!(again, parsed, "{name} after a round trip:\n{written}");
        assert_eq!(write(&again), written, "{name}: writing is not stable");
    }

    #[test]
    fn feedly() {
        check(
            "feedly.opml",
            Opml {
                title: s("Olena subscriptions in feedly Cloud"),
                head: Vec::new(),
                outlines: vec![
                    folder(
                        "World",
                        Some("World"),
                        vec![
                            feed(
                                "BBC News - World",
                                Some("BBC News - World"),
                                "https://feeds.bbci.co.uk/news/world/rss.xml",
                                Some("https://www.bbc.co.uk/news/"),
                                &[],
                            ),
                            feed(
                                "Al Jazeera – Breaking News, World News & Video",
                                Some("Al Jazeera – Breaking News, World News & Video"),
                                "https://www.aljazeera.com/xml/rss/all.xml",
                                Some("https://www.aljazeera.com"),
                                &[],
                            ),
                        ],
                    ),
                    folder(
                        "Україна",
                        Some("Україна"),
                        vec![feed(
                            "Українська правда",
                            Some("Українська правда"),
                            "https://www.pravda.com.ua/rss/",
                            Some("https://www.pravda.com.ua/"),
                            &[],
                        )],
                    ),
                ],
            },
        );
    }

    #[test]
    fn inoreader() {
        check(
            "inoreader.opml",
            Opml {
                title: s("Subscriptions of analyst from Inoreader [https://www.inoreader.com]"),
                head: Vec::new(),
                outlines: vec![
                    folder(
                        "Новости",
                        Some("Новости"),
                        vec![
                            feed(
                                "Медуза",
                                Some("Медуза"),
                                "https://meduza.io/rss/all",
                                Some("https://meduza.io/"),
                                &[],
                            ),
                            folder(
                                "Регионы",
                                Some("Регионы"),
                                vec![folder(
                                    "Сибирь",
                                    Some("Сибирь"),
                                    vec![feed(
                                        "Тайга.инфо",
                                        Some("Тайга.инфо"),
                                        "https://tayga.example.ru/rss.xml",
                                        Some("https://tayga.example.ru/"),
                                        &[],
                                    )],
                                )],
                            ),
                        ],
                    ),
                    folder(
                        "中文",
                        Some("中文"),
                        vec![feed(
                            "端传媒 Initium Media",
                            Some("端传媒 Initium Media"),
                            "https://theinitium.example.com/feed/",
                            Some("https://theinitium.example.com/"),
                            &[],
                        )],
                    ),
                    feed(
                        "Unfiled",
                        Some("Unfiled"),
                        "https://unfiled.example.com/rss",
                        Some("https://unfiled.example.com/"),
                        &[],
                    ),
                ],
            },
        );
    }

    #[test]
    fn miniflux() {
        let le_monde = "Le Monde.fr - Actualités et Infos en France et dans le monde";
        check(
            "miniflux.opml",
            Opml {
                title: s("Miniflux"),
                head: pairs(&[("dateCreated", "Tue, 05 Mar 2024 10:00:00 UTC")]),
                outlines: vec![
                    folder(
                        "All",
                        None,
                        vec![Outline {
                            kind: None,
                            ..feed(
                                le_monde,
                                Some(le_monde),
                                "https://www.lemonde.fr/rss/une.xml",
                                Some("https://www.lemonde.fr/"),
                                &[("description", "Le Monde.fr <b>premier</b> site d'information")],
                            )
                        }],
                    ),
                    folder(
                        "Middle East",
                        None,
                        vec![Outline {
                            kind: None,
                            ..feed(
                                "هيئة الإذاعة البريطانية",
                                Some("هيئة الإذاعة البريطانية"),
                                "https://feeds.bbci.co.uk/arabic/rss.xml",
                                Some("https://www.bbc.com/arabic"),
                                &[],
                            )
                        }],
                    ),
                ],
            },
        );
    }

    #[test]
    fn freshrss() {
        check(
            "freshrss.opml",
            Opml {
                title: s("FreshRSS"),
                head: pairs(&[("dateCreated", "Tue, 05 Mar 2024 10:00:00 +0100"), ("ownerName", "Analyst & Co")]),
                outlines: vec![
                    folder(
                        "Sans catégorie",
                        None,
                        vec![
                            feed(
                                "LWN.net",
                                None,
                                "https://lwn.net/headlines/newrss",
                                Some("https://lwn.net"),
                                &[
                                    (
                                        "description",
                                        "LWN.net is a comprehensive source of news and opinions from and about the \
                                         Linux community.",
                                    ),
                                    ("frss:cssFullContent", "div.ArticleText"),
                                ],
                            ),
                            feed(
                                "Tagesschau",
                                None,
                                "https://www.tagesschau.de/xml/rss2/",
                                Some("https://www.tagesschau.de/"),
                                &[
                                    // A line break in an attribute is a space to XML.
                                    ("description", "Nachrichten  mit Zeilenumbruch"),
                                    ("language", "de"),
                                    ("category", "/Nachrichten/Deutschland"),
                                    ("version", "RSS2"),
                                    ("frss:priority", "important"),
                                ],
                            ),
                        ],
                    ),
                    folder(
                        "Deep",
                        None,
                        vec![folder(
                            "Level 2",
                            None,
                            vec![folder(
                                "Level 3",
                                None,
                                vec![Outline {
                                    text: "Level 4 feed".into(),
                                    xml_url: s("https://deep.example.org/feed.xml"),
                                    kind: s("rss"),
                                    ..Outline::default()
                                }],
                            )],
                        )],
                    ),
                ],
            },
        );
        let written = write(&parse(&fixture("freshrss.opml")).unwrap());
        assert!(written.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\" xmlns:frss=\"https://freshrss.org/opml\">\n"
        ));
        assert!(written.contains("\n          <outline text=\"Level 4 feed\" type=\"rss\" xmlUrl=\"https://deep.example.org/feed.xml\"/>\n"), "{written}");
    }

    #[test]
    fn folders() {
        let opml = parse(&fixture("inoreader.opml")).unwrap();
        let flags: Vec<bool> = opml.outlines.iter().map(Outline::is_folder).collect();
        assert_eq!(flags, [true, true, false]);
    }

    #[test]
    fn attribute_names_in_any_case() {
        let opml = parse(
            b"<opml><body><outline TEXT=\"t\" XMLURL=\"https://a/\" htmlurl=\"https://b/\" Type=\"rss\" \
              xmlUrl=\"https://c/\"/></body></opml>",
        )
        .unwrap();
        assert_eq!(
            opml.outlines,
            [Outline {
                text: "t".into(),
                xml_url: s("https://c/"),
                html_url: s("https://b/"),
                kind: s("rss"),
                attrs: pairs(&[("XMLURL", "https://a/")]),
                ..Outline::default()
            }]
        );
        // No text: the title stands in.
        let opml = parse(b"<opml><body><outline title=\"Only a title\"/></body></opml>").unwrap();
        assert_eq!(opml.outlines[0].text, "Only a title");
    }

    #[test]
    fn writing_never_gives_invalid_xml() {
        let nasty = "a&b<c>d\"e'f\tg\nh\r\ni\u{0}j\u{1b}k\u{7f}l\u{85}m\u{fffe}n\u{ffff}o]]>p&amp;";
        let cleaned = "a&b<c>d\"e'f\tg\nh\r\nijklmno]]>p&amp;";
        let opml = Opml {
            title: s(nasty),
            head: pairs(&[("dateCreated", nasty), ("bad name", "x"), ("1bad", "x"), ("ok:name", "y"), ("a:b:c", "z")]),
            outlines: vec![Outline {
                text: nasty.into(),
                title: s(nasty),
                xml_url: s(nasty),
                html_url: None,
                kind: None,
                attrs: pairs(&[
                    ("text", "duplicate of a field"),
                    ("htmlUrl", "named like an empty field"),
                    ("note", nasty),
                    ("note", "duplicate"),
                    ("bad=name", "x"),
                    ("", "x"),
                    ("dc:subject", "prefixed"),
                ]),
                children: vec![Outline { text: "child".into(), ..Outline::default() }],
            }],
        };
        let written = write(&opml);
        let back = parse(written.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{written}"));
        // Head text is trimmed when read; attribute values keep their white space.
        assert_eq!(back.title.as_deref(), Some(cleaned.trim()));
        assert_eq!(back.head, pairs(&[("dateCreated", cleaned.trim()), ("ok:name", "y")]));
        let outline = &back.outlines[0];
        assert_eq!(
            (outline.text.as_str(), outline.title.as_deref(), outline.xml_url.as_deref()),
            (cleaned, Some(cleaned), Some(cleaned))
        );
        assert_eq!(outline.attrs, pairs(&[("note", cleaned), ("dc:subject", "prefixed")]));
        assert_eq!(outline.children.len(), 1);
        assert!(written.contains("xmlns:dc=\"urn:x-clipdesk:opml:dc\""), "{written}");
        assert!(written.contains("xmlns:ok=\"urn:x-clipdesk:opml:ok\""), "{written}");
        // Well-formed for a strict, namespace-aware reader too.
        let mut reader = quick_xml::NsReader::from_str(&written);
        loop {
            match reader.read_resolved_event() {
                Ok((ns, Event::Start(e) | Event::Empty(e))) => {
                    assert!(!matches!(ns, quick_xml::name::ResolveResult::Unknown(_)), "{e:?}");
                    for attr in e.attributes() {
                        let attr = attr.unwrap();
                        let (ns, _) = reader.resolver().resolve_attribute(attr.key);
                        assert!(!matches!(ns, quick_xml::name::ResolveResult::Unknown(_)), "{attr:?}");
                    }
                }
                Ok((_, Event::Eof)) => break,
                Ok(_) => {}
                Err(e) => panic!("{e}\n{written}"),
            }
        }
    }

    #[test]
    fn malformed() {
        for (bytes, message) in [
            (&b"not xml"[..], "no <opml>"),
            (b"", "no <opml>"),
            (b"<rss version=\"2.0\"/>", "<rss>, not <opml>"),
            (b"<opml><body><outline text=\"a\"></body></opml>", "outline"),
            (b"<opml><body><outline text=\"a\" text=\"b\"/></body></opml>", "bad attribute"),
        ] {
            match parse(bytes) {
                Ok(o) => panic!("{:?} parsed: {o:?}", String::from_utf8_lossy(bytes)),
                Err(e) => {
                    assert_eq!(e.code(), "feed.opml");
                    assert!(e.to_string().contains(message), "{e} lacks {message:?}");
                }
            }
        }
        let deep = format!("<opml><body>{}</body></opml>", "<outline text=\"x\">".repeat(MAX_DEPTH + 1));
        assert!(parse(deep.as_bytes()).unwrap_err().to_string().contains("deeper than"));
    }

    #[test]
    fn legacy_encoding() {
        let bytes = encoding_rs::WINDOWS_1251
            .encode("<?xml version=\"1.0\" encoding=\"windows-1251\"?><opml><head><title>Ленты</title></head></opml>")
            .0
            .into_owned();
        assert_eq!(parse(&bytes).unwrap().title.as_deref(), Some("Ленты"));
    }

    /// Cut and mangled exports never panic, and whatever parses survives a round trip.
    #[test]
    fn any_bytes_round_trip_or_fail() {
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for name in ["feedly.opml", "inoreader.opml", "miniflux.opml", "freshrss.opml"] {
            let bytes = fixture(name);
            let mut inputs: Vec<Vec<u8>> = (0..bytes.len()).step_by(97).map(|n| bytes[..n].to_vec()).collect();
            for _ in 0..200 {
                let mut flipped = bytes.clone();
                let at = (next() % flipped.len() as u64) as usize;
                let table = b"<>&\"'=: \x01\xC3\xFF/";
                flipped[at] = table[(next() % table.len() as u64) as usize];
                inputs.push(flipped);
            }
            for input in inputs {
                let Ok(parsed) = parse(&input) else { continue };
                let written = write(&parsed);
                let again = parse(written.as_bytes())
                    .unwrap_or_else(|e| panic!("{e}: {:?}\n{written}", String::from_utf8_lossy(&input)));
                assert_eq!(again, parsed, "{:?}", String::from_utf8_lossy(&input));
            }
        }
    }
}

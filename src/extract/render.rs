//! Rendering an extracted article: plain text with paragraphs, and sanitized HTML.
//!
//! The text is what search indexes and briefings quote: one paragraph per block element, separated
//! by a blank line; images contribute nothing (their caption, if any, comes from `<figcaption>`, so a
//! caption printed both as `alt` text and as a caption appears once). The walk is iterative, so a
//! page nested a hundred thousand levels deep cannot overflow the stack.
//!
//! The HTML goes through ammonia with a closed list of tags and attributes: no scripts, styles,
//! event handlers, frames, forms or embedded objects; links and images become absolute http(s) URLs,
//! and an image kept in the library is `clipdesk-img://localhost/<sha256>` (see `crate::images`).

use std::collections::HashSet;

use dom_query::NodeRef;
use url::Url;

use crate::text::{is_invisible, is_space};

/// Elements whose boundaries separate paragraphs.
pub fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "section"
            | "article"
            | "main"
            | "header"
            | "footer"
            | "aside"
            | "nav"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "ul"
            | "ol"
            | "li"
            | "dl"
            | "dt"
            | "dd"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "table"
            | "thead"
            | "tbody"
            | "tfoot"
            | "tr"
            | "caption"
            | "hr"
            | "address"
            | "details"
            | "summary"
            | "form"
            | "fieldset"
            | "center"
            | "body"
            | "html"
    )
}

/// Elements whose content is never article text.
pub fn is_skipped(name: &str) -> bool {
    matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "button"
            | "select"
            | "option"
            | "input"
            | "textarea"
            | "iframe"
            | "object"
            | "embed"
            | "canvas"
            | "video"
            | "audio"
            | "img"
            | "picture"
            | "source"
            | "head"
            | "title"
            | "meta"
            | "link"
    )
}

/// The plain text of `root`: paragraphs separated by blank lines, white space collapsed.
pub fn text_of(root: &NodeRef) -> String {
    let mut out = TextBuilder::default();
    // (node, entering) pairs on an explicit stack.
    let mut stack: Vec<(NodeRef, bool)> = vec![(*root, true)];
    while let Some((node, entering)) = stack.pop() {
        if node.is_text() {
            out.push_text(&node.text(), out.pre_depth > 0);
            continue;
        }
        if !node.is_element() && !node.is_document() && !node.is_fragment() {
            continue;
        }
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if is_skipped(&name) {
            continue;
        }
        let block = is_block(&name) || matches!(name.as_str(), "td" | "th");
        if entering {
            match name.as_str() {
                "br" => out.newline(),
                "td" | "th" => out.space(),
                _ if block => out.paragraph(),
                _ => {}
            }
            if name == "pre" {
                out.pre_depth += 1;
            }
            stack.push((node, false));
            let children: Vec<NodeRef> = node.children_it(true).collect();
            stack.extend(children.into_iter().map(|c| (c, true)));
        } else {
            if name == "pre" {
                out.pre_depth -= 1;
            }
            if block && !matches!(name.as_str(), "td" | "th") {
                out.paragraph();
            }
        }
    }
    out.finish()
}

#[derive(Default)]
struct TextBuilder {
    out: String,
    /// 0 = nothing pending, 1 = space, 2 = newline, 3 = paragraph break.
    pending: u8,
    pre_depth: usize,
}

impl TextBuilder {
    fn space(&mut self) {
        self.pending = self.pending.max(1);
    }
    fn newline(&mut self) {
        self.pending = self.pending.max(2);
    }
    fn paragraph(&mut self) {
        self.pending = 3;
    }
    fn push_text(&mut self, text: &str, preformatted: bool) {
        for c in text.chars() {
            if is_invisible(c) {
                continue;
            }
            if preformatted && c == '\n' {
                self.newline();
            } else if is_space(c) {
                self.space();
            } else {
                self.flush_pending();
                self.out.push(c);
            }
        }
    }
    fn flush_pending(&mut self) {
        if !self.out.is_empty() {
            match self.pending {
                1 => self.out.push(' '),
                2 => self.out.push('\n'),
                3 => self.out.push_str("\n\n"),
                _ => {}
            }
        }
        self.pending = 0;
    }
    fn finish(self) -> String {
        self.out
    }
}

/// Sanitizes article HTML for storage and display; relative URLs are resolved against `base`.
pub fn sanitize(html: &str, base: &Url) -> String {
    let tags: HashSet<&str> = [
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "caption",
        "cite",
        "code",
        "dd",
        "del",
        "dfn",
        "div",
        "dl",
        "dt",
        "em",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "ins",
        "kbd",
        "li",
        "mark",
        "ol",
        "p",
        "pre",
        "q",
        "s",
        "samp",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "time",
        "tr",
        "u",
        "ul",
        "bdi",
        "bdo",
    ]
    .into_iter()
    .collect();
    let mut builder = ammonia::Builder::default();
    builder
        .tags(tags)
        .generic_attributes(["lang", "dir", "title"].into_iter().collect())
        .tag_attributes(
            [
                ("a", ["href"].into_iter().collect()),
                ("img", ["src", "alt", "width", "height"].into_iter().collect()),
                ("td", ["colspan", "rowspan"].into_iter().collect()),
                ("th", ["colspan", "rowspan", "scope"].into_iter().collect()),
                ("time", ["datetime"].into_iter().collect()),
                ("blockquote", ["cite"].into_iter().collect()),
            ]
            .into_iter()
            .collect(),
        )
        .url_schemes(["http", "https", "mailto", crate::images::SCHEME].into_iter().collect())
        // An image kept in the library is the one URL of another scheme allowed, and only as an
        // image's source, in its exact form (see `crate::images::reference`).
        .attribute_filter(|element, attribute, value| {
            // Parsed as ammonia and browsers parse it (leading controls, tabs and newlines inside
            // the scheme are ignored), so no spelling of the scheme slips through.
            if !value.contains(':') {
                return Some(value.into());
            }
            match Url::parse(value) {
                Ok(u) if u.scheme() == crate::images::SCHEME => (element == "img" && attribute == "src")
                    .then(|| crate::images::parse_reference(value))
                    .flatten()
                    .map(|_| value.into()),
                _ => Some(value.into()),
            }
        })
        .url_relative(ammonia::UrlRelative::RewriteWithBase(base.clone()))
        .link_rel(Some("noopener noreferrer nofollow"))
        .strip_comments(true);
    builder.clean(html).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use dom_query::Document;

    fn check_text(html: &str, expected: &str) {
        let doc = Document::fragment(html);
        assert_eq!(text_of(&doc.root()), expected, "html: {html}");
    }

    #[test]
    fn paragraphs_and_captions() {
        check_text("<p>One  two</p><p>three</p>", "One two\n\nthree");
        check_text("<div>a<br>b</div>c", "a\nb\n\nc");
        check_text(
            "<figure><img alt='A caption'><figcaption>A caption</figcaption></figure><p>Text</p>",
            "A caption\n\nText",
        );
        check_text("<p>x<script>evil()</script>y</p><style>p{}</style>", "xy");
        check_text("<ul><li>one</li><li>two</li></ul>", "one\n\ntwo");
        check_text("<pre>a\n  b</pre>", "a\nb");
        check_text("<table><tr><td>a</td><td>b</td></tr></table>", "a b");
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let n = 3000;
        let html = "<div>".repeat(n) + "deep" + &"</div>".repeat(n);
        let doc = Document::fragment(html);
        assert_eq!(text_of(&doc.root()), "deep");
    }

    #[test]
    fn sanitizer_removes_every_script_path() {
        let base = Url::parse("https://example.com/news/a.html").unwrap();
        let dirty = r#"<p onclick="x()">Hi <a href="javascript:alert(1)">j</a> <a href="/b">b</a>
            <img src="pic.jpg" onerror="x()"><iframe src="https://evil.example/"></iframe>
            <script>x()</script><style>p{}</style><form><input></form><svg onload="x()"></svg>
            <a href="data:text/html,x">d</a></p>"#;
        let clean = sanitize(dirty, &base);
        for bad in
            ["onclick", "javascript:", "onerror", "iframe", "<script", "<style", "<form", "<input", "<svg", "data:"]
        {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains(r#"href="https://example.com/b""#), "{clean}");
        assert!(clean.contains(r#"src="https://example.com/news/pic.jpg""#), "{clean}");
    }

    #[test]
    fn the_librarys_image_scheme_is_allowed_only_as_an_images_exact_source() {
        let base = Url::parse("https://example.com/news/a.html").unwrap();
        let sha = "0123456789abcdef".repeat(4);
        let good = format!(r#"<img src="clipdesk-img://localhost/{sha}" alt="x">"#);
        assert!(sanitize(&good, &base).contains(&format!("clipdesk-img://localhost/{sha}")));
        for bad in [
            format!(r#"<a href="clipdesk-img://localhost/{sha}">x</a>"#),
            format!(r#"<blockquote cite="clipdesk-img://localhost/{sha}">x</blockquote>"#),
            format!(r#"<img src="clipdesk-img://localhost/{sha}/../../etc">"#),
            format!(r#"<img src="CLIPDESK-IMG://evil.example/{sha}">"#),
            r#"<img src="clipdesk-img://localhost/not-a-hash">"#.to_owned(),
            format!("<a href=\"\u{1}clipdesk-\nimg://localhost/{sha}\">x</a>"),
            format!("<img src=\" clipdesk-img://localhost/{sha}\">"),
            r#"<img src="file:///etc/passwd"><img src="asset://localhost/x">"#.to_owned(),
        ] {
            let clean = sanitize(&bad, &base);
            assert!(!clean.to_ascii_lowercase().contains("clipdesk-img"), "{bad} → {clean}");
            assert!(!clean.contains("file:") && !clean.contains("asset:"), "{bad} → {clean}");
        }
    }
}

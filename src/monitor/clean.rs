//! Turning what feeds say into what Clipdesk stores: plain-text titles and summaries, sanitized
//! HTML, absolute http(s) links, dates in UTC.
//!
//! Feed text is often HTML whether or not the format says so (RSS titles with `&amp;amp;`, summaries
//! with markup), so text that may hold markup is parsed as an HTML fragment and its text taken;
//! text a format defines as plain has its entities decoded and its `<` kept. HTML nested deeper than
//! [`crate::extract::MAX_DEPTH`] is not parsed at all (tree building is quadratic in the depth).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use dom_query::Document;
use url::Url;

use crate::extract::{estimate_depth, meta, render, MAX_DEPTH};
use crate::text::{collapse_ws, escape_html, strip_controls};

/// The text of an HTML fragment on one line: tags dropped, entities decoded, white space collapsed,
/// control characters removed.
pub fn html_text(html: &str) -> String {
    let html = strip_controls(html);
    if !html.contains(['<', '&']) {
        return collapse_ws(&html);
    }
    if estimate_depth(&html) > MAX_DEPTH {
        return collapse_ws(&strip_tags(&html));
    }
    let fragment = Document::fragment(&*html);
    collapse_ws(&render::text_of(&fragment.root()))
}

/// Text a format defines as plain, on one line: entities decoded (feeds escape twice), `<` kept,
/// white space collapsed, control characters removed.
pub fn plain_text(text: &str) -> String {
    let text = strip_controls(text);
    collapse_ws(&meta::decode_entities(&text))
}

/// `Some(s)` unless `s` is empty.
pub fn non_empty(s: String) -> Option<String> {
    Some(s).filter(|s| !s.is_empty())
}

/// Sanitized HTML (see [`render::sanitize`]), relative URLs resolved against `base`; `None` when
/// nothing is left or the markup nests too deep to parse.
pub fn sanitized(html: &str, base: &Url) -> Option<String> {
    let html = strip_controls(html);
    if estimate_depth(&html) > MAX_DEPTH {
        return None;
    }
    let clean = render::sanitize(&html, base);
    Some(clean.trim().to_owned()).filter(|c| !c.is_empty())
}

/// Plain text as HTML paragraphs: blank lines separate paragraphs, line breaks become `<br>`.
pub fn text_to_html(text: &str) -> String {
    let text = text.replace("\r\n", "\n");
    let mut out = String::new();
    for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        out.push_str("<p>");
        let lines: Vec<String> = para.lines().map(|l| escape_html(l.trim())).collect();
        out.push_str(&lines.join("<br>"));
        out.push_str("</p>");
    }
    out
}

/// `href` resolved against `base` if it is an http(s) URL.
pub fn web_link(base: &Url, href: &str) -> Option<String> {
    meta::web_url(base, href).map(String::from)
}

/// A date as sitemaps write it (W3C datetime: `2024-05-01`, `2024-05-01T10:00Z`,
/// `2024-05-01T10:00:00.5+02:00`…), or RFC 2822 as some write instead. No offset means UTC.
pub fn w3c_date(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&Utc));
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d.with_timezone(&Utc));
    }
    let zulu = s.strip_suffix(['Z', 'z']).map(|rest| format!("{rest}+00:00"));
    let s = zulu.as_deref().unwrap_or(s);
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%:z"] {
        if let Ok(d) = DateTime::parse_from_str(s, format) {
            return Some(d.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, format) {
            return Some(d.and_utc());
        }
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d"))
        .ok()?;
    date.and_hms_opt(0, 0, 0).map(|d| d.and_utc())
}

/// `html` without its tags, for markup too deep to parse.
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_to_text() {
        for (input, expected) in [
            ("<p>One <b>two</b></p><p>three&nbsp;&amp; four</p>", "One two three & four"),
            ("AT&amp;T &lt;3", "AT&T <3"),
            ("  plain\n text ", "plain text"),
            ("ctrl\u{1}char", "ctrlchar"),
            ("<script>x()</script>kept", "kept"),
            ("", ""),
        ] {
            assert_eq!(html_text(input), expected, "input: {input:?}");
        }
        let deep = format!("{}deep{}", "<div>".repeat(MAX_DEPTH + 10), "</div>".repeat(MAX_DEPTH + 10));
        assert_eq!(html_text(&deep), "deep");
    }

    #[test]
    fn plain() {
        for (input, expected) in
            [("Rock &amp; Roll", "Rock & Roll"), ("a <b> c", "a <b> c"), ("caf&#233;\t ok", "café ok"), ("  ", "")]
        {
            assert_eq!(plain_text(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn text_paragraphs() {
        assert_eq!(
            text_to_html("One\nline <two>\n\n\nThree & four"),
            "<p>One<br>line &lt;two&gt;</p><p>Three &amp; four</p>"
        );
        assert_eq!(text_to_html("  "), "");
    }

    #[test]
    fn sanitizing() {
        let base = Url::parse("https://example.com/feed/").unwrap();
        assert_eq!(
            sanitized("<p onclick=\"x()\">Hi <a href=\"/a\">a</a><script>x()</script></p>", &base).as_deref(),
            Some("<p>Hi <a href=\"https://example.com/a\" rel=\"noopener noreferrer nofollow\">a</a></p>")
        );
        assert_eq!(sanitized("<script>x()</script>  ", &base), None);
        let deep = "<div>".repeat(MAX_DEPTH + 1);
        assert_eq!(sanitized(&deep, &base), None);
    }

    #[test]
    fn links() {
        let base = Url::parse("https://example.com/news/feed.xml").unwrap();
        for (href, expected) in [
            ("a.html", Some("https://example.com/news/a.html")),
            (" /b ", Some("https://example.com/b")),
            ("//cdn.example.org/c", Some("https://cdn.example.org/c")),
            ("javascript:alert(1)", None),
            ("mailto:a@example.com", None),
            ("", None),
        ] {
            assert_eq!(web_link(&base, href).as_deref(), expected, "href: {href:?}");
        }
    }

    #[test]
    fn dates() {
        for (input, expected) in [
            ("2024-05-01", Some("2024-05-01T00:00:00Z")),
            ("2024-05", Some("2024-05-01T00:00:00Z")),
            ("2024", Some("2024-01-01T00:00:00Z")),
            ("2024-05-01T10:30Z", Some("2024-05-01T10:30:00Z")),
            ("2024-05-01T10:30+02:00", Some("2024-05-01T08:30:00Z")),
            ("2024-05-01T10:30:15.25-05:00", Some("2024-05-01T15:30:15.250Z")),
            ("2024-05-01T10:30:15+0200", Some("2024-05-01T08:30:15Z")),
            ("2024-05-01T10:30:15", Some("2024-05-01T10:30:15Z")),
            ("Wed, 01 May 2024 10:30:00 +0000", Some("2024-05-01T10:30:00Z")),
            ("yesterday", None),
            ("2024-13-01", None),
            ("", None),
        ] {
            let got = w3c_date(input).map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
            assert_eq!(got.as_deref(), expected, "input: {input:?}");
        }
    }
}

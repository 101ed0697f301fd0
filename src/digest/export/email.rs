//! A briefing by e-mail: an HTML body that renders in common mail clients, its plain-text twin,
//! and an `.eml` draft holding both with the PDF attached, for the user's mail program to open
//! and send. Clipdesk never sends mail itself.
//!
//! The HTML is what mail clients keep: tables for layout, inline styles only (no `<style>`, no
//! classes, no scripts, no images, no external resources), every piece of text escaped with
//! [`crate::text::escape_html`], right-to-left items marked `dir="rtl"`, notes `dir="auto"`.
//!
//! The `.eml` is built with `mail-builder`: `multipart/mixed` of a `multipart/alternative`
//! (text, then HTML) and the PDF; headers RFC 2047-encoded when not ASCII, bodies
//! quoted-printable or base64, CRLF line ends, a `Date`, a `Message-ID`, and `X-Unsent: 1`, which
//! tells Outlook and Thunderbird-compatible programs to open it as a draft to send rather than a
//! message received. Subject and names have their line breaks and control characters removed
//! before they reach a header.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use mail_builder::headers::address::Address;
use mail_builder::headers::raw::Raw;
use mail_builder::MessageBuilder;
use sha2::{Digest as _, Sha256};

use super::{file_stem, group_title, is_grouped, trend_lines};
use crate::digest::build::{Briefing, Item};
use crate::error::{Error, Result};
use crate::text::escape_html as h;

const ACCENT: &str = "#1a3c8a";
const MUTED: &str = "#5b6270";
const SANS: &str = "Helvetica,Arial,sans-serif";
const SERIF: &str = "Georgia,'Times New Roman',serif";

/// The envelope of an `.eml` draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    /// `desk@example.com` or `Monitoring desk <desk@example.com>`; none leaves it to the mail
    /// program.
    pub from: Option<String>,
    pub to: Vec<String>,
    /// The briefing's title when `None`.
    pub subject: Option<String>,
    pub date: DateTime<Utc>,
}

impl Default for Envelope {
    fn default() -> Self {
        Envelope { from: None, to: Vec::new(), subject: None, date: Utc::now() }
    }
}

/// The briefing as a self-contained HTML e-mail body.
pub fn html_email(b: &Briefing) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\r\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title></head>\r\n\
         <body style=\"margin:0;padding:0;background-color:#f2f4f8;\">\r\n\
         <table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"background-color:#f2f4f8;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\r\n\
         <table role=\"presentation\" width=\"640\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" \
         style=\"width:640px;max-width:100%;background-color:#ffffff;border:1px solid #c9ced8;\">\r\n",
        h(&b.title)
    );
    let classification = b.classification.as_deref().filter(|c| !c.trim().is_empty());
    if let Some(c) = classification {
        row(
            &mut out,
            "",
            &format!(
                "padding:10px 24px;font-family:{SANS};font-size:11px;font-weight:bold;letter-spacing:1px;\
                 color:{ACCENT};border-bottom:1px solid #c9ced8;text-transform:uppercase;"
            ),
            &h(c),
        );
    }
    // Title block.
    let mut title = format!(
        "<h1 style=\"margin:0 0 4px 0;font-family:{SANS};font-size:26px;line-height:32px;color:{ACCENT};\">\
         <bdi>{}</bdi></h1>",
        h(&b.title)
    );
    if let Some(s) = &b.subtitle {
        let _ = write!(
            title,
            "<p style=\"margin:0 0 8px 0;font-family:{SANS};font-size:16px;color:{MUTED};\"><bdi>{}</bdi></p>",
            h(s)
        );
    }
    let mut meta = Vec::new();
    if let Some(p) = &b.period {
        meta.push(format!("<strong>{}</strong>", h(p)));
    }
    if let Some(a) = &b.author {
        meta.push(format!("<bdi>{}</bdi>", h(a)));
    }
    meta.push(format!(
        "prepared {} · {} {}",
        h(&b.generated),
        b.story_count,
        if b.story_count == 1 { "story" } else { "stories" }
    ));
    let _ = write!(
        title,
        "<p style=\"margin:8px 0 0 0;font-family:{SANS};font-size:13px;color:{MUTED};\">{}</p>",
        meta.join(" · ")
    );
    row(&mut out, "", "padding:24px 24px 8px 24px;", &title);
    if !b.executive_summary.is_empty() {
        let mut s = format!(
            "<p style=\"margin:0 0 6px 0;font-family:{SANS};font-size:13px;font-weight:bold;color:{ACCENT};\">\
             Executive summary</p>"
        );
        for p in &b.executive_summary {
            let _ = write!(
                s,
                "<p style=\"margin:0 0 8px 0;font-family:{SERIF};font-size:15px;line-height:22px;\">{}</p>",
                h(p)
            );
        }
        row(&mut out, "", "padding:12px 24px;background-color:#f2f4f8;", &s);
    }
    let grouped = is_grouped(b);
    if grouped {
        let mut s = format!(
            "<p style=\"margin:0 0 4px 0;font-family:{SANS};font-size:13px;font-weight:bold;color:{ACCENT};\">Contents</p>\
             <ol style=\"margin:0;padding-left:20px;font-family:{SANS};font-size:13px;line-height:20px;\">"
        );
        if b.trends.is_some() {
            s.push_str("<li>Trends</li>");
        }
        for g in &b.groups {
            let _ = write!(s, "<li><bdi>{}</bdi> ({})</li>", h(group_title(&g.name)), g.items.len());
        }
        s.push_str("</ol>");
        row(&mut out, "", "padding:16px 24px 0 24px;", &s);
    }
    if let Some(t) = &b.trends {
        let mut s = section_heading("Trends");
        s.push_str(&format!(
            "<ul style=\"margin:0;padding-left:20px;font-family:{SANS};font-size:13px;line-height:20px;\">"
        ));
        for line in trend_lines(t) {
            let _ = write!(s, "<li><bdi>{}</bdi></li>", h(&line));
        }
        s.push_str("</ul>");
        row(&mut out, "", "padding:8px 24px;", &s);
    }
    for g in &b.groups {
        if grouped {
            row(&mut out, "", "padding:8px 24px 0 24px;", &section_heading(group_title(&g.name)));
        }
        for item in &g.items {
            item_row(&mut out, item);
        }
    }
    if let Some(c) = classification {
        row(
            &mut out,
            "",
            &format!("padding:10px 24px;font-family:{SANS};font-size:11px;color:{MUTED};border-top:1px solid #c9ced8;"),
            &h(c),
        );
    }
    out.push_str("</table>\r\n</td></tr></table>\r\n</body></html>\r\n");
    out
}

fn section_heading(name: &str) -> String {
    format!(
        "<h2 style=\"margin:16px 0 4px 0;padding-bottom:4px;font-family:{SANS};font-size:20px;color:{ACCENT};\
         border-bottom:2px solid {ACCENT};\"><bdi>{}</bdi></h2>",
        h(name)
    )
}

/// One row of the main table: a cell with `attrs` (already escaped) and inline `style`.
fn row(out: &mut String, attrs: &str, style: &str, inner: &str) {
    let _ = write!(out, "<tr><td{attrs} style=\"{style}\">{inner}</td></tr>\r\n");
}

fn item_row(out: &mut String, item: &Item) {
    let rtl = item.dir == "rtl";
    let align = if rtl { "right" } else { "left" };
    let lang = item.lang.as_deref().map(|l| format!(" lang=\"{}\"", h(l))).unwrap_or_default();
    let mut s = format!(
        "<h3 dir=\"{}\" style=\"margin:0 0 2px 0;font-family:{SANS};font-size:17px;line-height:23px;text-align:{align};\">{}</h3>",
        item.dir,
        h(&item.headline)
    );
    let meta: Vec<String> =
        [item.outlet.clone(), item.date.clone(), (!item.authors.is_empty()).then(|| item.authors.join(", "))]
            .into_iter()
            .flatten()
            .map(|m| format!("<bdi>{}</bdi>", h(&m)))
            .collect();
    if !meta.is_empty() {
        let _ = write!(
            s,
            "<p dir=\"ltr\" style=\"margin:0 0 6px 0;font-family:{SANS};font-size:12px;color:{MUTED};\">{}</p>",
            meta.join(" · ")
        );
    }
    let _ = write!(
        s,
        "<p dir=\"{}\" style=\"margin:0 0 6px 0;font-family:{SERIF};font-size:15px;line-height:22px;text-align:{align};\">{}</p>",
        item.dir,
        h(&item.summary.join(" "))
    );
    if let Some(n) = &item.note {
        let _ = write!(
            s,
            "<p dir=\"auto\" style=\"margin:6px 0;padding-left:8px;border-left:3px solid {ACCENT};font-family:{SERIF};\
             font-size:14px;\"><strong style=\"font-family:{SANS};font-size:12px;color:{ACCENT};\">Analyst’s note</strong> {}</p>",
            h(n)
        );
    }
    for q in &item.quotes {
        let note = q
            .note
            .as_deref()
            .map(|n| format!(" <span dir=\"auto\" style=\"font-style:normal;color:{MUTED};\">— {}</span>", h(n)))
            .unwrap_or_default();
        let _ = write!(
            s,
            "<blockquote dir=\"{}\" style=\"margin:6px 16px;font-family:{SERIF};font-size:14px;font-style:italic;text-align:{align};\">“{}”{note}</blockquote>",
            item.dir,
            h(&q.text)
        );
    }
    let tags: Vec<String> = item.topics.iter().chain(&item.actors).map(|t| format!("<bdi>{}</bdi>", h(t))).collect();
    if !tags.is_empty() {
        let _ = write!(
            s,
            "<p dir=\"ltr\" style=\"margin:4px 0;font-family:{SANS};font-size:11px;color:{MUTED};\">{}</p>",
            tags.join(" · ")
        );
    }
    let link = |url: &str, text: &str| {
        format!("<a href=\"{}\" style=\"color:{ACCENT};text-decoration:underline;\">{}</a>", h(url), text)
    };
    let source = match &item.url {
        Some(u) => link(u, &h(&item.url_display)),
        None => h(&item.url_display),
    };
    let retrieved =
        if item.retrieved.is_empty() { String::new() } else { format!(" (retrieved {})", h(&item.retrieved)) };
    let mut src = format!("Source: {source}{retrieved}");
    if !item.also_in.is_empty() {
        let copies: Vec<String> = item
            .also_in
            .iter()
            .map(|c| {
                let name = format!("<bdi>{}</bdi>", h(&c.outlet));
                match &c.url {
                    Some(u) => link(u, &name),
                    None => name,
                }
            })
            .collect();
        let _ = write!(src, "<br>Also in: {}", copies.join(", "));
    }
    let _ = write!(
        s,
        "<p dir=\"ltr\" style=\"margin:4px 0 0 0;font-family:{SANS};font-size:11px;color:{MUTED};word-break:break-all;\">{src}</p>"
    );
    row(out, &lang, "padding:14px 24px;border-bottom:1px solid #eceef2;", &s);
}

/// The briefing as plain text (the e-mail's text part).
pub fn plain_text(b: &Briefing) -> String {
    let mut out = String::new();
    let classification = b.classification.as_deref().filter(|c| !c.trim().is_empty());
    if let Some(c) = classification {
        let _ = writeln!(out, "{}\n", c.to_uppercase());
    }
    let _ = writeln!(out, "{}", b.title);
    if let Some(s) = &b.subtitle {
        let _ = writeln!(out, "{s}");
    }
    let mut meta = Vec::new();
    if let Some(p) = &b.period {
        meta.push(p.clone());
    }
    if let Some(a) = &b.author {
        meta.push(a.clone());
    }
    meta.push(format!(
        "prepared {} · {} {}",
        b.generated,
        b.story_count,
        if b.story_count == 1 { "story" } else { "stories" }
    ));
    let _ = writeln!(out, "{}\n", meta.join(" · "));
    if !b.executive_summary.is_empty() {
        let _ = writeln!(out, "EXECUTIVE SUMMARY\n");
        for p in &b.executive_summary {
            let _ = writeln!(out, "{p}\n");
        }
    }
    if let Some(t) = &b.trends {
        let _ = writeln!(out, "TRENDS\n");
        for line in trend_lines(t) {
            let _ = writeln!(out, "- {line}");
        }
        out.push('\n');
    }
    let grouped = is_grouped(b);
    for g in &b.groups {
        if grouped {
            let name = group_title(&g.name);
            let _ = writeln!(out, "{}\n{}\n", name.to_uppercase(), "=".repeat(name.chars().count().min(70)));
        }
        for item in &g.items {
            let _ = writeln!(out, "{}", item.headline);
            let meta: Vec<String> =
                [item.outlet.clone(), item.date.clone(), (!item.authors.is_empty()).then(|| item.authors.join(", "))]
                    .into_iter()
                    .flatten()
                    .collect();
            if !meta.is_empty() {
                let _ = writeln!(out, "{}", meta.join(" · "));
            }
            let _ = writeln!(out, "\n{}\n", item.summary.join(" "));
            if let Some(n) = &item.note {
                let _ = writeln!(out, "Analyst’s note: {n}\n");
            }
            for q in &item.quotes {
                let note = q.note.as_deref().map(|n| format!(" — {n}")).unwrap_or_default();
                let _ = writeln!(out, "  “{}”{note}\n", q.text);
            }
            let tags: Vec<&str> = item.topics.iter().chain(&item.actors).map(String::as_str).collect();
            if !tags.is_empty() {
                let _ = writeln!(out, "Tags: {}", tags.join(" · "));
            }
            let source = item.url.as_deref().unwrap_or(&item.url_display);
            let retrieved =
                if item.retrieved.is_empty() { String::new() } else { format!(" (retrieved {})", item.retrieved) };
            let _ = writeln!(out, "Source: {source}{retrieved}");
            if !item.also_in.is_empty() {
                let copies: Vec<String> = item
                    .also_in
                    .iter()
                    .map(|c| match &c.url {
                        Some(u) => format!("{} <{u}>", c.outlet),
                        None => c.outlet.clone(),
                    })
                    .collect();
                let _ = writeln!(out, "Also in: {}", copies.join(", "));
            }
            out.push('\n');
        }
    }
    if let Some(c) = classification {
        let _ = writeln!(out, "-- \n{c}");
    }
    crate::text::strip_controls(&out).into_owned()
}

/// A header value on one line: white space collapsed, control characters dropped (no header
/// can be ended, and another begun, by a title or a name).
fn header_text(s: &str) -> String {
    crate::text::collapse_ws(&crate::text::strip_controls(s).replace(['\r', '\n'], " "))
}

/// `addr@host` or `Name <addr@host>`, checked.
fn address(s: &str) -> Result<Address<'static>> {
    let s = header_text(s);
    let (name, addr) = match s.rsplit_once('<') {
        Some((name, rest)) if rest.ends_with('>') => {
            (Some(name.trim().trim_matches('"').trim().to_owned()), rest.trim_end_matches('>').trim().to_owned())
        }
        _ => (None, s.clone()),
    };
    let valid = addr.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && addr.chars().all(|c| c.is_ascii_graphic() && !"<>()[]\\,;:\"".contains(c))
    });
    if !valid {
        return Err(Error::input("input.email", format!("not an e-mail address: {s:?}")));
    }
    Ok(match name.filter(|n| !n.is_empty()) {
        Some(n) => Address::new_address(Some(n), addr),
        None => Address::new_address(None::<String>, addr),
    })
}

/// The `.eml` draft: the HTML body, its plain-text twin and the PDF attached.
pub fn eml(b: &Briefing, pdf: &[u8], envelope: &Envelope) -> Result<Vec<u8>> {
    let subject = header_text(envelope.subject.as_deref().unwrap_or(&b.title));
    let subject = if subject.is_empty() { "Briefing".to_owned() } else { subject };
    // A Message-ID unique to this draft: when, and what.
    let mut hash = Sha256::new();
    hash.update(envelope.date.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    hash.update(subject.as_bytes());
    hash.update(pdf);
    hash.update(std::process::id().to_le_bytes());
    let digest = hash.finalize();
    let id: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    let mut message = MessageBuilder::new()
        .message_id(format!("{}.{id}@clipdesk.invalid", envelope.date.format("%Y%m%d%H%M%S")))
        .date(envelope.date.timestamp())
        .subject(subject)
        .header("X-Unsent", Raw::new("1"))
        .header("X-Mailer", Raw::new(concat!("Clipdesk ", env!("CARGO_PKG_VERSION"))));
    if let Some(from) = &envelope.from {
        message = message.from(address(from)?);
    }
    if !envelope.to.is_empty() {
        let to: Vec<Address<'static>> = envelope.to.iter().map(|a| address(a)).collect::<Result<_>>()?;
        message = message.to(Address::new_list(to));
    }
    let file_name = format!("{}.pdf", file_stem(&b.title));
    message
        .text_body(plain_text(b))
        .html_body(html_email(b))
        .attachment("application/pdf", file_name, pdf.to_vec())
        .write_to_vec()
        .map_err(|e| Error::input("export.email", format!("cannot write the e-mail: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_text_cannot_start_a_header() {
        for (input, expected) in [
            ("Weekly\r\nBcc: all@example.com", "Weekly Bcc: all@example.com"),
            ("tab\tand\u{0}nul", "tab andnul"),
            ("  Brief  ", "Brief"),
        ] {
            assert_eq!(header_text(input), expected);
        }
    }

    #[test]
    fn addresses_are_checked() {
        for ok in ["desk@example.com", "Monitoring desk <desk@example.com>", "\"Desk, Moscow\" <d@example.org>"] {
            assert!(address(ok).is_ok(), "{ok}");
        }
        for bad in ["desk", "a@b@c", "<>", "x y@example.com", "Desk <desk@example.com>\r\nBcc: x@y", "@example.com"] {
            assert_eq!(address(bad).map(|_| ()).map_err(|e| e.code()), Err("input.email"), "{bad:?}");
        }
    }
}

//! A briefing's outputs: a typeset PDF ([`pdf`]), a Word document ([`docx`]), an e-mail
//! ([`email`]: an HTML body and an `.eml` draft with the PDF attached), Markdown and
//! self-contained HTML. All lay out the same [`Briefing`], in the same order.

pub mod docx;
pub mod email;
pub mod pdf;

use std::fmt::Write;

use super::build::{Briefing, Item};
use crate::text::escape_html as h;

/// A file name (without extension) for a briefing titled `title`: characters no file system
/// accepts become spaces; an empty result becomes "briefing".
pub fn file_stem(title: &str) -> String {
    let cleaned: String =
        title.chars().map(|c| if c.is_control() || r#"\/:*?"<>|"#.contains(c) { ' ' } else { c }).collect();
    let stem = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    let stem: String = stem.trim_matches('.').chars().take(120).collect();
    if stem.is_empty() {
        "briefing".to_owned()
    } else {
        stem
    }
}

fn group_title(name: &str) -> &str {
    if name.is_empty() {
        "Other"
    } else {
        name
    }
}

/// Whether the briefing prints section headings (it is grouped, or its one group has a name).
fn is_grouped(b: &Briefing) -> bool {
    b.groups.len() > 1 || b.groups.first().is_some_and(|g| !g.name.is_empty())
}

/// The trend section as lines of plain text, for the outputs without the chart: what it counts,
/// each series' total and peak, the largest outlets and languages.
pub fn trend_lines(t: &crate::trends::Trends) -> Vec<String> {
    let mut out = vec![crate::trends::describe(t)];
    for s in &t.series {
        let peak = s.peak().map(|p| format!(", most on {} ({})", p.label, p.count)).unwrap_or_default();
        let undated =
            if s.undated > 0 { format!(", and {} without a publication date", s.undated) } else { String::new() };
        out.push(format!("{}: {} clip{}{peak}{undated}", s.label, s.total, if s.total == 1 { "" } else { "s" }));
    }
    for (what, shares) in [("By outlet", &t.outlets), ("By language", &t.languages)] {
        if !shares.is_empty() {
            let list: Vec<String> =
                shares.iter().take(8).map(|s| format!("{} {} ({:.0}%)", s.label, s.count, s.share * 100.0)).collect();
            out.push(format!("{what}: {}", list.join(", ")));
        }
    }
    out
}

/// Markdown with every piece of article text escaped, so a headline such as `*bold* <b>` stays
/// literal in any renderer.
pub fn markdown(b: &Briefing) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(&b.title));
    if let Some(s) = &b.subtitle {
        let _ = writeln!(out, "_{}_\n", md(s));
    }
    if let Some(c) = &b.classification {
        let _ = writeln!(out, "**{}**\n", md(c));
    }
    let mut line = Vec::new();
    if let Some(p) = &b.period {
        line.push(md(p));
    }
    if let Some(a) = &b.author {
        line.push(md(a));
    }
    line.push(format!("prepared {}", md(&b.generated)));
    let _ = writeln!(out, "{}\n", line.join(" · "));
    if !b.executive_summary.is_empty() {
        let _ = writeln!(out, "## Executive summary\n");
        for p in &b.executive_summary {
            let _ = writeln!(out, "{}\n", md(p));
        }
    }
    if let Some(t) = &b.trends {
        let _ = writeln!(out, "## Trends\n");
        for line in trend_lines(t) {
            let _ = writeln!(out, "- {}", md(&line));
        }
        out.push('\n');
    }
    let grouped = is_grouped(b);
    for g in &b.groups {
        if grouped {
            let _ = writeln!(out, "## {}\n", md(group_title(&g.name)));
        }
        for item in &g.items {
            markdown_item(&mut out, item, if grouped { "###" } else { "##" });
        }
    }
    out
}

fn markdown_item(out: &mut String, item: &Item, level: &str) {
    let _ = writeln!(out, "{level} {}\n", md(&item.headline));
    let meta: Vec<String> =
        [item.outlet.clone(), item.date.clone(), (!item.authors.is_empty()).then(|| item.authors.join(", "))]
            .into_iter()
            .flatten()
            .map(|s| md(&s))
            .collect();
    if !meta.is_empty() {
        let _ = writeln!(out, "_{}_\n", meta.join(" · "));
    }
    let _ = writeln!(out, "{}\n", md(&item.summary.join(" ")));
    if let Some(n) = &item.note {
        let _ = writeln!(out, "> **Analyst’s note:** {}\n", md(n));
    }
    for q in &item.quotes {
        let note = q.note.as_deref().map(|n| format!(" — {}", md(n))).unwrap_or_default();
        let _ = writeln!(out, "> “{}”{note}\n", md(&q.text));
    }
    let tags: Vec<String> = item.topics.iter().chain(&item.actors).map(|t| md(t)).collect();
    if !tags.is_empty() {
        let _ = writeln!(out, "Tags: {}\n", tags.join(" · "));
    }
    let source = match &item.url {
        Some(u) => format!("<{u}>"),
        None => md(&item.url_display),
    };
    let retrieved =
        if item.retrieved.is_empty() { String::new() } else { format!(" (retrieved {})", md(&item.retrieved)) };
    let _ = writeln!(out, "Source: {source}{retrieved}\n");
    if !item.also_in.is_empty() {
        let copies: Vec<String> = item
            .also_in
            .iter()
            .map(|c| match &c.url {
                Some(u) => format!("[{}]({u})", md(&c.outlet)),
                None => md(&c.outlet),
            })
            .collect();
        let _ = writeln!(out, "Also in: {}\n", copies.join(", "));
    }
}

/// Escapes Markdown and inline HTML.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '!' | '|' | '~' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// One self-contained, printable HTML page (no scripts, no external resources).
pub fn html(b: &Briefing) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>{}</title>\n<style>{STYLE}</style></head><body>\n",
        h(&b.title)
    );
    if let Some(c) = &b.classification {
        let _ = writeln!(out, "<p class=\"classification\">{}</p>", h(c));
    }
    let _ = writeln!(out, "<header><h1><bdi>{}</bdi></h1>", h(&b.title));
    if let Some(s) = &b.subtitle {
        let _ = writeln!(out, "<p class=\"subtitle\"><bdi>{}</bdi></p>", h(s));
    }
    let mut line = Vec::new();
    if let Some(p) = &b.period {
        line.push(format!("<strong>{}</strong>", h(p)));
    }
    if let Some(a) = &b.author {
        line.push(h(a));
    }
    line.push(format!("prepared {}", h(&b.generated)));
    let _ = writeln!(out, "<p class=\"meta\">{}</p></header>", line.join(" · "));
    if !b.executive_summary.is_empty() {
        let _ = writeln!(out, "<section class=\"summary\"><h2>Executive summary</h2>");
        for p in &b.executive_summary {
            let _ = writeln!(out, "<p>{}</p>", h(p));
        }
        let _ = writeln!(out, "</section>");
    }
    let grouped = is_grouped(b);
    if grouped {
        let _ = writeln!(out, "<nav><h2>Contents</h2><ol>");
        for (gi, g) in b.groups.iter().enumerate() {
            let _ = writeln!(
                out,
                "<li><a href=\"#g{gi}\"><bdi>{}</bdi></a> ({})</li>",
                h(group_title(&g.name)),
                g.items.len()
            );
        }
        let _ = writeln!(out, "</ol></nav>");
    }
    if let Some(t) = &b.trends {
        let _ = writeln!(out, "<section class=\"trends\"><h2>Trends</h2><ul>");
        for line in trend_lines(t) {
            let _ = writeln!(out, "<li><bdi>{}</bdi></li>", h(&line));
        }
        let _ = writeln!(out, "</ul></section>");
    }
    for (gi, g) in b.groups.iter().enumerate() {
        let _ = writeln!(out, "<section id=\"g{gi}\">");
        if grouped {
            let _ = writeln!(out, "<h2><bdi>{}</bdi></h2>", h(group_title(&g.name)));
        }
        for item in &g.items {
            html_item(&mut out, item, b);
        }
        let _ = writeln!(out, "</section>");
    }
    out.push_str("</body></html>\n");
    out
}

fn html_item(out: &mut String, item: &Item, b: &Briefing) {
    let lang = item.lang.as_deref().map(|l| format!(" lang=\"{}\"", h(l))).unwrap_or_default();
    let _ = writeln!(out, "<article dir=\"{}\"{lang}>", item.dir);
    let _ = writeln!(out, "<h3><bdi>{}</bdi></h3>", h(&item.headline));
    let meta: Vec<String> =
        [item.outlet.clone(), item.date.clone(), (!item.authors.is_empty()).then(|| item.authors.join(", "))]
            .into_iter()
            .flatten()
            .map(|s| format!("<bdi>{}</bdi>", h(&s)))
            .collect();
    let _ = writeln!(out, "<p class=\"meta\" dir=\"ltr\">{}</p>", meta.join(" · "));
    // The lead image, embedded: the page loads nothing from anywhere.
    if let Some((lead, image)) = item.lead_image.as_ref().and_then(|l| Some((l, b.images.get(&l.path)?))) {
        use base64::Engine as _;
        let caption = lead.caption.as_deref().unwrap_or("");
        let _ = writeln!(
            out,
            "<figure><img src=\"data:{};base64,{}\" width=\"{}\" height=\"{}\" alt=\"{}\">{}</figure>",
            h(&image.mime),
            base64::engine::general_purpose::STANDARD.encode(image.data.as_slice()),
            lead.width,
            lead.height,
            h(caption),
            if caption.is_empty() { String::new() } else { format!("<figcaption>{}</figcaption>", h(caption)) }
        );
    }
    let _ = writeln!(out, "<p>{}</p>", h(&item.summary.join(" ")));
    if let Some(n) = &item.note {
        let _ = writeln!(out, "<aside class=\"note\" dir=\"auto\"><strong>Analyst’s note</strong> {}</aside>", h(n));
    }
    for q in &item.quotes {
        let note = q.note.as_deref().map(|n| format!(" <span class=\"qnote\">— {}</span>", h(n))).unwrap_or_default();
        let _ = writeln!(out, "<blockquote>“{}”{note}</blockquote>", h(&q.text));
    }
    let tags: Vec<String> = item.topics.iter().chain(&item.actors).map(|t| format!("<bdi>{}</bdi>", h(t))).collect();
    if !tags.is_empty() {
        let _ = writeln!(out, "<p class=\"tags\" dir=\"ltr\">{}</p>", tags.join(" · "));
    }
    let source = match &item.url {
        Some(u) => format!("<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>", h(u), h(&item.url_display)),
        None => h(&item.url_display),
    };
    let retrieved =
        if item.retrieved.is_empty() { String::new() } else { format!(" (retrieved {})", h(&item.retrieved)) };
    let _ = writeln!(out, "<p class=\"source\" dir=\"ltr\">Source: {source}{retrieved}</p>");
    if !item.also_in.is_empty() {
        let copies: Vec<String> = item
            .also_in
            .iter()
            .map(|c| match &c.url {
                Some(u) => format!("<a href=\"{}\" rel=\"noopener noreferrer\"><bdi>{}</bdi></a>", h(u), h(&c.outlet)),
                None => format!("<bdi>{}</bdi>", h(&c.outlet)),
            })
            .collect();
        let _ = writeln!(out, "<p class=\"source\" dir=\"ltr\">Also in: {}</p>", copies.join(", "));
    }
    let _ = writeln!(out, "</article>");
}

const STYLE: &str = "body{font-family:'Noto Serif',Georgia,serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d2230;line-height:1.5}\
h1,h2,h3,.meta,.tags,.source,nav,.classification{font-family:'Noto Sans',Helvetica,Arial,sans-serif}\
h1{color:#1a3c8a;font-size:2rem;margin-bottom:.2rem}h2{color:#1a3c8a;border-bottom:2px solid #1a3c8a;margin-top:2.5rem}\
h3{margin:1.6rem 0 .2rem}.subtitle{color:#5b6270;font-size:1.2rem;margin-top:0}.meta,.tags,.source{color:#5b6270;font-size:.85rem;margin:.2rem 0}\
.classification{border:1px solid #1a3c8a;color:#1a3c8a;display:inline-block;padding:.15rem .5rem;font-weight:bold;text-transform:uppercase;font-size:.8rem}\
.summary{background:#f2f4f8;padding:.5rem 1rem;border-radius:4px}.note{border-left:3px solid #1a3c8a;padding-left:.6rem;margin:.5rem 0}\
blockquote{font-style:italic;margin:.4rem 1.2rem}a{color:#1a3c8a}\
figure{margin:.6rem 0}figure img{max-width:100%;height:auto}figcaption{color:#5b6270;font-size:.8rem}\
article[dir=rtl] p:not(.meta):not(.tags):not(.source),article[dir=rtl] h3,article[dir=rtl] blockquote{text-align:right}\
@media print{body{max-width:none;margin:0}h2{break-before:page}article{break-inside:avoid}a{text-decoration:none}}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(md("#panic(\"x\") *bold* $x$ <lbl> @ref"), "\\#panic\\(\"x\"\\) \\*bold\\* $x$ &lt;lbl\\> @ref");
        assert_eq!(h("<script>alert('x')</script>"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    }
}

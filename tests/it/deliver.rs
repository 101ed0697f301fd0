//! Delivering briefings and clips (issue #15): the Word document read back and converted by
//! LibreOffice, the e-mail draft parsed by a mail parser, citations validated against the CSL data
//! schema and parsed back, trend counts checked against counts computed here in SQL.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::Path;
use std::process::Command;

use clipdesk::cite::{self, CiteStyle, Kind, Name};
use clipdesk::digest::build::{self, Briefing, Quote};
use clipdesk::digest::export::{self, email::Envelope};
use clipdesk::digest::{Digest, GroupBy, PeriodOn};
use clipdesk::trends::{self, Bucket, TrendSpec};
use mail_parser::MimeHeaders;
use quick_xml::events::Event;

use crate::support::{add_page, multilingual_library_apart as library, run_cli};

const INJECTION: &str = "#panic(\"x\") *bold* $x$ <lbl> @ref";
/// A headline that tries to end the XML text and start markup, with control characters XML 1.0
/// cannot carry at all.
const HOSTILE_XML: &str = "Bell\u{7} nul\u{0} esc\u{1b}[31m </w:t></w:r><w:r><w:t>pwned]]> &amp; \u{FFFE}end";
const HOSTILE_XML_CLEAN: &str = "Bell nul esc[31m </w:t></w:r><w:r><w:t>pwned]]> &amp; end";

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{2068}' | '\u{2069}' | '\u{200e}' | '\u{200f}'))
        .collect()
}

fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A briefing of the multilingual library with every part: classification, summary, sections,
/// notes, quotes, a trend section, and one item whose headline and note are hostile to XML.
fn full_briefing(lib: &clipdesk::Library, title: &str) -> Briefing {
    let digest = Digest {
        title: title.into(),
        subtitle: Some("US–Russia relations and Syria".into()),
        author: Some("Monitoring desk".into()),
        classification: Some("Internal — for the recipient's information only".into()),
        query: Some("clipped:1d".into()),
        group_by: GroupBy::Topic,
        executive_summary: Some("Moscow reached out to Washington twice.\n\nSecond paragraph.".into()),
        trends: Some(TrendSpec {
            series: vec!["lang:ru OR lang:en".into(), "topic:Conflicts".into()],
            by: Bucket::Day,
            ..Default::default()
        }),
        ..Default::default()
    };
    let mut b = build::build(lib.conn(), &digest).expect("build");
    // One more item, a copy of the last with text hostile to XML (every real headline stays).
    let group = b.groups.last_mut().expect("a section");
    let mut hostile = group.items.last().expect("an item").clone();
    hostile.headline = HOSTILE_XML.into();
    hostile.note = Some("note </w:p><w:p> & \u{1}".into());
    hostile.quotes.push(Quote { text: "quoted \u{b}text".into(), note: Some("why <b>".into()) });
    group.items.push(hostile);
    b
}

// ---- Word --------------------------------------------------------------------------------------

/// One paragraph of a Word document as read back.
#[derive(Debug, Default)]
struct Para {
    style: String,
    text: String,
    bidi: bool,
    rtl_runs: usize,
    runs: usize,
}

/// Reads a WordprocessingML part: its paragraphs, and the instruction texts of its fields. Fails
/// on XML that is not well formed.
fn paragraphs(xml: &str) -> (Vec<Para>, Vec<String>) {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut out = Vec::new();
    let mut instr = Vec::new();
    let mut current: Option<Para> = None;
    let (mut in_text, mut in_instr) = (false, false);
    let mut instr_text = String::new();
    loop {
        let event =
            reader.read_event().unwrap_or_else(|e| panic!("malformed XML at {}: {e}", reader.buffer_position()));
        match &event {
            Event::Start(e) | Event::Empty(e) => {
                let name = e.name().as_ref().to_owned();
                let val = || {
                    e.attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref() == "w:val")
                        .map(|a| a.value.clone().into_owned())
                        .unwrap_or_default()
                };
                match name.as_str() {
                    "w:p" if matches!(event, Event::Start(_)) => current = Some(Para::default()),
                    "w:pStyle" => {
                        if let Some(p) = &mut current {
                            p.style = val();
                        }
                    }
                    "w:bidi" => {
                        if let Some(p) = &mut current {
                            p.bidi = true;
                        }
                    }
                    "w:rtl" => {
                        if let Some(p) = &mut current {
                            p.rtl_runs += 1;
                        }
                    }
                    "w:r" if matches!(event, Event::Start(_)) => {
                        if let Some(p) = &mut current {
                            p.runs += 1;
                        }
                    }
                    "w:t" if matches!(event, Event::Start(_)) => in_text = true,
                    "w:instrText" if matches!(event, Event::Start(_)) => in_instr = true,
                    _ => {}
                }
            }
            Event::End(e) => match e.name().as_ref() {
                "w:p" => out.extend(current.take()),
                "w:t" => in_text = false,
                "w:instrText" => {
                    in_instr = false;
                    instr.push(std::mem::take(&mut instr_text));
                }
                _ => {}
            },
            Event::Text(_) | Event::GeneralRef(_) => {
                let mut s = String::new();
                match &event {
                    Event::Text(t) => s.push_str(&t.xml10_content()),
                    Event::GeneralRef(r) => match r.resolve_char_ref().expect("char ref") {
                        Some(c) => s.push(c),
                        None => {
                            let name = r.xml10_content();
                            s.push_str(quick_xml::escape::resolve_predefined_entity(&name).expect("known entity"))
                        }
                    },
                    _ => {}
                }
                if in_text {
                    if let Some(p) = &mut current {
                        p.text.push_str(&s);
                    }
                } else if in_instr {
                    instr_text.push_str(&s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (out, instr)
}

fn unzip(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip archive");
    let mut out = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).expect("entry");
        let mut data = Vec::new();
        file.read_to_end(&mut data).expect("read");
        out.insert(file.name().expect("an entry name").into_owned(), data);
    }
    out
}

fn part<'a>(parts: &'a BTreeMap<String, Vec<u8>>, name: &str) -> &'a str {
    std::str::from_utf8(parts.get(name).unwrap_or_else(|| panic!("no {name} in {:?}", parts.keys()))).expect("UTF-8")
}

#[test]
fn docx_reads_back_every_script_with_styles_links_toc_and_rtl() {
    let (_dir, lib, ids) = library();
    let b = full_briefing(&lib, "Weekly brief: Russia");
    let chart = b.trends.as_ref().map(|t| trends::png(t, 1.0).expect("chart"));
    let bytes = export::docx::docx(&b, chart).expect("docx");
    let parts = unzip(&bytes);
    let document = part(&parts, "word/document.xml");
    let (paras, fields) = paragraphs(document);
    let all_text: String = paras.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join("\n");
    let flat = squash(&all_text);

    // Every headline (English, Russian, Arabic, Hebrew, Chinese, Japanese, the markup injection),
    // as a heading 2 in the body and as an entry of the table of contents.
    for (id, title) in ids.iter().take(6) {
        assert!(flat.contains(&squash(title)), "headline of clip {id} missing: {title}");
        let headings = paras.iter().filter(|p| p.style == "Heading2" && squash(&p.text) == squash(title)).count();
        assert_eq!(headings, 1, "clip {id} is not one heading 2: {title}");
        assert!(
            paras.iter().any(|p| (p.style == "TOC1" || p.style == "TOC2") && squash(&p.text) == squash(title)),
            "no TOC entry: {title}"
        );
    }
    assert!(flat.contains(&squash(INJECTION)), "the markup-injection headline is not literal");
    // Nothing from the text became markup; what XML cannot hold was dropped.
    assert!(paras.iter().any(|p| p.style == "Heading2" && p.text == HOSTILE_XML_CLEAN), "{all_text}");
    assert!(all_text.contains("note </w:p><w:p> &"), "{all_text}");
    assert!(!document.contains("pwned]]> &amp; end</w:t></w:r><w:r>"), "text escaped once, never raw");
    for c in ['\u{0}', '\u{1}', '\u{7}', '\u{b}', '\u{1b}', '\u{FFFE}'] {
        assert!(!all_text.contains(c), "{c:?} reached the document");
    }

    // The PDF's order: title, contents, trends, then the sections (each a heading 1).
    let styles_in_order: Vec<&str> = paras.iter().map(|p| p.style.as_str()).filter(|s| !s.is_empty()).collect();
    let pos = |s: &str| styles_in_order.iter().position(|x| *x == s).unwrap_or_else(|| panic!("no {s} paragraph"));
    assert!(pos("Classification") < pos("Title") && pos("Title") < pos("TOCHeading"));
    assert!(pos("TOCHeading") < pos("Heading1") && pos("Heading1") < pos("Heading2"));
    let h1: Vec<&str> = paras.iter().filter(|p| p.style == "Heading1").map(|p| p.text.as_str()).collect();
    assert_eq!(h1.first(), Some(&"Trends"), "{h1:?}");
    for section in ["Diplomacy/US–Russia", "Conflicts/Syria", "Economy", "Local"] {
        assert!(h1.contains(&section), "no heading 1 {section}: {h1:?}");
    }
    assert!(
        paras.iter().any(|p| p.style == "Quote" && p.text.contains("quoted text")),
        "highlights in the Quote style"
    );
    assert!(paras.iter().any(|p| p.style == "AnalystNote"), "the analyst's note");
    assert!(all_text.contains("Also in: "), "the republished copy is named");

    // A table of contents field over headings 1 and 2, marked for Word to update.
    assert!(fields.iter().any(|f| f.contains("TOC") && f.contains("\\o \"1-2\"") && f.contains("\\h")), "{fields:?}");
    assert!(document.contains("w:dirty=\"true\""), "the TOC field is not dirty");

    // Real styles under Word's built-in names.
    let styles = part(&parts, "word/styles.xml");
    paragraphs(styles);
    for (id, name) in [
        ("Title", "Title"),
        ("Heading1", "heading 1"),
        ("Heading2", "heading 2"),
        ("Quote", "Quote"),
        ("Hyperlink", "Hyperlink"),
        ("TOCHeading", "TOC Heading"),
        ("TOC1", "toc 1"),
        ("TOC2", "toc 2"),
    ] {
        let style = styles
            .split("<w:style ")
            .find(|s| s.contains(&format!("w:styleId=\"{id}\"")))
            .unwrap_or_else(|| panic!("no style {id}"));
        assert!(style.contains(&format!("<w:name w:val=\"{name}\"")), "style {id} not named {name}");
    }
    // Section headings ruled below only (docx-rs's border default is a box).
    let h1_style = styles.split("<w:style ").find(|s| s.contains("w:styleId=\"Heading1\"")).expect("Heading1");
    assert!(h1_style.contains("<w:bottom w:val=\"single\""), "{h1_style}");
    for side in ["<w:top w:val=\"single\"", "<w:left w:val=\"single\"", "<w:right w:val=\"single\""] {
        assert!(!h1_style.contains(side), "a box around section headings: {h1_style}");
    }

    // Right-to-left items: their paragraphs are bidi and their runs rtl; no other paragraph is.
    let is_rtl_script = |s: &str| s.chars().any(|c| ('\u{0590}'..='\u{08FF}').contains(&c));
    for (_, title) in ids.iter().filter(|(_, t)| is_rtl_script(t)) {
        let p = paras.iter().find(|p| p.style == "Heading2" && squash(&p.text) == squash(title)).expect("rtl heading");
        assert!(p.bidi && p.rtl_runs == p.runs && p.runs > 0, "{title}: {p:?}");
    }
    assert_eq!(ids.iter().filter(|(_, t)| is_rtl_script(t)).count(), 2, "an Arabic and a Hebrew clip");
    for p in paras.iter().filter(|p| p.bidi) {
        assert!(is_rtl_script(&p.text), "an LTR paragraph marked bidi: {p:?}");
    }
    assert!(!document.contains("ClipdeskRtlRun"), "the RTL marker style is left in the document");

    // Every source a hyperlink through an external relationship.
    let rels = part(&parts, "word/_rels/document.xml.rels");
    for (id, _) in &ids {
        let url = build::safe_link(&lib.get(*id).expect("clip").canonical_url).expect("link");
        let escaped = url.replace('&', "&amp;");
        let rel = rels
            .split("<Relationship ")
            .find(|r| r.contains(&format!("Target=\"{escaped}\"")))
            .unwrap_or_else(|| panic!("no relationship for {url}:\n{rels}"));
        assert!(rel.contains("TargetMode=\"External\"") && rel.contains("relationships/hyperlink"), "{rel}");
        let rid = rel.split("Id=\"").nth(1).and_then(|s| s.split('"').next()).expect("rId");
        assert!(document.contains(&format!("<w:hyperlink r:id=\"{rid}\"")), "no hyperlink uses {rid}");
    }

    // The classification in the header and the footer, the footer numbering its pages.
    let header: String = parts
        .iter()
        .filter(|(n, _)| n.starts_with("word/header"))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    let footer: String = parts
        .iter()
        .filter(|(n, _)| n.starts_with("word/footer"))
        .map(|(_, d)| String::from_utf8_lossy(d).into_owned())
        .collect();
    assert!(
        header.contains("Internal — for the recipient&apos;s information only")
            || header.contains("Internal — for the recipient's information only"),
        "{header}"
    );
    assert!(footer.contains("recipient") && footer.contains("PAGE") && footer.contains("NUMPAGES"), "{footer}");
    // The trend chart as a picture.
    assert!(parts.keys().any(|k| k.starts_with("word/media/") && k.ends_with(".png")), "{:?}", parts.keys());
}

#[test]
fn libreoffice_converts_the_docx_to_pdf_with_every_headline() {
    let (dir, lib, ids) = library();
    let b = full_briefing(&lib, "Weekly brief: Russia");
    let chart = b.trends.as_ref().map(|t| trends::png(t, 2.0).expect("chart"));
    let docx = dir.path().join("brief.docx");
    std::fs::write(&docx, export::docx::docx(&b, chart).expect("docx")).expect("write");
    let profile = dir.path().join("lo-profile");
    let out = Command::new("soffice")
        .arg(format!("-env:UserInstallation=file://{}", profile.display()))
        .args(["--headless", "--norestore", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&docx)
        .env("HOME", dir.path())
        .output()
        .expect("soffice (Debian: libreoffice-writer-nogui, installed by `make`)");
    let pdf = dir.path().join("brief.pdf");
    assert!(
        out.status.success() && pdf.is_file(),
        "soffice failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let p = pdf.to_str().expect("path");
    let text = tool("pdftotext", &["-enc", "UTF-8", p, "-"]);
    let flat = squash(&text);
    use unicode_normalization::UnicodeNormalization;
    let folded: String = flat.nfkc().collect();
    for (_, title) in ids.iter().take(6) {
        let want: String = squash(title).nfkc().collect();
        let reversed: String = want.chars().rev().collect();
        assert!(
            folded.contains(&want) || folded.contains(&reversed),
            "headline missing from LibreOffice's PDF: {title}"
        );
    }
    assert!(text.contains("Internal — for the recipient's information only"), "classification");
    // Regression: docx-rs's own table of contents (two nested content controls) made LibreOffice
    // print the field's instructions as text.
    for instruction in ["TOC \\o", "PAGEREF", "HYPERLINK"] {
        assert!(!text.contains(instruction), "a field instruction printed as text: {instruction}");
    }
    let pages: usize = tool("pdfinfo", &[p])
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("pages");
    assert!(pages >= 4, "{pages} pages");
    // The first page as an image, to look at (kept when CLIPDESK_DOCX_PREVIEW names a directory).
    let png_prefix = dir.path().join("page");
    tool("pdftoppm", &["-png", "-r", "60", "-f", "1", "-l", "3", p, png_prefix.to_str().expect("path")]);
    if let Some(keep) = std::env::var_os("CLIPDESK_DOCX_PREVIEW") {
        for entry in std::fs::read_dir(dir.path()).expect("dir").flatten() {
            let name = entry.file_name();
            if name.to_string_lossy().starts_with("page") || name == "brief.pdf" || name == "brief.docx" {
                std::fs::copy(entry.path(), Path::new(&keep).join(&name)).expect("copy");
            }
        }
    }
}

// ---- E-mail ------------------------------------------------------------------------------------

#[test]
fn eml_parses_with_text_html_and_the_pdf() {
    let (_dir, lib, ids) = library();
    let b = full_briefing(&lib, "Сводка: Россия — неделя 27");
    let pdf = export::pdf::render(&b).expect("pdf");
    let envelope = Envelope {
        from: Some("Monitoring desk <desk@example.com>".into()),
        to: vec!["analyst@example.org".into(), "Анна <anna@example.org>".into()],
        subject: None,
        ..Default::default()
    };
    let raw = export::email::eml(&b, &pdf, &envelope).expect("eml");

    // CRLF everywhere, no line over RFC 5322's 998 characters.
    for (i, w) in raw.windows(2).enumerate() {
        assert!(!(w[1] == b'\n' && w[0] != b'\r'), "bare LF at byte {i}");
    }
    assert!(raw.split(|&c| c == b'\n').all(|l| l.len() <= 998), "a line longer than 998");
    let head = String::from_utf8_lossy(&raw[..raw.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end")])
        .into_owned();
    assert!(head.is_ascii(), "headers not ASCII (RFC 2047): {head}");
    assert!(head.contains("Subject: =?utf-8?"), "{head}");
    assert!(head.contains("X-Unsent: 1"), "{head}");

    let message = mail_parser::MessageParser::default().parse(&raw).expect("a message");
    assert_eq!(message.subject(), Some("Сводка: Россия — неделя 27"));
    assert!(message.date().is_some(), "Date");
    assert!(message.message_id().is_some_and(|id| id.ends_with("@clipdesk.invalid")), "{:?}", message.message_id());
    assert_eq!(message.from().and_then(|a| a.first()).and_then(|a| a.address()), Some("desk@example.com"));
    let to: Vec<&str> = message.to().map(|a| a.iter().filter_map(|a| a.address()).collect()).unwrap_or_default();
    assert_eq!(to, ["analyst@example.org", "anna@example.org"]);
    assert_eq!(message.header_raw("X-Unsent").map(str::trim), Some("1"));
    assert_eq!(message.content_type().map(|c| c.c_type.as_ref()), Some("multipart"));
    assert_eq!(message.content_type().and_then(|c| c.subtype()), Some("mixed"));

    let text = message.body_text(0).expect("text part");
    let html = message.body_html(0).expect("html part");
    for (_, title) in ids.iter().take(6) {
        assert!(squash(&text).contains(&squash(title)), "text part lacks {title}");
        assert!(squash(&html).contains(&squash(&clipdesk::text::escape_html(title))), "HTML part lacks {title}");
    }
    assert!(html.contains("#panic(&quot;x&quot;) *bold* $x$ &lt;lbl&gt; @ref"), "escaped injection");
    assert!(html.contains("&lt;/w:t&gt;"), "hostile headline escaped");
    let lower = html.to_lowercase();
    for bad in ["<script", "<style", " class=", "<link", "<img", "javascript:", "onerror", "onload"] {
        assert!(!lower.contains(bad), "the HTML body contains {bad}");
    }
    assert!(html.contains("dir=\"rtl\"") && html.contains("dir=\"auto\""), "direction marked");
    for href in html.split("href=\"").skip(1) {
        assert!(
            href.starts_with("http://") || href.starts_with("https://"),
            "link {}",
            href.chars().take(40).collect::<String>()
        );
    }
    assert!(text.contains("Internal — for the recipient's information only"));

    let attachments: Vec<_> = message.attachments().collect();
    assert_eq!(attachments.len(), 1);
    let a = attachments[0];
    assert_eq!(a.content_type().map(|c| (c.c_type.as_ref(), c.subtype())), Some(("application", Some("pdf"))));
    assert_eq!(a.attachment_name(), Some("Сводка Россия — неделя 27.pdf"));
    assert_eq!(a.contents(), pdf.as_slice(), "the attached PDF is the PDF");
}

#[test]
fn eml_headers_cannot_be_injected_through_the_title() {
    // Regression (issue #15 review): a title is user text and becomes the Subject header.
    let (_dir, lib, _) = library();
    let mut b = full_briefing(&lib, "Weekly\r\nBcc: everyone@example.com\r\n\r\n<b>body</b>");
    b.trends = None;
    let raw = export::email::eml(&b, b"%PDF-1.7 stub", &Envelope::default()).expect("eml");
    let message = mail_parser::MessageParser::default().parse(&raw).expect("message");
    assert!(message.bcc().is_none(), "a Bcc header was injected");
    assert_eq!(message.subject(), Some("Weekly Bcc: everyone@example.com <b>body</b>"));
    let err = export::email::eml(&b, b"", &Envelope { to: vec!["x\r\nBcc: y@z".into()], ..Default::default() })
        .expect_err("bad address");
    assert_eq!(err.code(), "input.email");
}

// ---- Citations ---------------------------------------------------------------------------------

/// A saved page whose title and byline carry LaTeX specials, braces and an accent.
fn hostile_citation_page() -> Vec<u8> {
    let para = "The council voted on the budget after a long debate about roads, schools and the harbour. \
                Residents spoke for and against the plan, and the mayor promised a second reading next month. ";
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>50% of {{braces}} & $money_#1 \\ ~^ survive</title>\
         <meta name=\"author\" content=\"Anna Müller\">\
         <meta property=\"og:site_name\" content=\"The Example Times\">\
         <meta property=\"article:published_time\" content=\"2016-07-04T10:00:00Z\"></head>\
         <body><article><h1>50% of {{braces}} & $money_#1 \\ ~^ survive</h1><p>{p}</p><p>{p}</p><p>{p}</p></article></body></html>",
        p = para.repeat(3)
    )
    .into_bytes()
}

/// RIS records as tag → values, checking the line format.
fn parse_ris(text: &str) -> Vec<HashMap<String, Vec<String>>> {
    assert!(!text.replace("\r\n", "").contains('\n'), "RIS lines end with CRLF");
    let mut records = Vec::new();
    let mut current: Option<HashMap<String, Vec<String>>> = None;
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let (tag, value) = line.split_once("  - ").unwrap_or_else(|| panic!("not a RIS line: {line:?}"));
        assert!(tag.len() == 2 && tag.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()), "{line:?}");
        match tag {
            "TY" => {
                assert!(current.is_none(), "TY inside a record");
                current = Some(HashMap::from([("TY".to_owned(), vec![value.to_owned()])]));
            }
            "ER" => records.push(current.take().expect("ER without TY")),
            _ => current
                .as_mut()
                .expect("a tag outside a record")
                .entry(tag.to_owned())
                .or_default()
                .push(value.to_owned()),
        }
    }
    assert!(current.is_none(), "a record without ER");
    records
}

#[test]
fn citations_validate_against_csl_and_parse_back_from_ris_and_bibtex() {
    let (_dir, mut lib, mut ids) = library();
    let hostile =
        add_page(&mut lib, "https://example.com/news/2016/07/04/budget?a=1&b={x}", hostile_citation_page(), "Local");
    ids.push((hostile, lib.get(hostile).expect("clip").title));
    let all: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let refs = cite::references(lib.conn(), &all).expect("references");
    assert_eq!(refs.len(), all.len());

    // CSL-JSON against the CSL data schema (tests/fixtures/csl-data.json).
    let schema: serde_json::Value = serde_json::from_slice(&crate::support::fixture("csl-data.json")).expect("schema");
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let csl = cite::csl_json(&refs);
    let errors: Vec<String> = validator.iter_errors(&csl).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "CSL-JSON does not validate: {errors:#?}");
    // The schema does refuse what the data model lacks.
    let mut wrong = csl.clone();
    wrong[0]["outlet"] = serde_json::json!("x");
    assert!(!validator.is_valid(&wrong), "the schema accepts unknown fields");

    let seed = &csl[0];
    assert_eq!(seed["type"], "article-newspaper");
    assert_eq!(seed["container-title"], "The Times of Israel");
    assert_eq!(seed["issued"]["date-parts"], serde_json::json!([[2016, 7, 6]]));
    assert!(seed["accessed"]["date-parts"][0][0].as_i64().is_some_and(|y| y >= 2024), "accessed: {seed}");
    assert_eq!(seed["URL"], build::safe_link(&lib.get(ids[0].0).expect("clip").canonical_url).expect("url"));
    assert_eq!(seed["language"], "en");
    let h = csl.as_array().expect("array").last().expect("hostile");
    assert_eq!(h["author"], serde_json::json!([{"family": "Müller", "given": "Anna"}]));
    for r in &refs {
        for a in &r.authors {
            if let Name::Organisation { literal } = a {
                assert!(!literal.is_empty());
            }
        }
        assert!(matches!(r.kind, Kind::NewspaperArticle | Kind::Webpage));
    }

    // RIS parses back to the same fields.
    let records = parse_ris(&cite::ris(&refs));
    assert_eq!(records.len(), refs.len());
    for (rec, r) in records.iter().zip(&refs) {
        assert_eq!(rec["TY"], [if r.kind == Kind::NewspaperArticle { "NEWS" } else { "ELEC" }]);
        assert_eq!(rec["TI"], std::slice::from_ref(&r.title));
        assert_eq!(rec["UR"], std::slice::from_ref(&r.url));
        assert_eq!(rec.get("AU").map_or(0, Vec::len), r.authors.len());
        if let Some(d) = r.issued {
            assert_eq!(rec["DA"], [d.format("%Y/%m/%d/").to_string()]);
        }
        assert_eq!(rec.get("T2").map(|v| v[0].clone()), r.outlet);
    }

    // BibTeX parses back (biblatex) with unique keys, the title and URL intact.
    let bib = cite::bibtex(&refs);
    let parsed = biblatex::Bibliography::parse(&bib).unwrap_or_else(|e| panic!("BibTeX does not parse: {e}\n{bib}"));
    assert_eq!(parsed.len(), refs.len(), "one entry per clip, keys unique");
    use biblatex::ChunksExt;
    for r in &refs {
        let entry = parsed.get(&r.key).unwrap_or_else(|| panic!("no entry {}", r.key));
        let title = entry.title().expect("title").format_verbatim();
        assert_eq!(squash(&title), squash(&r.title), "title of {}", r.key);
        let url = entry.url().expect("url");
        let unbrace = |u: &str| u.replace("%7B", "{").replace("%7D", "}");
        assert_eq!(unbrace(&url), unbrace(&r.url), "url of {}", r.key);
        let expected_type = if r.kind == Kind::NewspaperArticle { "article" } else { "online" };
        assert_eq!(entry.entry_type.to_string(), expected_type);
    }
    let hostile_entry = parsed.get(&refs.last().expect("hostile").key).expect("hostile entry");
    assert_eq!(hostile_entry.title().expect("title").format_verbatim(), "50% of {braces} & $money_#1 \\ ~^ survive");
    assert!(bib.contains("{50\\% of \\{braces\\} \\& \\$money\\_\\#1 \\textbackslash{} \\textasciitilde{}\\textasciicircum{} survive}"), "{bib}");

    // APA and Chicago, rendered by the CSL styles.
    let apa = cite::formatted(&refs, CiteStyle::Apa).expect("apa");
    let chicago = cite::formatted(&refs, CiteStyle::Chicago).expect("chicago");
    let hostile_apa = apa.last().expect("apa");
    assert!(hostile_apa.text.starts_with("Müller, A. (2016, July 4)."), "{}", hostile_apa.text);
    assert!(
        hostile_apa.text.contains("The Example Times") && hostile_apa.text.contains("https://example.com/news/"),
        "{}",
        hostile_apa.text
    );
    assert!(
        hostile_apa.html.contains("<span style=\"font-style: italic;\">The Example Times</span>"),
        "{}",
        hostile_apa.html
    );
    assert_eq!(hostile_apa.citation, "(Müller, 2016)");
    let hostile_chicago = chicago.last().expect("chicago");
    assert!(hostile_chicago.text.starts_with("Müller, Anna. “"), "{}", hostile_chicago.text);
    assert!(hostile_chicago.text.contains("July 4, 2016"), "{}", hostile_chicago.text);
    for (f, r) in apa.iter().chain(&chicago).zip(refs.iter().chain(&refs)) {
        assert!(!f.text.trim().is_empty(), "clip {} has no reference", r.clip_id);
        if let Some(o) = &r.outlet {
            assert!(f.text.contains(o.as_str()), "{} lacks its outlet {o}", f.text);
        }
    }
}

#[test]
fn cite_through_the_cli() {
    let (dir, lib, ids) = library();
    let db = lib.path().to_owned();
    drop(lib);
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = run_cli(&db, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        stdout
    };
    let first = ids[0].0.to_string();
    let csl: serde_json::Value = serde_json::from_str(&run(&["cite", &first])).expect("CSL-JSON by default");
    assert_eq!(csl.as_array().map(Vec::len), Some(1));
    let apa = run(&["cite", &first, "--format", "apa"]);
    assert!(apa.contains("The Times of Israel") && apa.contains("2016"), "{apa}");
    let out = dir.path().join("all.bib");
    run(&["cite", "--query", "lang:ru OR lang:ar", "--format", "bibtex", "--out", out.to_str().expect("path")]);
    let bib = std::fs::read_to_string(&out).expect("bib");
    assert_eq!(biblatex::Bibliography::parse(&bib).expect("parses").len(), 2);
    let json: serde_json::Value =
        serde_json::from_str(&run(&["--json", "cite", &first, "--format", "chicago"])).expect("json");
    assert!(json["citations"][0]["html"].as_str().is_some_and(|h| h.contains("font-style: italic")), "{json}");
    let (code, _, stderr) = run_cli(&db, &["cite", "999999"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[not_found]"), "{stderr}");
    let (code, _, stderr) = run_cli(&db, &["cite"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[input.no_clips]"), "{stderr}");
}

// ---- Trends ------------------------------------------------------------------------------------

/// Counts per bucket computed in SQL, for the clips `filter` (SQL over `clip c`) selects.
fn sql_counts(conn: &rusqlite::Connection, filter: &str, column: &str, by: Bucket) -> BTreeMap<String, i64> {
    let bucket = match by {
        Bucket::Day => format!("date(c.{column})"),
        Bucket::Week => format!("date(c.{column}, 'weekday 0', '-6 days')"),
    };
    let sql = format!("SELECT {bucket}, count(*) FROM clip c WHERE c.{column} IS NOT NULL AND ({filter}) GROUP BY 1");
    let mut stmt = conn.prepare(&sql).expect(&sql);
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("query").map(|r| r.expect("row")).collect()
}

fn points(s: &trends::Series) -> BTreeMap<String, i64> {
    s.points.iter().filter(|p| p.count > 0).map(|p| (p.date.clone(), p.count)).collect()
}

#[test]
fn trend_counts_equal_counts_computed_in_sql() {
    let (_dir, lib, _) = library();
    let conn = lib.conn();
    // Topic Diplomacy with its subtopics, by the tag tree; Russian or English by the column.
    let diplomacy = "c.id IN (SELECT ct.clip_id FROM clip_tag ct WHERE ct.tag_id IN (
        WITH RECURSIVE sub(id) AS (SELECT id FROM tag WHERE kind = 'topic' AND name = 'Diplomacy' AND parent_id IS NULL
                                   UNION SELECT t.id FROM tag t JOIN sub ON t.parent_id = sub.id) SELECT id FROM sub))";
    let series = [
        ("topic:Diplomacy", diplomacy),
        ("lang:ru OR lang:en", "c.lang IN ('ru', 'en')"),
        ("lang:ar", "c.lang = 'ar'"),
    ];
    for by in [Bucket::Day, Bucket::Week] {
        let spec = TrendSpec { series: series.iter().map(|(q, _)| q.to_string()).collect(), by, ..Default::default() };
        let t = trends::compute(conn, &spec).expect("trends");
        assert_eq!(t.series.len(), series.len());
        let n = t.series[0].points.len();
        for (s, (q, filter)) in t.series.iter().zip(series) {
            assert_eq!(s.points.len(), n, "every series on the same axis");
            let expected = sql_counts(conn, filter, "published_at", by);
            assert_eq!(points(s), expected, "{q} by {by:?}");
            assert_eq!(s.total, expected.values().sum::<i64>(), "{q}");
        }
        // The axis is contiguous, in order, zeros included.
        let step = if by == Bucket::Day { 1 } else { 7 };
        for w in t.series[0].points.windows(2) {
            let a = chrono::NaiveDate::parse_from_str(&w[0].date, "%Y-%m-%d").expect("date");
            let b = chrono::NaiveDate::parse_from_str(&w[1].date, "%Y-%m-%d").expect("date");
            assert_eq!((b - a).num_days(), step);
        }
        // Shares: the distinct clips of all series, by outlet and by language.
        let union = format!("({diplomacy}) OR c.lang IN ('ru', 'en', 'ar')");
        let total: i64 = conn
            .query_row(
                &format!("SELECT count(*) FROM clip c WHERE c.published_at IS NOT NULL AND ({union})"),
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(t.clips, total);
        let mut stmt = conn
            .prepare(&format!("SELECT ifnull(c.lang, 'unknown'), count(*) FROM clip c WHERE c.published_at IS NOT NULL AND ({union}) GROUP BY 1"))
            .expect("sql");
        let langs: BTreeMap<String, i64> =
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).expect("q").map(|r| r.expect("row")).collect();
        let got: BTreeMap<String, i64> = t.languages.iter().map(|s| (s.name.clone(), s.count)).collect();
        assert_eq!(got, langs);
        let shares: f64 = t.outlets.iter().map(|s| s.share).sum();
        assert!((shares - 1.0).abs() < 1e-9, "outlet shares sum to {shares}");
    }

    // A period: only its days, zeros where nothing was published.
    let from = chrono::NaiveDate::from_ymd_opt(2016, 7, 1);
    let to = chrono::NaiveDate::from_ymd_opt(2016, 7, 10);
    let t = trends::compute(
        conn,
        &TrendSpec { series: vec!["lang:ru OR lang:en".into()], by: Bucket::Day, from, to, ..Default::default() },
    )
    .expect("trends");
    assert_eq!(t.series[0].points.len(), 10);
    assert_eq!((t.from.as_deref(), t.to.as_deref()), (Some("2016-07-01"), Some("2016-07-10")));
    assert_eq!(points(&t.series[0]), sql_counts(conn, "c.lang IN ('ru', 'en')", "published_at", Bucket::Day));
    // By the day clipped: every clip of the library was clipped today.
    let t = trends::compute(
        conn,
        &TrendSpec { series: vec!["lang:ar OR lang:he".into()], on: PeriodOn::Clipped, ..Default::default() },
    )
    .expect("trends");
    assert_eq!(points(&t.series[0]), sql_counts(conn, "c.lang IN ('ar', 'he')", "clipped_at", Bucket::Week));

    // Limits.
    for (spec, what) in [
        (TrendSpec::default(), "no series"),
        (TrendSpec { series: vec!["x".into(); 13], ..Default::default() }, "13 series"),
        (TrendSpec { series: vec!["  ".into()], ..Default::default() }, "an empty query"),
        (
            TrendSpec {
                series: vec!["x".into()],
                by: Bucket::Day,
                from: chrono::NaiveDate::from_ymd_opt(2000, 1, 1),
                to,
                ..Default::default()
            },
            "6,000 days",
        ),
    ] {
        let err = trends::compute(conn, &spec).expect_err(what);
        assert_eq!(err.code(), "input.trend", "{what}");
    }
}

#[test]
fn trend_charts_from_the_cli_and_in_the_briefing_pdf() {
    let (dir, lib, _) = library();
    let db = lib.path().to_owned();
    let expected = sql_counts(lib.conn(), "c.lang = 'ru' OR c.lang = 'en'", "published_at", Bucket::Day);
    drop(lib);
    let svg = dir.path().join("trend.svg");
    let png = dir.path().join("trend.png");
    let (code, stdout, stderr) = run_cli(
        &db,
        &[
            "--json",
            "trend",
            "lang:ru OR lang:en",
            "-lang:ja",
            "--topic",
            "Conflicts",
            "--by",
            "day",
            "--svg",
            svg.to_str().expect("p"),
            "--png",
            png.to_str().expect("p"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(json["by"], "day");
    assert_eq!(json["series"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["series"][1]["query"], "-lang:ja", "a query may start with -");
    assert_eq!(json["series"][2]["query"], "topic:Conflicts");
    let got: BTreeMap<String, i64> = json["series"][0]["points"]
        .as_array()
        .expect("points")
        .iter()
        .filter(|p| p["count"].as_i64() > Some(0))
        .map(|p| (p["date"].as_str().expect("date").to_owned(), p["count"].as_i64().expect("count")))
        .collect();
    assert_eq!(got, expected);
    for key in ["name", "label", "count", "share"] {
        assert!(json["outlets"][0].get(key).is_some() && json["languages"][0].get(key).is_some(), "{key}");
    }
    let svg_text = std::fs::read_to_string(&svg).expect("svg");
    assert!(svg_text.starts_with("<svg") && svg_text.trim_end().ends_with("</svg>"), "an SVG document");
    let png_bytes = std::fs::read(&png).expect("png");
    assert!(png_bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    let width = u32::from_be_bytes(png_bytes[16..20].try_into().expect("width"));
    assert!(width > 800, "16 cm at 144 dpi is about 900 px wide, got {width}");

    // A saved briefing with a trend section: kept, drawn in the PDF with each series' total.
    let run = |args: &[&str]| {
        let (code, stdout, stderr) = run_cli(&db, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        stdout
    };
    let created: serde_json::Value = serde_json::from_str(&run(&[
        "--json",
        "digest",
        "new",
        "--title",
        "Weekly",
        "--query",
        "clipped:1d",
        "--trend",
        "lang:ru OR lang:en",
        "--trend",
        "topic:Conflicts",
        "--trend-by",
        "day",
    ]))
    .expect("json");
    let id = created["id"].as_i64().expect("id").to_string();
    let shown: serde_json::Value = serde_json::from_str(&run(&["--json", "digest", "show", &id])).expect("json");
    assert_eq!(shown["trends"]["series"][1]["query"], "topic:Conflicts");
    let pdf = dir.path().join("weekly.pdf");
    let docx = dir.path().join("weekly.docx");
    let eml = dir.path().join("weekly.eml");
    run(&[
        "digest",
        "export",
        &id,
        "--pdf",
        pdf.to_str().expect("p"),
        "--docx",
        docx.to_str().expect("p"),
        "--eml",
        eml.to_str().expect("p"),
        "--email-to",
        "analyst@example.org",
    ]);
    let text = tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().expect("p"), "-"]);
    assert!(text.contains("Trends") && text.contains("Clips per day by publication date"), "{text}");
    let total = shown["trends"]["series"][0]["total"].as_i64().expect("total");
    assert!(text.contains(&format!("{total} clips")), "the legend prints the total {total}:\n{text}");
    assert!(std::fs::metadata(&docx).expect("docx").len() > 10_000);
    let message = std::fs::read(&eml).expect("eml");
    let parsed = mail_parser::MessageParser::default().parse(&message).expect("eml parses");
    assert_eq!(parsed.attachment_count(), 1);
    run(&["digest", "edit", &id, "--no-trend"]);
    let shown: serde_json::Value = serde_json::from_str(&run(&["--json", "digest", "show", &id])).expect("json");
    assert!(shown["trends"].is_null(), "--no-trend removes the section");
}

// ---- Packages ----------------------------------------------------------------------------------

#[test]
fn man_page_and_completions_come_from_the_cli_definition() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("never-opened.sqlite");
    let out = dir.path().join("gen");
    let (code, stdout, stderr) = run_cli(&db, &["--json", "generate", "--out", out.to_str().expect("path")]);
    assert_eq!(code, 0, "{stderr}");
    let written: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(written["written"].as_array().map(Vec::len), Some(4), "{written}");
    assert!(!db.exists(), "generating opened a library");
    let man = std::fs::read_to_string(out.join("clipdesk.1")).expect("man page");
    assert!(man.contains(".TH clipdesk 1"), "{man:.200}");
    // The man page renders (groff through man), naming the commands.
    let rendered = tool("man", &["-l", "-P", "cat", out.join("clipdesk.1").to_str().expect("path")]);
    for command in ["digest", "cite", "trend", "search"] {
        assert!(rendered.contains(command), "the man page lacks {command}");
    }
    assert!(!rendered.contains("generate"), "the hidden command is documented");
    let bash = out.join("clipdesk.bash");
    tool("bash", &["-n", bash.to_str().expect("path")]);
    let bash = std::fs::read_to_string(bash).expect("bash completion");
    for word in ["--docx", "--eml", "csl-json", "--svg"] {
        assert!(bash.contains(word), "bash completion lacks {word}");
    }
    assert!(std::fs::read_to_string(out.join("_clipdesk")).expect("zsh").starts_with("#compdef clipdesk"));
    assert!(std::fs::read_to_string(out.join("clipdesk.fish")).expect("fish").contains("complete -c clipdesk"));
}

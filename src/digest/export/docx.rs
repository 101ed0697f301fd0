//! Word export (`.docx`, with `docx-rs`): the PDF's content in the PDF's order, laid out with
//! real Word styles so that the recipient's template restyles it.
//!
//! - Styles by their built-in names: `Title`, `Subtitle`, `heading 1` (sections), `heading 2`
//!   (items), `Quote` (highlights), `Hyperlink` (sources), `TOC Heading`; Clipdesk's own for the
//!   rest (`Classification`, `Item Meta`, `Analyst Note`, `Source`, `Executive Summary`).
//! - A table of contents field over headings 1–2, its entries written out (each a link to a
//!   bookmark on its heading) and the field marked dirty so that Word fills in page numbers.
//! - The classification in every page's header and footer, the page number as `PAGE / NUMPAGES`
//!   fields; the title page has no header, as in the PDF.
//! - Right-to-left items (Arabic, Hebrew…): their paragraphs carry `w:bidi` and their runs `w:rtl`.
//! - Every source is a hyperlink through a real relationship (`TargetMode="External"`).
//!
//! Text reaches the XML only through `docx-rs`, which escapes it; characters XML 1.0 cannot carry
//! at all (control characters, U+FFFE…) are dropped first, since no escaping makes them valid.
//! `docx-rs` has no run property for `w:rtl`: right-to-left runs carry a marker run style that
//! [`docx`] turns into `<w:rtl />` in the finished part. The marker is an attribute value of our
//! own; text cannot produce it, since `<` in text is always escaped.

use std::io::Cursor;

use docx_rs::{
    AlignmentType, BorderType, BreakType, Docx, FieldCharType, Footer, Header, Hyperlink, HyperlinkType, InstrPAGEREF,
    InstrText, InstrToC, LineSpacing, NumPages, PageMargin, PageNum, Paragraph, ParagraphBorder,
    ParagraphBorderPosition, ParagraphBorders, Pic, Run, Shading, Style, StyleType, Tab, TabLeaderType, TabValueType,
    Table, TableCell, TableRow, WidthType,
};

use super::{group_title, is_grouped};
use crate::digest::build::{Briefing, Item};
use crate::error::{Error, Result};

const ACCENT: &str = "1A3C8A";
const MUTED: &str = "5B6270";
/// The marker run style of right-to-left runs, replaced by `<w:rtl />` (see the module docs).
const RTL_MARKER: &str = "ClipdeskRtlRun";

/// A4 in twentieths of a point, and the PDF's margins.
const PAGE_W: u32 = 11906;
const PAGE_H: u32 = 16838;
const MARGIN_X: i32 = 1247;
/// The text width, for the header's and footer's right tab and the chart's width.
const TEXT_W: usize = (PAGE_W as usize) - 2 * (MARGIN_X as usize);

/// The briefing as a Word document, its trend chart (if any) drawn at twice the PDF's resolution.
pub fn render(b: &Briefing) -> Result<Vec<u8>> {
    let chart = match &b.trends {
        Some(t) => Some(crate::trends::png(t, 2.0)?),
        None => None,
    };
    docx(b, chart)
}

/// The briefing as a Word document. `chart_png` is the trend chart (PNG bytes and its size in
/// pixels), drawn by the same Typst template as the PDF's; `None` leaves the trend section as
/// its table of counts.
pub fn docx(b: &Briefing, chart_png: Option<(Vec<u8>, u32, u32)>) -> Result<Vec<u8>> {
    let mut doc = Docx::new()
        .page_size(PAGE_W, PAGE_H)
        .page_margin(PageMargin {
            top: 1361,
            left: MARGIN_X,
            bottom: 1247,
            right: MARGIN_X,
            header: 680,
            footer: 567,
            gutter: 0,
        })
        // No fonts named: the recipient's defaults (or template) choose them.
        .default_size(21);
    for style in styles() {
        doc = doc.add_style(style);
    }
    let classification = b.classification.as_deref().map(clean).filter(|c| !c.is_empty());
    doc = doc
        .title_pg()
        .first_header(Header::new())
        .header(header(&clean(&b.title), classification.as_deref()))
        .first_footer(footer(classification.as_deref()))
        .footer(footer(classification.as_deref()));

    let mut body = Body::default();
    title_block(&mut body, b, classification.as_deref());

    // Contents: the entries are written out (Word updates them and their page numbers, the
    // field being dirty; other programs show them as they are).
    body.paras.push(Block::Para(Paragraph::new().style("TOCHeading").add_run(Run::new().add_text("Contents"))));
    body.toc_at = Some(body.paras.len());

    if let Some(t) = &b.trends {
        let key = body.bookmark();
        body.toc.push((1, "Trends".to_owned(), key.clone()));
        body.paras.push(Block::Para(heading("Heading1", "Trends", false, &key, body.bookmarks)));
        trend_section(&mut body, t, chart_png);
    }
    let grouped = is_grouped(b);
    for g in &b.groups {
        if grouped {
            let name = clean(group_title(&g.name));
            let key = body.bookmark();
            body.toc.push((1, name.clone(), key.clone()));
            body.paras.push(Block::Para(heading("Heading1", &name, false, &key, body.bookmarks)));
        }
        for item in &g.items {
            item_blocks(&mut body, item);
        }
    }

    let toc = contents(&body.toc);
    let toc_at = body.toc_at.unwrap_or(0);
    let mut toc = Some(toc);
    for (i, block) in body.paras.into_iter().enumerate() {
        if i == toc_at {
            for p in toc.take().into_iter().flatten() {
                doc = doc.add_paragraph(p);
            }
        }
        doc = match block {
            Block::Para(p) => doc.add_paragraph(p),
            Block::Table(t) => doc.add_table(t),
        };
    }

    let mut xml = doc.build();
    xml.document = mark_rtl_runs(&xml.document);
    let mut out = Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| Error::input("export.docx", format!("cannot write the Word document: {e}")))?;
    Ok(out.into_inner())
}

/// The table of contents: a `TOC` field over headings 1 and 2, marked dirty so Word fills in the
/// page numbers when the document is opened, its entries written out (hyperlinks to the headings'
/// bookmarks) for programs that show fields as they are. Built here rather than with docx-rs's
/// `TableOfContents`: that one nests two content controls, which makes LibreOffice print the
/// field's instructions as text, and sets its leader tab far beyond the page.
fn contents(entries: &[(usize, String, String)]) -> Vec<Paragraph> {
    let Some(last) = entries.len().checked_sub(1) else { return Vec::new() };
    let mut out = Vec::with_capacity(entries.len() + 1);
    for (i, (level, text, key)) in entries.iter().enumerate() {
        let mut p = Paragraph::new()
            .style(&format!("TOC{level}"))
            .add_tab(Tab::new().val(TabValueType::Right).leader(TabLeaderType::Dot).pos(TEXT_W));
        if i == 0 {
            p = p
                .add_run(Run::new().add_field_char(FieldCharType::Begin, true))
                .add_run(
                    Run::new().add_instr_text(InstrText::TOC(InstrToC::new().heading_styles_range(1, 2).hyperlink())),
                )
                .add_run(Run::new().add_field_char(FieldCharType::Separate, false));
        }
        p = p.add_hyperlink(
            Hyperlink::new(key, HyperlinkType::Anchor)
                .add_run(Run::new().add_text(text))
                .add_run(Run::new().add_tab())
                .add_run(Run::new().add_field_char(FieldCharType::Begin, false))
                .add_run(Run::new().add_instr_text(InstrText::PAGEREF(InstrPAGEREF::new(key).hyperlink())))
                .add_run(Run::new().add_field_char(FieldCharType::Separate, false))
                .add_run(Run::new().add_text(""))
                .add_run(Run::new().add_field_char(FieldCharType::End, false)),
        );
        out.push(p);
        if i == last {
            out.push(
                Paragraph::new()
                    .style(&format!("TOC{level}"))
                    .add_run(Run::new().add_field_char(FieldCharType::End, false)),
            );
        }
    }
    out
}

/// The body's blocks in order, the table of contents' entries and where it goes.
#[derive(Default)]
struct Body {
    paras: Vec<Block>,
    toc: Vec<(usize, String, String)>,
    toc_at: Option<usize>,
    bookmarks: usize,
}

// A briefing has a few hundred blocks, each moved once into the document: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
enum Block {
    Para(Paragraph),
    Table(Table),
}

impl Body {
    /// A new bookmark name for a heading the table of contents links to.
    fn bookmark(&mut self) -> String {
        self.bookmarks += 1;
        format!("_Toc{:08}", self.bookmarks)
    }
}

fn title_block(body: &mut Body, b: &Briefing, classification: Option<&str>) {
    let p = |style: &str, text: &str| Paragraph::new().style(style).add_run(Run::new().add_text(text));
    if let Some(c) = classification {
        body.paras.push(Block::Para(p("Classification", &c.to_uppercase())));
    }
    body.paras.push(Block::Para(p("Title", &clean(&b.title))));
    if let Some(s) = &b.subtitle {
        body.paras.push(Block::Para(p("Subtitle", &clean(s))));
    }
    let mut meta = Paragraph::new().style("BriefingMeta");
    if let Some(period) = &b.period {
        meta = meta
            .add_run(Run::new().add_text(clean(period)).bold())
            .add_run(Run::new().add_break(BreakType::TextWrapping));
    }
    if let Some(a) = &b.author {
        meta = meta.add_run(Run::new().add_text(clean(a))).add_run(Run::new().add_break(BreakType::TextWrapping));
    }
    let stories = if b.story_count == 1 { "story" } else { "stories" };
    meta = meta.add_run(
        Run::new().add_text(format!("Prepared {} · {} {stories}", clean(&b.generated), b.story_count)).color(MUTED),
    );
    body.paras.push(Block::Para(meta));
    if !b.executive_summary.is_empty() {
        body.paras.push(Block::Para(
            Paragraph::new()
                .style("ExecutiveSummary")
                .add_run(Run::new().add_text("Executive summary").bold().color(ACCENT)),
        ));
        for para in &b.executive_summary {
            body.paras.push(Block::Para(p("ExecutiveSummary", &clean(para))));
        }
    }
    // Stories per section, as the PDF's title page shows them.
    if b.groups.len() > 1 {
        body.paras.push(Block::Para(
            Paragraph::new().style("ItemMeta").add_run(Run::new().add_text("Stories by section").bold()),
        ));
        let rows: Vec<TableRow> = b
            .groups
            .iter()
            .map(|g| {
                TableRow::new(vec![
                    cell(&clean(group_title(&g.name)), 7000, AlignmentType::Left),
                    cell(&g.items.len().to_string(), 1200, AlignmentType::Right),
                ])
            })
            .collect();
        body.paras.push(Block::Table(Table::new(rows).set_grid(vec![7000, 1200])));
    }
    // The contents start on a page of their own.
    body.paras.push(Block::Para(Paragraph::new().add_run(Run::new().add_break(BreakType::Page))));
}

fn cell(text: &str, width: usize, align: AlignmentType) -> TableCell {
    TableCell::new()
        .width(width, WidthType::Dxa)
        .add_paragraph(Paragraph::new().style("ItemMeta").align(align).add_run(Run::new().add_text(text)))
}

fn trend_section(body: &mut Body, t: &crate::trends::Trends, chart_png: Option<(Vec<u8>, u32, u32)>) {
    if let Some((png, w, h)) = chart_png {
        // The chart at the text's width, its proportions kept (EMU: 635 per twip).
        let width_emu = (TEXT_W as u64 * 635) as u32;
        let height_emu = (u64::from(width_emu) * u64::from(h) / u64::from(w.max(1))) as u32;
        let pic = Pic::new_with_dimensions(png, w, h).size(width_emu, height_emu);
        body.paras.push(Block::Para(Paragraph::new().add_run(Run::new().add_image(pic))));
    }
    let p = |text: String| Paragraph::new().style("ItemMeta").add_run(Run::new().add_text(text));
    body.paras.push(Block::Para(p(crate::trends::describe(t))));
    let mut rows = vec![TableRow::new(vec![
        cell("Series", 5200, AlignmentType::Left),
        cell("Clips", 1000, AlignmentType::Right),
        cell("Peak", 2000, AlignmentType::Right),
    ])];
    for s in &t.series {
        let peak = s.peak().map(|p| format!("{} ({})", p.label, p.count)).unwrap_or_default();
        rows.push(TableRow::new(vec![
            cell(&clean(&s.label), 5200, AlignmentType::Left),
            cell(&s.total.to_string(), 1000, AlignmentType::Right),
            cell(&clean(&peak), 2000, AlignmentType::Right),
        ]));
    }
    body.paras.push(Block::Table(Table::new(rows).set_grid(vec![5200, 1000, 2000])));
    for (what, shares) in [("By outlet", &t.outlets), ("By language", &t.languages)] {
        if shares.is_empty() {
            continue;
        }
        let list: Vec<String> = shares
            .iter()
            .take(8)
            .map(|s| format!("{} {} ({:.0}%)", clean(&s.label), s.count, s.share * 100.0))
            .collect();
        body.paras.push(Block::Para(p(format!("{what}: {}", list.join(" · ")))));
    }
}

fn item_blocks(body: &mut Body, item: &Item) {
    let rtl = item.dir == "rtl";
    let headline = clean(&item.headline);
    let key = body.bookmark();
    body.toc.push((2, headline.clone(), key.clone()));
    body.paras.push(Block::Para(heading("Heading2", &headline, rtl, &key, body.bookmarks)));

    let meta: Vec<String> =
        [item.outlet.clone(), item.date.clone(), (!item.authors.is_empty()).then(|| item.authors.join(", "))]
            .into_iter()
            .flatten()
            .map(|s| clean(&s))
            .collect();
    if !meta.is_empty() {
        body.paras
            .push(Block::Para(Paragraph::new().style("ItemMeta").add_run(Run::new().add_text(meta.join("  ·  ")))));
    }
    let summary = clean(&item.summary.join(" "));
    if !summary.is_empty() {
        body.paras.push(Block::Para(directed(Paragraph::new().style("Normal"), rtl).add_run(text_run(&summary, rtl))));
    }
    if let Some(n) = &item.note {
        body.paras.push(Block::Para(
            Paragraph::new()
                .style("AnalystNote")
                .add_run(Run::new().add_text("Analyst’s note  ").bold().color(ACCENT))
                .add_run(Run::new().add_text(clean(n))),
        ));
    }
    for q in &item.quotes {
        let mut p =
            directed(Paragraph::new().style("Quote"), rtl).add_run(text_run(&format!("“{}”", clean(&q.text)), rtl));
        if let Some(n) = &q.note {
            p = p.add_run(Run::new().add_text(format!("  — {}", clean(n))).disable_italic().color(MUTED));
        }
        body.paras.push(Block::Para(p));
    }
    let tags: Vec<String> = item.topics.iter().chain(&item.actors).map(|t| clean(t)).collect();
    if !tags.is_empty() {
        body.paras
            .push(Block::Para(Paragraph::new().style("ItemMeta").add_run(Run::new().add_text(tags.join("  ·  ")))));
    }
    let mut source = Paragraph::new().style("Source").add_run(Run::new().add_text("Source: "));
    source = match &item.url {
        Some(u) => source.add_hyperlink(link(u, &clean(&item.url_display))),
        None => source.add_run(Run::new().add_text(clean(&item.url_display))),
    };
    if !item.retrieved.is_empty() {
        source = source.add_run(Run::new().add_text(format!(" (retrieved {})", clean(&item.retrieved))));
    }
    if !item.also_in.is_empty() {
        source =
            source.add_run(Run::new().add_break(BreakType::TextWrapping)).add_run(Run::new().add_text("Also in: "));
        for (i, c) in item.also_in.iter().enumerate() {
            if i > 0 {
                source = source.add_run(Run::new().add_text(", "));
            }
            source = match &c.url {
                Some(u) => source.add_hyperlink(link(u, &clean(&c.outlet))),
                None => source.add_run(Run::new().add_text(clean(&c.outlet))),
            };
        }
    }
    body.paras.push(Block::Para(source));
}

/// A heading paragraph wrapped in the bookmark its table of contents entry links to.
fn heading(style: &str, text: &str, rtl: bool, key: &str, id: usize) -> Paragraph {
    directed(Paragraph::new().style(style), rtl)
        .add_bookmark_start(id, key)
        .add_run(text_run(text, rtl))
        .add_bookmark_end(id)
}

/// A paragraph read right to left when `rtl`.
fn directed(mut p: Paragraph, rtl: bool) -> Paragraph {
    if rtl {
        p.property = p.property.bidi(true);
    }
    p
}

fn text_run(text: &str, rtl: bool) -> Run {
    let run = Run::new().add_text(text);
    if rtl {
        run.style(RTL_MARKER)
    } else {
        run
    }
}

fn link(url: &str, text: &str) -> Hyperlink {
    Hyperlink::new(url, HyperlinkType::External).add_run(Run::new().style("Hyperlink").add_text(text))
}

/// Turns the marker run style of right-to-left runs into `<w:rtl />`.
fn mark_rtl_runs(document: &[u8]) -> Vec<u8> {
    let marker = format!("<w:rStyle w:val=\"{RTL_MARKER}\" />");
    let text = String::from_utf8_lossy(document);
    text.replace(&marker, "<w:rtl />").into_bytes()
}

/// Text as a Word document can hold it: white space collapsed, control characters and the
/// characters XML 1.0 excludes dropped.
pub(crate) fn clean(s: &str) -> String {
    crate::text::collapse_ws(&crate::text::strip_controls(s)).chars().filter(|&c| xml_char(c)).collect()
}

/// Whether XML 1.0 allows `c` in a document (§2.2, `Char`).
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

fn header(title: &str, classification: Option<&str>) -> Header {
    let p = Paragraph::new()
        .style("HeaderFooter")
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_W))
        .add_run(Run::new().add_text(title))
        .add_run(Run::new().add_tab())
        .add_run(Run::new().add_text(classification.unwrap_or("")));
    Header::new().add_paragraph(p)
}

fn footer(classification: Option<&str>) -> Footer {
    let p = Paragraph::new()
        .style("HeaderFooter")
        .add_tab(Tab::new().val(TabValueType::Right).pos(TEXT_W))
        .add_run(Run::new().add_text(classification.unwrap_or("")))
        .add_run(Run::new().add_tab())
        .add_page_num(PageNum::new())
        .add_run(Run::new().add_text(" / "))
        .add_num_pages(NumPages::new());
    Footer::new().add_paragraph(p)
}

/// The document's styles: Word's built-in ones under their built-in names (so a template's
/// versions replace ours), and Clipdesk's own.
fn styles() -> Vec<Style> {
    let para = |id: &str, name: &str| Style::new(id, StyleType::Paragraph).name(name);
    let spacing = |before: u32, after: u32| LineSpacing::new().before(before).after(after);
    let mut heading1 = para("Heading1", "heading 1")
        .based_on("Normal")
        .next("Normal")
        .size(34)
        .bold()
        .color(ACCENT)
        .outline_lvl(0)
        .line_spacing(spacing(240, 220));
    heading1.paragraph_property = heading1
        .paragraph_property
        .keep_next(true)
        .page_break_before(true)
        .set_borders(ParagraphBorders::with_empty().set(bottom_rule(ACCENT, 8)));
    let mut heading2 = para("Heading2", "heading 2")
        .based_on("Normal")
        .next("Normal")
        .size(25)
        .bold()
        .outline_lvl(1)
        .line_spacing(spacing(300, 100));
    heading2.paragraph_property = heading2.paragraph_property.keep_next(true);
    let mut toc_heading =
        para("TOCHeading", "TOC Heading").based_on("Normal").next("Normal").size(34).bold().color(ACCENT);
    toc_heading.paragraph_property = toc_heading.paragraph_property.keep_next(true);
    let mut classification = para("Classification", "Classification")
        .based_on("Normal")
        .size(18)
        .bold()
        .color(ACCENT)
        .line_spacing(spacing(1800, 600));
    classification.paragraph_property = classification.paragraph_property.set_borders(
        ParagraphBorders::with_empty()
            .set(box_side(ParagraphBorderPosition::Top))
            .set(box_side(ParagraphBorderPosition::Bottom))
            .set(box_side(ParagraphBorderPosition::Left))
            .set(box_side(ParagraphBorderPosition::Right)),
    );
    let mut summary = para("ExecutiveSummary", "Executive Summary").based_on("Normal").line_spacing(spacing(0, 120));
    summary.paragraph_property = summary.paragraph_property.shading(Shading::new().fill("F2F4F8"));
    let mut note = para("AnalystNote", "Analyst Note").based_on("Normal").size(19).indent(Some(160), None, None, None);
    // `set_border` would start from docx-rs's default box (a line on every side).
    note.paragraph_property = note.paragraph_property.set_borders(ParagraphBorders::with_empty().set(
        ParagraphBorder::new(ParagraphBorderPosition::Left).val(BorderType::Single).size(16).space(6).color(ACCENT),
    ));
    vec![
        para("Normal", "Normal").line_spacing(spacing(0, 120)),
        para("Title", "Title")
            .based_on("Normal")
            .next("Subtitle")
            .size(56)
            .bold()
            .color(ACCENT)
            .line_spacing(spacing(0, 80)),
        para("Subtitle", "Subtitle")
            .based_on("Normal")
            .next("Normal")
            .size(30)
            .color(MUTED)
            .line_spacing(spacing(0, 360)),
        heading1,
        heading2,
        para("Quote", "Quote").based_on("Normal").next("Normal").italic().size(19).indent(
            Some(280),
            None,
            Some(280),
            None,
        ),
        toc_heading,
        para("TOC1", "toc 1").based_on("Normal").next("Normal").line_spacing(spacing(120, 40)),
        para("TOC2", "toc 2")
            .based_on("Normal")
            .next("Normal")
            .size(19)
            .indent(Some(240), None, None, None)
            .line_spacing(spacing(0, 40)),
        classification,
        para("BriefingMeta", "Briefing Meta").based_on("Normal").size(21).line_spacing(spacing(240, 240)),
        summary,
        note,
        para("ItemMeta", "Item Meta").based_on("Normal").size(17).color(MUTED).line_spacing(spacing(0, 60)),
        para("Source", "Source").based_on("Normal").size(15).color(MUTED).line_spacing(spacing(60, 120)),
        para("HeaderFooter", "Header Footer").based_on("Normal").size(16).color(MUTED).line_spacing(spacing(0, 0)),
        Style::new("Hyperlink", StyleType::Character).name("Hyperlink").color(ACCENT).underline("single"),
        // The marker of right-to-left runs (see the module docs); never seen by the recipient.
        Style::new(RTL_MARKER, StyleType::Character).name("Clipdesk RTL run"),
    ]
}

fn bottom_rule(color: &str, size: usize) -> ParagraphBorder {
    ParagraphBorder::new(ParagraphBorderPosition::Bottom).val(BorderType::Single).size(size).space(4).color(color)
}

fn box_side(side: ParagraphBorderPosition) -> ParagraphBorder {
    ParagraphBorder::new(side).val(BorderType::Single).size(8).space(4).color(ACCENT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_what_xml_cannot_hold() {
        for (input, expected) in [
            ("a\u{0}b\u{1}c", "abc"),
            ("tab\there", "tab here"),
            ("x\u{FFFE}y\u{FFFF}z", "xyz"),
            ("C1\u{85}control", "C1control"),
            ("  spaced \n out ", "spaced out"),
            ("שלום \u{200F}עולם", "שלום \u{200F}עולם"),
            ("<w:t>&amp;", "<w:t>&amp;"),
        ] {
            assert_eq!(clean(input), expected, "input: {input:?}");
        }
    }
}

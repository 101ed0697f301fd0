//! Turning a page into an article: clean text, sanitized HTML and metadata.
//!
//! [`extract`] is a pure function of the page text and its URL. The body comes from [`body`]
//! (candidate choice plus furniture removal), metadata from [`meta`], text and HTML rendering from
//! [`render`]. The result is what a clip stores; [`EXTRACTOR_VERSION`] is recorded with every
//! snapshot so a clip can be re-extracted when the extractor improves.
//!
//! Page text is slicing's classic trap (a byte offset inside a multi-byte character panics), so
//! `clippy::string_slice` is on for the whole module: substrings come from `split_once`,
//! `strip_prefix`, `str::get` or byte slices of ASCII, never from indexing a `str`.
#![warn(clippy::string_slice)]

pub mod body;
pub mod boilerplate;
pub mod date;
pub mod lead;
pub mod meta;
pub mod render;

use chrono::{DateTime, Utc};
use dom_query::Document;
use url::Url;

use crate::error::ExtractError;
use crate::text::{collapse_ws, truncate_chars, word_count};

/// Names the extraction code; bump the suffix when its output changes.
pub const EXTRACTOR_VERSION: &str = concat!("clipdesk-extract/", env!("CARGO_PKG_VERSION"), "+2");

/// A page whose content block asks the reader to type (a login or sign-up form, a search box) and
/// says fewer words than this besides is not an article. Any other page with text is clipped with
/// what it has: a paywalled story's lead, a short notice, a list of facts.
const MIN_WORDS: usize = 25;

/// What a page holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    pub title: String,
    pub authors: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// The page's UTC offset for `published_at`, in seconds east, when it gave one.
    pub published_offset: Option<i32>,
    pub site_name: Option<String>,
    pub lang: Option<String>,
    pub canonical_url: Option<Url>,
    pub lead_image: Option<Url>,
    /// Paragraphs separated by blank lines.
    pub text: String,
    /// Sanitized HTML of the article body.
    pub html: String,
    pub summary: Option<String>,
    pub word_count: usize,
}

/// Deeper element nesting than this is refused before parsing: HTML tree building costs time
/// quadratic in the depth (100,000 nested `<div>`s take minutes), and no article needs more than a
/// few hundred levels.
pub const MAX_DEPTH: usize = 4000;

/// Extracts the article of an HTML page fetched from `url`.
pub fn extract(html: &str, url: &Url) -> Result<Article, ExtractError> {
    // Control characters never reach the title, the text or the stored HTML.
    let html = &*crate::text::strip_controls(html);
    let depth = estimate_depth(html);
    if depth > MAX_DEPTH {
        return Err(ExtractError::TooDeep { url: url.to_string(), depth, limit: MAX_DEPTH });
    }
    let doc = Document::from(html);
    let meta = meta::extract(&doc, url);
    let lead = lead::find(&doc, meta.description.as_deref());
    let no_article = || ExtractError::NoArticle { url: url.to_string() };
    let mut body = body::article_html(doc, url, meta.title.as_deref()).map(|f| Body::render(f, url));
    if body.as_ref().is_none_or(|b| b.words < MIN_WORDS && !b.asks_for_input) {
        // Readability found nothing, or little: the page's own article element may hold more
        // (a paywalled story beside a teaser that outscored it), and a page whose text its
        // scripts write (a client-rendered app) still describes itself in its metadata.
        let fallback = body::fallback_html(Document::from(html)).map(|f| Body::render(f, url));
        if fallback.as_ref().is_some_and(|f| f.words > body.as_ref().map_or(0, |b| b.words) && !f.asks_for_input) {
            body = fallback;
        }
        let description = meta.description.as_deref().filter(|d| !d.contains('<')).map(Body::from_text);
        if description.as_ref().is_some_and(|d| d.words > body.as_ref().map_or(0, |b| b.words) && d.words >= 8) {
            body = description;
        }
    }
    let Body { mut text, mut html, asks_for_input, .. } = body.ok_or_else(no_article)?;
    // The lead printed beside the headline, outside the body's block.
    if let Some(lead) = lead.as_ref().and_then(|l| l.missing_from(&text)) {
        text = format!("{lead}\n\n{text}");
        html = format!("<p>{}</p>{html}", crate::text::escape_html(lead));
    }
    // The headline is stored apart; drop it when the body repeats it as its first line.
    if let Some(title) = &meta.title {
        if let Some(rest) = text.strip_prefix(title.as_str()) {
            if rest.starts_with("\n\n") {
                text = rest.trim_start().to_owned();
            }
        }
    }
    let words = word_count(&text);
    if words == 0 || (words < MIN_WORDS && asks_for_input) {
        return Err(no_article());
    }
    Ok(assemble(meta, text, html, url, words))
}

/// An article's body as it is stored: text, sanitized HTML.
struct Body {
    text: String,
    html: String,
    words: usize,
    /// The block kept a form's element (its fields are gone, its labels stay): a login or
    /// sign-up page when there is little else.
    asks_for_input: bool,
}

impl Body {
    fn render(fragment: Document, url: &Url) -> Body {
        let asks_for_input = fragment.select("form, input, textarea").exists();
        body::clean_fragment(&fragment);
        let html = render::sanitize(&fragment.html(), url);
        boilerplate::strip_annotations(&fragment.root());
        let text = render::text_of(&fragment.root());
        Body { words: word_count(&text), text, html, asks_for_input }
    }

    fn from_text(text: &str) -> Body {
        let text = collapse_ws(text);
        Body {
            words: word_count(&text),
            html: format!("<p>{}</p>", crate::text::escape_html(&text)),
            text,
            asks_for_input: false,
        }
    }
}

/// An upper estimate of the element nesting depth, from the tags alone: start tags push, end tags
/// pop. Void elements and elements whose end tag may be omitted (`<p>`, `<li>`, `<td>`…) are not
/// counted, so sloppy but ordinary markup does not look deep.
pub fn estimate_depth(html: &str) -> usize {
    let bytes = html.as_bytes();
    let (mut depth, mut max) = (0usize, 0usize);
    let mut i = 0;
    while let Some(pos) = memchr(b'<', &bytes[i..]) {
        i += pos + 1;
        let closing = bytes.get(i) == Some(&b'/');
        let start = if closing { i + 1 } else { i };
        let name_len = bytes[start..].iter().take_while(|b| b.is_ascii_alphanumeric()).count();
        if name_len == 0 {
            continue;
        }
        // Bytes, not a `str` slice: the name is ASCII letters and digits.
        let name: String = bytes[start..start + name_len].iter().map(|b| char::from(b.to_ascii_lowercase())).collect();
        if !closing && matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            // Raw text: skip to the end tag, whatever markup-like text is inside.
            let end_tag = format!("</{name}");
            i += bytes[i..]
                .windows(end_tag.len())
                .position(|w| w.eq_ignore_ascii_case(end_tag.as_bytes()))
                .unwrap_or(bytes.len() - i);
            continue;
        }
        if is_uncounted(&name) {
            continue;
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else {
            let end = memchr(b'>', &bytes[start..]).map_or(bytes.len(), |p| start + p);
            if end > 0 && bytes[end - 1] == b'/' {
                continue;
            }
            depth += 1;
            max = max.max(depth);
        }
    }
    max
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

fn is_uncounted(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "source"
            | "track"
            | "wbr"
            | "p"
            | "li"
            | "dt"
            | "dd"
            | "option"
            | "optgroup"
            | "tr"
            | "td"
            | "th"
            | "thead"
            | "tbody"
            | "tfoot"
            | "colgroup"
            | "caption"
            | "rb"
            | "rt"
            | "rp"
            | "html"
            | "head"
            | "body"
            | "script"
            | "style"
    )
}

/// A plain-text page (served as `text/plain`): the first line is the title.
pub fn from_plain_text(body: &str, url: &Url) -> Result<Article, ExtractError> {
    let body = &*crate::text::strip_controls(body);
    let text = body.split("\n\n").map(collapse_ws).filter(|p| !p.is_empty()).collect::<Vec<_>>().join("\n\n");
    let words = word_count(&text);
    if words == 0 {
        return Err(ExtractError::NoArticle { url: url.to_string() });
    }
    let title = text.lines().next().map(|l| truncate_chars(l, 200));
    let html = text.split("\n\n").map(|p| format!("<p>{}</p>", ammonia::clean_text(p))).collect::<String>();
    let meta = meta::Meta { title, published_at: date::from_url(url), ..Default::default() };
    Ok(assemble(meta, text, html, url, words))
}

/// The analyst's selection as the article, for a page whose article the extractor cannot find or
/// gets wrong: the text is the selection (one paragraph per line), the metadata (title, authors,
/// date, site, language, canonical link) the page's own.
pub fn from_selection(html: &str, selection: &str, url: &Url) -> Result<Article, ExtractError> {
    let html = &*crate::text::strip_controls(html);
    let depth = estimate_depth(html);
    if depth > MAX_DEPTH {
        return Err(ExtractError::TooDeep { url: url.to_string(), depth, limit: MAX_DEPTH });
    }
    let meta = meta::extract(&Document::from(html), url);
    let selection = crate::text::strip_controls(selection);
    let paragraphs: Vec<String> = selection.lines().map(collapse_ws).filter(|p| !p.is_empty()).collect();
    let text = paragraphs.join("\n\n");
    let words = word_count(&text);
    if words == 0 {
        return Err(ExtractError::NoArticle { url: url.to_string() });
    }
    let html = paragraphs.iter().map(|p| format!("<p>{}</p>", crate::text::escape_html(p))).collect::<String>();
    Ok(assemble(meta, text, html, url, words))
}

fn assemble(meta: meta::Meta, text: String, html: String, url: &Url, words: usize) -> Article {
    let title = meta.title.unwrap_or_else(|| truncate_chars(text.lines().next().unwrap_or(""), 200));
    let site_name = meta.site_name.or_else(|| url.host_str().map(|h| h.trim_start_matches("www.").to_owned()));
    let lang = detect_lang(meta.lang, &text);
    let summary = summary(meta.description.as_deref(), &text);
    Article {
        title,
        authors: meta.authors,
        published_at: meta.published_at,
        published_offset: meta.published_offset,
        site_name,
        lang,
        canonical_url: meta.canonical_url,
        lead_image: meta.lead_image,
        text,
        html,
        summary,
        word_count: words,
    }
}

/// The declared language, unless the text is plainly in another script: sites often declare one
/// language for every page, whatever the article's language.
fn detect_lang(declared: Option<String>, text: &str) -> Option<String> {
    let sample: String = text.chars().take(2000).collect();
    let detected = whatlang::detect(&sample).filter(|i| i.is_reliable());
    match (declared, detected) {
        (Some(d), Some(info)) => {
            let code = iso639_1(info.lang());
            let script_of_declared = script_for_lang(&d);
            let other_script = script_of_declared.is_some() && script_of_declared != Some(info.script());
            // A long text the detector is sure about overrides a site-wide declaration.
            let sure = info.confidence() >= 0.95 && word_count(&sample) >= 150;
            if other_script || (sure && code.is_some_and(|c| c != d)) {
                Some(code.map(str::to_owned).unwrap_or(d))
            } else {
                Some(d)
            }
        }
        (Some(d), None) => Some(d),
        (None, Some(info)) => iso639_1(info.lang()).map(str::to_owned),
        (None, None) => None,
    }
}

/// The script a language is normally written in, for the languages whose script tells them apart.
fn script_for_lang(lang: &str) -> Option<whatlang::Script> {
    use whatlang::Script;
    Some(match lang {
        "en" | "fr" | "de" | "es" | "it" | "pt" | "nl" | "tr" | "pl" | "sv" | "da" | "no" | "fi" | "cs" | "ro"
        | "hu" => Script::Latin,
        "ru" | "uk" | "bg" | "be" | "sr" | "mk" | "kk" => Script::Cyrillic,
        "ar" | "fa" | "ur" => Script::Arabic,
        "he" | "yi" => Script::Hebrew,
        "el" => Script::Greek,
        "ja" => return None, // kana and kanji: either script may dominate a sample
        "zh" => Script::Mandarin,
        "ko" => Script::Hangul,
        _ => return None,
    })
}

/// ISO 639-1 codes for the languages whatlang names.
fn iso639_1(lang: whatlang::Lang) -> Option<&'static str> {
    use whatlang::Lang::*;
    Some(match lang {
        Eng => "en",
        Rus => "ru",
        Cmn => "zh",
        Spa => "es",
        Por => "pt",
        Ita => "it",
        Ben => "bn",
        Fra => "fr",
        Deu => "de",
        Ukr => "uk",
        Kat => "ka",
        Ara => "ar",
        Hin => "hi",
        Jpn => "ja",
        Heb => "he",
        Yid => "yi",
        Pol => "pl",
        Amh => "am",
        Jav => "jv",
        Kor => "ko",
        Nob => "nb",
        Dan => "da",
        Swe => "sv",
        Fin => "fi",
        Tur => "tr",
        Nld => "nl",
        Hun => "hu",
        Ces => "cs",
        Ell => "el",
        Bul => "bg",
        Bel => "be",
        Mar => "mr",
        Kan => "kn",
        Ron => "ro",
        Slv => "sl",
        Hrv => "hr",
        Srp => "sr",
        Mkd => "mk",
        Lit => "lt",
        Lav => "lv",
        Est => "et",
        Tam => "ta",
        Vie => "vi",
        Urd => "ur",
        Tha => "th",
        Guj => "gu",
        Uzb => "uz",
        Pan => "pa",
        Aze => "az",
        Ind => "id",
        Tel => "te",
        Pes => "fa",
        Mal => "ml",
        Ori => "or",
        Mya => "my",
        Nep => "ne",
        Sin => "si",
        Khm => "km",
        Tuk => "tk",
        Aka => "ak",
        Zul => "zu",
        Sna => "sn",
        Afr => "af",
        Lat => "la",
        Slk => "sk",
        Cat => "ca",
        Tgl => "tl",
        Hye => "hy",
        _ => return None,
    })
}

/// A short summary: the page's own description when it reads as one, else the lead of the text.
fn summary(description: Option<&str>, text: &str) -> Option<String> {
    if let Some(d) = description {
        let d = collapse_ws(d);
        if word_count(&d) >= 8 {
            return Some(truncate_chars(&d, 400));
        }
    }
    let lead = text.split("\n\n").find(|p| word_count(p) >= 12)?;
    Some(truncate_chars(lead, 400))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_estimates() {
        for (html, depth) in [
            ("<div><div><span>x</span></div></div>", 3),
            ("<p>a<p>b<p>c<li>d<br><img src=x>", 0),
            ("<div/><div/><div></div>", 1),
            ("<script>if (a<b) {}</script><div>", 1),
            ("a < b and c <- d", 0),
        ] {
            assert_eq!(estimate_depth(html), depth, "html: {html}");
        }
    }

    const PARA: &str = "The council voted on Tuesday to approve the plan, ending a year of debate over the cost of the new water mains beneath the old town.";

    /// The article text of `body` (inside a minimal page), or the error's code.
    fn article_text(body: &str) -> Result<String, &'static str> {
        let url = Url::parse("https://news.example/2022/05/04/story").unwrap();
        let html = format!("<html><head><title>Council approves plan</title></head><body>{body}</body></html>");
        extract(&html, &url).map(|a| a.text).map_err(|e| e.code())
    }

    /// Each page gives an article whose text holds `want`, or the error `want` names.
    fn check(cases: &[(&str, &str, Result<&str, &str>)]) {
        for (name, body, want) in cases {
            let got = article_text(body);
            match (want, &got) {
                (Ok(part), Ok(text)) => assert!(text.contains(part), "{name}: {part:?} not in {text:?}"),
                (Err(code), Err(got_code)) => assert_eq!(code, got_code, "{name}"),
                _ => panic!("{name}: want {want:?}, got {got:?}"),
            }
        }
    }

    /// Regression: blocks whose class names an annotation (`format-gallery` on a WordPress post,
    /// `editorial-gallery__item` on every block of a magazine page) were dropped from the text
    /// with the article inside them: `extract.no_article` on pages full of prose.
    #[test]
    fn annotation_words_on_the_article_container_keep_the_article() {
        let three = format!("<p>{PARA}</p><p>{PARA} Again.</p><p>{PARA} Once more.</p>");
        check(&[
            (
                "gallery post format",
                &format!("<article class='post format-gallery'><div class='entry'>{three}</div></article>"),
                Ok("Once more."),
            ),
            (
                "site prefix",
                &format!(
                    "<div class='mag-gallery__main'><div class='mag-gallery__item'><p>{PARA}</p></div>\
                     <div class='mag-gallery__item'><p>Second item of the story, with its own words.</p></div></div>"
                ),
                Ok("Second item of the story"),
            ),
            (
                "real caption still goes",
                &format!("<article>{three}<div class='caption'>Photo of the council chamber</div></article>"),
                Ok("Once more."),
            ),
        ]);
        assert!(!article_text(&format!("<article><p>{PARA}</p><p class='caption'>Photo of the chamber</p></article>"))
            .unwrap()
            .contains("Photo of the chamber"));
    }

    /// Regression: a letter followed by its signatories ("Name, affiliation" a hundred times in
    /// one cell) gave the list and not the letter: readability counts commas.
    #[test]
    fn a_comma_rich_list_does_not_outscore_the_story() {
        let sentences = "Our institutions are facing a moment of trial, and powerful protests are leading to overdue \
            demands for reform, along with wider calls for equality. But this reckoning has also intensified a new \
            set of attitudes that tend to weaken our norms of open debate. The free exchange of ideas, the lifeblood \
            of a liberal society, is daily becoming more constricted. ";
        let letter: String = (1..=3)
            .map(|i| format!("<p><span>Paragraph {i} of the letter. {}</span></p>", sentences.repeat(2)))
            .collect();
        let names: String =
            (1..=160).map(|i| format!("<strong>Name {i}</strong>, <span>University {i}</span><br>")).collect();
        let page = format!(
            "<article class='post'><h1>A Letter</h1><div class='wysiwyg-content'>{letter}<table><tr><td><span>{names}\
             </span></td></tr><tr><td></td></tr></table></div></article>"
        );
        check(&[("letter and signatories", &page, Ok("Paragraph 3 of the letter."))]);
    }

    /// Regression: a page that loads the next stories under this one gave the longest of them,
    /// not the one under the page's headline; a sidebar listing this story by its headline is not
    /// it either.
    #[test]
    fn several_articles_give_the_headlined_one() {
        let story = |title: &str, n: usize, words: &str| {
            let paragraphs: String = (1..=n)
                .map(|i| format!("<p>Paragraph {i} of {words}, which the reader came for. It says what happened, where, and why it matters to the town.</p>"))
                .collect();
            format!("<article class=entry><header><h1>{title}</h1></header><div class=entry-text>{paragraphs}</div></article>")
        };
        let page = format!(
            "<html><head><title>Blessing of vehicles on Saturday | Daily</title><meta property=og:title content='Blessing of vehicles on Saturday'></head><body>\
             <article class=post>{}{}{}</article><aside><article class=sidebar-entry><h2>Blessing of vehicles on Saturday</h2></article></aside></body></html>",
            story("Blessing of vehicles on Saturday", 4, "the blessing"),
            story("Prosecutors meet in the capital", 12, "the interview"),
            story("Bus fares rise in June", 8, "the fares"),
        );
        let url = Url::parse("https://news.example/2022/05/06/blessing").unwrap();
        let text = extract(&page, &url).unwrap().text;
        assert!(text.contains("Paragraph 4 of the blessing"), "{text}");
        assert!(!text.contains("of the interview"), "{text}");
    }

    /// Regression: a page with little text (a paywalled story's lead, a short notice) ended in
    /// `extract.no_article`; it is clipped with what there is. A page with no sentence at all
    /// (a login form) still has no article.
    #[test]
    fn short_articles_are_clipped() {
        check(&[
            ("one paragraph", &format!("<div class='story'><p>{PARA}</p></div>"), Ok("ending a year of debate")),
            (
                "facts",
                "<h3>Film</h3><p>Fuji X-TRA 400.</p><h3>Cameras</h3><p>Shuji: Widelux.</p>",
                Ok("Shuji: Widelux."),
            ),
            (
                "login form",
                "<div><h2>Log in</h2><p>Welcome back. Log in to continue reading.</p><form><label>Email</label>\
                 <input type=email name=e><input type=password name=p></form><p>Forgot your password?</p></div>",
                Err("extract.no_article"),
            ),
            ("empty", "", Err("extract.no_article")),
        ]);
    }

    /// Regression: pages with text ended in `extract.no_article` when readability's block held
    /// none of it: a paywalled story's one paragraph in its `<article>` beside a teaser that
    /// outscored it; an app whose scripts write the text, which only its description gives.
    #[test]
    fn fallbacks_before_no_article() {
        let teaser = "<div class='teasers'><div class='teaser'><a href='/other'><p><span>The festival, which opens in \
                      Breisach next year, brings live music, wine, and food from the region together, with Peter Fox, \
                      Fanta 4, Sarah Connor, and two well-known chefs, as the organisers said on Monday, adding that \
                      tickets, which go on sale in May, will cost between 60 and 120 euros.</span> <span class=count>3 Kommentare\
                      </span></p></a></div></div>";
        let url = Url::parse("https://news.example/2023/10/18/housing").unwrap();
        let paywalled = format!(
            "<html><head><title>Students still look for rooms</title></head><body>{teaser}<article><h1>Students \
             still look for rooms</h1><div class=intro><p>Gesine from Tübingen is running out of time.</p><p>The \
             18-year-old enrolled in law in Freiburg.</p></div></article></body></html>"
        );
        let text = extract(&paywalled, &url).unwrap().text;
        assert!(text.contains("The 18-year-old enrolled in law in Freiburg."), "{text}");
        let app = "<html><head><title>Round tablecloths</title><meta name=description content='Whatever its size and \
                   style, a round table deserves a tablecloth that fits: here is how to sew one in seven steps.'>\
                   </head><body><div id=app data-props='{}'></div><p>Get the app!</p></body></html>";
        let text = extract(app, &url).unwrap().text;
        assert!(text.contains("here is how to sew one in seven steps."), "{text}");
        assert_eq!(
            extract("<html><body><div id=app></div></body></html>", &url).unwrap_err().code(),
            "extract.no_article"
        );
    }

    /// Regression: 100,000 nested elements made extraction run for minutes (quadratic tree
    /// building); now they are refused at once with a coded error.
    #[test]
    fn absurd_nesting_is_refused_quickly() {
        let url = Url::parse("https://example.com/deep").unwrap();
        let html =
            format!("<html><body>{}<p>text</p>{}</body></html>", "<div>".repeat(100_000), "</div>".repeat(100_000));
        let err = extract(&html, &url).unwrap_err();
        assert_eq!(err.code(), "extract.too_deep");
    }

    /// Nesting just under the limit goes through the whole extractor without overflowing the
    /// stack of a worker thread (2 MiB by default).
    #[test]
    fn deep_but_allowed_nesting_extracts() {
        let url = Url::parse("https://example.com/deep").unwrap();
        let para = "<p>The council voted on Tuesday to approve the plan, ending a year of debate over the cost of the new water mains.</p>";
        let html = format!(
            "<html><body>{}{}{}</body></html>",
            "<div>".repeat(MAX_DEPTH - 10),
            para.repeat(5),
            "</div>".repeat(MAX_DEPTH - 10)
        );
        let result = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || extract(&html, &url).map(|a| a.word_count))
            .unwrap()
            .join()
            .expect("extractor thread must not crash");
        assert!(result.unwrap() > 50);
    }
}

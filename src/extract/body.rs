//! Finding the article body in a page.
//!
//! The candidate is chosen by `dom_smoothie` (a port of Mozilla's Readability, measured fastest with
//! good accuracy on the Zyte benchmark). Around it we add what it misses on news pages, measured on
//! the same benchmark (see `docs/benchmarks.md`): site furniture that lives inside the article
//! container — newsletter sign-ups, cookie notices, share bars, "Most Popular" and related-link
//! lists, comment-community blurbs — removed before and after the candidate is chosen.

use dom_query::{Document, NodeRef};
use dom_smoothie::{Config, Readability};
use url::Url;

use super::boilerplate;

/// Extracts the article as an HTML fragment, or `None` when the page has no article.
pub fn article_html(doc: Document, url: &Url, title: Option<&str>) -> Option<Document> {
    boilerplate::remove_furniture(&doc);
    let prose = ProseBlock::find(&doc);
    let headlined = title.and_then(|t| ProseBlock::headlined_article(&doc, t));
    let content = Document::fragment(readability(doc, url)?);
    // A page that loads the next story under this one (or lists several in full) holds several
    // `<article>`s; readability may take another than the one under the page's headline.
    if let Some(own) = headlined {
        if !own.is_mostly_in(&content) {
            if let Some(better) = readability(Document::from(own.html.as_str()), url).map(Document::fragment) {
                if own.is_mostly_in(&better) {
                    return Some(better);
                }
            }
        }
    }
    // Readability scores a block by its commas as much as by its sentences, so a comma-rich
    // list (a letter's signatories, a product's specifications) can outscore the story. When its
    // choice holds less than half of the page's main run of prose, and less prose of its own than
    // half of that run, the story is read from the block that holds the run instead.
    if let Some(prose) = prose {
        if !prose.is_mostly_in(&content) && prose_chars(&content) * 2 < prose.total() {
            if let Some(better) = readability(Document::from(prose.html.as_str()), url).map(Document::fragment) {
                if prose.is_mostly_in(&better) {
                    return Some(better);
                }
            }
            // Readability makes the same choice inside the block: the block as it is.
            return Some(Document::fragment(prose.inner));
        }
    }
    Some(content)
}

/// The page's own article element (`itemprop=articleBody`, a single `<article>`, `<main>`), as
/// a fragment, for when readability's block has little or nothing.
pub fn fallback_html(doc: Document) -> Option<Document> {
    boilerplate::remove_furniture(&doc);
    for sel in ["[itemprop=articleBody]", "article", "main, [role=main]"] {
        let found = doc.select(sel);
        let nodes = found.nodes();
        // Several articles are a list of teasers, not the page's article.
        if sel == "article" && nodes.len() != 1 {
            continue;
        }
        if let Some(node) = nodes.first() {
            if !node.text().trim().is_empty() {
                return Some(Document::fragment(node.html()));
            }
        }
    }
    None
}

fn readability(doc: Document, url: &Url) -> Option<String> {
    let cfg = Config { keep_classes: true, ..Config::default() };
    let mut readability = Readability::with_document(doc, Some(url.as_str()), Some(cfg)).ok()?;
    let article = readability.parse().ok()?;
    Some(article.content.to_string())
}

/// The block of a page with the most prose: paragraphs of sentences, counted by their length in
/// the block that holds them (half in the block above, so sections of one story add up).
struct ProseBlock {
    /// The block's HTML, as a page.
    html: String,
    /// The block's HTML.
    inner: String,
    /// The first characters of each of its paragraphs, with the paragraph's length.
    paragraphs: Vec<(String, usize)>,
}

impl ProseBlock {
    /// A paragraph shorter than this (in characters) is not counted as prose.
    const MIN_PARAGRAPH: usize = 80;
    /// Less prose than this (in characters) is no run of prose.
    const MIN_TOTAL: usize = 600;
    const KEY_CHARS: usize = 50;

    fn find(doc: &Document) -> Option<ProseBlock> {
        let mut scores: std::collections::HashMap<dom_query::NodeId, usize> = std::collections::HashMap::new();
        let mut prose: Vec<(NodeRef, String)> = Vec::new();
        for p in doc.select("body p").nodes() {
            let Some((text, _)) = prose_paragraph(p) else { continue };
            // Readers' comments are prose too, and on a busy blog more of it than the post.
            if p.ancestors_it(None).any(|a| is_comments(&a)) {
                continue;
            }
            let len = text.chars().count();
            let mut ancestors = p.ancestors_it(Some(2));
            if let Some(parent) = ancestors.next() {
                *scores.entry(parent.id).or_default() += len;
                if let Some(grandparent) = ancestors.next() {
                    *scores.entry(grandparent.id).or_default() += len / 2;
                }
            }
            prose.push((*p, text));
        }
        let (&best_id, &score) = scores.iter().max_by_key(|(id, score)| (**score, std::cmp::Reverse(**id)))?;
        if score < Self::MIN_TOTAL {
            return None;
        }
        let best = NodeRef::new(best_id, &doc.tree);
        let paragraphs: Vec<(String, usize)> = prose
            .into_iter()
            .filter(|(p, _)| p.ancestors_it(None).any(|a| a.id == best_id))
            .map(|(_, text)| (text.chars().take(Self::KEY_CHARS).collect(), text.chars().count()))
            .collect();
        // One paragraph is a blurb (an "about us" box), not a run of prose.
        if paragraphs.len() < 2 {
            return None;
        }
        let inner = best.html().to_string();
        Some(ProseBlock { html: format!("<html><body>{inner}</body></html>"), inner, paragraphs })
    }

    /// The innermost `<article>` whose heading is the page's headline, when the page has several
    /// and that one holds a run of prose.
    fn headlined_article(doc: &Document, title: &str) -> Option<ProseBlock> {
        let articles = doc.select("article");
        if articles.length() < 2 {
            return None;
        }
        let headed = |a: &NodeRef| {
            a.find(&["h1"]).iter().chain(a.find(&["h2"]).iter()).any(|h| crate::text::collapse_ws(&h.text()) == title)
        };
        // Innermost first; a list of stories (a sidebar's "more from this section") may name
        // this one too, without its text.
        let (own, paragraphs) = articles.nodes().iter().rev().filter(|a| headed(a)).find_map(|a| {
            let paragraphs: Vec<(String, usize)> = a
                .find(&["p"])
                .iter()
                .filter(|p| !p.ancestors_it(None).any(|a| is_comments(&a)))
                .filter_map(prose_paragraph)
                .map(|(text, len)| (text.chars().take(Self::KEY_CHARS).collect(), len))
                .collect();
            (paragraphs.len() >= 2).then_some((*a, paragraphs))
        })?;
        // The stories it lists (related teasers) are articles of their own.
        let own = Document::fragment(own.html());
        own.select("article article").remove();
        let inner = own.html().to_string();
        Some(ProseBlock { html: format!("<html><body>{inner}</body></html>"), inner, paragraphs })
    }

    /// How much prose the block holds, in characters.
    fn total(&self) -> usize {
        self.paragraphs.iter().map(|(_, len)| len).sum()
    }

    /// True if at least half of the block's prose is in `fragment`.
    fn is_mostly_in(&self, fragment: &Document) -> bool {
        let text = crate::text::collapse_ws(&fragment.root().text());
        let total: usize = self.paragraphs.iter().map(|(_, len)| len).sum();
        let found: usize =
            self.paragraphs.iter().filter(|(key, _)| text.contains(key.as_str())).map(|(_, len)| len).sum();
        found * 2 >= total
    }
}

/// Cleans the extracted fragment in place: furniture the candidate kept is removed.
pub fn clean_fragment(fragment: &Document) {
    boilerplate::remove_furniture(fragment);
    boilerplate::remove_furniture_text(&fragment.root());
    boilerplate::remove_orphan_headings(&fragment.root());
    drop_duplicate_alt_text(fragment);
}

/// A paragraph's text, and its length in characters, when it is prose: long enough, and made of
/// sentences.
fn prose_paragraph(p: &NodeRef) -> Option<(String, usize)> {
    let text = crate::text::collapse_ws(&p.text());
    let len = text.chars().count();
    let sentences = text.contains(". ") || text.ends_with(['.', '!', '?', '"', '”', '“', '»']);
    (len >= ProseBlock::MIN_PARAGRAPH && sentences).then_some((text, len))
}

/// How much prose (in characters) a fragment holds.
fn prose_chars(fragment: &Document) -> usize {
    fragment.select("p").nodes().iter().filter_map(prose_paragraph).map(|(_, len)| len).sum()
}

/// True if the element's class or id names a comment section (`comments`, `commentlist`,
/// `kommentare`, `comentarios`…).
fn is_comments(node: &NodeRef) -> bool {
    ["class", "id"].iter().any(|attr| {
        node.attr(attr).is_some_and(|v| {
            let v = v.to_ascii_lowercase();
            ["comment", "komment", "coment", "reply", "respond", "discussion"].iter().any(|w| v.contains(w))
        })
    })
}

/// An image whose `alt` repeats its figure's caption would print the caption twice (once by
/// readers that show alt text); the caption says it, so the image needs no alt of its own.
fn drop_duplicate_alt_text(fragment: &Document) {
    for figure in fragment.select("figure").nodes() {
        let caption =
            figure.find(&["figcaption"]).first().map(|c| crate::text::collapse_ws(&c.text())).unwrap_or_default();
        if caption.is_empty() {
            continue;
        }
        for img in figure.find(&["img"]) {
            let alt = img.attr("alt").map(|a| crate::text::collapse_ws(&a)).unwrap_or_default();
            if !alt.is_empty() && (caption.contains(&alt) || alt.contains(&caption) || same_words(&alt, &caption)) {
                img.set_attr("alt", "");
            }
        }
    }
}

/// Equal but for punctuation and quote styles ("jihadist's" and "jihadist’s").
fn same_words(a: &str, b: &str) -> bool {
    let words = |s: &str| {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect::<Vec<_>>()
    };
    words(a) == words(b)
}

/// True if the node is an element named `name`.
pub fn is_named(node: &NodeRef, name: &str) -> bool {
    node.node_name().is_some_and(|n| n.eq_ignore_ascii_case(name))
}

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
pub fn article_html(doc: Document, url: &Url) -> Option<String> {
    boilerplate::remove_furniture(&doc);
    let cfg = Config { keep_classes: true, ..Config::default() };
    let mut readability = Readability::with_document(doc, Some(url.as_str()), Some(cfg)).ok()?;
    let article = readability.parse().ok()?;
    Some(article.content.to_string())
}

/// Cleans the extracted fragment in place: furniture the candidate kept is removed.
pub fn clean_fragment(fragment: &Document) {
    boilerplate::remove_furniture(fragment);
    boilerplate::remove_furniture_text(&fragment.root());
    boilerplate::remove_orphan_headings(&fragment.root());
    drop_duplicate_alt_text(fragment);
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

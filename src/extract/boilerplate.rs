//! Site furniture: the parts of a page that are not the article.
//!
//! Two detectors. By markup: elements whose class, id or role names furniture (`newsletter`,
//! `cookie`, `share`, `related`, `most-popular`, …), and hidden elements. By text: short blocks that
//! read as furniture ("Like this story? Share it", "Sign up for our newsletter", "Privacy Overview",
//! "Most Popular", a comment-community blurb). Text rules only apply to short blocks, so an article
//! that happens to discuss newsletters or cookies is not cut.

use std::collections::HashMap;

use dom_query::{Document, NodeId, NodeRef};

use crate::text::collapse_ws;

/// Class or id words that mark furniture. Matched against the words of `class` and `id` split on
/// non-letters, so `share` matches `share-bar` and `post_share` but not `shared` or `shareholder`.
const FURNITURE_WORDS: &[&str] = &[
    "newsletter",
    "newsletters",
    "subscribe",
    "subscription",
    "signup",
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "share",
    "sharing",
    "sharebar",
    "social",
    "sociallinks",
    "related",
    "relatedposts",
    "mostpopular",
    "mostread",
    "outbrain",
    "taboola",
    "promo",
    "advertisement",
    "advert",
    "sponsored",
    "disqus",
    "comments",
    "breadcrumb",
    "breadcrumbs",
    "paywall",
    "popup",
    "modal",
];

/// Multi-word class names (`most-popular`, `read-more`) checked on the joined form.
const FURNITURE_JOINED: &[&str] = &[
    "mostpopular",
    "mostread",
    "readmore",
    "relatedarticles",
    "relatedstories",
    "relatedcontent",
    "morestories",
    "moreon",
    "youmayalsolike",
    "sharetools",
    "socialshare",
    "sharebuttons",
    "newslettersignup",
    "emailsignup",
    "cookiebanner",
    "cookienotice",
    "cookieconsent",
    "privacyoverview",
    "authorbio",
    "newsletterbox",
];

/// Removes furniture elements found by their markup.
pub fn remove_furniture(doc: &Document) {
    let mut doomed: Vec<NodeRef> = Vec::new();
    for node in doc.select("[class], [id], [role], [hidden], [aria-hidden], [style]").nodes() {
        if is_furniture_markup(node) {
            doomed.push(*node);
        }
    }
    for node in doc.select("nav, dialog, [role=navigation], [role=dialog], [role=alertdialog]").nodes() {
        doomed.push(*node);
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

fn is_furniture_markup(node: &NodeRef) -> bool {
    let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
    if matches!(name.as_str(), "html" | "body" | "main" | "article") {
        return false;
    }
    if node.has_attr("hidden") || node.attr("aria-hidden").is_some_and(|v| v.trim() == "true") {
        return true;
    }
    if let Some(style) = node.attr("style") {
        let s: String = style.to_ascii_lowercase().chars().filter(|c| !c.is_whitespace()).collect();
        if s.contains("display:none") || s.contains("visibility:hidden") {
            return true;
        }
    }
    let mut words: Vec<String> = Vec::new();
    let mut joined_hit = false;
    for attr in ["class", "id"] {
        if let Some(v) = node.attr(attr) {
            for token in v.split_whitespace() {
                let lower = token.to_ascii_lowercase();
                let joined: String = lower.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                joined_hit |= FURNITURE_JOINED.iter().any(|j| joined.contains(j));
                words.extend(
                    lower.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_owned),
                );
            }
        }
    }
    // Content containers often carry furniture words as modifiers ("entry-content-read-more",
    // "article-body has-share-bar"): keep anything that also says it is the content.
    if words
        .iter()
        .any(|w| matches!(w.as_str(), "content" | "article" | "body" | "story" | "entry" | "post" | "main" | "text"))
    {
        return false;
    }
    if !joined_hit && !words.iter().any(|w| FURNITURE_WORDS.contains(&w.as_str())) {
        return false;
    }
    // A page wrapper named after an ad slot ("m-advertisement-off-canvas--pusher") holds the
    // article itself: furniture does not hold several long paragraphs.
    !holds_article_text(node)
}

/// True if `node` is where the text is: three long paragraphs, or half the text of a fragment
/// of `root_chars` bytes.
fn holds_prose(node: &NodeRef, root_chars: usize) -> bool {
    holds_article_text(node) || node.text().len() * 2 > root_chars
}

/// True if `node` contains at least three paragraphs of real prose.
fn holds_article_text(node: &NodeRef) -> bool {
    let mut long = 0;
    for d in node.descendants_it() {
        if d.is_element() && d.node_name().is_some_and(|n| n.as_ref() == "p") && d.text().len() > 200 {
            long += 1;
            if long >= 3 {
                return true;
            }
        }
    }
    false
}

/// Phrases that begin furniture blocks, lower-case.
const FURNITURE_STARTS: &[&str] = &[
    "like this story",
    "share this",
    "share on",
    "share via",
    "share article",
    "follow us on",
    "sign up for",
    "sign up to",
    "subscribe to",
    "subscribe now",
    "newsletter",
    "get the latest",
    "privacy overview",
    "this website uses cookies",
    "we use cookies",
    "by continuing to use",
    "most popular",
    "most read",
    "read more:",
    "read more about",
    "read also",
    "related:",
    "related articles",
    "related stories",
    "related content",
    "recommended for you",
    "you may also like",
    "you might also like",
    "more from",
    "don't miss",
    "advertisement",
    "click here to",
    "if you’d like to comment",
    "if you'd like to comment",
    "join the ",
    "commenting is available",
    "please use the following structure",
    "confirm mail",
    "thank you! now check your email",
    "you are now a member",
    "already a member",
    "log in to comment",
    "comments are closed",
    "leave a comment",
    "all rights reserved",
    "copyright ©",
    "© copyright",
    "email address",
    "enter your email",
];

/// Removes short blocks whose text reads as furniture.
pub fn remove_furniture_text(root: &NodeRef) {
    let mut doomed = Vec::new();
    for node in root.descendants_it() {
        if !node.is_element() {
            continue;
        }
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if !matches!(
            name.as_str(),
            "p" | "div" | "section" | "li" | "ul" | "h2" | "h3" | "h4" | "h5" | "h6" | "span" | "strong" | "em" | "b"
        ) {
            continue;
        }
        let text = collapse_ws(&node.text());
        if text.is_empty() || text.split_whitespace().count() > 40 {
            continue;
        }
        let lower = text.to_lowercase();
        if FURNITURE_STARTS.iter().any(|p| lower.starts_with(p)) || lower == "read more" || lower == "share" {
            doomed.push(node);
        }
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// Class or id words of elements that annotate the article rather than tell it: captions, photo
/// credits, galleries, bylines and timestamps. They stay in the reader's HTML but not in the text.
const ANNOTATION_WORDS: &[&str] = &[
    "caption",
    "captions",
    "credit",
    "credits",
    "gallery",
    "slideshow",
    "carousel",
    "byline",
    "dateline",
    "timestamp",
    "lightbox",
    "figcaption",
    "photocredit",
    "imagecredit",
];

/// Removes what is not prose from a fragment whose HTML has already been taken: figures and their
/// captions, credits, galleries, bylines, datelines, link lists. Only the plain text (what search
/// indexes and briefings quote) is rendered after this.
pub fn strip_annotations(root: &NodeRef) {
    let mut doomed = Vec::new();
    let root_chars = root.text().len();
    // Annotation words found on blocks that turned out to hold the article, by block.
    let mut spared: HashMap<NodeId, Vec<&str>> = HashMap::new();
    for node in root.descendants_it() {
        if !node.is_element() {
            continue;
        }
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if matches!(name.as_str(), "figure" | "figcaption" | "picture") {
            doomed.push(node);
            continue;
        }
        let words = matching_words(&node, ANNOTATION_WORDS);
        if !words.is_empty() {
            // A class names what a block is *near*, not always what it is: `format-gallery` on a
            // blog post, `js-post-gallery` on an article. A block that holds the prose is the
            // article, and inside it the word is the site's prefix for everything
            // (`editorial-gallery__item`), not a mark of captions.
            let inherited = node
                .ancestors_it(None)
                .any(|a| spared.get(&a.id).is_some_and(|parent_words| words.iter().all(|w| parent_words.contains(w))));
            if inherited {
                continue;
            }
            if holds_prose(&node, root_chars) {
                spared.insert(node.id, words);
                continue;
            }
            doomed.push(node);
            continue;
        }
        if !matches!(
            name.as_str(),
            "p" | "div" | "li" | "span" | "h2" | "h3" | "h4" | "h5" | "h6" | "time" | "small" | "address" | "ul" | "ol"
        ) {
            continue;
        }
        let text = collapse_ws(&node.text());
        if text.is_empty() {
            continue;
        }
        if is_annotation_text(&text) || is_link_list(&node, &text) {
            doomed.push(node);
        }
    }
    for node in doomed {
        node.remove_from_parent();
    }
}

/// The words of `list` that the node's class or id holds.
fn matching_words<'a>(node: &NodeRef, list: &[&'a str]) -> Vec<&'a str> {
    let mut found = Vec::new();
    for attr in ["class", "id"] {
        if let Some(v) = node.attr(attr) {
            for w in v.to_ascii_lowercase().split(|c: char| !c.is_ascii_alphanumeric()) {
                if let Some(hit) = list.iter().find(|l| **l == w) {
                    if !found.contains(hit) {
                        found.push(*hit);
                    }
                }
            }
        }
    }
    found
}

/// Short lines that credit, date or sign the article rather than tell it.
fn is_annotation_text(text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 25 {
        return false;
    }
    let lower = text.to_lowercase();
    const STARTS: &[&str] = &[
        "by ",
        "updated",
        "published",
        "posted",
        "last updated",
        "last modified",
        "photo:",
        "photos:",
        "image:",
        "(image",
        "image credit",
        "credit:",
        "photograph:",
        "picture:",
        "pictures:",
        "video:",
        "©",
        "(c)",
        "copyright",
        "image 1 of",
        "email ",
        "e-mail ",
        "follow ",
        "reach the reporter",
        "contact ",
        "citation:",
        "this document is subject to copyright",
        "this article was originally published",
        "see more:",
        "read more",
        "related:",
        "more:",
        "watch:",
        "listen:",
        "also read",
        "continue reading",
        "click here",
        "this slideshow requires",
        "have a tip?",
        "sharing is caring",
        "want more stories like this",
        "tell us what you think",
    ];
    const EQUALS: &[&str] =
        &["caption", "close", "advertisement", "advert", "share", "comments", "print", "email", "tweet"];
    if EQUALS.contains(&lower.trim_matches(|c: char| !c.is_alphanumeric() && c != '_')) {
        return true;
    }
    if words <= 12 && STARTS.iter().any(|s| lower.starts_with(s)) {
        return true;
    }
    // "Updated 5:27 am CST, Wednesday, November 20, 2019": a date line with no sentence.
    // (A tweet's attribution line, "— Name (@handle) November 18, 2019", is part of the quote.)
    words <= 10 && !text.ends_with('.') && !text.starts_with(['—', '–', '-']) && looks_like_dateline(&lower)
}

fn looks_like_dateline(lower: &str) -> bool {
    const MONTHS: &[&str] = &["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let has_month = lower
        .split(|c: char| !c.is_alphabetic())
        .any(|w| w.len() >= 3 && MONTHS.iter().any(|m| w.starts_with(m)) && w.len() <= 9);
    let has_year = lower
        .split(|c: char| !c.is_ascii_digit())
        .any(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")));
    let has_time = lower.contains(" am") || lower.contains(" pm") || lower.contains(':');
    has_month && (has_year || has_time)
}

/// A short block that is mostly links: a related-stories list, a tag list, a "more on" line.
fn is_link_list(node: &NodeRef, text: &str) -> bool {
    let words = text.split_whitespace().count();
    if words > 60 {
        return false;
    }
    let links: Vec<NodeRef> =
        node.descendants_it().filter(|d| d.is_element() && d.node_name().is_some_and(|n| n.as_ref() == "a")).collect();
    let link_chars: usize = links.iter().map(|a| collapse_ws(&a.text()).chars().count()).sum();
    let total = text.chars().count();
    // One linked sentence is prose that cites its source; a list of links is not.
    let one_sentence = links.len() < 2 && text.ends_with(['.', '!', '?', '"', '”']);
    total > 0 && !one_sentence && link_chars * 10 >= total * 8
}

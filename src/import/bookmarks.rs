//! HTML lists of links: the Netscape bookmark file every browser exports (Chromium, Firefox,
//! Safari, Edge) and Pocket's older `ril_export.html`.
//!
//! A Netscape file nests folders as `<DT><H3>Folder</H3><DL>…</DL>`; each bookmark is
//! `<DT><A HREF ADD_DATE TAGS>Title</A>`, optionally followed by `<DD>description`. Folders become
//! topics (`Folder/Subfolder`), except the browsers' own containers (the toolbar, "Other
//! bookmarks"), which they mark with an attribute; `TAGS` become topics too; the description is
//! the note; `ADD_DATE` the saved date. Firefox's `place:` queries are not bookmarks and are left
//! out. A file whose `<DL>` lists are not all closed was cut short.

use std::path::Path;

use dom_query::{Document, NodeRef};

use super::{no_url, parse_error, truncated, unix_time, web_url, Entry, ImportItem};
use crate::error::Result;

/// Reads a Netscape bookmark file.
pub fn parse_netscape(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let lower = text.to_ascii_lowercase();
    if !lower.contains("<!doctype netscape-bookmark-file-1>") {
        return Err(parse_error(path, "Netscape bookmarks", "no <!DOCTYPE NETSCAPE-Bookmark-file-1> line"));
    }
    check_closed(path, &lower, "dl")?;
    let doc = Document::from(text);
    let mut entries = Vec::new();
    for a in doc.select("a").nodes() {
        let href = a.attr("href").map(|h| h.to_string()).unwrap_or_default();
        if href.trim_start().starts_with("place:") {
            continue;
        }
        let title = clean(&a.text());
        let Some(url) = web_url(Some(&href)) else {
            entries.push(Err(no_url(if title.is_empty() {
                format!("bookmark {href:?}")
            } else {
                format!("bookmark {title:?}")
            })));
            continue;
        };
        let mut tags = Vec::new();
        let folders = folder_path(a);
        if !folders.is_empty() {
            tags.push(folders.join("/"));
        }
        tags.extend(split_tags(a.attr("tags").as_deref().unwrap_or_default(), ','));
        entries.push(Ok(ImportItem {
            url,
            title: Some(title).filter(|t| !t.is_empty()),
            tags,
            note: description(a),
            saved_at: a.attr("add_date").and_then(|d| d.trim().parse().ok()).and_then(unix_time),
            ..Default::default()
        }));
    }
    Ok(entries)
}

/// Reads Pocket's HTML export: `<ul>` lists of `<a href time_added tags>`.
pub fn parse_pocket_html(path: &Path, text: &str) -> Result<Vec<Entry>> {
    let lower = text.to_ascii_lowercase();
    if count_open(&lower, "ul") == 0 {
        return Err(parse_error(path, "Pocket HTML", "no list of links (<ul>)"));
    }
    check_closed(path, &lower, "ul")?;
    if !lower.trim_end().ends_with("</html>") {
        return Err(truncated(path, "the page does not end with </html>"));
    }
    let doc = Document::from(text);
    let mut entries = Vec::new();
    for a in doc.select("ul a").nodes() {
        let href = a.attr("href").map(|h| h.to_string()).unwrap_or_default();
        let title = clean(&a.text());
        let Some(url) = web_url(Some(&href)) else {
            entries.push(Err(no_url(format!("link {title:?}"))));
            continue;
        };
        entries.push(Ok(ImportItem {
            url,
            title: Some(title).filter(|t| !t.is_empty()),
            tags: split_tags(a.attr("tags").as_deref().unwrap_or_default(), ','),
            saved_at: a.attr("time_added").and_then(|d| d.trim().parse().ok()).and_then(unix_time),
            ..Default::default()
        }));
    }
    Ok(entries)
}

/// Tags as a list: split, trimmed, empty ones dropped.
pub(super) fn split_tags(tags: &str, separator: char) -> Vec<String> {
    tags.split(separator).map(clean).filter(|t| !t.is_empty()).collect()
}

fn clean(s: &str) -> String {
    crate::text::collapse_ws(s)
}

/// The folders a bookmark is in, outermost first: for each enclosing `<DL>`, the `<H3>` before it.
fn folder_path(a: &NodeRef) -> Vec<String> {
    let mut path = Vec::new();
    for ancestor in a.ancestors(None) {
        if !ancestor.node_name().is_some_and(|n| n.eq_ignore_ascii_case("dl")) {
            continue;
        }
        let Some(h3) = ancestor.prev_element_sibling() else { continue };
        if !h3.node_name().is_some_and(|n| n.eq_ignore_ascii_case("h3")) {
            continue;
        }
        // The browsers' own containers are not the analyst's folders.
        if h3.attr("personal_toolbar_folder").is_some() || h3.attr("unfiled_bookmarks_folder").is_some() {
            continue;
        }
        let name = clean(&h3.text());
        if !name.is_empty() {
            path.push(name);
        }
    }
    path.reverse();
    path
}

/// The `<DD>` description after a bookmark's `<DT>`.
fn description(a: &NodeRef) -> Option<String> {
    let dt = a.parent().filter(|p| p.node_name().is_some_and(|n| n.eq_ignore_ascii_case("dt")))?;
    let dd = dt.next_element_sibling().filter(|n| n.node_name().is_some_and(|n| n.eq_ignore_ascii_case("dd")))?;
    // A <DD> holds its own text up to the next <DT>, which the parser may have put inside it.
    let text: String = dd
        .children()
        .into_iter()
        .take_while(|c| !c.node_name().is_some_and(|n| n.eq_ignore_ascii_case("dt") || n.eq_ignore_ascii_case("dl")))
        .map(|c| c.text().to_string())
        .collect();
    Some(clean(&text)).filter(|t| !t.is_empty())
}

/// Opening tags `<NAME>` or `<NAME …>` in lower-cased HTML.
fn count_open(lower: &str, name: &str) -> usize {
    let open = format!("<{name}");
    lower
        .match_indices(&open)
        .filter(|(i, _)| lower.as_bytes().get(i + open.len()).is_some_and(|b| *b == b'>' || b.is_ascii_whitespace()))
        .count()
}

/// Every `<NAME>` list closed: a file cut short leaves some open.
fn check_closed(path: &Path, lower: &str, name: &str) -> Result<()> {
    let (open, closed) = (count_open(lower, name), lower.matches(&format!("</{name}>")).count());
    if open > closed {
        return Err(truncated(
            path,
            format!("{} of its <{}> lists are not closed", open - closed, name.to_ascii_uppercase()),
        ));
    }
    Ok(())
}

//! The JSON exports of read-later apps, in the shapes their documentation and code give:
//!
//! - **Wallabag** (`Export → JSON`): an array of entries `{title, url, content, tags: [name],
//!   created_at, published_at, published_by: [name], annotations: [{quote, text}], domain_name}` —
//!   the article's HTML comes with it, so nothing is fetched; annotations become highlights with
//!   their note.
//! - **Omnivore** (its export, unzipped): `metadata_*.json` (arrays of `{id, slug, title,
//!   description, author, url, labels, savedAt, publishedAt}`), `content/SLUG.html` and
//!   `highlights/SLUG.md` (each highlight a `> quote` block, its note on the lines after). Give
//!   the folder or one metadata file (its folder is read for the content).
//! - **Karakeep** (formerly Hoarder, `Settings → Import/Export`): `{bookmarks: [{createdAt (Unix
//!   seconds), title, tags: [name], content: {type: "link", url} | {type: "text", text} | null,
//!   note}]}` — links carry no content (`--fetch-missing`), text notes have no URL.
//! - **Linkwarden** (`Settings → Data → Export`): the account with its `collections: [{id, name,
//!   parentId, links: [{name, url, description, textContent, tags: [{name}], createdAt,
//!   importDate}]}]` — collections become topics (with their parents), `textContent` the article's
//!   text.
//!
//! A file cut short ends before its JSON does: `import.truncated`.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

use super::{json, no_url, parse_error, parse_time, source_key, unix_time, web_url, Entry, Format, ImportItem, Parsed};
use crate::clip::Quote;
use crate::error::{Error, Result};

/// A string, or `null` where the export had nothing.
type Text = Option<String>;

fn some(s: &Text) -> Option<String> {
    s.as_deref().map(crate::text::collapse_ws).filter(|t| !t.is_empty())
}

fn label(kind: &str, i: usize, title: Option<&str>) -> String {
    match title {
        Some(t) => format!("{kind} {} ({t})", i + 1),
        None => format!("{kind} {}", i + 1),
    }
}

// ---- Wallabag ----

#[derive(Deserialize)]
struct WallabagEntry {
    #[serde(default)]
    title: Text,
    #[serde(default)]
    url: Text,
    #[serde(default)]
    content: Text,
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    created_at: Text,
    #[serde(default)]
    published_at: Text,
    #[serde(default)]
    published_by: Option<Vec<String>>,
    #[serde(default)]
    annotations: Option<Vec<WallabagAnnotation>>,
    #[serde(default)]
    domain_name: Text,
}

#[derive(Deserialize)]
struct WallabagAnnotation {
    #[serde(default)]
    quote: Text,
    #[serde(default)]
    text: Text,
}

pub fn parse_wallabag(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let entries: Vec<WallabagEntry> = json(path, "Wallabag JSON", bytes)?;
    Ok(entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| -> Entry {
            let title = some(&e.title);
            let url = web_url(e.url.as_deref()).ok_or_else(|| no_url(label("entry", i, title.as_deref())))?;
            Ok(ImportItem {
                url,
                title,
                content_html: e.content.filter(|c| !c.trim().is_empty()),
                tags: e.tags.unwrap_or_default(),
                highlights: e
                    .annotations
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|a| Some(Quote { text: some(&a.quote)?, note: some(&a.text) }))
                    .collect(),
                saved_at: e.created_at.as_deref().and_then(parse_time),
                published_at: e.published_at.as_deref().and_then(parse_time),
                authors: e.published_by.unwrap_or_default().into_iter().filter(|a| !a.trim().is_empty()).collect(),
                site_name: some(&e.domain_name),
                ..Default::default()
            })
        })
        .collect())
}

// ---- Omnivore ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OmnivoreItem {
    #[serde(default)]
    slug: Text,
    #[serde(default)]
    title: Text,
    #[serde(default)]
    author: Text,
    #[serde(default)]
    url: Text,
    #[serde(default)]
    labels: Option<Vec<OmnivoreLabel>>,
    #[serde(default)]
    saved_at: Text,
    #[serde(default)]
    published_at: Text,
}

/// Labels are names; some versions wrote `{name}` objects.
#[derive(Deserialize)]
#[serde(untagged)]
enum OmnivoreLabel {
    Name(String),
    Object { name: String },
}

/// Reads an Omnivore export: its folder, or one of its metadata files.
pub fn read_omnivore(path: &Path) -> Result<Parsed> {
    let dir = super::dir_of(path);
    let mut files = Vec::new();
    if path.is_dir() {
        let listing = std::fs::read_dir(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
        for entry in listing {
            let p = entry.map_err(|source| Error::Io { path: path.to_owned(), source })?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if name.starts_with("metadata_") && name.ends_with(".json") {
                files.push(p);
            }
        }
        // metadata_0_to_20.json, metadata_20_to_40.json…: in the order of their first number.
        files.sort_by_key(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
            let first: u64 =
                name.trim_start_matches("metadata_").split('_').next().and_then(|n| n.parse().ok()).unwrap_or(0);
            (first, name)
        });
        if files.is_empty() {
            return Err(parse_error(path, "Omnivore export", "no metadata_*.json file in the folder"));
        }
    } else {
        files.push(path.to_owned());
    }
    let mut contents = Vec::new();
    for f in &files {
        contents.push(std::fs::read(f).map_err(|source| Error::Io { path: f.clone(), source })?);
    }
    let mut entries = Vec::new();
    for (f, bytes) in files.iter().zip(&contents) {
        let items: Vec<OmnivoreItem> = json(f, "Omnivore export", bytes)?;
        for item in items {
            let i = entries.len();
            let title = some(&item.title);
            let Some(url) = web_url(item.url.as_deref()) else {
                entries.push(Err(no_url(label("item", i, title.as_deref()))));
                continue;
            };
            let slug = item.slug.as_deref().filter(|s| is_file_name(s));
            let read = |sub: &str, ext: &str| -> Result<Option<String>> {
                let Some(slug) = slug else { return Ok(None) };
                let p = dir.join(sub).join(format!("{slug}.{ext}"));
                match std::fs::read(&p) {
                    Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                    Err(source) => Err(Error::Io { path: p, source }),
                }
            };
            let content_html = read("content", "html")?.filter(|c| !c.trim().is_empty());
            let highlights = read("highlights", "md")?.map(|md| omnivore_highlights(&md)).unwrap_or_default();
            entries.push(Ok(ImportItem {
                url,
                title,
                content_html,
                tags: item
                    .labels
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| match l {
                        OmnivoreLabel::Name(n) | OmnivoreLabel::Object { name: n } => n,
                    })
                    .collect(),
                highlights,
                saved_at: item.saved_at.as_deref().and_then(parse_time),
                published_at: item.published_at.as_deref().and_then(parse_time),
                authors: some(&item.author).into_iter().collect(),
                ..Default::default()
            }));
        }
    }
    let parts: Vec<&[u8]> = contents.iter().map(Vec::as_slice).collect();
    Ok(Parsed { entries, source: source_key(Format::Omnivore, &parts) })
}

/// A slug used as a file name: no path separators, no parent directory.
fn is_file_name(slug: &str) -> bool {
    !slug.is_empty() && !slug.contains(['/', '\\']) && slug != "." && slug != ".."
}

/// Omnivore's highlights file: each highlight a `> quote` block (a link back to Omnivore at its
/// end), the analyst's note on the lines after it.
fn omnivore_highlights(md: &str) -> Vec<Quote> {
    let mut out: Vec<Quote> = Vec::new();
    let mut quote: Vec<String> = Vec::new();
    let mut note: Vec<String> = Vec::new();
    let mut flush = |quote: &mut Vec<String>, note: &mut Vec<String>| {
        if !quote.is_empty() {
            let text = crate::text::collapse_ws(&quote.join(" "));
            let n = crate::text::collapse_ws(&note.join(" "));
            if !text.is_empty() {
                out.push(Quote { text, note: Some(n).filter(|n| !n.is_empty()) });
            }
        }
        quote.clear();
        note.clear();
    };
    // Omnivore writes `> passage [⤴️](link)`, then (after a blank line) the note, then a blank
    // line: a `>` line after a blank line or a note starts the next passage.
    let mut after_blank = false;
    for line in md.lines() {
        let t = line.trim();
        if let Some(q) = t.strip_prefix('>') {
            if !note.is_empty() || after_blank {
                flush(&mut quote, &mut note);
            }
            after_blank = false;
            // Drop the trailing link back to Omnivore: " [⤴️](https://omnivore.app/…)".
            let q = match q.rfind(" [") {
                Some(at) if q.trim_end().ends_with(')') && q.get(at..).is_some_and(|l| l.contains("](")) => {
                    q.get(..at).unwrap_or(q)
                }
                _ => q,
            };
            quote.push(q.trim().to_owned());
        } else if t.is_empty() {
            after_blank = true;
        } else if t.starts_with('#') && quote.is_empty() {
            // The file's heading.
        } else if !quote.is_empty() {
            after_blank = false;
            note.push(t.to_owned());
        }
    }
    flush(&mut quote, &mut note);
    out
}

// ---- Karakeep ----

#[derive(Deserialize)]
struct KarakeepExport {
    bookmarks: Vec<KarakeepBookmark>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KarakeepBookmark {
    #[serde(default)]
    created_at: Option<serde_json::Number>,
    #[serde(default)]
    title: Text,
    #[serde(default)]
    tags: Option<Vec<String>>,
    /// `{type: "link", url}`, `{type: "text", text}`, `{type: "asset", …}` or null.
    #[serde(default)]
    content: Option<serde_json::Value>,
    #[serde(default)]
    note: Text,
}

pub fn parse_karakeep(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let export: KarakeepExport = json(path, "Karakeep export", bytes)?;
    Ok(export
        .bookmarks
        .into_iter()
        .enumerate()
        .map(|(i, b)| -> Entry {
            let title = some(&b.title);
            // Links have a URL; text notes and assets (images, PDFs) do not.
            let url = b
                .content
                .as_ref()
                .filter(|c| c.get("type").and_then(serde_json::Value::as_str) == Some("link"))
                .and_then(|c| web_url(c.get("url").and_then(serde_json::Value::as_str)));
            let url = url.ok_or_else(|| no_url(label("bookmark", i, title.as_deref())))?;
            Ok(ImportItem {
                url,
                title,
                tags: b.tags.unwrap_or_default(),
                note: b.note.filter(|n| !n.trim().is_empty()),
                saved_at: b.created_at.and_then(|n| n.as_i64()).and_then(unix_time),
                ..Default::default()
            })
        })
        .collect())
}

// ---- Linkwarden ----

#[derive(Deserialize)]
struct LinkwardenBackup {
    collections: Vec<LinkwardenCollection>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkwardenCollection {
    #[serde(default)]
    id: Option<i64>,
    #[serde(default)]
    name: Text,
    #[serde(default)]
    parent_id: Option<i64>,
    #[serde(default)]
    links: Vec<LinkwardenLink>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LinkwardenLink {
    #[serde(default)]
    name: Text,
    #[serde(default)]
    url: Text,
    #[serde(default)]
    description: Text,
    #[serde(default)]
    text_content: Text,
    #[serde(default)]
    tags: Vec<LinkwardenTag>,
    #[serde(default)]
    created_at: Text,
    #[serde(default)]
    import_date: Text,
}

#[derive(Deserialize)]
struct LinkwardenTag {
    name: String,
}

pub fn parse_linkwarden(path: &Path, bytes: &[u8]) -> Result<Vec<Entry>> {
    let backup: LinkwardenBackup = json(path, "Linkwarden export", bytes)?;
    let by_id: HashMap<i64, &LinkwardenCollection> =
        backup.collections.iter().filter_map(|c| Some((c.id?, c))).collect();
    // A collection's path from the root ("Research/Energy"), at most 32 levels up.
    let path_of = |c: &LinkwardenCollection| -> Option<String> {
        let mut names = vec![some(&c.name)?];
        let mut parent = c.parent_id;
        while let Some(p) = parent.and_then(|id| by_id.get(&id)).filter(|_| names.len() < 32) {
            names.extend(some(&p.name));
            parent = p.parent_id;
        }
        names.reverse();
        Some(names.join("/"))
    };
    let mut entries = Vec::new();
    for collection in &backup.collections {
        let topic = path_of(collection);
        for link in &collection.links {
            let i = entries.len();
            let title = some(&link.name);
            let Some(url) = web_url(link.url.as_deref()) else {
                entries.push(Err(no_url(label("link", i, title.as_deref()))));
                continue;
            };
            let mut tags: Vec<String> = topic.iter().cloned().collect();
            tags.extend(link.tags.iter().map(|t| t.name.clone()));
            entries.push(Ok(ImportItem {
                url,
                title,
                text: link.text_content.clone().filter(|t| !t.trim().is_empty()),
                tags,
                note: link.description.clone().filter(|n| !n.trim().is_empty()),
                saved_at: link.import_date.as_deref().or(link.created_at.as_deref()).and_then(parse_time),
                ..Default::default()
            }));
        }
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn omnivore_highlights_with_notes() {
        let md = "# Highlights of A\n\n> The first passage [⤴️](https://omnivore.app/me/a#x)\n\nMy note on it.\nSecond line.\n\n\
                  > A second\n> passage\n\n> Third [⤴️](https://omnivore.app/me/a#z)\n";
        let got = omnivore_highlights(md);
        let want =
            [("The first passage", Some("My note on it. Second line.")), ("A second passage", None), ("Third", None)];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (q, (text, note)) in got.iter().zip(want) {
            assert_eq!(q.text, text);
            assert_eq!(q.note.as_deref(), note);
        }
    }
}

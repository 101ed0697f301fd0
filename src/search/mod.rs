//! Searching the library: ranked results with highlighted snippets and facets over the whole
//! result set, in the query language of [`query`].
//!
//! SQLite finds the matching clips (one pass over the full-text index, bm25 computed there);
//! sorting, the total and the five facets are computed in memory from a compact per-clip index
//! ([`facets::FacetIndex`]: site, language, month, tags), kept by the [`Library`] and rebuilt when
//! the library changes. Only the page of results shown is read back from the tables, with its
//! snippets. A query matching a fifth of a 100,000-clip library so costs one index scan and a few
//! milliseconds of counting, not a join per facet.
//!
//! Results can be *collapsed*: one row per story (its best-ranked matching clip) carrying the
//! story's size, how many of its clips matched, its outlets and languages; the total and the facets
//! then count stories.

pub mod facets;
pub mod query;
pub mod saved;

use std::sync::Arc;

use chrono::Utc;
use rusqlite::{params_from_iter, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{time_from_db, ClipTag};
use crate::text::fts_unprepare;
use crate::Library;
use query::{Compiled, Node};

/// Column weights for bm25: title, text, note, authors, site.
const BM25_WEIGHTS: &str = "10.0, 1.0, 4.0, 3.0, 2.0";

/// Snippet highlight markers as SQLite writes them (private-use characters no page contains
/// after extraction); turned into `<mark>` in the result.
const MARK_OPEN: char = '\u{E000}';
const MARK_CLOSE: char = '\u{E001}';

/// How results are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
    Oldest,
}

impl Sort {
    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "relevance" => Ok(Sort::Relevance),
            "newest" => Ok(Sort::Newest),
            "oldest" => Ok(Sort::Oldest),
            other => {
                Err(Error::input("input.sort", format!("unknown sort {other:?}: expected relevance, newest or oldest")))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: i64,
    pub title: String,
    pub site_name: Option<String>,
    pub published_at: Option<String>,
    /// A passage around the matches: HTML-escaped text with the matched words in `<mark>`.
    pub snippet: String,
    /// Higher is more relevant (negated bm25); 0 when the query has no words.
    pub score: f64,
    pub tags: Vec<ClipTag>,
    /// The clip's story.
    pub story_id: Option<i64>,
    /// Clips in the story (1 for a clip alone).
    pub story_size: i64,
    /// Clips of the story this query matches (collapsed, the row stands for them all).
    pub matched: i64,
    /// Outlets that carried the story, its original's first.
    pub outlets: Vec<String>,
    /// Languages of the story's clips, its original's first.
    pub languages: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    pub name: String,
    pub count: i64,
}

/// Counts over the whole result set.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Facets {
    /// Each topic counts its clips and its subtopics' clips.
    pub topic: Vec<FacetCount>,
    pub actor: Vec<FacetCount>,
    pub site: Vec<FacetCount>,
    pub lang: Vec<FacetCount>,
    /// By publication month, "2016-07".
    pub month: Vec<FacetCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    pub total: i64,
    pub results: Vec<Hit>,
    pub facets: Facets,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub limit: i64,
    pub offset: i64,
    pub sort: Sort,
    /// Facets are computed unless turned off (a list view scrolling through pages needs them once).
    pub facets: bool,
    /// How many values each facet lists at most.
    pub facet_limit: i64,
    /// One row per story (its best-ranked matching clip); the total and the facets count stories.
    pub collapse: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { limit: 20, offset: 0, sort: Sort::Relevance, facets: true, facet_limit: 50, collapse: false }
    }
}

/// Parses a query, expanding saved searches it names.
pub fn parse(conn: &Connection, q: &str) -> Result<Node> {
    let node = query::parse(q).map_err(|e| Error::input("query.syntax", e.to_string()))?;
    saved::expand(conn, node)
}

/// Runs a query on a connection (building the facet index for this one search; a [`Library`]
/// keeps it between searches, see [`Library::search`]).
pub fn search(conn: &Connection, q: &str, opts: Options) -> Result<SearchResult> {
    let node = parse(conn, q)?;
    let compiled = query::compile(&node, Utc::now());
    let index = facets::FacetIndex::load(conn)?;
    run(conn, &compiled, opts, &index)
}

impl Library {
    /// Runs a query with the library's cached facet index.
    pub fn search(&mut self, q: &str, opts: Options) -> Result<SearchResult> {
        let node = parse(self.conn(), q)?;
        let compiled = query::compile(&node, Utc::now());
        let index = self.facet_index()?;
        run(self.conn(), &compiled, opts, &index)
    }

    /// The facet index, rebuilt if the library changed since it was built (in this process or
    /// another).
    pub fn facet_index(&mut self) -> Result<Arc<facets::FacetIndex>> {
        let version = facets::library_version(self.conn())?;
        let cache = self.cache_mut();
        if let Some(index) = cache.as_ref().filter(|i| i.version == version) {
            return Ok(Arc::clone(index));
        }
        let index = Arc::new(facets::FacetIndex::load(self.conn())?);
        *self.cache_mut() = Some(Arc::clone(&index));
        Ok(index)
    }
}

/// The ids of every clip a compiled query matches, with their score, in no particular order.
pub fn matching_ids(conn: &Connection, compiled: &Compiled) -> Result<Vec<(i64, f64)>> {
    let (sql, params) = hits_sql(compiled);
    let mut stmt = conn.prepare_cached(&sql).map_err(|e| query_error(e, compiled))?;
    let rows = stmt
        .query_map(params_from_iter(params.iter()), |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(|e| query_error(e, compiled))?;
    rows.collect::<rusqlite::Result<_>>().map_err(|e| query_error(e, compiled))
}

/// True if a compiled query matches one row of its target (topic rules on a newly stored clip,
/// watches on a new inbox entry).
pub fn matches_clip(conn: &Connection, compiled: &Compiled, clip_id: i64) -> Result<bool> {
    let (fts, table) = (compiled.target.fts, compiled.target.table);
    let from = if compiled.fts.is_some() {
        format!("{fts} JOIN {table} c ON c.id = {fts}.rowid")
    } else {
        format!("{table} c")
    };
    let sql = format!("SELECT EXISTS (SELECT 1 FROM {from} WHERE {} AND c.id = ?)", compiled.where_sql());
    let mut params = compiled.all_params();
    params.push(query::SqlValue::Int(clip_id));
    Ok(conn.prepare_cached(&sql)?.query_row(params_from_iter(params.iter()), |r| r.get(0))?)
}

/// The SQL that finds the matching ids and their bm25 scores. A pure word query reads the
/// index alone; conditions on the clip join its (narrow) row.
fn hits_sql(compiled: &Compiled) -> (String, Vec<query::SqlValue>) {
    if let Some(ids) = &compiled.tags_only {
        let marks = vec!["?"; ids.len().max(1)].join(", ");
        return (
            format!("SELECT DISTINCT clip_id, 0.0 FROM clip_tag WHERE tag_id IN ({marks})"),
            if ids.is_empty() {
                vec![query::SqlValue::Int(-1)]
            } else {
                ids.iter().map(|i| query::SqlValue::Int(*i)).collect()
            },
        );
    }
    let (fts, table) = (compiled.target.fts, compiled.target.table);
    let sql = match (&compiled.fts, compiled.conditions.is_empty()) {
        (Some(_), true) => format!("SELECT rowid, -bm25({fts}, {BM25_WEIGHTS}) FROM {fts} WHERE {fts} MATCH ?"),
        (Some(_), false) => format!(
            "SELECT c.id, -bm25({fts}, {BM25_WEIGHTS}) FROM {fts} JOIN {table} c ON c.id = {fts}.rowid WHERE {}",
            compiled.where_sql()
        ),
        (None, _) => format!("SELECT c.id, 0.0 FROM {table} c WHERE {}", compiled.where_sql()),
    };
    (sql, compiled.all_params())
}

/// Runs a compiled query: matching ids from SQLite, then sorting, counting and the facets in
/// memory, then the shown page read back with its snippets.
pub fn run(conn: &Connection, compiled: &Compiled, opts: Options, index: &facets::FacetIndex) -> Result<SearchResult> {
    let mut hits = matching_ids(conn, compiled)?;
    // Sort keys read once per hit, not once per comparison.
    let mut keyed: Vec<(i64, f64, i64)> = hits.iter().map(|&(id, score)| (id, score, index.published(id))).collect();
    match opts.sort {
        Sort::Relevance if compiled.fts.is_some() => {
            keyed.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.2.cmp(&a.2)).then(b.0.cmp(&a.0)))
        }
        Sort::Relevance | Sort::Newest => keyed.sort_by(|a, b| b.2.cmp(&a.2).then(b.0.cmp(&a.0))),
        // Unknown dates last either way.
        Sort::Oldest => {
            keyed.sort_by(|a, b| (a.2 == i64::MIN).cmp(&(b.2 == i64::MIN)).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0)))
        }
    }
    hits = keyed.into_iter().map(|(id, score, _)| (id, score)).collect();
    // Matching clips per story; collapsed, each story's first (best-ranked) clip stands for it.
    let mut matched: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for &(id, _) in &hits {
        *matched.entry(index.story_key(id)).or_insert(0) += 1;
    }
    let rows: Vec<(i64, f64)> = if opts.collapse {
        let mut seen = std::collections::HashSet::new();
        hits.iter().copied().filter(|(id, _)| seen.insert(index.story_key(*id))).collect()
    } else {
        hits.clone()
    };
    let total = rows.len() as i64;
    let tags = facets::TagIndex::load(conn)?;
    let from = (opts.offset.max(0) as usize).min(rows.len());
    let to = (from + opts.limit.clamp(0, 1000) as usize).min(rows.len());
    let mut results = page(conn, compiled, &rows[from..to], &tags)?;
    for hit in &mut results {
        hit.story_id = index.story(hit.id);
        hit.story_size = hit.story_id.map_or(1, |s| index.story_size(s).max(1));
        hit.matched = matched.get(&index.story_key(hit.id)).copied().unwrap_or(1);
        if let Some(story) = hit.story_id {
            (hit.outlets, hit.languages) = story_outlets(conn, story)?;
        }
    }
    let facets = if opts.facets {
        let ids: Vec<i64> = hits.iter().map(|h| h.0).collect();
        index.count(&ids, &tags, opts.facet_limit.max(0) as usize, opts.collapse)
    } else {
        Facets::default()
    };
    Ok(SearchResult { total, results, facets })
}

/// The outlets and languages of a story's clips, in the story's order (its original's first).
fn story_outlets(conn: &Connection, story: i64) -> Result<(Vec<String>, Vec<String>)> {
    let mut stmt = conn.prepare_cached(
        "SELECT site_name, lang FROM clip WHERE story_id = ?1 ORDER BY coalesce(published_at, clipped_at), id",
    )?;
    let (mut outlets, mut languages) = (Vec::new(), Vec::new());
    for row in stmt.query_map([story], |r| Ok((r.get::<_, Option<String>>(0)?, r.get::<_, Option<String>>(1)?)))? {
        let (site, lang) = row?;
        if let Some(s) = site.filter(|s| !outlets.contains(s)) {
            outlets.push(s);
        }
        if let Some(l) = lang.filter(|l| !languages.contains(l)) {
            languages.push(l);
        }
    }
    Ok((outlets, languages))
}

/// An error from running a query we compiled ourselves. Its SQL is fixed and only the MATCH
/// string comes from the user, so SQLite's generic error code (`SQLITE_ERROR`) can only mean that
/// FTS5 refused that string (a phrase of nothing but separators): the user's query, not a fault of
/// the library. Every other code (busy, locked, corrupt, I/O…) is a database error as it is.
fn query_error(e: rusqlite::Error, compiled: &Compiled) -> Error {
    if compiled.fts.is_some() && e.sqlite_error_code() == Some(rusqlite::ErrorCode::Unknown) {
        Error::input("query.unsupported", "the search index cannot answer this query: try other words")
    } else {
        e.into()
    }
}

/// Reads the shown page: titles and dates, a snippet per clip (the MATCH again, restricted to
/// that row, so a broad query does not scan its whole result set for twenty passages), tags.
fn page(conn: &Connection, compiled: &Compiled, hits: &[(i64, f64)], tags: &facets::TagIndex) -> Result<Vec<Hit>> {
    let mut row_stmt = conn.prepare_cached(
        "SELECT c.title, c.site_name, c.published_at, c.summary, substr(b.text, 1, 300)
         FROM clip c JOIN clip_body b ON b.clip_id = c.id WHERE c.id = ?1",
    )?;
    let mut snippet_stmt = match &compiled.fts {
        Some(_) => Some(conn.prepare_cached(&format!(
            "SELECT snippet(clip_fts, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24) FROM clip_fts
             WHERE clip_fts MATCH ?1 AND rowid = ?2"
        ))?),
        None => None,
    };
    let mut tag_stmt = conn.prepare_cached("SELECT tag_id, origin FROM clip_tag WHERE clip_id = ?1")?;
    let mut out = Vec::with_capacity(hits.len());
    for &(id, score) in hits {
        let Some((title, site_name, published_at, summary, lead)) = row_stmt
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .optional()?
        else {
            continue;
        };
        let snippet = match (&mut snippet_stmt, &compiled.fts) {
            (Some(stmt), Some(fts)) => stmt.query_row(rusqlite::params![fts, id], |r| r.get::<_, String>(0)).ok(),
            _ => None,
        };
        let snippet = match snippet.filter(|s| s.contains(MARK_OPEN)) {
            Some(s) => mark(&crate::text::collapse_ws(&fts_unprepare(&s))),
            None => crate::text::escape_html(&crate::text::truncate_chars(summary.as_deref().unwrap_or(&lead), 240)),
        };
        let published_at = published_at.as_deref().and_then(time_from_db).map(|t| crate::model::time_to_db(&t));
        let mut clip_tags: Vec<ClipTag> = tag_stmt
            .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .filter_map(|r| r.ok())
            .filter_map(|(tag, origin)| {
                Some(ClipTag {
                    kind: tags.kind(tag)?,
                    name: tags.path(tag),
                    origin: crate::model::Origin::parse(&origin)?,
                })
            })
            .collect();
        clip_tags.sort_by(|a, b| {
            b.kind.as_str().cmp(a.kind.as_str()).then(a.name.to_lowercase().cmp(&b.name.to_lowercase()))
        });
        out.push(Hit {
            id,
            title,
            site_name,
            published_at,
            snippet,
            score,
            tags: clip_tags,
            story_id: None,
            story_size: 1,
            matched: 1,
            outlets: Vec::new(),
            languages: Vec::new(),
        });
    }
    Ok(out)
}

/// HTML-escapes text and turns the snippet markers into `<mark>` elements.
fn mark(s: &str) -> String {
    crate::text::escape_html(s).replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>")
}

//! Stories: one event, many outlets, in every language.
//!
//! Analysts clip the same wire story from many outlets and the same event told in other words and
//! languages; counted as separate items they inflate "coverage" and bury what is new. Every clip
//! belongs to a **story** (`clip.story_id`), which holds its **copies** — the same text
//! republished: wire syndication, a new headline, captions, paragraphs cut or added — and its
//! **coverage** — other texts about the same event, in any language. The earliest clip of a story
//! is its **original**; every copy points at the earliest clip of its text (`clip.copy_of`), which
//! is what [`diff`] compares it with.
//!
//! - [`features`] and [`signature`]: what a clip is about, as weighted terms; [`minhash`]: its
//!   text's sketch. Both are computed when the clip is stored ([`on_insert`], in the clip's
//!   transaction) and kept in `story_sig` / `story_band` / `story_df`.
//! - [`score`]: whether two clips are copies, or the same story (which features decide, and why).
//! - [`group`]: where a clip goes, decided the same way when it arrives and when the library is
//!   regrouped from scratch ([`rebuild`]), which replays the clips in time order.
//! - [`wire`]: the agency a clip credits (`clip.wire`, `wire:ap`).
//! - [`diff`]: what an outlet changed.
//!
//! The analyst may split a clip out of its story or merge two stories; each choice is stored as
//! links between clips (`story_link`: together or apart), which regrouping respects and which
//! exports, imports and backups carry like every other table.

pub mod diff;
pub mod features;
pub mod group;
pub mod minhash;
pub mod score;
pub mod signature;
pub mod wire;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{time_from_db, time_to_db};
use crate::tags::matcher::AliasMatcher;
use signature::Signature;

/// Bump when signatures are computed differently: a library signed by an older version is
/// re-signed and regrouped (its analyst's choices kept) when it is opened.
pub const SIGNATURE_VERSION: i64 = 1;
const VERSION_KEY: &str = "stories_version";

/// How a clip relates to its story.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Relation {
    /// The story's earliest clip.
    Original,
    /// The same text as an earlier clip (`copy_of`).
    Copy,
    /// The same event in other words.
    Coverage,
}

/// A clip's place in its story.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClipStory {
    pub id: i64,
    /// Clips in the story, this one included.
    pub size: i64,
    pub relation: Relation,
    /// The earliest clip of the same text, for a copy.
    pub copy_of: Option<i64>,
}

/// One clip of a story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoryClip {
    pub id: i64,
    pub title: String,
    pub site_name: Option<String>,
    pub lang: Option<String>,
    #[serde(serialize_with = "crate::model::rfc3339_opt")]
    pub published_at: Option<DateTime<Utc>>,
    pub wire: Option<String>,
    pub relation: Relation,
    pub copy_of: Option<i64>,
}

/// A story with its clips, earliest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub id: i64,
    /// The original's headline.
    pub title: String,
    pub size: i64,
    /// Languages of its clips, the original's first.
    pub languages: Vec<String>,
    /// Outlets that carried it, the original's first.
    pub outlets: Vec<String>,
    #[serde(serialize_with = "crate::model::rfc3339_opt")]
    pub first_published: Option<DateTime<Utc>>,
    pub clips: Vec<StoryClip>,
}

impl Story {
    /// "+4 outlets, 2 languages": what a collapsed row adds to its first clip.
    pub fn note(&self) -> String {
        coverage_note(self.outlets.len(), self.languages.len())
    }
}

/// "+4 outlets, 2 languages" for a story carried by `outlets` outlets in `languages` languages
/// (empty for a story of one outlet and one language).
pub fn coverage_note(outlets: usize, languages: usize) -> String {
    let mut parts = Vec::new();
    if outlets > 1 {
        parts.push(format!("+{} outlet{}", outlets - 1, if outlets == 2 { "" } else { "s" }));
    }
    if languages > 1 {
        parts.push(format!("{languages} languages"));
    }
    parts.join(", ")
}

/// What regrouping did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rebuild {
    pub clips: usize,
    pub stories: usize,
    /// Stories of two clips or more.
    pub multi: usize,
    /// Clips that are copies of another clip's text.
    pub copies: usize,
    /// Clips whose story or original changed.
    pub changed: usize,
    /// Whether signatures were computed again from the texts.
    pub resigned: bool,
}

/// What signing a clip reads of it.
struct Input {
    id: i64,
    title: String,
    text: String,
    lang: Option<String>,
    at: i64,
    authors: Vec<String>,
    actors: Vec<i64>,
}

impl Input {
    /// The clip's actors, each with where the clip names it: its headline, its lead, or only
    /// further down (or nowhere: tagged by hand).
    fn actors(&self, matcher: &AliasMatcher) -> Vec<(i64, signature::Placed)> {
        let in_title: Vec<i64> = matcher.find(&self.title).into_iter().map(|f| f.tag_id).collect();
        let lead = features::lead(&self.text, features::LEAD_TOKENS);
        let in_lead: Vec<i64> = matcher.find(lead).into_iter().map(|f| f.tag_id).collect();
        self.actors
            .iter()
            .map(|&a| {
                let placed = if in_title.contains(&a) {
                    signature::Placed::Title
                } else if in_lead.contains(&a) {
                    signature::Placed::Lead
                } else {
                    signature::Placed::Body
                };
                (a, placed)
            })
            .collect()
    }
}

fn load_input(conn: &Connection, id: i64) -> Result<Option<Input>> {
    let row = conn
        .prepare_cached(
            "SELECT c.title, b.text, c.lang, coalesce(c.published_at, c.clipped_at), c.authors
             FROM clip c JOIN clip_body b ON b.clip_id = c.id WHERE c.id = ?1",
        )?
        .query_row([id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .optional()?;
    let Some((title, text, lang, at, authors)) = row else { return Ok(None) };
    let actors: Vec<i64> = conn
        .prepare_cached(
            "SELECT ct.tag_id FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id
             WHERE ct.clip_id = ?1 AND t.kind = 'actor' ORDER BY ct.tag_id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(Input {
        id,
        title,
        text,
        lang,
        at: time_from_db(&at).map_or(0, |t| t.timestamp()),
        authors: serde_json::from_str(&authors).unwrap_or_default(),
        actors,
    }))
}

/// Adds one document to the library's term counts; returns each term's new count and the
/// language's document count.
fn count_in_library(
    conn: &Connection,
    lang: Option<&str>,
    counted: &[signature::Counted],
) -> Result<(HashMap<u64, f64>, f64)> {
    let mut up = conn.prepare_cached(
        "INSERT INTO story_df (term, df) VALUES (?1, 1) ON CONFLICT (term) DO UPDATE SET df = df + 1 RETURNING df",
    )?;
    let docs: i64 = up.query_row([signature::docs_key(lang)], |r| r.get(0))?;
    let mut df = HashMap::with_capacity(counted.len());
    for c in counted {
        let n: i64 = up.query_row([signature::df_key(lang, c.key)], |r| r.get(0))?;
        df.insert(c.key, n as f64);
    }
    Ok((df, docs as f64))
}

fn signature_row(r: &rusqlite::Row) -> rusqlite::Result<Signature> {
    let shingles: i64 = r.get(4)?;
    let minhash: Vec<u8> = r.get(5)?;
    let terms = signature::decode_terms(&r.get::<_, Vec<u8>>(6)?);
    Ok(Signature {
        clip_id: r.get(0)?,
        at: r.get(1)?,
        lang: r.get(2)?,
        live: r.get(3)?,
        minhash: minhash::MinHash::from_bytes(&minhash, shingles.clamp(0, i64::from(u32::MAX)) as u32)
            .unwrap_or_else(minhash::MinHash::empty),
        norms: signature::Norms::of(&terms),
        terms,
    })
}

const SIG_COLUMNS: &str = "clip_id, at, lang, live, shingles, minhash, terms";

/// A clip's stored signature.
pub fn load_signature(conn: &Connection, clip_id: i64) -> Result<Option<Signature>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {SIG_COLUMNS} FROM story_sig WHERE clip_id = ?1"))?
        .query_row([clip_id], signature_row)
        .optional()?)
}

/// The signatures of the clips whose time is within `[from, to]`.
pub fn load_window(conn: &Connection, from: i64, to: i64) -> Result<Vec<Signature>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {SIG_COLUMNS} FROM story_sig WHERE at BETWEEN ?1 AND ?2"))?;
    let rows = stmt.query_map([from, to], signature_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every signature, in time order (then by clip id).
pub fn load_all(conn: &Connection) -> Result<Vec<Signature>> {
    let mut stmt = conn.prepare(&format!("SELECT {SIG_COLUMNS} FROM story_sig ORDER BY at, clip_id"))?;
    let rows = stmt.query_map([], signature_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores a signature and its LSH keys, replacing an earlier one.
fn save_signature(conn: &Connection, sig: &Signature) -> Result<()> {
    if let Some(old) = load_signature(conn, sig.clip_id)? {
        let mut del = conn.prepare_cached("DELETE FROM story_band WHERE band = ?1 AND clip_id = ?2")?;
        for band in old.minhash.bands() {
            del.execute(params![band, sig.clip_id])?;
        }
    }
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO story_sig ({SIG_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        sig.clip_id,
        sig.at,
        sig.lang,
        sig.live,
        sig.minhash.shingles,
        sig.minhash.to_bytes(),
        signature::encode_terms(&sig.terms),
    ])?;
    let mut ins = conn.prepare_cached("INSERT OR IGNORE INTO story_band (band, clip_id) VALUES (?1, ?2)")?;
    for band in sig.minhash.bands() {
        ins.execute(params![band, sig.clip_id])?;
    }
    Ok(())
}

/// Signs a clip just stored and puts it in a story, in the caller's transaction: its wire, its
/// signature (counting its terms into the library's statistics), its story. `matcher` (the
/// tagger's) tells which actors the headline names.
pub fn on_insert(conn: &Connection, matcher: &AliasMatcher, clip_id: i64) -> Result<()> {
    let Some(input) = load_input(conn, clip_id)? else { return Ok(()) };
    let sig = sign_one(conn, matcher, &input)?;
    place(conn, &sig)
}

fn sign_one(conn: &Connection, matcher: &AliasMatcher, input: &Input) -> Result<Signature> {
    conn.prepare_cached("UPDATE clip SET wire = ?2 WHERE id = ?1")?
        .execute(params![input.id, wire::detect(&input.authors, &input.text)])?;
    let counted = signature::count_terms(&input.title, &input.text, &input.actors(matcher));
    let (df, docs) = count_in_library(conn, input.lang.as_deref(), &counted)?;
    let sig = signature::build(
        input.id,
        input.at,
        input.lang.as_deref(),
        &input.title,
        &input.text,
        &counted,
        |k| df.get(&k).copied().unwrap_or(1.0),
        docs,
    );
    save_signature(conn, &sig)?;
    Ok(sig)
}

/// Decides a signed clip's story and writes it.
fn place(conn: &Connection, sig: &Signature) -> Result<()> {
    let links = group::links_of(conn, sig.clip_id)?;
    let decision = group::decide(&group::Sql { conn }, sig, &links)?;
    match decision {
        group::Decision::New => {
            let story = new_story(conn)?;
            conn.prepare_cached("UPDATE clip SET story_id = ?2, copy_of = NULL WHERE id = ?1")?
                .execute(params![sig.clip_id, story])?;
        }
        group::Decision::Join { story, copy_of } => {
            let root = match copy_of {
                Some(c) => Some(
                    conn.prepare_cached("SELECT coalesce(copy_of, id) FROM clip WHERE id = ?1")?
                        .query_row([c], |r| r.get::<_, i64>(0))?,
                ),
                None => None,
            };
            conn.prepare_cached("UPDATE clip SET story_id = ?2, copy_of = ?3 WHERE id = ?1")?.execute(params![
                sig.clip_id,
                story,
                root
            ])?;
            // A copy published before its text's first clip becomes the first.
            if let Some(root) = root {
                if earlier(conn, sig.clip_id, root)? {
                    reroot(conn, root, sig.clip_id)?;
                }
            }
        }
    }
    Ok(())
}

fn new_story(conn: &Connection) -> Result<i64> {
    conn.prepare_cached("INSERT INTO story (created_at) VALUES (?1)")?.execute([time_to_db(&Utc::now())])?;
    Ok(conn.last_insert_rowid())
}

/// Orders clips as stories do: by time (published, else clipped), then id.
const TIME: &str = "coalesce(published_at, clipped_at)";

fn earlier(conn: &Connection, a: i64, b: i64) -> Result<bool> {
    let key = |id: i64| -> Result<(String, i64)> {
        Ok(conn
            .prepare_cached(&format!("SELECT {TIME} FROM clip WHERE id = ?1"))?
            .query_row([id], |r| r.get::<_, String>(0))
            .map(|t| (t, id))?)
    };
    Ok(key(a)? < key(b)?)
}

/// Makes `new` the first clip of the text whose first clip was `old`.
fn reroot(conn: &Connection, old: i64, new: i64) -> Result<()> {
    conn.prepare_cached("UPDATE clip SET copy_of = ?2 WHERE copy_of = ?1")?.execute(params![old, new])?;
    conn.prepare_cached("UPDATE clip SET copy_of = ?2 WHERE id = ?1")?.execute(params![old, new])?;
    conn.prepare_cached("UPDATE clip SET copy_of = NULL WHERE id = ?1")?.execute([new])?;
    Ok(())
}

/// Brings a library's stories up to date when it is opened: a library signed by another
/// version (or never: one upgraded from before stories) is re-signed and regrouped; clips
/// without a story (an import from before stories) are placed.
pub fn ensure(conn: &Connection) -> Result<()> {
    let version: Option<i64> = conn
        .query_row("SELECT CAST(value AS INTEGER) FROM setting WHERE key = ?1", [VERSION_KEY], |r| r.get(0))
        .optional()?;
    if version != Some(SIGNATURE_VERSION) {
        rebuild(conn, true)?;
        return Ok(());
    }
    let missing: Vec<i64> = conn
        .prepare(&format!("SELECT id FROM clip WHERE story_id IS NULL ORDER BY {TIME}, id"))?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut matcher = None;
    for id in missing {
        let sig = match load_signature(conn, id)? {
            Some(sig) => sig,
            None => match load_input(conn, id)? {
                Some(input) => {
                    let m = match &matcher {
                        Some(m) => m,
                        None => matcher.insert(AliasMatcher::load(conn)?),
                    };
                    sign_one(conn, m, &input)?
                }
                None => continue,
            },
        };
        place(conn, &sig)?;
    }
    Ok(())
}

/// Computes every clip's signature again from its text, with the library's final statistics
/// (an upgrade, an import, or `stories --rebuild --resign`).
fn resign_all(conn: &Connection) -> Result<()> {
    conn.execute_batch("DELETE FROM story_df; DELETE FROM story_band; DELETE FROM story_sig;")?;
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM clip ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let matcher = AliasMatcher::load(conn)?;
    // First pass: the statistics.
    let mut df: HashMap<i64, i64> = HashMap::new();
    for &id in &ids {
        let Some(input) = load_input(conn, id)? else { continue };
        let lang = input.lang.as_deref();
        *df.entry(signature::docs_key(lang)).or_insert(0) += 1;
        for c in signature::count_terms(&input.title, &input.text, &input.actors(&matcher)) {
            *df.entry(signature::df_key(lang, c.key)).or_insert(0) += 1;
        }
    }
    {
        let mut ins = conn.prepare("INSERT INTO story_df (term, df) VALUES (?1, ?2)")?;
        for (term, n) in &df {
            ins.execute(params![term, n])?;
        }
    }
    // Second pass: the signatures, weighted with them.
    for &id in &ids {
        let Some(input) = load_input(conn, id)? else { continue };
        conn.prepare_cached("UPDATE clip SET wire = ?2 WHERE id = ?1")?
            .execute(params![id, wire::detect(&input.authors, &input.text)])?;
        let lang = input.lang.as_deref();
        let counted = signature::count_terms(&input.title, &input.text, &input.actors(&matcher));
        let docs = df.get(&signature::docs_key(lang)).copied().unwrap_or(1) as f64;
        let sig = signature::build(
            id,
            input.at,
            lang,
            &input.title,
            &input.text,
            &counted,
            |k| df.get(&signature::df_key(lang, k)).copied().unwrap_or(1) as f64,
            docs,
        );
        save_signature(conn, &sig)?;
    }
    Ok(())
}

/// Every analyst's link: (a, b, together).
fn load_links(conn: &Connection) -> Result<Vec<(i64, i64, bool)>> {
    let mut stmt = conn.prepare("SELECT a, b, kind FROM story_link ORDER BY a, b")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get::<_, String>(2)? == "together")))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Regroups the whole library from scratch (signatures computed again first when `resign`),
/// respecting the analyst's splits and merges, in the caller's transaction. Story ids are kept
/// where a new story holds most of an old one's clips.
pub fn rebuild(conn: &Connection, resign: bool) -> Result<Rebuild> {
    if resign {
        resign_all(conn)?;
    }
    let sigs = load_all(conn)?;
    let grouping = group::regroup(&sigs, &load_links(conn)?)?;
    let report = write_grouping(conn, &grouping, resign)?;
    conn.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![VERSION_KEY, SIGNATURE_VERSION.to_string()],
    )?;
    Ok(report)
}

fn write_grouping(conn: &Connection, grouping: &group::Grouping, resigned: bool) -> Result<Rebuild> {
    let current: HashMap<i64, (Option<i64>, Option<i64>)> = conn
        .prepare("SELECT id, story_id, copy_of FROM clip")?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    // Members of each new story.
    let mut labels: Vec<Vec<usize>> = Vec::new();
    for (i, &(_, label, _)) in grouping.placed.iter().enumerate() {
        if labels.len() <= label {
            labels.resize(label + 1, Vec::new());
        }
        labels[label].push(i);
    }
    // Keep an old story id for the new story holding most of its clips, largest stories first.
    let mut order: Vec<usize> = (0..labels.len()).filter(|l| !labels[*l].is_empty()).collect();
    order.sort_by_key(|l| std::cmp::Reverse(labels[*l].len()));
    let mut taken: std::collections::HashSet<i64> = std::collections::HashSet::new();
    let mut story_of_label: Vec<Option<i64>> = vec![None; labels.len()];
    for &l in &order {
        let mut votes: HashMap<i64, usize> = HashMap::new();
        for &i in &labels[l] {
            if let Some((Some(old), _)) = current.get(&grouping.placed[i].0) {
                *votes.entry(*old).or_insert(0) += 1;
            }
        }
        let mut ranked: Vec<(i64, usize)> = votes.into_iter().filter(|(s, _)| !taken.contains(s)).collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if let Some(&(s, _)) = ranked.first() {
            taken.insert(s);
            story_of_label[l] = Some(s);
        }
    }
    let mut changed = 0;
    let mut placed_ids = std::collections::HashSet::new();
    for &(clip, label, copy_of) in &grouping.placed {
        placed_ids.insert(clip);
        let story = match story_of_label[label] {
            Some(s) => s,
            None => {
                let s = new_story(conn)?;
                story_of_label[label] = Some(s);
                s
            }
        };
        if current.get(&clip) != Some(&(Some(story), copy_of)) {
            changed += 1;
            conn.prepare_cached("UPDATE clip SET story_id = ?2, copy_of = ?3 WHERE id = ?1")?
                .execute(params![clip, story, copy_of])?;
        }
    }
    // Clips without a signature (none in a consistent library): a story each.
    for (&clip, &(story, _)) in &current {
        if !placed_ids.contains(&clip) && story.is_none() {
            let s = new_story(conn)?;
            conn.execute("UPDATE clip SET story_id = ?2, copy_of = NULL WHERE id = ?1", params![clip, s])?;
            changed += 1;
        }
    }
    delete_empty_stories(conn)?;
    let sizes = labels.iter().filter(|l| !l.is_empty()).map(Vec::len);
    Ok(Rebuild {
        clips: current.len(),
        stories: conn.query_row("SELECT count(*) FROM story", [], |r| r.get::<_, i64>(0))? as usize,
        multi: sizes.filter(|n| *n > 1).count(),
        copies: grouping.placed.iter().filter(|p| p.2.is_some()).count(),
        changed,
        resigned,
    })
}

fn delete_empty_stories(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM story WHERE id NOT IN (SELECT story_id FROM clip WHERE story_id IS NOT NULL)", [])?;
    Ok(())
}

/// A clip's place in its story.
pub fn clip_story(conn: &Connection, clip_id: i64) -> Result<Option<ClipStory>> {
    let row: Option<(Option<i64>, Option<i64>)> = conn
        .prepare_cached("SELECT story_id, copy_of FROM clip WHERE id = ?1")?
        .query_row([clip_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((Some(story), copy_of)) = row else { return Ok(None) };
    let size: i64 =
        conn.prepare_cached("SELECT count(*) FROM clip WHERE story_id = ?1")?.query_row([story], |r| r.get(0))?;
    let original: i64 = conn
        .prepare_cached(&format!("SELECT id FROM clip WHERE story_id = ?1 ORDER BY {TIME}, id LIMIT 1"))?
        .query_row([story], |r| r.get(0))?;
    let relation = if original == clip_id {
        Relation::Original
    } else if copy_of.is_some() {
        Relation::Copy
    } else {
        Relation::Coverage
    };
    Ok(Some(ClipStory { id: story, size, relation, copy_of: if relation == Relation::Copy { copy_of } else { None } }))
}

/// A story with its clips.
pub fn story(conn: &Connection, id: i64) -> Result<Story> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, title, site_name, lang, published_at, wire, copy_of FROM clip WHERE story_id = ?1 ORDER BY {TIME}, id"
    ))?;
    type Row = (i64, String, Option<String>, Option<String>, Option<String>, Option<String>, Option<i64>);
    let rows: Vec<Row> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if rows.is_empty() {
        return Err(Error::NotFound { what: "story", id: id.to_string() });
    }
    let mut clips = Vec::with_capacity(rows.len());
    let (mut languages, mut outlets) = (Vec::<String>::new(), Vec::<String>::new());
    for (i, (clip, title, site, lang, published, wire, copy_of)) in rows.into_iter().enumerate() {
        let relation = match (i, copy_of) {
            (0, _) => Relation::Original,
            (_, Some(_)) => Relation::Copy,
            (_, None) => Relation::Coverage,
        };
        if let Some(l) = lang.as_ref().filter(|l| !languages.contains(l)) {
            languages.push(l.clone());
        }
        if let Some(s) = site.as_ref().filter(|s| !outlets.contains(s)) {
            outlets.push(s.clone());
        }
        clips.push(StoryClip {
            id: clip,
            title,
            site_name: site,
            lang,
            published_at: published.as_deref().and_then(time_from_db),
            wire,
            relation,
            copy_of: if relation == Relation::Copy { copy_of } else { None },
        });
    }
    Ok(Story {
        id,
        title: clips[0].title.clone(),
        size: clips.len() as i64,
        first_published: clips.iter().filter_map(|c| c.published_at).min(),
        languages,
        outlets,
        clips,
    })
}

/// The stories of a library, newest first: those of at least `min_size` clips, and (with a
/// query) those with a clip the query matches.
pub fn list(conn: &Connection, query: Option<&str>, min_size: i64, limit: i64) -> Result<Vec<Story>> {
    let wanted: Option<std::collections::HashSet<i64>> = match query.map(str::trim).filter(|q| !q.is_empty()) {
        Some(q) => {
            let node = crate::search::parse(conn, q)?;
            let compiled = crate::search::query::compile(&node, Utc::now());
            let ids = crate::search::matching_ids(conn, &compiled)?;
            let mut stmt = conn.prepare_cached("SELECT story_id FROM clip WHERE id = ?1")?;
            let mut stories = std::collections::HashSet::new();
            for (id, _) in ids {
                if let Some(Some(s)) = stmt.query_row([id], |r| r.get::<_, Option<i64>>(0)).optional()? {
                    stories.insert(s);
                }
            }
            Some(stories)
        }
        None => None,
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT story_id FROM clip WHERE story_id IS NOT NULL GROUP BY story_id HAVING count(*) >= ?1
         ORDER BY min({TIME}) DESC, story_id DESC"
    ))?;
    let ids: Vec<i64> = stmt.query_map([min_size.max(1)], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for id in ids.into_iter().filter(|id| wanted.as_ref().is_none_or(|w| w.contains(id))) {
        if out.len() as i64 >= limit.max(0) {
            break;
        }
        out.push(story(conn, id)?);
    }
    Ok(out)
}

fn link(conn: &Connection, a: i64, b: i64, kind: &str) -> Result<()> {
    if a == b {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO story_link (a, b, kind, created_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (a, b) DO UPDATE SET kind = excluded.kind, created_at = excluded.created_at",
    )?
    .execute(params![a.min(b), a.max(b), kind, time_to_db(&Utc::now())])?;
    Ok(())
}

fn members(conn: &Connection, story: i64) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached(&format!("SELECT id FROM clip WHERE story_id = ?1 ORDER BY {TIME}, id"))?
        .query_map([story], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Takes a clip out of its story into one of its own, in the caller's transaction, and remembers
/// it: regrouping never puts it back with the clips it was split from. Returns its new story
/// (its story as it is when it was alone already).
pub fn split(conn: &Connection, clip_id: i64) -> Result<i64> {
    let story: Option<i64> = conn
        .query_row("SELECT story_id FROM clip WHERE id = ?1", [clip_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "clip", id: clip_id.to_string() })?;
    let others: Vec<i64> = match story {
        Some(s) => members(conn, s)?.into_iter().filter(|&m| m != clip_id).collect(),
        None => Vec::new(),
    };
    if let (Some(s), true) = (story, others.is_empty()) {
        return Ok(s);
    }
    let new = new_story(conn)?;
    conn.execute("UPDATE clip SET story_id = ?2, copy_of = NULL WHERE id = ?1", params![clip_id, new])?;
    // Its copies keep their text's next clip as their first.
    let next: Option<i64> = conn
        .query_row(&format!("SELECT id FROM clip WHERE copy_of = ?1 ORDER BY {TIME}, id LIMIT 1"), [clip_id], |r| {
            r.get(0)
        })
        .optional()?;
    if let Some(next) = next {
        conn.execute("UPDATE clip SET copy_of = ?2 WHERE copy_of = ?1", params![clip_id, next])?;
        conn.execute("UPDATE clip SET copy_of = NULL WHERE id = ?1", [next])?;
    }
    conn.execute("DELETE FROM story_link WHERE (a = ?1 OR b = ?1) AND kind = 'together'", [clip_id])?;
    for other in others {
        link(conn, clip_id, other, "apart")?;
    }
    delete_empty_stories(conn)?;
    Ok(new)
}

/// Merges story `from` into story `into`, in the caller's transaction, and remembers it:
/// regrouping keeps their clips together. Returns `into`.
pub fn merge(conn: &Connection, into: i64, from: i64) -> Result<i64> {
    if into == from {
        return Err(Error::input("input.merge", format!("story {into} cannot be merged with itself")));
    }
    let (a, b) = (members(conn, into)?, members(conn, from)?);
    for (id, m) in [(into, &a), (from, &b)] {
        if m.is_empty() {
            return Err(Error::NotFound { what: "story", id: id.to_string() });
        }
    }
    conn.execute("UPDATE clip SET story_id = ?1 WHERE story_id = ?2", params![into, from])?;
    conn.execute("DELETE FROM story WHERE id = ?1", [from])?;
    // Earlier splits between the two no longer hold; every clip is kept with the merged story's
    // original.
    let mut del = conn.prepare_cached("DELETE FROM story_link WHERE a = ?1 AND b = ?2 AND kind = 'apart'")?;
    for &x in &a {
        for &y in &b {
            del.execute(params![x.min(y), x.max(y)])?;
        }
    }
    let all = members(conn, into)?;
    let anchor = all[0];
    for &m in &all[1..] {
        link(conn, anchor, m, "together")?;
    }
    Ok(into)
}

/// What an outlet changed in a copy: the copy against the earliest clip of its text.
pub fn diff(conn: &Connection, copy_id: i64) -> Result<diff::Diff> {
    type Row = (String, String, Option<String>, Option<String>, Option<i64>);
    let read = |id: i64| -> Result<Row> {
        conn.prepare_cached(
            "SELECT c.title, b.text, c.site_name, c.wire, c.copy_of FROM clip c JOIN clip_body b ON b.clip_id = c.id
             WHERE c.id = ?1",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "clip", id: id.to_string() })
    };
    let copy = read(copy_id)?;
    let Some(original_id) = copy.4 else {
        return Err(Error::input("input.not_copy", format!("clip {copy_id} is not a copy of another clip's text")));
    };
    let original = read(original_id)?;
    Ok(diff::compare(
        &diff::Side {
            id: original_id,
            title: &original.0,
            text: &original.1,
            outlet: original.2.as_deref(),
            wire: original.3.as_deref(),
        },
        &diff::Side { id: copy_id, title: &copy.0, text: &copy.1, outlet: copy.2.as_deref(), wire: copy.3.as_deref() },
    ))
}

/// The analyst's story operations, each in its own transaction.
impl crate::Library {
    /// A clip's place in its story.
    pub fn clip_story(&self, clip_id: i64) -> Result<Option<ClipStory>> {
        clip_story(self.conn(), clip_id)
    }

    /// One story with its clips.
    pub fn story(&self, id: i64) -> Result<Story> {
        story(self.conn(), id)
    }

    /// Stories of at least `min_size` clips, newest first; with a query, those it matches a clip
    /// of.
    pub fn stories(&self, query: Option<&str>, min_size: i64, limit: i64) -> Result<Vec<Story>> {
        list(self.conn(), query, min_size, limit)
    }

    /// Splits a clip out of its story (see [`split`]); returns its new story.
    pub fn split_clip(&mut self, clip_id: i64) -> Result<i64> {
        let tx = self.write()?;
        let story = split(&tx, clip_id)?;
        tx.commit()?;
        Ok(story)
    }

    /// Merges story `from` into `into` (see [`merge`]).
    pub fn merge_stories(&mut self, into: i64, from: i64) -> Result<i64> {
        let tx = self.write()?;
        let story = merge(&tx, into, from)?;
        tx.commit()?;
        Ok(story)
    }

    /// Regroups the library from scratch (see [`rebuild`]).
    pub fn rebuild_stories(&mut self, resign: bool) -> Result<Rebuild> {
        let tx = self.write()?;
        let report = rebuild(&tx, resign)?;
        tx.commit()?;
        Ok(report)
    }

    /// What an outlet changed in a copy (see [`diff()`]).
    pub fn story_diff(&self, copy_id: i64) -> Result<diff::Diff> {
        diff(self.conn(), copy_id)
    }
}

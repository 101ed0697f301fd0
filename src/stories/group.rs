//! Grouping clips into stories: one decision ([`decide`]) made the same way when a clip arrives
//! (against the library in SQLite, [`Sql`]) and when the library is regrouped from scratch
//! (against every signature in memory, [`regroup`], which replays the clips in time order).
//!
//! A clip joins, in this order:
//! 1. the story the analyst merged it into (a `together` link to a clip already placed);
//! 2. the story of a copy of its text (LSH candidates, best band agreement first, verified);
//! 3. the story of the best-scoring coverage among the clips of the time window that share one of
//!    its [`GENERATORS`] heaviest terms, unless the story is full ([`CAP`]), would span more than
//!    [`SPAN`], or holds a clip the analyst split it from;
//! 4. else a story of its own.
//!
//! Guards against chaining unrelated events: a clip is compared with single clips, not with a
//! story's sum, and only within [`WINDOW`]; the required score rises with the time between the two
//! clips ([`super::score::DECAY_PER_DAY`]); a story's coverage spans at most [`SPAN`] and holds at
//! most [`CAP`] clips (copies are exempt: one wire story may be carried by hundreds of outlets); a
//! live blog joins a story but is never the clip another one joins through, so a blog that touches
//! ten events cannot bridge them.

use std::collections::{HashMap, HashSet};

use rusqlite::{params, Connection, OptionalExtension};

use super::score;
use super::signature::Signature;
use crate::error::Result;

/// Coverage is looked for among clips this close in time (seconds, either side).
pub const WINDOW: i64 = 3 * 86_400;
/// A story's coverage spans at most this long (seconds).
pub const SPAN: i64 = 4 * 86_400;
/// Coverage joins stories smaller than this.
pub const CAP: usize = 200;
/// A candidate for coverage shares one of the clip's heaviest terms, or one of its heaviest
/// entities (across languages only those are shared).
pub const GENERATORS: usize = 12;
/// At most this many coverage candidates are scored, the closest in time first.
pub const MAX_CANDIDATES: usize = 600;
/// Copy candidates read per LSH band (the smallest clip ids).
pub const BAND_LIMIT: usize = 32;
/// Copy candidates verified, the most band agreements first.
const COPY_CHECKS: usize = 8;

/// Where a clip goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    New,
    /// Into `story`; `copy_of` is a clip of the same text when it joined as a copy.
    Join {
        story: i64,
        copy_of: Option<i64>,
    },
}

/// What the decision needs to know of the library.
pub trait World {
    /// The story a clip is in.
    fn story_of(&self, clip: i64) -> Result<Option<i64>>;
    /// (size, earliest time, latest time) of a story.
    fn story_stats(&self, story: i64) -> Result<(usize, i64, i64)>;
    /// Whether a story holds any of these clips.
    fn story_holds_any(&self, story: i64, clips: &[i64]) -> Result<bool>;
    /// Verified copies of the clip's text: (clip, containment), best first.
    fn copies(&self, sig: &Signature) -> Result<Vec<(i64, f64)>>;
    /// Coverage candidates that score as the same story: (clip, score).
    fn coverage(&self, sig: &Signature) -> Result<Vec<(i64, f64)>>;
}

/// The analyst's links of one clip.
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub together: Vec<i64>,
    pub apart: Vec<i64>,
}

/// Where `sig`'s clip goes.
pub fn decide(world: &impl World, sig: &Signature, links: &Links) -> Result<Decision> {
    let vetoed =
        |story: i64| -> Result<bool> { Ok(!links.apart.is_empty() && world.story_holds_any(story, &links.apart)?) };
    let copies = world.copies(sig)?;
    for &partner in &links.together {
        if let Some(story) = world.story_of(partner)? {
            let mut copy_of = None;
            for &(c, _) in &copies {
                if world.story_of(c)? == Some(story) {
                    copy_of = Some(c);
                    break;
                }
            }
            return Ok(Decision::Join { story, copy_of });
        }
    }
    for &(c, _) in &copies {
        if let Some(story) = world.story_of(c)? {
            if !vetoed(story)? {
                return Ok(Decision::Join { story, copy_of: Some(c) });
            }
        }
    }
    // Each story judged by its best-scoring clip; the best story that the guards allow wins.
    let mut per_story: Vec<(i64, f64)> = Vec::new();
    for (c, s) in world.coverage(sig)? {
        let Some(story) = world.story_of(c)? else { continue };
        match per_story.iter_mut().find(|(id, _)| *id == story) {
            Some(entry) => entry.1 = entry.1.max(s),
            None => per_story.push((story, s)),
        }
    }
    per_story.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    for (story, _) in per_story {
        let (size, first, last) = world.story_stats(story)?;
        if size >= CAP || last.max(sig.at) - first.min(sig.at) > SPAN || vetoed(story)? {
            continue;
        }
        return Ok(Decision::Join { story, copy_of: None });
    }
    Ok(Decision::New)
}

/// The heaviest terms and entities of a signature, which coverage candidates must share one of.
pub fn generators(sig: &Signature) -> Vec<u32> {
    let mut terms: Vec<&super::signature::Term> = sig.terms.iter().collect();
    terms.sort_by(|a, b| b.weight.total_cmp(&a.weight).then(a.hash.cmp(&b.hash)));
    let mut out: Vec<u32> = terms.iter().take(GENERATORS).map(|t| t.hash).collect();
    out.extend(terms.iter().filter(|t| t.flags & super::signature::flag::ENTITY != 0).take(GENERATORS).map(|t| t.hash));
    out.sort_unstable();
    out.dedup();
    out
}

fn shares_generator(generators: &[u32], other: &Signature) -> bool {
    generators.iter().any(|g| other.terms.binary_search_by_key(g, |t| t.hash).is_ok())
}

/// Ranks copy candidates by how many LSH bands they share, verifies the best few.
fn verify_copies(
    sig: &Signature,
    hits: HashMap<i64, usize>,
    load: impl Fn(i64) -> Result<Option<Signature>>,
) -> Result<Vec<(i64, f64)>> {
    let mut ranked: Vec<(i64, usize)> = hits.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out = Vec::new();
    for (id, _) in ranked.into_iter().take(COPY_CHECKS) {
        if let Some(other) = load(id)?.filter(|o| !o.live) {
            if let Some(c) = score::copy(sig, &other) {
                out.push((id, c));
            }
        }
    }
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(out)
}

/// Scores coverage candidates (already in the window), closest in time first, live blogs left
/// out.
fn score_coverage<'a>(sig: &Signature, candidates: impl Iterator<Item = &'a Signature>) -> Vec<(i64, f64)> {
    let generators = generators(sig);
    let mut near: Vec<&Signature> =
        candidates.filter(|o| o.clip_id != sig.clip_id && !o.live && shares_generator(&generators, o)).collect();
    near.sort_by_key(|o| ((o.at - sig.at).abs(), o.clip_id));
    near.truncate(MAX_CANDIDATES);
    let mut out: Vec<(i64, f64)> =
        near.into_iter().filter_map(|o| score::same_story(sig, o).map(|s| (o.clip_id, s))).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// The library in SQLite, for a clip that arrives.
pub struct Sql<'c> {
    pub conn: &'c Connection,
}

impl World for Sql<'_> {
    fn story_of(&self, clip: i64) -> Result<Option<i64>> {
        Ok(self
            .conn
            .prepare_cached("SELECT story_id FROM clip WHERE id = ?1")?
            .query_row([clip], |r| r.get::<_, Option<i64>>(0))
            .optional()?
            .flatten())
    }

    fn story_stats(&self, story: i64) -> Result<(usize, i64, i64)> {
        let (n, first, last): (i64, Option<i64>, Option<i64>) = self
            .conn
            .prepare_cached(
                "SELECT count(*), min(s.at), max(s.at) FROM clip c LEFT JOIN story_sig s ON s.clip_id = c.id
                 WHERE c.story_id = ?1",
            )?
            .query_row([story], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok((n.max(0) as usize, first.unwrap_or(0), last.unwrap_or(0)))
    }

    fn story_holds_any(&self, story: i64, clips: &[i64]) -> Result<bool> {
        let mut stmt =
            self.conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM clip WHERE id = ?1 AND story_id = ?2)")?;
        for c in clips {
            if stmt.query_row(params![c, story], |r| r.get::<_, bool>(0))? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn copies(&self, sig: &Signature) -> Result<Vec<(i64, f64)>> {
        let mut hits: HashMap<i64, usize> = HashMap::new();
        let mut stmt = self.conn.prepare_cached(
            "SELECT clip_id FROM story_band WHERE band = ?1 AND clip_id != ?2 ORDER BY clip_id LIMIT ?3",
        )?;
        for band in sig.minhash.bands() {
            for id in stmt.query_map(params![band, sig.clip_id, BAND_LIMIT as i64], |r| r.get::<_, i64>(0))? {
                *hits.entry(id?).or_insert(0) += 1;
            }
        }
        verify_copies(sig, hits, |id| super::load_signature(self.conn, id))
    }

    fn coverage(&self, sig: &Signature) -> Result<Vec<(i64, f64)>> {
        let window = super::load_window(self.conn, sig.at - WINDOW, sig.at + WINDOW)?;
        Ok(score_coverage(sig, window.iter()))
    }
}

/// The analyst's links of one clip, from the library.
pub fn links_of(conn: &Connection, clip: i64) -> Result<Links> {
    let mut stmt = conn.prepare_cached(
        "SELECT CASE WHEN a = ?1 THEN b ELSE a END, kind FROM story_link WHERE a = ?1 OR b = ?1 ORDER BY 1",
    )?;
    let mut links = Links::default();
    for row in stmt.query_map([clip], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (other, kind) = row?;
        if kind == "together" {
            links.together.push(other);
        } else {
            links.apart.push(other);
        }
    }
    Ok(links)
}

/// Every clip's place after regrouping: (clip, story label, copy_of). Labels are arbitrary
/// (the caller maps them to story ids).
pub struct Grouping {
    pub placed: Vec<(i64, usize, Option<i64>)>,
}

/// The whole library in memory, replayed in time order.
struct Memory<'s> {
    sigs: &'s [Signature],
    /// Clip id → position in `sigs`.
    pos: HashMap<i64, usize>,
    /// Position → story label, for the clips placed so far.
    story: Vec<Option<usize>>,
    /// Story label → (size, first time, last time).
    stories: Vec<(usize, i64, i64)>,
    /// Term → positions (in time order) of the clips placed so far that have it.
    postings: HashMap<u32, Vec<usize>>,
    /// LSH band → the smallest clip ids placed so far with it (at most [`BAND_LIMIT`]).
    bands: HashMap<i64, Vec<i64>>,
    /// The clip being placed (its position), so candidates are the earlier ones.
    current: usize,
}

impl World for Memory<'_> {
    fn story_of(&self, clip: i64) -> Result<Option<i64>> {
        Ok(self.pos.get(&clip).and_then(|&p| self.story[p]).map(|s| s as i64))
    }

    fn story_stats(&self, story: i64) -> Result<(usize, i64, i64)> {
        Ok(self.stories.get(story as usize).copied().unwrap_or((0, 0, 0)))
    }

    fn story_holds_any(&self, story: i64, clips: &[i64]) -> Result<bool> {
        Ok(clips.iter().any(|c| self.story_of(*c).ok().flatten() == Some(story)))
    }

    fn copies(&self, sig: &Signature) -> Result<Vec<(i64, f64)>> {
        let mut hits: HashMap<i64, usize> = HashMap::new();
        for band in sig.minhash.bands() {
            for &id in self.bands.get(&band).map_or(&[][..], Vec::as_slice) {
                if id != sig.clip_id {
                    *hits.entry(id).or_insert(0) += 1;
                }
            }
        }
        verify_copies(sig, hits, |id| Ok(self.pos.get(&id).map(|&p| self.sigs[p].clone())))
    }

    fn coverage(&self, sig: &Signature) -> Result<Vec<(i64, f64)>> {
        let mut seen: HashSet<usize> = HashSet::new();
        for g in generators(sig) {
            let Some(list) = self.postings.get(&g) else { continue };
            for &p in list.iter().rev() {
                if self.sigs[p].at < sig.at - WINDOW {
                    break;
                }
                if p != self.current {
                    seen.insert(p);
                }
            }
        }
        // Candidates need every term of theirs indexed, not only generators: the posting lists
        // hold all terms of placed clips.
        Ok(score_coverage(sig, seen.into_iter().map(|p| &self.sigs[p])))
    }
}

impl Memory<'_> {
    fn place(&mut self, p: usize, label: usize) {
        let sig = &self.sigs[p];
        self.story[p] = Some(label);
        let entry = &mut self.stories[label];
        if entry.0 == 0 {
            *entry = (1, sig.at, sig.at);
        } else {
            *entry = (entry.0 + 1, entry.1.min(sig.at), entry.2.max(sig.at));
        }
        for t in &sig.terms {
            self.postings.entry(t.hash).or_default().push(p);
        }
        for band in sig.minhash.bands() {
            let list = self.bands.entry(band).or_default();
            if let Err(at) = list.binary_search(&sig.clip_id) {
                if at < BAND_LIMIT {
                    list.insert(at, sig.clip_id);
                    list.truncate(BAND_LIMIT);
                }
            }
        }
    }
}

/// Regroups signatures (sorted by time, then id) from scratch, respecting the analyst's links
/// (pairs of clip ids, `true` for together).
pub fn regroup(sigs: &[Signature], links: &[(i64, i64, bool)]) -> Result<Grouping> {
    let pos: HashMap<i64, usize> = sigs.iter().enumerate().map(|(i, s)| (s.clip_id, i)).collect();
    let mut per_clip: HashMap<i64, Links> = HashMap::new();
    for &(a, b, together) in links {
        for (x, y) in [(a, b), (b, a)] {
            let l = per_clip.entry(x).or_default();
            if together {
                l.together.push(y);
            } else {
                l.apart.push(y);
            }
        }
    }
    let mut world = Memory {
        sigs,
        pos,
        story: vec![None; sigs.len()],
        stories: Vec::new(),
        postings: HashMap::new(),
        bands: HashMap::new(),
        current: 0,
    };
    let empty = Links::default();
    let mut placed = Vec::with_capacity(sigs.len());
    // Clip → the first clip of its text (itself when it is the first).
    let mut root_of: HashMap<i64, i64> = HashMap::new();
    for (p, sig) in sigs.iter().enumerate() {
        world.current = p;
        let links = per_clip.get(&sig.clip_id).unwrap_or(&empty);
        let (label, copy_of) = match decide(&world, sig, links)? {
            Decision::Join { story, copy_of } => (story as usize, copy_of),
            Decision::New => {
                world.stories.push((0, 0, 0));
                (world.stories.len() - 1, None)
            }
        };
        world.place(p, label);
        // In time order a copy's text is already placed: its family's first clip is the root.
        let root = copy_of.map(|c| root_of.get(&c).copied().unwrap_or(c));
        root_of.insert(sig.clip_id, root.unwrap_or(sig.clip_id));
        placed.push((sig.clip_id, label, root));
    }
    Ok(Grouping { placed })
}

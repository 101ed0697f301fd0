//! Tagging clips by topic and actor: the taxonomy, automatic tagging (known actors by alias,
//! topics by rule), suggestions of unknown actors, and the starter gazetteer.

pub mod gazetteer;
pub mod lexicon;
pub mod matcher;
pub mod ops;
pub mod refs;
pub mod suggest;
pub mod taxonomy;

use std::collections::HashSet;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::{time_to_db, Origin};
use crate::search::query::{self, Node};
use matcher::AliasMatcher;

/// Everything automatic tagging needs, compiled once per taxonomy version.
pub struct Tagger {
    pub version: i64,
    pub matcher: AliasMatcher,
    /// Topics with a rule, and the rule parsed.
    pub rules: Vec<(i64, Node)>,
}

/// The taxonomy version: bumped by triggers on every tag or alias change (migration 2).
pub fn taxonomy_version(conn: &Connection) -> Result<i64> {
    Ok(conn
        .query_row("SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'taxonomy_version'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0))
}

impl Tagger {
    pub fn load(conn: &Connection) -> Result<Self> {
        let version = taxonomy_version(conn)?;
        let matcher = AliasMatcher::load(conn)?;
        let mut rules = Vec::new();
        let mut stmt =
            conn.prepare("SELECT id, rule FROM tag WHERE kind = 'topic' AND rule IS NOT NULL AND trim(rule) != ''")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
            let (id, rule) = row?;
            // A rule that no longer parses (stored by an older version, or naming a saved search
            // that is gone) tags nothing.
            if let Ok(node) = crate::search::parse(conn, &rule) {
                rules.push((id, node));
            }
        }
        Ok(Tagger { version, matcher, rules })
    }
}

/// How strongly an origin holds: a manual tag is never downgraded to an automatic one.
fn strength(origin: Origin) -> u8 {
    match origin {
        Origin::Manual => 4,
        Origin::Suggested => 3,
        Origin::Rule => 2,
        Origin::Alias => 1,
    }
}

/// Puts a tag on a clip (or strengthens its origin). Returns true if the clip did not have it.
/// A manual tag lifts an earlier rejection; automatic ones respect it.
pub fn tag_clip(conn: &Connection, clip_id: i64, tag_id: i64, origin: Origin) -> Result<bool> {
    if matches!(origin, Origin::Manual | Origin::Suggested) {
        conn.prepare_cached("DELETE FROM clip_tag_rejected WHERE clip_id = ?1 AND tag_id = ?2")?
            .execute(params![clip_id, tag_id])?;
    } else {
        let rejected: bool = conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM clip_tag_rejected WHERE clip_id = ?1 AND tag_id = ?2)")?
            .query_row(params![clip_id, tag_id], |r| r.get(0))?;
        if rejected {
            return Ok(false);
        }
    }
    let existing: Option<String> = conn
        .query_row("SELECT origin FROM clip_tag WHERE clip_id = ?1 AND tag_id = ?2", params![clip_id, tag_id], |r| {
            r.get(0)
        })
        .optional()?;
    match existing.as_deref().and_then(Origin::parse) {
        None => {
            conn.prepare_cached("INSERT INTO clip_tag (clip_id, tag_id, origin, created_at) VALUES (?1, ?2, ?3, ?4)")?
                .execute(params![clip_id, tag_id, origin.as_str(), time_to_db(&Utc::now())])
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => {
                        Error::NotFound { what: "clip", id: clip_id.to_string() }
                    }
                    _ => e.into(),
                })?;
            Ok(true)
        }
        Some(old) if strength(origin) > strength(old) => {
            conn.prepare_cached("UPDATE clip_tag SET origin = ?3 WHERE clip_id = ?1 AND tag_id = ?2")?
                .execute(params![clip_id, tag_id, origin.as_str()])?;
            Ok(false)
        }
        Some(_) => Ok(false),
    }
}

/// Removes a tag from a clip and remembers the analyst's decision, so automatic tagging does
/// not put it back. Returns true if the clip had it.
pub fn untag_clip(conn: &Connection, clip_id: i64, tag_id: i64) -> Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM clip_tag WHERE clip_id = ?1 AND tag_id = ?2")?
        .execute(params![clip_id, tag_id])?;
    conn.prepare_cached("INSERT OR IGNORE INTO clip_tag_rejected (clip_id, tag_id, rejected_at) VALUES (?1, ?2, ?3)")?
        .execute(params![clip_id, tag_id, time_to_db(&Utc::now())])?;
    Ok(n > 0)
}

/// The text actors are looked for in: title and body.
fn clip_text(conn: &Connection, clip_id: i64) -> Result<String> {
    Ok(conn.prepare_cached("SELECT title || char(10) || char(10) || b.text FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE id = ?1")?.query_row([clip_id],
        |r| r.get(0),
    )?)
}

/// The clips a query matches: all of them, or just `only` if it does.
pub fn matching_clips(conn: &Connection, node: &Node, only: Option<i64>) -> Result<HashSet<i64>> {
    let compiled = query::compile(node, Utc::now());
    match only {
        Some(id) => {
            Ok(if crate::search::matches_clip(conn, &compiled, id)? { HashSet::from([id]) } else { HashSet::new() })
        }
        None => Ok(crate::search::matching_ids(conn, &compiled)?.into_iter().map(|(id, _)| id).collect()),
    }
}

/// What automatic tagging would give one clip: (tag, origin) pairs.
fn automatic_tags(conn: &Connection, tagger: &Tagger, clip_id: i64) -> Result<Vec<(i64, Origin)>> {
    let mut out = Vec::new();
    if !tagger.matcher.is_empty() {
        for found in tagger.matcher.find(&clip_text(conn, clip_id)?) {
            out.push((found.tag_id, Origin::Alias));
        }
    }
    for (topic, rule) in &tagger.rules {
        if !matching_clips(conn, rule, Some(clip_id))?.is_empty() {
            out.push((*topic, Origin::Rule));
        }
    }
    Ok(out)
}

/// Tags a newly stored clip: known actors by alias, topics by rule. In the caller's
/// transaction. Returns how many tags were added.
pub fn auto_tag_clip(conn: &Connection, tagger: &Tagger, clip_id: i64) -> Result<usize> {
    let mut added = 0;
    for (tag, origin) in automatic_tags(conn, tagger, clip_id)? {
        added += usize::from(tag_clip(conn, clip_id, tag, origin)?);
    }
    Ok(added)
}

/// Brings one actor's automatic tags up to date across the library, in the caller's transaction,
/// after its names changed (an actor added or accepted from a suggestion, an alias added or
/// removed): clips that mention it get it, clips tagged by an alias it no longer has lose it. The
/// full-text index finds the clips to check ([`matcher::candidates_expr`]); each is then checked
/// with the whole alias matcher, so a longer name of another actor still wins ("Michael Jordan"
/// over "Jordan"). Manual and accepted tags and the analyst's rejections are kept. Returns
/// (added, removed).
pub fn retag_actor(conn: &Connection, actor_id: i64) -> Result<(usize, usize)> {
    let aliases: Vec<String> = conn
        .prepare("SELECT alias FROM tag_alias WHERE tag_id = ?1 UNION SELECT name FROM tag WHERE id = ?1")?
        .query_map([actor_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut candidates: HashSet<i64> = conn
        .prepare("SELECT clip_id FROM clip_tag WHERE tag_id = ?1 AND origin = 'alias'")?
        .query_map([actor_id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut stmt = conn.prepare_cached("SELECT rowid FROM clip_fts WHERE clip_fts MATCH ?1")?;
    for expr in aliases.iter().filter_map(|a| matcher::candidates_expr(a)) {
        for id in stmt.query_map([&expr], |r| r.get::<_, i64>(0))? {
            candidates.insert(id?);
        }
    }
    if candidates.is_empty() {
        return Ok((0, 0));
    }
    let matcher = AliasMatcher::load(conn)?;
    let (mut added, mut removed) = (0, 0);
    let mut ids: Vec<i64> = candidates.into_iter().collect();
    ids.sort_unstable();
    for clip_id in ids {
        let mentions = matcher.find(&clip_text(conn, clip_id)?).iter().any(|f| f.tag_id == actor_id);
        if mentions {
            added += usize::from(tag_clip(conn, clip_id, actor_id, Origin::Alias)?);
        } else {
            removed += conn.execute(
                "DELETE FROM clip_tag WHERE clip_id = ?1 AND tag_id = ?2 AND origin = 'alias'",
                params![clip_id, actor_id],
            )?;
        }
    }
    Ok((added, removed))
}

/// What a retag changed (or would change, for a dry run).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RetagReport {
    pub clips: usize,
    pub added: usize,
    pub removed: usize,
    pub dry_run: bool,
}

/// Re-applies automatic tagging to every clip: adds the alias and rule tags that now apply,
/// removes alias and rule tags that no longer do (manual and accepted tags are never touched,
/// nor are the analyst's rejections). `progress` is called with (done, total).
pub fn retag(
    conn: &Connection,
    tagger: &Tagger,
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> Result<RetagReport> {
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM clip ORDER BY id")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    // Rules over the whole library at once: one query per rule, not per clip.
    let mut rule_hits: Vec<(i64, HashSet<i64>)> = Vec::new();
    for (topic, rule) in &tagger.rules {
        rule_hits.push((*topic, matching_clips(conn, rule, None)?));
    }
    let mut report = RetagReport { clips: ids.len(), dry_run, ..Default::default() };
    for (n, &clip_id) in ids.iter().enumerate() {
        let mut want: Vec<(i64, Origin)> = Vec::new();
        if !tagger.matcher.is_empty() {
            want.extend(tagger.matcher.find(&clip_text(conn, clip_id)?).into_iter().map(|f| (f.tag_id, Origin::Alias)));
        }
        want.extend(rule_hits.iter().filter(|(_, hits)| hits.contains(&clip_id)).map(|(t, _)| (*t, Origin::Rule)));
        let have: Vec<(i64, Origin)> = {
            let mut stmt = conn.prepare_cached("SELECT tag_id, origin FROM clip_tag WHERE clip_id = ?1")?;
            let rows = stmt.query_map([clip_id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            rows.filter_map(|r| r.ok()).filter_map(|(t, o)| Origin::parse(&o).map(|o| (t, o))).collect()
        };
        let rejected: HashSet<i64> = {
            let mut stmt = conn.prepare_cached("SELECT tag_id FROM clip_tag_rejected WHERE clip_id = ?1")?;
            let rows = stmt.query_map([clip_id], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (tag, origin) in &want {
            if !have.iter().any(|(t, _)| t == tag) && !rejected.contains(tag) {
                report.added += 1;
                if !dry_run {
                    tag_clip(conn, clip_id, *tag, *origin)?;
                }
            }
        }
        for (tag, origin) in &have {
            let automatic = matches!(origin, Origin::Alias | Origin::Rule);
            let still = want.iter().any(|(t, o)| t == tag && o == origin);
            if automatic && !still {
                report.removed += 1;
                if !dry_run {
                    conn.execute("DELETE FROM clip_tag WHERE clip_id = ?1 AND tag_id = ?2", params![clip_id, tag])?;
                }
            }
        }
        progress(n + 1, ids.len());
    }
    Ok(report)
}

/// How a topic rule would change the library: clips it matches, and how many of those lack the
/// topic (and are not rejected).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RulePreview {
    pub matching: usize,
    pub would_add: usize,
}

pub fn preview_rule(conn: &Connection, topic_id: i64, rule: &str) -> Result<RulePreview> {
    let node = crate::search::parse(conn, rule)?;
    let hits = matching_clips(conn, &node, None)?;
    let mut stmt = conn.prepare(
        "SELECT clip_id FROM clip_tag WHERE tag_id = ?1 UNION SELECT clip_id FROM clip_tag_rejected WHERE tag_id = ?1",
    )?;
    let have: HashSet<i64> = stmt.query_map([topic_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(RulePreview { matching: hits.len(), would_add: hits.iter().filter(|id| !have.contains(id)).count() })
}

/// Tags every clip a topic's rule matches. Returns how many were added.
pub fn apply_rule(conn: &Connection, topic_id: i64) -> Result<usize> {
    let rule: Option<String> = conn.query_row("SELECT rule FROM tag WHERE id = ?1", [topic_id], |r| r.get(0))?;
    let Some(rule) = rule else { return Ok(0) };
    let node = crate::search::parse(conn, &rule)?;
    let mut added = 0;
    for clip_id in matching_clips(conn, &node, None)? {
        added += usize::from(tag_clip(conn, clip_id, topic_id, Origin::Rule)?);
    }
    Ok(added)
}

/// The analyst's tagging operations on a library, each in its own transaction.
impl crate::Library {
    /// Suggested actors for a clip (known ones flagged), dismissed names left out.
    pub fn suggestions(&mut self, clip_id: i64) -> Result<Vec<suggest::Suggestion>> {
        let (title, text): (String, String) = self
            .conn()
            .query_row(
                "SELECT title, b.text FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE id = ?1",
                [clip_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "clip", id: clip_id.to_string() })?;
        self.suggest_text(&title, &text)
    }

    /// Suggested actors for any text, against this library's taxonomy.
    pub fn suggest_text(&mut self, title: &str, text: &str) -> Result<Vec<suggest::Suggestion>> {
        let dismissed: HashSet<String> = {
            let mut stmt = self.conn().prepare("SELECT norm FROM dismissed_suggestion")?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let (conn, tagger) = self.conn_and_tagger()?;
        let conn: &Connection = conn;
        let known_name = |id: i64| -> Option<(String, Option<taxonomy::ActorType>)> {
            conn.query_row("SELECT name, actor_type FROM tag WHERE id = ?1", [id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })
            .ok()
            .map(|(n, t)| (n, t.and_then(|t| taxonomy::ActorType::parse(&t).ok())))
        };
        Ok(suggest::suggest(title, text, &tagger.matcher, &known_name, &dismissed))
    }

    /// Accepts a suggestion: the actor is created if unknown and the clip tagged (origin
    /// `suggested`). Returns the actor's id.
    pub fn accept_suggestion(
        &mut self,
        clip_id: i64,
        name: &str,
        actor_type: Option<taxonomy::ActorType>,
    ) -> Result<i64> {
        let tx = self.write()?;
        // A known actor keeps its type; a new one takes the given or guessed type.
        let id = match taxonomy::find_actor(&tx, name)? {
            Some(id) => id,
            None => {
                taxonomy::ensure_actor(&tx, name, Some(actor_type.unwrap_or_else(|| suggest::guess_type(name))), &[])?
            }
        };
        tag_clip(&tx, clip_id, id, Origin::Suggested)?;
        // Every other clip that names the actor is tagged in the same action.
        retag_actor(&tx, id)?;
        tx.execute("DELETE FROM dismissed_suggestion WHERE norm = ?1", [crate::text::fold(name)])?;
        tx.commit()?;
        Ok(id)
    }

    /// Dismisses a suggested name: it is never suggested again, for any clip.
    pub fn dismiss_suggestion(&mut self, name: &str) -> Result<()> {
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO dismissed_suggestion (norm, name, dismissed_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (norm) DO NOTHING",
            params![crate::text::fold(name), name, time_to_db(&Utc::now())],
        )?;
        tx.commit()?;
        Ok(())
    }
}

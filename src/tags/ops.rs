//! The analyst's taxonomy and tagging operations on a [`Library`], each one transaction. The CLI
//! and the desktop app call these; the functions they wrap take a connection and never commit.

use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::taxonomy::{self, ActorType, TagRef};
use super::{tag_clip, untag_clip, RetagReport, RulePreview};
use crate::error::{Error, Result};
use crate::model::{Origin, TagKind};
use crate::sync::{self, outbox};
use crate::Library;

/// What a bulk tagging changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TagChange {
    pub clips: usize,
    pub added: usize,
    pub removed: usize,
}

impl Library {
    /// Adds and removes tags on clips (by hand). Unknown tags to add are created.
    pub fn tag_clips(&mut self, clip_ids: &[i64], add: &[TagRef], remove: &[TagRef]) -> Result<TagChange> {
        let tx = self.write()?;
        let mut change = TagChange { clips: clip_ids.len(), ..Default::default() };
        let add_ids: Vec<i64> = add.iter().map(|t| taxonomy::ensure(&tx, t)).collect::<Result<_>>()?;
        let mut remove_ids = Vec::new();
        for t in remove {
            remove_ids.push(
                taxonomy::find(&tx, t)?
                    .ok_or_else(|| Error::NotFound { what: tag_what(t.kind), id: t.name.clone() })?,
            );
        }
        for &clip in clip_ids {
            let exists: bool =
                tx.query_row("SELECT EXISTS (SELECT 1 FROM clip WHERE id = ?1)", [clip], |r| r.get(0))?;
            if !exists {
                return Err(Error::NotFound { what: "clip", id: clip.to_string() });
            }
            for &tag in &add_ids {
                change.added += usize::from(tag_clip(&tx, clip, tag, Origin::Manual)?);
            }
            for &tag in &remove_ids {
                change.removed += usize::from(untag_clip(&tx, clip, tag)?);
            }
        }
        tx.commit()?;
        Ok(change)
    }

    /// Tags every clip a query matches.
    pub fn tag_query(&mut self, q: &str, add: &[TagRef], remove: &[TagRef]) -> Result<TagChange> {
        let node = crate::search::parse(self.conn(), q)?;
        let mut ids: Vec<i64> = super::matching_clips(self.conn(), &node, None)?.into_iter().collect();
        ids.sort_unstable();
        self.tag_clips(&ids, add, remove)
    }

    pub fn add_topic(&mut self, path: &str, rule: Option<&str>) -> Result<i64> {
        let tx = self.write()?;
        let id = taxonomy::ensure_topic(&tx, path)?;
        if rule.is_some() {
            taxonomy::set_rule(&tx, id, rule)?;
        }
        tx.commit()?;
        Ok(id)
    }

    pub fn add_actor(
        &mut self,
        name: &str,
        actor_type: Option<ActorType>,
        aliases: &[String],
        description: Option<&str>,
    ) -> Result<i64> {
        let tx = self.write()?;
        let id = taxonomy::ensure_actor(&tx, name, actor_type, aliases)?;
        if let Some(d) = description {
            tx.execute("UPDATE tag SET description = ?2 WHERE id = ?1", rusqlite::params![id, d])?;
        }
        super::retag_actor(&tx, id)?;
        tx.commit()?;
        Ok(id)
    }

    pub fn edit_aliases(&mut self, actor: &str, add: &[String], remove: &[String]) -> Result<i64> {
        let tx = self.write()?;
        let id = taxonomy::require_actor(&tx, actor)?;
        for a in add {
            taxonomy::add_alias(&tx, id, a, None)?;
        }
        for a in remove {
            if !taxonomy::remove_alias(&tx, id, a)? {
                return Err(Error::NotFound { what: "alias", id: a.clone() });
            }
        }
        super::retag_actor(&tx, id)?;
        tx.commit()?;
        Ok(id)
    }

    /// Renames a topic (given by path or name) or an actor.
    pub fn rename_tag(&mut self, tag: &TagRef, new_name: &str) -> Result<()> {
        let tx = self.write()?;
        let id = require(&tx, tag)?;
        let refs = super::refs::before(&tx, id)?;
        // Shared desks that know the tag hear of it as one operation.
        if let Some(desc) = outbox::tag_desc(&tx, id)? {
            outbox::record_taxonomy(&tx, id, "tag.rename", &json!({"tag": desc, "name": new_name.trim()}))?;
        }
        sync::quietly(&tx, || taxonomy::rename(&tx, id, new_name))?;
        match tag.kind {
            TagKind::Topic => {
                super::refs::rewrite(&tx, &refs, id)?;
            }
            // The new name is an alias now: clips that use it are tagged.
            TagKind::Actor => {
                super::retag_actor(&tx, id)?;
            }
        }
        tx.commit().map_err(Error::from)
    }

    /// Moves a topic under another, or to the root with `None`.
    pub fn move_topic(&mut self, topic: &str, new_parent: Option<&str>) -> Result<()> {
        let tx = self.write()?;
        let id = taxonomy::require_topic(&tx, topic)?;
        let parent = new_parent.map(|p| taxonomy::require_topic(&tx, p)).transpose()?;
        let refs = super::refs::before(&tx, id)?;
        if let Some(desc) = outbox::tag_desc(&tx, id)? {
            let parent_desc = parent.map(|p| outbox::tag_desc(&tx, p)).transpose()?.flatten();
            outbox::record_taxonomy(&tx, id, "tag.move", &json!({"tag": desc, "parent": parent_desc}))?;
        }
        sync::quietly(&tx, || taxonomy::move_topic(&tx, id, parent))?;
        super::refs::rewrite(&tx, &refs, id)?;
        tx.commit().map_err(Error::from)
    }

    /// Merges `from` into `into` (both topics or both actors).
    pub fn merge_tags(&mut self, from: &TagRef, into: &TagRef) -> Result<()> {
        let tx = self.write()?;
        let from_id = require(&tx, from)?;
        let into_id = require(&tx, into)?;
        let refs = super::refs::before(&tx, from_id)?;
        if from_id != into_id {
            outbox::materialize(&tx, from_id)?;
            if let (Some(from_desc), Some(into_desc)) =
                (outbox::tag_desc(&tx, from_id)?, outbox::tag_desc(&tx, into_id)?)
            {
                outbox::record_taxonomy(&tx, from_id, "tag.merge", &json!({"from": from_desc, "into": into_desc}))?;
            }
            tx.execute(
                "INSERT OR IGNORE INTO tag_desk (tag_id, desk) SELECT ?2, desk FROM tag_desk WHERE tag_id = ?1",
                rusqlite::params![from_id, into_id],
            )?;
        }
        let from_uid: Option<String> = tx.query_row("SELECT uid FROM tag WHERE id = ?1", [from_id], |r| r.get(0)).ok();
        sync::quietly(&tx, || taxonomy::merge(&tx, from_id, into_id))?;
        // Operations from other libraries that name the merged tag land on the survivor.
        if let Some(from_uid) = from_uid {
            sync::apply::merged(&tx, &from_uid, into_id)?;
        }
        if from.kind == TagKind::Topic {
            super::refs::rewrite(&tx, &refs, into_id)?;
        }
        tx.commit().map_err(Error::from)
    }

    pub fn delete_tag(&mut self, tag: &TagRef) -> Result<()> {
        let tx = self.write()?;
        let id = require(&tx, tag)?;
        outbox::materialize(&tx, id)?;
        let uid: String = tx.query_row("SELECT uid FROM tag WHERE id = ?1", [id], |r| r.get(0))?;
        outbox::record_taxonomy(&tx, id, "tag.delete", &json!({"tag": uid}))?;
        sync::quietly(&tx, || taxonomy::delete(&tx, id))?;
        tx.commit().map_err(Error::from)
    }

    /// Sets a topic's rule and reports what applying it would change; `apply` tags the matching
    /// clips in the same transaction.
    pub fn set_rule(&mut self, topic: &str, rule: Option<&str>, apply: bool) -> Result<(RulePreview, usize)> {
        let tx = self.write()?;
        let id = taxonomy::require_topic(&tx, topic)?;
        taxonomy::set_rule(&tx, id, rule)?;
        let preview = match rule {
            Some(r) => super::preview_rule(&tx, id, r)?,
            None => RulePreview { matching: 0, would_add: 0 },
        };
        let added = if apply { super::apply_rule(&tx, id)? } else { 0 };
        tx.commit()?;
        Ok((preview, added))
    }

    /// What a rule would change, without storing it.
    pub fn preview_rule(&self, topic: &str, rule: &str) -> Result<RulePreview> {
        let id = taxonomy::require_topic(self.conn(), topic)?;
        super::preview_rule(self.conn(), id, rule)
    }

    /// Re-applies automatic tagging to the whole library (see [`super::retag`]).
    pub fn retag(&mut self, dry_run: bool, progress: impl FnMut(usize, usize)) -> Result<RetagReport> {
        let (conn, tagger) = self.conn_and_tagger()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let report = super::retag(&tx, tagger, dry_run, progress)?;
        if dry_run {
            tx.rollback()?;
        } else {
            tx.commit()?;
        }
        Ok(report)
    }

    pub fn topics(&self) -> Result<Vec<taxonomy::Topic>> {
        taxonomy::topics(self.conn())
    }

    pub fn actors(&self) -> Result<Vec<taxonomy::Actor>> {
        taxonomy::actors(self.conn())
    }

    /// Sets (or clears) the analyst's note on a clip; the note is searchable at once.
    pub fn set_note(&mut self, clip_id: i64, note: Option<&str>) -> Result<()> {
        let tx = self.write()?;
        let n = tx.execute(
            "UPDATE clip SET note = ?2, updated_at = ?3 WHERE id = ?1",
            rusqlite::params![clip_id, note.filter(|n| !n.trim().is_empty()), crate::model::time_to_db(&Utc::now())],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "clip", id: clip_id.to_string() });
        }
        crate::library::index_clip(&tx, clip_id)?;
        tx.commit().map_err(Error::from)
    }

    /// Retitles a clip (the analyst's own headline); searchable at once.
    pub fn set_title(&mut self, clip_id: i64, title: &str) -> Result<()> {
        let title = crate::text::collapse_ws(title);
        if title.is_empty() {
            return Err(Error::input("input.name", "a title cannot be empty"));
        }
        let tx = self.write()?;
        let n = tx.execute(
            "UPDATE clip SET title = ?2, updated_at = ?3 WHERE id = ?1",
            rusqlite::params![clip_id, title, crate::model::time_to_db(&Utc::now())],
        )?;
        if n == 0 {
            return Err(Error::NotFound { what: "clip", id: clip_id.to_string() });
        }
        crate::library::index_clip(&tx, clip_id)?;
        tx.commit().map_err(Error::from)
    }
}

fn require(conn: &rusqlite::Connection, tag: &TagRef) -> Result<i64> {
    taxonomy::find(conn, tag)?.ok_or_else(|| Error::NotFound { what: tag_what(tag.kind), id: tag.name.clone() })
}

fn tag_what(kind: TagKind) -> &'static str {
    match kind {
        TagKind::Topic => "topic",
        TagKind::Actor => "actor",
    }
}

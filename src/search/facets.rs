//! Counting a result set by topic, actor, site, language and month, in memory — by clips, or by
//! stories (a story counts once under each value any of its matching clips has).
//!
//! [`FacetIndex`] holds, for every clip, the small facts facets count (site, language, month of
//! publication, tag ids) in flat arrays; counting a result set of 20,000 clips is then a loop, not
//! a join. It is rebuilt when the library may have changed: SQLite's `data_version` tells of
//! commits by other connections (another process), `total_changes` of this connection's own.

use std::collections::HashMap;

use rusqlite::Connection;

use super::{FacetCount, Facets};
use crate::error::Result;
use crate::model::{time_from_db, TagKind};

/// A value that changes whenever the library may have: other connections' commits
/// (`data_version`) and this connection's own changes.
pub fn library_version(conn: &Connection) -> Result<(i64, u64)> {
    let data_version: i64 = conn.pragma_query_value(None, "data_version", |r| r.get(0))?;
    Ok((data_version, conn.total_changes()))
}

/// The per-clip facts facets count, for every clip of a library.
#[derive(Debug, Default)]
pub struct FacetIndex {
    /// The library version it was built at.
    pub version: (i64, u64),
    /// Clip id → position in the arrays (`u32::MAX`: no such clip). Ids are dense.
    slot: Vec<u32>,
    site: Vec<u32>,
    lang: Vec<u32>,
    /// Publication month as "YYYY-MM", an index into `months`.
    month: Vec<u32>,
    /// Publication time (Unix seconds), `i64::MIN` when unknown: for sorting by date.
    published: Vec<i64>,
    /// The clip's story (0: none).
    story: Vec<i64>,
    /// Clips per story.
    story_sizes: HashMap<i64, u32>,
    /// Tags of slot `i`: `tags[tag_start[i]..tag_start[i + 1]]`.
    tag_start: Vec<u32>,
    tags: Vec<i64>,
    sites: Vec<String>,
    langs: Vec<String>,
    months: Vec<String>,
}

/// Interns strings to small ids; id 0 is "none".
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn new() -> Self {
        Interner { ids: HashMap::new(), names: vec![String::new()] }
    }
    fn id(&mut self, s: Option<String>) -> u32 {
        match s {
            None => 0,
            Some(s) => {
                if let Some(&id) = self.ids.get(&s) {
                    return id;
                }
                let id = self.names.len() as u32;
                self.ids.insert(s.clone(), id);
                self.names.push(s);
                id
            }
        }
    }
}

impl FacetIndex {
    pub fn load(conn: &Connection) -> Result<Self> {
        let version = library_version(conn)?;
        let mut index = FacetIndex { version, ..Default::default() };
        let (mut sites, mut langs, mut months) = (Interner::new(), Interner::new(), Interner::new());
        {
            let mut stmt =
                conn.prepare_cached("SELECT id, site_name, lang, published_at, story_id FROM clip ORDER BY id")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let published: Option<String> = r.get(3)?;
                if let Ok(i) = usize::try_from(id) {
                    if i >= index.slot.len() {
                        index.slot.resize(i + 1, u32::MAX);
                    }
                    index.slot[i] = index.site.len() as u32;
                }
                index.site.push(sites.id(r.get(1)?));
                index.lang.push(langs.id(r.get(2)?));
                // The month from the parsed time, never from the stored text's first bytes: an imported
                // or hand-edited date such as "6 июля 2016" must not split a character.
                let published = published.as_deref().and_then(time_from_db);
                index.month.push(months.id(published.map(|t| t.format("%Y-%m").to_string())));
                index.published.push(published.map_or(i64::MIN, |t| t.timestamp()));
                let story: Option<i64> = r.get(4)?;
                index.story.push(story.unwrap_or(0));
                if let Some(s) = story {
                    *index.story_sizes.entry(s).or_insert(0) += 1;
                }
            }
        }
        let mut per_slot: Vec<Vec<i64>> = vec![Vec::new(); index.site.len()];
        {
            let mut stmt = conn.prepare_cached("SELECT clip_id, tag_id FROM clip_tag")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let (clip, tag): (i64, i64) = (r.get(0)?, r.get(1)?);
                if let Some(slot) = index.slot_of(clip) {
                    per_slot[slot].push(tag);
                }
            }
        }
        index.tag_start.reserve(per_slot.len() + 1);
        for tags in per_slot {
            index.tag_start.push(index.tags.len() as u32);
            index.tags.extend(tags);
        }
        index.tag_start.push(index.tags.len() as u32);
        index.sites = sites.names;
        index.langs = langs.names;
        index.months = months.names;
        Ok(index)
    }

    fn slot_of(&self, id: i64) -> Option<usize> {
        let s = *self.slot.get(usize::try_from(id).ok()?)?;
        (s != u32::MAX).then_some(s as usize)
    }

    /// A clip's publication time for sorting (`i64::MIN` when unknown or not indexed).
    pub fn published(&self, id: i64) -> i64 {
        self.slot_of(id).map_or(i64::MIN, |s| self.published[s])
    }

    /// A clip's story (`None` when it has none).
    pub fn story(&self, id: i64) -> Option<i64> {
        self.slot_of(id).map(|s| self.story[s]).filter(|s| *s != 0)
    }

    /// What groups a clip when results are collapsed: its story, or the clip itself (negated).
    pub fn story_key(&self, id: i64) -> i64 {
        self.story(id).unwrap_or(-id)
    }

    /// Clips in a story.
    pub fn story_size(&self, story: i64) -> i64 {
        i64::from(self.story_sizes.get(&story).copied().unwrap_or(0))
    }

    /// Counts the facets of a result set, per clip or (`per_story`) per story; each facet lists
    /// at most `limit` values, largest first (months newest first).
    pub fn count(&self, ids: &[i64], tags: &TagIndex, limit: usize, per_story: bool) -> Facets {
        let mut site = vec![0i64; self.sites.len()];
        let mut lang = vec![0i64; self.langs.len()];
        let mut month = vec![0i64; self.months.len()];
        // Tag ids are small integers: count in dense arrays.
        let mut actor = vec![0i64; tags.max_id + 1];
        let mut topic = vec![0i64; tags.max_id + 1];
        // Each value counts once per group (a clip, or a story's matching clips): the group that
        // last counted it.
        let mut stamps = [
            vec![0u32; site.len()],
            vec![0u32; lang.len()],
            vec![0u32; month.len()],
            vec![0u32; actor.len()],
            vec![0u32; topic.len()],
        ];
        let bump = |counts: &mut [i64], stamp: &mut [u32], value: usize, group: u32| {
            if stamp[value] != group {
                stamp[value] = group;
                counts[value] += 1;
            }
        };
        let mut slots: Vec<(i64, usize)> = ids
            .iter()
            .filter_map(|&id| self.slot_of(id).map(|s| (if per_story { self.story_key(id) } else { id }, s)))
            .collect();
        if per_story {
            slots.sort_unstable();
        }
        let (mut group, mut previous) = (0u32, None);
        for (key, s) in slots {
            if previous != Some(key) {
                group += 1;
                previous = Some(key);
            }
            let [site_stamp, lang_stamp, month_stamp, actor_stamp, topic_stamp] = &mut stamps;
            bump(&mut site, site_stamp, self.site[s] as usize, group);
            bump(&mut lang, lang_stamp, self.lang[s] as usize, group);
            bump(&mut month, month_stamp, self.month[s] as usize, group);
            for &tag in &self.tags[self.tag_start[s] as usize..self.tag_start[s + 1] as usize] {
                let Some(t) = tags.get(tag) else { continue };
                match t.kind {
                    TagKind::Actor => bump(&mut actor, actor_stamp, tag as usize, group),
                    // A topic counts under its ancestors too, once per group.
                    TagKind::Topic => {
                        for &up in &t.ancestors {
                            bump(&mut topic, topic_stamp, up as usize, group);
                        }
                    }
                }
            }
        }
        let by_count = |counts: Vec<(String, i64)>| -> Vec<FacetCount> {
            let mut v: Vec<FacetCount> =
                counts.into_iter().filter(|(_, n)| *n > 0).map(|(name, count)| FacetCount { name, count }).collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
            v.truncate(limit);
            v
        };
        let interned = |names: &[String], counts: Vec<i64>| -> Vec<(String, i64)> {
            counts.into_iter().enumerate().skip(1).filter(|(_, n)| *n > 0).map(|(i, n)| (names[i].clone(), n)).collect()
        };
        let tagged = |counts: Vec<i64>| -> Vec<(String, i64)> {
            counts.into_iter().enumerate().filter(|(_, n)| *n > 0).map(|(id, n)| (tags.path(id as i64), n)).collect()
        };
        let mut months: Vec<FacetCount> =
            interned(&self.months, month).into_iter().map(|(name, count)| FacetCount { name, count }).collect();
        months.sort_by(|a, b| b.name.cmp(&a.name));
        months.truncate(limit);
        Facets {
            topic: by_count(tagged(topic)),
            actor: by_count(tagged(actor)),
            site: by_count(interned(&self.sites, site)),
            lang: by_count(interned(&self.langs, lang)),
            month: months,
        }
    }
}

/// One tag as search needs it.
pub struct TagInfo {
    pub kind: TagKind,
    pub name: String,
    pub parent: Option<i64>,
    /// The tag itself and its ancestors (topics).
    pub ancestors: Vec<i64>,
}

/// Every tag's kind, name and place in the tree (a few hundred rows), loaded once per search.
pub struct TagIndex {
    /// By tag id (ids are small and dense).
    tags: Vec<Option<TagInfo>>,
    pub max_id: usize,
}

impl TagIndex {
    pub fn load(conn: &Connection) -> Result<Self> {
        let mut stmt = conn.prepare_cached("SELECT id, kind, name, parent_id FROM tag")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get(3)?)))?;
        let mut tags = HashMap::new();
        let mut max_id = 0;
        for row in rows {
            let (id, kind, name, parent) = row?;
            if let Some(kind) = TagKind::parse(&kind) {
                max_id = max_id.max(id.max(0) as usize);
                tags.insert(id, TagInfo { kind, name, parent, ancestors: Vec::new() });
            }
        }
        let ids: Vec<i64> = tags.keys().copied().collect();
        for id in ids {
            let mut chain = Vec::new();
            let mut at = Some(id);
            while let Some(i) = at {
                if chain.len() > 64 || chain.contains(&i) {
                    break;
                }
                chain.push(i);
                at = tags.get(&i).and_then(|t| t.parent);
            }
            if let Some(t) = tags.get_mut(&id) {
                t.ancestors = chain;
            }
        }
        let mut dense: Vec<Option<TagInfo>> = (0..=max_id).map(|_| None).collect();
        for (id, info) in tags {
            if let Ok(i) = usize::try_from(id) {
                dense[i] = Some(info);
            }
        }
        Ok(TagIndex { tags: dense, max_id })
    }

    pub fn get(&self, id: i64) -> Option<&TagInfo> {
        self.tags.get(usize::try_from(id).ok()?)?.as_ref()
    }

    pub fn kind(&self, id: i64) -> Option<TagKind> {
        self.get(id).map(|t| t.kind)
    }

    /// A topic's path from the root ("Syria/Aleppo"); an actor's name.
    pub fn path(&self, id: i64) -> String {
        match self.get(id) {
            Some(t) => {
                let mut parts: Vec<&str> =
                    t.ancestors.iter().filter_map(|a| self.get(*a)).map(|a| a.name.as_str()).collect();
                parts.reverse();
                parts.join("/")
            }
            None => String::new(),
        }
    }
}

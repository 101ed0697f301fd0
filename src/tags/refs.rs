//! Keeping stored queries pointing at the same topics when the taxonomy changes.
//!
//! Saved searches, topic rules and briefings hold queries as the analyst typed them, and a query
//! names a topic by text (`topic:Syria/Aleppo`, or `topic:Aleppo` when the name is unique). When a
//! topic is renamed, moved or merged, every stored query that named it (or one of its subtopics)
//! is rewritten in the same transaction, so it goes on meaning the same clips. Only the
//! `topic:` values change: the rest of each query stays as typed. Actors need no rewrite: a
//! renamed or merged actor keeps its old names as aliases, and `actor:` matches any alias.

use rusqlite::{params, Connection};

use crate::error::Result;
use crate::search::query::rewrite_field;

/// Every stored query: table and column. Every feature that stores a query lists it here.
pub const STORED_QUERIES: &[(&str, &str)] = &[("saved_search", "query"), ("tag", "rule"), ("digest", "query")];

/// How a topic was referred to before a change.
#[derive(Debug, Clone)]
pub struct TopicRefs {
    path: String,
    name: String,
    /// The name alone named this topic only (so `topic:NAME` meant it).
    unique_name: bool,
}

/// Reads how `topic_id` is named now; call before changing it.
pub fn before(conn: &Connection, topic_id: i64) -> Result<TopicRefs> {
    let path = crate::library::tag_path(conn, topic_id)?;
    let name: String = conn.query_row("SELECT name FROM tag WHERE id = ?1", [topic_id], |r| r.get(0))?;
    Ok(TopicRefs { unique_name: same_name_count(conn, &name)? == 1, path, name })
}

fn same_name_count(conn: &Connection, name: &str) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM tag WHERE kind = 'topic' AND name = ?1 COLLATE NOCASE", [name], |r| {
        r.get(0)
    })?)
}

/// Rewrites every stored query that named the topic as `old` describes, now that it is
/// `new_id` (the same topic renamed or moved, or the topic it was merged into). Returns how many
/// queries changed.
pub fn rewrite(conn: &Connection, old: &TopicRefs, new_id: i64) -> Result<usize> {
    let new_path = crate::library::tag_path(conn, new_id)?;
    let new_name: String = conn.query_row("SELECT name FROM tag WHERE id = ?1", [new_id], |r| r.get(0))?;
    // A name that now belongs to several topics would widen the query: write the path instead.
    let name_form = if same_name_count(conn, &new_name)? == 1 { new_name } else { new_path.clone() };
    let map = |value: &str| -> Option<String> {
        if old.unique_name && value.eq_ignore_ascii_case(&old.name) && !old.path.eq_ignore_ascii_case(value) {
            return (!value.eq_ignore_ascii_case(&name_form)).then(|| name_form.clone());
        }
        let rest = strip_path_prefix(value, &old.path)?;
        let new = if rest.is_empty() { new_path.clone() } else { format!("{new_path}/{rest}") };
        (new != value).then_some(new)
    };
    let mut changed = 0;
    for (table, column) in STORED_QUERIES {
        let rows: Vec<(i64, String)> = conn
            .prepare(&format!("SELECT rowid, {column} FROM {table} WHERE {column} LIKE '%topic:%'"))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut update = conn.prepare(&format!("UPDATE {table} SET {column} = ?2 WHERE rowid = ?1"))?;
        for (rowid, q) in rows {
            let rewritten = rewrite_field(&q, "topic", map);
            if rewritten != q {
                update.execute(params![rowid, rewritten])?;
                changed += 1;
            }
        }
    }
    Ok(changed)
}

/// The segments of `value` after `prefix`'s, when `value` is `prefix` or one of its subtopics'
/// paths (segments compared as SQLite's NOCASE compares them); "" for `prefix` itself.
fn strip_path_prefix(value: &str, prefix: &str) -> Option<String> {
    let mut v = value.split('/').map(str::trim);
    for p in prefix.split('/') {
        if !v.next()?.eq_ignore_ascii_case(p.trim()) {
            return None;
        }
    }
    Some(v.collect::<Vec<_>>().join("/"))
}

#[cfg(test)]
mod tests {
    use super::strip_path_prefix;

    #[test]
    fn path_prefixes() {
        for (value, prefix, expected) in [
            ("Syria", "Syria", Some("")),
            ("syria/Aleppo", "Syria", Some("Aleppo")),
            ("Syria/Aleppo/East", "Syria/Aleppo", Some("East")),
            ("Syrian", "Syria", None),
            ("Iraq/Syria", "Syria", None),
            ("Энергетика/Нефть", "Энергетика", Some("Нефть")),
        ] {
            assert_eq!(strip_path_prefix(value, prefix).as_deref(), expected, "{value} under {prefix}");
        }
    }
}

//! The starter gazetteer: every UN member and observer state, and major international
//! organisations, with their names in many languages. Generated data (see
//! `data/gazetteer/README.md`), embedded in the binary and loaded into a new library once, so
//! automatic tagging knows them from the first clip. The analyst may rename, merge or delete them
//! like any actor.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Deserialize;

use super::taxonomy::{add_alias_flags, ActorType};
use crate::error::Result;

const STATES_JSON: &str = include_str!("../../data/gazetteer/states.json");
const ORGANISATIONS_JSON: &str = include_str!("../../data/gazetteer/organisations.json");

/// Bump when the embedded data changes in a way a library should pick up.
pub const GAZETTEER_VERSION: i64 = 2;

#[derive(Deserialize)]
struct States {
    states: Vec<Entry>,
}

#[derive(Deserialize)]
struct Organisations {
    organisations: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(alias = "code")]
    id: String,
    name: String,
    aliases: Vec<Alias>,
}

#[derive(Deserialize)]
pub struct Alias {
    pub name: String,
    pub lang: Option<String>,
    #[serde(default)]
    pub case_sensitive: bool,
    #[serde(default)]
    pub ambiguous: bool,
}

/// One gazetteer actor as embedded.
pub struct GazetteerActor {
    pub source: String,
    pub name: String,
    pub actor_type: ActorType,
    pub aliases: Vec<Alias>,
}

/// Every actor of the embedded gazetteer.
pub fn actors() -> Vec<GazetteerActor> {
    let mut out = Vec::new();
    // The embedded files are checked by the test `gazetteer_parses`; a broken file loads nothing
    // rather than failing every library open.
    if let Ok(states) = serde_json::from_str::<States>(STATES_JSON) {
        out.extend(states.states.into_iter().map(|e| GazetteerActor {
            source: format!("gazetteer:state:{}", e.id),
            name: e.name,
            actor_type: ActorType::State,
            aliases: e.aliases,
        }));
    }
    if let Ok(orgs) = serde_json::from_str::<Organisations>(ORGANISATIONS_JSON) {
        out.extend(orgs.organisations.into_iter().map(|e| GazetteerActor {
            source: format!("gazetteer:org:{}", e.id),
            name: e.name,
            actor_type: ActorType::Organisation,
            aliases: e.aliases,
        }));
    }
    out
}

/// Loads the gazetteer into a library that has not had it (in the caller's transaction). An
/// actor the analyst already created under the same name is completed with the aliases, not
/// duplicated.
pub fn seed(conn: &Connection) -> Result<bool> {
    let done: Option<i64> = conn
        .query_row("SELECT CAST(value AS INTEGER) FROM setting WHERE key = 'gazetteer_version'", [], |r| r.get(0))
        .optional()?;
    if done.is_some_and(|v| v >= GAZETTEER_VERSION) {
        return Ok(false);
    }
    let now = crate::model::time_to_db(&chrono::Utc::now());
    for actor in actors() {
        let existing: Option<i64> = conn
            .query_row(
                "SELECT id FROM tag WHERE source = ?1 OR (kind = 'actor' AND name = ?2 COLLATE NOCASE) LIMIT 1",
                params![actor.source, actor.name],
                |r| r.get(0),
            )
            .optional()?;
        let id = match existing {
            Some(id) => id,
            None => {
                conn.execute(
                    "INSERT INTO tag (kind, name, actor_type, source, created_at) VALUES ('actor', ?1, ?2, ?3, ?4)",
                    params![actor.name, actor.actor_type.as_str(), actor.source, now],
                )?;
                conn.last_insert_rowid()
            }
        };
        // The listed aliases first: they carry the flags ("Jordan" is ambiguous), and the display
        // name, added last, does not override them.
        for alias in &actor.aliases {
            // A one-word name that is also a frequent word ("Turkey", Russian "Того" = "of that")
            // counts only when capitalised.
            let common = !alias.name.contains(' ') && super::lexicon::is_common(&crate::text::fold(&alias.name));
            let case_sensitive = alias.case_sensitive || common;
            add_alias_flags(conn, id, &alias.name, alias.lang.as_deref(), case_sensitive, alias.ambiguous)?;
        }
        add_alias_flags(conn, id, &actor.name, Some("en"), false, false)?;
    }
    // Nationality adjectives tag their state ("Armenian" → Armenia), in capitals only.
    for (demonym, code) in super::lexicon::state_demonyms() {
        let id: Option<i64> = conn
            .query_row("SELECT id FROM tag WHERE source = ?1", [format!("gazetteer:state:{code}")], |r| r.get(0))
            .optional()?;
        if let Some(id) = id {
            let mut display = String::new();
            for (i, word) in demonym.split(' ').enumerate() {
                if i > 0 {
                    display.push(' ');
                }
                let mut chars = word.chars();
                display.extend(chars.next().map(|c| c.to_ascii_uppercase()));
                display.push_str(chars.as_str());
            }
            add_alias_flags(conn, id, &display, Some("en"), true, false)?;
        }
    }
    conn.execute(
        "INSERT INTO setting (key, value) VALUES ('gazetteer_version', ?1) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [GAZETTEER_VERSION.to_string()],
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gazetteer_parses() {
        let states: States = serde_json::from_str(STATES_JSON).expect("states.json");
        let orgs: Organisations = serde_json::from_str(ORGANISATIONS_JSON).expect("organisations.json");
        assert!(states.states.len() >= 195, "{} states", states.states.len());
        assert!(orgs.organisations.len() >= 50);
        assert_eq!(actors().len(), states.states.len() + orgs.organisations.len());
    }
}

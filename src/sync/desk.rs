//! Desks: attaching a library to the team database, creating desks, membership, the list.
//!
//! These need the server (a desk is created there, membership is checked there); everything
//! else works offline.

use postgres::error::SqlState;
use postgres::Client;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use serde_json::json;

use super::remote;
use crate::error::{Error, Result, SyncError};
use crate::Library;

/// A desk as this library knows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Desk {
    pub id: String,
    pub name: String,
    /// This role's level: viewer, editor or admin.
    pub level: String,
    /// Its clips in this library.
    pub clips: i64,
    /// Local changes waiting to be sent to it.
    pub pending: i64,
    /// How far it is pulled (the server's order).
    pub last_seq: i64,
    /// Its members, when listed from the server.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub members: Option<Vec<Member>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub role: String,
    pub level: String,
}

/// A membership level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Viewer,
    Editor,
    Admin,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Viewer => "viewer",
            Level::Editor => "editor",
            Level::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Self> {
        match s {
            "viewer" => Ok(Level::Viewer),
            "editor" => Ok(Level::Editor),
            "admin" => Ok(Level::Admin),
            other => Err(Error::input("input.level", format!("unknown level {other:?}: viewer, editor or admin"))),
        }
    }
}

/// The desks this library takes part in, from its own records (no server needed).
pub fn local(conn: &Connection) -> Result<Vec<Desk>> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.name, d.level, d.last_seq,
                (SELECT count(*) FROM clip c WHERE c.desk = d.id),
                (SELECT count(*) FROM sync_outbox o WHERE o.desk = d.id)
         FROM sync_desk d ORDER BY d.name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Desk {
            id: r.get(0)?,
            name: r.get(1)?,
            level: r.get(2)?,
            last_seq: r.get(3)?,
            clips: r.get(4)?,
            pending: r.get(5)?,
            members: None,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The id of a desk of this library, by name.
pub fn id_by_name(conn: &Connection, name: &str) -> Result<String> {
    conn.query_row("SELECT id FROM sync_desk WHERE name = ?1 COLLATE NOCASE", [name.trim()], |r| r.get(0))
        .optional()?
        .ok_or_else(|| SyncError::NoDesk { name: name.to_owned() }.into())
}

/// The desk new clips go to unless told otherwise — from the clip dialog, the browser extension,
/// a watch that clips, an import — as (id, name), if it is still one of this library's desks.
fn default_desk(conn: &Connection) -> Result<Option<(String, String)>> {
    Ok(conn
        .query_row(
            "SELECT d.id, d.name FROM setting s JOIN sync_desk d ON d.id = s.value WHERE s.key = ?1",
            [super::SETTING_DEFAULT_DESK],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// The default desk's id (see [`default_desk`]).
pub fn default_id(conn: &Connection) -> Result<Option<String>> {
    Ok(default_desk(conn)?.map(|(id, _)| id))
}

/// The default desk's name.
pub fn default_name(conn: &Connection) -> Result<Option<String>> {
    Ok(default_desk(conn)?.map(|(_, name)| name))
}

/// Makes a desk (by name) where new clips go by default, or none (`None`: this laptop only).
/// A viewer's desk cannot be it: the clips would be refused.
pub fn set_default(lib: &mut Library, name: Option<&str>) -> Result<Option<String>> {
    let id = match name {
        Some(name) => {
            let id = id_by_name(lib.conn(), name)?;
            let level: String =
                lib.conn().query_row("SELECT level FROM sync_desk WHERE id = ?1", [&id], |r| r.get(0))?;
            if level == "viewer" {
                return Err(Error::input(
                    "input.viewer",
                    format!("you are a viewer of {name:?}: clips cannot go there (ask its admin for editor)"),
                ));
            }
            Some(id)
        }
        None => None,
    };
    super::set_setting(lib.conn(), super::SETTING_DEFAULT_DESK, id.as_deref())?;
    lib.set_desk(name)?;
    default_name(lib.conn())
}

/// Brings the list of desks up to date with the server: the desks the role belongs to, with its
/// level. A desk it left stays in the list no more; its clips stay, on this laptop only.
pub fn refresh(lib: &mut Library, client: &mut Client) -> Result<()> {
    let rows = client
        .query(
            "SELECT d.id, d.name, m.level FROM clipdesk.desk d
             JOIN clipdesk.member m ON m.desk = d.id AND m.role_name = current_user",
            &[],
        )
        .map_err(remote::error)?;
    let desks: Vec<(String, String, String)> =
        rows.iter().map(|r| (r.get::<_, uuid::Uuid>(0).to_string(), r.get(1), r.get(2))).collect();
    let tx = lib.write()?;
    super::quiet(&tx)?;
    let known: Vec<String> = {
        let mut stmt = tx.prepare("SELECT id FROM sync_desk")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in known.iter().filter(|k| !desks.iter().any(|(id, _, _)| id == *k)) {
        tx.execute("DELETE FROM sync_outbox WHERE desk = ?1", [id])?;
        tx.execute("DELETE FROM sync_desk WHERE id = ?1", [id])?;
    }
    for (id, name, level) in &desks {
        tx.execute(
            "INSERT INTO sync_desk (id, name, level) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, level = excluded.level",
            params![id, name, level],
        )?;
    }
    super::loud(&tx)?;
    tx.commit()?;
    Ok(())
}

/// What `remote add` did.
#[derive(Debug, Clone, Serialize)]
pub struct Attached {
    pub remote: String,
    /// The read replica pulls come from, if one was given (password hidden).
    pub pull_from: Option<String>,
    pub role: String,
    pub device: String,
    pub schema_version: i64,
    pub desks: Vec<Desk>,
}

/// Attaches this library to a team database, as the role the URL names.
pub fn attach(lib: &mut Library, url: &str) -> Result<Attached> {
    attach_with(lib, url, None)
}

/// Attaches this library to a team database, pulling from a read replica of it when one is given
/// (checked now: the same schema version, the same role, and read-only).
pub fn attach_with(lib: &mut Library, url: &str, pull_from: Option<&str>) -> Result<Attached> {
    let mut client = remote::connect(url)?;
    let schema_version = remote::check(&mut client, url)?;
    let role: String = client.query_one("SELECT current_user::text", &[]).map_err(remote::error)?.get(0);
    if let Some(replica) = pull_from {
        let mut r = remote::connect(replica)?;
        let version = remote::check(&mut r, replica)?;
        let (replica_role, standby): (String, bool) = r
            .query_one("SELECT current_user::text, pg_is_in_recovery()", &[])
            .map(|row| (row.get(0), row.get(1)))
            .map_err(remote::error)?;
        if version != schema_version || replica_role != role || !standby {
            return Err(Error::input(
                "input.replica",
                format!(
                    "{} is not a read replica of {} for {role}: schema {version} (primary {schema_version}), role {replica_role}, {}",
                    remote::redact(replica),
                    remote::redact(url),
                    if standby { "a standby" } else { "not a standby" }
                ),
            ));
        }
    }
    let previous = super::remote_url(lib.conn())?;
    if previous.as_deref().is_some_and(|p| p != url) {
        // Another database: its desks and cursors mean nothing there.
        let tx = lib.write()?;
        super::quiet(&tx)?;
        tx.execute("DELETE FROM sync_outbox", [])?;
        tx.execute("UPDATE clip SET desk = NULL WHERE desk IS NOT NULL", [])?;
        tx.execute("DELETE FROM sync_desk", [])?;
        super::loud(&tx)?;
        tx.commit()?;
    }
    super::set_setting(lib.conn(), super::SETTING_REMOTE, Some(url))?;
    super::set_setting(lib.conn(), super::SETTING_PULL_FROM, pull_from)?;
    let device = super::device(lib.conn())?;
    refresh(lib, &mut client)?;
    Ok(Attached {
        remote: remote::redact(url),
        pull_from: pull_from.map(remote::redact),
        role,
        device: device.to_string(),
        schema_version,
        desks: local(lib.conn())?,
    })
}

pub(crate) fn connected(lib: &Library) -> Result<Client> {
    let url = super::remote_url(lib.conn())?.ok_or(SyncError::NoRemote)?;
    let mut client = remote::connect(&url)?;
    remote::check(&mut client, &url)?;
    Ok(client)
}

/// Creates a desk on the server; this role is its admin.
pub fn create(lib: &mut Library, name: &str) -> Result<Desk> {
    let name = crate::text::collapse_ws(name);
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Error::input("input.name", "a desk name must have 1 to 200 characters"));
    }
    let mut client = connected(lib)?;
    client.query_one("SELECT clipdesk.create_desk($1)", &[&name]).map_err(|e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            SyncError::DeskExists { name: name.clone() }.into()
        } else {
            remote::error(e)
        }
    })?;
    refresh(lib, &mut client)?;
    local(lib.conn())?
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(|| SyncError::NoDesk { name: name.clone() }.into())
}

/// Gives a role a level on a desk (this role must be its admin), through the change log, so the
/// change is recorded with who made it.
pub fn add_member(lib: &mut Library, desk: &str, role: &str, level: Level) -> Result<()> {
    let mut client = connected(lib)?;
    refresh(lib, &mut client)?;
    let desk_id = uuid::Uuid::parse_str(&id_by_name(lib.conn(), desk)?)
        .map_err(|_| SyncError::NoDesk { name: desk.to_owned() })?;
    let device = super::device(lib.conn())?;
    let payload = json!({"role": role, "level": level.as_str()});
    client
        .execute(
            "INSERT INTO clipdesk.op_log (desk, op_id, kind, payload, device, client_time)
             VALUES ($1, $2, 'member.set', $3, $4, now())",
            &[&desk_id, &uuid::Uuid::new_v4(), &payload, &device],
        )
        .map_err(|e| {
            if e.code() == Some(&SqlState::UNDEFINED_OBJECT) {
                SyncError::NoRole { role: role.to_owned() }.into()
            } else {
                remote::error(e)
            }
        })?;
    Ok(())
}

/// The desks, refreshed from the server with their members when it can be reached; from this
/// library's records otherwise (`online` says which).
pub fn list(lib: &mut Library) -> Result<(Vec<Desk>, bool)> {
    let mut client = match connected(lib) {
        Ok(c) => c,
        Err(Error::Sync(SyncError::Connect { .. })) => return Ok((local(lib.conn())?, false)),
        Err(e) => return Err(e),
    };
    refresh(lib, &mut client)?;
    let mut desks = local(lib.conn())?;
    let rows = client
        .query("SELECT desk, role_name, level FROM clipdesk.member ORDER BY desk, role_name", &[])
        .map_err(remote::error)?;
    for d in &mut desks {
        let members = rows
            .iter()
            .filter(|r| r.get::<_, uuid::Uuid>(0).to_string() == d.id)
            .map(|r| Member { role: r.get(1), level: r.get(2) })
            .collect();
        d.members = Some(members);
    }
    Ok((desks, true))
}

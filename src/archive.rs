//! Backups and full exports of a library.
//!
//! - [`backup`] copies the library with SQLite's online backup API in one step, inside one read
//!   transaction, so the copy is consistent even while the app or another CLI writes; the copy is
//!   checked and then renamed into place.
//! - [`export`] writes everything a library holds (clips, bodies, snapshots, URL keys, tags,
//!   aliases, rules, suggestions dismissed, highlights, notes, saved searches, briefings, settings)
//!   as one JSON document: per table, its column names and rows. Values keep their SQLite types;
//!   BLOBs (the zstd-compressed snapshots) are `{"$blob": "<base64>"}`. The full-text index is
//!   not exported: it is derived, and [`import`] rebuilds it.
//! - [`import`] loads such a document into an empty library, in one transaction, giving a library
//!   identical to the one exported (same ids, same rows).
//!
//! The table list is written out rather than read from `sqlite_master` so that an export never
//! contains something we did not mean to ship, and a test fails when a migration adds a table that
//! is not listed here.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, TransactionBehavior};
use serde::Deserialize;
use serde_json::Value;

use crate::db::SCHEMA_VERSION;
use crate::error::{Error, Result};

/// The `format` field of an export.
pub const FORMAT: &str = "clipdesk-export";
/// The version of the export format this binary writes and reads.
pub const FORMAT_VERSION: i64 = 1;
/// The file name of the export inside a directory.
pub const FILE_NAME: &str = "clipdesk-export.json";

/// Every table of the library, parents before children (the order rows are imported in).
pub const TABLES: &[&str] = &[
    "story",
    "clip",
    "clip_body",
    "clip_url",
    "snapshot",
    "clip_version",
    "image",
    "clip_image",
    "tag",
    "tag_alias",
    "clip_tag",
    "clip_tag_rejected",
    "dismissed_suggestion",
    "highlight",
    "saved_search",
    "digest",
    "digest_item",
    "setting",
    "source_folder",
    "feed",
    "host_backoff",
    "entry",
    "entry_feed",
    "entry_gone",
    "entry_actor",
    "watch",
    "entry_watch",
    "alert",
    "page_watch",
    "story_link",
    "story_sig",
    "story_band",
    "story_df",
    "import_checkpoint",
    // Team desks (src/sync/): an export of an attached library carries its attachment, so
    // importing it restores that laptop (its device, cursors and waiting changes).
    "sync_desk",
    "sync_alias",
    "tag_desk",
    "sync_outbox",
    "sync_register",
    "sync_conflict",
    "sync_refused",
    "sync_field",
];

/// Tables that are derived from the others and rebuilt on import: the full-text index and
/// SQLite's own bookkeeping.
pub fn is_derived(table: &str) -> bool {
    table.starts_with("clip_fts") || table.starts_with("entry_fts") || table.starts_with("sqlite_")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Rows per table.
    pub rows: BTreeMap<String, usize>,
    pub clips: usize,
    pub bytes: u64,
    /// Where the export or backup was written (the file inside a directory target).
    pub path: PathBuf,
}

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write { path: path.to_owned(), source }
}

/// A sibling temporary path, renamed over the target once complete.
fn temp_beside(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
}

/// Copies the library to `dest` with SQLite's online backup, consistent while others write.
/// Refuses to overwrite an existing file unless `overwrite`.
pub fn backup(conn: &Connection, dest: &Path, overwrite: bool) -> Result<Report> {
    if dest.exists() && !overwrite {
        return Err(Error::input(
            "backup.exists",
            format!("{} exists; choose another name or pass --force", dest.display()),
        ));
    }
    let tmp = temp_beside(dest);
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> Result<Report> {
        {
            let mut out = Connection::open(&tmp)
                .map_err(|e| Error::input("backup.open", format!("cannot create {}: {e}", tmp.display())))?;
            let backup = rusqlite::backup::Backup::new(conn, &mut out)?;
            // All pages in one step: one read transaction, so a concurrent writer cannot make the
            // copy restart or mix two states of the library.
            backup.step(-1)?;
            drop(backup);
            let check: String = out.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
            if check != "ok" {
                return Err(Error::input("backup.corrupt", format!("the copy failed its check: {check}")));
            }
            // A single self-contained file: no -wal beside it.
            out.pragma_update(None, "journal_mode", "DELETE")?;
        }
        let clips = count(&Connection::open(&tmp)?, "clip")?;
        std::fs::rename(&tmp, dest).map_err(write_err(dest))?;
        let bytes = std::fs::metadata(dest).map_err(write_err(dest))?.len();
        Ok(Report { rows: BTreeMap::new(), clips, bytes, path: dest.to_owned() })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn count(conn: &Connection, table: &str) -> Result<usize> {
    let n: i64 = conn.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| r.get(0))?;
    Ok(n as usize)
}

fn columns(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?;
    let cols = stmt.query_map([table], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cols)
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn to_json(v: ValueRef) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::from(i),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => {
            let mut m = serde_json::Map::new();
            m.insert("$blob".into(), Value::String(base64::engine::general_purpose::STANDARD.encode(b)));
            Value::Object(m)
        }
    }
}

fn from_json(v: &Value, table: &str, column: &str) -> Result<SqlValue> {
    let bad = || Error::input("import.bad_value", format!("{table}.{column}: unexpected value {v}"));
    Ok(match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().ok_or_else(bad)?),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        Value::Object(m) => match (m.len(), m.get("$blob").and_then(Value::as_str)) {
            (1, Some(b64)) => SqlValue::Blob(base64::engine::general_purpose::STANDARD.decode(b64).map_err(|_| bad())?),
            _ => return Err(bad()),
        },
        Value::Array(_) => return Err(bad()),
    })
}

/// Writes the whole library as one JSON document to `target` (a file, or a directory that gets
/// [`FILE_NAME`]). Reads inside one transaction, so the export is one consistent state.
pub fn export(conn: &Connection, target: &Path) -> Result<Report> {
    let path = if target.is_dir() { target.join(FILE_NAME) } else { target.to_owned() };
    let tmp = temp_beside(&path);
    let result = (|| -> Result<Report> {
        let tx = conn.unchecked_transaction()?;
        let file = File::create(&tmp).map_err(write_err(&tmp))?;
        let mut out = BufWriter::new(file);
        let w = write_err(&tmp);
        write!(
            out,
            "{{\"format\":{},\"format_version\":{FORMAT_VERSION},\"schema_version\":{},\"generator\":{},\"exported_at\":{},\"tables\":{{",
            Value::from(FORMAT),
            crate::db::user_version(&tx)?,
            Value::from(format!("clipdesk {}", env!("CARGO_PKG_VERSION"))),
            Value::from(crate::model::time_to_db(&chrono::Utc::now())),
        )
        .map_err(&w)?;
        let mut rows_per_table = BTreeMap::new();
        for (i, table) in TABLES.iter().enumerate() {
            let cols = columns(&tx, table)?;
            write!(
                out,
                "{}\n{}:{{\"columns\":{},\"rows\":[",
                if i > 0 { "," } else { "" },
                Value::from(*table),
                Value::from(cols.clone())
            )
            .map_err(&w)?;
            let list = cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
            // Primary-key order, so two exports of the same library are byte for byte the same.
            let mut stmt = tx.prepare(&format!("SELECT {list} FROM {} ORDER BY 1, 2", quote(table)))?;
            let mut rows = stmt.query([])?;
            let mut n = 0;
            while let Some(row) = rows.next()? {
                let values: Vec<Value> =
                    (0..cols.len()).map(|c| row.get_ref(c).map(to_json)).collect::<rusqlite::Result<_>>()?;
                if n > 0 {
                    out.write_all(b",").map_err(&w)?;
                }
                out.write_all(b"\n").map_err(&w)?;
                serde_json::to_writer(&mut out, &values)
                    .map_err(|e| Error::Write { path: tmp.clone(), source: e.into() })?;
                n += 1;
            }
            out.write_all(b"]}").map_err(&w)?;
            rows_per_table.insert((*table).to_owned(), n);
        }
        out.write_all(b"\n}}\n").map_err(&w)?;
        let file = out.into_inner().map_err(|e| Error::Write { path: tmp.clone(), source: e.into_error() })?;
        file.sync_all().map_err(&w)?;
        drop(tx);
        std::fs::rename(&tmp, &path).map_err(write_err(&path))?;
        let bytes = std::fs::metadata(&path).map_err(write_err(&path))?.len();
        let clips = rows_per_table.get("clip").copied().unwrap_or(0);
        Ok(Report { rows: rows_per_table, clips, bytes, path: path.clone() })
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[derive(Deserialize)]
struct Document {
    format: String,
    format_version: i64,
    schema_version: i64,
    tables: BTreeMap<String, TableDump>,
}

#[derive(Deserialize)]
struct TableDump {
    columns: Vec<String>,
    rows: Vec<Vec<Value>>,
}

/// Loads an export (a file, or a directory holding [`FILE_NAME`]) into `conn`'s library, which
/// must hold no clips, briefings or saved searches yet. All or nothing: one transaction.
pub fn import(conn: &mut Connection, source: &Path) -> Result<Report> {
    let path = if source.is_dir() { source.join(FILE_NAME) } else { source.to_owned() };
    let file = File::open(&path).map_err(|e| Error::Io { path: path.clone(), source: e })?;
    let doc: Document = serde_json::from_reader(BufReader::new(file))
        .map_err(|e| Error::input("import.format", format!("{} is not a Clipdesk export: {e}", path.display())))?;
    if doc.format != FORMAT {
        return Err(Error::input(
            "import.format",
            format!("{} is not a Clipdesk export (format {:?})", path.display(), doc.format),
        ));
    }
    if doc.format_version > FORMAT_VERSION || doc.schema_version > SCHEMA_VERSION {
        return Err(Error::input(
            "import.too_new",
            format!(
                "{} was exported by a newer Clipdesk (format {}, schema {}); this one reads up to format {FORMAT_VERSION}, schema {SCHEMA_VERSION}",
                path.display(),
                doc.format_version,
                doc.schema_version
            ),
        ));
    }
    if let Some(unknown) = doc.tables.keys().find(|t| !TABLES.contains(&t.as_str())) {
        return Err(Error::input("import.format", format!("unknown table {unknown:?} in {}", path.display())));
    }

    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Rows arrive table by table: check references once all are in (below), not row by row.
    tx.pragma_update(None, "defer_foreign_keys", true)?;
    for table in ["clip", "digest", "saved_search"] {
        if count(&tx, table)? > 0 {
            return Err(Error::input(
                "import.not_empty",
                "this library already has clips, briefings or saved searches: import into a new, empty library"
                    .to_owned(),
            ));
        }
    }
    // The new library's seeded taxonomy and settings make way for the exported ones.
    for table in TABLES.iter().rev() {
        tx.execute(&format!("DELETE FROM {}", quote(table)), [])?;
    }
    let mut rows_per_table = BTreeMap::new();
    for table in TABLES {
        let Some(dump) = doc.tables.get(*table) else { continue };
        let known = columns(&tx, table)?;
        if let Some(c) = dump.columns.iter().find(|c| !known.contains(c)) {
            return Err(Error::input("import.format", format!("unknown column {table}.{c}")));
        }
        // Column names come from our own schema (checked above), never from the file as text.
        let names: Vec<&String> = dump.columns.iter().map(|c| known.iter().find(|k| *k == c).unwrap_or(c)).collect();
        let sql = format!(
            "INSERT OR REPLACE INTO {} ({}) VALUES ({})",
            quote(table),
            names.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
            vec!["?"; names.len()].join(", ")
        );
        let mut stmt = tx.prepare(&sql)?;
        for row in &dump.rows {
            if row.len() != names.len() {
                return Err(Error::input(
                    "import.format",
                    format!("a row of {table} has {} values for {} columns", row.len(), names.len()),
                ));
            }
            let values = row.iter().zip(&names).map(|(v, c)| from_json(v, table, c)).collect::<Result<Vec<_>>>()?;
            stmt.execute(rusqlite::params_from_iter(values))?;
        }
        rows_per_table.insert((*table).to_owned(), dump.rows.len());
    }
    // The file may come from anywhere: every foreign key must hold, and every stored HTML goes
    // through the sanitizer again.
    let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
    if broken > 0 {
        return Err(Error::input(
            "import.inconsistent",
            format!("{broken} rows refer to rows the export does not have"),
        ));
    }
    // An export from before versions were kept: every clip is its version 1.
    tx.execute_batch(
        "INSERT INTO clip_version (clip_id, version, snapshot_id, title, text, html, text_sha256, created_at, change)
         SELECT c.id, 1, (SELECT s.id FROM snapshot s WHERE s.clip_id = c.id ORDER BY s.fetched_at, s.id LIMIT 1),
                c.title, b.text, b.html, NULL, c.clipped_at, '{}'
         FROM clip c JOIN clip_body b ON b.clip_id = c.id
         WHERE NOT EXISTS (SELECT 1 FROM clip_version v WHERE v.clip_id = c.id)",
    )?;
    validate(&tx)?;
    validate_images(&tx)?;
    resanitize(&tx)?;
    let ids: Vec<i64> =
        tx.prepare("SELECT id FROM clip ORDER BY id")?.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    for id in &ids {
        crate::library::index_clip(&tx, *id)?;
    }
    let entries: Vec<i64> = tx
        .prepare("SELECT id FROM entry ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in entries {
        crate::monitor::inbox::reindex(&tx, id)?;
    }
    tx.commit()?;
    Ok(Report {
        rows: rows_per_table,
        clips: ids.len(),
        bytes: std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        path,
    })
}

/// What a column of an imported row must hold.
#[derive(Clone, Copy)]
enum Shape {
    /// RFC 3339 time (`2016-07-06T13:23:12Z`), as the library stores times.
    Time,
    /// A calendar date, `2016-07-06`.
    Date,
    /// 64 lower-case hex digits.
    Sha256,
}

/// Columns whose text the code reads by shape (times parsed, dates compared, hashes shown):
/// an import must not bring in "6 июля 2016" where a time belongs. NULLs are allowed where the
/// schema allows them.
const SHAPED: &[(&str, &str, Shape)] = &[
    ("story", "created_at", Shape::Time),
    ("story_link", "created_at", Shape::Time),
    ("clip", "published_at", Shape::Time),
    ("clip", "clipped_at", Shape::Time),
    ("clip", "updated_at", Shape::Time),
    ("snapshot", "fetched_at", Shape::Time),
    ("snapshot", "sha256", Shape::Sha256),
    ("tag", "created_at", Shape::Time),
    ("clip_tag", "created_at", Shape::Time),
    ("clip_tag_rejected", "rejected_at", Shape::Time),
    ("dismissed_suggestion", "dismissed_at", Shape::Time),
    ("highlight", "created_at", Shape::Time),
    ("saved_search", "created_at", Shape::Time),
    ("saved_search", "updated_at", Shape::Time),
    ("digest", "period_start", Shape::Date),
    ("digest", "period_end", Shape::Date),
    ("digest", "created_at", Shape::Time),
    ("digest", "updated_at", Shape::Time),
    ("feed", "next_poll_at", Shape::Time),
    ("feed", "created_at", Shape::Time),
    ("entry", "published_at", Shape::Time),
    ("entry", "found_at", Shape::Time),
    ("alert", "created_at", Shape::Time),
    ("clip_version", "created_at", Shape::Time),
    ("clip_version", "text_sha256", Shape::Sha256),
    ("image", "sha256", Shape::Sha256),
    ("image", "created_at", Shape::Time),
    ("clip_image", "sha256", Shape::Sha256),
    ("page_watch", "next_check_at", Shape::Time),
    ("page_watch", "created_at", Shape::Time),
];

fn well_shaped(shape: Shape, v: &str) -> bool {
    match shape {
        Shape::Time => crate::model::time_from_db(v).is_some(),
        Shape::Date => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        Shape::Sha256 => v.len() == 64 && v.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
    }
}

/// Refuses an import whose times, dates or hashes are not in the library's forms, naming the
/// first bad value.
fn validate(conn: &Connection) -> Result<()> {
    for &(table, column, shape) in SHAPED {
        let sql = format!("SELECT {} FROM {} WHERE {0} IS NOT NULL", quote(column), quote(table));
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(r) = rows.next()? {
            n += 1;
            let ok = match r.get_ref(0)? {
                ValueRef::Text(t) => std::str::from_utf8(t).is_ok_and(|v| well_shaped(shape, v)),
                _ => false,
            };
            if !ok {
                let value = match r.get_ref(0)? {
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                    other => format!("{:?}", other.data_type()),
                };
                return Err(Error::input(
                    "import.invalid",
                    format!(
                        "{table}.{column} of its row {n} is {value:?}, not a valid {}",
                        match shape {
                            Shape::Time => "time (RFC 3339)",
                            Shape::Date => "date (YYYY-MM-DD)",
                            Shape::Sha256 => "SHA-256 (64 hex digits)",
                        }
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Every imported image is what its row says: its bytes hash to its key, and it is an image
/// Clipdesk keeps, of the type and dimensions recorded (decoded again within the limits: an export
/// from anywhere cannot bring in an SVG or a decompression bomb).
fn validate_images(conn: &Connection) -> Result<()> {
    let mut stmt = conn.prepare("SELECT sha256, mime, width, height, bytes, data FROM image")?;
    let mut rows = stmt.query([])?;
    let limits = crate::images::Limits::default();
    while let Some(r) = rows.next()? {
        let sha: String = r.get(0)?;
        let (mime, width, height, bytes): (String, u32, u32, i64) = (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let data: Vec<u8> = r.get(5)?;
        let bad = |why: String| Error::input("import.invalid", format!("image {sha}: {why}"));
        if crate::images::sha256_hex(&data) != sha {
            return Err(bad("its bytes do not have that SHA-256".into()));
        }
        let img = crate::images::check(&data, Some(&mime), &sha, &limits).map_err(|e| bad(e.to_string()))?;
        if img.mime != mime || img.width != width || img.height != height || data.len() as i64 != bytes {
            return Err(bad(format!(
                "recorded as {mime} {width}×{height} {bytes} bytes, it is {} {}×{} {} bytes",
                img.mime,
                img.width,
                img.height,
                data.len()
            )));
        }
    }
    Ok(())
}

fn resanitize(conn: &Connection) -> Result<()> {
    let rows: Vec<(i64, String, String)> = conn
        .prepare("SELECT b.clip_id, b.html, c.url FROM clip_body b JOIN clip c ON c.id = b.clip_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE clip_body SET html = ?2 WHERE clip_id = ?1")?;
    for (id, html, url) in rows {
        let base =
            url::Url::parse(&url).unwrap_or_else(|_| url::Url::parse("https://invalid.example/").expect("a valid URL"));
        let clean = crate::extract::render::sanitize(&html, &base);
        if clean != html {
            update.execute(rusqlite::params![id, clean])?;
        }
    }
    // Every version's HTML is shown in the reader: the same treatment.
    let rows: Vec<(i64, i64, String, String)> = conn
        .prepare("SELECT v.clip_id, v.version, v.html, c.url FROM clip_version v JOIN clip c ON c.id = v.clip_id")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE clip_version SET html = ?3 WHERE clip_id = ?1 AND version = ?2")?;
    for (id, version, html, url) in rows {
        let base =
            url::Url::parse(&url).unwrap_or_else(|_| url::Url::parse("https://invalid.example/").expect("a valid URL"));
        let clean = crate::extract::render::sanitize(&html, &base);
        if clean != html {
            update.execute(rusqlite::params![id, version, clean])?;
        }
    }
    // Feed entries' HTML is shown in the inbox: the same treatment.
    let rows: Vec<(i64, String, Option<String>)> = conn
        .prepare("SELECT id, content, url FROM entry WHERE content IS NOT NULL")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut update = conn.prepare("UPDATE entry SET content = ?2 WHERE id = ?1")?;
    for (id, html, url) in rows {
        let base = url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .unwrap_or_else(|| url::Url::parse("https://invalid.example/").expect("a valid URL"));
        let clean = crate::extract::render::sanitize(&html, &base);
        if clean != html {
            update.execute(rusqlite::params![id, clean])?;
        }
    }
    Ok(())
}

//! The library: one SQLite file holding clips, their snapshots, tags and briefings.
//!
//! Writes that belong together happen in one IMMEDIATE transaction: a clip, its URL keys, its
//! snapshot and its full-text index row land together or not at all, so an interrupted clip leaves
//! the library as it was.

use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::extract::Article;
use crate::fetch::Hop;
use crate::model::{time_from_db, time_to_db, Clip, ClipSummary, ClipTag, Origin, SnapshotInfo, TagKind};
use crate::tags::taxonomy::TagRef;
use crate::tags::{gazetteer, taxonomy_version, Tagger};
use crate::text::fts_prepare;

/// zstd level for stored page bytes: level 3 compresses a news page about 5:1 in well under a
/// millisecond; higher levels gain a few percent for several times the time.
const SNAPSHOT_ZSTD_LEVEL: i32 = 3;

/// An open library.
pub struct Library {
    conn: Connection,
    path: PathBuf,
    /// Automatic tagging, compiled for the taxonomy version it was loaded at.
    tagger: Option<Tagger>,
    /// Per-clip facts for search facets, for the library version it was built at.
    facet_index: Option<std::sync::Arc<crate::search::facets::FacetIndex>>,
    /// The desk new clips go to (its id; `None`: this laptop only).
    desk: Option<String>,
}

/// What was fetched, as stored with the clip.
#[derive(Debug, Clone)]
pub struct NewSnapshot {
    pub requested_url: String,
    pub final_url: String,
    pub redirects: Vec<Hop>,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub fetched_at: DateTime<Utc>,
    pub body: Vec<u8>,
    pub extractor_version: String,
    /// The response's headers in order; `None` for a page that was not fetched (a saved page).
    pub headers: Option<Vec<(String, String)>>,
    /// Where the bytes came from when Clipdesk did not fetch them: `browser:NAME VERSION` (the
    /// capture extension), `import:FORMAT`; `None` for a fetch.
    pub source: Option<String>,
}

/// A clip ready to store.
#[derive(Debug, Clone)]
pub struct NewClip {
    pub url: String,
    pub canonical_url: String,
    /// Every canonical URL that leads to this article (given, final, declared canonical).
    pub url_keys: Vec<String>,
    pub article: Article,
    pub snapshot: NewSnapshot,
    /// The article's images and what became of them (see [`crate::images`]); stored with version
    /// 1, and the HTML rewritten to show the kept ones from the library.
    pub images: Vec<crate::images::ImageSlot>,
}

impl NewClip {
    /// The article's HTML as it is stored: images pointing at the library or at nothing.
    pub fn stored_html(&self) -> String {
        if !crate::images::needs_rewrite(&self.article.html) {
            return self.article.html.clone();
        }
        let base = url::Url::parse(&self.snapshot.final_url)
            .or_else(|_| url::Url::parse(&self.url))
            .unwrap_or_else(|_| url::Url::parse("https://invalid.example/").expect("a valid URL"));
        crate::images::rewrite_html(&self.article.html, &self.images, &base)
    }
}

/// Whether storing a clip made a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    Created(i64),
    Duplicate(i64),
}

impl Library {
    /// Opens (creating if needed) the library at `path`.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| Error::Io { path: dir.to_owned(), source })?;
        }
        let mut conn = crate::db::open(path)?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        gazetteer::seed(&tx)?;
        crate::stories::ensure(&tx)?;
        tx.commit()?;
        // New clips go to the desk chosen as this library's default, if any (see `desk default`).
        let desk = crate::sync::desk::default_id(&conn)?;
        Ok(Library { conn, path: path.to_owned(), tagger: None, facet_index: None, desk })
    }

    /// The automatic tagger, reloaded when the taxonomy changed (in this process or another).
    pub fn tagger(&mut self) -> Result<&Tagger> {
        let version = taxonomy_version(&self.conn)?;
        if self.tagger.as_ref().is_none_or(|t| t.version != version) {
            self.tagger = Some(Tagger::load(&self.conn)?);
        }
        Ok(self.tagger.as_ref().expect("loaded above"))
    }

    /// The cached facet index slot (see `search::Library::facet_index`).
    pub(crate) fn cache_mut(&mut self) -> &mut Option<std::sync::Arc<crate::search::facets::FacetIndex>> {
        &mut self.facet_index
    }

    /// Splits the library into its connection and a current tagger, for work that needs both.
    pub fn conn_and_tagger(&mut self) -> Result<(&mut Connection, &Tagger)> {
        self.tagger()?;
        let Library { conn, tagger, .. } = self;
        Ok((conn, tagger.as_ref().expect("loaded above")))
    }

    /// The library the desktop app and the CLI open by default:
    /// `$XDG_DATA_HOME/clipdesk/library.sqlite` (the platform's data directory elsewhere).
    pub fn default_path() -> PathBuf {
        dirs::data_dir().unwrap_or_else(|| PathBuf::from(".")).join("clipdesk").join("library.sqlite")
    }

    /// Loads an export into this library, which must be empty (see [`crate::archive::import`]).
    pub fn import(&mut self, source: &Path) -> Result<crate::archive::Report> {
        let report = crate::archive::import(&mut self.conn, source)?;
        // An export from before stories has none: they are made now.
        let tx = self.write()?;
        crate::stories::ensure(&tx)?;
        tx.commit()?;
        self.tagger = None;
        self.facet_index = None;
        Ok(report)
    }

    /// Sends the clips stored from now on to a desk (by name, one this library takes part in),
    /// or keeps them on this laptop with `None`. A clip already here goes to the desk too. A
    /// library opens with its default desk chosen (`sync::desk::set_default`).
    pub fn set_desk(&mut self, desk: Option<&str>) -> Result<()> {
        self.desk = desk.map(|name| crate::sync::desk::id_by_name(&self.conn, name)).transpose()?;
        Ok(())
    }

    /// Sends the clips stored from now on to the library's default desk as it is set now (for a
    /// long-lived connection, such as the browser extension's endpoint).
    pub fn use_default_desk(&mut self) -> Result<()> {
        self.desk = crate::sync::desk::default_id(&self.conn)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A write transaction that takes the write lock at once (waiting up to the busy timeout), so
    /// it never fails half-way on a lock upgrade.
    pub fn write(&mut self) -> Result<Transaction<'_>> {
        Ok(self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// The clip any of these canonical URLs already leads to.
    pub fn find_by_url_keys(&self, keys: &[String]) -> Result<Option<i64>> {
        find_by_url_keys(&self.conn, keys)
    }

    /// Stores a clip with its snapshot, index entry and automatic tags, unless one of its URLs is
    /// already known. `tags` are added by hand (origin `manual`), creating unknown ones.
    pub fn insert_clip(&mut self, clip: &NewClip, tags: &[TagRef]) -> Result<Stored> {
        self.insert_clip_then(clip, tags, |_, _| Ok(()))
    }

    /// Stores a clip as [`Library::insert_clip`] does, then runs `then` on the new clip in the same
    /// transaction (a capture's highlight, an import's note and saved date): all or nothing.
    /// `then` does not run for a duplicate.
    pub fn insert_clip_then(
        &mut self,
        clip: &NewClip,
        tags: &[TagRef],
        then: impl FnOnce(&Transaction, i64) -> Result<()>,
    ) -> Result<Stored> {
        let desk = self.desk.clone();
        let (conn, tagger) = self.conn_and_tagger()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored = insert_in(&tx, tagger, clip, tags, desk.as_deref())?;
        if let Stored::Created(id) = stored {
            then(&tx, id)?;
        }
        tx.commit()?;
        Ok(stored)
    }

    /// Stores many clips in one transaction (imports, the scale bench): all or none.
    pub fn insert_clips(&mut self, clips: &[(NewClip, Vec<TagRef>)]) -> Result<Vec<Stored>> {
        let desk = self.desk.clone();
        let (conn, tagger) = self.conn_and_tagger()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let stored = clips
            .iter()
            .map(|(clip, tags)| insert_in(&tx, tagger, clip, tags, desk.as_deref()))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(stored)
    }

    /// One clip, whole, with its tags and latest snapshot.
    pub fn get(&self, id: i64) -> Result<Clip> {
        let mut clip = self
            .conn
            .query_row(
                "SELECT id, url, canonical_url, title, authors, site_name, published_at, clipped_at, lang, b.text,
                        b.html, word_count, summary, note, lead_image, published_offset, wire
                 FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE id = ?1",
                [id],
                |r| {
                    Ok(Clip {
                        id: r.get(0)?,
                        url: r.get(1)?,
                        canonical_url: r.get(2)?,
                        title: r.get(3)?,
                        authors: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
                        site_name: r.get(5)?,
                        published_at: r.get::<_, Option<String>>(6)?.as_deref().and_then(time_from_db),
                        clipped_at: time_from_db(&r.get::<_, String>(7)?).unwrap_or_default(),
                        lang: r.get(8)?,
                        text: r.get(9)?,
                        html: r.get(10)?,
                        word_count: r.get(11)?,
                        summary: r.get(12)?,
                        note: r.get(13)?,
                        lead_image: r.get(14)?,
                        published_offset: r.get(15)?,
                        tags: Vec::new(),
                        snapshot: None,
                        via_feeds: Vec::new(),
                        versions: 0,
                        images: Vec::new(),
                        image_errors: Vec::new(),
                        wire: r.get(16)?,
                        story: None,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| Error::NotFound { what: "clip", id: id.to_string() })?;
        clip.tags = self.clip_tags(id)?;
        clip.snapshot = self.latest_snapshot(id)?;
        clip.via_feeds = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT f.id, f.title, f.url FROM entry e JOIN entry_feed ef ON ef.entry_id = e.id
                 JOIN feed f ON f.id = ef.feed_id WHERE e.clip_id = ?1 ORDER BY f.id",
            )?
            .query_map([id], |r| Ok(crate::model::FeedRef { id: r.get(0)?, title: r.get(1)?, url: r.get(2)? }))?
            .collect::<rusqlite::Result<_>>()?;
        let latest = crate::versions::latest(&self.conn, id)?;
        clip.versions = latest;
        for image in crate::images::list(&self.conn, id, latest)? {
            match (image.sha256, image.error) {
                (Some(sha256), _) => clip.images.push(crate::model::ImageInfo {
                    sha256,
                    mime: image.mime.unwrap_or_default(),
                    width: image.width.unwrap_or(0),
                    height: image.height.unwrap_or(0),
                    caption: image.caption,
                    credit: image.credit,
                    bytes: image.bytes.unwrap_or(0),
                    original_url: image.original_url,
                    is_lead: image.is_lead,
                }),
                (None, error) => clip.image_errors.push(crate::model::ImageErrorInfo {
                    original_url: image.original_url,
                    caption: image.caption,
                    code: error.as_ref().map(|e| e.code.clone()).unwrap_or_default(),
                    message: error.map(|e| e.message).unwrap_or_default(),
                }),
            }
        }
        clip.story = crate::stories::clip_story(&self.conn, id)?;
        Ok(clip)
    }

    /// The tags of a clip, topics first, each with its origin.
    pub fn clip_tags(&self, clip_id: i64) -> Result<Vec<ClipTag>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT t.kind, t.id, ct.origin FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id
             WHERE ct.clip_id = ?1 ORDER BY t.kind DESC, t.name COLLATE NOCASE",
        )?;
        let rows =
            stmt.query_map([clip_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, tag_id, origin) = row?;
            let (Some(kind), Some(origin)) = (TagKind::parse(&kind), Origin::parse(&origin)) else { continue };
            out.push(ClipTag { kind, name: tag_path(&self.conn, tag_id)?, origin });
        }
        Ok(out)
    }

    /// The newest snapshot of a clip.
    pub fn latest_snapshot(&self, clip_id: i64) -> Result<Option<SnapshotInfo>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshot WHERE clip_id = ?1 ORDER BY fetched_at DESC, id DESC LIMIT 1"),
                [clip_id],
                snapshot_row,
            )
            .optional()?)
    }

    /// The raw bytes of a snapshot, as fetched.
    pub fn snapshot_body(&self, snapshot_id: i64) -> Result<Vec<u8>> {
        snapshot_body(&self.conn, snapshot_id)
    }

    /// Clips, newest clipped first.
    pub fn list(&self, limit: i64, offset: i64) -> Result<Vec<ClipSummary>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, title, site_name, published_at, clipped_at, lang, url, word_count, published_offset
             FROM clip ORDER BY clipped_at DESC, id DESC LIMIT ?1 OFFSET ?2",
        )?;
        let rows = stmt.query_map(params![limit, offset], clip_summary_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn count(&self) -> Result<i64> {
        Ok(self.conn.query_row("SELECT count(*) FROM clip", [], |r| r.get(0))?)
    }
}

/// The columns [`snapshot_row`] reads, in its order.
pub const SNAPSHOT_COLUMNS: &str = "id, requested_url, final_url, redirects, http_status, content_type, charset, \
     fetched_at, sha256, body_size, extractor_version, headers, source";

/// Maps a row of [`SNAPSHOT_COLUMNS`].
pub fn snapshot_row(r: &rusqlite::Row) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        id: r.get(0)?,
        requested_url: r.get(1)?,
        final_url: r.get(2)?,
        redirects: serde_json::from_str(&r.get::<_, String>(3)?).unwrap_or_default(),
        http_status: r.get(4)?,
        content_type: r.get(5)?,
        charset: r.get(6)?,
        fetched_at: time_from_db(&r.get::<_, String>(7)?).unwrap_or_default(),
        sha256: r.get(8)?,
        bytes: r.get(9)?,
        extractor_version: r.get(10)?,
        headers: r.get::<_, Option<String>>(11)?.and_then(|h| serde_json::from_str(&h).ok()),
        source: r.get(12)?,
    })
}

/// A snapshot's description by its id.
pub fn snapshot_info(conn: &Connection, snapshot_id: i64) -> Result<Option<SnapshotInfo>> {
    Ok(conn
        .prepare_cached(&format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshot WHERE id = ?1"))?
        .query_row([snapshot_id], snapshot_row)
        .optional()?)
}

/// A snapshot's bytes as fetched.
pub fn snapshot_body(conn: &Connection, snapshot_id: i64) -> Result<Vec<u8>> {
    let blob: Vec<u8> = conn
        .query_row("SELECT body_zstd FROM snapshot WHERE id = ?1", [snapshot_id], |r| r.get(0))
        .optional()?
        .ok_or_else(|| Error::NotFound { what: "snapshot", id: snapshot_id.to_string() })?;
    let mut out = Vec::new();
    zstd::stream::read::Decoder::new(&blob[..])
        .and_then(|mut d| d.read_to_end(&mut out))
        .map_err(|source| Error::Io { path: PathBuf::from("<snapshot>"), source })?;
    Ok(out)
}

/// Maps a row of `id, title, site_name, published_at, clipped_at, lang, url, word_count,
/// published_offset`.
pub fn clip_summary_row(r: &rusqlite::Row) -> rusqlite::Result<ClipSummary> {
    Ok(ClipSummary {
        id: r.get(0)?,
        title: r.get(1)?,
        site_name: r.get(2)?,
        published_at: r.get::<_, Option<String>>(3)?.as_deref().and_then(time_from_db),
        clipped_at: time_from_db(&r.get::<_, String>(4)?).unwrap_or_default(),
        lang: r.get(5)?,
        url: r.get(6)?,
        word_count: r.get(7)?,
        published_offset: r.get(8)?,
    })
}

/// A tag's display name: topics as their path from the root ("Syria/Aleppo").
pub fn tag_path(conn: &Connection, tag_id: i64) -> Result<String> {
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE up(id, name, parent_id, depth) AS (
             SELECT id, name, parent_id, 0 FROM tag WHERE id = ?1
             UNION ALL SELECT t.id, t.name, t.parent_id, up.depth + 1 FROM tag t JOIN up ON t.id = up.parent_id
             WHERE up.depth < 64)
         SELECT name FROM up ORDER BY depth DESC",
    )?;
    let names: Vec<String> = stmt.query_map([tag_id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    Ok(names.join("/"))
}

pub fn find_by_url_keys(conn: &Connection, keys: &[String]) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT clip_id FROM clip_url WHERE url = ?1 UNION ALL SELECT id FROM clip WHERE canonical_url = ?1 LIMIT 1",
    )?;
    for key in keys {
        if let Some(id) = stmt.query_row([key], |r| r.get(0)).optional()? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Stores one clip in the caller's transaction unless one of its URLs is known: the row, its
/// URL keys, snapshot, index entry, automatic tags, the tags given by hand, and its story
/// (its signature computed and the clip placed among its copies and coverage). With a desk, the
/// clip goes to it (a clip already here that is on this laptop only, too).
fn insert_in(tx: &Transaction, tagger: &Tagger, clip: &NewClip, tags: &[TagRef], desk: Option<&str>) -> Result<Stored> {
    let known = match find_by_url_keys(tx, &clip.url_keys)? {
        Some(id) => Some(id),
        None => find_by_url_keys(tx, std::slice::from_ref(&clip.canonical_url))?,
    };
    if let Some(id) = known {
        if let Some(desk) = desk {
            tx.execute("UPDATE clip SET desk = ?2 WHERE id = ?1 AND desk IS NULL", params![id, desk])?;
        }
        return Ok(Stored::Duplicate(id));
    }
    let id = insert_clip_row(tx, clip, desk)?;
    crate::tags::auto_tag_clip(tx, tagger, id)?;
    for tag in tags {
        let tag_id = crate::tags::taxonomy::ensure(tx, tag)?;
        crate::tags::tag_clip(tx, id, tag_id, Origin::Manual)?;
    }
    crate::stories::on_insert(tx, &tagger.matcher, id)?;
    Ok(Stored::Created(id))
}

fn insert_clip_row(tx: &Transaction, clip: &NewClip, desk: Option<&str>) -> Result<i64> {
    let a = &clip.article;
    let now = time_to_db(&Utc::now());
    tx.prepare_cached(
        "INSERT INTO clip (url, canonical_url, title, authors, site_name, published_at, clipped_at, lang,
                           word_count, summary, lead_image, updated_at, published_offset, desk)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?7, ?12, ?13)",
    )?
    .execute(params![
        clip.url,
        clip.canonical_url,
        a.title,
        serde_json::to_string(&a.authors).unwrap_or_else(|_| "[]".into()),
        a.site_name,
        a.published_at.as_ref().map(time_to_db),
        now,
        a.lang,
        a.word_count as i64,
        a.summary,
        a.lead_image.as_ref().map(|u| u.to_string()),
        a.published_offset,
        desk,
    ])?;
    let id = tx.last_insert_rowid();
    let html = clip.stored_html();
    tx.prepare_cached("INSERT INTO clip_body (clip_id, text, html) VALUES (?1, ?2, ?3)")?
        .execute(params![id, a.text, html])?;
    {
        let mut stmt = tx.prepare_cached("INSERT OR IGNORE INTO clip_url (url, clip_id) VALUES (?1, ?2)")?;
        for key in clip.url_keys.iter().chain(std::iter::once(&clip.canonical_url)) {
            stmt.execute(params![key, id])?;
        }
    }
    let snapshot_id = insert_snapshot(tx, id, &clip.snapshot)?;
    crate::versions::insert_version(
        tx,
        id,
        1,
        snapshot_id,
        &a.title,
        &a.text,
        &html,
        &crate::versions::Change::default(),
    )?;
    crate::images::store(tx, id, 1, &clip.images)?;
    index_clip(tx, id)?;
    Ok(id)
}

/// Compresses a snapshot with one zstd context per thread: making a context costs more than
/// compressing a typical page (it showed at 2% of building a 100,000-clip library).
fn compress_snapshot(body: &[u8]) -> std::io::Result<Vec<u8>> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<Option<zstd::bulk::Compressor<'static>>> =
            const { std::cell::RefCell::new(None) };
    }
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        let compressor = match &mut *slot {
            Some(compressor) => compressor,
            empty => empty.insert(zstd::bulk::Compressor::new(SNAPSHOT_ZSTD_LEVEL)?),
        };
        compressor.compress(body)
    })
}

/// Adds a snapshot to a clip: the bytes compressed, their SHA-256 for provenance.
pub fn insert_snapshot(tx: &Connection, clip_id: i64, s: &NewSnapshot) -> Result<i64> {
    let sha256 = hex(&Sha256::digest(&s.body));
    let compressed =
        compress_snapshot(&s.body).map_err(|source| Error::Io { path: PathBuf::from("<snapshot>"), source })?;
    tx.prepare_cached(
        "INSERT INTO snapshot (clip_id, requested_url, final_url, redirects, http_status, content_type, charset,
                               fetched_at, body_zstd, body_size, sha256, extractor_version, headers, source)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        clip_id,
        s.requested_url,
        s.final_url,
        serde_json::to_string(&s.redirects).unwrap_or_else(|_| "[]".into()),
        s.http_status,
        s.content_type,
        s.charset,
        time_to_db(&s.fetched_at),
        compressed,
        s.body.len() as i64,
        sha256,
        s.extractor_version,
        s.headers.as_ref().and_then(|h| serde_json::to_string(h).ok()),
        s.source,
    ])?;
    Ok(tx.last_insert_rowid())
}

/// How much of an article's text the full-text index holds. The longest article of the Zyte
/// benchmark's 181 news pages is 96 KB; a pathological "article" of megabytes is stored whole
/// but indexed only this far, so searching and snippets stay fast whatever was clipped.
pub const MAX_INDEXED_TEXT: usize = 256 * 1024;

/// Writes (or rewrites) the full-text index row of a clip from the clip table, in the caller's
/// transaction. Every change to an indexed column goes through here.
pub fn index_clip(conn: &Connection, clip_id: i64) -> Result<()> {
    type Indexed = (String, String, Option<String>, String, Option<String>);
    let row: Option<Indexed> = conn
        .query_row(
            "SELECT title, b.text, note, authors, ifnull(site_name, '') || ' ' || canonical_url
             FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE id = ?1",
            [clip_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    conn.prepare_cached("DELETE FROM clip_fts WHERE rowid = ?1")?.execute([clip_id])?;
    if let Some((title, text, note, authors, site)) = row {
        // The site column: the outlet's name and the host ("Reuters www.reuters.com"), so
        // `site:` finds either.
        let site = site.map(|s| match s.rsplit_once(' ') {
            Some((name, url)) => {
                let host = url::Url::parse(url).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
                format!("{name} {host}")
            }
            None => s,
        });
        let authors: Vec<String> = serde_json::from_str(&authors).unwrap_or_default();
        conn.prepare_cached(
            "INSERT INTO clip_fts (rowid, title, text, note, authors, site) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            clip_id,
            fts_prepare(&title),
            fts_prepare(crate::text::truncate_bytes(&text, MAX_INDEXED_TEXT)),
            fts_prepare(note.as_deref().unwrap_or("")),
            fts_prepare(&authors.join(", ")),
            fts_prepare(site.as_deref().unwrap_or("")),
        ])?;
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

//! Evidence bundles: everything Clipdesk knows about what a page said, in one ZIP that anyone can
//! check.
//!
//! [`write`] puts in the bundle, for every version of a clip, the page's bytes as fetched
//! (`versions/N/page.bin`: after `Content-Encoding` is undone, the bytes the snapshot's SHA-256
//! was taken of), the response's headers (`headers.json`), the extracted text and HTML
//! (`article.txt`, `article.html`, a page that shows the kept images from `images/`), and every
//! image kept (`images/<sha256>.<ext>`), with `manifest.json`: the clip, each version's fetch
//! (requested and final URL, redirect chain, status, headers, time, hashes, extractor) and change,
//! each image's uses (captions, credits, original URLs, the images that were refused and why),
//! and the SHA-256 and size of every file. `manifest.sha256` holds the manifest's own hash in
//! `sha256sum` form — the bundle's fingerprint, to cite where it is filed.
//!
//! [`verify`] recomputes everything: the manifest against `manifest.sha256`, each file against the
//! manifest (hash and size), each page against the snapshot hash recorded when it was fetched,
//! each image against the hash in its name; files missing or not listed are named too. A damaged
//! or forged ZIP is a coded error (`evidence.corrupt`), never a crash; reading is bounded by what
//! the manifest declares, so a bundle that inflates without end is cut off.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::fetch::Hop;
use crate::images;
use crate::model::time_to_db;
use crate::versions;

/// The `format` of a bundle's manifest.
pub const FORMAT: &str = "clipdesk-evidence";
/// The manifest version this binary writes and reads.
pub const FORMAT_VERSION: i64 = 1;
pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_HASH: &str = "manifest.sha256";
/// The largest manifest read (a bundle of hundreds of versions has a manifest of a few MB).
const MAX_MANIFEST: u64 = 64 << 20;

/// The manifest of a bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: i64,
    /// "clipdesk 0.1.0".
    pub generator: String,
    pub created_at: String,
    pub clip: ManifestClip,
    pub versions: Vec<ManifestVersion>,
    pub images: Vec<ManifestImage>,
    /// Images the article showed that were not kept, and why.
    pub images_not_kept: Vec<ManifestMissingImage>,
    /// Every file of the bundle but the manifest and its hash.
    pub files: Vec<ManifestFile>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestClip {
    pub id: i64,
    pub url: String,
    pub canonical_url: String,
    pub title: String,
    pub clipped_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestVersion {
    pub version: i64,
    pub created_at: String,
    pub title: String,
    pub text_sha256: String,
    /// How it differs from the version before.
    pub change: versions::Change,
    pub fetch: Option<ManifestFetch>,
    /// Paths of its files: `page`, `headers`, `text`, `html`.
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestFetch {
    pub requested_url: String,
    pub final_url: String,
    pub redirects: Vec<Hop>,
    pub http_status: Option<u16>,
    pub content_type: Option<String>,
    pub charset: Option<String>,
    pub fetched_at: String,
    /// SHA-256 of the page's bytes, as recorded when it was fetched.
    pub sha256: String,
    pub bytes: i64,
    pub extractor_version: String,
    /// The response's headers; `None` when the snapshot is older than Clipdesk keeping them.
    pub headers: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestImage {
    pub sha256: String,
    pub mime: String,
    pub width: u32,
    pub height: u32,
    pub bytes: i64,
    pub path: String,
    pub uses: Vec<ImageUse>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImageUse {
    pub version: i64,
    pub position: i64,
    pub original_url: String,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub is_lead: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManifestMissingImage {
    pub version: i64,
    pub position: i64,
    pub original_url: String,
    pub caption: Option<String>,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

/// What writing a bundle made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    pub versions: usize,
    pub images: usize,
    pub files: usize,
    /// SHA-256 of `manifest.json`: the bundle's fingerprint.
    pub manifest_sha256: String,
}

fn corrupt(message: impl Into<String>) -> Error {
    Error::input("evidence.corrupt", message)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A bundle's files in order: (path, bytes).
type Files = Vec<(String, Vec<u8>)>;

/// Builds the bundle's files in memory, in order.
fn contents(conn: &Connection, clip_id: i64) -> Result<(Manifest, Files)> {
    let (url, canonical_url, title, clipped_at): (String, String, String, String) = conn
        .query_row("SELECT url, canonical_url, title, clipped_at FROM clip WHERE id = ?1", [clip_id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .map_err(|_| Error::NotFound { what: "clip", id: clip_id.to_string() })?;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let mut manifest_versions = Vec::new();
    let mut image_uses: BTreeMap<String, Vec<ImageUse>> = BTreeMap::new();
    let mut not_kept = Vec::new();
    for v in versions::list(conn, clip_id)? {
        let text = versions::get(conn, clip_id, v.version)?;
        let dir = format!("versions/{}", v.version);
        let mut paths = BTreeMap::new();
        let fetch = match &v.snapshot {
            Some(s) => {
                let body = crate::library::snapshot_body(conn, s.id)?;
                let page = format!("{dir}/page.bin");
                paths.insert("page".to_owned(), page.clone());
                files.push((page, body));
                let headers = format!("{dir}/headers.json");
                paths.insert("headers".to_owned(), headers.clone());
                files.push((headers, serde_json::to_vec_pretty(&s.headers).unwrap_or_default()));
                Some(ManifestFetch {
                    requested_url: s.requested_url.clone(),
                    final_url: s.final_url.clone(),
                    redirects: s.redirects.clone(),
                    http_status: s.http_status,
                    content_type: s.content_type.clone(),
                    charset: s.charset.clone(),
                    fetched_at: time_to_db(&s.fetched_at),
                    sha256: s.sha256.clone(),
                    bytes: s.bytes,
                    extractor_version: s.extractor_version.clone(),
                    headers: s.headers.clone(),
                })
            }
            None => None,
        };
        let txt = format!("{dir}/article.txt");
        paths.insert("text".to_owned(), txt.clone());
        files.push((txt, format!("{}\n\n{}\n", text.title, text.text).into_bytes()));
        let list = images::list(conn, clip_id, v.version)?;
        let mut html = text.html.clone();
        for img in &list {
            match (&img.sha256, &img.error) {
                (Some(sha), _) => {
                    let ext = images::extension(img.mime.as_deref().unwrap_or_default());
                    html = html.replace(&images::reference(sha), &format!("../../images/{sha}.{ext}"));
                    image_uses.entry(sha.clone()).or_default().push(ImageUse {
                        version: v.version,
                        position: img.position,
                        original_url: img.original_url.clone(),
                        caption: img.caption.clone(),
                        credit: img.credit.clone(),
                        is_lead: img.is_lead,
                    });
                }
                (None, error) => not_kept.push(ManifestMissingImage {
                    version: v.version,
                    position: img.position,
                    original_url: img.original_url.clone(),
                    caption: img.caption.clone(),
                    code: error.as_ref().map(|e| e.code.clone()).unwrap_or_default(),
                    message: error.as_ref().map(|e| e.message.clone()).unwrap_or_default(),
                }),
            }
        }
        let page = format!(
            "<!doctype html>\n<html><head><meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; style-src 'unsafe-inline'\">\n\
             <title>{title}</title></head>\n<body>\n<h1>{title}</h1>\n{html}\n</body></html>\n",
            title = crate::text::escape_html(&text.title),
        );
        let html_path = format!("{dir}/article.html");
        paths.insert("html".to_owned(), html_path.clone());
        files.push((html_path, page.into_bytes()));
        manifest_versions.push(ManifestVersion {
            version: v.version,
            created_at: v.created_at.clone(),
            title: v.title.clone(),
            text_sha256: v.text_sha256.clone(),
            change: v.change.clone(),
            fetch,
            files: paths,
        });
    }
    let mut manifest_images = Vec::new();
    for (sha, uses) in image_uses {
        let stored = images::get(conn, &sha)?.ok_or_else(|| images::not_found(&sha))?;
        let (width, height, bytes): (u32, u32, i64) =
            conn.query_row("SELECT width, height, bytes FROM image WHERE sha256 = ?1", [&sha], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })?;
        let path = format!("images/{sha}.{}", images::extension(&stored.mime));
        manifest_images.push(ManifestImage {
            sha256: sha.clone(),
            mime: stored.mime.clone(),
            width,
            height,
            bytes,
            path: path.clone(),
            uses,
        });
        files.push((path, stored.data));
    }
    files.push(("README.txt".to_owned(), readme(clip_id, &canonical_url).into_bytes()));
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        generator: format!("clipdesk {}", env!("CARGO_PKG_VERSION")),
        created_at: time_to_db(&Utc::now()),
        clip: ManifestClip { id: clip_id, url, canonical_url, title, clipped_at },
        versions: manifest_versions,
        images: manifest_images,
        images_not_kept: not_kept,
        files: files
            .iter()
            .map(|(path, data)| ManifestFile {
                path: path.clone(),
                sha256: hex(&Sha256::digest(data)),
                bytes: data.len() as u64,
            })
            .collect(),
    };
    Ok((manifest, files))
}

fn readme(clip_id: i64, url: &str) -> String {
    format!(
        "Clipdesk evidence bundle of clip {clip_id}\n{url}\n\n\
         versions/N/page.bin      the page as fetched for version N (after Content-Encoding is undone)\n\
         versions/N/headers.json  the response's headers, in order (null when they were not kept)\n\
         versions/N/article.txt   the headline and text Clipdesk extracted\n\
         versions/N/article.html  the article as Clipdesk showed it, images from images/\n\
         images/SHA256.EXT        every image kept, named by its SHA-256\n\
         manifest.json            what each file is, its SHA-256 and size; each fetch's URLs, redirects,\n\
         \x20                        status, headers and time; how each version changed\n\
         manifest.sha256          the SHA-256 of manifest.json (check: sha256sum -c manifest.sha256)\n\n\
         `clipdesk verify BUNDLE.zip` checks every file against the manifest and names what does not match.\n"
    )
}

/// A bundle's ZIP, byte for byte a function of its entries: stored uncompressed (the page bytes
/// stay readable with any tool, and no compressor's version changes the file), every time stamp
/// 1980-01-01, every mode 0644, no extra fields, no comment. [`verify`] writes the same ZIP again
/// from the entries it read and compares: a changed byte anywhere in the file, including the
/// ZIP's own headers and directory, fails verification.
fn canonical_zip(entries: &[(String, Vec<u8>)]) -> zip::result::ZipResult<Vec<u8>> {
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, data) in entries {
        zip.start_file(path.as_str(), options)?;
        zip.write_all(data)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Writes the evidence bundle of a clip to `out` (a sibling temporary file, renamed into place).
pub fn write(conn: &Connection, clip_id: i64, out: &Path) -> Result<Written> {
    // One consistent state of the library, however long the bundle takes.
    let tx = conn.unchecked_transaction()?;
    let (manifest, files) = contents(&tx, clip_id)?;
    drop(tx);
    let manifest_json = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| Error::Write { path: out.to_owned(), source: std::io::Error::other(e) })?;
    let manifest_sha256 = hex(&Sha256::digest(&manifest_json));
    let mut name = out.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".partial-{}", std::process::id()));
    let tmp = out.with_file_name(name);
    let werr = |source: std::io::Error| Error::Write { path: tmp.clone(), source };
    let mut entries = files;
    entries.push((MANIFEST.to_owned(), manifest_json));
    entries.push((MANIFEST_HASH.to_owned(), format!("{manifest_sha256}  {MANIFEST}\n").into_bytes()));
    let result = (|| -> Result<u64> {
        let bytes = canonical_zip(&entries).map_err(|e| werr(std::io::Error::other(e)))?;
        let mut file = File::create(&tmp).map_err(werr)?;
        file.write_all(&bytes).map_err(werr)?;
        file.sync_all().map_err(werr)?;
        std::fs::rename(&tmp, out).map_err(|source| Error::Write { path: out.to_owned(), source })?;
        Ok(bytes.len() as u64)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    Ok(Written {
        path: out.to_owned(),
        bytes: result?,
        versions: manifest.versions.len(),
        images: manifest.images.len(),
        files: manifest.files.len() + 2,
        manifest_sha256,
    })
}

/// One thing in a bundle that does not check out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub path: String,
    /// "missing", "unexpected", "duplicate", "hash", "size", "unreadable", "manifest" or "layout"
    /// (a byte of the ZIP's own headers or directory is not as Clipdesk writes it).
    pub problem: &'static str,
    pub detail: String,
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    pub ok: bool,
    pub path: PathBuf,
    pub clip_id: Option<i64>,
    pub url: Option<String>,
    pub versions: usize,
    /// SHA-256 of `manifest.json` as found.
    pub manifest_sha256: Option<String>,
    pub files_checked: usize,
    pub problems: Vec<Problem>,
}

fn problem(report: &mut Verification, path: &str, problem: &'static str, detail: String) {
    report.problems.push(Problem { path: path.to_owned(), problem, detail });
}

/// An entry as read: its hash and size, its bytes if small, whether it is larger than allowed.
struct Entry {
    sha256: String,
    size: u64,
    bytes: Vec<u8>,
    over: bool,
}

enum Unread {
    Missing,
    Broken(String),
}

/// Hash and size of an entry's bytes, reading at most `limit` + 1 bytes.
fn digest_entry(reader: &mut impl Read, limit: u64) -> std::io::Result<Entry> {
    let mut hasher = Sha256::new();
    let mut kept = Vec::new();
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    let mut limited = reader.take(limit.saturating_add(1));
    loop {
        let n = match limited.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        if total <= MAX_MANIFEST {
            kept.extend_from_slice(&buf[..n]);
        }
    }
    Ok(Entry { sha256: hex(&hasher.finalize()), size: total, bytes: kept, over: total > limit })
}

/// Checks an evidence bundle; names every file that does not match. A file that is not a ZIP, or
/// one too damaged to list, is `evidence.corrupt`.
pub fn verify(path: &Path) -> Result<Verification> {
    let file = File::open(path).map_err(|source| Error::Io { path: path.to_owned(), source })?;
    verify_reader(file, path)
}

/// [`verify`] on any reader (tests check damaged bundles in memory).
pub fn verify_reader<R: Read + Seek>(mut reader: R, path: &Path) -> Result<Verification> {
    let mut zip = zip::ZipArchive::new(&mut reader)
        .map_err(|e| corrupt(format!("{} is not a readable ZIP: {e}", path.display())))?;
    let mut report = Verification {
        ok: false,
        path: path.to_owned(),
        clip_id: None,
        url: None,
        versions: 0,
        manifest_sha256: None,
        files_checked: 0,
        problems: Vec::new(),
    };
    // The entries by name (index), duplicates noted: a second entry of one name is never trusted.
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut starts: Vec<u64> = Vec::new();
    for i in 0..zip.len() {
        let name = match zip.name_for_index(i) {
            Some(Ok(n)) => n.into_owned(),
            Some(Err(e)) => {
                return Err(corrupt(format!("entry {i} of {} has an unreadable name: {e}", path.display())))
            }
            None => return Err(corrupt(format!("entry {i} of {} is missing", path.display()))),
        };
        let start = zip
            .by_index_raw(i)
            .map(|f| f.header_start())
            .map_err(|e| corrupt(format!("entry {i} of {}: {e}", path.display())))?;
        starts.push(start);
        if names.insert(name.clone(), i).is_some() {
            problem(&mut report, &name, "duplicate", "the bundle has two entries of this name".into());
        }
        order.push(name);
    }
    let read = |zip: &mut zip::ZipArchive<&mut R>, name: &str, limit: u64| -> std::result::Result<Entry, Unread> {
        let index = *names.get(name).ok_or(Unread::Missing)?;
        let mut entry = zip.by_index(index).map_err(|e| Unread::Broken(e.to_string()))?;
        digest_entry(&mut entry, limit).map_err(|e| Unread::Broken(e.to_string()))
    };

    // The manifest and its own hash.
    let manifest_bytes = match read(&mut zip, MANIFEST, MAX_MANIFEST) {
        Ok(Entry { sha256, bytes, over: false, .. }) => {
            report.manifest_sha256 = Some(sha256);
            bytes
        }
        Ok(_) => {
            problem(&mut report, MANIFEST, "size", format!("larger than {MAX_MANIFEST} bytes"));
            return Ok(report);
        }
        Err(Unread::Missing) => {
            problem(&mut report, MANIFEST, "missing", "the bundle has no manifest".into());
            return Ok(report);
        }
        Err(Unread::Broken(e)) => {
            problem(&mut report, MANIFEST, "unreadable", e);
            return Ok(report);
        }
    };
    match read(&mut zip, MANIFEST_HASH, 4096) {
        Ok(Entry { bytes, over: false, .. }) => {
            let text = String::from_utf8_lossy(&bytes);
            let recorded = text.split_whitespace().next().unwrap_or_default().to_owned();
            let well_formed = text == format!("{recorded}  {MANIFEST}\n") && images::is_sha256(&recorded);
            if !well_formed {
                problem(&mut report, MANIFEST_HASH, "manifest", "not one SHA-256 line for manifest.json".into());
            } else if Some(&recorded) != report.manifest_sha256.as_ref() {
                let actual = report.manifest_sha256.clone().unwrap_or_default();
                problem(&mut report, MANIFEST, "hash", format!("SHA-256 {actual} but manifest.sha256 says {recorded}"));
            }
        }
        Ok(_) => problem(&mut report, MANIFEST_HASH, "size", "larger than one line".into()),
        Err(Unread::Missing) => problem(&mut report, MANIFEST_HASH, "missing", "the manifest's hash is missing".into()),
        Err(Unread::Broken(e)) => problem(&mut report, MANIFEST_HASH, "unreadable", e),
    }
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        Err(e) => {
            problem(&mut report, MANIFEST, "manifest", format!("not a Clipdesk evidence manifest: {e}"));
            return Ok(report);
        }
    };
    if manifest.format != FORMAT || manifest.format_version > FORMAT_VERSION {
        problem(
            &mut report,
            MANIFEST,
            "manifest",
            format!("format {:?} version {}, not one this Clipdesk reads", manifest.format, manifest.format_version),
        );
        return Ok(report);
    }
    report.clip_id = Some(manifest.clip.id);
    report.url = Some(manifest.clip.canonical_url.clone());
    report.versions = manifest.versions.len();

    // Every listed file, hashed.
    let mut listed: HashMap<&str, usize> = HashMap::new();
    for f in &manifest.files {
        if listed.insert(f.path.as_str(), 1).is_some() {
            problem(&mut report, &f.path, "manifest", "listed twice in the manifest".into());
        }
        report.files_checked += 1;
        match read(&mut zip, &f.path, f.bytes) {
            Ok(Entry { sha256: sha, size, over, .. }) => {
                if over || size != f.bytes {
                    let size_text = if over { format!("more than {}", f.bytes) } else { size.to_string() };
                    problem(&mut report, &f.path, "size", format!("{size_text} bytes, the manifest says {}", f.bytes));
                } else if sha != f.sha256 {
                    problem(&mut report, &f.path, "hash", format!("SHA-256 {sha}, the manifest says {}", f.sha256));
                }
            }
            Err(Unread::Missing) => {
                problem(&mut report, &f.path, "missing", "listed in the manifest, not in the bundle".into())
            }
            Err(Unread::Broken(e)) => problem(&mut report, &f.path, "unreadable", e),
        }
    }
    for name in &order {
        if name != MANIFEST && name != MANIFEST_HASH && !listed.contains_key(name.as_str()) {
            problem(&mut report, name, "unexpected", "in the bundle, not in the manifest".into());
        }
    }
    // What the hashes must also agree with: each page with its snapshot's hash as recorded when
    // fetched, each image with the hash it is named by.
    for v in &manifest.versions {
        if let (Some(fetch), Some(page)) = (&v.fetch, v.files.get("page")) {
            let listed_sha = manifest.files.iter().find(|f| &f.path == page).map(|f| f.sha256.as_str());
            if listed_sha != Some(fetch.sha256.as_str()) {
                problem(
                    &mut report,
                    page,
                    "manifest",
                    format!("the snapshot of version {} was fetched with SHA-256 {}", v.version, fetch.sha256),
                );
            }
        }
    }
    for img in &manifest.images {
        let listed_sha = manifest.files.iter().find(|f| f.path == img.path).map(|f| f.sha256.as_str());
        if listed_sha != Some(img.sha256.as_str()) || !img.path.starts_with(&format!("images/{}.", img.sha256)) {
            problem(&mut report, &img.path, "manifest", format!("the image is named by SHA-256 {}", img.sha256));
        }
    }
    // Every byte of the file, not only the entries' contents: the ZIP written again from the
    // entries as read must be the file (see `canonical_zip`).
    if report.problems.is_empty() {
        let mut sizes: HashMap<&str, u64> = manifest.files.iter().map(|f| (f.path.as_str(), f.bytes)).collect();
        sizes.insert(MANIFEST, manifest_bytes.len() as u64);
        sizes.insert(MANIFEST_HASH, 4096);
        let mut entries = Vec::with_capacity(order.len());
        for (i, name) in order.iter().enumerate() {
            let limit = sizes.get(name.as_str()).copied().unwrap_or(0);
            let mut data = Vec::new();
            let read = zip.by_index(i).and_then(|e| Ok(e.take(limit).read_to_end(&mut data)?));
            if let Err(e) = read {
                problem(&mut report, name, "unreadable", e.to_string());
            }
            entries.push((name.clone(), data));
        }
        drop(zip);
        let rebuilt = canonical_zip(&entries).map_err(|e| corrupt(format!("{}: {e}", path.display())))?;
        let mut found = Vec::with_capacity(rebuilt.len());
        reader
            .seek(SeekFrom::Start(0))
            .and_then(|_| (&mut reader).take(rebuilt.len() as u64 + 1).read_to_end(&mut found))
            .map_err(|source| Error::Io { path: path.to_owned(), source })?;
        if found != rebuilt {
            let at = found.iter().zip(&rebuilt).position(|(a, b)| a != b).unwrap_or(found.len().min(rebuilt.len()));
            // The entry whose header or data holds the first difference, else the directory.
            let entry = starts
                .iter()
                .enumerate()
                .filter(|&(_, &s)| s <= at as u64)
                .max_by_key(|&(_, &s)| s)
                .and_then(|(i, _)| order.get(i));
            let detail = format!("byte {at} of the ZIP is not as Clipdesk writes it (headers, directory or layout)");
            match entry {
                Some(name) if at < directory_start(&rebuilt, &starts, &entries) => {
                    problem(&mut report, name, "layout", detail)
                }
                _ => problem(&mut report, "(zip directory)", "layout", detail),
            }
        }
    }
    report.ok = report.problems.is_empty();
    Ok(report)
}

/// Where the central directory of a canonical ZIP starts: after the last entry's data.
fn directory_start(rebuilt: &[u8], starts: &[u64], entries: &[(String, Vec<u8>)]) -> usize {
    // A local header is 30 bytes, then the name, then the data (no extra fields are written).
    match (starts.iter().copied().enumerate().max_by_key(|&(_, s)| s), rebuilt.len()) {
        (Some((i, s)), len) => entries
            .get(i)
            .map_or(len, |(name, data)| (s as usize).saturating_add(30 + name.len() + data.len()).min(len)),
        (None, len) => len,
    }
}

/// The error a failed verification ends with (after its report is printed).
pub fn mismatch(v: &Verification) -> Error {
    let names: Vec<String> = v.problems.iter().take(5).map(|p| format!("{} ({})", p.path, p.problem)).collect();
    let more = if v.problems.len() > 5 { format!(" and {} more", v.problems.len() - 5) } else { String::new() };
    Error::input("evidence.mismatch", format!("{} does not verify: {}{more}", v.path.display(), names.join(", ")))
}

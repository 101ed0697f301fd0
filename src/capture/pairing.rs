//! Pairing: the secret the extension sends with every request, and the extension origins it was
//! paired from.
//!
//! The state is a small JSON file beside the library (`library.sqlite` → `library.capture.json`),
//! readable by its owner only (mode 0600): other users of the machine cannot read the token, and it
//! never travels with an export or a backup of the library. The running endpoint re-reads it on
//! every request, so a token rotated by `clipdesk capture pair --rotate` (or the app) takes effect
//! at once, and the extension has to be paired again.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// At most this many extension origins are paired at once (a browser or two, a few profiles).
pub const MAX_ORIGINS: usize = 8;

/// The pairing state of one library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    /// 32 random bytes, hex.
    pub token: String,
    /// Extension origins paired with this token (`chrome-extension://ID`, `moz-extension://UUID`).
    #[serde(default)]
    pub origins: Vec<String>,
    /// The port the endpoint last listened on.
    #[serde(default)]
    pub port: Option<u16>,
}

impl Pairing {
    /// A new pairing: a fresh token, no origin yet.
    pub fn new() -> Result<Self> {
        Ok(Pairing { token: new_token()?, origins: Vec::new(), port: None })
    }

    /// What the analyst pastes into the extension: the port and the token, `PORT-TOKEN`.
    pub fn code(&self) -> String {
        format!("{}-{}", self.port.unwrap_or(super::DEFAULT_PORT), self.token)
    }

    /// Whether `given` is the token, compared in constant time.
    pub fn token_matches(&self, given: &str) -> bool {
        constant_time_eq(self.token.as_bytes(), given.trim().as_bytes())
    }

    /// Whether `origin` was paired.
    pub fn origin_paired(&self, origin: &str) -> bool {
        self.origins.iter().any(|o| o == origin)
    }

    /// Records a paired origin (the oldest is forgotten past [`MAX_ORIGINS`]).
    pub fn add_origin(&mut self, origin: &str) {
        if self.origin_paired(origin) {
            return;
        }
        self.origins.push(origin.to_owned());
        if self.origins.len() > MAX_ORIGINS {
            self.origins.remove(0);
        }
    }
}

/// Where the pairing of the library at `library` is kept.
pub fn path_for(library: &Path) -> PathBuf {
    library.with_extension("capture.json")
}

/// The pairing stored at `path`, if any.
pub fn load(path: &Path) -> Result<Option<Pairing>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::Io { path: path.to_owned(), source: std::io::Error::other(e) }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io { path: path.to_owned(), source }),
    }
}

/// The pairing stored at `path`, created (with a new token) if there is none.
pub fn load_or_create(path: &Path) -> Result<Pairing> {
    if let Some(p) = load(path)? {
        return Ok(p);
    }
    let p = Pairing::new()?;
    save(path, &p)?;
    Ok(p)
}

/// A new token; every paired origin is forgotten (the extension must be paired again).
pub fn rotate(path: &Path) -> Result<Pairing> {
    let port = load(path)?.and_then(|p| p.port);
    let p = Pairing { port, ..Pairing::new()? };
    save(path, &p)?;
    Ok(p)
}

/// Writes the pairing readable by its owner only, atomically (a temporary file renamed over it).
pub fn save(path: &Path, pairing: &Pairing) -> Result<()> {
    use std::io::Write;
    let write_err = |source| Error::Write { path: path.to_owned(), source };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(write_err)?;
    }
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(format!(".partial-{}", std::process::id()));
    let tmp = path.with_file_name(name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let json = serde_json::to_vec_pretty(pairing).map_err(|e| write_err(std::io::Error::other(e)))?;
    let result = options.open(&tmp).and_then(|mut f| f.write_all(&json).and_then(|()| f.sync_all()));
    if let Err(e) = result.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(write_err(e));
    }
    Ok(())
}

/// 32 bytes from the operating system's random source, as 64 hex digits.
fn new_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Io {
        path: PathBuf::from("<random source>"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Compares two secrets in time that depends on their length only, not on where they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Whether `origin` is a browser extension's origin: `chrome-extension://` and 32 letters a–p
/// (Chromium, Edge, Brave…), or `moz-extension://` and a UUID (Firefox).
pub fn is_extension_origin(origin: &str) -> bool {
    if let Some(id) = origin.strip_prefix("chrome-extension://") {
        return id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b));
    }
    if let Some(uuid) = origin.strip_prefix("moz-extension://") {
        return uuid.len() == 36
            && uuid.bytes().enumerate().all(|(i, b)| match i {
                8 | 13 | 18 | 23 => b == b'-',
                _ => b.is_ascii_hexdigit(),
            });
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extension_origins() {
        let cases = [
            ("chrome-extension://abcdefghijklmnopabcdefghijklmnop", true),
            ("moz-extension://0f6a7c1e-93b2-4d8e-b1a2-6c3d4e5f6a7b", true),
            ("chrome-extension://abcdefghijklmnopabcdefghijklmnoq", false),
            ("chrome-extension://abcdefghijklmnop", false),
            ("chrome-extension://abcdefghijklmnopabcdefghijklmnop/", false),
            ("moz-extension://0f6a7c1e93b24d8eb1a26c3d4e5f6a7b", false),
            ("http://127.0.0.1:8080", false),
            ("null", false),
            ("", false),
        ];
        for (origin, expected) in cases {
            assert_eq!(is_extension_origin(origin), expected, "{origin}");
        }
    }

    #[test]
    fn tokens_are_random_hex_and_compared_whole() {
        let a = Pairing::new().expect("token");
        let b = Pairing::new().expect("token");
        assert_eq!(a.token.len(), 64);
        assert!(a.token.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.token, b.token);
        assert!(a.token_matches(&a.token));
        assert!(!a.token_matches(&b.token));
        assert!(!a.token_matches(""));
        assert!(!a.token_matches(a.token.get(..63).unwrap_or_default()));
    }

    #[test]
    fn the_file_is_private_and_rotation_forgets_origins() {
        let dir = tempfile::tempdir().expect("dir");
        let path = path_for(&dir.path().join("library.sqlite"));
        assert_eq!(path.file_name().and_then(|n| n.to_str()), Some("library.capture.json"));
        let mut p = load_or_create(&path).expect("create");
        assert_eq!(load_or_create(&path).expect("load"), p);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
        p.add_origin("chrome-extension://abcdefghijklmnopabcdefghijklmnop");
        p.port = Some(47616);
        save(&path, &p).expect("save");
        let rotated = rotate(&path).expect("rotate");
        assert_ne!(rotated.token, p.token);
        assert!(rotated.origins.is_empty());
        assert_eq!(rotated.port, Some(47616));
        assert_eq!(rotated.code(), format!("47616-{}", rotated.token));
    }
}

//! Test fixtures: a local HTTP server, temporary libraries, fixture files, the CLI binary.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use clipdesk::Library;

/// What the test server answers for one path.
#[derive(Clone, Default)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering.
    pub delay: Duration,
    /// Send the body one byte per this interval (a trickling server).
    pub trickle: Option<Duration>,
}

impl Reply {
    pub fn html(body: impl Into<Vec<u8>>) -> Self {
        Reply {
            status: 200,
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.into(),
            ..Default::default()
        }
    }
    pub fn with_type(mut self, content_type: &str) -> Self {
        self.headers.retain(|(k, _)| k != "Content-Type");
        self.headers.push(("Content-Type".into(), content_type.into()));
        self
    }
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
    pub fn status(status: u16) -> Self {
        Reply { status, ..Default::default() }
    }
    pub fn redirect(status: u16, to: &str) -> Self {
        Reply { status, headers: vec![("Location".into(), to.into())], ..Default::default() }
    }
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

/// A real HTTP server on 127.0.0.1 serving fixed replies by path.
pub struct TestServer {
    pub base: String,
    server: Arc<tiny_http::Server>,
}

impl TestServer {
    pub fn start(routes: HashMap<String, Reply>) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind test server"));
        let port = server.server_addr().to_ip().expect("ip address").port();
        let routes = Arc::new(routes);
        for _ in 0..8 {
            let server = Arc::clone(&server);
            let routes = Arc::clone(&routes);
            thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    let path = request.url().split('?').next().unwrap_or("/").to_owned();
                    let reply = routes.get(&path).cloned().unwrap_or_else(|| Reply::status(404));
                    thread::sleep(reply.delay);
                    let headers: Vec<tiny_http::Header> = reply
                        .headers
                        .iter()
                        .filter_map(|(k, v)| tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).ok())
                        .collect();
                    let len = reply.body.len();
                    let reader: Box<dyn Read + Send> = match reply.trickle {
                        Some(interval) => Box::new(Trickle { body: reply.body, at: 0, interval }),
                        None => Box::new(std::io::Cursor::new(reply.body)),
                    };
                    let response = tiny_http::Response::new(reply.status.into(), headers, reader, Some(len), None);
                    let _ = request.respond(response);
                }
            });
        }
        TestServer { base: format!("http://127.0.0.1:{port}"), server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

struct Trickle {
    body: Vec<u8>,
    at: usize,
    interval: Duration,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at >= self.body.len() || buf.is_empty() {
            return Ok(0);
        }
        thread::sleep(self.interval);
        buf[0] = self.body[self.at];
        self.at += 1;
        Ok(1)
    }
}

/// A library in a fresh temporary directory (kept alive by the returned guard).
pub fn temp_library() -> (tempfile::TempDir, Library) {
    let dir = tempfile::tempdir().expect("temp dir");
    let lib = Library::open(&dir.path().join("library.sqlite")).expect("open library");
    (dir, lib)
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// The fixture pages served under `/pages/NAME`, with the Content-Type a real server would send.
pub fn page_routes() -> HashMap<String, Reply> {
    let mut routes = HashMap::new();
    for entry in std::fs::read_dir(fixtures().join("pages")).expect("pages dir") {
        let path = entry.expect("entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        if !name.ends_with(".html") {
            continue;
        }
        let body = std::fs::read(&path).expect("read page");
        // Legacy pages are served without a charset: the fetcher must find it in the page.
        let reply = if name == "chinese-gbk.html" {
            Reply::html(body).with_type("text/html; charset=gbk")
        } else if name.contains("cp125") || name.contains("sjis") {
            Reply::html(body).with_type("text/html")
        } else {
            Reply::html(body)
        };
        routes.insert(format!("/pages/{name}"), reply);
    }
    routes
}

/// The `clipdesk` binary built for this test run.
pub fn clipdesk_bin() -> &'static str {
    env!("CARGO_BIN_EXE_clipdesk")
}

/// Runs the CLI on a library; returns (exit code, stdout, stderr).
pub fn run_cli(db: &Path, args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(clipdesk_bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CLIPDESK_DB")
        .output()
        .expect("run clipdesk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Checks the invariants every library must keep whatever happened to the process writing it:
/// SQLite's integrity, every clip whole (snapshot, URL key, index row), the index agreeing with the
/// table. Returns the number of clips.
pub fn check_library_consistent(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).expect("open");
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).expect("integrity_check");
    assert_eq!(integrity, "ok");
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
    let clips = q("SELECT count(*) FROM clip");
    assert_eq!(
        q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT clip_id FROM snapshot)"),
        0,
        "clip without snapshot"
    );
    assert_eq!(
        q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT clip_id FROM clip_url)"),
        0,
        "clip without URL key"
    );
    assert_eq!(q("SELECT count(*) FROM clip_fts"), clips, "index rows != clips");
    assert_eq!(
        q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT rowid FROM clip_fts)"),
        0,
        "clip missing from index"
    );
    assert_eq!(q("SELECT count(*) FROM clip WHERE id NOT IN (SELECT clip_id FROM clip_body)"), 0, "clip without body");
    assert_eq!(
        q("SELECT count(*) FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE length(b.text) = 0 OR length(title) = 0"),
        0,
        "empty clip"
    );
    clips
}

//! A real HTTP server on 127.0.0.1 serving canned replies (saved pages, redirects, slow and
//! broken responses), shared by the core's integration tests and the app's end-to-end tests.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::thread;
use std::time::Duration;

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
    /// Answer 304 when the request's `If-None-Match` is exactly this (the reply sends it as its
    /// `ETag`).
    pub etag: Option<String>,
    /// Another reply for requests whose `Cookie` header holds this cookie (`name=value`): a page
    /// served whole only to a logged-in session.
    pub for_cookie: Option<(String, Box<Reply>)>,
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
    /// Serves `reply` instead to requests carrying the cookie `name=value`.
    pub fn for_cookie(mut self, cookie: &str, reply: Reply) -> Self {
        self.for_cookie = Some((cookie.into(), Box::new(reply)));
        self
    }
    pub fn with_etag(mut self, etag: &str) -> Self {
        self.etag = Some(etag.into());
        self.headers.push(("ETag".into(), etag.into()));
        self
    }
}

/// One request the server received: its path (with the query) and headers (names lower-cased).
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A real HTTP server on 127.0.0.1 serving replies by path; the replies can be changed while it
/// runs, and it remembers every request.
pub struct TestServer {
    pub base: String,
    server: Arc<tiny_http::Server>,
    routes: Arc<RwLock<HashMap<String, Reply>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    threads: usize,
}

impl TestServer {
    pub fn start(routes: HashMap<String, Reply>) -> Self {
        Self::start_on("127.0.0.1", routes, 8)
    }

    /// A server on another loopback address (127.0.0.2, …: another host to a client).
    pub fn start_on(ip: &str, routes: HashMap<String, Reply>, threads: usize) -> Self {
        let server = Arc::new(tiny_http::Server::http(format!("{ip}:0")).expect("bind test server"));
        let port = server.server_addr().to_ip().expect("ip address").port();
        let routes = Arc::new(RwLock::new(routes));
        let seen = Arc::new(Mutex::new(Vec::new()));
        for _ in 0..threads {
            let server = Arc::clone(&server);
            let routes = Arc::clone(&routes);
            let seen = Arc::clone(&seen);
            thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    let path = request.url().split('?').next().unwrap_or("/").to_owned();
                    let headers: Vec<(String, String)> = request
                        .headers()
                        .iter()
                        .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_owned()))
                        .collect();
                    if let Ok(mut s) = seen.lock() {
                        s.push(Seen { path: request.url().to_owned(), headers: headers.clone() });
                    }
                    let mut reply =
                        routes.read().ok().and_then(|r| r.get(&path).cloned()).unwrap_or_else(|| Reply::status(404));
                    let cookies = headers.iter().find(|(k, _)| k == "cookie").map(|(_, v)| v.clone());
                    if let Some((cookie, logged_in)) = reply.for_cookie.take() {
                        if cookies.is_some_and(|c| c.split(';').any(|c| c.trim() == cookie)) {
                            reply = *logged_in;
                        }
                    }
                    thread::sleep(reply.delay);
                    let inm = headers.iter().find(|(k, _)| k == "if-none-match").map(|(_, v)| v.clone());
                    if reply.etag.is_some() && inm == reply.etag {
                        reply = Reply {
                            status: 304,
                            headers: vec![("ETag".into(), inm.unwrap_or_default())],
                            ..Default::default()
                        };
                    }
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
        TestServer { base: format!("http://{ip}:{port}"), server, routes, seen, threads }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Changes (or adds) the reply for a path.
    pub fn set(&self, path: &str, reply: Reply) {
        if let Ok(mut r) = self.routes.write() {
            r.insert(path.to_owned(), reply);
        }
    }

    /// Every request received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The requests for one path (query ignored).
    pub fn seen_at(&self, path: &str) -> Vec<Seen> {
        self.seen().into_iter().filter(|s| s.path.split('?').next() == Some(path)).collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // One unblock wakes one worker: every worker stops, drops its handle, and the last handle
        // dropped closes the listening socket (a test can then stop a server and reuse its port).
        for _ in 0..self.threads {
            self.server.unblock();
        }
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

/// The fixture pages served under `/pages/NAME`, with the Content-Type a real server would send.
pub fn page_routes(pages: &Path) -> HashMap<String, Reply> {
    let mut routes = HashMap::new();
    for entry in std::fs::read_dir(pages).expect("pages dir") {
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

//! The capture endpoint: a small HTTP/1.1 server on 127.0.0.1, for the paired extension only.
//!
//! It answers three requests and nothing else: `GET /v1/ping` (is the pairing good?),
//! `POST /v1/pair` (record the extension's origin) and `POST /v1/clip` (see [`super::clip`]), plus
//! CORS preflights for them. Every request is checked, in this order, before its body is read:
//!
//! 1. the method and path are on that list (`capture.not_found`, `capture.method`);
//! 2. `Host` is `127.0.0.1:PORT` or `localhost:PORT` — a web page whose own host name was
//!    rebound to 127.0.0.1 (DNS rebinding) sends its own name (`capture.host`);
//! 3. `Origin` is an extension origin paired before (`capture.origin`); pairing itself needs an
//!    extension's origin (`chrome-extension://…`, `moz-extension://…`), which no web page can send;
//! 4. the `X-Clipdesk-Token` header is the pairing token, compared in constant time
//!    (`capture.token`);
//! 5. the body has a `Content-Length` no larger than a fetched page may be
//!    (`fetch::Limits::default().max_decoded`, `capture.too_large`) and is JSON of the expected
//!    shape (`capture.bad_request`).
//!
//! Everything a client controls is bounded: the request head (16 KiB), the body, the time to send
//! them, and the connections served at once (`capture.busy` past the limit). The server is written
//! on the standard library's `TcpListener` so that each of these bounds is ours. Every answer
//! closes its connection.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;

use super::pairing;
use super::{ClipRequest, ClipResponse, TOKEN_HEADER};
use crate::error::{CaptureError, Error, Result};
use crate::Library;

/// The request line and headers together.
const MAX_HEAD: usize = 16 * 1024;
/// Connections served at once; more are answered `capture.busy` at once.
const MAX_CONNECTIONS: usize = 16;
/// How long one read may wait, and how long a whole request may take to arrive.
const READ_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_DEADLINE: Duration = Duration::from_secs(60);

/// Where the endpoint works.
#[derive(Debug, Clone)]
pub struct Options {
    /// The library clips are stored in.
    pub library: PathBuf,
    /// The pairing file (see [`pairing::path_for`]).
    pub pairing: PathBuf,
    /// Listen on this port only (0: any free port, for tests); `None`: the documented port, else
    /// the next free one of [`super::ports`].
    pub port: Option<u16>,
}

impl Options {
    /// The endpoint of the library at `library`, on the documented ports.
    pub fn for_library(library: PathBuf) -> Self {
        Options { pairing: pairing::path_for(&library), library, port: None }
    }
}

/// What the endpoint did, for a log or the app's window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A capture was processed (created, duplicate or failed).
    Clipped { url: String, response: ClipResponse },
    /// An extension was paired from this origin.
    Paired { origin: String },
    /// A request was refused before it reached the library.
    Refused { method: String, path: String, code: &'static str },
}

/// Called for every [`Event`], on the connection's thread.
pub type Listener = Arc<dyn Fn(&Event) + Send + Sync>;

/// A running endpoint; it stops when [`Server::stop`] is called (or the process ends).
pub struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

struct Shared {
    library: Mutex<Library>,
    pairing: PathBuf,
    port: u16,
    active: AtomicUsize,
    on_event: Option<Listener>,
}

impl Server {
    /// Opens the library, listens, records the port in the pairing file (creating the pairing if
    /// there is none) and serves on a background thread.
    pub fn start(options: Options, on_event: Option<Listener>) -> Result<Server> {
        let library = Library::open(&options.library)?;
        let listener = bind(options.port)?;
        let port = listener.local_addr().map_err(|e| port_error(options.port, &e))?.port();
        let mut pairing = pairing::load_or_create(&options.pairing)?;
        if pairing.port != Some(port) {
            pairing.port = Some(port);
            pairing::save(&options.pairing, &pairing)?;
        }
        let shared = Arc::new(Shared {
            library: Mutex::new(library),
            pairing: options.pairing,
            port,
            active: AtomicUsize::new(0),
            on_event,
        });
        let stop = Arc::new(AtomicBool::new(false));
        let stop_flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("capture-endpoint".into())
            .spawn(move || accept_loop(listener, shared, stop_flag))
            .map_err(|e| port_error(Some(port), &e))?;
        Ok(Server { port, stop, thread: Some(thread) })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Blocks while the endpoint serves (the CLI's `capture serve`).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Stops listening; requests being served finish on their own threads.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&([127, 0, 0, 1], self.port).into(), Duration::from_secs(1));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.thread.is_some() && !self.stop.load(Ordering::SeqCst) {
            // Dropped without `wait`: stop serving.
            self.shut();
        }
    }
}

fn port_error(port: Option<u16>, e: &std::io::Error) -> Error {
    let ports = match port {
        Some(p) => p.to_string(),
        None => format!("{}–{}", super::ports().start(), super::ports().end()),
    };
    CaptureError::Port { ports, message: e.to_string() }.into()
}

/// Listens on 127.0.0.1 only: the given port, or the documented one and its fallbacks.
fn bind(port: Option<u16>) -> Result<TcpListener> {
    if let Some(p) = port {
        return TcpListener::bind(("127.0.0.1", p)).map_err(|e| port_error(port, &e));
    }
    let mut last = None;
    for p in super::ports() {
        match TcpListener::bind(("127.0.0.1", p)) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(port_error(None, &last.unwrap_or_else(|| std::io::Error::other("no port to try"))))
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(mut stream) = stream else { continue };
        if shared.active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            shared.active.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
            let _ = Reply::error(&CaptureError::Busy.into()).write(&mut stream);
            continue;
        }
        let worker = Arc::clone(&shared);
        let spawned = std::thread::Builder::new().name("capture-request".into()).spawn(move || {
            serve(&mut stream, &worker);
            worker.active.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            // The thread never started (the stream went with it, closed): release its place.
            shared.active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// One request's head: method, path (query dropped), headers (names lower-cased).
struct Head {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
}

impl Head {
    /// The value of a header that must appear at most once.
    fn header(&self, name: &str) -> std::result::Result<Option<&str>, CaptureError> {
        let mut found = self.headers.iter().filter(|(k, _)| k == name);
        let first = found.next().map(|(_, v)| v.as_str());
        if found.next().is_some() {
            return Err(CaptureError::BadRequest { message: format!("the {name} header is repeated") });
        }
        Ok(first)
    }
}

/// An answer: status, JSON body, and the origin allowed to read it.
struct Reply {
    status: u16,
    body: serde_json::Value,
    allow_origin: Option<String>,
    preflight: Option<&'static str>,
}

impl Reply {
    fn json(status: u16, body: serde_json::Value) -> Self {
        Reply { status, body, allow_origin: None, preflight: None }
    }

    fn error(e: &Error) -> Self {
        let status = match e {
            Error::Capture(c) => match c {
                CaptureError::Host { .. } | CaptureError::Origin { .. } => 403,
                CaptureError::Token => 401,
                CaptureError::TooLarge { .. } => 413,
                CaptureError::BadRequest { .. } => 400,
                CaptureError::NotFound { .. } => 404,
                CaptureError::Method { .. } => 405,
                CaptureError::Busy => 503,
                CaptureError::Port { .. } => 500,
            },
            _ => 500,
        };
        Reply::json(status, serde_json::to_value(ClipResponse::failed(e)).unwrap_or_default())
    }

    fn write(&self, stream: &mut TcpStream) -> std::io::Result<()> {
        let body = serde_json::to_vec(&self.body).unwrap_or_default();
        let reason = match self.status {
            200 => "OK",
            204 => "No Content",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            413 => "Payload Too Large",
            422 => "Unprocessable Content",
            503 => "Service Unavailable",
            _ => "Internal Server Error",
        };
        let mut head = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
             Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n",
            self.status,
            if self.status == 204 { 0 } else { body.len() }
        );
        if let Some(origin) = &self.allow_origin {
            head.push_str(&format!("Access-Control-Allow-Origin: {origin}\r\nVary: Origin\r\n"));
        }
        if let Some(methods) = self.preflight {
            head.push_str(&format!(
                "Access-Control-Allow-Methods: {methods}\r\nAccess-Control-Allow-Headers: content-type, {TOKEN_HEADER}\r\n\
                 Access-Control-Max-Age: 600\r\n"
            ));
        }
        head.push_str("\r\n");
        stream.write_all(head.as_bytes())?;
        if self.status != 204 {
            stream.write_all(&body)?;
        }
        stream.flush()
    }
}

fn serve(stream: &mut TcpStream, shared: &Shared) {
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(READ_TIMEOUT));
    let deadline = Instant::now() + REQUEST_DEADLINE;
    let reply = match read_head(stream, deadline) {
        Ok((head, rest)) => {
            let reply = handle(&head, rest, stream, deadline, shared);
            if let Err(e) = &reply {
                emit(shared, &Event::Refused { method: head.method.clone(), path: head.path.clone(), code: e.code() });
            }
            reply.unwrap_or_else(|e| Reply::error(&e))
        }
        Err(e) => Reply::error(&e.into()),
    };
    let _ = reply.write(stream);
    let _ = stream.shutdown(Shutdown::Write);
    // Read a little of what the client may still be sending (a refused body), so that closing
    // does not reset the connection before it has read the answer.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 8192];
    let mut drained = 0usize;
    while drained < (1 << 20) {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

fn emit(shared: &Shared, event: &Event) {
    if let Some(f) = &shared.on_event {
        f(event);
    }
}

/// Reads the request head (bounded in size and time); returns it and the body bytes read with it.
fn read_head(stream: &mut TcpStream, deadline: Instant) -> std::result::Result<(Head, Vec<u8>), CaptureError> {
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(end + 4);
            return Ok((parse_head(&buf)?, rest));
        }
        if buf.len() >= MAX_HEAD {
            return Err(CaptureError::TooLarge { size: buf.len() as u64, limit: MAX_HEAD as u64 });
        }
        if Instant::now() > deadline {
            return Err(CaptureError::BadRequest { message: "the request took too long to arrive".into() });
        }
        let n = stream
            .read(&mut chunk)
            .map_err(|e| CaptureError::BadRequest { message: format!("reading the request: {e}") })?;
        if n == 0 {
            return Err(CaptureError::BadRequest { message: "the connection closed mid-request".into() });
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

fn parse_head(bytes: &[u8]) -> std::result::Result<Head, CaptureError> {
    let bad = |message: String| CaptureError::BadRequest { message };
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut request = httparse::Request::new(&mut headers);
    match request.parse(bytes) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(bad("an incomplete request head".into())),
        Err(e) => return Err(bad(format!("a malformed request head: {e}"))),
    }
    let method = request.method.unwrap_or_default().to_owned();
    let target = request.path.unwrap_or_default();
    let path = target.split('?').next().unwrap_or_default().to_owned();
    let headers = request
        .headers
        .iter()
        .map(|h| {
            let value = std::str::from_utf8(h.value).map_err(|_| bad(format!("the {} header is not UTF-8", h.name)))?;
            Ok((h.name.to_ascii_lowercase(), value.trim().to_owned()))
        })
        .collect::<std::result::Result<Vec<_>, CaptureError>>()?;
    Ok(Head { method, path, headers })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Ping,
    Pair,
    Clip,
}

/// The checks of the module's documentation, in order, then the work.
fn handle(head: &Head, rest: Vec<u8>, stream: &mut TcpStream, deadline: Instant, shared: &Shared) -> Result<Reply> {
    let (endpoint, method) = match head.path.as_str() {
        "/v1/ping" => (Endpoint::Ping, "GET"),
        "/v1/pair" => (Endpoint::Pair, "POST"),
        "/v1/clip" => (Endpoint::Clip, "POST"),
        other => return Err(CaptureError::NotFound { path: other.to_owned() }.into()),
    };
    let preflight = head.method == "OPTIONS";
    if !preflight && head.method != method {
        return Err(CaptureError::Method { method: head.method.clone(), path: head.path.clone() }.into());
    }
    check_host(head.header("host")?, shared.port)?;
    let mut pairing = pairing::load_or_create(&shared.pairing)?;
    let origin = head.header("origin")?.unwrap_or_default();
    let origin_ok = match endpoint {
        Endpoint::Pair => pairing::is_extension_origin(origin),
        _ => pairing.origin_paired(origin),
    };
    if !origin_ok {
        return Err(CaptureError::Origin { origin: origin.to_owned() }.into());
    }
    if preflight {
        return Ok(Reply {
            status: 204,
            body: serde_json::Value::Null,
            allow_origin: Some(origin.to_owned()),
            preflight: Some(method),
        });
    }
    if !head.header(TOKEN_HEADER)?.is_some_and(|t| pairing.token_matches(t)) {
        return Err(CaptureError::Token.into());
    }
    let allowed = |status, body| Reply { allow_origin: Some(origin.to_owned()), ..Reply::json(status, body) };
    match endpoint {
        Endpoint::Ping => {
            Ok(allowed(200, json!({"app": "clipdesk", "version": env!("CARGO_PKG_VERSION"), "paired": true})))
        }
        Endpoint::Pair => {
            pairing.add_origin(origin);
            pairing::save(&shared.pairing, &pairing)?;
            emit(shared, &Event::Paired { origin: origin.to_owned() });
            Ok(allowed(200, json!({"status": "paired", "port": shared.port})))
        }
        Endpoint::Clip => {
            let body = read_body(head, rest, stream, deadline)?;
            let request: ClipRequest = serde_json::from_slice(&body)
                .map_err(|e| CaptureError::BadRequest { message: format!("the body is not a capture: {e}") })?;
            drop(body);
            let result = crate::guard::catch(|| {
                let mut library = shared.library.lock().unwrap_or_else(|poisoned| {
                    shared.library.clear_poison();
                    poisoned.into_inner()
                });
                // The default desk may have changed since the endpoint opened the library.
                library.use_default_desk()?;
                super::clip(&mut library, &request)
            });
            let response = ClipResponse::from_result(&result);
            emit(shared, &Event::Clipped { url: request.url.clone(), response: response.clone() });
            // A request that is not a capture is the extension's fault (400); a page that cannot
            // be clipped is the page's (422, with the pipeline's code).
            let status = match &result {
                Ok(_) => 200,
                Err(crate::Error::Capture(CaptureError::BadRequest { .. })) => 400,
                Err(_) => 422,
            };
            Ok(allowed(status, serde_json::to_value(&response).unwrap_or_default()))
        }
    }
}

/// The `Host` a browser sends for this endpoint; anything else is a page under another name.
fn check_host(host: Option<&str>, port: u16) -> Result<()> {
    let host = host.unwrap_or_default();
    let ok = [format!("127.0.0.1:{port}"), format!("localhost:{port}")].iter().any(|h| h.eq_ignore_ascii_case(host));
    if ok {
        Ok(())
    } else {
        Err(CaptureError::Host { host: host.to_owned() }.into())
    }
}

/// Reads a body of the declared length, at most a fetched page's size; chunked bodies are refused.
fn read_body(head: &Head, mut body: Vec<u8>, stream: &mut TcpStream, deadline: Instant) -> Result<Vec<u8>> {
    let bad = |message: &str| -> Error { CaptureError::BadRequest { message: message.to_owned() }.into() };
    if head.header("transfer-encoding")?.is_some() {
        return Err(bad("send the body with a Content-Length, not chunked"));
    }
    let length: u64 = head
        .header("content-length")?
        .ok_or_else(|| bad("a Content-Length is required"))?
        .parse()
        .map_err(|_| bad("the Content-Length is not a number"))?;
    let limit = crate::fetch::Limits::default().max_decoded;
    if length > limit {
        return Err(CaptureError::TooLarge { size: length, limit }.into());
    }
    let length = length as usize;
    body.truncate(length);
    body.reserve(length - body.len());
    let mut chunk = vec![0u8; 64 * 1024];
    while body.len() < length {
        if Instant::now() > deadline {
            return Err(bad("the body took too long to arrive"));
        }
        let want = chunk.len().min(length - body.len());
        let n = stream
            .read(chunk.get_mut(..want).unwrap_or_default())
            .map_err(|e| bad(&format!("reading the body: {e}")))?;
        if n == 0 {
            return Err(bad("the connection closed before the whole body arrived"));
        }
        body.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_endpoints_own_host_names() {
        let cases = [
            (Some("127.0.0.1:47615"), true),
            (Some("localhost:47615"), true),
            (Some("LOCALHOST:47615"), true),
            (Some("127.0.0.1:47616"), false),
            (Some("127.0.0.1"), false),
            (Some("attacker.example:47615"), false),
            (Some("127.0.0.1.nip.io:47615"), false),
            (Some("[::1]:47615"), false),
            (None, false),
        ];
        for (host, expected) in cases {
            assert_eq!(check_host(host, 47615).is_ok(), expected, "{host:?}");
        }
    }

    #[test]
    fn heads_are_parsed_with_headers_lower_cased() {
        let head = parse_head(b"POST /v1/clip?x=1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\nX-Clipdesk-Token: abc\r\n\r\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(head.method, "POST");
        assert_eq!(head.path, "/v1/clip");
        assert_eq!(head.header("x-clipdesk-token").ok().flatten(), Some("abc"));
        let twice = parse_head(b"GET / HTTP/1.1\r\nOrigin: a\r\nOrigin: b\r\n\r\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(twice.header("origin").is_err(), "a repeated Origin is refused");
        assert!(parse_head(b"GARBAGE\r\n\r\n").is_err());
    }
}

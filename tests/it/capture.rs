//! Capture: the browser extension and the app's endpoint, against real parts — the real
//! `clipdesk capture serve` on a temporary library, Debian's Chromium with the extension of
//! `extension/` loaded, driven through chromedriver (WebDriver), and a real local site whose
//! article is served whole only to a logged-in session.
//!
//! The endpoint's refusals are checked with a plain HTTP client writing the requests byte for
//! byte (a missing or wrong token, a wrong origin, a DNS-rebinding `Host`, an oversized body…),
//! and from a web page's `fetch` in Chromium.
//!
//! Needs `chromium` and `chromium-driver` (Debian); `make test` installs them.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::support::{clipdesk_bin, run_cli, Reply, TestServer};

#[path = "../support/process.rs"]
#[allow(dead_code)]
mod process;
use process::{free_port, own_group, wait_for_port, Reaped};

const WAIT: Duration = Duration::from_secs(30);

fn extension_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("extension")
}

/// The extension's ID as Chromium derives it from the manifest's `key`: the first 32 hex digits
/// of the key's SHA-256, written with the letters a–p.
fn extension_id() -> String {
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(extension_dir().join("manifest.json")).expect("manifest")).expect("json");
    let key = base64::engine::general_purpose::STANDARD
        .decode(manifest["key"].as_str().expect("the manifest has a key"))
        .expect("base64 key");
    Sha256::digest(&key).iter().take(16).flat_map(|b| [b >> 4, b & 15]).map(|n| (b'a' + n) as char).collect()
}

/// `clipdesk capture serve` on a library: its port, token, and what it printed.
struct Endpoint {
    _process: Reaped,
    port: u16,
    token: String,
    db: PathBuf,
    stdout: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Endpoint {
    fn start(db: &Path) -> Endpoint {
        let mut child = own_group(Command::new(clipdesk_bin()))
            .arg("--db")
            .arg(db)
            .args(["--json", "capture", "serve", "--port", "0"])
            .env_remove("CLIPDESK_DB")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start clipdesk capture serve");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let stderr = child.stderr.take().expect("stderr");
        let process = Reaped(child);
        let mut first = String::new();
        stdout.read_line(&mut first).expect("the first line");
        let info: Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: {first:?}"));
        let lines = |r: Box<dyn BufRead + Send>| {
            let store = Arc::new(Mutex::new(Vec::new()));
            let s = Arc::clone(&store);
            std::thread::spawn(move || {
                for line in r.lines().map_while(Result::ok) {
                    s.lock().expect("lock").push(line);
                }
            });
            store
        };
        Endpoint {
            port: info["port"].as_u64().expect("port") as u16,
            token: info["token"].as_str().expect("token").to_owned(),
            db: db.to_owned(),
            stdout: lines(Box::new(stdout)),
            stderr: lines(Box::new(BufReader::new(stderr))),
            _process: process,
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn clips(&self) -> i64 {
        let conn = rusqlite::Connection::open(&self.db).expect("open");
        conn.query_row("SELECT count(*) FROM clip", [], |r| r.get(0)).expect("count")
    }
}

/// An HTTP answer: status and JSON body (`Null` if none).
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: String,
    body: Value,
}

/// Sends one request, byte for byte as given, and reads the whole answer.
fn raw(port: u16, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(WAIT)).expect("timeout");
    stream.write_all(head.as_bytes()).expect("write head");
    // The server may answer (and stop reading) before a refused body is sent.
    let _ = stream.write_all(body);
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Answer { status, headers: headers.to_owned(), body: serde_json::from_str(body).unwrap_or(Value::Null) }
}

/// A request to the endpoint with the given headers (each `Name: value`) and body.
fn request(e: &Endpoint, method: &str, path: &str, headers: &[String], body: &[u8]) -> Answer {
    let mut head = format!("{method} {path} HTTP/1.1\r\n");
    for h in headers {
        head.push_str(h);
        head.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    raw(e.port, &head, body)
}

const ORIGIN: &str = "chrome-extension://abcdefghijklmnopabcdefghijklmnop";

fn capture_body(url: &str, html: &str, selection: Option<&str>, selection_only: bool) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "url": url, "html": html, "selection": selection, "tags": ["Maritime", "actor:Harbour Authority"],
        "browser": "Chromium 156.0.8078.108", "selection_only": selection_only,
    }))
    .expect("json")
}

/// The article the tests send, as a browser would (also sent by the app's end-to-end test).
const ARTICLE_HTML: &str = include_str!("../fixtures/capture/tugboats.html");

/// Every refusal of the issue, each checked to have written nothing; then what is allowed.
#[test]
fn the_endpoint_refuses_everything_but_the_paired_extension() {
    let dir = tempfile::tempdir().expect("dir");
    let e = Endpoint::start(&dir.path().join("library.sqlite"));
    let host = format!("Host: {}", e.host());
    let token = format!("X-Clipdesk-Token: {}", e.token);
    let origin = format!("Origin: {ORIGIN}");
    let json_type = "Content-Type: application/json".to_owned();
    let body = capture_body("https://courier.example/2024/05/tugboats", ARTICLE_HTML, None, false);

    // Pairing needs the token and an extension's origin.
    let refused_pairings = [
        (vec![host.clone(), origin.clone()], 401, "capture.token"),
        (vec![host.clone(), origin.clone(), "X-Clipdesk-Token: 00".into()], 401, "capture.token"),
        (vec![host.clone(), "Origin: http://127.0.0.1:8080".into(), token.clone()], 403, "capture.origin"),
        (vec![host.clone(), "Origin: null".into(), token.clone()], 403, "capture.origin"),
        (vec![host.clone(), token.clone()], 403, "capture.origin"),
        (vec!["Host: attacker.example".into(), origin.clone(), token.clone()], 403, "capture.host"),
    ];
    for (headers, status, code) in &refused_pairings {
        let a = request(&e, "POST", "/v1/pair", headers, b"{}");
        assert_eq!((a.status, a.body["error"]["code"].as_str()), (*status, Some(*code)), "pair {headers:?}: {a:?}");
    }
    let paired = request(&e, "POST", "/v1/pair", &[host.clone(), origin.clone(), token.clone()], b"{}");
    assert_eq!(paired.status, 200, "{paired:?}");
    assert!(paired.headers.contains(&format!("Access-Control-Allow-Origin: {ORIGIN}")), "{}", paired.headers);

    let rebound_host = format!("Host: attacker.example:{}", e.port);
    let other_extension = "Origin: chrome-extension://ponmlkjihgfedcbaponmlkjihgfedcba".to_owned();
    // (what is wrong, path, headers, body, status, code)
    type Case<'a> = (&'a str, &'a str, Vec<String>, Vec<u8>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (
            "no token",
            "/v1/clip",
            vec![host.clone(), origin.clone(), json_type.clone()],
            body.clone(),
            401,
            "capture.token",
        ),
        (
            "a wrong token",
            "/v1/clip",
            vec![host.clone(), origin.clone(), json_type.clone(), format!("X-Clipdesk-Token: {}", "0".repeat(64))],
            body.clone(),
            401,
            "capture.token",
        ),
        (
            "the token with a web page's origin",
            "/v1/clip",
            vec![host.clone(), "Origin: http://127.0.0.1:9999".into(), token.clone()],
            body.clone(),
            403,
            "capture.origin",
        ),
        (
            "the token from another extension",
            "/v1/clip",
            vec![host.clone(), other_extension, token.clone()],
            body.clone(),
            403,
            "capture.origin",
        ),
        ("no origin", "/v1/clip", vec![host.clone(), token.clone()], body.clone(), 403, "capture.origin"),
        (
            "DNS rebinding: Host attacker.example",
            "/v1/clip",
            vec![rebound_host, origin.clone(), token.clone()],
            body.clone(),
            403,
            "capture.host",
        ),
        (
            "Host without the port",
            "/v1/clip",
            vec!["Host: localhost".into(), origin.clone(), token.clone()],
            body.clone(),
            403,
            "capture.host",
        ),
        (
            "two Origin headers",
            "/v1/clip",
            vec![host.clone(), origin.clone(), "Origin: http://evil.example".into(), token.clone()],
            body.clone(),
            400,
            "capture.bad_request",
        ),
        (
            "not JSON",
            "/v1/clip",
            vec![host.clone(), origin.clone(), token.clone()],
            b"<html>".to_vec(),
            400,
            "capture.bad_request",
        ),
        (
            "JSON of another shape",
            "/v1/clip",
            vec![host.clone(), origin.clone(), token.clone()],
            br#"{"url": "https://courier.example/x", "html": "<p>x</p>", "browser": "B", "sql": "DROP TABLE clip"}"#
                .to_vec(),
            400,
            "capture.bad_request",
        ),
        (
            "reading the library",
            "/v1/clips",
            vec![host.clone(), origin.clone(), token.clone()],
            Vec::new(),
            404,
            "capture.not_found",
        ),
        (
            "a path outside /v1",
            "/",
            vec![host.clone(), origin.clone(), token.clone()],
            Vec::new(),
            404,
            "capture.not_found",
        ),
    ];
    for (what, path, headers, body, status, code) in &cases {
        let a = request(&e, "POST", path, headers, body);
        assert_eq!((a.status, a.body["error"]["code"].as_str()), (*status, Some(*code)), "{what}: {a:?}");
        assert!(!a.headers.contains("Access-Control-Allow-Origin"), "{what}: a refusal is readable: {}", a.headers);
    }
    // Reading a clip back is not a method the endpoint has.
    let a = request(&e, "GET", "/v1/clip", &[host.clone(), origin.clone(), token.clone()], b"");
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (405, Some("capture.method")), "{a:?}");

    // A body larger than a fetched page may be is refused from its Content-Length, unread.
    let limit = clipdesk::fetch::Limits::default().max_decoded;
    let head =
        format!("POST /v1/clip HTTP/1.1\r\n{host}\r\n{origin}\r\n{token}\r\nContent-Length: {}\r\n\r\n", limit + 1);
    let a = raw(e.port, &head, &vec![b'x'; 1 << 20]);
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (413, Some("capture.too_large")), "{a:?}");
    // Chunked bodies (no length to check up front) are refused; so is a head without end.
    let head = format!("POST /v1/clip HTTP/1.1\r\n{host}\r\n{origin}\r\n{token}\r\nTransfer-Encoding: chunked\r\n\r\n");
    let a = raw(e.port, &head, b"5\r\nhello\r\n0\r\n\r\n");
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (400, Some("capture.bad_request")), "{a:?}");
    let a = raw(e.port, &format!("POST /v1/clip HTTP/1.1\r\nX-Padding: {}", "a".repeat(64 * 1024)), b"");
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (413, Some("capture.too_large")), "{a:?}");

    // CORS preflights are answered for the paired origin only.
    let preflight = |origin: &str| {
        request(
            &e,
            "OPTIONS",
            "/v1/clip",
            &[
                host.clone(),
                format!("Origin: {origin}"),
                "Access-Control-Request-Method: POST".into(),
                "Access-Control-Request-Headers: content-type, x-clipdesk-token".into(),
            ],
            b"",
        )
    };
    let ok = preflight(ORIGIN);
    assert_eq!(ok.status, 204, "{ok:?}");
    assert!(ok.headers.contains(&format!("Access-Control-Allow-Origin: {ORIGIN}")), "{}", ok.headers);
    let web = preflight("http://127.0.0.1:9999");
    assert_eq!(web.status, 403, "{web:?}");
    assert!(!web.headers.contains("Access-Control-Allow-"), "{}", web.headers);

    assert_eq!(e.clips(), 0, "a refused request wrote something");

    // The paired extension: created, then duplicate; ping answers.
    let allowed = [host.clone(), origin.clone(), token.clone(), json_type.clone()];
    let a = request(&e, "GET", "/v1/ping", &allowed, b"");
    assert_eq!((a.status, &a.body["paired"]), (200, &json!(true)), "{a:?}");
    let selection = "The harbour master said ships would be guided in by pilots";
    let body = capture_body("https://courier.example/2024/05/tugboats", ARTICLE_HTML, Some(selection), false);
    let a = request(&e, "POST", "/v1/clip", &allowed, &body);
    assert_eq!((a.status, a.body["status"].as_str()), (200, Some("created")), "{a:?}");
    let id = a.body["id"].as_i64().expect("id");
    let a = request(&e, "POST", "/v1/clip", &allowed, &body);
    assert_eq!(
        (a.status, a.body["status"].as_str(), a.body["id"].as_i64()),
        (200, Some("duplicate"), Some(id)),
        "{a:?}"
    );
    assert_eq!(e.clips(), 1);

    let (code, out, err) = run_cli(&e.db, &["--json", "show", &id.to_string()]);
    assert_eq!(code, 0, "{err}");
    let clip: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(clip["title"], "Tugboat crews vote to strike");
    assert_eq!(clip["snapshot"]["source"], "browser:Chromium 156.0.8078.108");
    assert_eq!(clip["snapshot"]["http_status"], Value::Null);
    let tags: Vec<String> = clip["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| format!("{}:{}", t["kind"].as_str().unwrap_or(""), t["name"].as_str().unwrap_or("")))
        .collect();
    assert!(tags.contains(&"topic:Maritime".into()) && tags.contains(&"actor:Harbour Authority".into()), "{tags:?}");
    let (_, out, _) = run_cli(&e.db, &["--json", "highlight", "list", &id.to_string()]);
    assert!(out.contains(selection), "the selection is a highlight: {out}");

    // "Clip selection only": the selection is the article; the page gives the metadata.
    let page = "<!DOCTYPE html><html><head><title>Notices | Riverton Port</title></head><body>
        <form><input name=q><button>Search</button></form>
        <ul><li>Berth 4 closed for dredging until 12 June.</li><li>New tide tables published.</li></ul></body></html>";
    let selection = "Berth 4 closed for dredging until 12 June.";
    let body = capture_body("https://port.example/notices", page, Some(selection), true);
    let a = request(&e, "POST", "/v1/clip", &allowed, &body);
    assert_eq!(a.body["status"], "created", "{a:?}");
    let (_, out, _) = run_cli(&e.db, &["--json", "show", &a.body["id"].to_string()]);
    let clip: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(clip["text"], selection);
    assert_eq!(clip["title"], "Notices", "the site name is cut from the title as for any page");
    // … and without a selection it is refused, not guessed.
    let body = capture_body("https://port.example/other", page, None, true);
    let a = request(&e, "POST", "/v1/clip", &allowed, &body);
    assert_eq!((a.status, a.body["error"]["code"].as_str()), (400, Some("capture.bad_request")), "{a:?}");

    // The refusals were logged; the captures printed one line each.
    let err = e.stderr.lock().expect("lock").join("\n");
    assert!(err.contains("refused POST /v1/clip: capture.token"), "{err}");
    assert!(err.contains("refused POST /v1/clip: capture.host"), "{err}");
    let out = e.stdout.lock().expect("lock").clone();
    assert!(out.iter().any(|l| l.contains("\"status\":\"created\"")), "{out:?}");
}

/// Rotating the token cuts the paired extension off at once, while the endpoint runs.
#[test]
fn a_rotated_token_needs_a_new_pairing() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("library.sqlite");
    let e = Endpoint::start(&db);
    let headers = |token: &str| {
        vec![format!("Host: localhost:{}", e.port), format!("Origin: {ORIGIN}"), format!("X-Clipdesk-Token: {token}")]
    };
    assert_eq!(request(&e, "POST", "/v1/pair", &headers(&e.token), b"{}").status, 200);
    assert_eq!(request(&e, "GET", "/v1/ping", &headers(&e.token), b"").status, 200);
    let (code, out, err) = run_cli(&db, &["--json", "capture", "pair", "--rotate"]);
    assert_eq!(code, 0, "{err}");
    let rotated: Value = serde_json::from_str(&out).expect("json");
    let new_token = rotated["token"].as_str().expect("token");
    assert_ne!(new_token, e.token);
    assert_eq!(rotated["pairing_code"], format!("{}-{new_token}", e.port));
    // The paired origin was forgotten: nothing gets in until the extension pairs again, and it
    // cannot pair with the old token.
    for token in [e.token.as_str(), new_token] {
        let a = request(&e, "GET", "/v1/ping", &headers(token), b"");
        assert_eq!(a.body["error"]["code"], "capture.origin", "{a:?}");
    }
    let a = request(&e, "POST", "/v1/pair", &headers(&e.token), b"{}");
    assert_eq!(a.body["error"]["code"], "capture.token", "{a:?}");
    assert_eq!(request(&e, "POST", "/v1/pair", &headers(new_token), b"{}").status, 200);
    assert_eq!(request(&e, "GET", "/v1/ping", &headers(new_token), b"").status, 200);
    let a = request(&e, "GET", "/v1/ping", &headers(&e.token), b"");
    assert_eq!(a.body["error"]["code"], "capture.token", "{a:?}");
}

// ---- The extension in a real Chromium ----

const SESSION: &str = "session=analyst-7";
const ARTICLE_PATH: &str = "/news/2024/05/02/grain-corridor.html";
/// A sentence of the full article only.
const FULL_ONLY: &str = "The corridor will open on Monday under naval escort";
/// A paragraph the page's script writes after it loads: only the rendered DOM has it.
const SCRIPTED: &str = "Insurers said premiums for the route would fall by half";
const TEASER: &str = "Ministers from five Black Sea states agreed on Thursday";

fn site_page(body: &str, script: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">
<title>Ministers agree grain corridor deal | The Harbour Gazette</title>
<meta property=\"og:site_name\" content=\"The Harbour Gazette\">
<meta name=\"author\" content=\"Mira Ostrova\">
<meta property=\"article:published_time\" content=\"2024-05-02T08:00:00Z\">
</head><body>
<header><nav><a href=\"/\">Home</a> · <a href=\"/world\">World</a> · <a href=\"/login\">Log in</a></nav></header>
<main><article>
<h1>Ministers agree grain corridor deal</h1>
<p class=\"byline\">By Mira Ostrova</p>
<p>{TEASER} on a corridor for grain ships leaving the region's ports, ending months of disputes over inspections.</p>
{body}
</article></main>
<footer><p>© The Harbour Gazette</p></footer>
<script>{script}</script>
</body></html>"
    )
}

fn site_routes() -> HashMap<String, Reply> {
    let paywall = site_page(
        "<div class=\"paywall\"><p>Subscribe to continue reading. Already a subscriber? <a href=\"/login\">Log in</a>.</p></div>",
        "",
    );
    let full = site_page(
        &format!(
            "<p>{FULL_ONLY}, the ministers said, with the first convoy of twelve ships expected to sail from Odesa.</p>
<p>Inspections will be carried out jointly at a single point in the Bosphorus, replacing the three checks ships faced until now.</p>
<p>Traders welcomed the deal, though several said they would wait for the first convoy before signing new contracts.</p>
<div id=\"more\"></div>"
        ),
        &format!(
            "for (const t of ['{SCRIPTED} once the first convoy had passed safely, according to brokers in London.',
                             'The agreement runs for six months and can be renewed by any two of the signatories.']) {{
               const p = document.createElement('p'); p.textContent = t; document.getElementById('more').appendChild(p);
             }}"
        ),
    );
    let mut routes = HashMap::new();
    routes.insert(ARTICLE_PATH.to_owned(), Reply::html(paywall).for_cookie(SESSION, Reply::html(full)));
    routes.insert(
        "/login".to_owned(),
        Reply::html(format!(
            "<!DOCTYPE html><html><body><p>Welcome back.</p><a href=\"{ARTICLE_PATH}\">Continue</a></body></html>"
        ))
        .with_header("Set-Cookie", &format!("{SESSION}; Path=/; HttpOnly; SameSite=Lax")),
    );
    routes.insert(
        "/notices.html".to_owned(),
        Reply::html(
            "<!DOCTYPE html><html><head><title>Notices | Riverton Port</title></head><body>
             <form><input name=q><button>Search</button></form>
             <ul><li id=notice>Berth 4 closed for dredging until 12 June.</li><li>New tide tables published.</li></ul>
             </body></html>",
        ),
    );
    routes.insert("/empty.html".to_owned(), Reply::html("<!DOCTYPE html><html><head><title>Sign in</title></head><body><form><input name=user><input type=password name=pass></form></body></html>"));
    routes
}

/// A hostile page on another local port: it tries the endpoint with `fetch`, even holding the
/// token (the worst case: it leaked).
fn evil_page(endpoint_port: u16, token: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body><p>Cat pictures.</p><script>
(async () => {{
  const endpoint = 'http://127.0.0.1:{endpoint_port}';
  const body = JSON.stringify({{url: 'https://evil.example/planted', html: '<article><p>A planted story about nothing at all, long enough to be an article.</p></article>', browser: 'Evil 1'}});
  const results = {{}};
  const attempt = async (name, f) => {{
    try {{ const r = await f(); results[name] = 'answered ' + r.type + ' ' + r.status; }}
    catch (e) {{ results[name] = 'blocked ' + e.name; }}
  }};
  await attempt('cors_with_token', () => fetch(endpoint + '/v1/clip', {{method: 'POST', headers: {{'Content-Type': 'application/json', 'X-Clipdesk-Token': '{token}'}}, body}}));
  await attempt('simple_post', () => fetch(endpoint + '/v1/clip', {{method: 'POST', mode: 'no-cors', headers: {{'Content-Type': 'text/plain'}}, body}}));
  await attempt('pair_with_token', () => fetch(endpoint + '/v1/pair', {{method: 'POST', headers: {{'X-Clipdesk-Token': '{token}'}}, body: '{{}}'}}));
  await attempt('ping', () => fetch(endpoint + '/v1/ping', {{headers: {{'X-Clipdesk-Token': '{token}'}}}}));
  document.body.dataset.results = JSON.stringify(results);
}})();
</script></body></html>"
    )
}

/// Chromium with the extension, through chromedriver.
struct Browser {
    client: Client,
    _driver: Reaped,
    _profile: tempfile::TempDir,
}

impl Browser {
    async fn start() -> Browser {
        for (bin, package) in [("/usr/bin/chromium", "chromium"), ("/usr/bin/chromedriver", "chromium-driver")] {
            assert!(Path::new(bin).is_file(), "{bin} is missing: apt-get install {package} (make test does)");
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let port = free_port();
        let driver = own_group(Command::new("/usr/bin/chromedriver"))
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Reaped(driver);
        wait_for_port(port, "chromedriver");
        let ext = extension_dir();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--disable-extensions-except={}", ext.display()),
                    format!("--load-extension={}", ext.display()),
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--no-default-browser-check", "--window-size=1200,900",
                ],
                "excludeSwitches": ["disable-extensions"],
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .expect("a WebDriver session with Chromium");
        Browser { client, _driver: driver, _profile: profile }
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute(script, args).await.unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    async fn js_async(&self, script: &str, args: Vec<Value>) -> Value {
        self.client.execute_async(script, args).await.unwrap_or_else(|e| panic!("async script failed: {e}"))
    }

    /// Waits until `script` returns something truthy.
    async fn until(&self, what: &str, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.js(script, vec![]).await;
            if !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") {
                return v;
            }
            if start.elapsed() >= WAIT {
                let shown = self.js("return document.body ? document.body.innerText.slice(0, 400) : ''", vec![]).await;
                panic!("timed out waiting for {what}; the page shows: {shown}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Asks the extension's background to clip the tab showing `url`, as the keyboard shortcut
    /// and the context menu do; returns what it answered (the result the popup shows).
    async fn clip_tab(&self, popup: &fantoccini::wd::WindowHandle, url: &str, selection_only: bool) -> Value {
        let back = self.client.window().await.expect("window");
        self.client.switch_to_window(popup.clone()).await.expect("switch to the popup");
        let answer = self
            .js_async(
                "const [url, selectionOnly, done] = arguments;
                 chrome.tabs.query({url})
                   .then(tabs => tabs.length ? chrome.runtime.sendMessage({type: 'clip', tabId: tabs[0].id, selectionOnly})
                                             : {status: 'no tab', url})
                   .then(done, e => done({status: 'error', message: String(e)}));",
                vec![json!(url), json!(selection_only)],
            )
            .await;
        self.client.switch_to_window(back).await.expect("switch back");
        answer
    }
}

/// Selects the text of the first element matching `css` in the current page.
const SELECT: &str = "const el = document.querySelector(arguments[0]);
    const range = document.createRange(); range.selectNodeContents(el);
    const s = window.getSelection(); s.removeAllRanges(); s.addRange(range); return s.toString();";

#[tokio::test(flavor = "multi_thread")]
async fn the_extension_clips_what_the_logged_in_analyst_sees() {
    let site = TestServer::start(site_routes());
    let dir = tempfile::tempdir().expect("dir");
    let e = Endpoint::start(&dir.path().join("library.sqlite"));
    site.set("/evil.html", Reply::html(evil_page(e.port, &e.token)));
    let article_url = site.url(ARTICLE_PATH);

    let browser = Browser::start().await;
    let id = extension_id();

    // Pair: paste the code `capture serve` printed into the popup.
    browser.goto(&format!("chrome-extension://{id}/popup.html")).await;
    let popup = browser.client.window().await.expect("popup window");
    let code_field = browser.client.wait().at_most(WAIT).for_element(Locator::Css("[data-testid=pair-code]")).await;
    let code_field =
        code_field.unwrap_or_else(|e| panic!("the extension's popup did not load (is the extension loaded?): {e}"));
    code_field.send_keys(&format!("{}-{}", e.port, e.token)).await.expect("type the code");
    browser.client.find(Locator::Css("[data-testid=pair]")).await.expect("pair button").click().await.expect("click");
    browser
        .until(
            "the popup to say it is paired",
            "return document.querySelector('[data-testid=pair-state]').dataset.paired === 'yes'",
        )
        .await;
    let pairing: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("library.capture.json")).expect("pairing file"))
            .expect("json");
    assert_eq!(pairing["origins"], json!([format!("chrome-extension://{id}")]), "the extension's origin is paired");

    // Log in on the site in a tab of its own, and open the article as the analyst reads it.
    browser.client.new_window(true).await.expect("new tab");
    let handles = browser.client.windows().await.expect("windows");
    let page_tab = handles.into_iter().find(|h| *h != popup).expect("the page's tab");
    browser.client.switch_to_window(page_tab).await.expect("switch");
    browser.goto(&site.url("/login")).await;
    browser.goto(&article_url).await;
    browser
        .until("the article's scripted paragraph", &format!("return document.body.innerText.includes({SCRIPTED:?})"))
        .await;
    let selected = browser.js(SELECT, vec![json!("article p:nth-of-type(3)")]).await;
    let selected = selected.as_str().expect("selection").to_owned();
    assert!(selected.contains(FULL_ONLY), "{selected}");

    let answer = browser.clip_tab(&popup, &format!("{}/*", site.base), false).await;
    assert_eq!(answer["status"], "created", "{answer}");
    let clip_id = answer["id"].as_i64().expect("id");

    // The library has the full article, as rendered, from the browser.
    let (code, out, err) = run_cli(&e.db, &["--json", "show", &clip_id.to_string()]);
    assert_eq!(code, 0, "{err}");
    let clip: Value = serde_json::from_str(&out).expect("json");
    let text = clip["text"].as_str().expect("text");
    for sentence in [TEASER, FULL_ONLY, SCRIPTED] {
        assert!(text.contains(sentence), "the clip lacks {sentence:?}: {text}");
    }
    assert!(!text.contains("Subscribe to continue"), "{text}");
    assert_eq!(clip["title"], "Ministers agree grain corridor deal");
    assert_eq!(clip["url"], article_url);
    let source = clip["snapshot"]["source"].as_str().expect("source");
    assert!(source.starts_with("browser:Chromium 156"), "{source}");
    let (_, out, _) = run_cli(&e.db, &["--json", "highlight", "list", &clip_id.to_string()]);
    assert!(out.contains(FULL_ONLY), "the selection is kept as a highlight: {out}");

    // The popup shows the result; a second clip of the page is a duplicate.
    let answer = browser.clip_tab(&popup, &format!("{}/*", site.base), false).await;
    assert_eq!((answer["status"].as_str(), answer["id"].as_i64()), (Some("duplicate"), Some(clip_id)), "{answer}");
    browser.client.switch_to_window(popup.clone()).await.expect("switch");
    browser.goto(&format!("chrome-extension://{id}/popup.html")).await;
    let shown = browser
        .until("the last result", "return document.querySelector('[data-testid=result-status]').textContent")
        .await;
    assert_eq!(shown, json!(format!("Already in the library (#{clip_id})")));

    // The fetcher, without the analyst's session, gets the paywall page.
    let fetched_db = dir.path().join("fetched.sqlite");
    let (code, out, err) = run_cli(&fetched_db, &["--json", "clip", &article_url]);
    assert_eq!(code, 0, "{out} {err}");
    let fetched_id = serde_json::from_str::<Value>(&out).expect("json")["id"].to_string();
    let (_, out, _) = run_cli(&fetched_db, &["--json", "show", &fetched_id]);
    let fetched: Value = serde_json::from_str(&out).expect("json");
    let fetched_text = fetched["text"].as_str().expect("text");
    assert!(fetched_text.contains(TEASER), "{fetched_text}");
    for sentence in [FULL_ONLY, SCRIPTED] {
        assert!(!fetched_text.contains(sentence), "the fetcher got past the paywall: {fetched_text}");
    }
    assert_eq!(fetched["snapshot"]["source"], Value::Null, "a fetch is not from a browser");

    // "Clip selection only" on a page without an article; a page with nothing fails with why.
    browser
        .client
        .switch_to_window(
            browser.client.windows().await.expect("windows").into_iter().find(|h| *h != popup).expect("tab"),
        )
        .await
        .expect("switch");
    browser.goto(&site.url("/notices.html")).await;
    browser.js(SELECT, vec![json!("#notice")]).await;
    let answer = browser.clip_tab(&popup, &site.url("/notices.html"), true).await;
    assert_eq!(answer["status"], "created", "{answer}");
    let (_, out, _) = run_cli(&e.db, &["--json", "show", &answer["id"].to_string()]);
    assert_eq!(
        serde_json::from_str::<Value>(&out).expect("json")["text"],
        "Berth 4 closed for dredging until 12 June."
    );
    browser.goto(&site.url("/empty.html")).await;
    let answer = browser.clip_tab(&popup, &site.url("/empty.html"), false).await;
    assert_eq!(
        (answer["status"].as_str(), answer["error"]["code"].as_str()),
        (Some("failed"), Some("extract.no_article")),
        "{answer}"
    );
    let clips_before = e.clips();
    assert_eq!(clips_before, 2);

    // A web page on another local port cannot add clips, even holding the token.
    browser.goto(&site.url("/evil.html")).await;
    let results = browser.until("the page's attempts", "return document.body.dataset.results").await;
    let results: Value = serde_json::from_str(results.as_str().expect("results")).expect("json");
    assert_eq!(results["cors_with_token"], "blocked TypeError", "{results}");
    assert_eq!(results["pair_with_token"], "blocked TypeError", "{results}");
    assert_eq!(results["ping"], "blocked TypeError", "{results}");
    // A "simple" request gets through CORS as an opaque one, and the endpoint refuses it.
    assert_eq!(results["simple_post"], "answered opaque 0", "{results}");
    assert_eq!(e.clips(), clips_before, "a web page added a clip");
    let err = e.stderr.lock().expect("lock").join("\n");
    assert!(err.contains("refused POST /v1/clip: capture.origin"), "{err}");
    assert!(err.contains("refused OPTIONS /v1/clip: capture.origin"), "{err}");
    let _ = browser.client.close().await;
}

//! Fetch + extract + store through a real HTTP server on 127.0.0.1.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use clipdesk::clip::clip_url;
use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::library::Stored;
use serde_json::Value;

use crate::support::{fixture, page_routes, temp_library, Reply, TestServer};

fn fetcher() -> Fetcher {
    Fetcher::new(Limits { total_timeout: Duration::from_secs(10), ..Limits::default() }).expect("fetcher")
}

fn created(result: clipdesk::Result<Stored>) -> i64 {
    match result {
        Ok(Stored::Created(id)) => id,
        other => panic!("expected a new clip, got {other:?}"),
    }
}

/// Every fixture page clipped through the server comes out as `expected.json` says: title
/// without site suffix, site, date, language, authors, the body sentences present, the furniture
/// absent, captions at most once.
#[test]
fn fixture_pages_clip_cleanly() {
    let server = TestServer::start(page_routes());
    let expected: Value = serde_json::from_slice(&fixture("pages/expected.json")).expect("expected.json");
    let (_dir, mut lib) = temp_library();
    let fetcher = fetcher();
    let mut failures = Vec::new();
    for (page, want) in expected.as_object().expect("object") {
        let url = server.url(&format!("/pages/{page}"));
        let result = clip_url(&mut lib, &fetcher, &url);
        if !want["is_article"].as_bool().unwrap_or(true) {
            match result {
                Err(e) if e.code() == "extract.no_article" => continue,
                other => {
                    failures.push(format!("{page}: expected extract.no_article, got {other:?}"));
                    continue;
                }
            }
        }
        let id = match result {
            Ok(Stored::Created(id)) => id,
            other => {
                failures.push(format!("{page}: {other:?}"));
                continue;
            }
        };
        let clip = lib.get(id).expect("get");
        let mut check = |what: &str, got: String, want: String| {
            if got != want {
                failures.push(format!("{page}: {what}: got {got:?}, want {want:?}"));
            }
        };
        check("title", clip.title.clone(), want["title"].as_str().unwrap_or_default().to_owned());
        check(
            "site",
            clip.site_name.clone().unwrap_or_default(),
            want["site_name"].as_str().unwrap_or_default().to_owned(),
        );
        check(
            "date",
            clip.published_at.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
            want["published_date"].as_str().unwrap_or_default().to_owned(),
        );
        check("lang", clip.lang.clone().unwrap_or_default(), want["lang"].as_str().unwrap_or_default().to_owned());
        let want_authors: Vec<String> = serde_json::from_value(want["authors"].clone()).unwrap_or_default();
        check("authors", clip.authors.join("; "), want_authors.join("; "));
        for s in want["must_contain"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if !clip.text.contains(s) {
                failures.push(format!("{page}: text lacks {s:?}"));
            }
        }
        for s in want["must_not_contain"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if clip.text.contains(s)
                || clip.html.contains(s)
                || clip.title.contains(s) && !want["title"].as_str().unwrap_or("").contains(s)
            {
                failures.push(format!("{page}: furniture {s:?} kept"));
            }
        }
        for s in want["caption_once"].as_array().into_iter().flatten().filter_map(Value::as_str) {
            if clip.text.matches(s).count() > 1 || clip.html.matches(s).count() > 1 {
                failures.push(format!("{page}: caption {s:?} appears twice"));
            }
        }
        for bad in ["<script", "onerror", "onclick", "javascript:", "<iframe", "<form", "<style", "onload"] {
            if clip.html.to_ascii_lowercase().contains(bad) {
                failures.push(format!("{page}: sanitized HTML keeps {bad}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn snapshot_keeps_the_page_as_fetched() {
    let server = TestServer::start(page_routes());
    let (_dir, mut lib) = temp_library();
    let id = created(clip_url(&mut lib, &fetcher(), &server.url("/pages/russian-cp1251.html")));
    let clip = lib.get(id).expect("get");
    let snap = clip.snapshot.expect("snapshot");
    let bytes = lib.snapshot_body(snap.id).expect("body");
    assert_eq!(bytes, fixture("pages/russian-cp1251.html"));
    assert_eq!(snap.bytes as usize, bytes.len());
    assert_eq!(snap.http_status, Some(200));
    assert_eq!(snap.charset.as_deref(), Some("windows-1251"));
    assert_eq!(snap.sha256.len(), 64);
    assert!(snap.extractor_version.starts_with("clipdesk-extract/"));
}

#[test]
fn redirect_chain_is_followed_and_recorded() {
    let mut routes = page_routes();
    routes.insert("/old".into(), Reply::redirect(301, "/moved"));
    routes.insert("/moved".into(), Reply::redirect(302, "/pages/seed-article.html"));
    let server = TestServer::start(routes);
    let (_dir, mut lib) = temp_library();
    let id = created(clip_url(&mut lib, &fetcher(), &server.url("/old")));
    let snap = lib.get(id).expect("get").snapshot.expect("snapshot");
    assert_eq!(snap.final_url, server.url("/pages/seed-article.html"));
    let hops: Vec<(String, u16)> = snap.redirects.iter().map(|h| (h.url.clone(), h.status)).collect();
    assert_eq!(hops, vec![(server.url("/old"), 301), (server.url("/moved"), 302)]);
    // Any URL of the chain now leads to the clip.
    for url in ["/old", "/pages/seed-article.html"] {
        assert_eq!(clip_url(&mut lib, &fetcher(), &server.url(url)).expect("clip"), Stored::Duplicate(id), "{url}");
    }
}

#[test]
fn tracking_parameters_and_fragments_are_duplicates() {
    let server = TestServer::start(page_routes());
    let (_dir, mut lib) = temp_library();
    let fetcher = fetcher();
    let url = server.url("/pages/seed-article.html");
    let id = created(clip_url(&mut lib, &fetcher, &format!("{url}?utm_source=newsletter&utm_medium=email&fbclid=XyZ")));
    for variant in
        [url.clone(), format!("{url}?gclid=abc"), format!("{url}#comments"), url.replace("127.0.0.1", "127.0.0.1.")]
    {
        assert_eq!(clip_url(&mut lib, &fetcher, &variant).expect("clip"), Stored::Duplicate(id), "{variant}");
    }
    assert_eq!(lib.count().expect("count"), 1);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).expect("gzip");
    e.finish().expect("gzip")
}

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut w = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
        w.write_all(data).expect("brotli");
    }
    out
}

#[test]
fn compressed_pages_are_decoded() {
    let page = fixture("pages/seed-article.html");
    let mut routes = HashMap::new();
    routes.insert("/gz".into(), Reply::html(gzip(&page)).with_header("Content-Encoding", "gzip"));
    routes.insert("/br".into(), Reply::html(brotli(&page)).with_header("Content-Encoding", "br"));
    let server = TestServer::start(routes);
    for path in ["/gz", "/br"] {
        let (_dir, mut lib) = temp_library();
        let id = created(clip_url(&mut lib, &fetcher(), &server.url(path)));
        let clip = lib.get(id).expect("get");
        assert!(clip.text.contains("Putin also informed Obama"), "{path}");
        assert_eq!(lib.snapshot_body(clip.snapshot.expect("snapshot").id).expect("body"), page, "{path}");
    }
}

/// Each hostile or broken response gives its coded error and leaves the library empty.
#[test]
fn bad_responses_give_coded_errors_and_no_row() {
    let article = fixture("pages/seed-article.html");
    let zeros = vec![b' '; 64 * 1024 * 1024];
    let mut routes = HashMap::new();
    routes.insert("/missing".into(), Reply::status(404));
    routes.insert("/error".into(), Reply::status(503));
    routes.insert("/slow".into(), Reply::html(article.clone()).delayed(Duration::from_secs(5)));
    let mut trickle = Reply::html(article.clone());
    trickle.trickle = Some(Duration::from_millis(200));
    routes.insert("/trickle".into(), trickle);
    routes.insert("/huge".into(), Reply::html(vec![b'a'; 3 * 1024 * 1024]));
    routes.insert("/gzip-bomb".into(), Reply::html(gzip(&zeros)).with_header("Content-Encoding", "gzip"));
    routes.insert("/br-bomb".into(), Reply::html(brotli(&zeros)).with_header("Content-Encoding", "br"));
    routes.insert("/pdf".into(), Reply::html(b"%PDF-1.4 ...".to_vec()).with_type("application/pdf"));
    routes.insert("/image".into(), Reply::html(vec![0x89, b'P', b'N', b'G', 0, 0]).with_type("image/png"));
    routes.insert("/binary".into(), Reply::html(vec![0u8, 1, 2, 3, 4]).with_type("application/octet-stream"));
    routes.insert("/loop".into(), Reply::redirect(302, "/loop"));
    routes.insert("/to-ftp".into(), Reply::redirect(302, "ftp://127.0.0.1/file"));
    routes.insert("/no-location".into(), Reply::status(302));
    routes.insert(
        "/corrupt-gzip".into(),
        Reply::html(b"not gzip at all".to_vec()).with_header("Content-Encoding", "gzip"),
    );
    let server = TestServer::start(routes);
    let limits = Limits {
        total_timeout: Duration::from_secs(2),
        max_body: 1024 * 1024,
        max_decoded: 2 * 1024 * 1024,
        ..Limits::default()
    };
    let fetcher = Fetcher::new(limits).expect("fetcher");
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let cases = [
        (server.url("/missing"), "fetch.http_status"),
        (server.url("/error"), "fetch.http_status"),
        (server.url("/slow"), "fetch.timeout"),
        (server.url("/trickle"), "fetch.timeout"),
        (server.url("/huge"), "fetch.too_large"),
        (server.url("/gzip-bomb"), "fetch.too_large"),
        (server.url("/br-bomb"), "fetch.too_large"),
        (server.url("/pdf"), "fetch.not_html"),
        (server.url("/image"), "fetch.not_html"),
        (server.url("/binary"), "fetch.not_html"),
        (server.url("/loop"), "fetch.too_many_redirects"),
        (server.url("/to-ftp"), "fetch.scheme"),
        (server.url("/no-location"), "fetch.bad_redirect"),
        (server.url("/corrupt-gzip"), "fetch.decode"),
        (format!("http://127.0.0.1:{closed_port}/"), "fetch.connect"),
        ("file:///etc/passwd".to_owned(), "fetch.scheme"),
        ("not a url".to_owned(), "fetch.bad_url"),
    ];
    let (_dir, mut lib) = temp_library();
    let mut failures = Vec::new();
    for (url, code) in cases {
        let started = std::time::Instant::now();
        match clip_url(&mut lib, &fetcher, &url) {
            Err(e) if e.code() == code => {}
            other => failures.push(format!("{url}: expected {code}, got {other:?}")),
        }
        // Bounded: nothing may hang past the total timeout by much.
        assert!(started.elapsed() < Duration::from_secs(10), "{url} took {:?}", started.elapsed());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(lib.count().expect("count"), 0);
}

#[test]
fn plain_text_pages_are_clipped_as_text() {
    let mut routes = HashMap::new();
    let body = "Kremlin statement on Syria\n\nThe Kremlin said on Wednesday that the two presidents discussed the situation in Syria and agreed to coordinate more closely.\n\nA second paragraph follows here with more words.";
    routes
        .insert("/statement.txt".into(), Reply::html(body.as_bytes().to_vec()).with_type("text/plain; charset=utf-8"));
    let server = TestServer::start(routes);
    let (_dir, mut lib) = temp_library();
    let id = created(clip_url(&mut lib, &fetcher(), &server.url("/statement.txt")));
    let clip = lib.get(id).expect("get");
    assert_eq!(clip.title, "Kremlin statement on Syria");
    assert!(clip.text.ends_with("A second paragraph follows here with more words."));
    assert_eq!(clip.text.split("\n\n").count(), 3);
}

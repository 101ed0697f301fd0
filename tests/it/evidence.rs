//! Evidence that holds, against a real HTTP server on 127.0.0.1: an article's images kept with its
//! clip (and the hostile ones refused: a decompression bomb, a 50 MB image, an SVG with a script,
//! a page served as a JPEG, 500 images on one page); an article that changes between fetches
//! (headline rewritten, a paragraph removed, a correction appended, then 410) kept as versions with
//! diffs and edit alerts, its first version intact byte for byte; evidence bundles that verify,
//! and fail to after any byte of them changes.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use chrono::Utc;
use clipdesk::clip::clip_url;
use clipdesk::evidence;
use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::library::Stored;
use clipdesk::monitor::{pages, watch};
use clipdesk::versions::{self, Paragraph};
use clipdesk::Library;
use serde_json::Value;

use crate::support::{check_library_consistent, run_cli, temp_library, Reply, TestServer};

fn fetcher() -> Fetcher {
    Fetcher::new(Limits { total_timeout: Duration::from_secs(10), ..Limits::default() }).expect("fetcher")
}

/// An image of `w`×`h` pixels in `format`, with a gradient so it is not all one colour.
fn image_bytes(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8]));
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img).write_to(&mut out, format).expect("encode");
    out.into_inner()
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A decompression bomb: a valid PNG declaring `w`×`h` grey pixels, whose data is a megabyte of
/// zeros compressed to about a kilobyte.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 1 << 20]).expect("compress");
    png_chunk(&mut out, b"IDAT", &z.finish().expect("compress"));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn image_reply(bytes: Vec<u8>, content_type: &str) -> Reply {
    Reply::html(bytes).with_type(content_type)
}

/// An article page: headline, a figure with a credited caption, paragraphs, and a lead image in
/// its metadata.
fn article(title: &str, paragraphs: &[&str]) -> String {
    let mut s = format!(
        "<html><head><title>{title}</title><meta property=\"og:image\" content=\"/img/lead.jpg\"></head>\
         <body><article><h1>{title}</h1>\
         <figure><img src=\"/img/quay.png\" alt=\"\"><figcaption>The quay at dawn. Photo: Harbour Gazette</figcaption></figure>"
    );
    for p in paragraphs {
        s.push_str(&format!("<p>{p}</p>"));
    }
    s.push_str("</article></body></html>");
    s
}

const P1: &str = "The harbour council met on Monday to discuss the dredging contract and next year's budget.";
const P2: &str = "Members agreed to publish the contract in full before the vote, the council's chair said.";
const P3: &str = "Three workers were hurt when a crane fell on the quay last week, according to the police.";
const P4: &str = "Residents will be heard at the next meeting, which is set for the fourteenth of July.";
const CORRECTION: &str = "Correction: An earlier version of this article misstated the day of the meeting.";

fn images_server() -> TestServer {
    let mut routes = HashMap::new();
    routes.insert("/img/quay.png".to_owned(), image_reply(image_bytes(64, 48, image::ImageFormat::Png), "image/png"));
    routes
        .insert("/img/lead.jpg".to_owned(), image_reply(image_bytes(120, 80, image::ImageFormat::Jpeg), "image/jpeg"));
    TestServer::start(routes)
}

fn check_all(lib: &mut Library) -> Vec<pages::PageReport> {
    pages::check(
        lib,
        &fetcher(),
        &pages::CheckOptions { all: true, ..Default::default() },
        &AtomicBool::new(false),
        |_| {},
    )
    .expect("check")
}

fn edit_alerts(lib: &Library) -> Vec<String> {
    let mut list: Vec<watch::Alert> =
        watch::alerts(lib.conn(), false, 100).expect("alerts").into_iter().filter(|a| a.kind == "edit").collect();
    list.sort_by_key(|a| a.id);
    list.into_iter().map(|a| a.detail.unwrap_or_default()).collect()
}

#[test]
fn an_article_that_changes_is_kept_as_versions_with_diffs_and_alerts() {
    let server = images_server();
    let v1 = article("Council meets on dredging", &[P1, P2, P3, P4]);
    server.set("/story", Reply::html(v1.clone()).with_etag("\"v1\""));
    let (dir, mut lib) = temp_library();
    let Stored::Created(id) = clip_url(&mut lib, &fetcher(), &server.url("/story")).expect("clip") else {
        panic!("a new clip")
    };

    // Version 1, with its two images kept (the figure's, and the lead image of the metadata),
    // shown from the library: the stored HTML points nowhere on the web.
    let clip = lib.get(id).expect("clip");
    assert_eq!(clip.versions, 1);
    let kept: Vec<(&str, Option<&str>, Option<&str>, bool)> =
        clip.images.iter().map(|i| (i.mime.as_str(), i.caption.as_deref(), i.credit.as_deref(), i.is_lead)).collect();
    assert_eq!(
        kept,
        [
            ("image/png", Some("The quay at dawn."), Some("Photo: Harbour Gazette"), false),
            ("image/jpeg", None, None, true)
        ]
    );
    assert_eq!((clip.images[0].width, clip.images[0].height), (64, 48));
    assert!(clip.image_errors.is_empty(), "{:?}", clip.image_errors);
    assert!(clip.html.contains(&format!("clipdesk-img://localhost/{}", clip.images[0].sha256)), "{}", clip.html);
    assert!(!clip.html.contains("127.0.0.1") && !clip.html.contains("/img/"), "{}", clip.html);

    // Watched: the first check sends the page's ETag back and gets a 304.
    {
        let tx = lib.write().expect("tx");
        pages::add(&tx, &[id], 3600, Utc::now()).expect("watch");
        tx.commit().expect("commit");
    }
    let r = check_all(&mut lib);
    assert_eq!((r[0].status, r[0].version), ("not_modified", 1));
    assert_eq!(server.seen_at("/story").last().and_then(|s| s.header("if-none-match")), Some("\"v1\""));

    // The headline is rewritten; then a paragraph is removed; then a correction is appended; then
    // the page is served again as it is (a 200 without validators); then it is gone.
    let steps: Vec<(Reply, &str, i64, Option<&str>)> = vec![
        (
            Reply::html(article("Council approves dredging amid protests", &[P1, P2, P3, P4])).with_etag("\"v2\""),
            "changed",
            2,
            Some("version 2: headline changed"),
        ),
        (
            Reply::html(article("Council approves dredging amid protests", &[P1, P2, P4])).with_etag("\"v3\""),
            "changed",
            3,
            Some("version 3: 1 paragraph removed (+0 −17 words)"),
        ),
        (
            Reply::html(article("Council approves dredging amid protests", &[P1, P2, P4, CORRECTION])),
            "changed",
            4,
            Some("version 4: correction appended (+13 −0 words)"),
        ),
        (
            Reply::html(article("Council approves dredging amid protests", &[P1, P2, P4, CORRECTION])),
            "unchanged",
            4,
            None,
        ),
        (Reply::status(410), "gone", 4, Some("the page is gone (410)")),
        (Reply::status(410), "gone", 4, None),
    ];
    let mut alerts_so_far = 0;
    for (reply, status, version, alert) in steps {
        server.set("/story", reply);
        let r = check_all(&mut lib);
        assert_eq!((r[0].status, r[0].version), (status, version), "{:?}", r[0]);
        let alerts = edit_alerts(&lib);
        match alert {
            Some(a) => {
                alerts_so_far += 1;
                assert_eq!(alerts.len(), alerts_so_far, "{alerts:?}");
                assert_eq!(alerts.last().map(String::as_str), Some(a));
            }
            None => assert_eq!(alerts.len(), alerts_so_far, "no new alert: {alerts:?}"),
        }
    }
    let watched = pages::list(lib.conn()).expect("list");
    assert_eq!((watched[0].state.as_str(), watched[0].versions), ("gone", 4));

    // Four versions; the first is byte for byte what was served first.
    let list = versions::list(lib.conn(), id).expect("versions");
    assert_eq!(list.iter().map(|v| v.version).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let first = list[0].snapshot.as_ref().expect("snapshot of v1");
    assert_eq!(lib.snapshot_body(first.id).expect("body"), v1.as_bytes());
    assert_eq!(first.sha256, clipdesk::images::sha256_hex(v1.as_bytes()));
    assert!(first.headers.as_ref().is_some_and(|h| h.iter().any(|(k, v)| k == "etag" && v == "\"v1\"")));
    let v1_text = versions::get(lib.conn(), id, 1).expect("v1");
    assert_eq!(v1_text.title, "Council meets on dredging");
    assert!(v1_text.text.contains(P3));
    // The clip shows the latest version; search finds it by its new words.
    let clip = lib.get(id).expect("clip");
    assert_eq!(clip.title, "Council approves dredging amid protests");
    assert!(clip.text.contains("Correction:") && !clip.text.contains("crane fell"));
    assert_eq!(lib.search("protests", Default::default()).expect("search").total, 1);

    // Diffs between any two versions.
    let d = versions::diff(lib.conn(), id, 1, 2).expect("diff");
    assert!(
        d.title.changed && d.change.title_changed && d.paragraphs.iter().all(|p| matches!(p, Paragraph::Same { .. }))
    );
    let d = versions::diff(lib.conn(), id, 2, 3).expect("diff");
    assert_eq!(d.paragraphs.iter().filter(|p| matches!(p, Paragraph::Removed { text } if text == P3)).count(), 1);
    let d = versions::diff(lib.conn(), id, 1, 4).expect("diff");
    assert!(d.change.title_changed && d.change.correction.as_deref() == Some(CORRECTION));
    assert_eq!((d.change.paragraphs_removed, d.change.paragraphs_added), (1, 1));

    // The images were fetched once: later versions reuse what the library has.
    assert_eq!(server.seen_at("/img/quay.png").len(), 1);
    assert_eq!(server.seen_at("/img/lead.jpg").len(), 1);
    let images: i64 = lib.conn().query_row("SELECT count(*) FROM image", [], |r| r.get(0)).expect("count");
    assert_eq!(images, 2);

    // The CLI says the same.
    let db = lib.path().to_owned();
    drop(lib);
    let (code, out, err) = run_cli(&db, &["--json", "versions", &id.to_string()]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["versions"].as_array().map(Vec::len), Some(4));
    assert_eq!(v["versions"][1]["change"]["title_changed"], true);
    let (code, out, err) = run_cli(&db, &["--json", "diff", &id.to_string(), "--from", "2", "--to", "3"]);
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(d["change"]["paragraphs_removed"], 1);
    assert!(d["paragraphs"].as_array().expect("paragraphs").iter().any(|p| p["op"] == "removed"));
    let (code, out, _) = run_cli(&db, &["--json", "show", &id.to_string()]);
    assert_eq!(code, 0);
    let show: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(show["versions"], 4);
    let first_image = &show["images"][0];
    for key in ["sha256", "width", "height", "caption", "bytes"] {
        assert!(!first_image[key].is_null(), "images[0].{key} in {first_image}");
    }
    let (code, out, _) = run_cli(&db, &["--json", "alerts"]);
    assert_eq!(code, 0);
    let alerts: Value = serde_json::from_str(&out).expect("json");
    assert!(alerts.as_array().expect("alerts").iter().all(|a| a["kind"] == "edit" && a["clip_id"] == id));
    check_library_consistent(&db);
    drop(dir);
}

#[test]
fn recapture_reports_what_changed() {
    let server = images_server();
    server.set("/a", Reply::html(article("Ferry timetable changes", &[P1, P2, P3])));
    server.set("/b", Reply::html(article("Market day moved", &[P1, P4])));
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.sqlite");
    let (code, out, err) = run_cli(&db, &["--json", "clip", &server.url("/a"), &server.url("/b")]);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    assert!(lines.iter().all(|l| l["images"] == 2), "{out}");
    // Lines come in the order the pages were done: the ids by URL.
    let id_of = |path: &str| {
        let url = server.url(path);
        lines.iter().find(|l| l["url"].as_str() == Some(url.as_str())).expect("a line per URL")["id"].to_string()
    };
    let ids = [id_of("/a"), id_of("/b")];

    server.set("/a", Reply::html(article("Ferry timetable changes again", &[P1, P2, P3, P4])));
    server.set("/b", Reply::status(404));
    let (code, out, err) = run_cli(&db, &["--json", "recapture", &ids[0], &ids[1]]);
    assert_eq!(code, 1, "a page that failed: exit 1; {out} {err}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).expect("json")).collect();
    let a = &lines[0];
    assert_eq!(a["id"].to_string(), ids[0]);
    assert_eq!(
        (a["version"].as_i64(), a["changed"].as_bool(), a["title_changed"].as_bool()),
        (Some(2), Some(true), Some(true))
    );
    assert_eq!((a["words_added"].as_i64(), a["words_removed"].as_i64()), (Some(16), Some(0)));
    assert_eq!(
        (lines[1]["status"].as_str(), lines[1]["error"]["code"].as_str()),
        (Some("failed"), Some("fetch.http_status"))
    );
    // Unchanged: no new version.
    let (code, out, _) = run_cli(&db, &["--json", "recapture", &ids[0]]);
    assert_eq!(code, 0);
    let r: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(
        (r["version"].as_i64(), r["changed"].as_bool(), r["status"].as_str()),
        (Some(2), Some(false), Some("unchanged"))
    );
    // An unknown clip is bad input.
    let (code, _, err) = run_cli(&db, &["recapture", "999"]);
    assert_eq!(code, 2);
    assert!(err.contains("error[not_found]"), "{err}");
}

/// Each hostile image is refused with its code; the clip is stored with the good ones; nothing
/// unbounded is read or decoded.
#[test]
fn hostile_images_are_bounded_or_refused_and_the_clip_is_stored() {
    let mut routes = HashMap::new();
    let good = image_bytes(32, 32, image::ImageFormat::Png);
    for (path, reply) in [
        ("/img/good.png", image_reply(good.clone(), "image/png")),
        ("/img/good.gif", image_reply(image_bytes(20, 10, image::ImageFormat::Gif), "image/gif")),
        ("/img/good.webp", image_reply(image_bytes(30, 20, image::ImageFormat::WebP), "image/webp")),
        ("/img/bomb.png", image_reply(png_bomb(100_000, 100_000), "image/png")),
        ("/img/bomb-under-sides.png", image_reply(png_bomb(9_000, 9_000), "image/png")),
        ("/img/huge.jpg", image_reply(vec![0xFF; 50 << 20], "image/jpeg")),
        (
            "/img/script.svg",
            image_reply(
                b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><script>alert(2)</script></svg>"
                    .to_vec(),
                "image/svg+xml",
            ),
        ),
        ("/img/page.jpg", image_reply(b"<html><body>Not found</body></html>".to_vec(), "image/jpeg")),
        ("/img/missing.png", Reply::status(404)),
        ("/img/truncated.png", image_reply(good[..good.len() / 2].to_vec(), "image/png")),
    ] {
        routes.insert(path.to_owned(), reply);
    }
    let imgs: String = [
        "good.png",
        "good.gif",
        "good.webp",
        "bomb.png",
        "bomb-under-sides.png",
        "huge.jpg",
        "script.svg",
        "page.jpg",
        "missing.png",
        "truncated.png",
    ]
    .iter()
    .map(|n| format!("<figure><img src=\"/img/{n}\"><figcaption>Image {n}</figcaption></figure>"))
    .collect();
    routes.insert(
        "/story".to_owned(),
        Reply::html(format!(
            "<html><head><title>Images of every kind</title></head><body><article><h1>Images of every kind</h1>\
             <p>{P1}</p>{imgs}<p>{P2}</p><p>{P3}</p></article></body></html>"
        )),
    );
    let server = TestServer::start(routes);
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("lib.sqlite");
    let (code, out, err) = run_cli(&db, &["--json", "clip", &server.url("/story")]);
    assert_eq!(code, 0, "the clip is stored: {err}");
    let line: Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(line["status"], "created");
    assert_eq!(line["images"], 3, "{line}");
    let codes: HashMap<String, String> = line["image_errors"]
        .as_array()
        .expect("image errors")
        .iter()
        .map(|e| {
            let url = e["url"].as_str().unwrap_or_default();
            (url.rsplit('/').next().unwrap_or_default().to_owned(), e["code"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    let want: HashMap<String, String> = [
        ("bomb.png", "image.dimensions"),
        ("bomb-under-sides.png", "image.dimensions"),
        ("huge.jpg", "image.too_large"),
        ("script.svg", "image.type"),
        ("page.jpg", "image.type"),
        ("missing.png", "image.fetch"),
        ("truncated.png", "image.decode"),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_owned(), b.to_owned()))
    .collect();
    assert_eq!(codes, want);

    let lib = Library::open(&db).expect("open");
    let clip = lib.get(1).expect("clip");
    assert_eq!(
        clip.images.iter().map(|i| i.mime.as_str()).collect::<Vec<_>>(),
        ["image/png", "image/gif", "image/webp"]
    );
    // Refused images keep their caption and original URL; none is stored, none is in the HTML.
    assert_eq!(clip.image_errors.len(), 7);
    assert!(clip.image_errors.iter().all(|e| e.caption.as_deref().is_some_and(|c| c.starts_with("Image "))));
    let stored: Vec<String> = lib
        .conn()
        .prepare("SELECT mime FROM image")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(stored.len(), 3);
    assert!(!clip.html.contains(".svg\"") && !clip.html.contains("127.0.0.1"), "{}", clip.html);
    assert_eq!(clip.html.matches("<img").count(), 10, "every image stays in place (alt and caption)");
    check_library_consistent(&db);
}

#[test]
fn a_page_of_500_images_fetches_the_first_40_and_stores_one_copy_of_each() {
    let mut routes = HashMap::new();
    let same = image_bytes(16, 16, image::ImageFormat::Png);
    let mut imgs = String::new();
    for i in 0..500 {
        routes.insert(format!("/img/{i}.png"), image_reply(same.clone(), "image/png"));
        imgs.push_str(&format!("<img src=\"/img/{i}.png\" alt=\"thumbnail {i}\">"));
    }
    routes.insert(
        "/gallery".to_owned(),
        Reply::html(format!(
            "<html><head><title>Five hundred pictures</title></head><body><article><h1>Five hundred pictures</h1>\
             <p>{P1}</p><p>{imgs}</p><p>{P2}</p></article></body></html>"
        )),
    );
    let server = TestServer::start(routes);
    let (_dir, mut lib) = temp_library();
    let Stored::Created(id) = clip_url(&mut lib, &fetcher(), &server.url("/gallery")).expect("clip") else {
        panic!("new")
    };
    let clip = lib.get(id).expect("clip");
    let limit = clipdesk::images::Limits::default().max_images;
    assert_eq!(clip.images.len(), limit);
    assert_eq!(clip.image_errors.len(), 500 - limit);
    assert!(clip.image_errors.iter().all(|e| e.code == "image.too_many"));
    let requested = server.seen().iter().filter(|s| s.path.starts_with("/img/")).count();
    assert_eq!(requested, limit, "no image past the limit is requested");
    let rows: i64 = lib.conn().query_row("SELECT count(*) FROM image", [], |r| r.get(0)).expect("count");
    assert_eq!(rows, 1, "identical images are stored once");
}

/// A clip with two versions and images, for the bundle tests.
fn two_versions() -> (tempfile::TempDir, std::path::PathBuf, i64, TestServer) {
    let server = images_server();
    server.set("/story", Reply::html(article("Council meets", &[P1, P2, P3])).with_header("X-Served-By", "test"));
    let (dir, mut lib) = temp_library();
    let Stored::Created(id) = clip_url(&mut lib, &fetcher(), &server.url("/story")).expect("clip") else {
        panic!("new")
    };
    server.set("/story", Reply::html(article("Council meets", &[P1, P3, CORRECTION])));
    let r = lib.recapture(&fetcher(), &[id], &Default::default()).expect("recapture");
    assert_eq!(r[0].version, 2);
    let db = lib.path().to_owned();
    (dir, db, id, server)
}

fn zip_entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let name = f.name().expect("name").to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).expect("read");
            (name, data)
        })
        .collect()
}

fn zip_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        w.start_file(name.as_str(), zip::write::SimpleFileOptions::default()).expect("start");
        w.write_all(data).expect("write");
    }
    w.finish().expect("finish").into_inner()
}

#[test]
fn an_evidence_bundle_verifies_and_fails_after_any_byte_changes() {
    let (dir, db, id, _server) = two_versions();
    let out = dir.path().join("evidence.zip");
    let (code, stdout, err) = run_cli(&db, &["--json", "evidence", &id.to_string(), out.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");
    let written: Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!((written["versions"].as_i64(), written["images"].as_i64()), (Some(2), Some(2)));

    let bytes = std::fs::read(&out).expect("read bundle");
    let entries = zip_entries(&bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "versions/1/page.bin",
        "versions/1/headers.json",
        "versions/1/article.txt",
        "versions/1/article.html",
        "versions/2/page.bin",
        "manifest.json",
        "manifest.sha256",
    ] {
        assert!(names.contains(&want), "{want} in {names:?}");
    }
    assert_eq!(names.iter().filter(|n| n.starts_with("images/")).count(), 2);
    // The first version's page is the bytes served; its headers are those sent.
    let lib = Library::open(&db).expect("open");
    let v1 = versions::list(lib.conn(), id).expect("versions").remove(0);
    let page = &entries.iter().find(|(n, _)| n == "versions/1/page.bin").expect("page").1;
    assert_eq!(page, &lib.snapshot_body(v1.snapshot.expect("snapshot").id).expect("body"));
    let headers = String::from_utf8_lossy(&entries.iter().find(|(n, _)| n == "versions/1/headers.json").expect("h").1)
        .into_owned();
    assert!(headers.contains("x-served-by") && headers.contains("test"), "{headers}");
    let html = String::from_utf8_lossy(&entries.iter().find(|(n, _)| n == "versions/1/article.html").expect("h").1)
        .into_owned();
    assert!(html.contains("../../images/") && !html.contains("clipdesk-img:"), "{html}");

    let v = evidence::verify(&out).expect("verify");
    assert!(v.ok, "{:?}", v.problems);
    assert_eq!((v.clip_id, v.versions), (Some(id), 2));
    let (code, _, err) = run_cli(&db, &["verify", out.to_str().expect("path")]);
    assert_eq!(code, 0, "{err}");

    // One byte changed in any entry (decompressed, changed, recompressed): named.
    for (i, (name, data)) in entries.iter().enumerate() {
        for at in [0, data.len() / 2, data.len().saturating_sub(1)] {
            let mut changed = entries.clone();
            changed[i].1[at] ^= 0x20;
            let v = evidence::verify_reader(Cursor::new(zip_of(&changed)), std::path::Path::new("changed.zip"))
                .expect("a readable zip");
            assert!(!v.ok, "{name} byte {at} changed, still verifies");
            let named =
                v.problems.iter().any(|p| &p.path == name || (name == "manifest.sha256" && p.path == "manifest.json"));
            assert!(named, "{name} byte {at}: {:?}", v.problems);
        }
        // Removed, or a file added: named too.
        let mut fewer = entries.clone();
        fewer.remove(i);
        let v = evidence::verify_reader(Cursor::new(zip_of(&fewer)), std::path::Path::new("fewer.zip")).expect("zip");
        assert!(!v.ok && v.problems.iter().any(|p| &p.path == name), "{name} removed: {:?}", v.problems);
    }
    let mut more = entries.clone();
    more.push(("versions/1/extra.txt".to_owned(), b"planted".to_vec()));
    let v = evidence::verify_reader(Cursor::new(zip_of(&more)), std::path::Path::new("more.zip")).expect("zip");
    assert!(!v.ok && v.problems.iter().any(|p| p.path == "versions/1/extra.txt" && p.problem == "unexpected"));

    // Raw bytes of the file changed: a coded error or a failed verification, never a panic; and
    // any byte of an entry's compressed data fails it.
    let mut failed = 0;
    let step = (bytes.len() / 997).max(1);
    for at in (0..bytes.len()).step_by(step) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x01;
        let result =
            std::panic::catch_unwind(|| evidence::verify_reader(Cursor::new(damaged), std::path::Path::new("d.zip")));
        match result.expect("no panic") {
            Ok(v) if v.ok => {}
            Ok(_) => failed += 1,
            Err(e) => {
                assert_eq!(e.code(), "evidence.corrupt", "{e}");
                failed += 1;
            }
        }
    }
    let tried = bytes.len().div_ceil(step);
    assert_eq!(failed, tried, "every damaged copy fails");
    let damaged = dir.path().join("damaged.zip");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).expect("write");
    let (code, _, err) = run_cli(&db, &["verify", damaged.to_str().expect("path")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("error[evidence.corrupt]"), "{err}");
    let mut changed = entries.clone();
    changed[0].1[0] ^= 1;
    std::fs::write(&damaged, zip_of(&changed)).expect("write");
    let (code, out, err) = run_cli(&db, &["verify", damaged.to_str().expect("path")]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("error[evidence.mismatch]") && err.contains(&entries[0].0), "{err}");
}

#[test]
fn briefings_show_lead_images_when_asked_and_exports_carry_them() {
    let (dir, db, id, _server) = two_versions();
    let pdf_without = dir.path().join("without.pdf");
    let pdf_with = dir.path().join("with.pdf");
    let html = dir.path().join("with.html");
    let q = "--query=clipped:1d";
    let (code, _, err) = run_cli(&db, &["digest", q, "--title", "Harbour", "--pdf", pdf_without.to_str().expect("p")]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_cli(
        &db,
        &[
            "digest",
            q,
            "--title",
            "Harbour",
            "--lead-images",
            "on",
            "--pdf",
            pdf_with.to_str().expect("p"),
            "--html",
            html.to_str().expect("p"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    let count_images = |p: &std::path::Path| {
        let b = std::fs::read(p).expect("pdf");
        let n = |pat: &[u8]| b.windows(pat.len()).filter(|w| *w == pat).count();
        n(b"/Subtype/Image") + n(b"/Subtype /Image")
    };
    assert_eq!(count_images(&pdf_without), 0);
    assert!(count_images(&pdf_with) >= 1, "the lead image is in the PDF");
    let page = std::fs::read_to_string(&html).expect("html");
    assert!(page.contains("src=\"data:image/jpeg;base64,"), "embedded");
    // Links to the stories stay; nothing is loaded from the web.
    assert!(!page.contains("src=\"http") && !page.contains("url(http"), "nothing loaded from the web");

    // Export and import carry the images, versions and watches; a backup too (a copy of the file).
    let lib = Library::open(&db).expect("open");
    let tx = lib.conn().unchecked_transaction().expect("tx");
    pages::add(&tx, &[id], 7200, Utc::now()).expect("watch");
    tx.commit().expect("commit");
    drop(lib);
    let export = dir.path().join("export.json");
    let (code, _, err) = run_cli(&db, &["export", export.to_str().expect("p")]);
    assert_eq!(code, 0, "{err}");
    let copy = dir.path().join("copy.sqlite");
    let (code, _, err) = run_cli(&copy, &["import", export.to_str().expect("p")]);
    assert_eq!(code, 0, "{err}");
    let (a, b) = (Library::open(&db).expect("a"), Library::open(&copy).expect("b"));
    let (ca, cb) = (a.get(id).expect("a"), b.get(id).expect("b"));
    assert_eq!((ca.versions, ca.images.clone(), ca.html.clone()), (cb.versions, cb.images.clone(), cb.html.clone()));
    assert_eq!(pages::list(b.conn()).expect("watches").len(), 1);
    let data = |l: &Library| -> Vec<Vec<u8>> {
        l.conn()
            .prepare("SELECT data FROM image ORDER BY sha256")
            .expect("p")
            .query_map([], |r| r.get(0))
            .expect("q")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(data(&a), data(&b));
    let backup = dir.path().join("backup.sqlite");
    clipdesk::archive::backup(a.conn(), &backup, false).expect("backup");
    assert_eq!(data(&Library::open(&backup).expect("backup opens")), data(&a));
}

/// Regression guard: an import that brings an image whose bytes are not what its row says (or not
/// an image Clipdesk keeps) is refused.
#[test]
fn an_import_with_a_forged_image_is_refused() {
    let (dir, db, _id, _server) = two_versions();
    let export = dir.path().join("export.json");
    let (code, _, err) = run_cli(&db, &["export", export.to_str().expect("p")]);
    assert_eq!(code, 0, "{err}");
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&export).expect("read")).expect("json");
    let svg = base64_encode(b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>");
    let cols: Vec<String> = serde_json::from_value(doc["tables"]["image"]["columns"].clone()).unwrap_or_default();
    let data_col = cols.iter().position(|c| c == "data").expect("data column");
    doc["tables"]["image"]["rows"][0][data_col] = serde_json::json!({"$blob": svg});
    std::fs::write(&export, serde_json::to_vec(&doc).expect("json")).expect("write");
    let copy = dir.path().join("copy.sqlite");
    let (code, _, err) = run_cli(&copy, &["import", export.to_str().expect("p")]);
    assert_eq!(code, 2);
    assert!(err.contains("error[import.invalid]"), "{err}");
}

fn base64_encode(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

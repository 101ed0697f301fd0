//! Monitoring end to end against a real HTTP server on 127.0.0.1: feeds whose entries change
//! between polls, lack guids or repeat them; conditional GET (304, and a 200 with the same ETag);
//! 429 with Retry-After; 500s then recovery; 410; redirects; timeouts; a gzip bomb; a wrong
//! charset; an HTML page instead of a feed; OPML with nested folders; the same story in two
//! feeds; a subscription's backlog; a watch that clips across ten polls.

use std::collections::HashMap;
use std::io::Write;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::monitor::inbox::{self, Filter, State};
use clipdesk::monitor::poll::{self, PollOptions, Status};
use clipdesk::monitor::{opml, sources, watch};
use clipdesk::Library;
use serde_json::Value;

use crate::support::{run_cli, temp_library, Reply, TestServer};

/// An RSS 2.0 document. Each item: (guid, title, link path, description, day of month).
fn rss(title: &str, base: &str, items: &[(Option<&str>, &str, &str, &str, u32)]) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel><title>{title}</title>\
         <link>{base}/</link><description>News from {title}</description><language>en</language>\n"
    );
    for (guid, t, link, desc, day) in items {
        s.push_str("<item>");
        if let Some(g) = guid {
            s.push_str(&format!("<guid isPermaLink=\"false\">{g}</guid>"));
        }
        s.push_str(&format!(
            "<title>{t}</title><link>{base}{link}</link><description>{desc}</description>\
             <pubDate>{:02} Nov 2026 {:02}:00:00 GMT</pubDate></item>\n",
            day.min(&28),
            day % 24
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn feed_reply(body: String) -> Reply {
    Reply::html(body).with_type("application/rss+xml; charset=utf-8")
}

fn fetcher() -> Fetcher {
    Fetcher::new(Limits { total_timeout: Duration::from_secs(3), ..Limits::default() }).expect("fetcher")
}

fn poll_all(lib: &mut Library) -> Vec<poll::FeedReport> {
    poll::poll(lib, &fetcher(), &PollOptions { all: true, ..Default::default() }, &AtomicBool::new(false), |_| {})
        .expect("poll")
}

fn entries(lib: &Library, state: Option<State>) -> Vec<inbox::Entry> {
    inbox::list(lib.conn(), &Filter { state, limit: 10_000, ..Default::default() }).expect("inbox").entries
}

fn subscribe(lib: &mut Library, url: &str) -> i64 {
    poll::subscribe(lib, &fetcher(), url, None).expect("subscribe").feed.id
}

fn article(title: &str) -> Reply {
    Reply::html(format!(
        "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>\
         <p>The ministry said on Monday that the talks would continue over the coming weeks in the capital.</p>\
         <p>Officials declined to say when the next round of meetings between the delegations would take place.</p>\
         <p>{title} was confirmed by three officials who spoke on condition of anonymity.</p></article></body></html>"
    ))
}

#[test]
fn entries_change_between_polls_without_duplicates_and_dismissed_ones_stay_gone() {
    let server = TestServer::start(HashMap::new());
    let base = server.base.clone();
    let mut items: Vec<(Option<&str>, &str, &str, &str, u32)> = vec![
        (Some("a-1"), "Talks resume", "/a/1", "Delegations met.", 1),
        (Some("a-2"), "Ceasefire holds", "/a/2", "Quiet night.", 2),
        // No guid: known by its link.
        (None, "Minister resigns", "/a/3", "A surprise.", 3),
        // A repeated guid: one entry.
        (Some("a-2"), "Ceasefire holds (copy)", "/a/2b", "Dup.", 2),
    ];
    server.set("/feed.xml", feed_reply(rss("Agency A", &base, &items)));
    let (_dir, mut lib) = temp_library();
    let id = subscribe(&mut lib, &server.url("/feed.xml"));
    let backlog = entries(&lib, None);
    assert_eq!(backlog.len(), 3, "{backlog:?}");
    assert!(backlog.iter().all(|e| e.backlog && e.state == State::New));

    // The feed changes: a title rewritten, an item added, one dropped; re-polled many times.
    items[0].1 = "Talks resume in Geneva";
    items.push((Some("a-4"), "Aid convoy arrives", "/a/4", "Trucks crossed.", 4));
    items.remove(1);
    server.set("/feed.xml", feed_reply(rss("Agency A", &base, &items)));
    for _ in 0..3 {
        poll_all(&mut lib);
    }
    let all = entries(&lib, None);
    assert_eq!(all.len(), 4, "one new entry, no duplicates: {all:?}");
    let convoy = all.iter().find(|e| e.title == "Aid convoy arrives").expect("the new entry");
    assert!(!convoy.backlog);
    assert_eq!(convoy.feeds, ["Agency A"]);

    // Dismissed: never comes back, even after retention removed it and the feed still lists it.
    let tx = lib.write().expect("tx");
    inbox::set_state(&tx, &[convoy.id], State::Dismissed).expect("dismiss");
    tx.commit().expect("commit");
    poll_all(&mut lib);
    assert_eq!(inbox::get(lib.conn(), convoy.id).expect("entry").state, State::Dismissed);
    lib.conn().execute("UPDATE entry SET found_at = '2020-01-01T00:00:00Z'", []).expect("age");
    let tx = lib.write().expect("tx");
    assert_eq!(inbox::purge(&tx, chrono::Utc::now()).expect("purge"), 4);
    tx.commit().expect("commit");
    poll_all(&mut lib);
    assert!(entries(&lib, None).is_empty(), "purged entries came back: {:?}", entries(&lib, None));
    let f = sources::get(lib.conn(), id).expect("feed");
    assert_eq!(f.health, sources::Health::Ok);
}

#[test]
fn conditional_get_and_the_same_etag_cost_no_parse() {
    let server = TestServer::start(HashMap::new());
    let base = server.base.clone();
    let body = rss("Agency B", &base, &[(Some("b-1"), "Markets open", "/b/1", "Stocks.", 5)]);
    // Validators with quotes and odd spacing: they must come back byte for byte.
    server.set("/etag.xml", feed_reply(body.clone()).with_etag("W/\"abc  123\""));
    server.set(
        "/same.xml",
        feed_reply(body.replace("Agency B", "Agency C").replace("/b/1", "/c/1"))
            .with_header("ETag", "\"same\"")
            .with_header("Last-Modified", "Mon, 30 Nov 2026 06:00:00 GMT"),
    );
    let (_dir, mut lib) = temp_library();
    let a = subscribe(&mut lib, &server.url("/etag.xml"));
    let c = subscribe(&mut lib, &server.url("/same.xml"));
    let before: i64 = lib.conn().query_row("SELECT count(*) FROM entry", [], |r| r.get(0)).expect("count");
    let reports = poll_all(&mut lib);
    for r in &reports {
        assert_eq!(r.status, Status::NotModified, "{r:?}");
    }
    let sent = server.seen_at("/etag.xml");
    assert_eq!(sent.last().and_then(|s| s.header("if-none-match")), Some("W/\"abc  123\""));
    let sent = server.seen_at("/same.xml");
    assert_eq!(sent.last().and_then(|s| s.header("if-modified-since")), Some("Mon, 30 Nov 2026 06:00:00 GMT"));
    assert_eq!(lib.conn().query_row("SELECT count(*) FROM entry", [], |r| r.get::<_, i64>(0)).expect("n"), before);
    // The 200 with the same ETag was not parsed: a changed body behind the same ETag adds nothing.
    server.set(
        "/same.xml",
        feed_reply(rss("Agency C", &base, &[(Some("c-9"), "Unseen", "/c/9", "x", 9)])).with_header("ETag", "\"same\""),
    );
    let r = poll::poll(
        &mut lib,
        &fetcher(),
        &PollOptions { only: vec![c], ..Default::default() },
        &AtomicBool::new(false),
        |_| {},
    )
    .expect("poll");
    assert_eq!(r[0].status, Status::NotModified);
    assert!(entries(&lib, None).iter().all(|e| e.title != "Unseen"));
    let _ = a;
}

#[test]
fn failures_back_off_are_shown_and_never_drop_a_source() {
    let server = TestServer::start(HashMap::new());
    let other = TestServer::start_on("127.0.0.2", HashMap::new(), 4);
    let base = server.base.clone();
    let ok = feed_reply(rss("Agency D", &base, &[(Some("d-1"), "Budget passed", "/d/1", "Vote.", 6)]));
    for path in ["/flaky.xml", "/gone.xml", "/slow.xml", "/bomb.xml", "/limited.xml", "/limited2.xml"] {
        server.set(path, ok.clone());
    }
    let elsewhere_feed =
        feed_reply(rss("Agency E", &other.base, &[(Some("e-1"), "Port reopens", "/e/1", "Ships.", 7)]));
    other.set("/elsewhere.xml", elsewhere_feed.clone());
    other.set("/moved.xml", elsewhere_feed.clone());
    let (_dir, mut lib) = temp_library();
    let mut ids: HashMap<&str, i64> =
        ["/flaky.xml", "/gone.xml", "/slow.xml", "/bomb.xml", "/limited.xml", "/limited2.xml"]
            .iter()
            .map(|p| (*p, subscribe(&mut lib, &server.url(p))))
            .collect();
    // On the other host, so that the 429 below does not hold it back.
    ids.insert("/moved.xml", subscribe(&mut lib, &other.url("/moved.xml")));
    let elsewhere = subscribe(&mut lib, &other.url("/elsewhere.xml"));

    server.set("/flaky.xml", Reply::status(500));
    server.set("/gone.xml", Reply::status(410));
    server.set("/slow.xml", ok.clone().delayed(Duration::from_secs(6)));
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b' '; 60 * 1024 * 1024]).expect("gzip");
    server.set(
        "/bomb.xml",
        Reply::html(gz.finish().expect("gzip"))
            .with_type("application/rss+xml")
            .with_header("Content-Encoding", "gzip"),
    );
    server.set("/limited.xml", Reply::status(429).with_header("Retry-After", "3600"));
    other.set("/moved.xml", Reply::redirect(301, "/moved-here.xml"));
    other.set("/moved-here.xml", elsewhere_feed);

    let reports = poll_all(&mut lib);
    let status = |path: &str| reports.iter().find(|r| r.feed_id == ids[path]).expect("report").clone();
    assert_eq!(status("/flaky.xml").error.expect("error").code, "fetch.http_status");
    assert_eq!(status("/gone.xml").status, Status::Failed);
    assert_eq!(status("/slow.xml").error.expect("error").code, "fetch.timeout");
    assert_eq!(status("/bomb.xml").error.expect("error").code, "fetch.too_large");
    assert_eq!(status("/moved.xml").status, Status::NotModified, "a redirect is followed");
    // 429 with Retry-After: that host is left alone, its other sources are skipped (unless
    // polled before the 429), another host is polled.
    assert_eq!(status("/limited.xml").status, Status::Failed);
    assert_ne!(reports.iter().find(|r| r.feed_id == elsewhere).expect("report").status, Status::Skipped);
    let asked_before = server.seen_at("/limited2.xml").len();
    let again = poll_all(&mut lib);
    for r in again.iter().filter(|r| r.feed_id != elsewhere && r.feed_id != ids["/moved.xml"]) {
        assert_eq!(r.status, Status::Skipped, "the host asked to wait: {r:?}");
    }
    assert_eq!(server.seen_at("/limited2.xml").len(), asked_before, "no request to the host after its 429");

    let feed = |lib: &Library, path: &str| sources::get(lib.conn(), ids[path]).expect("feed");
    assert_eq!(feed(&lib, "/gone.xml").health, sources::Health::Gone);
    let flaky = feed(&lib, "/flaky.xml");
    assert_eq!(flaky.health, sources::Health::Failing);
    assert!(flaky.failing_since.is_some() && flaky.failures >= 1);
    assert!(flaky.next_poll_at > flaky.last_poll_at.clone().unwrap_or_default(), "backed off");

    // It recovers: healthy again, nothing was dropped.
    lib.conn().execute("DELETE FROM host_backoff", []).expect("forget the 429");
    server.set("/flaky.xml", ok.clone());
    let r = poll::poll(
        &mut lib,
        &fetcher(),
        &PollOptions { only: vec![ids["/flaky.xml"]], ..Default::default() },
        &AtomicBool::new(false),
        |_| {},
    )
    .expect("poll");
    assert_ne!(r[0].status, Status::Failed);
    let flaky = feed(&lib, "/flaky.xml");
    assert_eq!((flaky.health, flaky.failures, flaky.failing_since), (sources::Health::Ok, 0, None));
    assert_eq!(sources::list(lib.conn()).expect("list").len(), 8);
}

#[test]
fn discovery_charsets_and_an_html_page_instead_of_a_feed() {
    let server = TestServer::start(HashMap::new());
    let base = server.base.clone();
    server.set(
        "/site/",
        Reply::html(
            "<html><head><title>Site</title><link rel=\"alternate\" type=\"application/rss+xml\" href=\"/site/rss\">\
             </head><body><p>Hello</p></body></html>",
        ),
    );
    server.set("/site/rss", feed_reply(rss("Site feed", &base, &[(Some("s-1"), "Hello world", "/s/1", "x", 1)])));
    // A feed in windows-1251 that says so, and one that claims ISO-8859-1 but is UTF-8.
    let cyr = "<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><title>Новости</title>\
               <link>http://x/</link><description>d</description><item><guid>r1</guid><title>Путин и Обама</title>\
               <link>http://x/1</link><description>Москва</description></item></channel></rss>";
    let (bytes, _, _) = encoding_rs::WINDOWS_1251.encode(cyr);
    server.set("/cp1251.xml", Reply::html(bytes.into_owned()).with_type("application/rss+xml"));
    let liar = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\"><channel><title>Café</title>\
                <link>http://y/</link><description>d</description><item><guid>l1</guid><title>Crème brûlée à Zürich</title>\
                <link>http://y/1</link></item></channel></rss>";
    server.set("/liar.xml", Reply::html(liar.as_bytes().to_vec()).with_type("application/rss+xml"));
    server.set("/notfeed", Reply::html("<html><body><p>No feed here</p></body></html>"));
    let (_dir, mut lib) = temp_library();
    let site = poll::subscribe(&mut lib, &fetcher(), &server.url("/site/"), Some("Blogs/Tech")).expect("discovered");
    assert_eq!(site.feed.url, server.url("/site/rss"));
    assert_eq!(site.feed.folder.as_deref(), Some("Blogs/Tech"));
    subscribe(&mut lib, &server.url("/cp1251.xml"));
    subscribe(&mut lib, &server.url("/liar.xml"));
    let titles: Vec<String> = entries(&lib, None).into_iter().map(|e| e.title).collect();
    assert!(titles.contains(&"Путин и Обама".to_owned()), "{titles:?}");
    assert!(titles.contains(&"Crème brûlée à Zürich".to_owned()), "{titles:?}");
    let err = poll::subscribe(&mut lib, &fetcher(), &server.url("/notfeed"), None).expect_err("no feed");
    assert_eq!(err.code(), "feed.not_found");
    // A source that turns into an HTML page fails, coded, and is kept.
    server.set("/site/rss", Reply::html("<html><body>maintenance</body></html>"));
    let r = poll_all(&mut lib);
    let failed = r.iter().find(|x| x.feed_id == site.feed.id).expect("report");
    assert_eq!(failed.error.as_ref().map(|e| e.code.as_str()), Some("feed.not_a_feed"));
}

#[test]
fn one_story_in_two_feeds_is_one_entry_and_the_backlog_never_alerts() {
    let server = TestServer::start(HashMap::new());
    let base = server.base.clone();
    // 300 old entries.
    let old: Vec<(String, String, String)> =
        (0..300).map(|i| (format!("old-{i}"), format!("Old story {i} about Putin"), format!("/old/{i}"))).collect();
    let items: Vec<(Option<&str>, &str, &str, &str, u32)> =
        old.iter().map(|(g, t, l)| (Some(g.as_str()), t.as_str(), l.as_str(), "Kremlin", 1)).collect();
    server.set("/big.xml", feed_reply(rss("Big", &base, &items)));
    let (_dir, mut lib) = temp_library();
    let tx = lib.write().expect("tx");
    watch::save(
        &tx,
        &watch::WatchSpec { name: "Putin".into(), query: "Putin".into(), alert: true, ..Default::default() },
    )
    .expect("watch");
    tx.commit().expect("commit");
    let sub = poll::subscribe(&mut lib, &fetcher(), &server.url("/big.xml"), None).expect("subscribe");
    assert_eq!(sub.backlog, 300);
    poll_all(&mut lib);
    assert!(watch::alerts(lib.conn(), false, 100).expect("alerts").is_empty(), "the backlog raised alerts");

    // The same wire story, with tracking parameters, in two feeds.
    server.set(
        "/w1.xml",
        feed_reply(rss(
            "Wire One",
            &base,
            &[(Some("w1"), "Putin calls Obama", "/story?utm_source=rss", "AP story", 2)],
        )),
    );
    server.set("/w2.xml", feed_reply(rss("Wire Two", &base, &[(Some("zz"), "Putin phones Obama", "/story", "AP", 2)])));
    subscribe(&mut lib, &server.url("/w1.xml"));
    subscribe(&mut lib, &server.url("/w2.xml"));
    let story: Vec<inbox::Entry> = entries(&lib, None).into_iter().filter(|e| e.title.contains("Obama")).collect();
    assert_eq!(story.len(), 1, "{story:?}");
    assert_eq!(story[0].feeds, ["Wire One", "Wire Two"]);
    // New entries after subscription do alert.
    let mut items = items.clone();
    items.push((Some("new-1"), "Putin visits Ankara", "/new/1", "Talks", 3));
    server.set("/big.xml", feed_reply(rss("Big", &base, &items)));
    let r = poll_all(&mut lib);
    let alerts: Vec<&watch::Alert> = r.iter().flat_map(|x| &x.alerts).collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].title, "Putin visits Ankara");
}

#[test]
fn a_watch_clips_exactly_its_matches_and_nothing_twice_across_ten_polls() {
    let server = TestServer::start(HashMap::new());
    let base = server.base.clone();
    server.set("/feed.xml", feed_reply(rss("Agency F", &base, &[])));
    let (_dir, mut lib) = temp_library();
    subscribe(&mut lib, &server.url("/feed.xml"));
    let tx = lib.write().expect("tx");
    watch::save(
        &tx,
        &watch::WatchSpec {
            name: "Energy".into(),
            query: "(gas OR oil) -sport".into(),
            clip: true,
            alert: true,
            tags: vec!["topic:Energy".into()],
            ..Default::default()
        },
    )
    .expect("watch");
    tx.commit().expect("commit");
    // The live preview before saving another one.
    assert_eq!(watch::test(lib.conn(), "gas", 10).expect("test").total, 0);
    let titles = [
        "Gas prices rise",
        "Football results",
        "Oil output cut",
        "Gas and sport: a stadium heated",
        "Elections called",
        "Oil tanker seized",
    ];
    let mut items: Vec<(String, String, String)> = Vec::new();
    for (round, title) in titles.iter().cycle().take(10).enumerate() {
        let path = format!("/news/{round}");
        server.set(&path, article(&format!("{title} ({round})")));
        items.push((format!("g{round}"), format!("{title} ({round})"), path));
        let list: Vec<(Option<&str>, &str, &str, &str, u32)> = items
            .iter()
            .map(|(g, t, l)| (Some(g.as_str()), t.as_str(), l.as_str(), "Report", 1 + round as u32))
            .collect();
        server.set("/feed.xml", feed_reply(rss("Agency F", &base, &list)));
        poll_all(&mut lib);
    }
    let matching: Vec<String> = items
        .iter()
        .map(|(_, t, _)| t.clone())
        .filter(|t| (t.contains("Gas") || t.contains("Oil")) && !t.contains("sport"))
        .collect();
    let clips: Vec<String> = lib.list(100, 0).expect("clips").into_iter().map(|c| c.title).collect();
    let mut sorted = clips.clone();
    sorted.sort();
    let mut want = matching.clone();
    want.sort();
    assert_eq!(sorted, want, "exactly the matching entries, each once");
    for c in lib.list(100, 0).expect("clips") {
        let clip = lib.get(c.id).expect("clip");
        assert!(clip.tags.iter().any(|t| t.name == "Energy"), "tagged by the watch: {:?}", clip.tags);
    }
    assert_eq!(watch::alerts(lib.conn(), false, 100).expect("alerts").len(), matching.len());
    assert_eq!(entries(&lib, Some(State::Clipped)).len(), matching.len());
    assert_eq!(watch::test(lib.conn(), "gas", 10).expect("test").total, 4);
}

#[test]
fn opml_with_nested_folders_round_trips() {
    let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>My feeds — Über</title><ownerName>Ana</ownerName></head><body>
<outline text="News" title="News">
  <outline text="Europe" title="Europe">
    <outline text="Wires">
      <outline type="rss" text="Agence &amp; Co" title="Agence &amp; Co" xmlUrl="http://127.0.0.1:9/afp.xml" htmlUrl="http://127.0.0.1:9/" category="wire"/>
    </outline>
    <outline type="rss" text="Новости" xmlUrl="http://127.0.0.1:9/ru.xml" language="ru"/>
  </outline>
</outline>
<outline type="rss" text="Top level" xmlUrl="http://127.0.0.1:9/top.xml" description="A &quot;quoted&quot; one"/>
</body></opml>"#;
    let parsed = opml::parse(doc.as_bytes()).expect("opml");
    let (dir, mut lib) = temp_library();
    let tx = lib.write().expect("tx");
    let r = sources::import_opml(&tx, &parsed, chrono::Utc::now()).expect("import");
    tx.commit().expect("commit");
    assert_eq!((r.feeds, r.folders), (3, 3));
    let exported = sources::export_opml(lib.conn()).expect("export");
    assert_eq!(exported, parsed, "round trip through the library");
    assert_eq!(opml::parse(opml::write(&exported).as_bytes()).expect("reparse"), parsed);
    // The CLI does the same through files.
    let db = lib.path().to_owned();
    drop(lib);
    let out = dir.path().join("out.opml");
    let (code, _, stderr) = run_cli(&db, &["feed", "export", out.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    let again = opml::parse(&std::fs::read(&out).expect("read")).expect("parse");
    assert_eq!(again, parsed);
    let (code, stdout, _) = run_cli(&db, &["--json", "feed", "list"]);
    assert_eq!(code, 0);
    let list: Value = serde_json::from_str(&stdout).expect("json");
    assert!(list.as_array().expect("array").iter().any(|f| f["folder"] == "News/Europe/Wires"));
}

#[test]
fn the_cli_contract() {
    let server = TestServer::start(HashMap::new());
    let base = server.base.clone();
    server.set(
        "/feed.xml",
        feed_reply(rss(
            "Agency G",
            &base,
            &[(Some("g1"), "Kremlin talks", "/g/1", "&lt;b&gt;Bold&lt;/b&gt; summary &amp;amp; more", 1)],
        )),
    );
    server.set("/g/1", article("Kremlin talks"));
    let (_dir, lib) = temp_library();
    let db = lib.path().to_owned();
    drop(lib);
    let (code, stdout, stderr) = run_cli(&db, &["--json", "feed", "preview", &server.url("/feed.xml")]);
    assert_eq!(code, 0, "{stderr}");
    let p: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(p["feed"]["title"], "Agency G");
    let e = &p["entries"][0];
    for field in ["id", "title", "link", "published", "updated", "authors", "summary", "content", "tags"] {
        assert!(e.get(field).is_some(), "preview entry lacks {field}: {e}");
    }
    assert_eq!(e["summary"], "Bold summary & more", "plain text");
    let (code, stdout, stderr) =
        run_cli(&db, &["--json", "feed", "add", &server.url("/feed.xml"), "--folder", "Wires"]);
    assert_eq!(code, 0, "{stderr}");
    let f: Value = serde_json::from_str(&stdout).expect("json");
    for field in ["id", "url", "title", "site_url", "folder"] {
        assert!(f.get(field).is_some(), "feed add lacks {field}: {f}");
    }
    server.set("/feed.xml", Reply::status(500));
    let (code, stdout, _) = run_cli(&db, &["--json", "poll", "--all"]);
    assert_eq!(code, 1, "a failed source exits 1");
    let line: Value = serde_json::from_str(stdout.lines().next().expect("a line")).expect("json");
    assert_eq!(line["status"], "failed");
    assert_eq!(line["error"]["code"], "fetch.http_status");
    let (code, stdout, _) =
        run_cli(&db, &["--json", "inbox", "--state", "all", "--query", "feed:\"Agency G\" Kremlin"]);
    assert_eq!(code, 0);
    let inbox: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(inbox["total"], 1);
    let entry = &inbox["entries"][0];
    for field in ["id", "title", "url", "published_at", "summary", "feeds", "state", "clip_id", "watches"] {
        assert!(entry.get(field).is_some(), "inbox entry lacks {field}: {entry}");
    }
    let id = entry["id"].as_i64().expect("id").to_string();
    let (code, stdout, stderr) = run_cli(&db, &["--json", "inbox", "clip", &id]);
    assert_eq!(code, 0, "{stderr}");
    let clipped: Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!(clipped["status"], "clipped");
    let clip_id = clipped["clip_id"].as_i64().expect("clip id").to_string();
    let (_, stdout, _) = run_cli(&db, &["--json", "show", &clip_id]);
    let clip: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(clip["via_feeds"][0]["title"], "Agency G", "the clip names the feed it came from");
    let (code, stdout, _) = run_cli(&db, &["--json", "watch", "test", "Kremlin"]);
    assert_eq!(code, 0);
    assert_eq!(serde_json::from_str::<Value>(&stdout).expect("json")["total"], 1);
    let (code, _, stderr) = run_cli(&db, &["watch", "add", "Bad", "topic:Syria"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[query.field]"), "{stderr}");
    let (code, _, _) =
        run_cli(&db, &["watch", "add", "Kremlin", "Kremlin -sport", "--alert", "--clip", "--tag", "topic:Russia"]);
    assert_eq!(code, 0);
    let (code, stdout, _) = run_cli(&db, &["--json", "watch", "list"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("\"Kremlin -sport\""));
}

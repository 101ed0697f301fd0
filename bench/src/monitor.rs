//! Monitoring at scale: 500 feeds served by local servers on 100 loopback hosts (127.0.0.2 …
//! 127.0.0.101: five feeds a host, so the per-host limit of two requests applies as it would on
//! the web) with 50 ms added latency and realistic sizes (30 entries of a few hundred words of
//! summary each), polled twice: the first poll reads everything, the second gets a 304 from every
//! feed (conditional GET). Then an inbox of 100,000 entries searched with the query language.

use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::monitor::feed::ParsedEntry;
use clipdesk::monitor::inbox::{self, Filter};
use clipdesk::monitor::poll::{self, PollOptions, Status};
use clipdesk::monitor::sources::{self, NewFeed};

use crate::Section;

#[path = "../../tests/support/server.rs"]
#[allow(dead_code)]
mod server;

type Err = Box<dyn std::error::Error>;

const HOSTS: usize = 100;
const FEEDS_PER_HOST: usize = 5;
const ENTRIES: usize = 30;

const WORDS: &[&str] = &[
    "ministry",
    "talks",
    "ceasefire",
    "delegation",
    "Kremlin",
    "Ankara",
    "gas",
    "pipeline",
    "election",
    "parliament",
    "sanctions",
    "budget",
    "minister",
    "protest",
    "court",
    "ruling",
    "border",
    "convoy",
    "summit",
    "energy",
    "prices",
    "inflation",
    "central",
    "bank",
    "refugees",
    "aid",
    "troops",
    "drone",
    "strike",
    "harbour",
    "council",
    "vote",
];

fn text(seed: usize, words: usize) -> String {
    (0..words).map(|i| WORDS[(seed * 31 + i * 7 + i * i) % WORDS.len()]).collect::<Vec<_>>().join(" ")
}

fn feed_body(host: usize, feed: usize, base: &str) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"><channel><title>Outlet {host}-{feed}</title>\
         <link>{base}/</link><description>News</description><language>en</language>"
    );
    for e in 0..ENTRIES {
        let seed = host * 1000 + feed * 100 + e;
        s.push_str(&format!(
            "<item><guid>{host}-{feed}-{e}</guid><title>{}</title><link>{base}/{feed}/story/{e}</link>\
             <description>{}</description><pubDate>Mon, 30 Nov 2026 {:02}:{:02}:00 GMT</pubDate></item>",
            text(seed, 8),
            text(seed + 1, 120),
            e % 24,
            (e * 7) % 60
        ));
    }
    s.push_str("</channel></rss>");
    s
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.to_owned()))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        .map_or(0.0, |kb| kb / 1024.0)
}

pub fn run(data: &std::path::Path) -> Result<Section, Err> {
    let dir = std::env::temp_dir().join(format!("clipdesk-monitor-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let mut lib = clipdesk::Library::open(&dir.join("library.sqlite"))?;

    // The servers: one per loopback host, 50 ms before each answer.
    let mut servers = Vec::new();
    let mut feed_bytes = 0usize;
    for h in 0..HOSTS {
        let ip = format!("127.0.0.{}", h + 2);
        let s = server::TestServer::start_on(&ip, HashMap::new(), 3);
        for f in 0..FEEDS_PER_HOST {
            let body = feed_body(h, f, &s.base);
            feed_bytes += body.len();
            s.set(
                &format!("/{f}/feed.xml"),
                server::Reply::html(body)
                    .with_type("application/rss+xml; charset=utf-8")
                    .with_etag(&format!("\"v1-{h}-{f}\""))
                    .delayed(Duration::from_millis(50)),
            );
        }
        servers.push(s);
    }
    {
        let tx = lib.write()?;
        for s in &servers {
            for f in 0..FEEDS_PER_HOST {
                let url = s.url(&format!("/{f}/feed.xml"));
                sources::insert(&tx, &NewFeed { url, ..Default::default() }, Utc::now())?;
            }
        }
        tx.commit()?;
    }
    let fetcher = Fetcher::new(Limits::default())?;
    let opts = PollOptions { all: true, ..Default::default() };
    let cancel = AtomicBool::new(false);

    let t = Instant::now();
    let first = poll::poll(&mut lib, &fetcher, &opts, &cancel, |_| {})?;
    let first_time = t.elapsed();
    let first_ok = first.iter().filter(|r| r.status == Status::New).count();
    let entries: i64 = lib.conn().query_row("SELECT count(*) FROM entry", [], |r| r.get(0))?;
    let mem_first = peak_rss_mb();

    let t = Instant::now();
    let second = poll::poll(&mut lib, &fetcher, &opts, &cancel, |_| {})?;
    let second_time = t.elapsed();
    let not_modified = second.iter().filter(|r| r.status == Status::NotModified).count();
    // What the servers sent with a body on the second poll: a 304 has none.
    let full_answers: usize = servers.iter().map(|s| s.seen().len()).sum::<usize>().saturating_sub(first.len());
    let with_body = second.len() - not_modified;
    let mem_second = peak_rss_mb();
    drop(servers);

    // An inbox of 100,000 entries (ingested as a poll would), searched. Titles and summaries are
    // real news text (the bench corpus, 2,700 articles in ten languages, each cut at a different
    // place per entry), so words are as frequent as in the news.
    let corpus = crate::corpus::texts(data)?;
    let big = clipdesk::Library::open(&dir.join("inbox.sqlite"))?;
    let build = Instant::now();
    {
        let mut big = big;
        let (conn, tagger) = big.conn_and_tagger()?;
        let tx = conn.transaction()?;
        let mut feeds = Vec::new();
        for f in 0..200 {
            let (id, _) = sources::insert(
                &tx,
                &NewFeed {
                    url: format!("https://outlet{f}.example/feed"),
                    title: Some(format!("Outlet {f}")),
                    ..Default::default()
                },
                Utc::now(),
            )?;
            tx.execute("UPDATE feed SET subscribed_at = created_at WHERE id = ?1", [id])?;
            feeds.push(id);
        }
        let base = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single().ok_or("date")?;
        for (i, chunk) in (0..100_000usize).collect::<Vec<_>>().chunks(500).enumerate() {
            let parsed: Vec<ParsedEntry> = chunk
                .iter()
                .map(|n| {
                    let t = &corpus[n % corpus.len()];
                    let words: Vec<&str> = t.text.split_whitespace().collect();
                    let from = (n / corpus.len() * 17) % words.len().max(1);
                    ParsedEntry {
                        key: format!("guid:{n}"),
                        title: Some(t.title.clone()),
                        link: Some(format!("https://outlet{}.example/story/{n}", n % 200)),
                        published: Some(base + chrono::Duration::minutes(*n as i64)),
                        summary: Some(words.iter().skip(from).take(70).copied().collect::<Vec<_>>().join(" ")),
                        ..Default::default()
                    }
                })
                .collect();
            inbox::ingest(&tx, &tagger.matcher, feeds[i % feeds.len()], Some("en"), &parsed, false, base)?;
        }
        tx.commit()?;
    }
    let build_time = build.elapsed();
    let big = clipdesk::Library::open(&dir.join("inbox.sqlite"))?;
    let queries = [
        "ceasefire",
        "Kremlin gas",
        "\"central bank\"",
        "sanctions -Ankara",
        "pipe*",
        "feed:\"Outlet 7\" summit",
        "(drone OR strike) border",
        "election NOT parliament",
        "after:2026-07-01 budget",
        "harbour council vote",
    ];
    let mut times = Vec::new();
    let mut matched = 0i64;
    for _ in 0..5 {
        for q in queries {
            let t = Instant::now();
            let l = inbox::list(big.conn(), &Filter { query: Some(q.into()), limit: 50, ..Default::default() })?;
            times.push(t.elapsed());
            matched += l.total;
        }
    }
    times.sort();
    let p = |pct: usize| times[(times.len() - 1) * pct / 100].as_secs_f64() * 1000.0;
    let _ = std::fs::remove_dir_all(&dir);

    let n = HOSTS * FEEDS_PER_HOST;
    let body = format!(
        "### Monitoring: polling and the inbox\n\n`cargo run --release -p clipdesk-bench -- monitor --write`. {n} RSS feeds \
         ({ENTRIES} entries each, {:.0} KB on average) served by real HTTP servers on {HOSTS} loopback hosts with 50 ms \
         added before every answer; at most 16 requests at once and 2 per host, as in use. Release build, one process.\n\n\
         | poll | feeds | time | feeds/s | outcome | peak memory |\n|---|---|---|---|---|---|\n\
         | first (everything new) | {n} | **{:.1} s** | {:.0} | {first_ok} new, {entries} entries stored | {mem_first:.0} MB |\n\
         | second (every feed answers 304) | {n} | **{:.1} s** | {:.0} | {not_modified} not modified; {with_body} bodies parsed, {} bytes parsed | {mem_second:.0} MB |\n\n\
         Targets: first poll of 500 feeds < 15 s, second < 5 s with nothing parsed. ({full_answers} requests in all on the second poll.)\n\n\
         An inbox of 100,000 entries (200 feeds, real news text, built in {:.1} s) searched with 10 queries of the search language \
         (words, phrases, prefixes, NOT, OR, `feed:`, `after:`; {} entries match a query on average), 50 times: \
         **p50 {:.1} ms, p95 {:.1} ms** (target p95 ≤ 20 ms).\n",
        feed_bytes as f64 / n as f64 / 1e3,
        first_time.as_secs_f64(),
        n as f64 / first_time.as_secs_f64(),
        second_time.as_secs_f64(),
        n as f64 / second_time.as_secs_f64(),
        if with_body == 0 { 0 } else { with_body * feed_bytes / n },
        build_time.as_secs_f64(),
        matched / times.len() as i64,
        p(50),
        p(95),
    );
    Ok(Section { name: "monitor".into(), body })
}

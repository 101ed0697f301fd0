//! Search at scale: a generator fills a library with N realistic clips (text from the real pages
//! in `../shared/data` and the fixtures, varied dates, sites, languages and tags), then the bench
//! reports the build rate, the database size and p50/p95 latency of representative queries
//! (with snippets and facets), beside a naive `LIKE` scan of the same words.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use clipdesk::extract::Article;
use clipdesk::library::{NewClip, NewSnapshot};
use clipdesk::model::TagKind;
use clipdesk::search::Options;
use clipdesk::tags::taxonomy::TagRef;
use serde_json::Value;

use crate::Section;

type Err = Box<dyn std::error::Error>;

/// A source text for generated clips.
struct Source {
    title: String,
    text: String,
    lang: String,
    site: String,
}

/// The queries an analyst runs, from narrow to broad.
const QUERIES: &[&str] = &[
    "Kremlin",
    "\"better coordination\"",
    "Putin OR Obama",
    "Syria -Aleppo",
    "NEAR(Trump China, 10)",
    "sanction*",
    "title:police",
    "site:reuters",
    "lang:ru",
    "topic:Conflicts",
    "topic:Conflicts/Syria after:2018-01-01",
    "actor:Russia",
    "actor:\"United States\" China trade",
    "after:2020-06-01 before:2020-07-01",
    "Путин",
    "普京",
    "plague OR virus OR outbreak",
    "(NASA OR SpaceX) moon",
    "Kremlin actor:Ukraine after:2016-01-01",
    "president OR government",
];

/// Words the naive scan looks for, per query (the plain-text part of each query).
fn like_terms(q: &str) -> Option<Vec<String>> {
    let plain: Vec<String> = q
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == '"')
        .filter(|w| {
            !w.is_empty()
                && !w.contains(':')
                && !["OR", "AND", "NOT"].contains(w)
                && !w.starts_with('-')
                && !w.starts_with("NEAR")
        })
        .map(|w| w.trim_end_matches('*').trim_end_matches(',').to_owned())
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect();
    (!plain.is_empty()).then_some(plain)
}

pub fn run(data: &Path, sizes: &[usize]) -> Result<Section, Err> {
    let sources = load_sources(data)?;
    let mut body = format!(
        "### Search at scale\n\n`cargo run --release -p clipdesk-bench -- search --write`. Libraries of generated clips whose \
         text comes from {} real articles (English, Russian, Chinese, Japanese, Arabic, Hebrew, Portuguese, German…), \
         with dates over 2014–2024, {} outlets, topics set by hand and actors tagged automatically from the gazetteer. \
         Build: clips stored with their snapshot, index row and automatic tags, 1,000 per transaction. Each query runs 15 \
         times after a warm-up, with the first page of 20 results, their snippets and all five facets over the whole \
         result set. The naive scan is `title LIKE '%w%' OR text LIKE '%w%'` for each word of the query, counting \
         matches and taking the 20 newest — what a library without an index does.\n\n",
        sources.len(),
        {
            let mut sites: Vec<&str> = sources.iter().map(|s| s.site.as_str()).collect();
            sites.sort_unstable();
            sites.dedup();
            sites.len()
        }
    );
    for &n in sizes {
        let dir = std::env::temp_dir().join(format!("clipdesk-scale-{}-{n}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir)?;
        let (path, reuse) = match std::env::var_os("CLIPDESK_BENCH_DB") {
            Some(p) => (std::path::PathBuf::from(p), true),
            None => (dir.join("library.sqlite"), false),
        };
        // Flush what earlier runs wrote (gigabytes, at 100,000 clips) so the kernel's writeback of
        // them does not land in this build's time: without it, builds varied by ±10%.
        let _ = std::process::Command::new("sync").status();
        let mut lib = clipdesk::Library::open(&path)?;
        let build = if reuse { Duration::from_secs(1) } else { build(&mut lib, &sources, n)? };
        lib.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA optimize;")?;
        let size = fs::metadata(&path)?.len();
        body.push_str(&format!(
            "#### {n} clips\n\nBuilt in {:.1} s: **{:.0} clips/s**. Database {:.0} MB ({:.1} KB per clip).\n\n\
             | query | results | p50 ms | p95 ms | naive scan ms |\n|---|---|---|---|---|\n",
            build.as_secs_f64(),
            n as f64 / build.as_secs_f64(),
            size as f64 / 1e6,
            size as f64 / 1e3 / n as f64
        ));
        let mut all = Vec::new();
        let queries = if std::env::var_os("CLIPDESK_BENCH_BUILD_ONLY").is_some() { &[][..] } else { QUERIES };
        for q in queries {
            let opts = Options { limit: 20, ..Options::default() };
            let warm = lib.search(q, opts)?;
            let mut times = Vec::new();
            for _ in 0..15 {
                let t = Instant::now();
                let r = lib.search(q, opts)?;
                times.push(t.elapsed());
                std::hint::black_box(r);
            }
            times.sort();
            all.extend(times.iter().copied());
            let naive = like_terms(q).map(|terms| naive_scan(lib.conn(), &terms)).transpose()?;
            body.push_str(&format!(
                "| `{}` | {} | {:.1} | {:.1} | {} |\n",
                q.replace('|', "\\|"),
                warm.total,
                ms(percentile(&times, 50)),
                ms(percentile(&times, 95)),
                naive.map_or("—".to_owned(), |d| format!("{:.0}", ms(d)))
            ));
        }
        all.sort();
        body.push_str(&format!(
            "\nAll queries together: p50 **{:.1} ms**, p95 **{:.1} ms**.\n\n",
            ms(percentile(&all, 50)),
            ms(percentile(&all, 95))
        ));
        drop(lib);
        if std::env::var_os("CLIPDESK_BENCH_KEEP").is_none() {
            let _ = fs::remove_dir_all(&dir);
        } else {
            eprintln!("kept {}", path.display());
        }
    }
    Ok(Section { name: "search".into(), body })
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * p / 100).min(sorted.len() - 1)]
}

fn naive_scan(conn: &rusqlite::Connection, terms: &[String]) -> Result<Duration, Err> {
    let cond: Vec<String> = terms.iter().map(|_| "(title LIKE ? OR b.text LIKE ?)".to_owned()).collect();
    let patterns: Vec<String> = terms.iter().flat_map(|t| [format!("%{t}%"), format!("%{t}%")]).collect();
    let t = Instant::now();
    let count: i64 = conn.query_row(
        &format!("SELECT count(*) FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE {}", cond.join(" OR ")),
        rusqlite::params_from_iter(patterns.iter()),
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(&format!(
        "SELECT id, title FROM clip JOIN clip_body b ON b.clip_id = clip.id WHERE {} ORDER BY published_at DESC LIMIT 20",
        cond.join(" OR ")
    ))?;
    let rows: Vec<(i64, String)> = stmt
        .query_map(rusqlite::params_from_iter(patterns.iter()), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    std::hint::black_box((count, rows));
    Ok(t.elapsed())
}

/// The topic tree the generator tags with.
const TOPICS: &[&str] = &[
    "Conflicts/Syria",
    "Conflicts/Ukraine",
    "Conflicts/Nagorno-Karabakh",
    "Diplomacy/US–Russia relations",
    "Diplomacy/China",
    "Economy/Trade",
    "Economy/Energy prices",
    "Science/Space",
    "Health/Epidemics",
    "Sport",
    "Technology",
    "Culture",
];

/// Fills a library with `n` generated clips (for other benches that need a big library).
pub fn fill(lib: &mut clipdesk::Library, data: &Path, n: usize) -> Result<Duration, Err> {
    build(lib, &load_sources(data)?, n)
}

fn build(lib: &mut clipdesk::Library, sources: &[Source], n: usize) -> Result<Duration, Err> {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let start_day = Utc.with_ymd_and_hms(2014, 1, 1, 0, 0, 0).single().ok_or("date")?;
    let t = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..n {
        let src = &sources[rng.below(sources.len())];
        // Vary the text: start at a different paragraph, so clips are not identical.
        let paras: Vec<&str> = src.text.split("\n\n").collect();
        let skip = rng.below(paras.len().max(1)).min(paras.len().saturating_sub(1)) / 2;
        let text = paras[skip..].join("\n\n");
        let published = start_day + chrono::Duration::minutes(rng.below(11 * 365 * 24 * 60) as i64);
        let url = format!("https://{}/story/{i}", src.site.to_lowercase().replace(|c: char| !c.is_alphanumeric(), ""));
        let words = clipdesk::text::word_count(&text);
        let article = Article {
            title: src.title.clone(),
            authors: Vec::new(),
            published_at: Some(published),
            published_offset: Some(0),
            site_name: Some(src.site.clone()),
            lang: Some(src.lang.clone()),
            canonical_url: None,
            lead_image: None,
            html: String::new(),
            summary: None,
            word_count: words,
            text,
        };
        let clip = NewClip {
            url: url.clone(),
            canonical_url: url.clone(),
            url_keys: vec![url.clone()],
            snapshot: NewSnapshot {
                requested_url: url.clone(),
                final_url: url,
                redirects: Vec::new(),
                http_status: Some(200),
                content_type: Some("text/html".into()),
                charset: Some("UTF-8".into()),
                fetched_at: published,
                body: article.text.as_bytes().to_vec(),
                extractor_version: "bench".into(),
                headers: None,
                source: None,
            },
            article,
            images: Vec::new(),
        };
        let topics: Vec<TagRef> = (0..rng.below(3))
            .map(|_| TagRef { kind: TagKind::Topic, name: TOPICS[rng.below(TOPICS.len())].to_owned() })
            .collect();
        batch.push((clip, topics));
        if batch.len() == 1000 || i + 1 == n {
            lib.insert_clips(&batch)?;
            batch.clear();
        }
    }
    Ok(t.elapsed())
}

fn load_sources(data: &Path) -> Result<Vec<Source>, Err> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let truth: Value =
        serde_json::from_str(&fs::read_to_string(data.join("zyte-article-extraction-benchmark/ground-truth.json"))?)?;
    let meta: Value = serde_json::from_str(&fs::read_to_string(fixtures.join("zyte-metadata.json"))?)?;
    let mut out = Vec::new();
    for (id, entry) in truth.as_object().ok_or("ground truth")? {
        let m = &meta["pages"][id];
        let text = entry["articleBody"].as_str().unwrap_or_default();
        if clipdesk::text::word_count(text) < 50 {
            continue;
        }
        out.push(Source {
            title: m["title"].as_str().unwrap_or("Untitled").to_owned(),
            text: text.to_owned(),
            lang: m["lang"].as_str().unwrap_or("en").to_owned(),
            site: m["site_name"].as_str().unwrap_or("Example News").to_owned(),
        });
    }
    // The fixture pages in other scripts, through the real extractor.
    for name in [
        "russian-cp1251.html",
        "chinese-gbk.html",
        "japanese-sjis.html",
        "arabic-cp1256.html",
        "hebrew-cp1255.html",
        "seed-article.html",
    ] {
        let raw = fs::read(fixtures.join("pages").join(name))?;
        let (html, _, _) = clipdesk::fetch::charset::decode(&raw, None, None);
        let a = clipdesk::extract::extract(&html, &url::Url::parse("https://news.example/x")?)?;
        // Weighted up: a monitor's library is multilingual.
        for _ in 0..10 {
            out.push(Source {
                title: a.title.clone(),
                text: a.text.clone(),
                lang: a.lang.clone().unwrap_or_default(),
                site: a.site_name.clone().unwrap_or_default(),
            });
        }
    }
    Ok(out)
}

/// xorshift64: reproducible libraries run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

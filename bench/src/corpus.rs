//! Distinct real articles for benches that need many different items: the Zyte pages' articles
//! (full texts) and the SemEval news texts (title, lead and end of 2,566 articles in ten
//! languages). No two are copies of one story's text, so a briefing of N of them has N items after
//! the copy merger, and the bench can say so.

use std::fs;
use std::path::Path;

use chrono::{Duration, TimeZone, Utc};
use clipdesk::extract::Article;
use clipdesk::library::{NewClip, NewSnapshot};
use clipdesk::model::TagKind;
use clipdesk::tags::taxonomy::TagRef;

type Err = Box<dyn std::error::Error>;

pub struct Text {
    pub title: String,
    pub text: String,
    pub lang: String,
    pub site: String,
}

/// Every distinct article text of the shared data, Zyte's first.
pub fn texts(data: &Path) -> Result<Vec<Text>, Err> {
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(data.join("zyte-article-extraction-benchmark/ground-truth.json"))?)?;
    let meta: serde_json::Value = serde_json::from_str(&fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zyte-metadata.json"),
    )?)?;
    let mut out = Vec::new();
    let mut ids: Vec<&String> = truth.as_object().ok_or("ground truth")?.keys().collect();
    ids.sort();
    for id in ids {
        let m = &meta["pages"][id];
        out.push(Text {
            title: m["title"].as_str().unwrap_or("Untitled").to_owned(),
            text: truth[id]["articleBody"].as_str().unwrap_or_default().to_owned(),
            lang: m["lang"].as_str().unwrap_or("en").to_owned(),
            site: m["site_name"].as_str().unwrap_or("Zyte page").to_owned(),
        });
    }
    let mut reader = csv::Reader::from_path(data.join("semeval2022-task8-dev/pairs.csv"))?;
    let mut seen = std::collections::HashSet::new();
    for row in reader.records() {
        let row = row?;
        for (lang_col, text_col) in [(2, 4), (3, 5)] {
            let raw = row.get(text_col).unwrap_or_default().trim();
            if raw.len() < 200 || !seen.insert(raw.to_owned()) {
                continue;
            }
            // The title comes first, set off by two spaces.
            let (title, body) = raw.split_once("  ").unwrap_or((raw, raw));
            let title = clipdesk::text::truncate_chars(title.trim(), 160);
            let lang = row.get(lang_col).unwrap_or("en").to_owned();
            out.push(Text { title, text: body.trim().to_owned(), site: format!("SemEval {lang}"), lang });
        }
    }
    Ok(out)
}

/// Stores the first `n` distinct articles (published over the last `n` hours, one topic each
/// from `topics`); fails if the data has fewer.
pub fn fill(lib: &mut clipdesk::Library, data: &Path, n: usize, topics: &[&str]) -> Result<(), Err> {
    let texts = texts(data)?;
    if texts.len() < n {
        return Err(format!("only {} distinct articles in {}", texts.len(), data.display()).into());
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).single().ok_or("date")?;
    let mut batch = Vec::with_capacity(n);
    for (i, t) in texts.into_iter().take(n).enumerate() {
        let url = format!("https://bench.example/{i}");
        let published = now - Duration::hours(i as i64);
        let clip = new_clip(&url, &t.title, &t.text, Some(&t.lang), &t.site, Some(published));
        let tag = TagRef { kind: TagKind::Topic, name: topics[i % topics.len()].to_owned() };
        batch.push((clip, vec![tag]));
    }
    lib.insert_clips(&batch)?;
    Ok(())
}

/// A clip as the bench stores it: the text as the article, the text's bytes as the snapshot.
pub fn new_clip(
    url: &str,
    title: &str,
    text: &str,
    lang: Option<&str>,
    site: &str,
    published: Option<chrono::DateTime<Utc>>,
) -> NewClip {
    let article = Article {
        title: title.to_owned(),
        authors: Vec::new(),
        published_at: published,
        published_offset: Some(0),
        site_name: Some(site.to_owned()),
        lang: lang.map(str::to_owned),
        canonical_url: None,
        lead_image: None,
        html: String::new(),
        summary: None,
        word_count: clipdesk::text::word_count(text),
        text: text.to_owned(),
    };
    NewClip {
        url: url.to_owned(),
        canonical_url: url.to_owned(),
        url_keys: vec![url.to_owned()],
        snapshot: NewSnapshot {
            requested_url: url.to_owned(),
            final_url: url.to_owned(),
            redirects: Vec::new(),
            http_status: Some(200),
            content_type: Some("text/html".into()),
            charset: Some("UTF-8".into()),
            fetched_at: published.unwrap_or_else(Utc::now),
            body: text.as_bytes().to_vec(),
            extractor_version: "bench".into(),
            headers: None,
            source: None,
        },
        article,
        images: Vec::new(),
    }
}

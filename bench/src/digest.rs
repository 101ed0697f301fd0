//! Briefing export speed: Clipdesk's embedded Typst against headless Chromium printing the HTML
//! export of the same briefing to PDF (how web-based tools make PDFs).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use clipdesk::digest::{build, export, Digest, GroupBy};

use crate::Section;

type Err = Box<dyn std::error::Error>;

pub fn run(data: &Path) -> Result<Section, Err> {
    let mut body = String::from(
        "### Briefing export\n\n`cargo run --release -p clipdesk-bench -- digest --write`. Briefings of real clips (the \
         Zyte pages and the fixtures in six languages) grouped by topic; time to typeset the PDF from the built briefing \
         (release build, warm: median of 7 runs after one), beside headless Chromium printing Clipdesk's HTML export of \
         the same briefing to PDF (`chromium --headless --print-to-pdf`, median of 3, browser start included as a \
         web-based exporter pays it).\n\n\
         | items | Clipdesk PDF | pages | size | Chromium print | pages | size | speed-up |\n|---|---|---|---|---|---|---|---|\n",
    );
    let dir = std::env::temp_dir().join(format!("clipdesk-digest-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    let mut lib = clipdesk::Library::open(&dir.join("library.sqlite"))?;
    fill(&mut lib, data, 500)?;
    for n in [50usize, 500] {
        let digest = Digest {
            title: format!("Benchmark briefing, {n} items"),
            classification: Some("Internal".into()),
            query: Some("clipped:1d".into()),
            group_by: GroupBy::Topic,
            ..Default::default()
        };
        let mut briefing = build::build(lib.conn(), &digest)?;
        truncate(&mut briefing, n);
        let _ = export::pdf::render(&briefing)?; // warm-up: fonts indexed, caches filled
        let mut times = Vec::new();
        let mut pdf = Vec::new();
        for _ in 0..7 {
            let t = Instant::now();
            pdf = export::pdf::render(&briefing)?;
            times.push(t.elapsed());
        }
        times.sort();
        let ours = times[times.len() / 2];
        let pdf_path = dir.join(format!("clipdesk-{n}.pdf"));
        fs::write(&pdf_path, &pdf)?;
        let our_pages = pages(&pdf_path);
        let html_path = dir.join(format!("brief-{n}.html"));
        fs::write(&html_path, export::html(&briefing))?;
        let chrome = chromium_print(&html_path, &dir.join(format!("chromium-{n}.pdf")));
        let cell = match &chrome {
            Some((t, pages, size)) => format!(
                "{:.2} s | {pages} | {:.0} KB | {:.0}×",
                t.as_secs_f64(),
                *size as f64 / 1e3,
                t.as_secs_f64() / ours.as_secs_f64()
            ),
            None => "not available | — | — | —".into(),
        };
        body.push_str(&format!(
            "| {n} | **{:.0} ms** | {our_pages} | {:.0} KB | {cell} |\n",
            ours.as_secs_f64() * 1000.0,
            pdf.len() as f64 / 1e3
        ));
    }
    let _ = fs::remove_dir_all(&dir);
    Ok(Section { name: "digest".into(), body })
}

/// Keeps the first `n` items of a briefing (across its groups).
fn truncate(b: &mut build::Briefing, n: usize) {
    let mut left = n;
    for g in &mut b.groups {
        g.items.truncate(left);
        left -= g.items.len();
    }
    b.groups.retain(|g| !g.items.is_empty());
    b.story_count = n.min(b.story_count);
}

/// Stores `n` clips made from the Zyte pages' texts and the fixture pages, with topics.
fn fill(lib: &mut clipdesk::Library, data: &Path, n: usize) -> Result<(), Err> {
    let truth: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(data.join("zyte-article-extraction-benchmark/ground-truth.json"))?)?;
    let meta: serde_json::Value = serde_json::from_str(&fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/zyte-metadata.json"),
    )?)?;
    let topics =
        ["Conflicts/Syria", "Diplomacy", "Economy/Trade", "Science", "Health", "Technology", "Sport", "Culture"];
    let mut batch = Vec::new();
    let entries: Vec<(&String, &serde_json::Value)> = truth.as_object().ok_or("truth")?.iter().collect();
    for i in 0..n {
        let (id, entry) = entries[i % entries.len()];
        let text = entry["articleBody"].as_str().unwrap_or_default().to_owned();
        let m = &meta["pages"][id];
        let url = format!("https://bench.example/{i}/{id}");
        let article = clipdesk::extract::Article {
            title: m["title"].as_str().unwrap_or("Untitled").to_owned(),
            authors: vec![],
            published_at: Some(chrono::Utc::now()),
            published_offset: Some(0),
            site_name: m["site_name"].as_str().map(str::to_owned),
            lang: m["lang"].as_str().map(str::to_owned),
            canonical_url: None,
            lead_image: None,
            html: String::new(),
            summary: None,
            word_count: clipdesk::text::word_count(&text),
            // Vary the text so copies are not merged.
            text: format!("Report {i}.\n\n{text}"),
        };
        let clip = clipdesk::library::NewClip {
            url: url.clone(),
            canonical_url: url.clone(),
            url_keys: vec![url.clone()],
            snapshot: clipdesk::library::NewSnapshot {
                requested_url: url.clone(),
                final_url: url,
                redirects: vec![],
                http_status: Some(200),
                content_type: Some("text/html".into()),
                charset: None,
                fetched_at: chrono::Utc::now(),
                body: vec![],
                extractor_version: "bench".into(),
            },
            article,
        };
        let tag = clipdesk::tags::taxonomy::TagRef {
            kind: clipdesk::model::TagKind::Topic,
            name: topics[i % topics.len()].into(),
        };
        batch.push((clip, vec![tag]));
    }
    lib.insert_clips(&batch)?;
    Ok(())
}

pub fn pages(pdf: &Path) -> String {
    Command::new("pdfinfo")
        .arg(pdf)
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Pages:").map(|p| p.trim().to_owned())))
        .unwrap_or_else(|| "?".into())
}

fn chromium_print(html: &Path, pdf: &Path) -> Option<(Duration, String, u64)> {
    let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists())?;
    let mut times = Vec::new();
    for _ in 0..3 {
        let profile = std::env::temp_dir().join(format!("clipdesk-chromium-{}", std::process::id()));
        let t = Instant::now();
        let status = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-pdf-header-footer",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--print-to-pdf={}", pdf.display()))
            .arg(format!("file://{}", html.display()))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .ok()?;
        times.push(t.elapsed());
        let _ = fs::remove_dir_all(&profile);
        if !status.success() {
            return None;
        }
    }
    times.sort();
    Some((times[1], pages(pdf), fs::metadata(pdf).ok()?.len()))
}

//! Briefing export speed: Clipdesk's embedded Typst against headless Chromium printing the HTML
//! export of the same briefing to PDF (how web-based tools make PDFs).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use clipdesk::digest::{build, export, Digest, GroupBy};

use crate::Section;

const TOPICS: &[&str] =
    &["Conflicts/Syria", "Diplomacy", "Economy/Trade", "Science", "Health", "Technology", "Sport", "Culture"];

type Err = Box<dyn std::error::Error>;

pub fn run(data: &Path) -> Result<Section, Err> {
    let mut body = String::from(
        "### Briefing export\n\n`cargo run --release -p clipdesk-bench -- digest --write`. Briefings of N distinct real \
         articles (the Zyte pages' articles, then the SemEval news texts in ten languages: no two are copies, so N \
         items stay N stories after the copy merger, as the table checks) grouped by topic; time to typeset the PDF \
         from the built briefing (release build, warm: median of 7 runs after one), beside headless Chromium printing \
         Clipdesk's HTML export of the same briefing to PDF (`chromium --headless --print-to-pdf`, median of 3, browser \
         start included as a web-based exporter pays it).\n\n\
         | items | stories | Clipdesk PDF | pages | size | Chromium print | pages | size | speed-up |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    let dir = std::env::temp_dir().join(format!("clipdesk-digest-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    for n in [50usize, 500, 1000] {
        let mut lib = clipdesk::Library::open(&dir.join(format!("library-{n}.sqlite")))?;
        crate::corpus::fill(&mut lib, data, n, TOPICS)?;
        let digest = Digest {
            title: format!("Benchmark briefing, {n} items"),
            classification: Some("Internal".into()),
            query: Some("clipped:1d".into()),
            group_by: GroupBy::Topic,
            ..Default::default()
        };
        let briefing = build::build(lib.conn(), &digest)?;
        let stories = briefing.story_count;
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
            "| {n} | {stories} | **{:.0} ms** | {our_pages} | {:.0} KB | {cell} |\n",
            ours.as_secs_f64() * 1000.0,
            pdf.len() as f64 / 1e3
        ));
    }
    let _ = fs::remove_dir_all(&dir);
    Ok(Section { name: "digest".into(), body })
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

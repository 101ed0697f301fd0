//! Resource bounds, measured: the release CLI on inputs far outside what a news page looks like,
//! each run under `/usr/bin/time` for wall time and peak resident memory, with the outcome
//! (a clip, or the coded error). Written to `docs/reliability.md`; `tests/it/bounds.rs` checks the
//! outcomes.

use std::path::Path;
use std::process::Command;

use crate::Section;

#[path = "../../tests/support/pages.rs"]
mod pages;

type Err = Box<dyn std::error::Error>;

/// Runs the CLI under GNU time: (seconds, peak RSS in MB, outcome).
fn measure(db: &Path, args: &[String]) -> Result<(f64, f64, String), Err> {
    let out = Command::new("/usr/bin/time")
        .args(["-f", "TIME %e %M"])
        .arg(crate::release_binary("clipdesk")?)
        .arg("--db")
        .arg(db)
        .args(args)
        .output()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let (secs, kb) = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("TIME "))
        .and_then(|l| l.split_once(' '))
        .map(|(s, k)| (s.parse().unwrap_or(0.0), k.parse().unwrap_or(0.0)))
        .ok_or("no timing from /usr/bin/time")?;
    let outcome = match stderr.lines().find_map(|l| l.strip_prefix("error[").and_then(|r| r.split(']').next())) {
        Some(code) => format!("error `{code}`"),
        None if out.status.success() => "ok".to_owned(),
        None => format!("exit {}", out.status.code().unwrap_or(-1)),
    };
    Ok((secs, kb / 1024.0, outcome))
}

pub fn run(data: &Path) -> Result<Section, Err> {
    let dir = std::env::temp_dir().join(format!("clipdesk-bounds-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("library.sqlite");
    let mut rows = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    let page = |name: &str, bytes: Vec<u8>| -> Result<Vec<String>, Err> {
        let file = dir.join(name);
        std::fs::write(&file, bytes)?;
        Ok(vec![
            "clip".into(),
            "--html".into(),
            file.display().to_string(),
            "--url".into(),
            format!("https://bounds.example/{name}"),
        ])
    };
    for (what, args) in [
        ("clip a page of 100,000 nested elements", page("deep.html", pages::deep_nesting())?),
        ("clip a 50 MB page", page("fifty.html", pages::fifty_megabytes())?),
        ("clip a page whose article is one 10 MB text node", page("long.html", pages::ten_megabyte_text_node())?),
        ("search a word that occurs 1.4 million times in that clip", s(&["search", "dredging"])),
        (
            "a pathological query (100 nested groups)",
            vec!["search".into(), format!("{}a{}", "(".repeat(100), ")".repeat(100))],
        ),
        ("a pathological query (2,000 characters of prefixes)", vec!["search".into(), "ab* ".repeat(500)]),
    ] {
        let (secs, mb, outcome) = measure(&db, &args)?;
        rows.push((what.to_owned(), secs, mb, outcome));
    }
    // 10,000 topics on one clip, then reading and searching it.
    let mut tag = s(&["tag", "1"]);
    for i in 0..10_000 {
        tag.push("--add".into());
        tag.push(format!("topic:Many/Tag {i}"));
    }
    for (what, args) in [
        ("tag one clip with 10,000 topics", tag),
        ("show that clip (JSON)", s(&["--json", "show", "1"])),
        ("search one of its topics, with facets", s(&["search", "topic:\"Many/Tag 9999\""])),
    ] {
        let (secs, mb, outcome) = measure(&db, &args)?;
        rows.push((what.to_owned(), secs, mb, outcome));
    }
    // A briefing of 1,000 distinct articles (no two merge as copies of one story).
    let big = dir.join("thousand.sqlite");
    {
        let mut lib = clipdesk::Library::open(&big)?;
        crate::corpus::fill(&mut lib, data, 1000, &["Conflicts", "Diplomacy", "Economy", "Science", "Health"])?;
    }
    let pdf = dir.join("thousand.pdf");
    let args = vec![
        "digest".into(),
        "--query".into(),
        "clipped:100y".into(),
        "--title".into(),
        "A thousand items".into(),
        "--group-by".into(),
        "topic".into(),
        "--multi".into(),
        "first".into(),
        "--pdf".into(),
        pdf.display().to_string(),
    ];
    let (secs, mb, outcome) = measure(&big, &args)?;
    let pages = crate::digest::pages(&pdf);
    rows.push((format!("export a briefing of 1,000 distinct items to PDF ({pages} pages)"), secs, mb, outcome));

    let mut body = String::from(
        "`cargo build --release && cargo run --release -p clipdesk-bench -- bounds --write`. The release CLI on \
         each input, under `/usr/bin/time` (wall time, peak resident memory of the process). Pages over 40 MB are refused \
         before parsing, nesting deeper than 4,000 before building a tree, queries over 2,000 characters, 100 terms or 20 \
         levels before reaching SQLite; the full-text index holds the first 256 KB of a clip's text.\n\n\
         | input | outcome | time | peak memory |\n|---|---|---|---|\n",
    );
    for (what, secs, mb, outcome) in rows {
        body.push_str(&format!("| {what} | {outcome} | {secs:.2} s | {mb:.0} MB |\n"));
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Section { name: "bounds".into(), body })
}

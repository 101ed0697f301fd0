//! Briefings end to end: selection, grouping, copies merged, summaries, and the PDF, Markdown and
//! HTML exports checked with poppler, mupdf and qpdf.

use std::path::Path;
use std::process::Command;

use clipdesk::digest::{build, export, Digest, GroupBy, ItemChoice, Membership};

use crate::support::{multilingual_library_apart as library, run_cli};

const INJECTION: &str = "#panic(\"x\") *bold* $x$ <lbl> @ref";

fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{2068}' | '\u{2069}' | '\u{200e}' | '\u{200f}'))
        .collect()
}

#[test]
fn pdf_prints_every_script_literally_with_outline_links_and_fonts() {
    let (dir, lib, ids) = library();
    let digest = Digest {
        title: "Weekly brief: Russia".into(),
        subtitle: Some("US–Russia relations and Syria".into()),
        author: Some("Monitoring desk".into()),
        classification: Some("Internal — for the recipient's information only".into()),
        query: Some("clipped:1d".into()),
        group_by: GroupBy::Topic,
        executive_summary: Some("Moscow reached out to Washington twice in a week.\n\nSecond paragraph.".into()),
        ..Default::default()
    };
    let briefing = build::build(lib.conn(), &digest).expect("build");
    let pdf = export::pdf::render(&briefing).expect("pdf");
    let path = dir.path().join("brief.pdf");
    std::fs::write(&path, &pdf).expect("write");
    let p = path.to_str().expect("path");

    let text = tool("pdftotext", &["-enc", "UTF-8", p, "-"]);
    let flat = squash(&text);
    for (_, title) in &ids {
        assert!(flat.contains(&squash(title)), "headline missing from the PDF text: {title}\n{text}");
    }
    assert!(flat.contains(&squash(INJECTION)), "the markup-injection headline is not literal");
    assert!(text.contains("Internal — for the recipient's information only"));
    assert!(text.contains("Also in"), "the republished story is merged");

    // One outline entry per section and per item.
    let outline = tool("mutool", &["show", p, "outline"]);
    for section in ["Diplomacy/US–Russia", "Conflicts/Syria", "Economy", "Local"] {
        assert!(outline.contains(section), "no outline entry for {section}:\n{outline}");
    }
    let entries = outline.lines().filter(|l| !l.trim().is_empty()).count();
    assert!(entries >= 4 + ids.len(), "outline has {entries} entries:\n{outline}");

    // A link annotation for every source URL.
    let qdf = dir.path().join("brief.qdf.pdf");
    tool("qpdf", &["--qdf", "--object-streams=disable", p, qdf.to_str().expect("path")]);
    let raw = String::from_utf8_lossy(&std::fs::read(&qdf).expect("read")).into_owned();
    for (id, _) in &ids {
        let url = lib.get(*id).expect("clip").canonical_url;
        let ascii = build::safe_link(&url).expect("link");
        assert!(raw.contains(&format!("/URI ({ascii})")), "no link annotation for {ascii}");
    }

    // Every font embedded.
    let fonts = tool("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 4, "{fonts}");
    for row in rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        let emb = cols.iter().rev().nth(4).copied().unwrap_or("");
        assert_eq!(emb, "yes", "font not embedded: {row}");
    }
    let info = tool("pdfinfo", &[p]);
    let pages: usize =
        info.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).expect("pages");
    assert!(pages >= 4, "{info}");
    assert!(info.contains("Weekly brief: Russia"), "document title: {info}");
}

#[test]
fn summaries_groups_copies_and_overrides() {
    let (_dir, lib, ids) = library();
    let mut digest = Digest {
        title: "Brief".into(),
        query: Some("clipped:1d".into()),
        group_by: GroupBy::Topic,
        ..Default::default()
    };
    let b = build::build(lib.conn(), &digest).expect("build");
    let stories: std::collections::HashSet<i64> =
        (1..=ids.len() as i64 + 1).map(|id| lib.clip_story(id).expect("story").expect("has one").id).collect();
    assert_eq!(b.story_count, stories.len(), "one item per story");
    assert_eq!(stories.len(), ids.len(), "the republished copy is no story of its own (the rest kept apart)");
    let names: Vec<&str> = b.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names[0], "Diplomacy/US–Russia", "largest section first: {names:?}");
    for g in &b.groups {
        for item in &g.items {
            let text = lib.get(item.clip_id).expect("clip").text;
            let flat = clipdesk::text::collapse_ws(&text);
            assert!(!item.summary.is_empty());
            for s in &item.summary {
                assert!(flat.contains(s.as_str()), "summary sentence not in the article: {s}");
            }
            assert!(item.summary.len() <= 4);
        }
    }
    let seed = b.groups[0].items.iter().find(|i| i.headline.starts_with("Putin calls Obama")).expect("seed");
    assert!(seed.also_in.iter().any(|c| c.outlet == "The Washington Times"), "{:?}", seed.also_in);
    assert_eq!(seed.date.as_deref(), Some("6 July 2016"));
    assert!(seed.retrieved.len() > 5);
    let arabic = b.groups.iter().flat_map(|g| &g.items).find(|i| i.lang.as_deref() == Some("ar")).expect("arabic");
    assert_eq!(arabic.dir, "rtl");

    // Overrides: a hand-written summary, a hidden clip, an exclusion, an addition.
    let (seed_id, _) = ids[0];
    let (hostile_id, _) = ids[6];
    let (japanese_id, _) = ids[5];
    digest.query = Some("topic:Diplomacy".into());
    digest.items = vec![
        ItemChoice {
            clip_id: seed_id,
            summary: Some("Two calls in a week.".into()),
            note: Some("Watch Minsk.".into()),
            ..Default::default()
        },
        ItemChoice { clip_id: hostile_id, membership: Membership::Added, ..Default::default() },
        ItemChoice { clip_id: japanese_id, hidden: true, membership: Membership::Added, ..Default::default() },
    ];
    let b = build::build(lib.conn(), &digest).expect("build");
    let all: Vec<&build::Item> = b.groups.iter().flat_map(|g| &g.items).collect();
    let seed = all.iter().find(|i| i.clip_id == seed_id).expect("seed");
    assert_eq!(seed.summary, ["Two calls in a week."]);
    assert_eq!(seed.note.as_deref(), Some("Watch Minsk."));
    assert!(all.iter().any(|i| i.clip_id == hostile_id), "added clip present");
    assert!(!all.iter().any(|i| i.clip_id == japanese_id), "hidden clip absent");
}

#[test]
fn empty_selection_is_an_error_and_writes_nothing() {
    let (dir, mut lib, _) = library();
    let digest = Digest { title: "Nothing".into(), query: Some("zanzibar".into()), ..Default::default() };
    let err = build::build(lib.conn(), &digest).expect_err("no clips");
    assert_eq!(err.code(), "digest.empty");
    let db = lib.path().to_owned();
    let out = dir.path().join("none.pdf");
    let _ = &mut lib;
    let (code, _, stderr) = run_cli(&db, &["digest", "--query", "zanzibar", "--pdf", out.to_str().expect("path")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[digest.empty]"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn markdown_and_html_print_text_literally_and_run_nothing() {
    let (_dir, lib, _) = library();
    let digest = Digest { title: "Brief <b>".into(), query: Some("clipped:1d".into()), ..Default::default() };
    let b = build::build(lib.conn(), &digest).expect("build");
    let md = export::markdown(&b);
    assert!(md.contains("\\#panic\\(\"x\"\\) \\*bold\\* $x$ &lt;lbl\\> @ref"), "{md}");
    let html = export::html(&b);
    assert!(html.contains("#panic(&quot;x&quot;) *bold* $x$ &lt;lbl&gt; @ref"));
    for bad in ["<script", "onerror", "javascript:", "<iframe", "__clipdesk_pwned=1\""] {
        assert!(!html.to_lowercase().contains(bad), "HTML export contains {bad}");
    }
    assert!(html.contains("Brief &lt;b&gt;"));
    assert!(html.contains("dir=\"rtl\""));
}

#[test]
fn saved_briefing_round_trip_through_the_cli() {
    let (dir, lib, ids) = library();
    let db = lib.path().to_owned();
    drop(lib);
    let d = |args: &[&str]| {
        let (code, stdout, stderr) = run_cli(&db, args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        stdout
    };
    let created: serde_json::Value = serde_json::from_str(&d(&[
        "--json",
        "digest",
        "new",
        "--title",
        "Weekly",
        "--query",
        "topic:Conflicts",
        "--group-by",
        "actor",
    ]))
    .expect("json");
    let id = created["id"].as_i64().expect("id").to_string();
    d(&[
        "digest",
        "edit",
        &id,
        "--add",
        &ids[0].0.to_string(),
        "--item-note",
        &format!("{}=Check with the Moscow desk", ids[0].0),
    ]);
    d(&["highlight", "add", &ids[0].0.to_string(), "Putin also informed Obama of the results", "--note", "key line"]);
    let shown: serde_json::Value = serde_json::from_str(&d(&["--json", "digest", "show", &id])).expect("json");
    assert_eq!(shown["story_count"], 3);
    let pdf = dir.path().join("weekly.pdf");
    let md = dir.path().join("weekly.md");
    let html = dir.path().join("weekly.html");
    d(&[
        "digest",
        "export",
        "Weekly",
        "--pdf",
        pdf.to_str().expect("p"),
        "--md",
        md.to_str().expect("p"),
        "--html",
        html.to_str().expect("p"),
    ]);
    let text = tool("pdftotext", &["-enc", "UTF-8", pdf.to_str().expect("p"), "-"]);
    assert!(text.contains("Check with the Moscow desk"));
    assert!(squash(&text).contains(&squash("Putin also informed Obama of the results")));
    assert!(std::fs::read_to_string(&md).expect("md").contains("key line"));
    assert!(Path::new(&html).exists());
    let listed = d(&["digest", "list"]);
    assert!(listed.contains("Weekly"));
}

//! Resource bounds: inputs far outside what a news page looks like either go through or fail with
//! a coded error, and leave the library as it was. (Times and peak memory of the same inputs are
//! measured by `bench bounds` into `docs/reliability.md`; tests do not assert times.)

use clipdesk::digest::{build, export, Digest, GroupBy, MultiGroup};
use clipdesk::model::TagKind;
use clipdesk::search::Options;
use clipdesk::tags::taxonomy::TagRef;

use crate::support::{check_library_consistent, run_cli, seed_copies, temp_library};

#[path = "../support/pages.rs"]
mod pages;
use pages::{deep_nesting, fifty_megabytes, ten_megabyte_text_node};

#[test]
fn deep_huge_and_long_pages_are_bounded() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("library.sqlite");
    let check = |name: &str, bytes: Vec<u8>, want: Result<(), &str>| {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).expect("write");
        let before = if db.exists() { check_library_consistent(&db) } else { 0 };
        let (code, stdout, stderr) = run_cli(
            &db,
            &[
                "--json",
                "clip",
                "--html",
                file.to_str().expect("path"),
                "--url",
                &format!("https://bounds.example/{name}"),
            ],
        );
        match want {
            Ok(()) => {
                assert_eq!(code, 0, "{name}: {stderr}");
                assert!(stdout.contains("\"created\""), "{name}: {stdout}");
                assert_eq!(check_library_consistent(&db), before + 1);
            }
            Err(error_code) => {
                assert_eq!(code, 1, "{name}: {stdout} {stderr}");
                assert!(stdout.contains(error_code) || stderr.contains(error_code), "{name}: {stdout} {stderr}");
                assert_eq!(check_library_consistent(&db), before, "{name} changed the library");
            }
        }
    };
    check("deep.html", deep_nesting(), Err("extract.too_deep"));
    check("fifty.html", fifty_megabytes(), Err("input.too_large"));
    check("long-node.html", ten_megabyte_text_node(), Ok(()));
    let (code, stdout, _) = run_cli(&db, &["--json", "search", "dredging"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("One long paragraph"), "{stdout}");
    // Over the network the size cap applies before any of this (`fetch::bad_responses_*`).
}

/// Ten thousand tags on one clip, and a briefing of a thousand items: everything still works.
#[test]
fn ten_thousand_tags_and_a_thousand_item_briefing() {
    let (dir, mut lib) = temp_library();
    let batch: Vec<_> = seed_copies(1000, |i, c| {
        // Each copy a different story, so the briefing does not merge them.
        c.article.title = format!("Story number {i}: {}", c.article.title);
        // A different text for each: the seed's words shuffled by a per-item generator.
        let mut words: Vec<&str> = c.article.text.split_whitespace().collect();
        let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (i as u64 + 1);
        for j in (1..words.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            words.swap(j, (state % (j as u64 + 1)) as usize);
        }
        // Its own figures: stories whose figures all differ are different events.
        c.article.text = format!("Story {i}: {i}101 votes, {i}202 seats, {i}303 districts. {}.", words.join(" "));
    })
    .into_iter()
    .enumerate()
    .map(|(i, c)| (c, vec![TagRef { kind: TagKind::Topic, name: format!("Batch/{}", i % 10) }]))
    .collect();
    lib.insert_clips(&batch).expect("insert");

    let tags: Vec<TagRef> =
        (0..10_000).map(|i| TagRef { kind: TagKind::Topic, name: format!("Many/Tag {i}") }).collect();
    let before = lib.get(1).expect("clip").tags.len();
    let change = lib.tag_clips(&[1], &tags, &[]).expect("tag");
    assert_eq!(change.added, 10_000);
    assert_eq!(lib.get(1).expect("clip").tags.len(), before + 10_000);
    let r = lib.search("topic:\"Many/Tag 9999\"", Options { facets: true, ..Options::default() }).expect("search");
    assert_eq!(r.total, 1);
    assert!(r.facets.topic.len() <= 50, "facets are capped");

    let digest = Digest {
        title: "A thousand stories".into(),
        query: Some("topic:Batch".into()),
        group_by: GroupBy::Topic,
        multi_group: MultiGroup::First,
        ..Default::default()
    };
    let b = build::build(lib.conn(), &digest).expect("build");
    assert_eq!(b.story_count, 1000);
    let pdf = export::pdf::render(&b).expect("pdf");
    let path = dir.path().join("thousand.pdf");
    std::fs::write(&path, pdf).expect("write");
    let info = std::process::Command::new("pdfinfo").arg(&path).output().expect("pdfinfo");
    let pages: usize = String::from_utf8_lossy(&info.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:").map(|p| p.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    assert!(pages > 100, "{pages} pages for 1000 stories");
    assert!(export::markdown(&b).matches("Story number").count() >= 1000);
}

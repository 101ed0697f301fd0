//! Stories: copies of one text and coverage of one event, in any language, grouped as clips
//! arrive; the analyst's splits and merges kept through regrouping, export and import; collapsed
//! search rows; what an outlet changed.

use std::path::Path;

use clipdesk::stories::Relation;
use clipdesk::Library;

use crate::support::{add_page, fixture, run_cli, store_clip, temp_library, text_clip};

fn relation(lib: &Library, clip: i64) -> (i64, Relation, Option<i64>) {
    let s = lib.clip_story(clip).expect("story").expect("every clip has a story");
    (s.id, s.relation, s.copy_of)
}

/// The Times of Israel's page (the seed article) as the AP sent it: the AP headline, without the
/// page's captions and two of its paragraphs, published two hours earlier.
fn seed_and_wire(lib: &mut Library) -> (i64, i64) {
    let toi = add_page(
        lib,
        "https://www.timesofisrael.com/putin-calls-obama/",
        fixture("pages/seed-article.html"),
        "Diplomacy",
    );
    let page = lib.get(toi).expect("seed");
    let paragraphs: Vec<&str> = page.text.split("\n\n").collect();
    assert!(paragraphs.len() > 8, "{} paragraphs", paragraphs.len());
    let wire: Vec<&str> = paragraphs.iter().enumerate().filter(|(i, _)| *i != 3 && *i != 6).map(|(_, p)| *p).collect();
    let ap = store_clip(
        lib,
        &text_clip(
            "https://apnews.example/putin-obama-syria",
            "Putin, Obama discuss Syria coordination in phone call",
            &wire.join("\n\n"),
            "en",
            "Associated Press",
            "2016-07-06T11:30:00Z",
        ),
    );
    (ap, toi)
}

/// The seed case: an AP wire story that The Times of Israel republished with its own headline,
/// subheading and captions. Clipped in the wrong order (the copy first), the AP text is still the
/// original.
#[test]
fn a_republished_wire_story_is_a_copy_of_the_wire_original() {
    let (_dir, mut lib) = temp_library();
    let (ap, toi) = seed_and_wire(&mut lib);
    let (story, rel, _) = relation(&lib, ap);
    assert_eq!(rel, Relation::Original);
    assert_eq!(relation(&lib, toi), (story, Relation::Copy, Some(ap)));
    assert_eq!(lib.get(toi).expect("clip").wire.as_deref(), Some("ap"), "MOSCOW (AP) —");
    assert_eq!(lib.get(ap).expect("clip").wire.as_deref(), Some("ap"));
    let diff = lib.story_diff(toi).expect("diff");
    assert_eq!((diff.original_id, diff.copy_id), (ap, toi));
    assert!(diff.headline.is_some());
    assert_eq!(diff.added_paragraphs, 2, "{diff:#?}");
    assert_eq!(diff.removed_paragraphs, 0);
    assert_eq!(
        diff.summary(),
        "The Times of Israel changed the headline and added two paragraphs to the AP text.",
        "{diff:#?}"
    );
    assert_eq!(lib.story_diff(ap).expect_err("the original is no copy").code(), "input.not_copy");
    // Searchable by agency and by story.
    let q = |lib: &mut Library, q: &str| lib.search(q, Default::default()).expect(q).total;
    assert_eq!(q(&mut lib, "wire:ap"), 2);
    assert_eq!(q(&mut lib, "wire:\"Associated Press\" coordination"), 2);
    assert_eq!(q(&mut lib, "wire:reuters"), 0);
    assert_eq!(q(&mut lib, &format!("story:{story}")), 2);
}

const NASDAQ_MONDAY: &str =
    "NEW YORK (Reuters) - The Nasdaq closed higher on Monday as investors piled into technology \
shares ahead of quarterly results, with chipmakers leading the gains.\n\n\
The Nasdaq Composite rose 1.2% to 16,207.51 points, the S&P 500 gained 0.8% to 5,130.95 and the Dow Jones Industrial \
Average added 0.3% to 38,989.83.\n\n\
Nvidia climbed 3.6% to $852.37 after analysts raised their price targets, while Apple rose 1.1% to $179.66.\n\n\
Traders now await inflation figures due on Wednesday, which could shape the Federal Reserve's next move on interest \
rates.\n\nVolume on U.S. exchanges was 11.9 billion shares, compared with the 12.4 billion average for the full \
session over the last 20 trading days.";

const NASDAQ_TUESDAY: &str =
    "NEW YORK (Reuters) - The Nasdaq closed higher on Tuesday as investors piled into technology \
shares ahead of quarterly results, with software makers leading the gains.\n\n\
The Nasdaq Composite rose 0.6% to 16,305.14 points, the S&P 500 gained 0.4% to 5,149.42 and the Dow Jones Industrial \
Average added 0.1% to 39,043.32.\n\n\
Microsoft climbed 2.1% to $421.43 after a brokerage upgrade, while Meta rose 1.7% to $505.95.\n\n\
Traders now await inflation figures due on Wednesday, which could shape the Federal Reserve's next move on interest \
rates.\n\nVolume on U.S. exchanges was 10.7 billion shares, compared with the 12.3 billion average for the full \
session over the last 20 trading days.";

/// Two evenings of one template ("Nasdaq closes higher"), the same actors and agency: two events.
/// A re-headlined copy of the first evening's report is that report's copy.
#[test]
fn two_events_of_one_template_are_not_one_story() {
    let (_dir, mut lib) = temp_library();
    lib.add_actor("Nasdaq", Some(clipdesk::tags::taxonomy::ActorType::Organisation), &[], None).expect("actor");
    let title = "Nasdaq closes higher as tech shares rally";
    let monday = store_clip(
        &mut lib,
        &text_clip("https://reuters.example/1", title, NASDAQ_MONDAY, "en", "Reuters", "2024-03-04T21:10:00Z"),
    );
    let tuesday = store_clip(
        &mut lib,
        &text_clip("https://reuters.example/2", title, NASDAQ_TUESDAY, "en", "Reuters", "2024-03-05T21:10:00Z"),
    );
    let copy = store_clip(
        &mut lib,
        &text_clip(
            "https://markets.example/wall-street-monday",
            "Wall Street: chipmakers lift the Nasdaq",
            &format!("{NASDAQ_MONDAY}\n\nRead more: our markets page."),
            "en",
            "Markets Daily",
            "2024-03-04T22:00:00Z",
        ),
    );
    let (m, t, c) = (relation(&lib, monday), relation(&lib, tuesday), relation(&lib, copy));
    assert_ne!(m.0, t.0, "Monday's and Tuesday's closes are two stories");
    assert_eq!(c, (m.0, Relation::Copy, Some(monday)));
    assert_eq!(lib.get(monday).expect("clip").wire.as_deref(), Some("reuters"));
}

/// One event — Putin's call to Obama on 6 July 2016 — reported in English, Russian and Chinese is
/// one story: the languages share no words, but the actors (one actor whatever the script), the
/// places and the figures are the same. The Japanese article about Japan–Russia economic talks of
/// the same week, which names Putin too, is another story.
#[test]
fn one_event_in_english_russian_and_chinese_is_one_story() {
    let (_dir, mut lib) = temp_library();
    let person = Some(clipdesk::tags::taxonomy::ActorType::Person);
    lib.add_actor("Vladimir Putin", person, &["Путин".into(), "普京".into(), "プーチン".into()], None).expect("actor");
    lib.add_actor("Barack Obama", person, &["Обама".into(), "奥巴马".into(), "オバマ".into()], None).expect("actor");
    let en =
        add_page(&mut lib, "https://www.timesofisrael.com/putin-calls-obama/", fixture("pages/seed-article.html"), "D");
    let ru =
        add_page(&mut lib, "https://ria.example/2016/07/07/putin-obama", fixture("pages/russian-cp1251.html"), "D");
    let zh = add_page(&mut lib, "https://cn.example/2016/07/07/putin", fixture("pages/chinese-gbk.html"), "D");
    let ja = add_page(&mut lib, "https://jp.example/2016/07/08/russia", fixture("pages/japanese-sjis.html"), "E");
    let story = relation(&lib, en).0;
    assert_eq!(relation(&lib, ru), (story, Relation::Coverage, None));
    assert_eq!(relation(&lib, zh), (story, Relation::Coverage, None));
    assert_ne!(relation(&lib, ja).0, story);
    let s = lib.story(story).expect("story");
    assert_eq!(s.size, 3);
    assert_eq!(s.languages, ["en", "zh", "ru"], "in the order they were published");
    assert_eq!(s.clips[0].id, en, "the English report was published first");
}

fn cli_ok(db: &Path, args: &[&str]) -> String {
    let (code, stdout, stderr) = run_cli(db, args);
    assert_eq!(code, 0, "clipdesk {args:?}: {stderr}");
    stdout
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("{e}: {s}"))
}

/// Every clip's (story, copy_of), comparable across libraries.
fn grouping(db: &Path) -> Vec<(i64, Option<i64>, Option<i64>)> {
    let conn = rusqlite::Connection::open(db).expect("open");
    let mut stmt = conn.prepare("SELECT id, story_id, copy_of FROM clip ORDER BY id").expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).expect("query").map(|r| r.expect("row")).collect()
}

/// The analyst's split and merge hold after regrouping from scratch, after an export and import,
/// and in a backup.
#[test]
fn split_and_merge_survive_regrouping_export_and_import() {
    let (dir, mut lib) = temp_library();
    let (ap, toi) = seed_and_wire(&mut lib);
    let tuesday = store_clip(
        &mut lib,
        &text_clip(
            "https://reuters.example/2",
            "Nasdaq closes higher",
            NASDAQ_TUESDAY,
            "en",
            "Reuters",
            "2024-03-05T21:10:00Z",
        ),
    );
    let monday = store_clip(
        &mut lib,
        &text_clip(
            "https://reuters.example/1",
            "Nasdaq closes higher",
            NASDAQ_MONDAY,
            "en",
            "Reuters",
            "2024-03-04T21:10:00Z",
        ),
    );
    let db = lib.path().to_owned();
    drop(lib);
    let story_of =
        |clip: i64| json(&cli_ok(&db, &["--json", "show", &clip.to_string()]))["story"]["id"].as_i64().expect("id");
    // Split the copy out of the wire story; merge the two Nasdaq evenings.
    let out = json(&cli_ok(&db, &["--json", "story", "split", &toi.to_string()]));
    assert_eq!(out["from"], story_of(ap));
    assert_ne!(story_of(toi), story_of(ap));
    let (m, t) = (story_of(monday), story_of(tuesday));
    assert_ne!(m, t);
    let out = json(&cli_ok(&db, &["--json", "story", "merge", &m.to_string(), &t.to_string()]));
    assert_eq!((out["story"].as_i64(), out["size"].as_i64()), (Some(m), Some(2)));
    let (code, _, stderr) = run_cli(&db, &["story", "merge", &m.to_string(), &m.to_string()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[input.merge]"), "{stderr}");
    let expected = grouping(&db);

    // Regrouping from scratch (and with signatures computed again) keeps both choices.
    for args in [&["--json", "stories", "--rebuild"][..], &["--json", "stories", "--rebuild", "--resign"]] {
        let report = json(&cli_ok(&db, args));
        assert_eq!(report["clips"], 4, "{report}");
        assert_eq!(grouping(&db), expected, "{args:?}");
    }

    // Export and import: the same stories and choices; regrouped there, still the same.
    let file = dir.path().join("export.json");
    cli_ok(&db, &["export", file.to_str().expect("path")]);
    let copy = dir.path().join("imported.sqlite");
    cli_ok(&copy, &["import", file.to_str().expect("path")]);
    assert_eq!(grouping(&copy), expected);
    cli_ok(&copy, &["stories", "--rebuild"]);
    assert_eq!(grouping(&copy), expected);
    // A backup is the library.
    let backup = dir.path().join("backup.sqlite");
    cli_ok(&db, &["backup", backup.to_str().expect("path")]);
    cli_ok(&backup, &["stories", "--rebuild"]);
    assert_eq!(grouping(&backup), expected);

    // Splitting the merged clip out again undoes the merge for it, and regrouping agrees.
    cli_ok(&db, &["story", "split", &tuesday.to_string()]);
    assert_ne!(story_of(tuesday), story_of(monday));
    let now = grouping(&db);
    cli_ok(&db, &["stories", "--rebuild"]);
    assert_eq!(grouping(&db), now);
}

/// `search --collapse`: one row per story, with the story's size, its matching clips, outlets and
/// languages; the total and the facets count stories.
#[test]
fn collapsed_search_has_one_row_per_story_with_its_counts() {
    let (_dir, mut lib) = temp_library();
    let (ap, toi) = seed_and_wire(&mut lib);
    let wire_text = lib.get(ap).expect("ap").text;
    let other = store_clip(
        &mut lib,
        &text_clip(
            "https://washingtontimes.example/putin-obama",
            "Putin and Obama talk Syria",
            &wire_text,
            "en",
            "The Washington Times",
            "2016-07-06T18:00:00Z",
        ),
    );
    let unrelated = store_clip(
        &mut lib,
        &text_clip(
            "https://reuters.example/1",
            "Nasdaq closes higher",
            NASDAQ_MONDAY,
            "en",
            "Reuters",
            "2024-03-04T21:10:00Z",
        ),
    );
    let db = lib.path().to_owned();
    drop(lib);
    let plain = json(&cli_ok(&db, &["--json", "search", "Putin OR Nasdaq"]));
    assert_eq!(plain["total"], 4);
    let collapsed = json(&cli_ok(&db, &["--json", "search", "Putin OR Nasdaq", "--collapse", "--sort", "oldest"]));
    assert_eq!(collapsed["total"], 2, "{collapsed}");
    let rows = collapsed["results"].as_array().expect("rows");
    assert_eq!(rows.len(), 2);
    let wire_row = &rows[0];
    assert_eq!(wire_row["id"], ap, "the story's earliest clip stands for it when sorted oldest first");
    assert_eq!(wire_row["story_size"], 3);
    assert_eq!(wire_row["matched"], 3);
    assert_eq!(
        wire_row["outlets"],
        serde_json::json!(["Associated Press", "The Times of Israel", "The Washington Times"])
    );
    assert_eq!(wire_row["languages"], serde_json::json!(["en"]));
    assert_eq!((rows[1]["id"].as_i64(), rows[1]["story_size"].as_i64()), (Some(unrelated), Some(1)));
    // Facets count stories: three English clips of one story and one other are two stories.
    let lang = &collapsed["facets"]["lang"][0];
    assert_eq!((lang["name"].as_str(), lang["count"].as_i64()), (Some("en"), Some(2)));
    assert_eq!(plain["facets"]["lang"][0]["count"], 4);
    // A query matching one clip of a story: one row, the story's size, one match.
    let one = json(&cli_ok(&db, &["--json", "search", "site:washingtontimes", "--collapse"]));
    assert_eq!(one["total"], 1);
    assert_eq!((one["results"][0]["story_size"].as_i64(), one["results"][0]["matched"].as_i64()), (Some(3), Some(1)));
    // `stories` and `story`.
    let stories = json(&cli_ok(&db, &["--json", "stories"]));
    assert_eq!(stories.as_array().map(Vec::len), Some(1), "one story of several clips: {stories}");
    let s = &stories[0];
    assert_eq!((s["size"].as_i64(), s["clips"][0]["id"].as_i64()), (Some(3), Some(ap)));
    let relations: Vec<&str> =
        s["clips"].as_array().expect("clips").iter().filter_map(|c| c["relation"].as_str()).collect();
    assert_eq!(relations, ["original", "copy", "copy"]);
    assert_eq!(s["clips"][1]["id"], toi);
    assert_eq!(s["clips"][2]["id"], other);
    let one = json(&cli_ok(&db, &["--json", "story", &s["id"].to_string()]));
    assert_eq!(&one, s);
    let shown = json(&cli_ok(&db, &["--json", "show", &toi.to_string()]));
    assert_eq!(shown["story"], serde_json::json!({"id": s["id"], "size": 3, "relation": "copy", "copy_of": ap}));
    assert_eq!(shown["wire"], "ap");
    let diff = json(&cli_ok(&db, &["--json", "story", "diff", &toi.to_string()]));
    assert_eq!(diff["original_id"], ap);
    assert!(diff["summary"].as_str().is_some_and(|s| s.starts_with("The Times of Israel")), "{diff}");
    assert_eq!(
        json(&cli_ok(&db, &["--json", "stories", "--query", "Nasdaq", "--min-size", "1"]))[0]["clips"][0]["id"],
        unrelated
    );
}

/// Regrouping from scratch gives what the clips arriving one by one gave, and changes nothing.
#[test]
fn regrouping_a_library_gives_its_stories_again() {
    let (_dir, mut lib, _) = crate::support::multilingual_library();
    let before = grouping(lib.path());
    let report = lib.rebuild_stories(false).expect("rebuild");
    assert_eq!(report.changed, 0, "{report:?}");
    assert_eq!(grouping(lib.path()), before);
}

/// A live blog that touches two events joins one of them but never bridges them: the second
/// event's report does not join the first through it.
#[test]
fn a_live_blog_does_not_chain_two_events() {
    let (_dir, mut lib) = temp_library();
    let quake = "Rescuers pulled survivors from collapsed buildings in Izmir after a magnitude 7.0 earthquake struck \
                 the Aegean coast, killing at least 24 people and injuring 804, Turkey's disaster agency AFAD said.";
    let vote =
        "Polls closed in Georgia's Senate runoff, with Raphael Warnock and Kelly Loeffler locked in a tight race \
                that will decide control of the chamber; 4.4 million ballots were cast.";
    let a = store_clip(
        &mut lib,
        &text_clip("https://a.example/1", "Izmir earthquake kills 24", quake, "en", "A", "2021-01-05T10:00:00Z"),
    );
    let blog = store_clip(
        &mut lib,
        &text_clip(
            "https://b.example/live",
            "Live: Izmir earthquake and Georgia runoff — latest updates",
            &format!("{quake}\n\n{vote}"),
            "en",
            "B",
            "2021-01-05T12:00:00Z",
        ),
    );
    let b = store_clip(
        &mut lib,
        &text_clip("https://c.example/1", "Georgia runoff: polls close", vote, "en", "C", "2021-01-05T14:00:00Z"),
    );
    assert_ne!(relation(&lib, a).0, relation(&lib, b).0, "the blog bridged two events");
    let _ = blog;
}

/// A briefing counts stories, not clips: the call of 6 July 2016 in five languages and a
/// republished copy is one item, "also in" the other outlets with their languages.
#[test]
fn a_briefing_prints_one_item_per_story_also_in_its_other_outlets() {
    let (_dir, lib, ids) = crate::support::multilingual_library();
    let digest = clipdesk::digest::Digest {
        title: "Brief".into(),
        query: Some("clipped:1d".into()),
        group_by: clipdesk::digest::GroupBy::None,
        ..Default::default()
    };
    let b = clipdesk::digest::build::build(lib.conn(), &digest).expect("build");
    let items: Vec<_> = b.groups.iter().flat_map(|g| &g.items).collect();
    assert_eq!(b.story_count, items.len());
    let seed = items.iter().find(|i| i.headline == ids[0].1).expect("the seed is the story's item");
    let also: Vec<(&str, Option<&str>)> = seed.also_in.iter().map(|c| (c.outlet.as_str(), c.lang.as_deref())).collect();
    for lang in ["ru", "ar", "he", "zh"] {
        assert!(also.iter().any(|(_, l)| *l == Some(lang)), "also in an outlet in {lang}: {also:?}");
    }
    assert!(also.iter().any(|(o, _)| *o == "The Washington Times"), "{also:?}");
    for (id, title) in &ids[1..5] {
        assert!(items.iter().all(|i| &i.headline != title), "clip {id} ({title}) is no item of its own");
    }
    assert!(items.iter().any(|i| i.headline == ids[5].1), "the Japanese report of other talks is its own item");
}

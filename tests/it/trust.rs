//! What a user hit in the app and CLI (issue 10), each pinned: stored queries that name a topic
//! survive its rename, move and merge; accepting a suggested actor tags every clip that names it;
//! a briefing's period says which date it applies to; dates and hashes that enter by import are
//! validated, and an odd stored date cannot break faceted search; a query may start with `-` on
//! the command line.

use clipdesk::digest::{self, build, Digest, GroupBy, PeriodOn};
use clipdesk::model::{Origin, TagKind};
use clipdesk::search::{saved, Options};
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;
use serde_json::Value;

use crate::support::{add_page, multilingual_library, run_cli, temp_library};

fn topic(name: &str) -> TagRef {
    TagRef { kind: TagKind::Topic, name: name.into() }
}

fn total(lib: &mut Library, q: &str) -> i64 {
    lib.search(q, Options { facets: false, ..Options::default() }).unwrap_or_else(|e| panic!("{q}: {e}")).total
}

fn stored(lib: &Library, sql: &str) -> String {
    lib.conn().query_row(sql, [], |r| r.get(0)).unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Regression: saved searches, rules and briefings named topics by text, so renaming, moving or
/// merging a topic silently emptied them.
#[test]
fn stored_queries_follow_their_topics_through_rename_move_and_merge() {
    // Apart: the seed and the Russian report of one event would otherwise brief as one story.
    let (_dir, mut lib, ids) = crate::support::multilingual_library_apart();
    let (seed, russian) = (ids[0].0, ids[1].0);
    lib.tag_clips(&[seed], &[topic("Mideast/Aleppo")], &[]).expect("tag");
    lib.tag_clips(&[russian], &[topic("Mideast/Damascus")], &[]).expect("tag");
    lib.add_topic("Watch", None).expect("topic");
    {
        let tx = lib.write().expect("tx");
        saved::save(&tx, "Mideast all", "topic:Mideast -lang:xx").expect("save");
        saved::save(&tx, "Aleppo", "(topic:\"Mideast/Aleppo\" OR topic:Aleppo) Putin").expect("save");
        tx.commit().expect("commit");
    }
    lib.set_rule("Watch", Some("topic:Mideast/Damascus OR saved:\"Aleppo\""), false).expect("rule");
    let digest_id = {
        let tx = lib.write().expect("tx");
        let id = digest::save(
            &tx,
            &Digest { title: "Mideast weekly".into(), query: Some("topic:Mideast".into()), ..Default::default() },
        )
        .expect("digest");
        tx.commit().expect("commit");
        id
    };
    let before = (
        total(&mut lib, "saved:\"Mideast all\""),
        total(&mut lib, "saved:Aleppo"),
        total(&mut lib, "topic:Watch OR topic:Mideast/Damascus"),
    );
    assert_eq!(before.0, 2);
    assert!(before.1 >= 1);

    // Rename the parent: every query naming it, or a path under it, follows.
    lib.rename_tag(&topic("Mideast"), "Mideast war").expect("rename");
    assert_eq!(
        stored(&lib, "SELECT query FROM saved_search WHERE name = 'Mideast all'"),
        "topic:\"Mideast war\" -lang:xx"
    );
    assert_eq!(
        stored(&lib, "SELECT query FROM saved_search WHERE name = 'Aleppo'"),
        "(topic:\"Mideast war/Aleppo\" OR topic:Aleppo) Putin",
        "the unique leaf name stays valid and is kept as typed"
    );
    assert_eq!(
        stored(&lib, "SELECT rule FROM tag WHERE name = 'Watch'"),
        "topic:\"Mideast war/Damascus\" OR saved:\"Aleppo\""
    );
    assert_eq!(digest::load(lib.conn(), digest_id).expect("digest").query.as_deref(), Some("topic:\"Mideast war\""));
    assert_eq!(total(&mut lib, "saved:\"Mideast all\""), before.0);
    assert_eq!(total(&mut lib, "saved:Aleppo"), before.1);

    // Rename a leaf named alone: the leaf name in queries follows.
    lib.rename_tag(&topic("Aleppo"), "Halab").expect("rename");
    assert_eq!(
        stored(&lib, "SELECT query FROM saved_search WHERE name = 'Aleppo'"),
        "(topic:\"Mideast war/Halab\" OR topic:Halab) Putin"
    );
    assert_eq!(total(&mut lib, "saved:Aleppo"), before.1);

    // Move: paths follow.
    lib.add_topic("Levant", None).expect("topic");
    lib.move_topic("Mideast war/Damascus", Some("Levant")).expect("move");
    assert_eq!(stored(&lib, "SELECT rule FROM tag WHERE name = 'Watch'"), "topic:Levant/Damascus OR saved:\"Aleppo\"");

    // Merge: the merged topic's name and paths become the target's.
    lib.merge_tags(&topic("Mideast war"), &topic("Levant")).expect("merge");
    assert_eq!(stored(&lib, "SELECT query FROM saved_search WHERE name = 'Mideast all'"), "topic:Levant -lang:xx");
    assert_eq!(digest::load(lib.conn(), digest_id).expect("digest").query.as_deref(), Some("topic:Levant"));
    assert_eq!(total(&mut lib, "saved:\"Mideast all\""), before.0, "the merged topic's clips are still found");
    assert_eq!(total(&mut lib, "saved:Aleppo"), before.1);
    let briefing = build::build(lib.conn(), &digest::load(lib.conn(), digest_id).expect("digest")).expect("build");
    assert_eq!(briefing.story_count, 2);
}

/// Regression: accepting a suggested actor tagged only the clip at hand; another clip naming the
/// same person stayed untagged, the name still "suggested", until a manual retag.
#[test]
fn accepting_a_suggestion_tags_every_clip_that_names_it() {
    let (_dir, mut lib) = temp_library();
    let page = |title: &str, body: &str| {
        format!(
            "<html><head><title>{title}</title></head><body><article><h1>{title}</h1>\
             <p>{body}</p><p>The ministry said talks would continue over the coming weeks in the capital.</p>\
             <p>Officials declined to say when the next round of meetings between the delegations would take place.</p></article></body></html>"
        )
        .into_bytes()
    };
    let a = add_page(
        &mut lib,
        "https://a.example/1",
        page("Talks resume", "Foreign Minister Ayman Safadi met his counterpart on Monday."),
        "World",
    );
    let b = add_page(
        &mut lib,
        "https://b.example/2",
        page("Minister travels", "Jordan's foreign minister, Ayman Safadi, arrived in Cairo."),
        "World",
    );
    let c = add_page(
        &mut lib,
        "https://c.example/3",
        page("Other news", "The harbour council met to discuss the dredging contract."),
        "World",
    );
    let suggested = lib.suggestions(a).expect("suggestions");
    assert!(suggested.iter().any(|s| s.name == "Ayman Safadi"), "{suggested:?}");
    lib.accept_suggestion(a, "Ayman Safadi", None).expect("accept");
    let has = |lib: &Library, id: i64| {
        lib.get(id).expect("clip").tags.iter().find(|t| t.name == "Ayman Safadi").map(|t| t.origin)
    };
    assert_eq!(has(&lib, a), Some(Origin::Suggested));
    assert_eq!(has(&lib, b), Some(Origin::Alias), "the other clip that names him is tagged in the same action");
    assert_eq!(has(&lib, c), None);
    assert!(
        !lib.suggestions(b).expect("suggestions").iter().any(|s| s.name == "Ayman Safadi" && !s.known),
        "no longer only suggested"
    );
    // An alias added later tags the clips that use it; removed, it untags them.
    let d = add_page(
        &mut lib,
        "https://d.example/4",
        page("Visit", "Safadi, the kingdom's top diplomat, spoke to reporters."),
        "World",
    );
    assert_eq!(has(&lib, d), None);
    lib.edit_aliases("Ayman Safadi", &["Safadi".into()], &[]).expect("alias");
    assert_eq!(has(&lib, d), Some(Origin::Alias));
    lib.edit_aliases("Ayman Safadi", &[], &["Safadi".into()]).expect("alias");
    assert_eq!(has(&lib, d), None);
    assert_eq!(has(&lib, b), Some(Origin::Alias), "the full name still tags the other clip");
}

/// Regression: a new briefing's period filtered on publication date, so articles clipped today
/// but published earlier vanished from it. The period says which date it applies to.
#[test]
fn a_briefing_period_applies_to_the_date_it_names() {
    let (_dir, lib, ids) = multilingual_library();
    // The fixture articles were published in 2016 and clipped today.
    let today = chrono::Utc::now().date_naive();
    let mut d = Digest {
        title: "This week".into(),
        period_start: Some(today - chrono::Duration::days(6)),
        period_end: Some(today),
        group_by: GroupBy::None,
        ..Default::default()
    };
    assert_eq!(build::build(lib.conn(), &d).expect_err("published this week: none").code(), "digest.empty");
    d.period_on = PeriodOn::Clipped;
    let b = build::build(lib.conn(), &d).expect("clipped this week");
    let stories: std::collections::HashSet<i64> =
        (1..=ids.len() as i64 + 1).map(|id| lib.clip_story(id).expect("story").expect("has one").id).collect();
    assert_eq!(b.story_count, stories.len(), "one item per story");
    assert!(b.period.as_deref().is_some_and(|p| p.starts_with("Clipped ")), "{:?}", b.period);
    d.period_on = PeriodOn::Published;
    d.period_start = chrono::NaiveDate::from_ymd_opt(2016, 7, 1);
    d.period_end = chrono::NaiveDate::from_ymd_opt(2016, 7, 31);
    let b = build::build(lib.conn(), &d).expect("published in July 2016");
    assert!(b.period.as_deref().is_some_and(|p| p.starts_with("Published ")), "{:?}", b.period);
    // Stored and read back with the definition.
    let tx = lib.conn();
    let id = digest::save(tx, &Digest { period_on: PeriodOn::Clipped, ..d.clone() }).expect("save");
    assert_eq!(digest::load(tx, id).expect("load").period_on, PeriodOn::Clipped);
}

/// Regression: facets took the first seven bytes of a stored date, so one imported date such as
/// "6 июля 2016" made every faceted search panic. Imports now refuse such values, and search
/// reads stored dates by parsing them.
#[test]
fn odd_dates_neither_enter_by_import_nor_break_search() {
    let (dir, mut lib, _) = multilingual_library();
    let db = lib.path().to_owned();
    lib.conn().execute("UPDATE clip SET published_at = '6 июля 2016' WHERE id = 1", []).expect("odd date");
    let r = lib.search("", Options::default()).expect("faceted search over an odd date");
    assert!(r.total > 0 && !r.facets.month.is_empty());
    drop(lib);
    let export = dir.path().join("export.json");
    let (code, _, stderr) = run_cli(&db, &["export", export.to_str().expect("utf-8")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(std::fs::read_to_string(&export).expect("read").contains("6 июля 2016"), "the export carries the odd date");
    let fresh = dir.path().join("import-date.sqlite");
    let (code, _, stderr) = run_cli(&fresh, &["import", export.to_str().expect("utf-8")]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("error[import.invalid]") && stderr.contains("published_at"), "{stderr}");
    assert_eq!(Library::open(&fresh).expect("open").count().expect("count"), 0, "nothing half-imported");
    // A tampered hash is refused too.
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute("UPDATE clip SET published_at = NULL WHERE id = 1", []).expect("fix date");
    conn.execute("UPDATE snapshot SET sha256 = 'not a hash' WHERE id = 1", []).expect("odd hash");
    drop(conn);
    let (code, _, _) = run_cli(&db, &["export", export.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    let fresh = dir.path().join("import-hash.sqlite");
    let (code, _, stderr) = run_cli(&fresh, &["import", export.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("error[import.invalid]") && stderr.contains("sha256"), "{stderr}");
    // `show` of the clip with the odd hash prints it without slicing it.
    let (code, stdout, stderr) = run_cli(&db, &["show", "1"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("not a hash"));
}

/// Regression: `clipdesk search -Erdogan Putin` was taken as an unknown option.
#[test]
fn a_query_may_start_with_a_dash_on_the_command_line() {
    let (_dir, lib, _) = multilingual_library();
    let db = lib.path().to_owned();
    drop(lib);
    let (code, stdout, stderr) = run_cli(&db, &["search", "-Erdogan", "Obama", "--limit", "50", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let with: Value = serde_json::from_str(&stdout).expect("json");
    let (_, stdout, _) = run_cli(&db, &["--json", "search", "Obama"]);
    let plain: Value = serde_json::from_str(&stdout).expect("json");
    assert!(with["total"].as_i64().expect("total") > 0);
    assert_eq!(with["total"], plain["total"], "no clip names Erdogan");
    let (code, stdout, _) = run_cli(&db, &["search", "-Obama", "--json"]);
    assert_eq!(code, 0);
    let without: Value = serde_json::from_str(&stdout).expect("json");
    let all = crate::support::check_library_consistent(&db);
    assert_eq!(without["total"].as_i64().expect("total") + plain["total"].as_i64().expect("total"), all);
    // As a --query value too.
    let (code, _, stderr) = run_cli(&db, &["tag", "--query", "-Obama", "--add", "topic:No Obama"]);
    assert_eq!(code, 0, "{stderr}");
}

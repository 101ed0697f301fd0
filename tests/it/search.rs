//! Search end to end over a small real library: the query language, ranking, snippets, facets,
//! saved searches, and hostile queries.

use std::collections::BTreeMap;

use clipdesk::clip::{prepare, saved_page, store};
use clipdesk::library::Stored;
use clipdesk::model::TagKind;
use clipdesk::search::{self, Options, SearchResult, Sort};
use clipdesk::tags::taxonomy::{ActorType, TagRef};
use clipdesk::Library;

use crate::support::{fixture, temp_library};

/// An article page with a title, a date and paragraphs.
fn page(title: &str, date: &str, site: &str, lang: &str, paragraphs: &[&str]) -> Vec<u8> {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><title>{title}</title>
         <meta property=\"og:site_name\" content=\"{site}\">
         <meta property=\"article:published_time\" content=\"{date}T10:00:00Z\"></head>
         <body><article><h1>{title}</h1>{body}</article></body></html>"
    )
    .into_bytes()
}

fn add(lib: &mut Library, url: &str, html: Vec<u8>) -> i64 {
    let clip = prepare(&saved_page(html, url).expect("page")).expect("extract");
    match store(lib, &clip, &[]).expect("store") {
        Stored::Created(id) => id,
        Stored::Duplicate(id) => panic!("{url} duplicate of {id}"),
    }
}

const FILLER: &str = "Officials in several capitals said that talks would continue over the coming weeks, and that no decision had been made about the next round of meetings between the delegations.";

struct Lib {
    _dir: tempfile::TempDir,
    lib: Library,
    ids: BTreeMap<&'static str, i64>,
}

fn library() -> Lib {
    let (dir, mut lib) = temp_library();
    let mut ids = BTreeMap::new();
    let docs: Vec<(&'static str, Vec<u8>, &str)> = vec![
        (
            "erdogan",
            page("Erdoğan meets Putin in Sochi", "2016-08-09", "Daily Sabah", "en", &[
                "Turkish President Recep Tayyip Erdoğan met Russian President Vladimir Putin in Sochi on Tuesday to mend ties.",
                "The Kremlin said the talks covered Syria, trade and the gas pipeline.",
                FILLER,
            ]),
            "https://www.dailysabah.com/2016/08/09/erdogan-putin",
        ),
        (
            "karabakh",
            page("Kremlin hosts talks on Nagorno-Karabakh", "2016-06-20", "Reuters", "en", &[
                "The Kremlin hosted the presidents of Armenia and Azerbaijan for talks on Nagorno-Karabakh.",
                "Putin said better coordination between the sides was needed to keep the ceasefire.",
                FILLER,
            ]),
            "https://www.reuters.com/article/karabakh-talks",
        ),
        (
            "newyork",
            page("Syria, New York, celebrates its founders", "2016-07-02", "Wyoming County Times", "en", &[
                "The town of Syria, New York, held its annual parade on Saturday with a brass band.",
                "Residents of Syria, New York, gathered at the green for a picnic after the parade.",
                FILLER,
            ]),
            "https://www.wyomingcountytimes.example/syria-ny-parade",
        ),
        (
            "aleppo",
            page("Fighting resumes in Aleppo", "2016-07-15", "Reuters", "en", &[
                "Fighting resumed in Aleppo on Friday as government forces pushed into the eastern districts of the city.",
                "Residents said coordination between rebel groups had broken down after the ceasefire collapsed.",
                FILLER,
            ]),
            "https://www.reuters.com/article/aleppo-fighting",
        ),
        (
            "words",
            page("Better roads and coordination of buses", "2016-07-20", "City Desk", "en", &[
                "The council promised better roads this year, and said that the coordination of buses would improve next spring.",
                FILLER,
            ]),
            "https://citydesk.example/roads",
        ),
    ];
    for (key, html, url) in docs {
        ids.insert(key, add(&mut lib, url, html));
    }
    ids.insert("russian", add(&mut lib, "https://ria.example/2016/07/07/putin", fixture("pages/russian-cp1251.html")));
    ids.insert("chinese", add(&mut lib, "https://news.example.cn/2016/07/07/putin", fixture("pages/chinese-gbk.html")));
    ids.insert(
        "japanese",
        add(&mut lib, "https://news.example.jp/2016/07/08/russia", fixture("pages/japanese-sjis.html")),
    );
    lib.tag_clips(&[ids["aleppo"]], &[TagRef { kind: TagKind::Topic, name: "Syria/Aleppo".into() }], &[]).expect("tag");
    lib.tag_clips(&[ids["erdogan"]], &[TagRef { kind: TagKind::Topic, name: "Syria".into() }], &[]).expect("tag");
    lib.add_actor("Vladimir Putin", Some(ActorType::Person), &["Putin".into(), "Путин".into(), "普京".into()], None)
        .expect("actor");
    lib.retag(false, |_, _| {}).expect("retag");
    Lib { _dir: dir, lib, ids }
}

fn run(lib: &Library, q: &str) -> SearchResult {
    search::search(lib.conn(), q, Options { limit: 100, ..Options::default() }).unwrap_or_else(|e| panic!("{q}: {e}"))
}

/// The documents a query finds, by their keys.
fn check(l: &Lib, q: &str, expected: &[&str]) {
    let result = run(&l.lib, q);
    let mut got: Vec<&str> = result
        .results
        .iter()
        .map(|h| *l.ids.iter().find(|(_, id)| **id == h.id).map(|(k, _)| k).unwrap_or(&"?"))
        .collect();
    got.sort_unstable();
    let mut want = expected.to_vec();
    want.sort_unstable();
    assert_eq!(got, want, "query {q:?}");
    assert_eq!(result.total as usize, expected.len(), "total of {q:?}");
}

#[test]
fn query_language_end_to_end() {
    let l = library();
    check(&l, "\"better coordination\"", &["karabakh"]);
    check(&l, "better coordination", &["karabakh", "words"]);
    check(&l, "Kremlin", &["karabakh", "erdogan"]);
    check(&l, "Kremlin -Sochi", &["karabakh"]);
    check(&l, "Kremlin AND NOT Sochi", &["karabakh"]);
    check(&l, "Syria OR Aleppo NOT \"Syria, New York\"", &["aleppo", "erdogan"]);
    check(&l, "Syria", &["erdogan", "newyork"]);
    check(&l, "NEAR(Putin coordination, 3)", &["karabakh"]);
    check(&l, "NEAR(Putin Sochi, 3)", &["erdogan"]);
    check(&l, "NEAR(Kremlin Sochi, 3)", &[]);
    check(&l, "coordinat*", &["karabakh", "aleppo", "words"]);
    check(&l, "(Kremlin OR Aleppo) site:reuters", &["karabakh", "aleppo"]);
    check(&l, "title:Kremlin", &["karabakh"]);
    check(&l, "lang:ru", &["russian"]);
    check(&l, "lang:ru OR lang:zh", &["russian", "chinese"]);
    // Topic hierarchy: Syria includes Syria/Aleppo.
    check(&l, "topic:Syria", &["erdogan", "aleppo"]);
    check(&l, "topic:Syria/Aleppo", &["aleppo"]);
    // Actor by any alias, in any script.
    check(&l, "actor:Путин", &["erdogan", "karabakh", "russian", "chinese"]);
    check(&l, "actor:\"Vladimir Putin\" lang:zh", &["chinese"]);
    // Dates.
    check(&l, "after:2016-07-01 before:2016-07-16 -lang:ru -lang:zh -lang:ja", &["newyork", "aleppo"]);
    check(&l, "after:2016-08", &["erdogan"]);
    check(&l, "before:2016-07", &["karabakh"]);
    check(&l, "clipped:1d", &l.ids.keys().copied().collect::<Vec<_>>());
    // Scripts and diacritics.
    check(&l, "Путин", &["russian"]);
    check(&l, "кремля", &["russian"]);
    check(&l, "普京", &["chinese"]);
    check(&l, "奥巴马通电话", &["chinese"]);
    check(&l, "ロシア", &["japanese"]);
    check(&l, "Erdogan", &["erdogan"]);
    check(&l, "ERDOĞAN", &["erdogan"]);
    check(&l, "has:note", &[]);
}

#[test]
fn ranking_snippets_and_sorting() {
    let mut l = library();
    // The title outweighs the body.
    let result = run(&l.lib, "Kremlin");
    assert_eq!(result.results[0].id, l.ids["karabakh"], "title match first");
    assert!(result.results[0].score > result.results[1].score);
    let snippet = &result.results[0].snippet;
    assert!(snippet.contains("<mark>Kremlin</mark>"), "{snippet}");
    // Snippets are escaped text with marks only; CJK comes back without index spacing.
    let chinese = run(&l.lib, "普京");
    assert!(
        chinese.results[0].snippet.contains("<mark>普</mark>")
            || chinese.results[0].snippet.contains("<mark>普京</mark>"),
        "{}",
        chinese.results[0].snippet
    );
    assert!(!chinese.results[0].snippet.contains('\u{2009}'));
    // Sorting by date.
    let newest = search::search(l.lib.conn(), "Reuters OR Syria", Options { sort: Sort::Newest, ..Options::default() })
        .expect("search");
    let dates: Vec<&str> = newest.results.iter().map(|h| h.published_at.as_deref().unwrap_or("")).collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);
    // Notes are searchable at once.
    l.lib.set_note(l.ids["words"], Some("ask the transport desk about the Kremlin angle")).expect("note");
    check(&l, "has:note", &["words"]);
    check(&l, "Kremlin", &["karabakh", "erdogan", "words"]);
    // Paging.
    let page2 =
        search::search(l.lib.conn(), "Kremlin", Options { limit: 1, offset: 1, ..Options::default() }).expect("page");
    assert_eq!((page2.total, page2.results.len()), (3, 1));
}

/// Facet counts equal counts computed straight from the tables for the same result set.
#[test]
fn facets_equal_independent_counts() {
    let l = library();
    for q in ["Kremlin OR Syria OR Aleppo OR coordination", "", "lang:en", "actor:Putin"] {
        let result = search::search(l.lib.conn(), q, Options { limit: 1000, facet_limit: 1000, ..Options::default() })
            .expect("search");
        let ids: Vec<i64> = result.results.iter().map(|h| h.id).collect();
        let conn = l.lib.conn();
        let mut sites: BTreeMap<String, i64> = BTreeMap::new();
        let mut langs: BTreeMap<String, i64> = BTreeMap::new();
        let mut months: BTreeMap<String, i64> = BTreeMap::new();
        let mut actors: BTreeMap<String, i64> = BTreeMap::new();
        let mut topics: BTreeMap<String, i64> = BTreeMap::new();
        for id in &ids {
            let clip = l.lib.get(*id).expect("clip");
            *sites.entry(clip.site_name.clone().unwrap_or_default()).or_default() += 1;
            *langs.entry(clip.lang.clone().unwrap_or_default()).or_default() += 1;
            if let Some(p) = clip.published_at {
                *months.entry(p.format("%Y-%m").to_string()).or_default() += 1;
            }
            let mut seen_topics = std::collections::BTreeSet::new();
            for tag in clip.tags {
                match tag.kind {
                    TagKind::Actor => *actors.entry(tag.name).or_default() += 1,
                    TagKind::Topic => {
                        // A topic counts under each of its ancestors too, once per clip.
                        let parts: Vec<&str> = tag.name.split('/').collect();
                        for n in 1..=parts.len() {
                            seen_topics.insert(parts[..n].join("/"));
                        }
                    }
                }
            }
            for t in seen_topics {
                *topics.entry(t).or_default() += 1;
            }
        }
        let _ = conn;
        let as_map = |f: &[search::FacetCount]| f.iter().map(|c| (c.name.clone(), c.count)).collect::<BTreeMap<_, _>>();
        assert_eq!(as_map(&result.facets.site), sites, "sites for {q:?}");
        assert_eq!(as_map(&result.facets.lang), langs, "langs for {q:?}");
        assert_eq!(as_map(&result.facets.month), months, "months for {q:?}");
        assert_eq!(as_map(&result.facets.actor), actors, "actors for {q:?}");
        assert_eq!(as_map(&result.facets.topic), topics, "topics for {q:?}");
        assert_eq!(result.total as usize, ids.len());
    }
}

#[test]
fn saved_searches_work_wherever_a_query_does() {
    let mut l = library();
    {
        let tx = l.lib.write().expect("tx");
        search::saved::save(&tx, "Caucasus", "Karabakh OR Armenia OR Azerbaijan").expect("save");
        tx.commit().expect("commit");
    }
    check(&l, "saved:Caucasus", &["karabakh"]);
    check(&l, "saved:Caucasus OR Sochi", &["karabakh", "erdogan"]);
    // As a topic rule.
    l.lib.add_topic("South Caucasus", None).expect("topic");
    let (preview, added) = l.lib.set_rule("South Caucasus", Some("saved:Caucasus"), true).expect("rule");
    assert_eq!((preview.matching, added), (1, 1));
    // A saved search that refers to itself is an error, not a loop.
    {
        let tx = l.lib.write().expect("tx");
        search::saved::save(&tx, "Loop", "Kremlin").expect("save");
        let err = search::saved::save(&tx, "Loop", "saved:Loop").expect_err("self reference");
        assert_eq!(err.code(), "query.saved");
    }
    let err = search::search(l.lib.conn(), "saved:Nope", Options::default()).expect_err("unknown");
    assert_eq!(err.code(), "not_found");
}

/// Hostile and malformed queries end in a coded error or an answer, fast; never a crash, a hang
/// or a raw SQLite message.
#[test]
fn hostile_queries_are_errors_not_hangs() {
    let l = library();
    let long = "Kremlin ".repeat(1250);
    for (q, code) in [
        (long.as_str(), Some("query.syntax")),
        ("\"unbalanced", Some("query.syntax")),
        ("(((Kremlin", Some("query.syntax")),
        ("NEAR(a", Some("query.syntax")),
        ("foo:bar", Some("query.syntax")),
        ("\"\"", Some("query.syntax")),
        ("*", Some("query.syntax")),
        ("Kremlin\") OR 1=1 --", None),
        ("'; DROP TABLE clip; --", None),
        ("a*b*c*", None),
        ("NEAR(\"a b\" \"c d\", 1000)", None),
        (&"(a OR b) ".repeat(40), None),
        // Regression (found by fuzzing): NUL reached FTS5 and failed as "unterminated string".
        ("S\n\0apieppo", None),
        ("topic:\"Krem\0lin\" \"a\0b\"", None),
    ] {
        let result = search::search(l.lib.conn(), q, Options::default());
        match (code, result) {
            (Some(code), Err(e)) => {
                assert_eq!(e.code(), code, "{q:.40}: {e}");
                assert!(!e.to_string().to_lowercase().contains("sqlite"), "raw SQLite message: {e}");
            }
            (None, Ok(_)) => {}
            (None, Err(e)) if e.code().starts_with("query.") => {}
            (want, got) => panic!("{q:.40}: expected {want:?}, got {got:?}"),
        }
    }
    let count: i64 = l.lib.conn().query_row("SELECT count(*) FROM clip", [], |r| r.get(0)).expect("count");
    assert_eq!(count, l.ids.len() as i64, "library intact");
}

/// The facet index a library keeps between searches follows changes made by this process and by
/// another one (the app and the CLI share the file).
#[test]
fn cached_facets_follow_changes_from_any_process() {
    let mut l = library();
    let facet = |r: &SearchResult, name: &str| r.facets.topic.iter().find(|f| f.name == name).map(|f| f.count);
    let before = l.lib.search("", Options::default()).expect("search");
    assert_eq!(facet(&before, "Caucasus"), None);
    // Same connection.
    l.lib
        .tag_clips(&[l.ids["karabakh"]], &[TagRef { kind: TagKind::Topic, name: "Caucasus".into() }], &[])
        .expect("tag");
    let after = l.lib.search("", Options::default()).expect("search");
    assert_eq!(facet(&after, "Caucasus"), Some(1));
    // Another connection, as another process would.
    let mut other = Library::open(l.lib.path()).expect("open");
    other
        .tag_clips(&[l.ids["erdogan"]], &[TagRef { kind: TagKind::Topic, name: "Caucasus".into() }], &[])
        .expect("tag");
    let later = l.lib.search("", Options::default()).expect("search");
    assert_eq!(facet(&later, "Caucasus"), Some(2));
    let by_topic = l.lib.search("topic:Caucasus", Options::default()).expect("search");
    assert_eq!(by_topic.total, 2);
}

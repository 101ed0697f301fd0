//! The query language, checked against a reference: generated queries over a small vocabulary
//! (words, phrases, prefixes, NOT and `-`, OR, AND, parentheses, fields, Cyrillic and Chinese) either
//! parse or fail with a position inside the query, and those that parse find exactly the clips a
//! plain Rust evaluator of the same parsed query finds in the same small library. The evaluator
//! knows nothing of FTS5 or SQL: it tokenizes the stored columns as the index does (letters and
//! digits, case and Latin accents folded, each Chinese character a word) and walks the tree.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use clipdesk::extract::Article;
use clipdesk::library::{NewClip, NewSnapshot, Stored};
use clipdesk::model::TagKind;
use clipdesk::search::query::{self, Field, Node, Term};
use clipdesk::search::{Options, Sort};
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

use crate::support::temp_library;

const LATIN: &[&str] =
    &["Putin", "Erdoğan", "Kremlin", "sanctions", "gas", "talks", "Nagorno-Karabakh", "Ankara", "ceasefire"];
const CYRILLIC: &[&str] = &["Путин", "Кремль", "газ"];
const CJK: &[&str] = &["普京", "天然气", "会谈"];
const SITES: &[&str] = &["Reuters", "TASS", "Xinhua", "Anadolu"];
const TOPICS: &[&str] = &["Politics", "Politics/Russia", "Politics/Turkey", "Economy", "Economy/Energy"];

/// A small deterministic generator for the library's texts (the queries come from proptest).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.next(from.len())]
    }
}

fn variant(rng: &mut Lcg, w: &str) -> String {
    match rng.next(6) {
        0 => w.to_uppercase(),
        1 => w.to_lowercase(),
        2 => w.replace('ğ', "g"),
        _ => w.to_owned(),
    }
}

fn sentence(rng: &mut Lcg, words: usize) -> String {
    let mut out = String::new();
    for i in 0..words {
        let w = match rng.next(10) {
            0..=5 => {
                let w = rng.pick(LATIN);
                variant(rng, w)
            }
            6 | 7 => {
                let w = rng.pick(CYRILLIC);
                variant(rng, w)
            }
            _ => rng.pick(CJK).to_owned(),
        };
        let glue = match (i, rng.next(8)) {
            (0, _) => "",
            (_, 0) => ", ",
            (_, 1) if out.chars().last().is_some_and(|c| c as u32 > 0x3000) => "",
            _ => " ",
        };
        out.push_str(glue);
        out.push_str(&w);
    }
    out
}

/// What the reference evaluator knows of a clip, read back from the library.
struct Doc {
    id: i64,
    /// title, text, note, authors, site — as the index holds them.
    columns: [Vec<String>; 5],
    lang: Option<String>,
    published: Option<DateTime<Utc>>,
    topics: HashSet<i64>,
    has_note: bool,
}

struct Fixture {
    _dir: tempfile::TempDir,
    lib: Library,
    docs: Vec<Doc>,
    /// Topic id → (path, name, parent).
    topics: Topics,
}

fn build() -> Fixture {
    let (dir, mut lib) = temp_library();
    let mut rng = Lcg(2016);
    for i in 0..18 {
        let n = 3 + rng.next(3);
        let title = sentence(&mut rng, n);
        let mut paragraphs = Vec::new();
        for _ in 0..3 {
            let n = 8 + rng.next(10);
            paragraphs.push(sentence(&mut rng, n));
        }
        let text = paragraphs.join("\n\n");
        let site = rng.pick(SITES);
        let lang = ["en", "ru", "zh", ""][rng.next(4)];
        let published = (rng.next(5) != 0)
            .then(|| Utc.with_ymd_and_hms(2016, 5 + rng.next(4) as u32, 1 + rng.next(28) as u32, 12, 0, 0).unwrap());
        let url = format!("https://{}.example/news/{i}", site.to_lowercase());
        let article = Article {
            title,
            authors: vec![format!("{} Correspondent", rng.pick(LATIN))],
            published_at: published,
            published_offset: None,
            site_name: Some(site.to_owned()),
            lang: Some(lang.to_owned()).filter(|l| !l.is_empty()),
            canonical_url: None,
            lead_image: None,
            word_count: text.split_whitespace().count(),
            html: format!("<p>{}</p>", text),
            text,
            summary: None,
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
                fetched_at: Utc::now(),
                body: b"<html></html>".to_vec(),
                extractor_version: "test".into(),
                headers: None,
                source: None,
            },
            article,
            images: Vec::new(),
        };
        let tags: Vec<TagRef> =
            (0..rng.next(3)).map(|_| TagRef { kind: TagKind::Topic, name: rng.pick(TOPICS).to_owned() }).collect();
        let Stored::Created(id) = clipdesk::clip::store(&mut lib, &clip, &tags).expect("store") else {
            panic!("duplicate")
        };
        if rng.next(3) == 0 {
            let note = sentence(&mut rng, 3);
            lib.set_note(id, Some(&note)).expect("note");
        }
    }
    let (topics, docs) = read_back(&lib);
    Fixture { _dir: dir, lib, docs, topics }
}

type Topics = HashMap<i64, (String, String, Option<i64>)>;

/// What the library holds, read back as the reference evaluator sees it.
fn read_back(lib: &Library) -> (Topics, Vec<Doc>) {
    let conn = lib.conn();
    let mut topics = HashMap::new();
    let mut stmt = conn.prepare("SELECT id, name, parent_id FROM tag WHERE kind = 'topic'").unwrap();
    let rows: Vec<(i64, String, Option<i64>)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    for (id, name, parent) in &rows {
        let path = clipdesk::library::tag_path(conn, *id).unwrap();
        topics.insert(*id, (path, name.clone(), *parent));
    }
    let mut docs = Vec::new();
    let mut stmt = conn
        .prepare(
            "SELECT c.id, c.title, b.text, c.note, c.authors, c.site_name, c.canonical_url, c.lang, c.published_at
             FROM clip c JOIN clip_body b ON b.clip_id = c.id ORDER BY c.id",
        )
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    while let Some(r) = rows.next().unwrap() {
        let id: i64 = r.get(0).unwrap();
        let note: Option<String> = r.get(3).unwrap();
        let authors: Vec<String> = serde_json::from_str(&r.get::<_, String>(4).unwrap()).unwrap();
        let url: String = r.get(6).unwrap();
        let host = url::Url::parse(&url).unwrap().host_str().unwrap().to_owned();
        let site = format!("{} {host}", r.get::<_, Option<String>>(5).unwrap().unwrap_or_default());
        let published: Option<String> = r.get(8).unwrap();
        let topics_of: HashSet<i64> = conn
            .prepare(
                "SELECT tag_id FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id WHERE clip_id = ?1 AND t.kind = 'topic'",
            )
            .unwrap()
            .query_map([id], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        docs.push(Doc {
            id,
            columns: [
                tokens(&r.get::<_, String>(1).unwrap()),
                tokens(&r.get::<_, String>(2).unwrap()),
                tokens(note.as_deref().unwrap_or("")),
                tokens(&authors.join(", ")),
                tokens(&site),
            ],
            lang: r.get(7).unwrap(),
            published: published.as_deref().and_then(clipdesk::model::time_from_db),
            topics: topics_of,
            has_note: note.is_some_and(|n| !n.trim().is_empty()),
        });
    }
    (topics, docs)
}

/// Words as the index sees them: runs of letters and digits, lower case, Latin accents removed;
/// each Chinese or Japanese character a word of its own.
fn tokens(s: &str) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in s.chars() {
        if clipdesk::text::is_cjk(c) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                if (l as u32) < 0x250 {
                    cur.extend(l.nfd().filter(|d| d.is_alphanumeric()));
                } else {
                    cur.push(l);
                }
            }
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn phrase_in(column: &[String], phrase: &[String], prefix: bool) -> bool {
    if phrase.is_empty() || column.len() < phrase.len() {
        return false;
    }
    column.windows(phrase.len()).any(|w| {
        let last = phrase.len() - 1;
        w[..last] == phrase[..last] && if prefix { w[last].starts_with(&phrase[last]) } else { w[last] == phrase[last] }
    })
}

impl Fixture {
    fn term(&self, doc: &Doc, t: &Term) -> bool {
        let phrase = tokens(&t.text);
        let columns: &[usize] = match t.column {
            Some("title") => &[0],
            Some("authors") => &[3],
            Some("site") => &[4],
            None => &[0, 1, 2, 3, 4],
            Some(other) => panic!("unknown column {other}"),
        };
        columns.iter().any(|&c| phrase_in(&doc.columns[c], &phrase, t.prefix))
    }

    /// FTS5's NEAR: in one column, an instance of every phrase, with at most `distance` words
    /// between the end of the first instance and the start of the last.
    fn near(&self, doc: &Doc, terms: &[String], distance: usize) -> bool {
        let phrases: Vec<Vec<String>> = terms.iter().map(|t| tokens(t)).collect();
        if phrases.iter().any(Vec::is_empty) {
            return false;
        }
        doc.columns.iter().any(|col| {
            let instances: Vec<Vec<(usize, usize)>> = phrases
                .iter()
                .map(|p| {
                    (0..col.len().saturating_sub(p.len() - 1))
                        .filter(|&i| col[i..i + p.len()] == p[..])
                        .map(|i| (i, i + p.len()))
                        .collect()
                })
                .collect();
            fn pick(instances: &[Vec<(usize, usize)>], chosen: &mut Vec<(usize, usize)>, distance: usize) -> bool {
                let Some((first, rest)) = instances.split_first() else {
                    let start = chosen.iter().min_by_key(|c| c.0).copied().unwrap_or_default();
                    let last = chosen.iter().max_by_key(|c| c.0).copied().unwrap_or_default();
                    return last.0 <= start.1 + distance;
                };
                first.iter().any(|&i| {
                    chosen.push(i);
                    let ok = pick(rest, chosen, distance);
                    chosen.pop();
                    ok
                })
            }
            pick(&instances, &mut Vec::new(), distance)
        })
    }

    /// The topic a `topic:` value names (by path, or by name) and all below it.
    fn topic_ids(&self, name: &str) -> HashSet<i64> {
        let mut ids: HashSet<i64> = self
            .topics
            .iter()
            .filter(|(_, (path, n, _))| path.eq_ignore_ascii_case(name) || n.eq_ignore_ascii_case(name))
            .map(|(id, _)| *id)
            .collect();
        loop {
            let more: Vec<i64> = self
                .topics
                .iter()
                .filter(|(id, (_, _, parent))| !ids.contains(id) && parent.is_some_and(|p| ids.contains(&p)))
                .map(|(id, _)| *id)
                .collect();
            if more.is_empty() {
                return ids;
            }
            ids.extend(more);
        }
    }

    fn eval(&self, doc: &Doc, node: &Node) -> bool {
        match node {
            Node::All => true,
            Node::Term(t) => self.term(doc, t),
            Node::And(parts) => parts.iter().all(|p| self.eval(doc, p)),
            Node::Or(parts) => parts.iter().any(|p| self.eval(doc, p)),
            Node::Not(inner) => !self.eval(doc, inner),
            Node::Near { terms, distance } => self.near(doc, terms, *distance as usize),
            Node::Field(f) => match f {
                Field::Lang(l) => doc.lang.as_deref() == Some(l.as_str()),
                Field::Topic(name) => !self.topic_ids(name).is_disjoint(&doc.topics),
                Field::HasNote => doc.has_note,
                Field::After(b) => doc.published.is_some_and(|p| p >= b.resolve(Utc::now())),
                Field::Before(b) => doc.published.is_some_and(|p| p < b.resolve(Utc::now())),
                other => panic!("field {other:?} is not generated"),
            },
        }
    }

    fn expected(&self, node: &Node) -> BTreeSet<i64> {
        self.docs.iter().filter(|d| self.eval(d, node)).map(|d| d.id).collect()
    }
}

fn word() -> impl Strategy<Value = String> {
    let all: Vec<&'static str> =
        LATIN.iter().chain(CYRILLIC).chain(CJK).copied().chain(["erdogan", "PUTIN", "天然"]).collect();
    proptest::sample::select(all).prop_map(str::to_owned)
}

fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => word(),
        1 => (word(), word()).prop_map(|(a, b)| format!("\"{a} {b}\"")),
        1 => (proptest::sample::select(LATIN.to_vec()), 2usize..5).prop_map(|(w, n)| format!("{}*", w.chars().take(n).collect::<String>())),
        1 => word().prop_map(|w| format!("title:{w}")),
        1 => proptest::sample::select(SITES.to_vec()).prop_map(|s| format!("site:{s}")),
        1 => proptest::sample::select(vec!["en", "ru", "zh", "de"]).prop_map(|l| format!("lang:{l}")),
        1 => proptest::sample::select(vec!["Politics", "Politics/Russia", "Russia", "Energy", "\"Economy/Energy\"", "Nowhere"]).prop_map(|t| format!("topic:{t}")),
        1 => Just("has:note".to_owned()),
        1 => proptest::sample::select(vec!["after:2016-06", "before:2016-07-15", "after:2016-07-01"]).prop_map(str::to_owned),
    ]
}

fn query() -> impl Strategy<Value = String> {
    atom().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" ")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} AND {b}")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} NOT {b}")),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(a, b, c)| format!("{a} NOT {b} {c}")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("-({a})")),
            inner.clone().prop_map(|a| format!("({a})")),
        ]
    })
}

/// Queries an analyst might mistype: the same pieces with stray operators and brackets.
fn ragged() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => atom(),
        1 => proptest::sample::select(vec!["(", ")", "\"", "OR", "AND", "NOT", "-", ":", "*", "title:", "NEAR(", ","]).prop_map(str::to_owned),
    ];
    proptest::collection::vec(piece, 1..8).prop_map(|v| v.join(" "))
}

fn check_query(fx: &mut Fixture, q: &str) -> Result<(), TestCaseError> {
    match query::parse(q) {
        Err(e) => {
            prop_assert!(e.position <= q.chars().count(), "{q:?}: error position {} past the end: {e}", e.position);
            let err = fx.lib.search(q, Options { limit: 1000, facets: false, ..Options::default() }).unwrap_err();
            prop_assert_eq!(err.code(), "query.syntax", "{}", q);
        }
        Ok(node) => {
            let expected = fx.expected(&node);
            let got = fx
                .lib
                .search(
                    q,
                    Options {
                        limit: 1000,
                        offset: 0,
                        sort: Sort::Newest,
                        facets: false,
                        facet_limit: 0,
                        collapse: false,
                    },
                )
                .map_err(|e| TestCaseError::fail(format!("{q:?} parsed as {node:?} but the search failed: {e}")))?;
            let got: BTreeSet<i64> = got.results.iter().map(|h| h.id).collect();
            prop_assert_eq!(got, expected, "query {:?} parsed as {:?}", q, node);
        }
    }
    Ok(())
}

#[test]
fn generated_queries_find_what_the_reference_finds() {
    let fx = RefCell::new(build());
    {
        // The library must make the comparison worth something: every kind of value occurs.
        let fx = fx.borrow();
        assert!(fx.docs.iter().any(|d| d.lang.is_none()) && fx.docs.iter().any(|d| d.published.is_none()));
        assert!(fx.docs.iter().any(|d| d.has_note) && fx.docs.iter().any(|d| d.topics.is_empty()));
    }
    let mut runner = TestRunner::new(Config { cases: 600, failure_persistence: None, ..Config::default() });
    let seen_nonempty = Cell::new(0);
    runner
        .run(&query(), |q| {
            if let Ok(node) = query::parse(&q) {
                if !fx.borrow().expected(&node).is_empty() {
                    seen_nonempty.set(seen_nonempty.get() + 1);
                }
            }
            check_query(&mut fx.borrow_mut(), &q)
        })
        .unwrap();
    assert!(seen_nonempty.get() > 100, "too few generated queries matched anything ({})", seen_nonempty.get());
}

#[test]
fn mistyped_queries_parse_or_fail_with_a_position() {
    let fx = RefCell::new(build());
    let mut runner = TestRunner::new(Config { cases: 600, failure_persistence: None, ..Config::default() });
    runner.run(&ragged(), |q| check_query(&mut fx.borrow_mut(), &q)).unwrap();
}

/// The cases the issue named, and what the reference says of them, as fixed examples.
#[test]
fn not_then_more_words() {
    let mut fx = build();
    for q in [
        "Putin NOT Erdogan Kremlin",
        "Putin NOT Erdogan NOT Путин NOT 普京 Kremlin",
        "-Erdogan Putin",
        "-lang:en Putin",
        "-after:2016-06 gas",
        "NOT has:note",
        // Regression: conditions were joined with AND without parentheses, so an OR among them
        // swallowed the rest of the query.
        "lang:en OR Putin NOT Pu*",
        "has:note NOT Putin Putin OR lang:en",
    ] {
        check_query(&mut fx, q).unwrap_or_else(|e| panic!("{e}"));
    }
}

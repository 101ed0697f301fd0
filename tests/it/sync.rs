//! Team desks against a real PostgreSQL 15 (Debian's packages: `initdb` and `pg_ctl` in a
//! temporary directory, a Unix socket, as the `postgres` user when the tests run as root): two
//! and three libraries editing one desk at once and syncing in every order, a `clipdesk sync`
//! killed with SIGKILL half-way and the server crashed half-way, then resumed; permissions and
//! the append-only log checked with raw SQL through each role.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Stdio};

use clipdesk::model::TagKind;
use clipdesk::sync::{self, conflict, desk};
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::Library;

use crate::support::{add_page, check_library_consistent, clipdesk_bin};

#[path = "../support/postgres.rs"]
mod pg;
use pg::Postgres;

const ROLES: &[&str] = &["alice", "bob", "carol", "dave"];

/// A PostgreSQL cluster with the team schema (made by the administrator role).
fn team() -> Postgres {
    let pg = Postgres::start(ROLES);
    let r = sync::remote::init(&pg.url("admin")).expect("remote init");
    assert_eq!((r.from_version, r.version), (0, sync::remote::SCHEMA_VERSION));
    // Again: nothing to do.
    let again = sync::remote::init(&pg.url("admin")).expect("remote init again");
    assert_eq!((again.from_version, again.version), (r.version, r.version));
    pg
}

/// A new library attached as `role`.
fn library(dir: &Path, name: &str, pg: &Postgres, role: &str) -> Library {
    let mut lib = Library::open(&dir.join(format!("{name}.sqlite"))).expect("open library");
    let attached = desk::attach(&mut lib, &pg.url(role)).expect("attach");
    assert_eq!(attached.role, role);
    lib
}

/// An article page with some text; distinct for each `n`.
fn article(n: usize, title: &str) -> Vec<u8> {
    let paragraphs: String = (0..6)
        .map(|i| {
            format!(
                "<p>Paragraph {i} of story {n}: the energy ministers met in Vienna on Tuesday to discuss output \
                 quotas, pipeline tariffs and the winter outlook for gas storage across the region ({n}-{i}).</p>"
            )
        })
        .collect();
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>\
         <article><h1>{title}</h1>{paragraphs}</article></body></html>"
    )
    .into_bytes()
}

fn clip_into(lib: &mut Library, desk: &str, n: usize, title: &str) -> i64 {
    clip_page(lib, desk, n, article(n, title))
}

fn clip_page(lib: &mut Library, desk: &str, n: usize, html: Vec<u8>) -> i64 {
    lib.set_desk(Some(desk)).expect("desk");
    let id = add_page(lib, &format!("https://news.example/{}/story-{n}", desk.replace(' ', "-")), html, "Energy");
    lib.set_desk(None).expect("no desk");
    id
}

fn sync_ok(lib: &mut Library) -> sync::Report {
    sync::run(lib, &sync::Options::default()).unwrap_or_else(|e| panic!("sync {}: {e}", lib.path().display()))
}

fn topic(name: &str) -> TagRef {
    TagRef { kind: TagKind::Topic, name: name.into() }
}

fn actor(name: &str) -> TagRef {
    TagRef { kind: TagKind::Actor, name: name.into() }
}

/// A shared clip's id in a library, by its title.
fn by_title(lib: &Library, title: &str) -> i64 {
    lib.conn()
        .query_row("SELECT id FROM clip WHERE title = ?1 AND desk IS NOT NULL", [title], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{title} in {}: {e}", lib.path().display()))
}

/// What the desks hold as a library sees them, by uid: clips (title, note, tags with their
/// origins), the taxonomy (Clipdesk's seeded tags apart), actors' aliases, open conflicts.
/// A clip as dumped: title, note, tags (uid, origin), snapshots.
type DumpedClip = (String, Option<String>, BTreeSet<(String, String)>, i64);

#[derive(Debug, PartialEq, Eq)]
struct Dump {
    clips: BTreeMap<String, DumpedClip>,
    tags: BTreeMap<String, (String, String, Option<String>, BTreeSet<String>)>,
    conflicts: BTreeSet<(String, String, Option<String>, Option<String>)>,
}

fn dump(lib: &Library) -> Dump {
    let conn = lib.conn();
    let mut clips = BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT c.uid, c.title, c.note, (SELECT count(*) FROM snapshot s WHERE s.clip_id = c.id), c.id
             FROM clip c WHERE c.desk IS NOT NULL",
        )
        .expect("prepare");
    let rows: Vec<(String, String, Option<String>, i64, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("clips")
        .map(|r| r.expect("row"))
        .collect();
    for (uid, title, note, snapshots, id) in rows {
        let mut tags = conn
            .prepare("SELECT t.uid, ct.origin FROM clip_tag ct JOIN tag t ON t.id = ct.tag_id WHERE ct.clip_id = ?1")
            .expect("prepare");
        let tags: BTreeSet<(String, String)> =
            tags.query_map([id], |r| Ok((r.get(0)?, r.get(1)?))).expect("tags").map(|r| r.expect("tag")).collect();
        clips.insert(uid, (title, note, tags, snapshots));
    }
    let mut tags = BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT t.uid, t.kind, t.name, p.uid, t.id FROM tag t LEFT JOIN tag p ON p.id = t.parent_id
             WHERE t.source IS NULL",
        )
        .expect("prepare");
    let rows: Vec<(String, String, String, Option<String>, i64)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("tags")
        .map(|r| r.expect("row"))
        .collect();
    for (uid, kind, name, parent, id) in rows {
        let mut aliases = conn.prepare("SELECT norm FROM tag_alias WHERE tag_id = ?1").expect("prepare");
        let aliases: BTreeSet<String> =
            aliases.query_map([id], |r| r.get(0)).expect("aliases").map(|r| r.expect("alias")).collect();
        tags.insert(uid, (kind, name, parent, aliases));
    }
    let conflicts = conflict::open(conn)
        .expect("conflicts")
        .into_iter()
        .map(|c| {
            let uid: String =
                conn.query_row("SELECT uid FROM clip WHERE id = ?1", [c.clip], |r| r.get(0)).expect("clip uid");
            (uid, c.field, c.current.text, c.other.text)
        })
        .collect();
    Dump { clips, tags, conflicts }
}

/// Everyone syncs until nothing moves, then every library holds the same desks.
fn settle_and_compare(libs: &mut [&mut Library]) -> Dump {
    for _ in 0..2 {
        for lib in libs.iter_mut() {
            sync_ok(lib);
        }
    }
    let first = dump(&*libs[0]);
    assert!(!first.clips.is_empty(), "nothing was shared");
    for lib in libs.iter().skip(1) {
        let other = dump(lib);
        assert_eq!(other.clips, first.clips, "clips differ: {} vs {}", libs[0].path().display(), lib.path().display());
        assert_eq!(other.tags, first.tags, "taxonomy differs: {}", lib.path().display());
        assert_eq!(other.conflicts, first.conflicts, "conflicts differ: {}", lib.path().display());
    }
    for lib in libs.iter() {
        check_library_consistent(lib.path());
        assert_eq!(sync::status(lib).expect("status").pending, 0);
    }
    first
}

/// Three analysts on one desk: a shared start, then each changes things offline at once (tags
/// added and removed on the same clip, the same note, two opposite merges of the same actors, a
/// new actor, a title), then they sync in the given order.
fn concurrent_round(pg: &Postgres, dir: &Path, desk_name: &str, order: &[usize]) {
    let mut alice = library(dir, &format!("{desk_name}-alice"), pg, "alice");
    let d = desk::create(&mut alice, desk_name).expect("create desk");
    assert_eq!(d.level, "admin");
    desk::add_member(&mut alice, desk_name, "bob", desk::Level::Editor).expect("bob");
    desk::add_member(&mut alice, desk_name, "carol", desk::Level::Editor).expect("carol");
    let mut bob = library(dir, &format!("{desk_name}-bob"), pg, "bob");
    let mut carol = library(dir, &format!("{desk_name}-carol"), pg, "carol");

    // The shared start: three clips, two actors on the first, Energy on all.
    let c1 = clip_into(&mut alice, desk_name, 1, "Ministers meet in Vienna");
    clip_into(&mut alice, desk_name, 2, "Pipeline tariffs rise");
    clip_into(&mut alice, desk_name, 3, "Winter gas storage");
    alice.add_actor("Igor Sechin", None, &[], None).expect("actor");
    alice.add_actor("Sechin", None, &[], None).expect("actor");
    alice.tag_clips(&[c1], &[actor("Igor Sechin"), actor("Sechin")], &[]).expect("tag");
    alice.set_note(c1, Some("first note")).expect("note");
    sync_ok(&mut alice);
    sync_ok(&mut bob);
    sync_ok(&mut carol);
    assert_eq!(dump(&bob), dump(&alice));
    assert_eq!(dump(&carol), dump(&alice));

    // Offline, at once.
    let (a1, a3) = (c1, by_title(&alice, "Winter gas storage"));
    alice.tag_clips(&[a1], &[topic("Energy/Oil")], &[]).expect("alice tags");
    alice.tag_clips(&[a3], &[topic("Gas")], &[]).expect("alice tags");
    alice.set_note(a1, Some("alice: the readout matters")).expect("alice note");
    alice.merge_tags(&actor("Sechin"), &actor("Igor Sechin")).expect("alice merges");

    let (b1, b2) = (by_title(&bob, "Ministers meet in Vienna"), by_title(&bob, "Pipeline tariffs rise"));
    bob.tag_clips(&[b1], &[], &[topic("Energy")]).expect("bob untags");
    bob.tag_clips(&[b2], &[topic("Gas")], &[]).expect("bob tags");
    bob.set_note(b1, Some("bob: check the tariffs")).expect("bob note");
    bob.merge_tags(&actor("Igor Sechin"), &actor("Sechin")).expect("bob merges");

    let (k2, k3) = (by_title(&carol, "Pipeline tariffs rise"), by_title(&carol, "Winter gas storage"));
    carol
        .add_actor("Rosneftegaz Holding", Some(clipdesk::tags::taxonomy::ActorType::Organisation), &[], None)
        .expect("actor");
    carol.tag_clips(&[k2], &[actor("Rosneftegaz Holding")], &[]).expect("carol tags");
    carol.tag_clips(&[k3], &[topic("Gas")], &[]).expect("carol tags");
    carol.tag_clips(&[k3], &[], &[topic("Gas")]).expect("carol untags");
    carol.set_note(k3, Some("carol: storage at 80%")).expect("carol note");
    carol.set_title(k2, "Tariffs rise (carol's headline)").expect("carol title");

    let mut libs = [&mut alice, &mut bob, &mut carol];
    for &i in order {
        sync_ok(&mut *libs[i]);
    }
    let state = settle_and_compare(&mut libs);

    // Nothing lost: every change is there, or was overtaken by a later one in the server's
    // order, and the two notes written at once are both kept.
    let titles: BTreeSet<&str> = state.clips.values().map(|c| c.0.as_str()).collect();
    assert!(titles.contains("Tariffs rise (carol's headline)"), "{titles:?}");
    let notes: BTreeSet<Option<&str>> = state.clips.values().map(|c| c.1.as_deref()).collect();
    assert!(notes.contains(&Some("carol: storage at 80%")), "{notes:?}");
    assert_eq!(state.conflicts.len(), 1, "{:?}", state.conflicts);
    let (_, field, current, other) = state.conflicts.iter().next().expect("conflict");
    assert_eq!(field, "note");
    let both: BTreeSet<Option<&str>> = [current.as_deref(), other.as_deref()].into_iter().collect();
    assert_eq!(both, BTreeSet::from([Some("alice: the readout matters"), Some("bob: check the tariffs")]));
    let names: BTreeSet<&str> = state.tags.values().map(|t| t.1.as_str()).collect();
    assert!(names.contains("Oil") && names.contains("Gas") && names.contains("Rosneftegaz Holding"), "{names:?}");
    // The two merges settled on one actor, with both names.
    let sechins: Vec<_> = state.tags.values().filter(|t| t.1.contains("Sechin")).collect();
    assert_eq!(sechins.len(), 1, "{sechins:?}");
    assert!(sechins[0].3.contains("sechin") && sechins[0].3.contains("igor sechin"), "{sechins:?}");

    // One analyst settles the conflict keeping both texts; everyone sees it settled.
    let open = conflict::open(bob.conn()).expect("conflicts");
    let kept = conflict::resolve(&mut bob, open[0].id, conflict::Keep::Both).expect("resolve").expect("text");
    assert!(kept.contains("alice: the readout matters") && kept.contains("bob: check the tariffs"), "{kept}");
    let mut libs = [&mut alice, &mut bob, &mut carol];
    let state = settle_and_compare(&mut libs);
    assert!(state.conflicts.is_empty(), "{:?}", state.conflicts);
    assert!(state.clips.values().any(|c| c.1.as_deref() == Some(kept.as_str())));
}

#[test]
fn three_libraries_converge_whatever_the_order_of_their_syncs() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    for (n, order) in orders.iter().enumerate() {
        // A team of its own for each order: the same analysts on one server would carry one
        // round's merged actors into the next (covered by `a_merge_seen_on_one_desk_folds_the_name_on_another`).
        let pg = team();
        concurrent_round(&pg, dir.path(), &format!("Desk {n}"), order);
    }
}

#[test]
fn two_libraries_converge_in_both_orders() {
    let pg = team();
    let dir = tempfile::tempdir().expect("dir");
    for (n, first_alice) in [true, false].into_iter().enumerate() {
        let name = format!("Pair {n}");
        let mut alice = library(dir.path(), &format!("{name}-alice"), &pg, "alice");
        desk::create(&mut alice, &name).expect("desk");
        desk::add_member(&mut alice, &name, "bob", desk::Level::Editor).expect("bob");
        let mut bob = library(dir.path(), &format!("{name}-bob"), &pg, "bob");
        let a = clip_into(&mut alice, &name, 1, "Alice's story");
        let b = clip_into(&mut bob, &name, 2, "Bob's story");
        // The same article clipped by both at once is one clip.
        clip_into(&mut alice, &name, 3, "Both clipped this");
        let mut later = article(3, "Both clipped this");
        later.extend_from_slice(b"<!-- fetched a minute later -->");
        clip_page(&mut bob, &name, 3, later);
        alice.set_note(a, Some("from alice")).expect("note");
        bob.tag_clips(&[b], &[topic("Energy/Nuclear")], &[topic("Energy")]).expect("tag");
        let (first, second) = if first_alice { (&mut alice, &mut bob) } else { (&mut bob, &mut alice) };
        sync_ok(first);
        sync_ok(second);
        let state = settle_and_compare(&mut [&mut alice, &mut bob]);
        // Both roles are on every earlier pair's desk too: each round adds three clips.
        assert_eq!(state.clips.len(), 3 * (n + 1), "{:?}", state.clips);
        assert!(state.conflicts.is_empty());
        // Both snapshots of the article clipped twice are kept.
        assert!(state.clips.values().any(|c| c.0 == "Both clipped this" && c.3 == 2), "{:?}", state.clips);
        // Pulled clips are searchable, with their tags and notes.
        let rounds = n as i64 + 1;
        assert_eq!(alice.search("topic:Energy/Nuclear", Default::default()).expect("search").total, rounds);
        assert_eq!(bob.search("has:note", Default::default()).expect("search").total, rounds);
        assert_eq!(bob.search("Vienna", Default::default()).expect("search").total, 3 * rounds);
    }
}

/// Runs `clipdesk --json ARGS` on a library; returns (exit code, stdout, stderr).
fn cli(db: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = Command::new(clipdesk_bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("CLIPDESK_DB")
        .envs(env.iter().copied())
        .output()
        .expect("run clipdesk");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Starts `clipdesk sync` stalled at `point`; returns once it is there.
fn stalled_sync(db: &Path, point: &str, resume: &Path) -> std::process::Child {
    let mut child = Command::new(clipdesk_bin())
        .arg("--db")
        .arg(db)
        .args(["--json", "sync", "--batch", "5"])
        .env_remove("CLIPDESK_DB")
        .env("CLIPDESK_FAULT_SYNC_STALL", point)
        .env("CLIPDESK_FAULT_SYNC_RESUME", resume)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn clipdesk sync");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stderr));
    loop {
        match lines.next() {
            Some(Ok(line)) if line.contains("stalled at") => break,
            Some(_) => continue,
            None => panic!("clipdesk sync ended before stalling at {point}: {:?}", child.wait()),
        }
    }
    std::thread::spawn(move || for _ in lines {});
    child
}

/// The server's log: (number of operations, distinct op ids, clip.add operations).
fn log_counts(pg: &Postgres) -> (i64, i64, i64) {
    let out = pg.psql(
        "team",
        "admin",
        "SELECT count(*), count(DISTINCT op_id), count(*) FILTER (WHERE kind = 'clip.add') FROM clipdesk.op_log",
    );
    let v: Vec<i64> = out.trim().split('|').map(|x| x.parse().expect("number")).collect();
    (v[0], v[1], v[2])
}

#[test]
fn a_sync_killed_or_cut_off_half_way_resumes_without_duplicates() {
    let pg = team();
    let dir = tempfile::tempdir().expect("dir");
    let mut alice = library(dir.path(), "alice", &pg, "alice");
    desk::create(&mut alice, "Wire").expect("desk");
    desk::add_member(&mut alice, "Wire", "bob", desk::Level::Editor).expect("bob");
    for n in 0..12 {
        clip_into(&mut alice, "Wire", n, &format!("Wire story {n}"));
    }
    let pending = sync::status(&alice).expect("status").pending;
    assert!(pending > 12, "{pending}");
    let db = alice.path().to_owned();
    drop(alice);
    let resume = dir.path().join("resume");

    // Killed right after the server committed the first batch, before the library noted it.
    let mut child = stalled_sync(&db, "push-committed", &resume);
    let (logged, _, _) = log_counts(&pg);
    assert_eq!(logged, 5 + 1, "one batch of five and bob's membership");
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    // The server crashes while the next sync has a batch open.
    let mut child = stalled_sync(&db, "push-open", &resume);
    pg.crash();
    std::fs::write(&resume, b"go").expect("resume");
    let status = child.wait().expect("wait");
    assert!(!status.success(), "the sync must fail when the server goes away");
    let alice = Library::open(&db).expect("open");
    let st = sync::status(&alice).expect("status");
    assert_eq!(st.last_error.as_ref().map(|e| e.code.as_str()), Some("sync.connect"), "{st:?}");
    drop(alice);
    std::fs::remove_file(&resume).expect("rm");
    pg.start_server();

    // Resumed: everything once.
    let (code, out, err) = cli(&db, &["--json", "sync"], &[]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert!(report["pushed"].as_u64().expect("pushed") > 0, "{report}");
    assert_eq!(report["refused"], serde_json::json!([]));
    let (logged, distinct, clips) = log_counts(&pg);
    assert_eq!(logged, distinct);
    assert_eq!(clips, 12, "each clip logged once");
    assert_eq!(logged, pending + 1, "each change logged once");

    // Bob pulls, killed after his first page; resumed, his library equals alice's.
    let mut bob = library(dir.path(), "bob", &pg, "bob");
    let bob_db = bob.path().to_owned();
    drop(bob);
    let mut child = stalled_sync(&bob_db, "pull", &resume);
    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let partial = check_library_consistent(&bob_db);
    assert!((1..12).contains(&partial), "{partial} clips after one page");
    let (code, _, err) = cli(&bob_db, &["--json", "sync"], &[]);
    assert_eq!(code, 0, "{err}");
    bob = Library::open(&bob_db).expect("open");
    let mut alice = Library::open(&db).expect("open");
    let state = settle_and_compare(&mut [&mut alice, &mut bob]);
    assert_eq!(state.clips.len(), 12);
    assert_eq!(log_counts(&pg).0, pending + 1, "pulling sent nothing");
}

fn connect(pg: &Postgres, role: &str) -> postgres::Client {
    postgres::Client::connect(&pg.url(role), postgres::NoTls).expect("connect")
}

#[test]
fn roles_see_and_write_only_what_their_membership_allows() {
    let pg = team();
    let dir = tempfile::tempdir().expect("dir");
    let mut alice = library(dir.path(), "alice", &pg, "alice");
    desk::create(&mut alice, "Secret").expect("desk");
    desk::add_member(&mut alice, "Secret", "dave", desk::Level::Viewer).expect("dave");
    // Only an admin manages members; only existing login roles are members.
    let err = desk::add_member(&mut alice, "Secret", "nobody", desk::Level::Editor).expect_err("no such role");
    assert_eq!(err.code(), "sync.no_role");
    let c = clip_into(&mut alice, "Secret", 1, "Classified briefing");
    alice.set_note(c, Some("alice's note")).expect("note");
    sync_ok(&mut alice);

    // Dave (viewer) reads the desk; his changes are refused, reported and undone.
    let mut dave = library(dir.path(), "dave", &pg, "dave");
    sync_ok(&mut dave);
    let d = by_title(&dave, "Classified briefing");
    let err = desk::add_member(&mut dave, "Secret", "carol", desk::Level::Editor).expect_err("viewer adds member");
    assert_eq!(err.code(), "sync.denied");
    dave.tag_clips(&[d], &[topic("Leaks")], &[topic("Energy")]).expect("local tag");
    dave.set_note(d, Some("dave was here")).expect("local note");
    dave.set_desk(Some("Secret")).expect("desk");
    add_page(&mut dave, "https://news.example/dave", article(9, "Dave's own story"), "Energy");
    let dave_db = dave.path().to_owned();
    drop(dave);
    let (code, out, err) = cli(&dave_db, &["--json", "sync"], &[]);
    assert_eq!(code, 1, "refusals make the exit status 1: {err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    let kinds: BTreeSet<&str> =
        report["refused"].as_array().expect("refused").iter().filter_map(|r| r["kind"].as_str()).collect();
    assert_eq!(kinds, BTreeSet::from(["clip.add", "note.set", "tag.add", "tag.remove"]), "{report}");
    assert!(report["refused"].as_array().expect("refused").iter().all(|r| r["code"] == "sync.denied"));
    assert_eq!(report["pushed"], 0);
    let mut dave = Library::open(&dave_db).expect("open");
    let clip = dave.get(d).expect("clip");
    assert_eq!(clip.note.as_deref(), Some("alice's note"), "the refused note is undone");
    let tags: BTreeSet<String> = clip.tags.iter().map(|t| t.name.clone()).collect();
    assert!(tags.contains("Energy") && !tags.contains("Leaks"), "{tags:?}");
    // His own clip stays with him, off the desk.
    let own: Option<String> = dave
        .conn()
        .query_row("SELECT desk FROM clip WHERE title = 'Dave''s own story'", [], |r| r.get(0))
        .expect("own clip");
    assert_eq!(own, None);
    assert_eq!(sync::status(&dave).expect("status").pending, 0);
    let mut alice_again = Library::open(alice.path()).expect("open");
    sync_ok(&mut alice_again);
    assert_eq!(dump(&alice_again).clips, dump(&dave).clips, "alice never sees dave's refused changes");
    sync_ok(&mut dave);

    let desk_id = pg.psql("team", "admin", "SELECT id FROM clipdesk.desk WHERE name = 'Secret'").trim().to_owned();
    let insert = format!(
        "INSERT INTO clipdesk.op_log (desk, op_id, kind, payload, device, client_time)
         VALUES ('{desk_id}', gen_random_uuid(), 'note.set', '{{}}', gen_random_uuid(), now())"
    );
    let denied = |r: Result<u64, postgres::Error>, what: &str| {
        let e = r.expect_err(what);
        assert_eq!(e.code(), Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE), "{what}: {e}");
    };
    // A viewer cannot write, even by hand.
    let mut dave_sql = connect(&pg, "dave");
    denied(dave_sql.execute(insert.as_str(), &[]), "viewer inserts into the log");
    denied(
        dave_sql.execute(&format!("INSERT INTO clipdesk.blob VALUES ('{desk_id}', repeat('a', 64), '')"), &[]),
        "viewer inserts a blob",
    );
    let seen: i64 = dave_sql.query_one("SELECT count(*) FROM clipdesk.op_log", &[]).expect("select").get(0);
    assert!(seen > 0, "a viewer reads");
    // Nobody may write under another name, nor choose the order.
    let mut alice_sql = connect(&pg, "alice");
    denied(
        alice_sql.execute(&insert.replace("(desk,", "(author, desk,").replace("VALUES (", "VALUES ('bob', "), &[]),
        "alice logs as bob",
    );
    denied(alice_sql.execute(&insert.replace("(desk,", "(seq, desk,").replace("VALUES (", "VALUES (1, "), &[]), "seq");
    // A non-member sees nothing of the desk, whatever the query.
    let mut carol_sql = connect(&pg, "carol");
    for table in ["op_log", "blob", "desk", "member", "clip_state", "clip_tag_state", "tag_state"] {
        let n: i64 = carol_sql
            .query_one(&format!("SELECT count(*) FROM clipdesk.{table}"), &[])
            .unwrap_or_else(|e| panic!("{table}: {e}"))
            .get(0);
        assert_eq!(n, 0, "carol sees {n} rows of {table}");
    }
    denied(carol_sql.execute(insert.as_str(), &[]), "non-member inserts");
    // The log cannot be altered by clients (no grant), nor by its owner (a trigger).
    for (role, mut client) in [("alice", alice_sql), ("dave", dave_sql), ("carol", carol_sql)] {
        for sql in
            ["UPDATE clipdesk.op_log SET kind = 'x.y'", "DELETE FROM clipdesk.op_log", "TRUNCATE clipdesk.op_log"]
        {
            denied(client.execute(sql, &[]), &format!("{role}: {sql}"));
        }
        denied(client.execute("UPDATE clipdesk.member SET level = 'admin'", &[]), "member");
        denied(client.execute("DELETE FROM clipdesk.clip_state", &[]), "state");
    }
    let mut owner = connect(&pg, "admin");
    for sql in ["UPDATE clipdesk.op_log SET kind = 'x.y'", "DELETE FROM clipdesk.op_log", "TRUNCATE clipdesk.op_log"] {
        denied(owner.execute(sql, &[]), &format!("owner: {sql}"));
    }
    // Who did what is in the log: who tagged this clip, from which device, when.
    let who = pg.psql(
        "team",
        "admin",
        "SELECT DISTINCT author FROM clipdesk.op_log WHERE kind = 'tag.add' AND payload->'tag'->>'name' = 'Energy'",
    );
    assert_eq!(who.trim(), "alice");
    let stamped = pg.psql(
        "team",
        "admin",
        "SELECT count(*) FROM clipdesk.op_log WHERE device IS NULL OR client_time IS NULL OR server_time IS NULL",
    );
    assert_eq!(stamped.trim(), "0");
}

#[test]
fn the_cli_attaches_lists_desks_and_reports_sync_state() {
    let pg = team();
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("alice.sqlite");
    let ok = |args: &[&str]| {
        let (code, out, err) = cli(&db, args, &[]);
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("{args:?}: {e}: {out}"))
    };
    let (code, _, err) = cli(&db, &["--json", "sync"], &[]);
    assert_eq!((code, err.contains("error[sync.no_remote]")), (1, true), "{err}");
    // Regression: that failed sync made `sync --status` of a library never shared say it failed.
    let unshared = ok(&["--json", "sync", "--status"]);
    assert_eq!((unshared["remote"].is_null(), unshared["last_error"].is_null()), (true, true), "{unshared}");
    let (code, _, err) = cli(&db, &["remote", "add", &pg.url("alice").replace("/team", "/nothere")], &[]);
    assert_eq!((code, err.contains("error[sync.connect]")), (1, true), "{err}");
    let a = ok(&["--json", "remote", "add", &pg.url("alice")]);
    assert_eq!(a["role"], "alice");
    ok(&["--json", "desk", "create", "Energy desk"]);
    let (code, _, err) = cli(&db, &["desk", "create", "Energy desk"], &[]);
    assert_eq!((code, err.contains("error[sync.desk_exists]")), (1, true), "{err}");
    ok(&["--json", "desk", "add-member", "Energy desk", "bob", "--role", "viewer"]);
    let list = ok(&["--json", "desk", "list"]);
    assert_eq!(list["online"], true);
    assert_eq!(list["desks"][0]["name"], "Energy desk");
    assert_eq!(list["desks"][0]["level"], "admin");
    let members: BTreeSet<String> = list["desks"][0]["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| format!("{}:{}", m["role"].as_str().unwrap_or(""), m["level"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(members, BTreeSet::from(["alice:admin".to_owned(), "bob:viewer".to_owned()]));
    let page = dir.path().join("page.html");
    std::fs::write(&page, article(1, "Clipped from the CLI")).expect("page");
    let (code, out, err) = cli(
        &db,
        &[
            "--json",
            "clip",
            "--html",
            page.to_str().expect("path"),
            "--url",
            "https://news.example/cli",
            "--desk",
            "Energy desk",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"created\""), "{out}");
    let (code, _, err) = cli(
        &db,
        &["clip", "--html", page.to_str().expect("path"), "--url", "https://x.example/", "--desk", "Nope"],
        &[],
    );
    assert_eq!((code, err.contains("error[sync.no_desk]")), (1, true), "{err}");
    let status = ok(&["--json", "sync", "--status"]);
    assert!(status["pending"].as_i64().expect("pending") > 0, "{status}");
    assert_eq!(status["last_sync"], serde_json::Value::Null);
    let report = ok(&["--json", "sync"]);
    assert_eq!(report["conflicts"], serde_json::json!([]));
    assert_eq!(report["refused"], serde_json::json!([]));
    assert!(report["pulled"].is_u64() && report["pushed"].as_u64() > Some(0), "{report}");
    let status = ok(&["--json", "sync", "--status"]);
    assert_eq!(status["pending"], 0);
    assert!(status["last_sync"].is_string());
    assert_eq!(ok(&["--json", "conflicts"])["conflicts"], serde_json::json!([]));
    // Offline: the list comes from the library, and work goes on.
    pg.crash();
    let list = ok(&["--json", "desk", "list"]);
    assert_eq!(list["online"], false);
    assert_eq!(list["desks"][0]["clips"], 1);
    ok(&["--json", "note", "1", "written on the plane"]);
    let (code, _, err) = cli(&db, &["--json", "sync"], &[]);
    assert_eq!((code, err.contains("error[sync.connect]")), (1, true), "{err}");
    let status = ok(&["--json", "sync", "--status"]);
    assert_eq!(status["pending"], 1);
    assert_eq!(status["last_error"]["code"], "sync.connect");
    pg.start_server();
    ok(&["--json", "sync"]);
    assert_eq!(ok(&["--json", "sync", "--status"])["last_error"], serde_json::Value::Null);
}

/// Regression: an actor merged away on one desk ("Sechin" into "Igor Sechin") and made again by
/// name in a library that had not pulled that desk yet left the libraries apart — the one that
/// made it folded it into the survivor when the merge arrived, the others kept a new "Sechin".
#[test]
fn a_merge_seen_on_one_desk_folds_the_name_on_another() {
    let pg = team();
    let dir = tempfile::tempdir().expect("dir");
    let mut alice = library(dir.path(), "fold-alice", &pg, "alice");
    desk::create(&mut alice, "Energy desk").expect("desk");
    desk::create(&mut alice, "Russia desk").expect("desk");
    desk::add_member(&mut alice, "Energy desk", "bob", desk::Level::Editor).expect("bob");
    desk::add_member(&mut alice, "Russia desk", "bob", desk::Level::Editor).expect("bob");
    desk::add_member(&mut alice, "Russia desk", "carol", desk::Level::Editor).expect("carol");
    desk::add_member(&mut alice, "Energy desk", "carol", desk::Level::Editor).expect("carol");
    let c = clip_into(&mut alice, "Energy desk", 1, "Ministers meet in Vienna");
    alice.add_actor("Igor Sechin", None, &[], None).expect("actor");
    alice.add_actor("Sechin", None, &[], None).expect("actor");
    alice.tag_clips(&[c], &[actor("Igor Sechin"), actor("Sechin")], &[]).expect("tag");
    alice.merge_tags(&actor("Sechin"), &actor("Igor Sechin")).expect("merge");
    sync_ok(&mut alice);

    // Carol, offline and new, names "Sechin" on the other desk before she ever pulls.
    let mut carol = library(dir.path(), "fold-carol", &pg, "carol");
    let k = clip_into(&mut carol, "Russia desk", 2, "Rosneft results");
    carol.add_actor("Sechin", None, &[], None).expect("actor");
    carol.tag_clips(&[k], &[actor("Sechin")], &[]).expect("tag");
    let mut bob = library(dir.path(), "fold-bob", &pg, "bob");
    let state = settle_and_compare(&mut [&mut alice, &mut bob, &mut carol]);
    let sechins: Vec<_> = state.tags.values().filter(|t| t.1.contains("Sechin")).collect();
    assert_eq!(sechins.len(), 1, "one Sechin everywhere: {sechins:?}");
    assert_eq!(sechins[0].1, "Igor Sechin");
}

/// Waits until a standby has replayed the primary's whole change log.
fn caught_up(primary: &Postgres, standby: &Postgres) {
    let sql = "SELECT coalesce(max(seq), 0) FROM clipdesk.op_log";
    let want = primary.psql("team", "admin", sql);
    for _ in 0..300 {
        if standby.psql("team", "admin", sql) == want {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the standby did not catch up with the primary ({want})");
}

fn titled(lib: &Library, title: &str) -> i64 {
    lib.conn().query_row("SELECT count(*) FROM clip WHERE title = ?1", [title], |r| r.get(0)).expect("count")
}

/// `remote add URL --pull-from REPLICA`: pulls come from a streaming-replication standby of the
/// team database (the same roles and row security), pushes still go to the primary. While the
/// standby holds its replay a pull sees the log only as far as it replayed, and the next sync
/// after it resumes catches up; with the standby down, pulls fall back to the primary. A URL that
/// is no standby of it is refused.
#[test]
fn pulls_come_from_a_read_replica() {
    let pg = team();
    let standby = pg.standby();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut alice = library(dir.path(), "replica-alice", &pg, "alice");
    desk::create(&mut alice, "Replica desk").expect("desk");
    desk::add_member(&mut alice, "Replica desk", "bob", desk::Level::Editor).expect("bob");

    let mut bob = Library::open(&dir.path().join("replica-bob.sqlite")).expect("bob");
    let err = desk::attach_with(&mut bob, &pg.url("bob"), Some(&pg.url("bob"))).expect_err("the primary is no replica");
    assert_eq!(err.code(), "input.replica", "{err}");
    let err = desk::attach_with(&mut bob, &pg.url("bob"), Some(&standby.url("carol"))).expect_err("another role");
    assert_eq!(err.code(), "input.replica", "{err}");
    let attached = desk::attach_with(&mut bob, &pg.url("bob"), Some(&standby.url("bob"))).expect("attach");
    assert_eq!(attached.pull_from.as_deref(), Some(standby.url("bob").as_str()));
    assert!(sync::status(&bob).expect("status").pull_from.is_some());

    clip_into(&mut alice, "Replica desk", 1, "Replicated first");
    sync_ok(&mut alice);
    caught_up(&pg, &standby);
    assert!(sync_ok(&mut bob).pulled > 0);
    assert_eq!(titled(&bob, "Replicated first"), 1);

    // The standby holds its replay: what Alice sends now is on the primary only.
    standby.set_replay(false);
    clip_into(&mut alice, "Replica desk", 2, "Replicated second");
    sync_ok(&mut alice);
    sync_ok(&mut bob);
    assert_eq!(titled(&bob, "Replicated second"), 0, "pulled from the standby, which has not replayed it");

    // Bob's own change goes to the primary, replay or not.
    let first = by_title(&bob, "Replicated first");
    bob.set_note(first, Some("bob: seen on the replica")).expect("note");
    assert_eq!(sync_ok(&mut bob).pushed, 1);
    sync_ok(&mut alice);
    let note: Option<String> = alice
        .conn()
        .query_row("SELECT note FROM clip WHERE title = 'Replicated first'", [], |r| r.get(0))
        .expect("note");
    assert_eq!(note.as_deref(), Some("bob: seen on the replica"));

    // Replay resumes: the next sync catches up, and both libraries hold the same desk.
    standby.set_replay(true);
    caught_up(&pg, &standby);
    sync_ok(&mut bob);
    assert_eq!(titled(&bob, "Replicated second"), 1);

    // The standby down: pulls fall back to the primary rather than stop.
    standby.crash();
    clip_into(&mut alice, "Replica desk", 3, "Replicated third");
    sync_ok(&mut alice);
    sync_ok(&mut bob);
    assert_eq!(titled(&bob, "Replicated third"), 1);
    let mut libs = [&mut alice, &mut bob];
    settle_and_compare(&mut libs);
}

/// "Who tagged this?": `clipdesk history ID` reads the clip's entries from the desk's change log —
/// who (the role), from which library, when — in the server's order, each said in words.
#[test]
fn who_tagged_this_is_answered_from_the_log() {
    let pg = team();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut alice = library(dir.path(), "history-alice", &pg, "alice");
    desk::create(&mut alice, "History desk").expect("desk");
    desk::add_member(&mut alice, "History desk", "bob", desk::Level::Editor).expect("bob");
    let mut bob = library(dir.path(), "history-bob", &pg, "bob");
    let a = clip_into(&mut alice, "History desk", 1, "Ministers sign the gas accord");
    let local = add_page(&mut alice, "https://news.example/local/only", article(2, "Kept on this laptop"), "Energy");
    sync_ok(&mut alice);
    sync_ok(&mut bob);
    let b = by_title(&bob, "Ministers sign the gas accord");
    bob.add_actor("Kadri Simson", None, &[], None).expect("actor");
    bob.tag_clips(&[b], &[actor("Kadri Simson")], &[]).expect("tag");
    bob.set_note(b, Some("bob: the accord's text is not public yet")).expect("note");
    sync_ok(&mut bob);
    sync_ok(&mut alice);
    alice.tag_clips(&[a], &[], &[actor("Kadri Simson")]).expect("untag");
    sync_ok(&mut alice);

    let entries = sync::history::of_clip(&alice, a).expect("history");
    let said: Vec<(&str, &str, bool)> = entries.iter().map(|e| (e.author.as_str(), e.what.as_str(), e.mine)).collect();
    assert_eq!(
        said,
        [
            ("alice", "clipped it", true),
            ("alice", "tagged topic:Energy", true),
            ("bob", "tagged actor:Kadri Simson", false),
            ("bob", "set the note: “bob: the accord's text is not public yet”", false),
            ("alice", "untagged actor:Kadri Simson", true),
        ]
    );
    assert!(entries.windows(2).all(|w| w[0].seq < w[1].seq && w[0].server_time <= w[1].server_time));
    // Bob's library sees the same history, with his own entries marked.
    let theirs = sync::history::of_clip(&bob, b).expect("history at bob's");
    assert_eq!(theirs.iter().filter(|e| e.mine).count(), 2);
    assert_eq!(theirs.len(), entries.len());

    // The CLI, and a clip on this laptop only.
    let (code, stdout, stderr) = cli(alice.path(), &["--json", "history", &a.to_string()], &[]);
    assert_eq!(code, 0, "{stderr}");
    let json: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!(json["entries"][2]["author"], "bob");
    assert_eq!(json["entries"][2]["what"], "tagged actor:Kadri Simson");
    let (code, _, stderr) = cli(alice.path(), &["history", &local.to_string()], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("input.not_shared") && stderr.contains("on this laptop only"), "{stderr}");
}

/// The default desk (`clipdesk desk default NAME`): new clips go there from every path that stores
/// one — a library opened afresh, the CLI without `--desk`, a long-lived connection such as the
/// browser extension's endpoint once it looks again — unless told `--local`; a viewer's desk
/// cannot be the default; `--none` keeps new clips on the laptop again.
#[test]
fn new_clips_go_to_the_default_desk_unless_told_otherwise() {
    let pg = team();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut alice = library(dir.path(), "default-alice", &pg, "alice");
    desk::create(&mut alice, "Wires desk").expect("desk");
    desk::create(&mut alice, "Board desk").expect("desk");
    desk::add_member(&mut alice, "Wires desk", "bob", desk::Level::Editor).expect("bob");
    desk::add_member(&mut alice, "Board desk", "bob", desk::Level::Viewer).expect("bob");
    let mut bob = library(dir.path(), "default-bob", &pg, "bob");
    let err = desk::set_default(&mut bob, Some("Board desk")).expect_err("a viewer's desk");
    assert_eq!(err.code(), "input.viewer", "{err}");

    // A connection opened before the default is set (as the extension's endpoint's is).
    let db = alice.path().to_owned();
    let mut endpoint = Library::open(&db).expect("endpoint's connection");
    assert_eq!(desk::set_default(&mut alice, Some("wires desk")).expect("default").as_deref(), Some("Wires desk"));
    let desk_of = |lib: &Library, id: i64| -> Option<String> {
        lib.conn()
            .query_row("SELECT d.name FROM clip c LEFT JOIN sync_desk d ON d.id = c.desk WHERE c.id = ?1", [id], |r| {
                r.get(0)
            })
            .expect("clip")
    };
    let mut fresh = Library::open(&db).expect("a library opened afresh");
    let a = add_page(&mut fresh, "https://news.example/default/1", article(1, "Default desk one"), "Energy");
    assert_eq!(desk_of(&fresh, a).as_deref(), Some("Wires desk"));
    endpoint.use_default_desk().expect("look again");
    let b = add_page(&mut endpoint, "https://news.example/default/2", article(2, "Default desk two"), "Energy");
    assert_eq!(desk_of(&fresh, b).as_deref(), Some("Wires desk"));
    assert_eq!(sync::status(&fresh).expect("status").default_desk.as_deref(), Some("Wires desk"));

    // The CLI: no --desk goes to the default; --local stays here.
    let page = dir.path().join("page.html");
    std::fs::write(&page, article(3, "Default desk three")).expect("page");
    let clip_cli = |url: &str, extra: &[&str]| -> i64 {
        let mut args = vec!["--json", "clip", "--html", page.to_str().expect("path"), "--url", url];
        args.extend_from_slice(extra);
        let (code, stdout, stderr) = cli(&db, &args, &[]);
        assert_eq!(code, 0, "{stderr}");
        serde_json::from_str::<serde_json::Value>(stdout.trim()).expect("json")["id"].as_i64().expect("id")
    };
    let c = clip_cli("https://news.example/default/3", &[]);
    assert_eq!(desk_of(&fresh, c).as_deref(), Some("Wires desk"));
    let d = clip_cli("https://news.example/default/4", &["--local"]);
    assert_eq!(desk_of(&fresh, d), None);

    // Bob receives the three; then the default is lifted.
    sync_ok(&mut fresh);
    sync_ok(&mut bob);
    for title in ["Default desk one", "Default desk two", "Default desk three"] {
        by_title(&bob, title);
    }
    let (code, stdout, stderr) = cli(&db, &["--json", "desk", "default", "--none"], &[]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(stdout.trim()).expect("json")["default_desk"],
        serde_json::Value::Null
    );
    let mut after = Library::open(&db).expect("reopen");
    let e = add_page(&mut after, "https://news.example/default/5", article(5, "Default desk five"), "Energy");
    assert_eq!(desk_of(&after, e), None);
}

/// A sync tells how far it has got after each batch, both ways, and stops between two batches
/// when asked: the report says `cancelled`, nothing is half-sent, and the next sync goes on.
#[test]
fn a_sync_reports_its_progress_and_stops_between_batches_when_asked() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let pg = team();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut alice = library(dir.path(), "progress-alice", &pg, "alice");
    desk::create(&mut alice, "Progress desk").expect("desk");
    desk::add_member(&mut alice, "Progress desk", "bob", desk::Level::Editor).expect("bob");
    for n in 0..6 {
        clip_into(&mut alice, "Progress desk", n, &format!("Progress story {n}"));
    }
    let waiting = sync::status(&alice).expect("status").pending as usize;
    assert!(waiting >= 12, "{waiting}");
    let options = sync::Options { batch: 4 };

    // Stopped after the first batch.
    let cancel = AtomicBool::new(false);
    let mut seen = Vec::new();
    let report = sync::run_with(&mut alice, &options, &cancel, |p| {
        seen.push(*p);
        cancel.store(true, Ordering::Relaxed);
    })
    .expect("sync");
    assert!(report.cancelled);
    assert_eq!(report.pushed, 4);
    assert_eq!(seen, [sync::Progress { phase: "push", done: 4, total: waiting }]);
    assert_eq!(sync::status(&alice).expect("status").pending as usize, waiting - 4);

    // The next sync goes on and says how far it got, batch by batch.
    let mut seen = Vec::new();
    let report = sync::run_with(&mut alice, &options, &AtomicBool::new(false), |p| seen.push(*p)).expect("sync");
    assert!(!report.cancelled);
    assert_eq!(report.pushed, waiting - 4);
    let pushes: Vec<_> = seen.iter().filter(|p| p.phase == "push").collect();
    assert!(pushes.windows(2).all(|w| w[0].done < w[1].done));
    let last = pushes.last().expect("push progress");
    assert_eq!((last.done, last.total), (waiting - 4, waiting - 4));

    // Receiving: Bob's pull counts up to what the desk holds for him.
    let mut bob = library(dir.path(), "progress-bob", &pg, "bob");
    let mut seen = Vec::new();
    let report = sync::run_with(&mut bob, &options, &AtomicBool::new(false), |p| seen.push(*p)).expect("sync");
    let pulls: Vec<_> = seen.iter().filter(|p| p.phase == "pull").collect();
    assert!(pulls.len() > 2 && pulls.windows(2).all(|w| w[0].done < w[1].done));
    let last = pulls.last().expect("pull progress");
    assert_eq!(last.done, last.total);
    assert!(report.pulled > 0 && report.pulled <= last.total);
    for n in 0..6 {
        by_title(&bob, &format!("Progress story {n}"));
    }
}

/// Ctrl-C during `clipdesk sync` stops it between two batches: exit 1, a report that says
/// `cancelled` and what was sent; the next `sync` sends the rest.
#[test]
fn ctrl_c_stops_a_sync_between_batches_and_the_next_goes_on() {
    let pg = team();
    let dir = tempfile::tempdir().expect("dir");
    let mut alice = library(dir.path(), "sigint-alice", &pg, "alice");
    desk::create(&mut alice, "Interrupted desk").expect("desk");
    for n in 0..6 {
        clip_into(&mut alice, "Interrupted desk", n, &format!("Interrupted story {n}"));
    }
    let pending = sync::status(&alice).expect("status").pending;
    let db = alice.path().to_owned();
    drop(alice);
    let resume = dir.path().join("resume");
    let mut child = stalled_sync(&db, "push-committed", &resume);
    let ok = Command::new("kill").args(["-INT", &child.id().to_string()]).status().expect("kill");
    assert!(ok.success());
    std::fs::write(&resume, b"go").expect("resume");
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().expect("stdout"), &mut stdout).expect("read");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(1), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("json");
    assert_eq!(report["cancelled"], true, "{report}");
    assert_eq!(report["pushed"], 5, "one batch of five");
    let left = sync::status(&Library::open(&db).expect("open")).expect("status").pending;
    assert_eq!(left, pending - 5);
    let (code, out, err) = cli(&db, &["--json", "sync"], &[]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!((report["pushed"].as_i64(), report["cancelled"].as_bool()), (Some(pending - 5), Some(false)));
    assert_eq!(log_counts(&pg).0, pending, "each change logged once");
}

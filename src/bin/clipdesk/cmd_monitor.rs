//! Monitoring commands: `feed`, `poll`, `inbox`, `watch`, `alerts`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::{Args, Subcommand};
use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::monitor::{inbox, opml, poll, sources, watch};
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::{Error, Library};
use serde_json::json;

use crate::output::Out;
use crate::Status;

#[derive(Subcommand)]
pub enum FeedCmd {
    /// Subscribe to a feed: a feed URL, or a site or article page (discovery finds its feed)
    Add {
        url: String,
        /// The folder to put it in (A/B for a subfolder; created if needed)
        #[arg(long, value_name = "PATH")]
        folder: Option<String>,
    },
    /// Fetch and show a feed without subscribing
    Preview { url: String },
    /// Every source with its health, folder and schedule
    List,
    /// Unsubscribe (entries only it carried go too; clips stay)
    Rm { id: i64 },
    /// Move a source into a folder (or out of any with --root)
    Move {
        id: i64,
        #[arg(value_name = "FOLDER")]
        folder: Option<String>,
        #[arg(long, conflicts_with = "folder")]
        root: bool,
    },
    /// Subscribe to every source of an OPML file, folders kept
    Import { file: PathBuf },
    /// Write every source to an OPML file, folders kept
    Export { file: PathBuf },
}

#[derive(Args)]
pub struct PollArgs {
    /// Poll every source now, due or not
    #[arg(long)]
    all: bool,
    /// Poll only this source (repeatable)
    #[arg(long = "feed", value_name = "ID")]
    feeds: Vec<i64>,
}

#[derive(Args)]
pub struct InboxArgs {
    #[command(subcommand)]
    cmd: Option<InboxCmd>,
    /// Entries matching a query (the search language, with feed: and folder:)
    #[arg(long, allow_hyphen_values = true)]
    query: Option<String>,
    #[arg(long, default_value = "new", value_parser = ["new", "seen", "clipped", "dismissed", "all"])]
    state: String,
    #[arg(long, default_value_t = 50)]
    limit: i64,
    #[arg(long, default_value_t = 0)]
    offset: i64,
}

#[derive(Subcommand)]
enum InboxCmd {
    /// Clip entries' articles into the library
    Clip {
        #[arg(required = true)]
        ids: Vec<i64>,
        #[arg(long = "tag", value_name = "KIND:NAME")]
        tags: Vec<String>,
    },
    /// Dismiss entries: they never come back
    Dismiss {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
    /// Mark entries seen
    Seen {
        #[arg(required = true)]
        ids: Vec<i64>,
    },
}

#[derive(Subcommand)]
pub enum WatchCmd {
    /// Add (or replace) a watch: a query run on every new entry
    Add {
        name: String,
        #[arg(allow_hyphen_values = true)]
        query: String,
        /// Clip what matches
        #[arg(long)]
        clip: bool,
        /// Fetch each new entry's article and match on its full text too
        #[arg(long)]
        fetch: bool,
        /// Tag what it clips (repeatable): topic:NAME or actor:NAME
        #[arg(long = "tag", value_name = "KIND:NAME")]
        tags: Vec<String>,
        /// Raise an alert for what matches
        #[arg(long)]
        alert: bool,
    },
    List,
    Rm {
        name: String,
    },
    /// What a query would match in the inbox now, without saving it
    Test {
        #[arg(allow_hyphen_values = true)]
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: i64,
    },
}

#[derive(Args)]
pub struct AlertsArgs {
    /// Only alerts not yet seen
    #[arg(long)]
    unseen: bool,
    /// Mark these alerts seen (none: all)
    #[arg(long, value_name = "ID", num_args = 0..)]
    seen: Option<Vec<i64>>,
    #[arg(long, default_value_t = 50)]
    limit: i64,
}

fn fetcher() -> clipdesk::Result<Fetcher> {
    Ok(Fetcher::new(Limits::default())?)
}

fn feed_json(f: &sources::Feed) -> serde_json::Value {
    json!({"id": f.id, "url": f.url, "title": f.title, "site_url": f.site_url, "folder": f.folder})
}

pub fn feed(lib: &mut Library, cmd: FeedCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        FeedCmd::Add { url, folder } => {
            let s = poll::subscribe(lib, &fetcher()?, &url, folder.as_deref())?;
            let mut v = feed_json(&s.feed);
            v["created"] = json!(s.created);
            v["backlog"] = json!(s.backlog);
            let text = format!(
                "{} {} — {} ({} entries found, kept as backlog)",
                if s.created { "subscribed to" } else { "already subscribed to" },
                s.feed.id,
                s.feed.title.as_deref().unwrap_or(&s.feed.url),
                s.backlog
            );
            out.done(v, &text);
        }
        FeedCmd::Preview { url } => {
            let (feed_url, p) = poll::preview(&fetcher()?, &url)?;
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| clipdesk::model::time_to_db(&t));
            if out.json {
                out.json_line(&json!({
                    "url": feed_url,
                    "feed": {"title": p.title, "link": p.link, "subtitle": p.subtitle, "language": p.language, "updated": time(p.updated)},
                    "entries": p.entries.iter().map(|e| json!({
                        "id": e.key, "title": e.title, "link": e.link, "published": time(e.published), "updated": time(e.updated),
                        "authors": e.authors, "summary": e.summary, "content": e.content, "tags": e.tags,
                    })).collect::<Vec<_>>(),
                }));
            } else {
                out.line(&format!("{} — {}", p.title.as_deref().unwrap_or("(untitled)"), feed_url));
                for e in &p.entries {
                    out.line(&format!(
                        "  {}  {}",
                        time(e.published).unwrap_or_default(),
                        e.title.as_deref().unwrap_or("")
                    ));
                }
            }
        }
        FeedCmd::List => {
            let feeds = sources::list(lib.conn())?;
            if out.json {
                out.json_line(&feeds);
            } else {
                for f in feeds {
                    let health = match (&f.health, &f.error) {
                        (sources::Health::Ok, _) => "ok".to_owned(),
                        (h, Some(e)) => {
                            format!("{} since {} [{}]", h.as_str(), f.failing_since.as_deref().unwrap_or("?"), e.code)
                        }
                        (h, None) => h.as_str().to_owned(),
                    };
                    out.line(&format!(
                        "{:>4}  {:<28}  {:<16}  {}  ({} new)",
                        f.id,
                        crate::output::truncate(f.title.as_deref().unwrap_or(&f.url), 28),
                        crate::output::truncate(f.folder.as_deref().unwrap_or("—"), 16),
                        health,
                        f.unread
                    ));
                }
            }
        }
        FeedCmd::Rm { id } => {
            let tx = lib.write()?;
            sources::remove(&tx, id)?;
            tx.commit()?;
            out.done(json!({"id": id, "removed": true}), &format!("unsubscribed from {id}"));
        }
        FeedCmd::Move { id, folder, root } => {
            if folder.is_none() && !root {
                return Err(Error::input("input.move", "give a folder, or --root"));
            }
            let tx = lib.write()?;
            sources::move_to(&tx, id, folder.as_deref())?;
            tx.commit()?;
            out.done(json!({"id": id, "folder": folder}), "moved");
        }
        FeedCmd::Import { file } => {
            let bytes = std::fs::read(&file).map_err(|source| Error::Io { path: file.clone(), source })?;
            let doc = opml::parse(&bytes)?;
            let tx = lib.write()?;
            let r = sources::import_opml(&tx, &doc, chrono::Utc::now())?;
            tx.commit()?;
            out.done(
                json!({"feeds": r.feeds, "already": r.already, "folders": r.folders}),
                &format!("{} sources added ({} already there), {} folders", r.feeds, r.already, r.folders),
            );
        }
        FeedCmd::Export { file } => {
            let doc = sources::export_opml(lib.conn())?;
            std::fs::write(&file, opml::write(&doc)).map_err(|source| Error::Write { path: file.clone(), source })?;
            let n = sources::list(lib.conn())?.len();
            out.done(json!({"path": file, "feeds": n}), &format!("{n} sources → {}", file.display()));
        }
    }
    Ok(Status::Ok)
}

pub fn poll(lib: &mut Library, args: PollArgs, out: &Out) -> clipdesk::Result<Status> {
    let pages_too = args.feeds.is_empty();
    let opts = poll::PollOptions { all: args.all, only: args.feeds, ..Default::default() };
    let cancel = AtomicBool::new(false);
    let mut failed = false;
    let fetcher = fetcher()?;
    poll::poll(lib, &fetcher, &opts, &cancel, |_| {})?.iter().for_each(|r| {
        failed |= r.status == poll::Status::Failed;
        if out.json {
            out.json_line(&json!({
                "feed_id": r.feed_id, "status": r.status, "new_entries": r.new_entries,
                "error": r.error.as_ref().map(|e| json!({"code": e.code, "message": e.message})),
                "alerts": r.alerts,
            }));
        } else {
            let status =
                serde_json::to_value(r.status).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            out.line(&format!(
                "{:>4}  {:<12} {:>3} new  {}",
                r.feed_id,
                status,
                r.new_entries,
                r.title.as_deref().unwrap_or(&r.url)
            ));
            if let Some(e) = &r.error {
                eprintln!("error[{}]: {}", e.code, e.message);
            }
            for a in &r.alerts {
                out.line(&format!(
                    "      alert: {} — {} {}",
                    a.watch.as_deref().unwrap_or(""),
                    a.title,
                    a.url.as_deref().unwrap_or("")
                ));
            }
        }
    });
    // Then the watched pages that are due (all of them with --all; none when polling given feeds).
    if pages_too {
        let checks = clipdesk::monitor::pages::CheckOptions { all: args.all, ..Default::default() };
        if let crate::Status::SomeFailed = crate::cmd_evidence::run_checks(lib, &fetcher, &checks, out)? {
            failed = true;
        }
    }
    Ok(if failed { Status::SomeFailed } else { Status::Ok })
}

pub fn inbox(lib: &mut Library, args: InboxArgs, out: &Out) -> clipdesk::Result<Status> {
    match args.cmd {
        None => {
            let state = if args.state == "all" { None } else { Some(inbox::State::parse(&args.state)?) };
            let listing = inbox::list(
                lib.conn(),
                &inbox::Filter {
                    query: args.query,
                    state,
                    hide_backlog: false,
                    limit: args.limit,
                    offset: args.offset,
                },
            )?;
            if out.json {
                out.json_line(&listing);
            } else {
                for e in &listing.entries {
                    out.line(&format!(
                        "{:>6}  {:<9} {}  {}{}",
                        e.id,
                        e.state.as_str(),
                        e.published_at.as_deref().and_then(|d| d.get(..10)).unwrap_or("          "),
                        e.title,
                        if e.feeds.len() > 1 { format!("  (+{} feeds)", e.feeds.len() - 1) } else { String::new() }
                    ));
                }
                out.line(&format!("{} of {} entries", listing.entries.len(), listing.total));
            }
            Ok(Status::Ok)
        }
        Some(InboxCmd::Clip { ids, tags }) => {
            let tags: Vec<TagRef> = tags.iter().map(|t| TagRef::parse(t)).collect::<clipdesk::Result<_>>()?;
            let fetcher = fetcher()?;
            let mut failed = false;
            for id in ids {
                match poll::clip_entry(lib, &fetcher, id, None, &tags) {
                    Ok(clip) => out.done(
                        json!({"entry_id": id, "status": "clipped", "clip_id": clip}),
                        &format!("{id} → clip {clip}"),
                    ),
                    Err(e) => {
                        failed = true;
                        if out.json {
                            out.json_line(&json!({"entry_id": id, "status": "failed", "error": {"code": e.code(), "message": e.to_string()}}));
                        } else {
                            eprintln!("error[{}]: {e}", e.code());
                        }
                    }
                }
            }
            Ok(if failed { Status::SomeFailed } else { Status::Ok })
        }
        Some(InboxCmd::Dismiss { ids }) => set_state(lib, &ids, inbox::State::Dismissed, out),
        Some(InboxCmd::Seen { ids }) => set_state(lib, &ids, inbox::State::Seen, out),
    }
}

fn set_state(lib: &mut Library, ids: &[i64], state: inbox::State, out: &Out) -> clipdesk::Result<Status> {
    let tx = lib.write()?;
    let n = inbox::set_state(&tx, ids, state)?;
    tx.commit()?;
    out.done(json!({"changed": n, "state": state}), &format!("{n} entries {}", state.as_str()));
    Ok(Status::Ok)
}

pub fn watch(lib: &mut Library, cmd: WatchCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        WatchCmd::Add { name, query, clip, fetch, tags, alert } => {
            let tx = lib.write()?;
            let id = watch::save(&tx, &watch::WatchSpec { name: name.clone(), query, fetch, clip, alert, tags })?;
            tx.commit()?;
            out.done(json!({"id": id, "name": name}), &format!("watch {id} {name:?} saved"));
        }
        WatchCmd::List => {
            let all = watch::list(lib.conn())?;
            if out.json {
                out.json_line(&all);
            } else {
                for w in all {
                    let actions: Vec<&str> = [(w.clip, "clip"), (w.fetch, "fetch"), (w.alert, "alert")]
                        .iter()
                        .filter(|(on, _)| *on)
                        .map(|(_, a)| *a)
                        .collect();
                    out.line(&format!(
                        "{:>4}  {:<20}  {}  [{}] {} matched",
                        w.id,
                        w.name,
                        w.query,
                        actions.join(", "),
                        w.matched
                    ));
                }
            }
        }
        WatchCmd::Rm { name } => {
            let tx = lib.write()?;
            watch::remove(&tx, &name)?;
            tx.commit()?;
            out.done(json!({"removed": name}), "watch removed");
        }
        WatchCmd::Test { query, limit } => {
            let listing = watch::test(lib.conn(), &query, limit)?;
            if out.json {
                out.json_line(&listing);
            } else {
                for e in &listing.entries {
                    out.line(&format!("{:>6}  {}", e.id, e.title));
                }
                out.line(&format!("{} entries match now", listing.total));
            }
        }
    }
    Ok(Status::Ok)
}

pub fn alerts(lib: &mut Library, args: AlertsArgs, out: &Out) -> clipdesk::Result<Status> {
    if let Some(ids) = args.seen {
        let tx = lib.write()?;
        let n = watch::mark_seen(&tx, &ids)?;
        tx.commit()?;
        out.done(json!({"seen": n}), &format!("{n} alerts marked seen"));
        return Ok(Status::Ok);
    }
    let list = watch::alerts(lib.conn(), args.unseen, args.limit)?;
    if out.json {
        out.json_line(&list);
    } else {
        for a in list {
            out.line(&format!(
                "{:>5}  {}  {}  {} {}",
                a.id,
                a.created_at.get(..16).unwrap_or(&a.created_at),
                a.watch.as_deref().unwrap_or(&a.kind),
                a.title,
                a.url.as_deref().unwrap_or("")
            ));
        }
    }
    Ok(Status::Ok)
}

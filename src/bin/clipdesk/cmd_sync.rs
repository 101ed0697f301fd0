//! `clipdesk remote`, `desk`, `sync`, `conflicts`, `resolve`: team desks through PostgreSQL.

use clap::{Args, Subcommand};
use clipdesk::sync::{self, conflict, desk};
use clipdesk::Library;
use serde_json::json;

use crate::output::Out;
use crate::Status;

#[derive(Subcommand)]
pub enum RemoteCmd {
    /// Create (or upgrade) the team schema on a PostgreSQL database (its administrator, once)
    Init {
        /// postgres://ROLE[:PASSWORD]@[HOST]/DATABASE[?host=/run/postgresql]
        url: String,
    },
    /// Attach this library to a team database, as the PostgreSQL role the URL names
    Add {
        url: String,
        /// Pull from this read replica (a streaming-replication standby of the same database, as
        /// the same role); changes are still sent to URL
        #[arg(long, value_name = "REPLICA_URL")]
        pull_from: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum DeskCmd {
    /// Create a desk (you are its admin)
    Create { name: String },
    /// Give a PostgreSQL login role a level on a desk (desk admins only)
    AddMember {
        desk: String,
        role: String,
        #[arg(long = "role", value_name = "LEVEL", value_parser = ["viewer", "editor", "admin"])]
        level: String,
    },
    /// The desks you belong to (from the server when it can be reached)
    List,
    /// Where new clips go unless told otherwise: a desk, or `--none` (this laptop only)
    Default {
        #[arg(required_unless_present = "none")]
        name: Option<String>,
        #[arg(long, conflicts_with = "name")]
        none: bool,
    },
}

#[derive(Args)]
pub struct SyncArgs {
    /// Operations per server transaction
    #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    batch: u32,
    /// Only say where this library stands (changes waiting, conflicts, last sync), offline
    #[arg(long)]
    status: bool,
}

/// `remote init` needs no library: it runs before one is opened.
pub fn init(url: &str, out: &Out) -> clipdesk::Result<Status> {
    let r = sync::remote::init(url)?;
    out.done(
        json!({"remote": sync::remote::redact(url), "from_version": r.from_version, "version": r.version}),
        &if r.from_version == r.version {
            format!("team schema already at version {}", r.version)
        } else {
            format!("team schema version {} → {}", r.from_version, r.version)
        },
    );
    Ok(Status::Ok)
}

pub fn remote(library: &mut Library, cmd: RemoteCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        RemoteCmd::Init { url } => init(&url, out),
        RemoteCmd::Add { url, pull_from } => {
            let a = desk::attach_with(library, &url, pull_from.as_deref())?;
            out.done(
                serde_json::to_value(&a).unwrap_or_default(),
                &format!(
                    "attached to {} as {} ({} desks){}",
                    a.remote,
                    a.role,
                    a.desks.len(),
                    a.pull_from.as_deref().map(|r| format!("; pulling from {r}")).unwrap_or_default()
                ),
            );
            Ok(Status::Ok)
        }
    }
}

pub fn desk(library: &mut Library, cmd: DeskCmd, out: &Out) -> clipdesk::Result<Status> {
    match cmd {
        DeskCmd::Create { name } => {
            let d = desk::create(library, &name)?;
            out.done(
                serde_json::to_value(&d).unwrap_or_default(),
                &format!("desk {} created (you are its admin)", d.name),
            );
        }
        DeskCmd::AddMember { desk: name, role, level } => {
            let level = desk::Level::parse(&level)?;
            desk::add_member(library, &name, &role, level)?;
            out.done(
                json!({"desk": name, "role": role, "level": level.as_str()}),
                &format!("{role} is {} of {name}", level.as_str()),
            );
        }
        DeskCmd::List => {
            let (desks, online) = desk::list(library)?;
            if out.json {
                out.json_line(&json!({"desks": desks, "online": online}));
            } else {
                for d in &desks {
                    let members = d
                        .members
                        .as_ref()
                        .map(|m| m.iter().map(|m| format!("{} ({})", m.role, m.level)).collect::<Vec<_>>().join(", "))
                        .unwrap_or_default();
                    out.line(&format!(
                        "{:<24} {:<7} {:>6} clips {:>4} pending  {members}",
                        d.name, d.level, d.clips, d.pending
                    ));
                }
                if !online {
                    out.line("(the team database cannot be reached: as of the last sync)");
                }
            }
        }
        DeskCmd::Default { name, none } => {
            let name = if none { None } else { name };
            let set = desk::set_default(library, name.as_deref())?;
            out.done(
                json!({"default_desk": set}),
                &match &set {
                    Some(d) => format!("new clips go to the desk {d:?} unless told otherwise"),
                    None => "new clips stay on this laptop unless told otherwise".to_owned(),
                },
            );
        }
    }
    Ok(Status::Ok)
}

pub fn run_sync(library: &mut Library, args: SyncArgs, out: &Out) -> clipdesk::Result<Status> {
    if args.status {
        return status(library, out);
    }
    let bar = indicatif::ProgressBar::no_length().with_style(
        indicatif::ProgressStyle::with_template("{msg:9} [{bar:30}] {pos}/{len}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // The first Ctrl-C stops between two batches (the report says so; the next sync goes on
    // from there); a second one exits at once — also safe, as a sync may be killed anywhere.
    let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, std::sync::Arc::clone(&cancel));
        let _ = signal_hook::flag::register(signal, std::sync::Arc::clone(&cancel));
    }
    let report = sync::run_with(library, &sync::Options { batch: args.batch as usize }, &cancel, |p| {
        bar.set_message(if p.phase == "push" { "sending" } else { "receiving" });
        bar.set_length(p.total as u64);
        bar.set_position(p.done as u64);
    });
    bar.finish_and_clear();
    let report = report?;
    out.done(
        serde_json::to_value(&report).unwrap_or_default(),
        &format!(
            "sent {}, received {}; {} conflicts to resolve, {} refused{}",
            report.pushed,
            report.pulled,
            report.conflicts.len(),
            report.refused.len(),
            if report.cancelled { " (cancelled: sync again to go on)" } else { "" }
        ),
    );
    if !out.json {
        for r in &report.refused {
            out.line(&format!("refused: {} on desk {}: {}", r.kind, r.desk, r.message));
        }
    }
    Ok(if report.refused.is_empty() && !report.cancelled { Status::Ok } else { Status::SomeFailed })
}

pub fn status(library: &Library, out: &Out) -> clipdesk::Result<Status> {
    let s = sync::status(library)?;
    out.done(
        serde_json::to_value(&s).unwrap_or_default(),
        &format!(
            "{}{}: {} desks, {} changes waiting, {} conflicts; last sync {}{}",
            s.remote.as_deref().unwrap_or("not attached"),
            s.pull_from.as_deref().map(|r| format!(" (pulling from {r})")).unwrap_or_default(),
            s.desks.len(),
            s.pending,
            s.conflicts,
            s.last_sync.as_deref().unwrap_or("never"),
            s.last_error.as_ref().map(|e| format!(" (failed since: {})", e.code)).unwrap_or_default()
        ),
    );
    Ok(Status::Ok)
}

pub fn conflicts(library: &Library, out: &Out) -> clipdesk::Result<Status> {
    let list = conflict::open(library.conn())?;
    if out.json {
        out.json_line(&json!({"conflicts": list}));
    } else if list.is_empty() {
        out.line("no conflicts");
    } else {
        for c in &list {
            out.line(&format!("#{} clip {} ({}): {} edited at once", c.id, c.clip, c.clip_title, c.field));
            for (label, side) in [("current", &c.current), ("other", &c.other)] {
                let who = if side.mine { format!("{} (here)", side.by) } else { side.by.clone() };
                out.line(&format!("  {label:<8} by {who}: {}", side.text.as_deref().unwrap_or("(empty)")));
            }
        }
    }
    Ok(Status::Ok)
}

pub fn history(library: &Library, id: i64, out: &Out) -> clipdesk::Result<Status> {
    let entries = sync::history::of_clip(library, id)?;
    if out.json {
        out.json_line(&json!({"clip": id, "entries": entries}));
    } else {
        for e in &entries {
            out.line(&format!(
                "{}  {:<12} {}{}",
                e.server_time,
                e.author,
                e.what,
                if e.mine { "  (this library)" } else { "" }
            ));
        }
        out.line(&format!("{} changes to clip {id}", entries.len()));
    }
    Ok(Status::Ok)
}

pub fn resolve(library: &mut Library, id: i64, keep: &str, out: &Out) -> clipdesk::Result<Status> {
    let keep = conflict::Keep::parse(keep)?;
    let text = conflict::resolve(library, id, keep)?;
    out.done(json!({"id": id, "text": text}), &format!("conflict {id} resolved"));
    Ok(Status::Ok)
}

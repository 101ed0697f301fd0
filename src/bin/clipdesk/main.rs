//! `clipdesk`, the headless twin of the desktop app: scripts and tests drive the library through
//! it. The contract (commands, JSON shapes, exit codes) is in `../shared/DESIGN.md`:
//! `--json` prints JSON on stdout (one object, or one per line for streams); errors go to stderr
//! as `error[code]: message`; exit 0 on success, 1 when some items failed, 2 on bad usage or input.

// Text from pages and users is sliced only at offsets known to be character boundaries: a byte
// offset computed by hand panics on the first multi-byte character there. Exceptions carry an
// `#[allow]` with the reason, on the allow-list of `tests/it/tidy.rs`.
#![warn(clippy::string_slice)]

mod cmd_capture;
mod cmd_cite;
mod cmd_clip;
mod cmd_digest;
mod cmd_evidence;
mod cmd_import;
mod cmd_monitor;
mod cmd_search;
mod cmd_stories;
mod cmd_sync;
mod cmd_tags;
mod cmd_trend;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use clipdesk::{Error, Library};

use output::Out;

#[derive(Parser)]
#[command(name = "clipdesk", version, about = "Clip, tag, search and brief news articles in a local library")]
struct Cli {
    /// The library file (default: the desktop app's library)
    #[arg(long, global = true, env = "CLIPDESK_DB", value_name = "PATH")]
    db: Option<PathBuf>,
    /// Print JSON on stdout
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Clip articles from URLs (or a saved page with --html FILE --url URL)
    Clip(cmd_clip::ClipArgs),
    /// Show one clip
    Show { id: i64 },
    /// List clips, newest first
    List {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
    },
    /// Add or remove tags on clips (or on every clip of a query)
    Tag(cmd_tags::TagArgs),
    /// Topics: add, list, rename, move, merge, rm
    #[command(subcommand)]
    Topic(cmd_tags::TopicCmd),
    /// Actors: add, alias, rename, merge, list, rm
    #[command(subcommand)]
    Actor(cmd_tags::ActorCmd),
    /// Actors a clip names that the taxonomy may lack; accept or dismiss them
    Suggest(cmd_tags::SuggestArgs),
    /// Topic rules: queries that tag matching clips automatically
    #[command(subcommand)]
    Rule(cmd_tags::RuleCmd),
    /// Re-apply automatic tagging (aliases and rules) to the whole library
    Retag {
        /// Report what would change without changing it
        #[arg(long)]
        dry_run: bool,
    },
    /// Search the library (see `clipdesk search --help` for the query language)
    #[command(long_about = SEARCH_HELP)]
    Search {
        /// The query: one argument, or several joined by spaces; a word may start with '-'
        /// (`clipdesk search -Erdogan Putin`)
        #[arg(required = true, num_args = 1.., value_name = "QUERY")]
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: i64,
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value = "relevance", value_parser = ["relevance", "newest", "oldest"])]
        sort: String,
        /// One row per story ("+4 outlets, 2 languages"); the total and facets count stories
        #[arg(long)]
        collapse: bool,
    },
    /// Stories: clips of one event from many outlets, in every language
    Stories(cmd_stories::StoriesArgs),
    /// One story (`story ID`), or split a clip out of its story, merge two stories, diff a copy
    Story(cmd_stories::StoryArgs),
    /// Saved searches: add, list, run, rm
    #[command(subcommand)]
    Saved(cmd_search::SavedCmd),
    /// Briefings: build from a query and export PDF, Word, e-mail, Markdown or HTML, or manage
    /// saved ones
    Digest(Box<cmd_digest::DigestArgs>),
    /// Cite clips: CSL-JSON, RIS or BibTeX for reference managers, or APA or Chicago references
    Cite(cmd_cite::CiteArgs),
    /// Clips per day or week for a few queries: numbers, or a chart as SVG or PNG
    Trend(cmd_trend::TrendArgs),
    /// Write the man page and the bash, zsh and fish completions into DIR (for packages)
    #[command(hide = true)]
    Generate {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Highlighted passages of a clip, quoted in briefings
    #[command(subcommand)]
    Highlight(cmd_digest::HighlightCmd),
    /// Set or clear the analyst's note on a clip
    Note {
        id: i64,
        /// The note (empty to clear)
        text: String,
    },
    /// Copy the library to FILE (SQLite online backup: consistent while the app runs)
    Backup {
        file: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Export everything (clips, snapshots, tags, aliases, rules, highlights, notes, saved
    /// searches, briefings) to a JSON file, or into a directory
    Export {
        #[arg(long, default_value = "json", value_parser = ["json"])]
        format: String,
        #[arg(value_name = "DIR|FILE")]
        path: PathBuf,
    },
    /// Import an export into a new, empty library (--db NEW.sqlite)
    Import {
        #[arg(value_name = "DIR|FILE")]
        path: PathBuf,
    },
    /// Sources: subscribe (from a feed, site or article URL), preview, list, rm, move, OPML
    #[command(subcommand)]
    Feed(cmd_monitor::FeedCmd),
    /// Poll the sources that are due (or --all), run the watches on what is new
    Poll(cmd_monitor::PollArgs),
    /// The inbox: what the sources brought; clip, dismiss or mark entries seen
    Inbox(cmd_monitor::InboxArgs),
    /// Watches: standing queries run on every new entry (clip, tag, alert)
    #[command(subcommand)]
    Watch(cmd_monitor::WatchCmd),
    /// Alerts raised by watches and by watched pages
    Alerts(cmd_monitor::AlertsArgs),
    /// Fetch clips' pages again; keep a new version of each article that changed
    Recapture(cmd_evidence::RecaptureArgs),
    /// The versions of a clip's article
    Versions { id: i64 },
    /// How two versions of a clip's article differ (default: the latest and the one before)
    Diff(cmd_evidence::DiffArgs),
    /// Watch clips' pages for edits (re-captured on a schedule; alerts), list, stop or run the checks
    WatchPage(cmd_evidence::WatchPageArgs),
    /// Write a clip's evidence bundle: every version's bytes, headers, text and images, hashed
    Evidence {
        id: i64,
        #[arg(value_name = "OUT.zip")]
        out: PathBuf,
    },
    /// Check an evidence bundle: every file against its manifest
    Verify {
        #[arg(value_name = "BUNDLE.zip")]
        path: PathBuf,
    },
    /// The browser extension's endpoint: serve it headless, show or rotate the pairing code
    #[command(subcommand)]
    Capture(cmd_capture::CaptureCmd),
    /// Import a collection from another tool (bookmarks, Pocket, Wallabag, Omnivore, Karakeep,
    /// Linkwarden, Zotero CSL-JSON or RIS, URL lists)
    ImportFrom(cmd_import::ImportFromArgs),
    /// Retitle a clip
    Title { id: i64, text: String },
    /// The team database: init (administrator), add (attach this library)
    #[command(subcommand)]
    Remote(cmd_sync::RemoteCmd),
    /// Team desks: create, add-member, list
    #[command(subcommand)]
    Desk(cmd_sync::DeskCmd),
    /// Send this library's changes to its desks and receive the others'
    Sync(cmd_sync::SyncArgs),
    /// Notes and titles edited at once by two analysts
    Conflicts,
    /// Settle a conflict
    Resolve {
        id: i64,
        #[arg(long, value_parser = ["mine", "theirs", "both"])]
        keep: String,
    },
    /// Who did what to a shared clip, and when (its desk's change log, from the server)
    History { id: i64 },
}

const SEARCH_HELP: &str = "Search the library.

  Kremlin \"Nagorno-Karabakh\" -Azerbaijan     words, phrases, exclusion
  (Putin OR Medvedev) AND NOT sanctions        boolean operators, parentheses
  A OR B NOT C                                 NOT after a group excludes from all of it
  NEAR(Putin Obama, 5)   sanction*             proximity, prefix
  title:Syria author:\"Robert Burns\" site:reuters
  lang:ru topic:Syria actor:Путин               topics include subtopics; actors any alias
  has:note has:highlight has:tag
  after:2016-06-01 before:2016-07 clipped:7d    dates (published or clipped)
  saved:\"Weekly Syria\"                        a saved search
  story:42 wire:ap                              one story's clips; clips an agency credits

Case and accents do not matter; Chinese and Japanese words match inside longer text.";

/// How a command ended.
pub enum Status {
    Ok,
    SomeFailed,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("CLIPDESK_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse_from(shield_query_words(std::env::args_os().collect()));
    let out = Out::new(cli.json);
    match run(cli, &out) {
        Ok(Status::Ok) => ExitCode::SUCCESS,
        Ok(Status::SomeFailed) => ExitCode::from(1),
        Err(e) => {
            out.error(&e);
            ExitCode::from(exit_code_for(&e))
        }
    }
}

/// A query may start with `-` (`clipdesk search -Erdogan Putin`, `--query -lang:en`), which an
/// argument parser takes for an option. Clipdesk has no short options but `-h` and `-V`, so in a
/// search's arguments and after `--query`, a word starting with one `-` is given to the parser with
/// a space before it: a value, not an option, and the query parser ignores the space. Options
/// (`--limit 5`, `--json`) keep working after the query.
fn shield_query_words(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let is_dash_word = |a: &std::ffi::OsString| {
        a.to_str().is_some_and(|s| s.starts_with('-') && s.len() > 1 && !s.starts_with("--") && s != "-h" && s != "-V")
    };
    // The subcommand: the first argument that is neither an option nor the value of `--db`.
    let mut command = None;
    let mut i = 1;
    while i < args.len() {
        match args[i].to_str() {
            Some("--db") => i += 2,
            Some(a) if a.starts_with('-') => i += 1,
            _ => {
                command = Some(i);
                break;
            }
        }
    }
    // `trend` takes queries as its arguments too, one per series.
    let in_search = command.is_some_and(|c| args[c] == "search" || args[c] == "trend");
    let mut out = Vec::with_capacity(args.len());
    for (k, a) in args.iter().enumerate() {
        let after_query_flag = k > 0 && args[k - 1] == "--query";
        if is_dash_word(a) && (after_query_flag || (in_search && command.is_some_and(|c| k > c))) {
            let mut shielded = std::ffi::OsString::from(" ");
            shielded.push(a);
            out.push(shielded);
        } else {
            out.push(a.clone());
        }
    }
    out
}

/// Bad input (a malformed query, an unknown id, a library we cannot open) is 2; the rest 1.
fn exit_code_for(e: &Error) -> u8 {
    match e {
        Error::Input { .. } | Error::NotFound { .. } | Error::Io { .. } => 2,
        Error::Db(d) if matches!(d.code(), "db.open" | "db.too_new") => 2,
        Error::Import(i) if matches!(i.code(), "import.parse" | "import.truncated") => 2,
        _ => 1,
    }
}

/// The man page (`clipdesk.1`) and shell completions, from the same definition the parser uses.
fn generate(dir: &std::path::Path, out: &Out) -> clipdesk::Result<Status> {
    use clap::CommandFactory;
    let io = |path: PathBuf| move |source| Error::Io { path: path.clone(), source };
    std::fs::create_dir_all(dir).map_err(io(dir.to_owned()))?;
    let mut written = Vec::new();
    let man_path = dir.join("clipdesk.1");
    let mut man = Vec::new();
    clap_mangen::Man::new(Cli::command()).render(&mut man).map_err(io(man_path.clone()))?;
    std::fs::write(&man_path, man).map_err(io(man_path.clone()))?;
    written.push(man_path);
    for shell in [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish] {
        let path =
            clap_complete::generate_to(shell, &mut Cli::command(), "clipdesk", dir).map_err(io(dir.to_owned()))?;
        written.push(path);
    }
    let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
    out.done(serde_json::json!({ "written": names }), &names.join("\n"));
    Ok(Status::Ok)
}

fn run(cli: Cli, out: &Out) -> clipdesk::Result<Status> {
    if let Command::Generate { out: dir } = &cli.command {
        return generate(dir, out);
    }
    // Verifying a bundle needs no library (and must not create one).
    if let Command::Verify { path } = cli.command {
        return cmd_evidence::verify(path, out);
    }
    // Creating the team schema needs no library.
    if let Command::Remote(cmd_sync::RemoteCmd::Init { url }) = &cli.command {
        return cmd_sync::init(url, out);
    }
    let path = cli.db.unwrap_or_else(Library::default_path);
    let mut library = Library::open(&path)?;
    match cli.command {
        Command::Clip(args) => cmd_clip::run(&mut library, args, out),
        Command::Show { id } => {
            let clip = library.get(id)?;
            out.show_clip(&clip);
            Ok(Status::Ok)
        }
        Command::List { limit, offset } => {
            let clips = library.list(limit, offset)?;
            out.list(&clips, library.count()?);
            Ok(Status::Ok)
        }
        Command::Tag(args) => cmd_tags::tag(&mut library, args, out),
        Command::Topic(cmd) => cmd_tags::topic(&mut library, cmd, out),
        Command::Actor(cmd) => cmd_tags::actor(&mut library, cmd, out),
        Command::Suggest(args) => cmd_tags::suggest(&mut library, args, out),
        Command::Rule(cmd) => cmd_tags::rule(&mut library, cmd, out),
        Command::Retag { dry_run } => cmd_tags::retag(&mut library, dry_run, out),
        Command::Search { query, limit, offset, sort, collapse } => {
            cmd_search::search(&mut library, &query.join(" "), limit, offset, &sort, collapse, out)
        }
        Command::Stories(args) => cmd_stories::list(&mut library, args, out),
        Command::Story(args) => cmd_stories::story(&mut library, args, out),
        Command::Saved(cmd) => cmd_search::saved(&mut library, cmd, out),
        Command::Digest(args) => cmd_digest::run(&mut library, *args, out),
        Command::Cite(args) => cmd_cite::run(&mut library, args, out),
        Command::Trend(args) => cmd_trend::run(&mut library, args, out),
        // Handled before the library is opened; here for the match to be complete.
        Command::Generate { out: dir } => generate(&dir, out),
        Command::Highlight(cmd) => cmd_digest::highlight(&mut library, cmd, out),
        Command::Note { id, text } => {
            library.set_note(id, Some(&text))?;
            out.done(serde_json::json!({"id": id, "note": text}), "note saved");
            Ok(Status::Ok)
        }
        Command::Backup { file, force } => {
            let r = clipdesk::archive::backup(library.conn(), &file, force)?;
            out.done(
                serde_json::json!({"path": r.path, "clips": r.clips, "bytes": r.bytes}),
                &format!("backup of {} clips → {} ({:.1} MB)", r.clips, r.path.display(), r.bytes as f64 / 1e6),
            );
            Ok(Status::Ok)
        }
        Command::Export { format: _, path } => {
            let r = clipdesk::archive::export(library.conn(), &path)?;
            out.done(
                serde_json::json!({"path": r.path, "clips": r.clips, "bytes": r.bytes, "rows": r.rows}),
                &format!("exported {} clips → {} ({:.1} MB)", r.clips, r.path.display(), r.bytes as f64 / 1e6),
            );
            Ok(Status::Ok)
        }
        Command::Feed(cmd) => cmd_monitor::feed(&mut library, cmd, out),
        Command::Poll(args) => cmd_monitor::poll(&mut library, args, out),
        Command::Inbox(args) => cmd_monitor::inbox(&mut library, args, out),
        Command::Watch(cmd) => cmd_monitor::watch(&mut library, cmd, out),
        Command::Alerts(args) => cmd_monitor::alerts(&mut library, args, out),
        Command::Recapture(args) => cmd_evidence::recapture(&mut library, args, out),
        Command::Versions { id } => cmd_evidence::versions(&mut library, id, out),
        Command::Diff(args) => cmd_evidence::diff(&mut library, args, out),
        Command::WatchPage(args) => cmd_evidence::watch_page(&mut library, args, out),
        Command::Evidence { id, out: file } => cmd_evidence::write_bundle(&mut library, id, file, out),
        Command::Verify { path } => cmd_evidence::verify(path, out),
        Command::Capture(cmd) => cmd_capture::run(library, cmd, out),
        Command::ImportFrom(args) => cmd_import::run(&mut library, args, out),
        Command::Title { id, text } => {
            library.set_title(id, &text)?;
            out.done(serde_json::json!({"id": id, "title": text}), "title saved");
            Ok(Status::Ok)
        }
        Command::Remote(cmd) => cmd_sync::remote(&mut library, cmd, out),
        Command::Desk(cmd) => cmd_sync::desk(&mut library, cmd, out),
        Command::Sync(args) => cmd_sync::run_sync(&mut library, args, out),
        Command::Conflicts => cmd_sync::conflicts(&library, out),
        Command::Resolve { id, keep } => cmd_sync::resolve(&mut library, id, &keep, out),
        Command::History { id } => cmd_sync::history(&library, id, out),
        Command::Import { path } => {
            let r = library.import(&path)?;
            out.done(
                serde_json::json!({"path": r.path, "clips": r.clips, "rows": r.rows}),
                &format!("imported {} clips from {}", r.clips, r.path.display()),
            );
            Ok(Status::Ok)
        }
    }
}

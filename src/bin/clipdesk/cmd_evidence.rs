//! Evidence commands: `recapture`, `versions`, `diff`, `watch-page`, `evidence`, `verify`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use clap::Args;
use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::monitor::pages;
use clipdesk::versions::{self, Paragraph};
use clipdesk::{evidence, Error, Library};
use serde_json::json;

use crate::output::Out;
use crate::Status;

fn fetcher() -> clipdesk::Result<Fetcher> {
    Ok(Fetcher::new(Limits::default())?)
}

#[derive(Args)]
pub struct RecaptureArgs {
    /// Clips to fetch again
    #[arg(required = true)]
    ids: Vec<i64>,
    /// Keep no images of a new version (it then shows none)
    #[arg(long)]
    no_images: bool,
}

pub fn recapture(lib: &mut Library, args: RecaptureArgs, out: &Out) -> clipdesk::Result<Status> {
    let opts = versions::RecaptureOptions { no_images: args.no_images, ..Default::default() };
    let reports = lib.recapture(&fetcher()?, &args.ids, &opts)?;
    let mut failed = false;
    for r in &reports {
        failed |= r.status == "failed";
        if out.json {
            out.json_line(r);
            continue;
        }
        let what = match (&r.change, &r.error) {
            (Some(c), _) => c.describe(),
            (None, Some(e)) => {
                eprintln!("error[{}]: {}", e.code, e.message);
                String::new()
            }
            (None, None) => String::new(),
        };
        out.line(&format!("{:>6}  v{:<3} {:<12} {what}", r.id, r.version, r.status));
        for e in &r.image_errors {
            eprintln!("  image: error[{}]: {}", e.code, e.message);
        }
    }
    Ok(if failed { Status::SomeFailed } else { Status::Ok })
}

pub fn versions(lib: &mut Library, id: i64, out: &Out) -> clipdesk::Result<Status> {
    let list = versions::list(lib.conn(), id)?;
    if out.json {
        out.json_line(&json!({"id": id, "versions": list}));
        return Ok(Status::Ok);
    }
    for v in &list {
        let fetched = v.fetched_at.as_deref().unwrap_or(&v.created_at);
        let change = if v.version == 1 { "first capture".to_owned() } else { v.change.describe() };
        out.line(&format!("v{:<3} {fetched}  {:>6} words  {}  {}", v.version, v.words, v.title, change));
    }
    Ok(Status::Ok)
}

#[derive(Args)]
pub struct DiffArgs {
    id: i64,
    /// The older version (default: the one before --to)
    #[arg(long)]
    from: Option<i64>,
    /// The newer version (default: the latest)
    #[arg(long)]
    to: Option<i64>,
}

pub fn diff(lib: &mut Library, args: DiffArgs, out: &Out) -> clipdesk::Result<Status> {
    let latest = versions::latest(lib.conn(), args.id)?;
    if latest == 0 {
        return Err(Error::NotFound { what: "clip", id: args.id.to_string() });
    }
    let to = args.to.unwrap_or(latest);
    let from = args.from.unwrap_or((to - 1).max(1));
    let d = versions::diff(lib.conn(), args.id, from, to)?;
    if out.json {
        out.json_line(&d);
        return Ok(Status::Ok);
    }
    // Text: wdiff's notation, [-removed-] {+added+}, one paragraph per block.
    let spans = |spans: &[versions::Span]| -> String {
        spans
            .iter()
            .map(|s| match s.op {
                "added" => format!("{{+{}+}}", s.text),
                "removed" => format!("[-{}-]", s.text),
                _ => s.text.clone(),
            })
            .collect()
    };
    out.line(&format!("clip {} · v{} → v{} · {}", d.id, d.from, d.to, d.change.describe()));
    if d.title.changed {
        out.line(&format!("\n# {}", spans(&d.title.spans)));
    } else {
        out.line(&format!("\n# {}", d.title.to));
    }
    for p in &d.paragraphs {
        let text = match p {
            Paragraph::Same { text } => format!("  {text}"),
            Paragraph::Added { text } => format!("+ {text}"),
            Paragraph::Removed { text } => format!("- {text}"),
            Paragraph::Changed { spans: s } => format!("~ {}", spans(s)),
        };
        out.line(&format!("\n{text}"));
    }
    Ok(Status::Ok)
}

#[derive(Args)]
pub struct WatchPageArgs {
    /// Clips whose pages to watch
    ids: Vec<i64>,
    /// Watch every clip this query matches now
    #[arg(long, allow_hyphen_values = true, conflicts_with_all = ["list", "run"])]
    query: Option<String>,
    /// How often to check (30m, 3h, 1d; at least 15 minutes; default 3h)
    #[arg(long, value_name = "DURATION")]
    every: Option<String>,
    /// Stop watching these clips
    #[arg(long, conflicts_with_all = ["list", "run", "every"])]
    stop: bool,
    /// List the watched pages
    #[arg(long, conflicts_with_all = ["run", "stop"])]
    list: bool,
    /// Check the pages that are due now (with --all: every one; with IDs: those)
    #[arg(long)]
    run: bool,
    /// With --run: every watched page, due or not
    #[arg(long, requires = "run")]
    all: bool,
    /// With --run: keep no images of new versions
    #[arg(long, requires = "run")]
    no_images: bool,
}

pub fn watch_page(lib: &mut Library, args: WatchPageArgs, out: &Out) -> clipdesk::Result<Status> {
    if args.list {
        let list = pages::list(lib.conn())?;
        if out.json {
            out.json_line(&list);
        } else {
            for w in &list {
                out.line(&format!(
                    "{:>6}  {:<7} every {:>5} min  next {}  v{}  {}",
                    w.clip_id,
                    w.state,
                    w.interval_s / 60,
                    w.next_check_at,
                    w.versions,
                    w.title
                ));
            }
        }
        return Ok(Status::Ok);
    }
    if args.run {
        let opts =
            pages::CheckOptions { all: args.all, only: args.ids, no_images: args.no_images, ..Default::default() };
        return run_checks(lib, &fetcher()?, &opts, out);
    }
    let mut ids = args.ids;
    if let Some(q) = &args.query {
        ids.extend(pages::matching(lib.conn(), q)?);
    }
    if ids.is_empty() {
        return Err(Error::input("input.no_clips", "give clip ids or --query QUERY"));
    }
    let tx = lib.write()?;
    if args.stop {
        let n = pages::remove(&tx, &ids)?;
        tx.commit()?;
        out.done(json!({"stopped": n, "clips": ids}), &format!("{n} pages no longer watched"));
        return Ok(Status::Ok);
    }
    let interval = match &args.every {
        Some(e) => pages::parse_duration(e)?,
        None => pages::DEFAULT_INTERVAL,
    };
    pages::add(&tx, &ids, interval, chrono::Utc::now())?;
    tx.commit()?;
    out.done(
        json!({"watched": ids, "interval_s": interval}),
        &format!("{} pages watched, checked every {} minutes", ids.len(), interval / 60),
    );
    Ok(Status::Ok)
}

/// Checks due pages and prints one line per page (also after `clipdesk poll`'s feeds).
pub fn run_checks(
    lib: &mut Library,
    fetcher: &Fetcher,
    opts: &pages::CheckOptions,
    out: &Out,
) -> clipdesk::Result<Status> {
    let cancel = AtomicBool::new(false);
    let mut failed = false;
    pages::check(lib, fetcher, opts, &cancel, |r| {
        failed |= r.status == "failed";
        if out.json {
            out.json_line(&json!({
                "clip_id": r.clip_id, "status": r.status, "version": r.version, "change": r.change,
                "error": r.error, "alerts": r.alerts,
            }));
        } else {
            let what = r.change.as_ref().map(|c| c.describe()).unwrap_or_default();
            out.line(&format!("{:>6}  page  {:<12} v{:<3} {}  {what}", r.clip_id, r.status, r.version, r.title));
            if let Some(e) = &r.error {
                eprintln!("error[{}]: {}", e.code, e.message);
            }
            for a in &r.alerts {
                out.line(&format!("      alert: {} — {}", a.title, a.detail.as_deref().unwrap_or("")));
            }
        }
    })?;
    Ok(if failed { Status::SomeFailed } else { Status::Ok })
}

pub fn write_bundle(lib: &mut Library, id: i64, path: PathBuf, out: &Out) -> clipdesk::Result<Status> {
    let w = evidence::write(lib.conn(), id, &path)?;
    out.done(
        serde_json::to_value(&w).unwrap_or_default(),
        &format!(
            "evidence of clip {id} → {} ({} versions, {} images, {:.1} MB); manifest SHA-256 {}",
            w.path.display(),
            w.versions,
            w.images,
            w.bytes as f64 / 1e6,
            w.manifest_sha256
        ),
    );
    Ok(Status::Ok)
}

pub fn verify(path: PathBuf, out: &Out) -> clipdesk::Result<Status> {
    let v = evidence::verify(&path)?;
    if out.json {
        out.json_line(&v);
    } else if v.ok {
        out.line(&format!(
            "{}: OK — clip {}, {} versions, {} files; manifest SHA-256 {}",
            v.path.display(),
            v.clip_id.unwrap_or_default(),
            v.versions,
            v.files_checked,
            v.manifest_sha256.as_deref().unwrap_or("")
        ));
    } else {
        for p in &v.problems {
            out.line(&format!("{}: {} — {}", p.path, p.problem, p.detail));
        }
    }
    if v.ok {
        Ok(Status::Ok)
    } else {
        out.error(&evidence::mismatch(&v));
        Ok(Status::SomeFailed)
    }
}

//! `clipdesk clip`: many URLs, fetched in parallel, stored one at a time.
//!
//! Workers fetch and extract (the slow, network-bound part); the main thread owns the library and
//! stores each result as it arrives, in its own transaction, so an interrupted batch keeps every
//! clip finished before the interruption and nothing half-written.

use std::io::{BufRead, Read};
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use clap::Args;
use clipdesk::clip;
use clipdesk::fetch::{Fetcher, Limits};
use clipdesk::library::{NewClip, Stored};
use clipdesk::tags::taxonomy::TagRef;
use clipdesk::{guard, Error, Library};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::output::Out;
use crate::Status;

#[derive(Args)]
pub struct ClipArgs {
    /// URLs to clip
    urls: Vec<String>,
    /// Read URLs from a file, one per line ("-" for standard input)
    #[arg(long, value_name = "FILE")]
    file: Option<String>,
    /// Clip a saved HTML page instead of fetching (needs --url)
    #[arg(long, value_name = "FILE", requires = "url")]
    html: Option<PathBuf>,
    /// The URL the saved page came from
    #[arg(long, value_name = "URL", requires = "html")]
    url: Option<String>,
    /// Tags to add to each new clip: topic:NAME or actor:NAME
    #[arg(long = "tag", value_name = "KIND:NAME")]
    tags: Vec<String>,
    /// How many pages to fetch at once
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    jobs: u16,
    /// Give up on a page after this many seconds
    #[arg(long, default_value_t = 30)]
    timeout: u64,
    /// Keep none of the articles' images (the reader then shows their captions only)
    #[arg(long)]
    no_images: bool,
    /// The desk the clips go to (see `clipdesk desk list`); by default the library's default desk
    /// (`clipdesk desk default`), else this laptop only
    #[arg(long, value_name = "NAME", conflicts_with = "local")]
    desk: Option<String>,
    /// Keep the clips on this laptop only, whatever the default desk
    #[arg(long)]
    local: bool,
}

/// One line of the report, as the contract defines it.
#[derive(Serialize)]
struct Report<'a> {
    url: &'a str,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorJson>,
    /// Images kept with a new clip.
    #[serde(skip_serializing_if = "Option::is_none")]
    images: Option<usize>,
    /// Images of a new clip that were not kept, and why (the clip is stored all the same).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    image_errors: Vec<ImageErrorJson>,
}

#[derive(Serialize)]
struct ImageErrorJson {
    url: String,
    code: &'static str,
    message: String,
}

#[derive(Serialize)]
struct ErrorJson {
    code: &'static str,
    message: String,
}

pub fn run(library: &mut Library, args: ClipArgs, out: &Out) -> clipdesk::Result<Status> {
    let tags: Vec<TagRef> = args.tags.iter().map(|t| TagRef::parse(t)).collect::<clipdesk::Result<_>>()?;
    if args.desk.is_some() || args.local {
        library.set_desk(args.desk.as_deref())?;
    }
    if let (Some(file), Some(url)) = (&args.html, &args.url) {
        let bytes = std::fs::read(file).map_err(|source| Error::Io { path: file.clone(), source })?;
        let result = guard::catch(|| {
            clip::saved_page(bytes, url)
                .and_then(|page| clip::prepare(&page))
                .and_then(|c| clip::store(library, &c, &tags))
        });
        let failed = report(out, url, result, &[]);
        return Ok(if failed { Status::SomeFailed } else { Status::Ok });
    }
    let urls = collect_urls(&args)?;
    if urls.is_empty() {
        return Err(Error::input("input.no_urls", "no URLs given (pass URLs, --file FILE, or --html FILE --url URL)"));
    }
    let limits = Limits { total_timeout: std::time::Duration::from_secs(args.timeout), ..Limits::default() };
    let fetcher = Fetcher::new(limits)?;
    let progress = ProgressBar::new(urls.len() as u64).with_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );

    // URLs already in the library are reported without a fetch.
    let mut failed = false;
    let mut todo: Vec<(usize, String)> = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        match clip::url_keys(url).and_then(|keys| library.find_by_url_keys(&keys)) {
            Ok(Some(id)) => {
                progress.suspend(|| report(out, url, Ok(Stored::Duplicate(id)), &[]));
                progress.inc(1);
            }
            Ok(None) => todo.push((i, url.clone())),
            Err(e) => {
                failed |= progress.suspend(|| report(out, url, Err(e), &[]));
                progress.inc(1);
            }
        }
    }

    let image_limits = clipdesk::images::Limits::default();
    let images = (!args.no_images).then_some(&image_limits);
    let queue = Arc::new(Mutex::new(todo.into_iter()));
    let (tx, rx) = mpsc::channel::<(String, clipdesk::Result<NewClip>)>();
    std::thread::scope(|scope| {
        for _ in 0..args.jobs {
            let queue = Arc::clone(&queue);
            let tx = tx.clone();
            let fetcher = fetcher.clone();
            scope.spawn(move || loop {
                let next = queue.lock().ok().and_then(|mut q| q.next());
                let Some((_, url)) = next else { break };
                // A panic on one page fails that URL only (`internal.panic`); the worker goes on.
                // Images are fetched here too, in the worker: never while holding the library.
                let result = guard::catch(|| clip::fetch_and_prepare_with(&fetcher, &url, images));
                if tx.send((url, result)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        for (url, prepared) in rx {
            progress.set_message(url.clone());
            let slots = prepared.as_ref().map(|c| c.images.clone()).unwrap_or_default();
            let result = prepared.and_then(|c| guard::catch(|| clip::store(library, &c, &tags)));
            failed |= progress.suspend(|| report(out, &url, result, &slots));
            progress.inc(1);
        }
    });
    progress.finish_and_clear();
    Ok(if failed { Status::SomeFailed } else { Status::Ok })
}

fn collect_urls(args: &ClipArgs) -> clipdesk::Result<Vec<String>> {
    let mut urls = args.urls.clone();
    if let Some(file) = &args.file {
        let text = if file == "-" {
            let mut s = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut s)
                .map_err(|source| Error::Io { path: PathBuf::from("<stdin>"), source })?;
            s
        } else {
            std::fs::read_to_string(file).map_err(|source| Error::Io { path: PathBuf::from(file), source })?
        };
        urls.extend(
            text.as_bytes()
                .lines()
                .map_while(Result::ok)
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty() && !l.starts_with('#')),
        );
    }
    Ok(urls)
}

/// The images of a new clip that were not kept: one line per image, except that the images past
/// the page's limit are one line.
fn image_errors(slots: &[clipdesk::images::ImageSlot]) -> Vec<ImageErrorJson> {
    let mut out: Vec<ImageErrorJson> = Vec::new();
    let mut too_many = 0;
    for slot in slots {
        let Some(e) = slot.error() else { continue };
        if e.code() == "image.too_many" {
            too_many += 1;
            if too_many > 1 {
                continue;
            }
        }
        out.push(ImageErrorJson { url: slot.url.clone(), code: e.code(), message: e.to_string() });
    }
    if too_many > 1 {
        if let Some(e) = out.iter_mut().find(|e| e.code == "image.too_many") {
            e.message = format!("{} ({too_many} images not fetched)", e.message);
        }
    }
    out
}

/// Prints one URL's outcome; returns true if it failed.
fn report(out: &Out, url: &str, result: clipdesk::Result<Stored>, slots: &[clipdesk::images::ImageSlot]) -> bool {
    let (status, id, error) = match &result {
        Ok(Stored::Created(id)) => ("created", Some(*id), None),
        Ok(Stored::Duplicate(id)) => ("duplicate", Some(*id), None),
        Err(e) => ("failed", None, Some(ErrorJson { code: e.code(), message: e.to_string() })),
    };
    let created = matches!(result, Ok(Stored::Created(_)));
    let images = created.then(|| slots.iter().filter(|s| s.sha256().is_some()).count());
    // Images of a saved page are not fetched: nothing to report.
    let image_errors = if created && slots.iter().any(|s| s.state != clipdesk::images::ImageState::NotFetched) {
        image_errors(slots)
    } else {
        Vec::new()
    };
    if !out.json {
        for e in &image_errors {
            eprintln!("  image: error[{}]: {}", e.code, e.message);
        }
    }
    if out.json {
        out.json_line(&Report { url, status, id, error, images, image_errors });
    } else {
        match (&id, &error) {
            (Some(id), _) => out.line(&format!("{status:<9} {id:>6}  {url}")),
            (None, Some(e)) => {
                out.line(&format!("{status:<9} {:>6}  {url}", "-"));
                eprintln!("error[{}]: {}", e.code, e.message);
            }
            (None, None) => {}
        }
    }
    result.is_err()
}

//! `clipdesk import-from FORMAT FILE`: a collection from another tool, with a progress bar and a
//! final report. Interrupted (Ctrl-C, a crash), the same command continues where it stopped.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::Args;
use clipdesk::import::{self, Format, Options, Outcome};
use clipdesk::Library;
use indicatif::{ProgressBar, ProgressStyle};

use crate::output::Out;
use crate::Status;

#[derive(Args)]
pub struct ImportFromArgs {
    /// bookmarks, pocket, wallabag, omnivore, karakeep, linkwarden, csl-json, ris or urls
    #[arg(value_parser = format_name)]
    format: Format,
    /// The export file (for omnivore: its unzipped folder or a metadata file)
    file: PathBuf,
    /// Fetch the items the export carries no content for (else they are reported as
    /// import.no_content)
    #[arg(long)]
    fetch_missing: bool,
}

fn format_name(s: &str) -> Result<Format, String> {
    match Format::parse(s) {
        Some(f) => Ok(f),
        None => Err(format!("expected one of {}", Format::ALL.iter().map(|f| f.name()).collect::<Vec<_>>().join(", "))),
    }
}

pub fn run(library: &mut Library, args: ImportFromArgs, out: &Out) -> clipdesk::Result<Status> {
    let format = args.format;
    let progress = ProgressBar::no_length().with_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    // The first Ctrl-C stops after the item in hand (the report says how far it got; the same
    // command continues); a second one exits at once.
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&cancel));
        let _ = signal_hook::flag::register(signal, Arc::clone(&cancel));
    }
    let options = Options { fetch_missing: args.fetch_missing, fetcher: None };
    let report = import::run(library, format, &args.file, &options, &cancel, |p| {
        progress.set_length(p.total as u64);
        progress.set_position(p.done as u64);
        progress.set_message(p.item.to_owned());
        if let Outcome::Failed { code, message } = p.outcome {
            if !out.json {
                progress.suspend(|| eprintln!("{}", failure_line(code, p.item, message)));
            }
        }
    });
    progress.finish_and_clear();
    let report = report?;
    let failed = report.failed.len();
    out.done(
        serde_json::to_value(&report).unwrap_or_default(),
        &format!(
            "{} items: {} imported, {} already there, {failed} failed{}",
            report.total,
            report.imported,
            report.already,
            if report.cancelled { " (cancelled: run it again to continue)" } else { "" }
        ),
    );
    Ok(if failed > 0 || report.cancelled { Status::SomeFailed } else { Status::Ok })
}

/// How a failed item is told: the item, then why — the item once, when the error's message starts
/// with it already (regression: "entry 4 (…): entry 4 (…) has no http(s) URL").
fn failure_line(code: &str, item: &str, message: &str) -> String {
    if message.starts_with(item) {
        format!("error[{code}]: {message}")
    } else {
        format!("error[{code}]: {item}: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::failure_line;

    #[test]
    fn a_failed_item_is_named_once() {
        let check = |item: &str, message: &str, expected: &str| {
            assert_eq!(failure_line("import.x", item, message), expected);
        };
        check(
            "entry 4 (No address)",
            "entry 4 (No address) has no http(s) URL",
            "error[import.x]: entry 4 (No address) has no http(s) URL",
        );
        check(
            "https://a.example/1",
            "https://a.example/1: the export has no content for it",
            "error[import.x]: https://a.example/1: the export has no content for it",
        );
        check("https://a.example/1", "HTTP 404", "error[import.x]: https://a.example/1: HTTP 404");
    }
}

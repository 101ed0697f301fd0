//! Clipdesk's benchmarks. Not tests: they measure, print a table, and write it into
//! `docs/benchmarks.md` between `<!-- bench:NAME -->` markers, beside the peers measured in the
//! same run.
//!
//! `cargo run --release -p clipdesk-bench -- extract [--data DIR] [--write]`
//! `cargo run --release -p clipdesk-bench -- breadth [--data DIR] [--write]`

mod app;
mod bounds;
mod breadth;
mod corpus;
mod digest;
mod extract;
mod monitor;
mod report;
mod scale;
mod stories;
mod suggest;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let write = args.iter().any(|a| a == "--write");
    let data = flag(&args, "--data").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("../shared/data"));
    let result = match args.first().map(String::as_str) {
        Some("extract") => extract::run(&data, flag(&args, "--only").as_deref(), args.iter().any(|a| a == "--diff")),
        Some("breadth") => breadth::run(
            &data,
            args.iter().any(|a| a == "--ours"),
            flag(&args, "--only").as_deref(),
            args.iter().any(|a| a == "--diff"),
        ),
        Some("suggest") => suggest::run(&data, args.iter().any(|a| a == "-v")),
        Some("digest") => digest::run(&data),
        Some("search") => scale::run(&data, &sizes(&args, "10000,100000")),
        Some("app") => app::run(&data, &sizes(&args, "0,100000")),
        Some("bounds") => bounds::run(&data),
        Some("monitor") => monitor::run(&data),
        Some("stories") => stories::run(&data, &sizes(&args, "100000"), flag(&args, "--only").as_deref()),
        Some("sync") => sync::run(&data),
        _ => {
            eprintln!("usage: bench extract|breadth|suggest|search|digest|monitor|stories|sync|app|bounds [--data DIR] [--write] [--only ID --diff] [--ours] [-v] [--sizes 10000,100000]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(section) => {
            println!("{}", section.body);
            if write {
                // Resource bounds are reliability figures; the rest are benchmarks.
                let doc = if section.name == "bounds" { "docs/reliability.md" } else { "docs/benchmarks.md" };
                if let Err(e) = report::write_section(doc, &section.name, &section.body) {
                    eprintln!("cannot write {doc}: {e}");
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A binary of this workspace's release build (`cargo build --release` first).
pub fn release_binary(name: &str) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("release").join(name);
    if bin.is_file() {
        Ok(bin)
    } else {
        Err(format!("{} not found: build it first with `cargo build --release`", bin.display()).into())
    }
}

fn sizes(args: &[String], default: &str) -> Vec<usize> {
    flag(args, "--sizes").unwrap_or_else(|| default.into()).split(',').filter_map(|s| s.trim().parse().ok()).collect()
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// One section of docs/benchmarks.md.
pub struct Section {
    pub name: String,
    pub body: String,
}

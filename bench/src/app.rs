//! The desktop app at scale: time from launch to an interactive library (the first page of rows
//! and the facets painted, reported by the UI through `ui_ready`), and the memory of all the app's
//! processes (the shell and WebKit's web and network processes) idle with that library.
//!
//! Runs the release app under its own Xvfb with a generated library (the search bench's
//! generator), five launches per size, and reports medians.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Section;

#[path = "../../tests/support/process.rs"]
#[allow(dead_code)] // the ports are the tests'
mod process;

use process::{own_group, start_xvfb, Reaped};

type Err = Box<dyn std::error::Error>;

const RUNS: usize = 5;

/// The pids of `root` and all its descendants.
fn process_tree(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
            // The command name may hold spaces: fields resume after its closing parenthesis.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else { continue };
            if let Some(ppid) = rest.split(' ').nth(1).and_then(|p| p.parse::<u32>().ok()) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let p = tree[i];
        tree.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    tree
}

/// Proportional set size of a process in KB (shared pages split between their users).
fn pss_kb(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/smaps_rollup"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Pss:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One launch: seconds to interactive (measured here, from spawn to the UI's report) and the
/// app's memory in MB after `idle`.
fn launch(bin: &Path, display: &str, db: &Path, idle: Duration, env: &[(&str, &str)]) -> Result<(Duration, f64), Err> {
    let ready = db.with_extension("ready");
    let _ = fs::remove_file(&ready);
    let start = Instant::now();
    let child = own_group(Command::new(bin))
        .env("DISPLAY", display)
        .env("CLIPDESK_DB", db)
        .env("CLIPDESK_PROFILE", "test")
        .env("CLIPDESK_READY_FILE", &ready)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let child = Reaped(child);
    while !ready.exists() {
        if start.elapsed() > Duration::from_secs(60) {
            return Err("the app did not become interactive within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let interactive = start.elapsed();
    std::thread::sleep(idle);
    let mb = process_tree(child.0.id()).into_iter().map(pss_kb).sum::<u64>() as f64 / 1024.0;
    Ok((interactive, mb))
}

fn median<T: PartialOrd + Copy>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

pub fn run(data: &Path, sizes: &[usize]) -> Result<Section, Err> {
    let bin = crate::release_binary("clipdesk-app")?;
    let (_xvfb, display) = start_xvfb()?;
    let dir = std::env::temp_dir().join(format!("clipdesk-app-bench-{}", std::process::id()));
    fs::create_dir_all(&dir)?;
    let mut body = String::from(
        "### Desktop app\n\n`cargo build --release -p clipdesk-app && cargo run --release -p clipdesk-bench -- app --write`. \
         The release app under Xvfb with a library generated as in the search bench. *Interactive*: from spawning the \
         process to the UI reporting that the first page of rows and the facets have painted (measured by the bench's \
         clock, median of 5 launches). *Memory*: proportional set size (PSS) of all the app's processes — the shell and \
         WebKit's web and network processes — after 5 s idle, median of 5.\n\n\
         | library | WebKit levers | interactive | memory (all processes) |\n|---|---|---|---|\n",
    );
    // WebKitGTK's own levers (the app's defaults first): the cache model, and a memory limit for
    // its network process. The web process's memory settings cannot be reached through Tauri.
    let configs: [(&str, Vec<(&str, &str)>); 3] = [
        ("cache model document-viewer (the app's default)", vec![]),
        ("cache model web-browser (WebKit's default)", vec![("CLIPDESK_WEBKIT_CACHE_MODEL", "web-browser")]),
        ("document-viewer + network process limited to 40 MB", vec![("CLIPDESK_WEBKIT_NETWORK_MEMORY_MB", "40")]),
    ];
    for &n in sizes {
        let db = dir.join(format!("library-{n}.sqlite"));
        if n > 0 {
            let mut lib = clipdesk::Library::open(&db)?;
            crate::scale::fill(&mut lib, data, n)?;
            lib.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA optimize;")?;
        }
        for (name, env) in &configs {
            // One launch to warm the page cache, as a user's second start of the day. A lever that
            // stops the window from starting is reported as such, and the others still measured.
            if let Err(e) = launch(&bin, &display, &db, Duration::from_millis(200), env) {
                eprintln!("{n} clips, {name}: {e}");
                body.push_str(&format!(
                    "| {} | {name} | did not start: {e} | — |\n",
                    if n == 0 { "empty".to_owned() } else { format!("{n} clips") },
                ));
                continue;
            }
            let mut times = Vec::new();
            let mut mems = Vec::new();
            for _ in 0..RUNS {
                let (t, mb) = launch(&bin, &display, &db, Duration::from_secs(5), env)?;
                eprintln!("{n} clips, {name}: interactive {:.0} ms, {mb:.0} MB", t.as_secs_f64() * 1000.0);
                times.push(t);
                mems.push(mb);
            }
            body.push_str(&format!(
                "| {} | {name} | **{:.2} s** | **{:.0} MB** |\n",
                if n == 0 { "empty".to_owned() } else { format!("{n} clips") },
                median(times).as_secs_f64(),
                median(mems)
            ));
        }
    }
    body.push_str("\nTargets: interactive < 1.5 s and memory < 250 MB with 100,000 clips.\n");
    let _ = fs::remove_dir_all(&dir);
    Ok(Section { name: "app".into(), body })
}

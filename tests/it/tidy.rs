//! Tidy checks in rust-analyzer's manner: the invariants `docs/ARCHITECTURE.md` states, enforced
//! by reading the source tree.
//!
//! - the core (`src/`) never names Tauri; only `ui/src/ipc/` imports `@tauri-apps/api`;
//! - no hand byte-slicing of text: `clippy::string_slice` is on for the core and the CLI, and every
//!   exception is on the allow-list below with a comment saying why its offsets are boundaries;
//! - every error code the code can produce is listed once in `docs/CLI.md`, and the list names
//!   no code that does not exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = entry.expect("entry").path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if p.is_dir() {
                if !matches!(name, "node_modules" | "target" | "dist" | "gen") {
                    stack.push(p);
                }
            } else if p.extension().and_then(|x| x.to_str()).is_some_and(|x| ext.contains(&x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).to_string_lossy().replace('\\', "/")
}

#[test]
fn the_core_knows_nothing_of_tauri() {
    let tauri = regex::Regex::new(r"\btauri(::|_)|use tauri\b|extern crate tauri").unwrap();
    let offenders: Vec<String> =
        files(&root().join("src"), &["rs"]).iter().filter(|p| tauri.is_match(&read(p))).map(|p| rel(p)).collect();
    assert!(offenders.is_empty(), "src/ names Tauri: {offenders:?}");
    let manifest = read(&root().join("Cargo.toml"));
    let deps = manifest.split("[dependencies]").nth(1).and_then(|s| s.split("\n[").next()).unwrap_or_default();
    assert!(!deps.contains("tauri"), "the core depends on Tauri");
}

#[test]
fn only_the_ipc_module_imports_the_tauri_api() {
    let offenders: Vec<String> = files(&root().join("ui/src"), &["ts", "svelte", "js"])
        .iter()
        .filter(|p| !rel(p).starts_with("ui/src/ipc/") && read(p).contains("@tauri-apps/api"))
        .map(|p| rel(p))
        .collect();
    assert!(offenders.is_empty(), "outside ui/src/ipc/: {offenders:?}");
}

/// Files that may slice `str` by byte offsets, each exception justified where it stands.
const STRING_SLICE_ALLOWED: &[&str] =
    &["src/extract/", "src/fetch/charset.rs", "src/tags/matcher.rs", "src/tags/suggest.rs", "src/text.rs"];

#[test]
fn no_hand_byte_slicing_of_text() {
    for entry in ["src/lib.rs", "src/bin/clipdesk/main.rs"] {
        assert!(
            read(&root().join(entry)).contains("#![warn(clippy::string_slice)]"),
            "{entry} must turn on clippy::string_slice (CI runs clippy with -D warnings)"
        );
    }
    let mut problems = Vec::new();
    for p in files(&root().join("src"), &["rs"]) {
        let text = read(&p);
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("allow(clippy::string_slice)") {
                continue;
            }
            let r = rel(&p);
            if !STRING_SLICE_ALLOWED.iter().any(|a| r.starts_with(a)) {
                problems.push(format!("{r}:{}: not on the allow-list", i + 1));
            }
            let justified = lines[..i].iter().rev().take(4).any(|l| l.trim_start().starts_with("//"));
            if !justified {
                problems.push(format!("{r}:{}: no comment saying why the offsets are char boundaries", i + 1));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Every code the code base can produce: the arms of the `code()` functions, and the codes given
/// to `Error::input`, `IpcError::new` and `code:` fields.
fn codes_in_source() -> BTreeMap<String, String> {
    // `code:` names other things too (a news agency's code, "ap"): there only dotted codes count.
    let given = regex::Regex::new(
        r#"(?:(?:input|IpcError::new|errorCode =)\(?\s*"([a-z_]+(?:\.[a-z_]+)?)"|code:\s*"([a-z_]+\.[a-z_]+)")"#,
    )
    .unwrap();
    let arm = regex::Regex::new(r#"=>\s*"([a-z_]+(?:\.[a-z_]+)?)",?\s*$"#).unwrap();
    let mut out = BTreeMap::new();
    let mut sources = files(&root().join("src"), &["rs"]);
    sources.extend(files(&root().join("src-tauri/src"), &["rs"]));
    sources.extend(
        files(&root().join("ui/src"), &["ts", "svelte"]).into_iter().filter(|p| !rel(p).contains("/bindings/")),
    );
    for p in sources {
        let text = read(&p);
        // Test modules may use codes of their own making.
        let text = text.split("#[cfg(test)]").next().unwrap_or_default();
        for c in given.captures_iter(text) {
            let code = c.get(1).or_else(|| c.get(2)).map_or("", |m| m.as_str());
            out.entry(code.to_owned()).or_insert_with(|| rel(&p));
        }
        if p.ends_with("src/error.rs") {
            for line in text.lines() {
                if let Some(c) = arm.captures(line) {
                    out.entry(c[1].to_owned()).or_insert_with(|| rel(&p));
                }
            }
        }
    }
    out
}

#[test]
fn every_error_code_is_listed_once() {
    let doc = read(&root().join("docs/CLI.md"));
    let section = doc.split("## Error codes").nth(1).expect("docs/CLI.md has an '## Error codes' section");
    let section = section.split("\n## ").next().unwrap_or_default();
    let row = regex::Regex::new(r"(?m)^\|\s*`([a-z_]+(?:\.[a-z_]+)?)`\s*\|").unwrap();
    let mut listed: BTreeMap<String, usize> = BTreeMap::new();
    for c in row.captures_iter(section) {
        *listed.entry(c[1].to_owned()).or_default() += 1;
    }
    let twice: Vec<&String> = listed.iter().filter(|(_, n)| **n > 1).map(|(c, _)| c).collect();
    assert!(twice.is_empty(), "listed more than once: {twice:?}");
    let source = codes_in_source();
    assert!(source.len() > 40, "found only {} codes: the scanner is broken", source.len());
    let missing: Vec<String> =
        source.iter().filter(|(c, _)| !listed.contains_key(*c)).map(|(c, f)| format!("{c} ({f})")).collect();
    assert!(missing.is_empty(), "codes missing from docs/CLI.md's error table: {missing:#?}");
    let listed: BTreeSet<&String> = listed.keys().collect();
    let stale: Vec<&&String> = listed.iter().filter(|c| !source.contains_key(**c)).collect();
    assert!(stale.is_empty(), "docs/CLI.md lists codes nothing produces: {stale:?}");
}

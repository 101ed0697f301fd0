//! The import parsers (`clipdesk import-from`): the first byte picks the format, the rest is the
//! export file. Any file is read or refused with a coded error (`import.*`, `input.*`, `io.*`);
//! an item the parser cannot use is reported with an `import.*` code — never a panic.
#![no_main]
use std::sync::OnceLock;

use clipdesk::import::{self, Format};
use libfuzzer_sys::fuzz_target;

fn dir() -> &'static std::path::Path {
    static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = std::env::temp_dir().join(format!("clipdesk-fuzz-import-{}", std::process::id()));
        std::fs::create_dir_all(d.join("omnivore")).expect("temp dir");
        d
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, file)) = data.split_first() else { return };
    let format = Format::ALL[pick as usize % Format::ALL.len()];
    let path = if format == Format::Omnivore {
        let p = dir().join("omnivore");
        std::fs::write(p.join("metadata_0_to_1.json"), file).expect("write");
        p
    } else {
        let p = dir().join("export");
        std::fs::write(&p, file).expect("write");
        p
    };
    match import::read(format, &path) {
        Ok(parsed) => {
            for entry in &parsed.entries {
                if let Err((label, e)) = entry {
                    assert!(e.code().starts_with("import."), "{label}: {} {e}", e.code());
                }
            }
        }
        Err(e) => assert!(
            ["import.", "input.", "io."].iter().any(|p| e.code().starts_with(p)),
            "{} refused as {}: {e}",
            format.name(),
            e.code()
        ),
    }
});

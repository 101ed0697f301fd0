//! The query language, end to end: any text is either refused as `query.*` input or runs against a
//! real library (one clip, tagged, with a saved search) — never a SQLite error, which would mean
//! the query type let user text reach FTS5 or SQL unquoted.
#![no_main]
use std::sync::{Mutex, OnceLock};

use clipdesk::search::Options;
use clipdesk::Library;
use libfuzzer_sys::fuzz_target;

fn library() -> &'static Mutex<Library> {
    static LIB: OnceLock<Mutex<Library>> = OnceLock::new();
    LIB.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("clipdesk-fuzz-query-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let db = dir.join("library.sqlite");
        let _ = std::fs::remove_file(&db);
        let mut lib = Library::open(&db).expect("open");
        let page = include_bytes!("../../tests/fixtures/pages/seed-article.html").to_vec();
        let page = clipdesk::clip::saved_page(page, "https://www.timesofisrael.com/a/").expect("page");
        let clip = clipdesk::clip::prepare(&page).expect("extract");
        lib.insert_clip(&clip, &[]).expect("insert");
        clipdesk::search::saved::save(lib.conn(), "Weekly", "Kremlin OR Putin").expect("saved search");
        Mutex::new(lib)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lib = library().lock().unwrap_or_else(|e| e.into_inner());
    match lib.search(text, Options::default()) {
        Ok(_) => {}
        // A saved search the query names may not exist: that is the user's error, coded.
        Err(e) => assert!(
            e.code().starts_with("query.") || e.code().starts_with("input.") || e.code() == "not_found",
            "{text:?} failed as {}: {e}",
            e.code()
        ),
    }
});

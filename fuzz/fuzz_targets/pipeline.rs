//! The whole pipeline on any text, the way the dateline crash needed it: the bytes as a saved page
//! → extraction → automatic tagging against a taxonomy full of ambiguous, multi-script and
//! punctuated aliases → storing → a search made of the page's own words → a briefing of the clip
//! (HTML and Markdown, and every 16th input the PDF). The text also goes straight through the
//! alias matcher and the suggester. Any panic is a crash: this target runs without the panic net.
#![no_main]
use std::sync::{Mutex, OnceLock};

use clipdesk::digest::{build, export, Digest, GroupBy};
use clipdesk::library::Stored;
use clipdesk::search::Options;
use clipdesk::tags::taxonomy::ActorType;
use clipdesk::Library;
use libfuzzer_sys::fuzz_target;

struct State {
    lib: Library,
    runs: u64,
}

fn open() -> Library {
    let dir = std::env::temp_dir().join(format!("clipdesk-fuzz-pipeline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let db = dir.join("library.sqlite");
    for f in ["library.sqlite", "library.sqlite-wal", "library.sqlite-shm"] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let mut lib = Library::open(&db).expect("open");
    let person = Some(ActorType::Person);
    for (name, aliases) in [
        ("Michael Jordan", vec!["Jordan", "Джордан", "乔丹", "ג'ורדן"]),
        ("Vladimir Putin", vec!["Putin", "Путин", "普京", "بوتين", "פוטין", "V. Putin"]),
        ("Recep Tayyip Erdoğan", vec!["Erdogan", "Erdoğan", "Эрдоган", "أردوغان"]),
        ("Bashar al-Assad", vec!["al-Assad", "Assad", "الأسد"]),
        ("Conan O'Brien", vec!["O'Brien", "O’Brien"]),
        ("Chad Smith", vec!["Chad"]),
        ("Ümit Özdağ", vec!["Özdağ", "ÖZDAĞ"]),
        ("Dash — Name", vec!["—Name—", "– Dash", "«Кавычки»"]),
    ] {
        let aliases: Vec<String> = aliases.into_iter().map(str::to_owned).collect();
        lib.add_actor(name, person, &aliases, None).expect("actor");
    }
    lib.add_actor("AP", Some(ActorType::Organisation), &["Associated Press".into(), "А.П.".into()], None).expect("actor");
    lib.add_topic("Conflicts/Syria", Some("Syria OR Сирия OR سوريا OR 叙利亚")).expect("topic");
    lib
}

fn state() -> &'static Mutex<State> {
    static STATE: OnceLock<Mutex<State>> = OnceLock::new();
    STATE.get_or_init(|| Mutex::new(State { lib: open(), runs: 0 }))
}

fuzz_target!(|data: &[u8]| {
    let mut st = state().lock().unwrap_or_else(|e| e.into_inner());
    st.runs += 1;
    // A fresh library now and then, so it does not grow without end.
    if st.runs % 500 == 0 {
        st.lib = open();
    }
    let runs = st.runs;
    let lib = &mut st.lib;
    let text = String::from_utf8_lossy(data);
    // Straight through the matcher and the suggester (the panic of issue 10 was here).
    let _ = lib.suggest_text(&text, &text).expect("suggestions");

    let url = format!("https://fuzz.example/news/{runs}");
    let Ok(page) = clipdesk::clip::saved_page(data.to_vec(), &url) else { return };
    let Ok(clip) = clipdesk::clip::prepare(&page) else { return };
    let id = match clipdesk::clip::store(lib, &clip, &[]) {
        Ok(Stored::Created(id) | Stored::Duplicate(id)) => id,
        Err(e) => panic!("a prepared clip was not stored: {} {e}", e.code()),
    };
    let stored = lib.get(id).expect("the clip reads back");
    // Its own words find it, or the query is refused with a code.
    let words: Vec<&str> = stored.text.split_whitespace().take(3).collect();
    match lib.search(&words.join(" "), Options::default()) {
        Ok(_) => {}
        Err(e) => assert!(e.code().starts_with("query."), "search failed as {}: {e}", e.code()),
    }
    let digest = Digest {
        title: stored.title.clone(),
        query: Some("clipped:1d".into()),
        group_by: GroupBy::Actor,
        items: vec![],
        ..Default::default()
    };
    let briefing = match build::build(lib.conn(), &digest) {
        Ok(b) => b,
        Err(e) => {
            assert_eq!(e.code(), "digest.empty", "briefing failed: {e}");
            return;
        }
    };
    let _ = export::html(&briefing);
    let _ = export::markdown(&briefing);
    if runs % 16 == 0 {
        export::pdf::render(&briefing).expect("the briefing typesets");
    }
});

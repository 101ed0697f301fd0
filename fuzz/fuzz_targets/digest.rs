//! The briefing data path: any text as headline, outlet, summary source, note and URL goes
//! through summarizing, link checking and the three exports (Typst PDF, HTML, Markdown) without
//! failing, and the HTML export never carries markup from the data.
#![no_main]
use clipdesk::digest::build::{safe_link, Briefing, Group, Item};
use clipdesk::digest::{export, summary, GroupBy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut f = text.split('\u{1}');
    let mut next = || f.next().unwrap_or("").to_owned();
    let (headline, outlet, body, note, url, group) = (next(), next(), next(), next(), next(), next());
    let item = Item {
        clip_id: 1,
        headline,
        outlet: Some(outlet),
        date: Some("6 July 2016".into()),
        authors: vec![next()],
        lang: None,
        dir: "ltr",
        summary: summary::summarize(&body, 3),
        summary_is_override: false,
        note: Some(note),
        quotes: Vec::new(),
        topics: vec![group.clone()],
        actors: Vec::new(),
        url: safe_link(&url),
        url_display: url,
        retrieved: "27 November 2026".into(),
        also_in: Vec::new(),
    };
    let b = Briefing {
        title: next(),
        subtitle: Some(next()),
        author: None,
        classification: Some(next()),
        period: None,
        generated: "27 November 2026".into(),
        executive_summary: vec![next()],
        group_by: GroupBy::Topic,
        groups: vec![Group { name: group, items: vec![item] }],
        story_count: 1,
        trends: None,
    };
    if let Some(link) = &b.groups[0].items[0].url {
        assert!(link.starts_with("http://") || link.starts_with("https://") || link.starts_with("mailto:"), "unsafe link {link}");
    }
    let html = export::html(&b);
    assert!(!html.to_lowercase().contains("<script"), "markup from the data in the HTML export");
    let _ = export::markdown(&b);
    export::pdf::render(&b).expect("a briefing of any text typesets");
});

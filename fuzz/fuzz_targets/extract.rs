//! Raw bytes as a saved page: charset detection, parsing, extraction, sanitizing, metadata.
//! Whatever came in, the stored HTML — parsed again, as the reader's WebView would — has no
//! element that runs or embeds something, no event handler, and no URL with a scheme other than
//! http, https and mailto.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/html_audit.rs"]
mod html_audit;

fuzz_target!(|data: &[u8]| {
    let Ok(page) = clipdesk::clip::saved_page(data.to_vec(), "https://fuzz.example/news/2016/07/06/story") else { return };
    let Ok(clip) = clipdesk::clip::prepare(&page) else { return };
    let found = html_audit::executable_in(&clip.article.html, "body *");
    assert!(found.is_empty(), "survived sanitizing: {found:?}");
});

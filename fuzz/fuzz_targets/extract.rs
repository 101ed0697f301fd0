//! Raw bytes as a saved page: charset detection, parsing, extraction, sanitizing, metadata.
//! Whatever came in, the stored HTML — parsed again, as the reader's WebView would — has no
//! element that runs or embeds something, no event handler, and no URL with a scheme other than
//! http, https and mailto.
#![no_main]
use dom_query::Document;
use libfuzzer_sys::fuzz_target;

const FORBIDDEN: &[&str] =
    &["script", "style", "iframe", "frame", "object", "embed", "form", "input", "button", "base", "meta", "link", "svg", "math"];
const URL_ATTRS: &[&str] = &["href", "src", "srcset", "cite", "poster", "action", "formaction", "xlink:href", "background"];

fuzz_target!(|data: &[u8]| {
    let Ok(page) = clipdesk::clip::saved_page(data.to_vec(), "https://fuzz.example/news/2016/07/06/story") else { return };
    let Ok(clip) = clipdesk::clip::prepare(&page) else { return };
    let doc = Document::from(clip.article.html.as_str());
    for node in doc.select("body *").nodes() {
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        assert!(!FORBIDDEN.contains(&name.as_str()), "<{name}> survived sanitizing");
        for attr in node.attrs() {
            let key = String::from(&*attr.name.local).to_ascii_lowercase();
            let value = attr.value.trim().to_ascii_lowercase();
            assert!(!key.starts_with("on") && key != "style" && key != "srcdoc", "{key}= survived on <{name}>");
            if URL_ATTRS.contains(&key.as_str()) {
                let scheme = value.split_once(':').map(|(s, _)| s).filter(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)));
                assert!(
                    scheme.is_none_or(|s| matches!(s, "http" | "https" | "mailto")),
                    "{key}={value:?} survived on <{name}>"
                );
            }
        }
    }
});

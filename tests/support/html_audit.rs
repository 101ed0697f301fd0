//! What in HTML could run or load something, found on the parsed DOM (html5ever, as a WebView
//! parses it), never by scanning text: forbidden elements, event handlers, inline styles,
//! `srcdoc`, and URLs whose scheme is not http, https or mailto. Shared by the hostile-corpus test
//! and the `extract` fuzz target (`fuzz/fuzz_targets/extract.rs` includes this file).

use dom_query::Document;

/// Elements that may never appear in stored HTML or in the body of an HTML export.
pub const FORBIDDEN: &[&str] = &[
    "script", "iframe", "object", "embed", "form", "input", "button", "textarea", "select", "style", "svg", "math",
    "base", "meta", "link", "template", "noscript", "frame", "frameset", "applet", "video", "audio", "source",
    "portal", "dialog",
];

const URL_ATTRS: &[&str] =
    &["href", "src", "srcset", "cite", "poster", "action", "formaction", "xlink:href", "background", "data", "ping"];

/// Everything executable or loading in the elements `selector` picks (`"body *"` for a whole
/// document's body; a fragment is parsed into a body).
pub fn executable_in(html: &str, selector: &str) -> Vec<String> {
    let doc = Document::from(html);
    let mut found = Vec::new();
    for node in doc.select(selector).nodes() {
        let name = node.node_name().map(|n| n.to_ascii_lowercase()).unwrap_or_default();
        if FORBIDDEN.contains(&name.as_str()) {
            found.push(format!("element <{name}>"));
        }
        for attr in node.attrs() {
            let key = String::from(&*attr.name.local).to_ascii_lowercase();
            let value: String =
                attr.value.trim().chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
            let value = value.to_ascii_lowercase();
            if key.starts_with("on") || matches!(key.as_str(), "style" | "srcdoc" | "formaction" | "action") {
                found.push(format!("attribute {key}= on <{name}>"));
            }
            if URL_ATTRS.contains(&key.as_str()) {
                let urls: Vec<&str> = if key == "srcset" {
                    value.split(',').filter_map(|c| c.split_whitespace().next()).collect()
                } else {
                    vec![value.as_str()]
                };
                for url in urls {
                    let scheme = url.split_once(':').map(|(s, _)| s).filter(|s| {
                        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                            && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                    });
                    if scheme.is_some_and(|s| !matches!(s, "http" | "https" | "mailto")) {
                        found.push(format!("URL {key}={url:?} on <{name}>"));
                    }
                }
            }
        }
    }
    found
}

#[allow(dead_code)]
/// The elements of a document's `<head>` other than the ones an export writes itself.
pub fn head_extras(html: &str, allowed: &[&str]) -> Vec<String> {
    let doc = Document::from(html);
    doc.select("head *")
        .nodes()
        .iter()
        .filter_map(|n| n.node_name().map(|n| n.to_ascii_lowercase()))
        .filter(|n| !allowed.contains(&n.as_str()))
        .collect()
}

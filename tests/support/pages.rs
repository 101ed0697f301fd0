//! Generated pages far outside what a news page looks like, for the resource-bound tests
//! (`tests/it/bounds.rs`) and their measurements (`bench bounds`).

/// 100,000 nested elements.
pub fn deep_nesting() -> Vec<u8> {
    format!("<html><body>{}<p>deep</p>{}</body></html>", "<div>".repeat(100_000), "</div>".repeat(100_000)).into_bytes()
}

/// A 50 MB page of ordinary paragraphs.
pub fn fifty_megabytes() -> Vec<u8> {
    let para = "<p>The harbour council met on Monday to discuss the dredging contract and the budget.</p>\n";
    let mut page = String::from("<html><head><title>Huge</title></head><body><article>");
    while page.len() < 50 * 1024 * 1024 {
        page.push_str(para);
    }
    page.push_str("</article></body></html>");
    page.into_bytes()
}

/// A page whose article is one 10 MB text node.
pub fn ten_megabyte_text_node() -> Vec<u8> {
    let words = "harbour council dredging contract budget residents meeting ";
    let text = words.repeat(10 * 1024 * 1024 / words.len());
    format!("<html><head><title>One long paragraph</title></head><body><article><h1>One long paragraph</h1><p>{text}</p></article></body></html>")
        .into_bytes()
}

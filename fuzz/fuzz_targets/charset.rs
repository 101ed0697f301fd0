//! Charset detection and decoding: any bytes, any Content-Type charset, any top-level domain.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first bytes choose the header charset and the TLD, the rest is the page.
    let (head, body) = data.split_at(data.len().min(24));
    let head = String::from_utf8_lossy(head);
    let mut parts = head.splitn(2, '|');
    let header = parts.next().filter(|s| !s.is_empty());
    let tld = parts.next();
    let (text, _, _) = clipdesk::fetch::charset::decode(body, header, tld);
    assert!(text.len() <= body.len() * 3 + 16, "decoding grew the text beyond UTF-8 expansion");
});

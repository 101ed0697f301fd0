//! Canonical URLs: the de-duplication key of a clip.
//!
//! Two links to the same article usually differ only by tracking decoration: `utm_*` campaign
//! parameters, click identifiers (`fbclid`, `gclid`, …), a `#fragment`, letter case in the host. The
//! canonical form drops all of that, keeps every other query parameter (sorted, so their order does
//! not matter) and is what `clip.canonical_url` stores.

use url::Url;

use crate::error::FetchError;

/// Query parameters that only track the reader, never select content. Matched case-insensitively;
/// an entry ending in `*` is a prefix.
const TRACKING_PARAMS: &[&str] = &[
    "utm_*",
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "igshid",
    "igsh",
    "mc_cid",
    "mc_eid",
    "mkt_tok",
    "_hsenc",
    "_hsmi",
    "_ga",
    "_gl",
    "_openstat",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wickedid",
    "rb_clickid",
    "s_cid",
    "icid",
    "cmpid",
    "ncid",
    "ocid",
    "smid",
    "smtyp",
    "sr_share",
    "soc_src",
    "soc_trk",
    "ref_src",
    "ref_url",
    "at_medium",
    "at_campaign",
    "at_custom*",
    "wt.mc_id",
    "wt_mc",
    "ito",
    "__twitter_impression",
    "guccounter",
    "guce_referrer",
    "guce_referrer_sig",
    "spm",
    "cmp",
    "mbid",
    "xtor",
    "ns_mchannel",
    "ns_source",
    "ns_campaign",
    "ns_linkname",
    "ns_fee",
];

/// Parses a user-given URL: only absolute http and https URLs are accepted.
pub fn parse_web_url(input: &str) -> Result<Url, FetchError> {
    let trimmed = input.trim();
    let url = Url::parse(trimmed).map_err(|e| FetchError::BadUrl { url: trimmed.to_owned(), reason: e.to_string() })?;
    match url.scheme() {
        "http" | "https" => {}
        other => return Err(FetchError::Scheme { url: trimmed.to_owned(), scheme: other.to_owned() }),
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::BadUrl { url: trimmed.to_owned(), reason: "no host".into() });
    }
    Ok(url)
}

/// The canonical form of `url`: fragment, tracking parameters and default port removed, host
/// lower-cased, the remaining query parameters sorted.
pub fn canonicalize(url: &Url) -> Url {
    let mut out = url.clone();
    out.set_fragment(None);
    if let Some(host) = url.host_str() {
        let lower = host.to_ascii_lowercase();
        let trimmed = lower.trim_end_matches('.');
        if trimmed != host {
            // Only fails for hosts that were already invalid, which Url cannot hold.
            let _ = out.set_host(Some(trimmed));
        }
    }
    let mut params: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| !is_tracking_param(k))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if params.is_empty() {
        out.set_query(None);
    } else {
        params.sort();
        out.query_pairs_mut().clear().extend_pairs(params);
    }
    out
}

fn is_tracking_param(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    TRACKING_PARAMS.iter().any(|p| match p.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => name == *p,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let url = parse_web_url(input).unwrap();
        assert_eq!(canonicalize(&url).as_str(), expected, "input: {input}");
    }

    #[test]
    fn canonical_forms() {
        check("https://Example.COM/a?utm_source=x&id=3&fbclid=abc#top", "https://example.com/a?id=3");
        check("https://example.com:443/a/?b=2&a=1", "https://example.com/a/?a=1&b=2");
        check("http://example.com/a?gclid=1&UTM_Medium=m", "http://example.com/a");
        check(
            "https://example.com/путь?q=война",
            "https://example.com/%D0%BF%D1%83%D1%82%D1%8C?q=%D0%B2%D0%BE%D0%B9%D0%BD%D0%B0",
        );
        check("  https://example.com  ", "https://example.com/");
    }

    #[test]
    fn only_web_urls() {
        for (input, code) in [
            ("ftp://example.com/x", "fetch.scheme"),
            ("javascript:alert(1)", "fetch.scheme"),
            ("file:///etc/passwd", "fetch.scheme"),
            ("example.com/x", "fetch.bad_url"),
            ("", "fetch.bad_url"),
        ] {
            assert_eq!(parse_web_url(input).unwrap_err().code(), code, "input: {input}");
        }
    }
}

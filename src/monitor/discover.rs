//! Finding a site's feeds: the feeds an HTML page links to, and the places sites usually put them.
//!
//! [`feed_links`] reads `<link rel="alternate" type="application/rss+xml" href="…">` and its Atom
//! and JSON Feed kin (the `rel` may hold several tokens, in any case), resolved against the page's
//! `<base href>` if it has one, once each, in document order. [`candidates`] lists the
//! [`WELL_KNOWN_PATHS`] on the page's origin, to try when a page links to no feed.

use dom_query::Document;
use url::Url;

use crate::text::collapse_ws;

/// A feed a page links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// Absolute http(s) URL.
    pub url: String,
    pub title: Option<String>,
    /// `rss`, `atom` or `json`.
    pub kind: &'static str,
}

/// Where sites put their feeds (WordPress, Blogger, Hugo, Jekyll, Ghost…) and news sitemaps.
pub const WELL_KNOWN_PATHS: &[&str] = &[
    "/feed",
    "/feed/",
    "/rss",
    "/rss.xml",
    "/atom.xml",
    "/feed.xml",
    "/index.xml",
    "/feed.json",
    "/feeds/posts/default",
    "/?feed=rss2",
    "/news-sitemap.xml",
    "/sitemap_news.xml",
];

/// The feed kind a link's `type` names, if it names one.
fn kind_of(mime: &str) -> Option<&'static str> {
    let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/rss+xml" | "application/rdf+xml" => Some("rss"),
        "application/atom+xml" => Some("atom"),
        "application/feed+json" | "application/json" => Some("json"),
        _ => None,
    }
}

/// The feeds `html`, fetched from `page_url`, links to.
pub fn feed_links(html: &str, page_url: &Url) -> Vec<FeedLink> {
    let doc = Document::from(html);
    let base = doc
        .select("base[href]")
        .nodes()
        .first()
        .and_then(|b| b.attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut out: Vec<FeedLink> = Vec::new();
    for node in doc.select("link[rel][href][type]").nodes() {
        let rel = node.attr("rel").map(|r| r.to_ascii_lowercase()).unwrap_or_default();
        if !rel.split_ascii_whitespace().any(|t| t == "alternate") {
            continue;
        }
        let Some(kind) = node.attr("type").and_then(|t| kind_of(&t)) else { continue };
        let Some(href) = node.attr("href") else { continue };
        let Some(url) = crate::extract::meta::web_url(&base, &href) else { continue };
        let url = String::from(url);
        if out.iter().any(|l| l.url == url) {
            continue;
        }
        let title = node.attr("title").map(|t| collapse_ws(&crate::text::strip_controls(&t))).filter(|t| !t.is_empty());
        out.push(FeedLink { url, title, kind });
    }
    out
}

/// [`WELL_KNOWN_PATHS`] on the origin of `page_url` (nothing for a URL that is not http(s)).
pub fn candidates(page_url: &Url) -> Vec<Url> {
    if !matches!(page_url.scheme(), "http" | "https") || page_url.host_str().is_none() {
        return Vec::new();
    }
    let mut origin = page_url.clone();
    // The origin has no user name or password.
    let _ = origin.set_username("");
    let _ = origin.set_password(None);
    WELL_KNOWN_PATHS.iter().filter_map(|path| origin.join(path).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::feed::tests::fixture;

    fn link(url: &str, title: Option<&str>, kind: &'static str) -> FeedLink {
        FeedLink { url: url.into(), title: title.map(str::to_owned), kind }
    }

    fn check(html: &str, page: &str, expected: &[FeedLink]) {
        assert_eq!(feed_links(html, &Url::parse(page).unwrap()), expected, "page: {html}");
    }

    #[test]
    fn links_of_a_page() {
        let html = String::from_utf8(fixture("page-with-feeds.html")).unwrap();
        check(
            &html,
            "https://www.example-news.com/section/index.html",
            &[
                link("https://www.example-news.com/section/feed/", Some("Example News » Feed"), "rss"),
                link("https://www.example-news.com/atom.xml", Some("Atom"), "atom"),
                link("https://www.example-news.com/feed.json", None, "json"),
                link("https://www.example-news.com/wp-json/wp/v2/posts", None, "json"),
                link("https://www.example-news.com/comments/feed/", Some("Comments"), "rss"),
            ],
        );
    }

    #[test]
    fn base_and_page_urls() {
        let rss = "<link rel=alternate type=application/rss+xml href=rss.xml>";
        check(rss, "https://a.example/x/y.html", &[link("https://a.example/x/rss.xml", None, "rss")]);
        check(
            &format!("<base href=\"/other/\">{rss}"),
            "https://a.example/x/y.html",
            &[link("https://a.example/other/rss.xml", None, "rss")],
        );
        check(
            "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"  \">\
             <link rel=\"alternate\" type=\"application/rss+xml\" href=\"data:text/xml,x\">",
            "https://a.example/",
            &[],
        );
        check("<p>No links at all</p>", "https://a.example/", &[]);
        check("", "https://a.example/", &[]);
    }

    #[test]
    fn well_known_places() {
        let got: Vec<String> = candidates(&Url::parse("https://user@www.example.com:8443/news/today?x=1#top").unwrap())
            .into_iter()
            .map(String::from)
            .collect();
        let expected: Vec<String> =
            WELL_KNOWN_PATHS.iter().map(|p| format!("https://www.example.com:8443{p}")).collect();
        assert_eq!(got, expected);
        assert!(got.contains(&"https://www.example.com:8443/?feed=rss2".to_owned()));
        assert!(candidates(&Url::parse("ftp://example.com/").unwrap()).is_empty());
        assert!(candidates(&Url::parse("mailto:a@example.com").unwrap()).is_empty());
    }

    #[test]
    fn any_bytes_never_panic() {
        let html = fixture("page-with-feeds.html");
        let page = Url::parse("https://www.example-news.com/").unwrap();
        for n in (0..html.len()).step_by(37) {
            let _ = feed_links(&String::from_utf8_lossy(&html[..n]), &page);
        }
        let _ = feed_links(&"<div>".repeat(20_000), &page);
    }
}

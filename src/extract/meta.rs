//! Article metadata: title, authors, date, site, language, canonical URL, lead image, description.
//!
//! Sources, most trusted first: JSON-LD (`NewsArticle` and kin), Open Graph and other `<meta>`
//! conventions (article:*, Dublin Core, Parse.ly, Sailthru), then the page itself (`<title>`, `<h1>`,
//! `<time>`, bylines, the URL). Each field takes the first source that gives a plausible value.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use dom_query::Document;
use serde_json::Value;
use url::Url;

use super::date;
use crate::text::collapse_ws;

#[derive(Debug, Default, Clone)]
pub struct Meta {
    pub title: Option<String>,
    pub authors: Vec<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub site_name: Option<String>,
    pub lang: Option<String>,
    pub canonical_url: Option<Url>,
    pub lead_image: Option<Url>,
    pub description: Option<String>,
}

/// What JSON-LD says about the article.
#[derive(Debug, Default)]
struct LdArticle {
    headline: Option<String>,
    published: Option<String>,
    authors: Vec<String>,
    publisher: Option<String>,
    lang: Option<String>,
    image: Option<String>,
    url: Option<String>,
    description: Option<String>,
}

const ARTICLE_TYPES: &[&str] = &[
    "newsarticle",
    "article",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "socialmediaposting",
    "liveblogposting",
    "report",
    "scholarlyarticle",
    "techarticle",
];

pub fn extract(doc: &Document, url: &Url) -> Meta {
    let metas = meta_map(doc);
    let ld = json_ld(doc);
    let get = |keys: &[&str]| keys.iter().find_map(|k| metas.get(*k)).map(|v| v.as_str());

    let site_name = ld
        .publisher
        .clone()
        .or_else(|| {
            get(&["og:site_name", "application-name", "al:android:app_name", "twitter:app:name:iphone"])
                .map(str::to_owned)
        })
        .map(|s| collapse_ws(&s))
        .filter(|s| !s.is_empty() && s.chars().count() <= 80);

    let page_title = doc.select("head title").iter().next().map(|t| collapse_ws(&t.text()));
    let h1 = first_h1(doc);
    let raw_title = ld
        .headline
        .clone()
        .or_else(|| {
            get(&["og:title", "twitter:title", "dc.title", "sailthru.title", "parsely-title"]).map(str::to_owned)
        })
        .or_else(|| page_title.clone())
        .or_else(|| h1.clone())
        .map(|t| collapse_ws(&t));
    let title = raw_title.map(|t| clean_title(&t, site_name.as_deref(), h1.as_deref(), url)).filter(|t| !t.is_empty());

    let published_at = ld
        .published
        .as_deref()
        .and_then(date::parse)
        .or_else(|| {
            [
                "article:published_time",
                "og:published_time",
                "article:published",
                "datepublished",
                "date",
                "pubdate",
                "publishdate",
                "publish-date",
                "publish_date",
                "dc.date.issued",
                "dc.date",
                "dcterms.date",
                "dcterms.created",
                "dc.date.created",
                "sailthru.date",
                "parsely-pub-date",
                "article.published",
                "published-date",
                "og:updated_time",
                "article:modified_time",
            ]
            .iter()
            .filter_map(|k| metas.get(*k))
            .find_map(|v| date::parse(v))
        })
        .or_else(|| time_element(doc))
        .or_else(|| date::from_url(url));

    let mut authors: Vec<String> = ld.authors.clone();
    if authors.is_empty() {
        for key in
            ["author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl", "twitter:creator"]
        {
            if let Some(v) = metas.get(key) {
                authors.extend(split_authors(v));
                if !authors.is_empty() {
                    break;
                }
            }
        }
    }
    if authors.is_empty() {
        authors = byline_authors(doc);
    }
    authors = clean_authors(authors, site_name.as_deref());

    let lang = doc
        .select("html")
        .attr("lang")
        .map(|l| l.to_string())
        .or_else(|| ld.lang.clone())
        .or_else(|| get(&["og:locale", "content-language", "dc.language", "language"]).map(str::to_owned))
        .and_then(|l| normalize_lang(&l));

    let canonical_url = doc
        .select("link[rel~=canonical]")
        .attr("href")
        .map(|h| h.to_string())
        .or_else(|| get(&["og:url"]).map(str::to_owned))
        .or_else(|| ld.url.clone())
        .and_then(|h| web_url(url, &h));

    let lead_image = ld
        .image
        .clone()
        .or_else(|| {
            get(&["og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"])
                .map(str::to_owned)
        })
        .and_then(|h| web_url(url, &h));

    let description = ld
        .description
        .clone()
        .or_else(|| get(&["og:description", "description", "twitter:description", "dc.description"]).map(str::to_owned))
        .map(|d| collapse_ws(&d))
        .filter(|d| !d.is_empty());

    Meta { title, authors, published_at, site_name, lang, canonical_url, lead_image, description }
}

/// Every `<meta>` by its lower-cased `property`, `name`, `itemprop` or `http-equiv`; the first
/// occurrence wins.
fn meta_map(doc: &Document) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for node in doc.select("meta").nodes() {
        let Some(content) = node.attr("content").or_else(|| node.attr("value")) else { continue };
        let content = content.trim();
        if content.is_empty() {
            continue;
        }
        for attr in ["property", "name", "itemprop", "http-equiv"] {
            if let Some(key) = node.attr(attr) {
                map.entry(key.trim().to_ascii_lowercase()).or_insert_with(|| content.to_owned());
            }
        }
    }
    // Microdata outside <meta>: <time itemprop="datePublished" datetime="…">, <span itemprop="author">.
    for node in doc.select("[itemprop=datePublished][datetime], [itemprop=datePublished][content]").nodes() {
        if let Some(v) = node.attr("datetime").or_else(|| node.attr("content")) {
            map.entry("datepublished".into()).or_insert_with(|| v.to_string());
        }
    }
    map
}

fn json_ld(doc: &Document) -> LdArticle {
    let mut best = LdArticle::default();
    for node in doc.select("script[type='application/ld+json']").nodes() {
        let raw = node.text();
        let cleaned = raw.trim().trim_start_matches("<![CDATA[").trim_end_matches("]]>").trim_end_matches(';');
        let Ok(value) = serde_json::from_str::<Value>(cleaned) else { continue };
        let mut stack = vec![&value];
        while let Some(v) = stack.pop() {
            match v {
                Value::Array(items) => stack.extend(items.iter().rev()),
                Value::Object(obj) => {
                    if let Some(graph) = obj.get("@graph") {
                        stack.push(graph);
                    }
                    if is_article_type(obj.get("@type")) {
                        merge_ld(&mut best, obj);
                    } else if best.publisher.is_none()
                        && type_is(obj.get("@type"), &["newsmediaorganization", "organization"])
                    {
                        // A bare publisher node in a @graph.
                        if let Some(name) = obj.get("name").and_then(Value::as_str) {
                            best.publisher = Some(name.to_owned());
                        }
                    }
                }
                _ => {}
            }
        }
    }
    best
}

fn is_article_type(t: Option<&Value>) -> bool {
    type_is(t, ARTICLE_TYPES)
}

fn type_is(t: Option<&Value>, names: &[&str]) -> bool {
    let check = |s: &str| names.contains(&s.to_ascii_lowercase().as_str());
    match t {
        Some(Value::String(s)) => check(s),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(check),
        _ => false,
    }
}

fn merge_ld(best: &mut LdArticle, obj: &serde_json::Map<String, Value>) {
    let s = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned).filter(|s| !s.trim().is_empty());
    if best.headline.is_none() {
        best.headline = s("headline").or_else(|| s("name"));
    }
    if best.published.is_none() {
        best.published = s("datePublished").or_else(|| s("dateCreated"));
    }
    if best.authors.is_empty() {
        best.authors = obj.get("author").or_else(|| obj.get("creator")).map(ld_names).unwrap_or_default();
    }
    if best.publisher.is_none() {
        best.publisher = obj.get("publisher").and_then(|p| ld_names(p).into_iter().next());
    }
    if best.lang.is_none() {
        best.lang = s("inLanguage");
    }
    if best.image.is_none() {
        best.image = obj.get("image").and_then(ld_url);
    }
    if best.url.is_none() {
        best.url = s("url").or_else(|| obj.get("mainEntityOfPage").and_then(ld_url));
    }
    if best.description.is_none() {
        best.description = s("description");
    }
}

/// Names from a JSON-LD person/organisation value: a string, an object with `name`, or a list.
fn ld_names(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => split_authors(s),
        Value::Object(o) => o.get("name").map(ld_names).unwrap_or_default(),
        Value::Array(a) => a.iter().flat_map(ld_names).collect(),
        _ => Vec::new(),
    }
}

fn ld_url(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("url").or_else(|| o.get("@id")).and_then(ld_url),
        Value::Array(a) => a.iter().find_map(ld_url),
        _ => None,
    }
}

fn first_h1(doc: &Document) -> Option<String> {
    for sel in ["article h1", "main h1", "h1"] {
        if let Some(node) = doc.select(sel).nodes().first() {
            let t = collapse_ws(&node.text());
            if !t.is_empty() {
                return Some(t);
            }
        }
    }
    None
}

/// Separators pages put between a headline and the site name.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " « ", " / ", " : "];

/// Removes a site-name prefix or suffix (" | The Times of Israel") from a title.
pub fn clean_title(title: &str, site_name: Option<&str>, h1: Option<&str>, url: &Url) -> String {
    let title = title.trim();
    // When the page's own headline is one side of the title, it is the title.
    if let Some(h1) = h1 {
        if h1 != title && h1.chars().count() >= 10 && title.contains(h1) {
            let rest = title.replacen(h1, "", 1);
            let rest = rest.trim_matches(|c: char| c.is_whitespace() || "|-–—:·•»«/".contains(c));
            if rest.chars().count() <= 60 {
                return h1.to_owned();
            }
        }
    }
    let host = url.host_str().unwrap_or("").trim_start_matches("www.").to_ascii_lowercase();
    let site_keys: Vec<String> = [site_name.map(squash), host.split('.').next().map(squash)]
        .into_iter()
        .flatten()
        .filter(|k| k.len() >= 2)
        .collect();
    let is_site = |part: &str| {
        let p = squash(part);
        !p.is_empty()
            && (site_keys.iter().any(|k| p == *k || (p.len() >= 4 && (k.contains(&p) || p.contains(k.as_str()))))
                || squash(&host) == p)
    };
    for sep in TITLE_SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(sep) {
            if is_site(tail) && !head.trim().is_empty() {
                return head.trim().to_owned();
            }
        }
        if let Some((head, tail)) = title.split_once(sep) {
            if is_site(head) && !tail.trim().is_empty() {
                return tail.trim().to_owned();
            }
        }
    }
    title.to_owned()
}

/// Lower-cased letters and digits only, without a leading "the": how site names are compared.
fn squash(s: &str) -> String {
    let lower = s.to_lowercase();
    let lower = lower.strip_prefix("the ").unwrap_or(&lower);
    lower.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn time_element(doc: &Document) -> Option<DateTime<Utc>> {
    for sel in ["article time[datetime]", "time[pubdate][datetime]", "time[itemprop][datetime]", "time[datetime]"] {
        for node in doc.select(sel).nodes() {
            if let Some(d) = node.attr("datetime").and_then(|v| date::parse(&v)) {
                return Some(d);
            }
        }
    }
    None
}

fn byline_authors(doc: &Document) -> Vec<String> {
    for sel in [
        "[itemprop=author] [itemprop=name]",
        "[itemprop=author]",
        "a[rel=author]",
        "[rel=author]",
        ".byline__name",
        ".author-name",
        ".byline a",
        ".byline",
        ".author",
    ] {
        let names: Vec<String> =
            doc.select(sel).nodes().iter().take(6).flat_map(|n| split_authors(&n.text())).collect();
        if !names.is_empty() {
            return names;
        }
    }
    Vec::new()
}

/// Splits "By Jane Doe and John Roe, Reuters" into names.
fn split_authors(s: &str) -> Vec<String> {
    let s = collapse_ws(s);
    let lower = s.to_lowercase();
    let s = if lower.starts_with("by ") { &s[3..] } else { &s[..] };
    s.split([',', ';', '&', '|', '\n'])
        .flat_map(split_and)
        .map(|p| p.trim().trim_start_matches("By ").trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// "Jane Doe and John Roe" is two people; "AP and Times of Israel staff" is one credit. Split on
/// "and" only when both sides read as personal names.
fn split_and(part: &str) -> Vec<&str> {
    let looks_like_name = |s: &str| {
        let words: Vec<&str> = s.split_whitespace().collect();
        (2..=4).contains(&words.len()) && words.iter().all(|w| w.chars().next().is_some_and(char::is_uppercase))
    };
    match part.split_once(" and ") {
        Some((a, b)) if looks_like_name(a) && looks_like_name(b) => vec![a, b],
        _ => vec![part],
    }
}

fn clean_authors(names: Vec<String>, site: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = collapse_ws(&name);
        let plausible = name.chars().count() <= 80
            && name.chars().any(char::is_alphabetic)
            && !name.contains("://")
            && !name.contains('@')
            && !name.starts_with("www.")
            && name.split_whitespace().count() <= 8
            && site.is_none_or(|s| squash(s) != squash(&name));
        if plausible && !out.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            out.push(name);
        }
        if out.len() >= 10 {
            break;
        }
    }
    out
}

/// "en-US", "en_GB", "ru" → "en", "en", "ru"; anything not a language tag → None.
pub fn normalize_lang(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2 || primary.len() == 3).then_some(primary).filter(|p| p.chars().all(|c| c.is_ascii_lowercase()))
}

/// An absolute http(s) URL from an attribute value, resolved against the page.
pub fn web_url(base: &Url, href: &str) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    base.join(href).ok().filter(|u| matches!(u.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_title(title: &str, site: Option<&str>, h1: Option<&str>, url: &str, expected: &str) {
        let url = Url::parse(url).unwrap();
        assert_eq!(clean_title(title, site, h1, &url), expected, "title: {title}");
    }

    #[test]
    fn site_suffixes() {
        let toi = "https://www.timesofisrael.com/putin-calls-obama/";
        check_title(
            "Putin calls Obama to discuss ‘better coordination’ in Syria | The Times of Israel",
            Some("The Times of Israel"),
            None,
            toi,
            "Putin calls Obama to discuss ‘better coordination’ in Syria",
        );
        check_title(
            "Russia and Syria - BBC News",
            Some("BBC News"),
            None,
            "https://www.bbc.com/news/x",
            "Russia and Syria",
        );
        check_title("Reuters | Oil prices fall", None, None, "https://www.reuters.com/x", "Oil prices fall");
        check_title("Long headline here | Section | Site", None, Some("Long headline here"), toi, "Long headline here");
        check_title(
            "A title - with a dash inside",
            Some("Example"),
            None,
            "https://example.org/",
            "A title - with a dash inside",
        );
    }

    #[test]
    fn authors() {
        assert_eq!(split_authors("By Jane Doe and John Roe"), ["Jane Doe", "John Roe"]);
        assert_eq!(split_authors("Jane Doe, John Roe & Ann Lee"), ["Jane Doe", "John Roe", "Ann Lee"]);
        assert_eq!(split_authors("AP and Times of Israel staff"), ["AP and Times of Israel staff"]);
        assert_eq!(
            clean_authors(vec!["https://facebook.com/x".into(), "Reuters".into()], Some("Reuters")),
            Vec::<String>::new()
        );
    }

    #[test]
    fn languages() {
        for (input, expected) in
            [("en-US", Some("en")), ("ru", Some("ru")), ("zh_CN", Some("zh")), ("", None), ("english", None)]
        {
            assert_eq!(normalize_lang(input).as_deref(), expected, "input: {input}");
        }
    }
}

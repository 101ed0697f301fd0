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
    /// The page's own UTC offset for that time, in seconds, when it gave one.
    pub published_offset: Option<i32>,
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
    /// `datePublished` of any other node (a `WebPage`, a `ClaimReview`), a weaker source.
    any_published: Option<String>,
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
    let get = |keys: &[&str]| keys.iter().find_map(|k| metas.get(*k)).map(|v| decode_entities(v));

    let page_title = doc.select("head title").iter().next().map(|t| collapse_ws(&t.text()));
    let og_site = get(&["og:site_name", "application-name", "al:android:app_name", "twitter:app:name:iphone"])
        .and_then(|s| clean_site_name(&s));
    // The brand a page's <title> ends with ("… | The Times of Israel") is how the outlet names
    // itself; og:site_name is often a short form ("NYTimes") or a section ("U.S."), and JSON-LD's
    // publisher names the wire service for syndicated stories.
    let home = home_link_name(doc, url);
    let title_brand = page_title.as_deref().and_then(|t| title_suffix(t, url, og_site.as_deref().or(home.as_deref())));
    let site_name = title_brand
        .clone()
        .or(og_site)
        .or_else(|| ld.publisher.as_deref().and_then(clean_site_name))
        .filter(|s| s.chars().count() <= 80);

    let h1s = h1_candidates(doc);
    let meta_titles: Vec<String> = ld
        .headline
        .iter()
        .cloned()
        .chain(
            ["og:title", "twitter:title", "dc.title", "sailthru.title", "parsely-title"]
                .iter()
                .filter_map(|k| metas.get(*k))
                .map(|v| decode_entities(v)),
        )
        .map(|t| collapse_ws(&decode_entities(&t)))
        .filter(|t| !t.is_empty())
        .collect();
    let title = choose_title(&h1s, &meta_titles, page_title.as_deref(), site_name.as_deref(), url);

    let url_date = date::from_url(url);
    let published_local = ld
        .published
        .as_deref()
        .and_then(date::parse_local)
        .or_else(|| {
            PUBLISHED_KEYS.iter().filter_map(|k| metas.get(*k)).find_map(|v| date::parse_local(v)).or_else(|| {
                // Any other meta tag that names a publication date ("sn-post-date").
                let mut other: Vec<(&String, &String)> = metas
                    .iter()
                    .filter(|(k, _)| {
                        (k.contains("date") || k.contains("publish"))
                            && !k.contains("modif")
                            && !k.contains("updat")
                            && !k.contains("expir")
                    })
                    .collect();
                other.sort();
                other.into_iter().find_map(|(_, v)| date::parse_local(v))
            })
        })
        .or_else(|| ld.any_published.as_deref().and_then(date::parse_local))
        .or_else(|| time_element(doc))
        .or_else(|| url_date.map(|d| d.fixed_offset()))
        .or_else(|| visible_date(doc))
        .or_else(|| MODIFIED_KEYS.iter().filter_map(|k| metas.get(*k)).find_map(|v| date::parse_local(v)));
    let published_local = published_local.map(|d| date::agree_with_url(d, url_date));
    let published_at = published_local.map(|d| d.with_timezone(&Utc));
    let published_offset = published_local.map(|d| d.offset().local_minus_utc());

    let mut authors = Vec::new();
    let meta_authors = || {
        ["author", "article:author", "parsely-author", "sailthru.author", "dc.creator", "byl", "twitter:creator"]
            .iter()
            .filter_map(|k| metas.get(*k))
            .map(|v| split_authors(&decode_entities(v)))
            .find(|names| !clean_authors(names.clone(), site_name.as_deref()).is_empty())
            .unwrap_or_default()
    };
    for source in [ld.authors.clone(), meta_authors(), byline_authors(doc), script_authors(doc)] {
        authors = clean_authors(source, site_name.as_deref());
        if !authors.is_empty() {
            break;
        }
    }

    let lang = doc
        .select("html")
        .attr("lang")
        .map(|l| l.to_string())
        .or_else(|| ld.lang.clone())
        .or_else(|| get(&["og:locale", "content-language", "dc.language", "language"]))
        .and_then(|l| normalize_lang(&l));

    let canonical_url = doc
        .select("link[rel~=canonical]")
        .attr("href")
        .map(|h| h.to_string())
        .or_else(|| get(&["og:url"]))
        .or_else(|| ld.url.clone())
        .and_then(|h| web_url(url, &h));

    let lead_image = ld
        .image
        .clone()
        .or_else(|| get(&["og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"]))
        .and_then(|h| web_url(url, &h));

    let description = ld
        .description
        .clone()
        .or_else(|| get(&["og:description", "description", "twitter:description", "dc.description"]))
        .map(|d| collapse_ws(&decode_entities(&d)))
        .filter(|d| !d.is_empty());

    Meta { title, authors, published_at, published_offset, site_name, lang, canonical_url, lead_image, description }
}

const PUBLISHED_KEYS: &[&str] = &[
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
    "cxenseparse:recs:publishtime",
];

const MODIFIED_KEYS: &[&str] = &["og:updated_time", "article:modified_time", "datemodified", "last-modified"];

/// An `<h1>` of the page, and whether the page marks it as the headline (`itemprop=headline`,
/// a class naming a headline or an entry title).
struct H1 {
    text: String,
    marked: bool,
}

/// Words that label a part of a site, not a story: what navigation bars, logos and section
/// fronts put in an `<h1>` or a page's `og:title`.
const LABELS: &[&str] = &[
    "home",
    "homepage",
    "start",
    "startseite",
    "menu",
    "menü",
    "navigation",
    "hauptnavigation",
    "navigation und service",
    "quicklinks",
    "quicklink",
    "sections",
    "details",
    "inicio",
    "portada",
    "accueil",
    "news",
    "nachrichten",
    "aktuelles",
    "blog",
    "suche",
    "search",
    "kontakt",
    "contact",
    "impressum",
    "sitemap",
    "übersicht",
    "overview",
    "willkommen",
    "welcome",
    "bienvenue",
    "bienvenido",
    "benvenuto",
];

/// The headline as the reader sees it. Candidates: the page's `<h1>`s, the metadata titles
/// (JSON-LD `headline`, `og:title`, `twitter:title`…) and the `<title>`, each without its site
/// name. Labels are never the headline: the site's name (a logo in an `<h1>`), a section or
/// navigation label (`og:title` "Medienmitteilungen" on every press release), a URL slug, and a
/// word or two that the `<title>` does not repeat. Of the `<h1>`s, the one that agrees best with
/// the metadata titles is the headline (a subtitle or a box's title may also be an `<h1>`; a
/// short `<h1>` the `<title>` begins with is the headline, whatever `og:title` says); without
/// one, the metadata title, which is often a social or search variant of the headline.
fn choose_title(
    h1s: &[H1],
    meta_titles: &[String],
    page_title: Option<&str>,
    site: Option<&str>,
    url: &Url,
) -> Option<String> {
    let clean = |t: &str| clean_title(t, site, None, url);
    let page = page_title.map(clean).filter(|t| !t.is_empty());
    let page_words = page.as_deref().map(title_words).unwrap_or_default();
    let is_label = |t: &str| {
        let lower = t.to_lowercase();
        let words = title_words(t);
        t.is_empty()
            || t.chars().count() > 300
            || LABELS.contains(&lower.trim_matches(|c: char| !c.is_alphanumeric()))
            || is_site_name(t, site, url)
            // "adac-kindersitztest-herbst-2018"
            || (!t.contains(' ') && t.contains('-') && t.chars().all(|c| !c.is_uppercase()))
            || (t.split_whitespace().count() <= 2
                && page_words.len() >= 4
                && !words.iter().all(|w| page_words.contains(w)))
    };
    let page = page.filter(|p| !is_label(p));
    let metas: Vec<String> = meta_titles
        .iter()
        .map(|m| clean(m))
        .filter(|m| !is_label(m))
        // A metadata title cut at a quotation mark the page forgot to escape.
        .map(|m| match page.as_deref().and_then(|p| p.strip_prefix(m.as_str())) {
            Some(rest) if !rest.is_empty() && !rest.trim_start().starts_with(|c: char| "-–—|:·•»«/_".contains(c)) =>
            {
                format!("{m}{rest}")
            }
            _ => m,
        })
        .collect();
    let references: Vec<&str> = metas.iter().map(String::as_str).chain(page.as_deref()).collect();
    let mut best: Option<(f64, &str)> = None;
    for h1 in h1s.iter().filter(|h| !is_label(&h.text)) {
        let h1_words = title_words(&h1.text);
        for reference in &references {
            let other = title_words(reference);
            let common = h1_words.iter().filter(|w| other.contains(w)).count();
            let shorter = h1_words.len().min(other.len()).max(1);
            let agrees = common * 3 >= shorter || (h1.marked && common >= 1);
            let score = common as f64 / h1_words.len().max(other.len()).max(1) as f64;
            if agrees && best.is_none_or(|(b, _)| score > b) {
                best = Some((score, h1.text.as_str()));
            }
        }
    }
    if let Some((_, h1)) = best {
        return Some(clean(h1)).filter(|t| !t.is_empty());
    }
    if references.is_empty() {
        if let Some(h1) = h1s.iter().find(|h| !is_label(&h.text) && h.text.split_whitespace().count() >= 3) {
            return Some(clean(&h1.text));
        }
    }
    // Without a headline, a label is still better than nothing: the site's name says what the
    // page is.
    metas.into_iter().next().or(page).or_else(|| page_title.map(clean).filter(|t| !t.is_empty()))
}

/// The name on the link to the site's home page (its logo or masthead: `<a href="/">Millbrook
/// Notes</a>`, `rel=home`, an image's `alt`), when it reads as a name and not as "Home".
fn home_link_name(doc: &Document, url: &Url) -> Option<String> {
    let origin = url.origin().ascii_serialization();
    for node in doc.select("body a[href]").nodes().iter().take(200) {
        let href = node.attr("href").unwrap_or_default();
        let href = href.trim();
        let home = href == "/"
            || href.strip_prefix(origin.as_str()).is_some_and(|rest| rest.is_empty() || rest == "/")
            || node.attr("rel").is_some_and(|r| r.split_whitespace().any(|w| w.eq_ignore_ascii_case("home")));
        if !home {
            continue;
        }
        let mut name = collapse_ws(&node.text());
        if name.is_empty() {
            name = node.find(&["img"]).first().and_then(|i| i.attr("alt")).map(|a| collapse_ws(&a)).unwrap_or_default();
        }
        let lower = name.to_lowercase();
        let words = name.split_whitespace().count();
        if (1..=6).contains(&words) && !LABELS.contains(&lower.trim_matches(|c: char| !c.is_alphanumeric())) {
            return Some(name);
        }
    }
    None
}

/// The words of a title that count when titles are compared: folded, four letters or more (not
/// "the", "und", "des"), or numbers; each Chinese or Japanese character on its own.
fn title_words(s: &str) -> Vec<String> {
    let folded = crate::text::fold(s);
    let mut words: Vec<String> = folded.chars().filter(|c| crate::text::is_cjk(*c)).map(String::from).collect();
    words.extend(
        folded
            .split(|c: char| !c.is_alphanumeric() || crate::text::is_cjk(c))
            .filter(|w| w.chars().count() >= 4 || (!w.is_empty() && w.chars().all(|c| c.is_ascii_digit())))
            .map(str::to_owned),
    );
    words
}

/// True if `text` names the site itself: its declared name, its host (`chadim.net`), or the
/// host's first label.
fn is_site_name(text: &str, site: Option<&str>, url: &Url) -> bool {
    let t = squash(text);
    let host = url.host_str().unwrap_or("").trim_start_matches("www.").to_ascii_lowercase();
    let host_key = squash(host.split('.').next().unwrap_or(""));
    // The registrable part of the host, roughly: its last two labels ("wordpress.com").
    let labels: Vec<&str> = host.split('.').collect();
    let domain = labels.get(labels.len().saturating_sub(2)..).map(|l| l.join(".")).unwrap_or_default();
    let domain_key = squash(labels.get(labels.len().saturating_sub(2)).copied().unwrap_or(""));
    !t.is_empty()
        && (site.is_some_and(|s| squash(s) == t)
            || squash(&host) == t
            || squash(&domain) == t
            || (host_key.len() >= 4 && host_key == t)
            || (domain_key.len() >= 4 && domain_key == t))
}

/// A site name as pages write it, tidied: "@politifact" → "politifact", "Autoracing | F1 | …" →
/// "Autoracing"; platform names ("Blogger") are not the site's.
fn clean_site_name(s: &str) -> Option<String> {
    let s = collapse_ws(&decode_entities(s));
    let s = s.trim_start_matches('@');
    let first = TITLE_SEPARATORS.iter().fold(s, |acc, sep| acc.split(sep).next().unwrap_or(acc)).trim();
    let generic = matches!(
        first.to_lowercase().as_str(),
        "blogger" | "wordpress" | "hosted" | "medium" | "home" | "news" | "u.s." | "us" | "world"
    );
    (!first.is_empty() && !generic).then(|| first.to_owned())
}

/// The brand at the end (or start) of a page title, when it names the site (matches the host or
/// the declared site name).
fn title_suffix(title: &str, url: &Url, site: Option<&str>) -> Option<String> {
    let title = collapse_ws(&decode_entities(title));
    let host = url.host_str().unwrap_or("").trim_start_matches("www.").to_ascii_lowercase();
    let host_key = squash(host.split('.').next().unwrap_or(""));
    let site_key = site.map(squash).unwrap_or_default();
    let matches = |part: &str| {
        let p = squash(part);
        let initials: String =
            part.split_whitespace().filter_map(|w| w.chars().next()).collect::<String>().to_lowercase();
        !p.is_empty()
            && p.len() <= 40
            && (p == host_key
                || (host_key.len() >= 4 && (p.contains(&host_key) || host_key.contains(&p)))
                || (!site_key.is_empty() && (p == site_key || p.contains(&site_key) || site_key.contains(&p)))
                || (initials.len() >= 2 && host_key.starts_with(&initials)))
    };
    let segments = title_segments(&title);
    let [first, .., last] = segments.as_slice() else { return None };
    let brand = [last, first].into_iter().map(|s| s.text.trim()).find(|t| matches(t)).map(str::to_owned);
    brand
}

/// A date printed in the page near the headline, for pages without metadata: the first element
/// whose class names a date ("date", "time", "published", "dateline", "byline").
fn visible_date(doc: &Document) -> Option<DateTime<chrono::FixedOffset>> {
    for node in doc
        .select("[class*=date], [class*=time], [class*=publish], [class*=byline], [class*=meta]")
        .nodes()
        .iter()
        .take(60)
    {
        let text = collapse_ws(&node.text());
        if text.chars().count() > 120 {
            continue;
        }
        if let Some(d) = date::find_in_text(&text) {
            return Some(d);
        }
    }
    None
}

/// Authors named in inline scripts by common analytics set-ups (Chartbeat's
/// `_sf_async_config.authors = '…'`).
fn script_authors(doc: &Document) -> Vec<String> {
    for node in doc.select("script:not([src])").nodes() {
        let text = node.text();
        if let Some((_, rest)) = text.split_once("_sf_async_config.authors") {
            let Some((_, value)) = rest.split_once('=') else { continue };
            let value = value.trim_start();
            let quoted = value
                .strip_prefix('\'')
                .and_then(|v| v.split_once('\''))
                .or_else(|| value.strip_prefix('"').and_then(|v| v.split_once('"')));
            if let Some((authors, _)) = quoted {
                return split_authors(authors);
            }
        }
    }
    Vec::new()
}

/// Decodes HTML character references that metadata often carries ("&#8217;", "&amp;", "&nbsp;").
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let doc = Document::fragment(format!("<p>{}</p>", s.replace('<', "&lt;")));
    doc.select("p").text().to_string()
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
    let mut values = Vec::new();
    for node in doc.select("script[type='application/ld+json']").nodes() {
        let raw = node.text();
        let cleaned = raw.trim().trim_start_matches("<![CDATA[").trim_end_matches("]]>").trim_end_matches(';');
        // Raw line breaks inside strings are invalid JSON but common; outside strings they are
        // white space either way.
        let cleaned = cleaned.replace(['\n', '\r', '\t'], " ");
        if let Ok(value) = serde_json::from_str::<Value>(&cleaned) {
            values.push(value);
        }
    }
    // Person and organisation nodes by @id, for authors given as references.
    let mut by_id: HashMap<String, String> = HashMap::new();
    for value in &values {
        walk(value, &mut |obj| {
            if let (Some(id), Some(name)) =
                (obj.get("@id").and_then(Value::as_str), obj.get("name").and_then(Value::as_str))
            {
                by_id.entry(id.to_owned()).or_insert_with(|| name.to_owned());
            }
        });
    }
    for value in &values {
        walk(value, &mut |obj| {
            if is_article_type(obj.get("@type")) {
                merge_ld(&mut best, obj, &by_id);
            } else {
                if best.publisher.is_none() && type_is(obj.get("@type"), &["newsmediaorganization", "organization"]) {
                    if let Some(name) = obj.get("name").and_then(Value::as_str) {
                        best.publisher = Some(name.to_owned());
                    }
                }
                if best.any_published.is_none() {
                    best.any_published = obj.get("datePublished").and_then(Value::as_str).map(str::to_owned);
                }
            }
        });
    }
    best
}

/// Calls `f` on every object in a JSON-LD value (arrays and `@graph`s included).
fn walk<'a>(value: &'a Value, f: &mut dyn FnMut(&'a serde_json::Map<String, Value>)) {
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(obj) => {
                if let Some(graph) = obj.get("@graph") {
                    stack.push(graph);
                }
                f(obj);
            }
            _ => {}
        }
    }
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

fn merge_ld(best: &mut LdArticle, obj: &serde_json::Map<String, Value>, by_id: &HashMap<String, String>) {
    let s = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned).filter(|s| !s.trim().is_empty());
    if best.headline.is_none() {
        best.headline = s("headline").or_else(|| s("name")).map(|h| decode_entities(&h));
    }
    if best.published.is_none() {
        best.published = s("datePublished").or_else(|| s("dateCreated"));
    }
    if best.authors.is_empty() {
        best.authors = obj.get("author").or_else(|| obj.get("creator")).map(|a| ld_names(a, by_id)).unwrap_or_default();
    }
    if best.publisher.is_none() {
        best.publisher = obj.get("publisher").and_then(|p| ld_names(p, by_id).into_iter().next());
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

/// Names from a JSON-LD person/organisation value: a string, an object with `name` (or an `@id`
/// reference to one), or a list.
fn ld_names(v: &Value, by_id: &HashMap<String, String>) -> Vec<String> {
    match v {
        Value::String(s) => split_authors(&decode_entities(s)),
        Value::Object(o) => match o.get("name") {
            Some(name) => ld_names(name, by_id),
            None => o
                .get("@id")
                .and_then(Value::as_str)
                .and_then(|id| by_id.get(id))
                .map(|n| split_authors(n))
                .unwrap_or_default(),
        },
        Value::Array(a) => a.iter().flat_map(|x| ld_names(x, by_id)).collect(),
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

/// The page's `<h1>`s (those inside `<article>` or `<main>` first), with their text as a reader
/// sees it: no style sheet or script that a page put inside the heading.
fn h1_candidates(doc: &Document) -> Vec<H1> {
    let mut out: Vec<H1> = Vec::new();
    for sel in ["article h1", "main h1", "h1"] {
        for node in doc.select(sel).nodes().iter().take(10) {
            let text = collapse_ws(&super::render::text_of(node).replace('\n', " "));
            if text.is_empty() || out.iter().any(|h| h.text == text) {
                continue;
            }
            let itemprop = node.attr("itemprop").is_some_and(|v| v.eq_ignore_ascii_case("headline"));
            let class = node.attr("class").map(|c| c.to_ascii_lowercase()).unwrap_or_default();
            let marked = itemprop
                || ["headline", "entry-title", "article-title", "post-title", "article__title"]
                    .iter()
                    .any(|m| class.contains(m));
            out.push(H1 { text, marked });
        }
    }
    out
}

/// Separators pages put between a headline and the site name.
const TITLE_SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " :: ", " · ", " • ", " » ", " « ", " / ", " : "];

/// One part of a page title between separators.
#[derive(Debug, Clone, Copy)]
struct Segment<'a> {
    text: &'a str,
    /// Where `text` starts and ends in the title, in bytes.
    start: usize,
    end: usize,
    /// The separator before it is a strong one (a bar, a spaced dash, a guillemet), not a colon.
    strong: bool,
}

/// A page title cut at its separators: bars, guillemets and bullets wherever they are (`Title|Site`),
/// dashes and slashes between spaces (`Title - Site`, not `Spiel-Talstraße`), a colon before a
/// space, and a dash or underscore beside a Chinese or Japanese character (`标题_百度百科`).
fn title_segments(title: &str) -> Vec<Segment<'_>> {
    let chars: Vec<(usize, char)> = title.char_indices().collect();
    let mut segments = Vec::new();
    let (mut start, mut strong) = (0, false);
    for (i, &(at, c)) in chars.iter().enumerate() {
        let before = i.checked_sub(1).and_then(|j| chars.get(j)).map(|&(_, c)| c);
        let after = chars.get(i + 1).map(|&(_, c)| c);
        let spaced = before.is_some_and(char::is_whitespace) && after.is_some_and(char::is_whitespace);
        let cjk_beside = before.is_some_and(crate::text::is_cjk) || after.is_some_and(crate::text::is_cjk);
        let kind = match c {
            '|' | '｜' | '•' | '·' => Some(true),
            // Guillemets quote as often as they separate: only between spaces.
            '-' | '–' | '—' | '/' | '~' | '»' | '«' if spaced => Some(true),
            '-' | '_' | '－' if cjk_beside => Some(true),
            ':' if after.is_some_and(char::is_whitespace) => Some(false),
            _ => None,
        };
        if let Some(kind) = kind {
            segments.push(Segment { text: title.get(start..at).unwrap_or(""), start, end: at, strong });
            start = at + c.len_utf8();
            strong = kind;
        }
    }
    segments.push(Segment { text: title.get(start..).unwrap_or(""), start, end: title.len(), strong });
    segments
}

/// Removes a site-name prefix or suffix (" | The Times of Israel", "_百度百科", "Site: ") from a
/// title, what follows the site's name in the middle of a title ("Title - chadim.net -
/// Webdesign"), and separators left at either end ("Über uns |").
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
    // A part names the site when it is the site's name, or holds it with a few letters more or
    // less ("The Times of Israel" for "timesofisrael", "Zoll online" for "zoll"): not a headline
    // that mentions the site ("Die beliebtesten Projekte auf Houzz").
    let is_site = |part: &str| {
        let p = squash(part);
        let close = |a: &str, b: &str| a.contains(b) && a.chars().count() <= b.chars().count() * 2;
        !p.is_empty()
            && (site_keys.iter().any(|k| p == *k || (p.len() >= 4 && (close(k, &p) || close(&p, k))))
                || squash(&host) == p)
    };
    let segments = title_segments(title);
    let mut kept: &[Segment] = &segments;
    // Separators with nothing on their far side.
    while let [rest @ .., last] = kept {
        if !rest.is_empty() && squash(last.text).is_empty() {
            kept = rest;
        } else {
            break;
        }
    }
    while let [first, rest @ ..] = kept {
        if !rest.is_empty() && squash(first.text).is_empty() {
            kept = rest;
        } else {
            break;
        }
    }
    if let [first, rest @ ..] = kept {
        if !rest.is_empty() && is_site(first.text) {
            kept = rest;
        }
    }
    // The site's name, and the tagline or section path after it.
    if let Some(at) = kept.iter().skip(1).position(|s| s.strong && is_site(s.text)) {
        kept = kept.get(..at + 1).unwrap_or(kept);
    } else if let [rest @ .., last] = kept {
        if !rest.is_empty() && is_site(last.text) {
            kept = rest;
        }
    }
    match (kept.first(), kept.last()) {
        (Some(first), Some(last)) if kept.len() < segments.len() => {
            // The original text from the first kept segment to the end of the last one.
            title.get(first.start..last.end).map_or_else(|| title.to_owned(), |t| t.trim().to_owned())
        }
        _ => title.to_owned(),
    }
}

/// Lower-cased letters and digits only, without a leading "the": how site names are compared.
fn squash(s: &str) -> String {
    let lower = s.to_lowercase();
    let lower = lower.strip_prefix("the ").unwrap_or(&lower);
    lower.chars().filter(|c| c.is_alphanumeric()).collect()
}

fn time_element(doc: &Document) -> Option<DateTime<chrono::FixedOffset>> {
    for sel in ["article time[datetime]", "time[pubdate][datetime]", "time[itemprop][datetime]", "time[datetime]"] {
        for node in doc.select(sel).nodes() {
            if let Some(d) = node.attr("datetime").and_then(|v| date::parse_local(&v)) {
                return Some(d);
            }
        }
    }
    None
}

fn byline_authors(doc: &Document) -> Vec<String> {
    for sel in [
        "[itemprop=author] [itemprop=name]",
        "a[rel=author]",
        "[rel=author]",
        "[itemprop=author]",
        ".byline__name",
        ".author-name",
        ".byline a",
        ".byline",
        ".author",
        "[class*=byline] a",
        "[class*=byline]",
        "[class*=author] a",
        "[class*=author]",
        "[class*=meta] a[href*=author]",
        "[class*=meta] a[href*=staff]",
    ] {
        let names: Vec<String> = doc
            .select(sel)
            .nodes()
            .iter()
            .map(|n| collapse_ws(&n.text()))
            .filter(|t| !t.is_empty() && t.chars().count() <= 120)
            .take(6)
            .flat_map(|t| split_authors(&t))
            .collect();
        if !clean_authors(names.clone(), None).is_empty() {
            return names;
        }
    }
    Vec::new()
}

/// Splits "By Jane Doe and John Roe, Reuters" into names.
fn split_authors(s: &str) -> Vec<String> {
    let s = collapse_ws(s);
    // "By ", "BY ", "by ": the prefix is ASCII, so it is matched in `s` itself, not at offsets
    // found in a lower-cased copy (lower-casing can change a string's length).
    let s = s.get(..3).filter(|by| by.eq_ignore_ascii_case("by ")).and_then(|_| s.get(3..)).unwrap_or(&s);
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

/// Words that mark a credit line as a role or an outlet, not a person ("AP National Political
/// Writer", "NJ Advance Media for NJ.com", "CNN Business").
const CREDIT_WORDS: &[&str] = &[
    "writer",
    "editor",
    "editors",
    "correspondent",
    "reporter",
    "staff",
    "contributor",
    "columnist",
    "media",
    "news",
    "press",
    "wire",
    "services",
    "service",
    "bureau",
    "desk",
    "business",
    "international",
    "for",
    "associated",
    "agency",
    "team",
    "guest",
    "admin",
    "administrator",
    "newsroom",
    "online",
    "digital",
    "magazine",
    "times",
    "post",
];

fn clean_authors(names: Vec<String>, site: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut credits: Vec<String> = Vec::new();
    for name in names {
        let name = collapse_ws(&name);
        // "Finian Cunningham. Sputnik International": a name, then an affiliation.
        let name = match name.split_once(". ") {
            Some((head, _)) if head.split_whitespace().count() >= 2 => head.to_owned(),
            _ => name,
        };
        let name = name.trim_matches(|c: char| c == ',' || c == '|' || c == '-' || c.is_whitespace()).to_owned();
        let plausible = name.chars().count() <= 80
            && name.chars().any(char::is_alphabetic)
            && !name.contains("://")
            && !name.contains('@')
            && !name.starts_with("www.")
            && name.split_whitespace().count() <= 8
            // A login or slug ("kevin-r", "admin"): no capital letter in a Latin name.
            && !(name.chars().all(|c| !c.is_alphabetic() || c.is_ascii_lowercase()) && name.chars().any(|c| c.is_ascii_alphabetic()))
            && site.is_none_or(|s| squash(s) != squash(&name));
        if !plausible {
            continue;
        }
        let name =
            if name.chars().filter(|c| c.is_alphabetic()).all(char::is_uppercase) { title_case(&name) } else { name };
        let is_credit = name.contains('.') && !name.split_whitespace().any(|w| w.len() <= 3 && w.ends_with('.'))
            || name.split_whitespace().any(|w| CREDIT_WORDS.contains(&w.to_lowercase().as_str()));
        let list = if is_credit { &mut credits } else { &mut out };
        if !list.iter().any(|o| o.eq_ignore_ascii_case(&name)) {
            list.push(name);
        }
    }
    // A role or outlet is the credit only when no person is named.
    if out.is_empty() {
        out = credits;
    }
    out.truncate(10);
    out
}

/// A name written in capitals as a reader would write it: "TOM KRISHER" → "Tom Krisher",
/// "JOHN MCDONALD" → "John McDonald", "SEAN O'BRIEN" → "Sean O'Brien", "JEAN-PIERRE" →
/// "Jean-Pierre". Acronyms keep their capitals: a credit that is one short word ("AP", "AFP",
/// "ANSA"), and words without a vowel ("BBC", "NPR", "CNN").
fn title_case(s: &str) -> String {
    let single = s.split_whitespace().count() == 1;
    s.split(' ')
        .map(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            let vowel = w.chars().any(|c| "AEIOUYÀÁÂÄÅÆÈÉÊËÌÍÎÏÒÓÔÖØÙÚÛÜ".contains(c));
            if (single && letters <= 5) || (letters >= 2 && !vowel) {
                w.to_owned()
            } else {
                capitalize_name(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// One word of a name in capitals, capitalised: a capital after a hyphen or an apostrophe, and
/// after "Mc".
fn capitalize_name(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut start = true;
    for c in word.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = matches!(c, '-' | '\'' | '’') || (out == "Mc" && word.chars().count() > 3);
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

    /// Regression: site names kept after separators other than spaced dashes and bars
    /// (`Title|Site`, `标题_百度百科`, `Title: Site`), after a trailing tagline (`Title - site.net -
    /// Webdesign`), and separators left at the end (`Über uns |`).
    #[test]
    fn site_names_after_any_separator() {
        for (title, site, url, expected) in [
            ("Lorem ipsum – My website", Some("My website"), "https://example.org/a", "Lorem ipsum"),
            ("Lorem ipsum | Dolor Daily", Some("Dolor Daily"), "https://dolor.example/a", "Lorem ipsum"),
            ("Dolor Daily - Lorem ipsum", Some("Dolor Daily"), "https://dolor.example/a", "Lorem ipsum"),
            ("Lorem ipsum|Dolor Daily", Some("Dolor Daily"), "https://dolor.example/a", "Lorem ipsum"),
            ("Lorem ipsum: Dolor Daily", Some("Dolor Daily"), "https://dolor.example/a", "Lorem ipsum"),
            ("蔡健雅_百度百科", Some("百度百科"), "https://baike.baidu.com/item/x", "蔡健雅"),
            ("武汉的声音-新华网", Some("新华网"), "https://www.xinhuanet.com/x", "武汉的声音"),
            ("der Schreibstil - chadim.net - Webdesign", None, "https://chadim.net/text", "der Schreibstil"),
            ("Über uns |", None, "https://example.org/", "Über uns"),
            // Not site names: quotation marks, colons inside headlines, a site named in a headline.
            (
                "»Haltet unsere Gewässer sauber!«",
                Some("SeglerBlog"),
                "https://segler.example/",
                "»Haltet unsere Gewässer sauber!«",
            ),
            (
                "Frauen im THW: Vergangenheit und Zukunft",
                None,
                "https://www.thw.de/x",
                "Frauen im THW: Vergangenheit und Zukunft",
            ),
            (
                "Best of Houzz: Die beliebtesten Projekte auf Houzz",
                Some("Houzz"),
                "https://www.houzz.de/x",
                "Best of Houzz: Die beliebtesten Projekte auf Houzz",
            ),
            ("Spiel-Talstraße-Fest", Some("Spiel"), "https://spiel.example/", "Spiel-Talstraße-Fest"),
        ] {
            check_title(title, site, None, url, expected);
        }
    }

    /// The title `meta::extract` reads from a page with this `<head>` and `<body>`.
    fn title_of(head: &str, body: &str, url: &str) -> Option<String> {
        let doc = Document::from(format!("<html><head>{head}</head><body>{body}</body></html>"));
        extract(&doc, &Url::parse(url).unwrap()).title
    }

    /// Regression: the site's name (a logo in an `<h1>`), a section label (`og:title`
    /// "Medienmitteilungen" on every press release) and subtitles or social variants (`og:title`
    /// set to the subtitle, a box's `<h1>` inside the article) were taken as the headline.
    #[test]
    fn headline_among_labels_and_subtitles() {
        let url = "https://www.dolor.example/2022/01/story";
        for (name, head, body, expected) in [
            (
                "site name in the h1",
                "<title>Jangan Membenci Satu Kaum | Kabar Dunia</title><meta property=og:title content='Jangan Membenci Satu Kaum'><meta property=og:site_name content='Kabar Dunia'>",
                "<h1><a href='/'>Kabar Dunia</a></h1><article><p>Text.</p></article>",
                "Jangan Membenci Satu Kaum",
            ),
            (
                "section label as og:title",
                "<title>Impfen und Boostern ist bis Ende Februar noch überall möglich</title><meta property=og:title content='Medienmitteilungen'>",
                "<h1>Navigation</h1><p>Text.</p>",
                "Impfen und Boostern ist bis Ende Februar noch überall möglich",
            ),
            (
                "subtitle as og:title",
                "<title>Betriebliche Altersvorsorge (bAV) - Wann lohnt die Betriebsrente? - Finanzblatt</title><meta property=og:title content='Mit Hilfe des Chefs für die Rente sparen'><meta property=og:site_name content=Finanzblatt>",
                "<h1>Betriebliche Altersvorsorge</h1><h2>Mit Hilfe des Chefs für die Rente sparen</h2>",
                "Betriebliche Altersvorsorge",
            ),
            (
                "social variant as og:title",
                "<title>Nicole Hacohen comenzará la temporada en Glasgow</title><meta property=og:title content='Ciclista guatemalteca competirá contra las mejores del mundo'>",
                "<h1 class=title>Nicole Hacohen comenzará la temporada en Glasgow</h1>",
                "Nicole Hacohen comenzará la temporada en Glasgow",
            ),
            (
                "a box's h1 inside the article",
                "<title>Blasius-Segen: Schutz vor Halskrankheiten | Erzbistum</title><meta property=og:title content='Blasius-Segen: Schutz vor Halskrankheiten'>",
                "<h1>Blasius-Segen: Schutz vor Halskrankheiten</h1><article><h1>Radiobeitrag zum Blasius-Segen</h1></article>",
                "Blasius-Segen: Schutz vor Halskrankheiten",
            ),
            (
                "slug as og:title",
                "<title>Kindersitz-Test 2018 | ADAC</title><meta property=og:title content='adac-kindersitztest-herbst-2018'>\
                 <meta property=og:site_name content=ADAC>",
                "<h1>Menu</h1>",
                "Kindersitz-Test 2018",
            ),
            (
                "og:title cut at an unescaped quotation mark",
                "<title>Senador califica a Biden de \"incapacitado\"</title><meta property=og:title content=\"Senador califica a Biden de \"incapacitado\"\">",
                "<p>Text.</p>",
                "Senador califica a Biden de \"incapacitado\"",
            ),
            (
                "the headline marked as such",
                "<title>53-летняя модель рассказала что больше всего боится стареть</title>",
                "<h1 itemprop=headline>53-летняя модель: «Посмотри на красотку»</h1>",
                "53-летняя модель: «Посмотри на красотку»",
            ),
        ] {
            assert_eq!(title_of(head, body, url).as_deref(), Some(expected), "{name}");
        }
    }

    /// Regression: a byline "AP" was shown as "Ap": names in capitals were title-cased whole.
    #[test]
    fn author_names_keep_their_capitals() {
        for (byline, expected) in [
            ("AP", vec!["AP"]),
            ("AFP", vec!["AFP"]),
            ("By BBC", vec!["BBC"]),
            ("ANSA", vec!["ANSA"]),
            ("John McDonald", vec!["John McDonald"]),
            ("JOHN MCDONALD", vec!["John McDonald"]),
            ("TOM KRISHER", vec!["Tom Krisher"]),
            ("SEAN O'BRIEN", vec!["Sean O'Brien"]),
            ("JEAN-PIERRE DUVAL", vec!["Jean-Pierre Duval"]),
            ("MARIA DELGADO, NPR", vec!["Maria Delgado", "NPR"]),
            ("Jane Doe and AP", vec!["Jane Doe and AP"]),
        ] {
            assert_eq!(clean_authors(split_authors(byline), None), expected, "byline {byline:?}");
        }
    }

    #[test]
    fn authors() {
        assert_eq!(split_authors("By Jane Doe and John Roe"), ["Jane Doe", "John Roe"]);
        assert_eq!(split_authors("Jane Doe, John Roe & Ann Lee"), ["Jane Doe", "John Roe", "Ann Lee"]);
        assert_eq!(split_authors("AP and Times of Israel staff"), ["AP and Times of Israel staff"]);
        assert_eq!(split_authors("BY Jörg Weiß"), ["Jörg Weiß"]);
        assert_eq!(split_authors("Byłem"), ["Byłem"]);
        let doc = Document::from(
            "<script>var _sf_async_config={}; _sf_async_config.authors = 'Åsa Öberg,Łukasz Żak';</script>",
        );
        assert_eq!(script_authors(&doc), ["Åsa Öberg", "Łukasz Żak"]);
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

//! Article-body extraction on the Zyte benchmark, with the benchmark's own metric.
//!
//! The metric (from the benchmark's README): tokens are `\w+` runs; shingles are runs of 4 tokens
//! counted with multiplicity; per page tp/fp/fn are normalised by their sum; precision and recall
//! are means over pages, F1 their harmonic mean; ± is a bootstrap standard deviation. The same code
//! scores every file of `peer-output/` (which must reproduce the published table) and the
//! extractors we run live: Clipdesk, and the `trafilatura` and `dom_smoothie` crates.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::Section;

type Err = Box<dyn std::error::Error>;

struct Page {
    id: String,
    url: url::Url,
    html: String,
    truth: String,
}

pub fn run(data: &Path, only: Option<&str>, diff: bool) -> Result<Section, Err> {
    let dir = data.join("zyte-article-extraction-benchmark");
    let pages = load_pages(&dir)?;
    if let Some(id) = only {
        return inspect(&pages, id, diff);
    }
    let mut rows: Vec<Row> = Vec::new();

    // Live extractors, one core, timed on the decoded page text.
    let ours = time_run(&pages, |p| match clipdesk::extract::extract(&p.html, &p.url) {
        Ok(a) => a.text,
        Err(_) => String::new(),
    });
    rows.push(row("**Clipdesk** (this build)", &pages, ours));
    let dom_smoothie = time_run(&pages, |p| {
        let cfg = dom_smoothie::Config { text_mode: dom_smoothie::TextMode::Formatted, ..Default::default() };
        dom_smoothie::Readability::new(p.html.as_str(), Some(p.url.as_str()), Some(cfg))
            .ok()
            .and_then(|mut r| r.parse().ok())
            .map(|a| a.text_content.to_string())
            .unwrap_or_default()
    });
    rows.push(row("dom_smoothie 0.19 crate (formatted text), run here", &pages, dom_smoothie));
    let trafilatura = time_run(&pages, |p| {
        let opts = trafilatura::Options::default().with_url(p.url.clone());
        trafilatura::extract(&p.html, &opts).map(|r| r.content_text).unwrap_or_default()
    });
    rows.push(row("trafilatura 0.6 crate, run here", &pages, trafilatura));

    // Published outputs.
    let mut peers: Vec<(String, HashMap<String, String>)> = Vec::new();
    for entry in fs::read_dir(dir.join("peer-output"))? {
        let path = entry?.path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("?").to_owned();
        let json: Value = serde_json::from_str(&fs::read_to_string(&path)?)?;
        let version = json.get("version").and_then(Value::as_str).map(str::to_owned);
        let output = json.get("output").unwrap_or(&json);
        let bodies = output
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.get("articleBody").and_then(Value::as_str).unwrap_or("").to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let label = match version {
            Some(v) => format!("{name} {v} (published output)"),
            None => format!("{name} (published output)"),
        };
        peers.push((label, bodies));
    }
    for (label, bodies) in peers {
        let outputs = pages.iter().map(|p| bodies.get(&p.id).cloned().unwrap_or_default()).collect();
        rows.push(row(&label, &pages, (outputs, None)));
    }
    rows.sort_by(|a, b| b.f1.total_cmp(&a.f1));

    let mut body = String::new();
    body.push_str(&format!(
        "### Article extraction — Zyte benchmark ({} pages), measured {}\n\n",
        pages.len(),
        today()
    ));
    body.push_str("`cargo run --release -p clipdesk-bench -- extract --write`. Same metric for every row (4-token shingles, \
                   per-page normalised, mean P and R, F1 of the means; ± bootstrap σ, 1000 resamples). Speed: pages per second \
                   on one core, from decoded page text to plain text, for the extractors run in this process.\n\n");
    body.push_str("| extractor | F1 | precision | recall | accuracy | pages/s |\n|---|---|---|---|---|---|\n");
    for r in &rows {
        body.push_str(&format!(
            "| {} | {:.3} ± {:.3} | {:.3} | {:.3} | {:.3} | {} |\n",
            r.label,
            r.f1,
            r.f1_sd,
            r.precision,
            r.recall,
            r.accuracy,
            r.pages_per_s.map_or("—".to_owned(), |s| format!("{s:.0}"))
        ));
    }
    body.push_str(&metadata_table(data)?);
    body.push_str(&classes_table()?);
    Ok(Section { name: "extract".into(), body })
}

/// Clipdesk alone on the Zyte pages: (F1, precision, recall, pages/s), for quick checks while
/// tuning (`breadth --ours`).
pub fn zyte_ours(data: &Path) -> Result<(f64, f64, f64, f64), Err> {
    let pages = load_pages(&data.join("zyte-article-extraction-benchmark"))?;
    let (outputs, speed) =
        time_run(&pages, |p| clipdesk::extract::extract(&p.html, &p.url).map(|a| a.text).unwrap_or_default());
    let r = row("", &pages, (outputs, speed));
    Ok((r.f1, r.precision, r.recall, r.pages_per_s.unwrap_or_default()))
}

/// What an extractor says about a page's metadata.
#[derive(Default)]
struct MetaOut {
    title: String,
    date: String,
    authors: Vec<String>,
    site: String,
    lang: String,
}

/// A page with metadata ground truth; `None` fields are not scored.
struct MetaPage {
    html: String,
    url: url::Url,
    title: Option<String>,
    date: Option<String>,
    authors: Option<Vec<String>>,
    site: Option<String>,
    lang: Option<String>,
}

/// Title, date, author, site and language accuracy, for us and the two crates, on the fixture
/// pages (`tests/fixtures/pages/expected.json`) and on the Zyte pages
/// (`tests/fixtures/zyte-metadata.json`, read off each page by a person).
fn metadata_table(data: &Path) -> Result<String, Err> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let s = |v: &Value| v.as_str().map(str::to_owned);
    let list = |v: &Value| v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect());

    let expected: Value = serde_json::from_str(&fs::read_to_string(fixtures.join("pages/expected.json"))?)?;
    let mut fixture_pages = Vec::new();
    for (name, want) in expected.as_object().ok_or("expected.json")? {
        if !want["is_article"].as_bool().unwrap_or(true) {
            continue;
        }
        let raw = fs::read(fixtures.join("pages").join(name))?;
        let (html, _, _) = clipdesk::fetch::charset::decode(&raw, None, None);
        fixture_pages.push(MetaPage {
            html,
            url: url::Url::parse("https://news.example/article")?,
            title: s(&want["title"]),
            date: s(&want["published_date"]),
            authors: list(&want["authors"]),
            site: s(&want["site_name"]),
            lang: s(&want["lang"]),
        });
    }

    let truth: Value = serde_json::from_str(&fs::read_to_string(fixtures.join("zyte-metadata.json"))?)?;
    let mut zyte_pages = Vec::new();
    for page in load_pages(&data.join("zyte-article-extraction-benchmark"))? {
        let t = &truth["pages"][&page.id];
        if t.is_null() {
            continue;
        }
        zyte_pages.push(MetaPage {
            html: page.html,
            url: page.url,
            title: s(&t["title"]),
            date: s(&t["published"]),
            authors: list(&t["authors"]),
            site: s(&t["site_name"]),
            lang: s(&t["lang"]),
        });
    }

    let mut out = String::new();
    for (label, pages) in [
        ("fixture pages in eight languages and six encodings (tests/fixtures/pages)", &fixture_pages),
        ("Zyte pages, metadata read off each page by a person (tests/fixtures/zyte-metadata.json)", &zyte_pages),
    ] {
        out.push_str(&format!(
            "\n### Metadata — {} {label}, same run\n\n\
             Share of pages where the field is right: title exactly (white space collapsed), date as the page prints it \
             (YYYY-MM-DD in the page's own time zone), authors as a set, site name and language exactly (case and \
             accents ignored). Pages without a truth for a field are not counted for it.\n\n\
             | extractor | title | date | authors | site | language |\n|---|---|---|---|---|---|\n",
            pages.len()
        ));
        for (name, f) in extractors() {
            let verbose = std::env::var_os("META_DIFF").is_some() && name.contains("Clipdesk");
            let mut hits = [0usize; 5];
            let mut totals = [0usize; 5];
            for p in pages.iter() {
                let got = f(&p.html, &p.url);
                let fold = clipdesk::text::fold;
                let checks = [
                    p.title.as_ref().map(|t| clipdesk::text::collapse_ws(t) == clipdesk::text::collapse_ws(&got.title)),
                    p.date.as_ref().map(|d| *d == got.date),
                    p.authors.as_ref().map(|a| {
                        let mut want: Vec<String> = a.iter().map(|x| fold(x)).collect();
                        let mut have: Vec<String> = got.authors.iter().map(|x| fold(x)).collect();
                        want.sort();
                        have.sort();
                        want == have
                    }),
                    p.site.as_ref().map(|x| fold(x) == fold(&got.site)),
                    p.lang.as_ref().map(|x| *x == got.lang),
                ];
                if verbose {
                    let fields = ["title", "date", "authors", "site", "lang"];
                    let want = [
                        format!("{:?}", p.title),
                        format!("{:?}", p.date),
                        format!("{:?}", p.authors),
                        format!("{:?}", p.site),
                        format!("{:?}", p.lang),
                    ];
                    let have = [
                        got.title.clone(),
                        got.date.clone(),
                        format!("{:?}", got.authors),
                        got.site.clone(),
                        got.lang.clone(),
                    ];
                    for (i, c) in checks.iter().enumerate() {
                        if *c == Some(false) {
                            eprintln!("{} {}: want {} got {:?}", p.url, fields[i], want[i], have[i]);
                        }
                    }
                }
                for (i, c) in checks.into_iter().enumerate() {
                    if let Some(ok) = c {
                        totals[i] += 1;
                        hits[i] += usize::from(ok);
                    }
                }
            }
            let cell = |i: usize| {
                if totals[i] == 0 {
                    "—".to_owned()
                } else {
                    format!("{:.2}", hits[i] as f64 / totals[i] as f64)
                }
            };
            out.push_str(&format!(
                "| {name} | {} | {} | {} | {} | {} |\n",
                cell(0),
                cell(1),
                cell(2),
                cell(3),
                cell(4)
            ));
        }
    }
    Ok(out)
}

/// The title and charset classes seen wrong on outside pages (issue 10), one fixture page each
/// (`tests/fixtures/pages/README.md`): the title each extractor gives, right or wrong.
fn classes_table() -> Result<String, Err> {
    let pages = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/pages");
    let url = "https://news.example/2022/05/04/story";
    let classes = [
        (
            "site name in the only `<h1>`",
            "title-site-name-h1.html",
            "Ferry service to Gull Island resumes after storm repairs",
        ),
        (
            "section label as `og:title`",
            "title-section-label.html",
            "Neue Radwege entlang der Uferstraße ab Mai befahrbar",
        ),
        ("subtitle as `og:title`", "title-subtitle.html", "Terminal ampliada"),
        ("site suffix `Headline – Site`", "title-site-suffix.html", "Why the old mill pond keeps flooding"),
        ("site prefix `Site\\|Headline`", "title-site-prefix.html", "Library extends weekend opening hours"),
        (
            "UTF-8 saved under a legacy `<meta charset>`",
            "saved-utf8-meta-cp1252.html",
            "Frühjahrsmarkt in Kürten zieht 5.000 Besucher an",
        ),
    ];
    let mut out = String::from(
        "\n### Metadata — title and charset classes seen wrong on outside pages, same run\n\n\
         One fixture page per class (tests/fixtures/pages, described in its README), clipped as a saved page: the \
         title each extractor gives (✓ when it is the headline). Every extractor gets the page as Clipdesk decodes \
         it; the last row gives them the UTF-8 page decoded by its own windows-1252 declaration, as a browser (and \
         Clipdesk before this class was fixed) would.\n\n",
    );
    let names: Vec<(&str, MetaFn)> = extractors();
    out.push_str("| class | fixture |");
    for (name, _) in &names {
        out.push_str(&format!(" {name} |"));
    }
    out.push_str(&format!("\n|---|---|{}\n", "---|".repeat(names.len())));
    let cell = |got: &str, want: &str| {
        if clipdesk::text::collapse_ws(got) == want {
            "✓".to_owned()
        } else {
            format!("✗ “{}”", clip(got, 50).replace('|', "\\|"))
        }
    };
    for (class, file, want) in classes {
        let saved = clipdesk::clip::saved_page(fs::read(pages.join(file))?, url)?;
        let (html, _) = saved.decode_text();
        out.push_str(&format!("| {class} | `{file}` |"));
        for (_, f) in &names {
            out.push_str(&format!(" {} |", cell(&f(&html, &saved.final_url).title, want)));
        }
        out.push('\n');
    }
    let raw = fs::read(pages.join("saved-utf8-meta-cp1252.html"))?;
    let (by_declaration, _, _) = encoding_rs::WINDOWS_1252.decode(&raw);
    let final_url = url::Url::parse(url)?;
    out.push_str("| the same page decoded by its declaration | `saved-utf8-meta-cp1252.html` |");
    for (_, f) in &names {
        out.push_str(&format!(
            " {} |",
            cell(&f(&by_declaration, &final_url).title, "Frühjahrsmarkt in Kürten zieht 5.000 Besucher an")
        ));
    }
    out.push('\n');
    Ok(out)
}

type MetaFn = Box<dyn Fn(&str, &url::Url) -> MetaOut>;

fn extractors() -> Vec<(&'static str, MetaFn)> {
    let local =
        |s: &str| clipdesk::extract::date::parse_local(s).map(|d| d.date_naive().format("%Y-%m-%d").to_string());
    vec![
        (
            "**Clipdesk**",
            Box::new(|html: &str, url: &url::Url| {
                clipdesk::extract::extract(html, url)
                    .map(|a| MetaOut {
                        date: clipdesk::model::local_date(a.published_at, a.published_offset)
                            .map(|d| d.format("%Y-%m-%d").to_string())
                            .unwrap_or_default(),
                        title: a.title,
                        authors: a.authors,
                        site: a.site_name.unwrap_or_default(),
                        lang: a.lang.unwrap_or_default(),
                    })
                    .unwrap_or_default()
            }),
        ),
        (
            "dom_smoothie 0.19",
            Box::new(move |html: &str, url: &url::Url| {
                dom_smoothie::Readability::new(html, Some(url.as_str()), None)
                    .ok()
                    .and_then(|mut r| r.parse().ok())
                    .map(|a| MetaOut {
                        title: a.title,
                        date: a.published_time.as_deref().and_then(local).unwrap_or_default(),
                        authors: a.byline.map(|b| vec![b]).unwrap_or_default(),
                        site: a.site_name.unwrap_or_default(),
                        lang: a.lang.map(|l| l.chars().take(2).collect()).unwrap_or_default(),
                    })
                    .unwrap_or_default()
            }),
        ),
        (
            "trafilatura 0.6",
            Box::new(|html: &str, url: &url::Url| {
                trafilatura::extract(html, &trafilatura::Options::default().with_url(url.clone()))
                    .map(|r| MetaOut {
                        title: r.metadata.title,
                        date: r.metadata.date.map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default(),
                        authors: r
                            .metadata
                            .author
                            .split(';')
                            .map(str::trim)
                            .filter(|a| !a.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        site: r.metadata.sitename,
                        lang: r.metadata.language.chars().take(2).collect(),
                    })
                    .unwrap_or_default()
            }),
        ),
    ]
}

/// Today's date, for the sections' headings.
pub fn today() -> String {
    std::process::Command::new("date")
        .arg("+%Y-%m-%d")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_owned())
        .unwrap_or_default()
}

fn load_pages(dir: &Path) -> Result<Vec<Page>, Err> {
    let truth: Value = serde_json::from_str(&fs::read_to_string(dir.join("ground-truth.json"))?)?;
    let truth = truth.as_object().ok_or("ground-truth.json is not an object")?;
    let mut pages = Vec::new();
    let ids: BTreeMap<&String, &Value> = truth.iter().collect();
    for (id, entry) in ids {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(dir.join("html").join(format!("{id}.html.gz")))?)
            .read_to_end(&mut raw)?;
        let url = url::Url::parse(entry.get("url").and_then(Value::as_str).unwrap_or("https://example.com/"))?;
        let tld = url.host_str().and_then(|h| h.rsplit('.').next());
        let (html, _, _) = clipdesk::fetch::charset::decode(&raw, None, tld);
        let truth = entry.get("articleBody").and_then(Value::as_str).unwrap_or("").to_owned();
        pages.push(Page { id: id.clone(), url, html, truth });
    }
    Ok(pages)
}

fn time_run(pages: &[Page], f: impl Fn(&Page) -> String) -> (Vec<String>, Option<f64>) {
    let start = Instant::now();
    let out: Vec<String> = pages.iter().map(&f).collect();
    let secs = start.elapsed().as_secs_f64();
    (out, Some(pages.len() as f64 / secs))
}

struct Row {
    label: String,
    f1: f64,
    f1_sd: f64,
    precision: f64,
    recall: f64,
    accuracy: f64,
    pages_per_s: Option<f64>,
}

fn row(label: &str, pages: &[Page], (outputs, speed): (Vec<String>, Option<f64>)) -> Row {
    let triples: Vec<(f64, f64, f64)> = pages.iter().zip(&outputs).map(|(p, o)| shingle_match(&p.truth, o)).collect();
    let exact = pages.iter().zip(&outputs).filter(|(p, o)| tokens(&p.truth) == tokens(o)).count();
    let (precision, recall, f1) = prf(&triples);
    Row {
        label: label.to_owned(),
        f1,
        f1_sd: bootstrap_sd(&triples),
        precision,
        recall,
        accuracy: exact as f64 / pages.len() as f64,
        pages_per_s: speed,
    }
}

/// `\w+` runs, as Python's `re` finds them (letters, digits, underscore).
pub fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        let word = c.is_alphanumeric() || c == '_';
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

fn shingles(text: &str) -> HashMap<String, usize> {
    let toks = tokens(text);
    let mut map = HashMap::new();
    let n = 4;
    for i in 0..toks.len().saturating_sub(n).saturating_add(1).max(1) {
        let end = (i + n).min(toks.len());
        let shingle = toks[i.min(end)..end].join(" ");
        if !shingle.is_empty() {
            *map.entry(shingle).or_insert(0) += 1;
        }
    }
    map
}

/// The benchmark's per-page (tp, fp, fn), normalised by their sum.
pub fn shingle_match(truth: &str, pred: &str) -> (f64, f64, f64) {
    let t = shingles(truth);
    let p = shingles(pred);
    let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
    for (k, &tc) in &t {
        let pc = p.get(k).copied().unwrap_or(0);
        tp += tc.min(pc) as f64;
        fneg += tc.saturating_sub(pc) as f64;
    }
    for (k, &pc) in &p {
        let tc = t.get(k).copied().unwrap_or(0);
        fp += pc.saturating_sub(tc) as f64;
    }
    let s = tp + fp + fneg;
    if s == 0.0 {
        return (1.0, 0.0, 0.0);
    }
    (tp / s, fp / s, fneg / s)
}

fn prf(triples: &[(f64, f64, f64)]) -> (f64, f64, f64) {
    let ps: Vec<f64> = triples.iter().filter(|t| t.0 + t.1 > 0.0).map(|t| t.0 / (t.0 + t.1)).collect();
    let rs: Vec<f64> = triples.iter().filter(|t| t.0 + t.2 > 0.0).map(|t| t.0 / (t.0 + t.2)).collect();
    let mean = |v: &[f64]| if v.is_empty() { 0.0 } else { v.iter().sum::<f64>() / v.len() as f64 };
    let (p, r) = (mean(&ps), mean(&rs));
    let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
    (p, r, f1)
}

fn bootstrap_sd(triples: &[(f64, f64, f64)]) -> f64 {
    // A fixed-seed xorshift: the σ is reproducible run to run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let n = triples.len();
    let f1s: Vec<f64> = (0..1000)
        .map(|_| {
            let sample: Vec<_> = (0..n).map(|_| triples[(next() % n as u64) as usize]).collect();
            prf(&sample).2
        })
        .collect();
    let mean = f1s.iter().sum::<f64>() / f1s.len() as f64;
    (f1s.iter().map(|f| (f - mean).powi(2)).sum::<f64>() / f1s.len() as f64).sqrt()
}

/// Per-page scores (worst first), or one page's text beside its truth.
fn inspect(pages: &[Page], only: &str, diff: bool) -> Result<Section, Err> {
    let mut body = String::new();
    let selected: Vec<&Page> =
        if only == "all" { pages.iter().collect() } else { pages.iter().filter(|p| p.id.starts_with(only)).collect() };
    let mut scored: Vec<(f64, f64, &Page, String)> = selected
        .iter()
        .map(|p| {
            let out = clipdesk::extract::extract(&p.html, &p.url).map(|a| a.text).unwrap_or_default();
            let (tp, fp, fneg) = shingle_match(&p.truth, &out);
            let prec = if tp + fp > 0.0 { tp / (tp + fp) } else { 0.0 };
            let rec = if tp + fneg > 0.0 { tp / (tp + fneg) } else { 0.0 };
            (prec, rec, *p, out)
        })
        .collect();
    scored.sort_by(|a, b| (a.0 + a.1).total_cmp(&(b.0 + b.1)));
    for (prec, rec, p, out) in &scored {
        body.push_str(&format!("{:.3} P {:.3} R {}  {}\n", prec, rec, &p.id[..12], p.url));
        if diff {
            body.push_str(&format!("--- truth\n{}\n--- ours\n{}\n\n", p.truth, out));
        } else {
            // The paragraphs that cost precision: most of their shingles are not in the truth.
            let truth = shingles(&p.truth);
            for para in out.split("\n\n") {
                let sh = shingles(para);
                let total: usize = sh.values().sum();
                let missing: usize = sh.iter().filter(|(k, _)| !truth.contains_key(*k)).map(|(_, v)| v).sum();
                if total > 0 && missing * 2 > total {
                    body.push_str(&format!("    + {}\n", clip(para, 160)));
                }
            }
            // And those that cost recall.
            let ours = shingles(out);
            for para in p.truth.split('\n').filter(|l| !l.trim().is_empty()) {
                let sh = shingles(para);
                let total: usize = sh.values().sum();
                let missing: usize = sh.iter().filter(|(k, _)| !ours.contains_key(*k)).map(|(_, v)| v).sum();
                if total > 0 && missing * 2 > total {
                    body.push_str(&format!("    - {}\n", clip(para, 160)));
                }
            }
        }
    }
    Ok(Section { name: "inspect".into(), body })
}

/// `s` on one line, cut to `n` characters.
pub fn clip(s: &str, n: usize) -> String {
    let one_line = s.replace('\n', " / ");
    if one_line.chars().count() > n {
        format!("{}…", one_line.chars().take(n).collect::<String>())
    } else {
        one_line
    }
}

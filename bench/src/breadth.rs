//! Extraction breadth: the trafilatura evaluation pages (`trafilatura-eval-dev`), with that set's
//! own metric, for Clipdesk beside the `trafilatura` and `dom_smoothie` crates in the same run.
//!
//! The set (see its README) is 590 saved pages — regional news, blogs, shops, forums; German,
//! French, Spanish, Italian, Polish… many in legacy charsets — each with passages the article text
//! must contain (`with`) and passages of furniture it must not (`without`). White space is
//! collapsed in both; a `with` passage found in the output is a true positive, missed a false
//! negative; a `without` passage found is a false positive. Precision, recall and F1 are over all
//! passages of all pages. A page is *without article* when the extractor errs or returns no text.
//!
//! Pages are decoded as a saved page clipped by the CLI would be (`clip::saved_page` and
//! `Page::decode_text`: no HTTP header, the page's own declaration, else a guess hinted by the
//! URL's top-level domain); every extractor gets that same text.
//!
//! `cargo run --release -p clipdesk-bench -- breadth [--write] [--ours] [--only KEY [--diff]]`

use std::fs;
use std::io::Read;
use std::path::Path;
use std::time::Instant;

use serde_json::Value;

use crate::Section;

type Err = Box<dyn std::error::Error>;

/// The set's directory under the data directory.
pub const DIR: &str = "trafilatura-eval-dev";

pub struct Page {
    pub key: String,
    pub url: url::Url,
    pub html: String,
    with: Vec<String>,
    without: Vec<String>,
}

/// Passage counts of one extractor over the set.
#[derive(Default, Clone, Copy)]
struct Score {
    tp: usize,
    fp: usize,
    fneg: usize,
    no_article: usize,
}

impl Score {
    fn add(&mut self, page: &Page, output: &str) {
        let (tp, fp, fneg) = passages(page, output);
        self.tp += tp;
        self.fp += fp;
        self.fneg += fneg;
        self.no_article += usize::from(output.trim().is_empty());
    }
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fneg)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// (true positives, false positives, false negatives) of one page's output.
fn passages(page: &Page, output: &str) -> (usize, usize, usize) {
    let out = collapse(output);
    let found = |p: &String| out.contains(&collapse(p));
    let tp = page.with.iter().filter(|p| found(p)).count();
    let fp = page.without.iter().filter(|p| found(p)).count();
    (tp, fp, page.with.len() - tp)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An extractor measured here: its label and its text for a page (empty when it finds none).
type Extractor = (&'static str, Box<dyn Fn(&Page) -> String>);

pub fn clipdesk_text(page: &Page) -> String {
    clipdesk::extract::extract(&page.html, &page.url).map(|a| a.text).unwrap_or_default()
}

fn extractors(ours_only: bool) -> Vec<Extractor> {
    let mut list: Vec<Extractor> = vec![("**Clipdesk** (this build)", Box::new(clipdesk_text))];
    if ours_only {
        return list;
    }
    list.push((
        "trafilatura 0.6 crate",
        Box::new(|p: &Page| {
            let opts = trafilatura::Options::default().with_url(p.url.clone());
            trafilatura::extract(&p.html, &opts).map(|r| r.content_text).unwrap_or_default()
        }),
    ));
    list.push((
        "dom_smoothie 0.19 crate (formatted text)",
        Box::new(|p: &Page| {
            let cfg = dom_smoothie::Config { text_mode: dom_smoothie::TextMode::Formatted, ..Default::default() };
            dom_smoothie::Readability::new(p.html.as_str(), Some(p.url.as_str()), Some(cfg))
                .ok()
                .and_then(|mut r| r.parse().ok())
                .map(|a| a.text_content.to_string())
                .unwrap_or_default()
        }),
    ));
    list
}

pub fn run(data: &Path, ours_only: bool, only: Option<&str>, diff: bool) -> Result<Section, Err> {
    let pages = load_pages(&data.join(DIR))?;
    if let Some(only) = only {
        return inspect(&pages, only, diff);
    }
    let mut body = format!(
        "### Extraction breadth — trafilatura evaluation pages, development split ({} pages), measured {}\n\n",
        pages.len(),
        crate::extract::today()
    );
    body.push_str(
        "`cargo run --release -p clipdesk-bench -- breadth --write`, on `../shared/data/trafilatura-eval-dev` (news, \
         blogs, regional outlets, shops and forums in German, English, French, Spanish, Italian, Polish…, many in legacy \
         charsets). The set's own metric, as trafilatura's evaluation computes it: white space collapsed; each passage \
         the article must contain is a true positive when found, a false negative when missed; each furniture passage \
         found is a false positive; P, R and F1 over all passages of all pages. *No article*: the share of pages where \
         the extractor errs or returns no text. Every extractor gets the same text, decoded as Clipdesk decodes a saved \
         page (no HTTP header: the page's own declaration, else a guess). Speed: pages per second on one core, from \
         decoded text to plain text.\n\n",
    );
    body.push_str("| extractor | F1 | precision | recall | no article | pages/s |\n|---|---|---|---|---|---|\n");
    for (label, f) in extractors(ours_only) {
        let start = Instant::now();
        let outputs: Vec<String> = pages.iter().map(&f).collect();
        let secs = start.elapsed().as_secs_f64();
        let mut score = Score::default();
        for (page, out) in pages.iter().zip(&outputs) {
            score.add(page, out);
        }
        body.push_str(&format!(
            "| {label} | {:.3} | {:.3} | {:.3} | {:.1}% ({}) | {:.0} |\n",
            score.f1(),
            score.precision(),
            score.recall(),
            100.0 * score.no_article as f64 / pages.len() as f64,
            score.no_article,
            pages.len() as f64 / secs
        ));
    }
    if ours_only {
        let (f1, p, r, speed) = crate::extract::zyte_ours(data)?;
        body.push_str(&format!("\nZyte, Clipdesk: F1 {f1:.3} P {p:.3} R {r:.3}, {speed:.0} pages/s\n"));
        return Ok(Section { name: "breadth-ours".into(), body });
    }
    body.push_str(
        "\nPublished for reference (not run here): Python trafilatura 2.x scores about 0.92–0.93 F1 on this set (the \
         set's README).\n",
    );
    Ok(Section { name: "breadth".into(), body })
}

/// The set's pages, decoded, in key order.
pub fn load_pages(dir: &Path) -> Result<Vec<Page>, Err> {
    let eval: Value = serde_json::from_str(&fs::read_to_string(dir.join("evaldata.json"))?)?;
    let eval = eval.as_object().ok_or("evaldata.json is not an object")?;
    let mut keys: Vec<&String> = eval.keys().collect();
    keys.sort();
    let strings = |v: &Value| -> Vec<String> {
        v.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_owned).collect()
    };
    let mut pages = Vec::with_capacity(keys.len());
    for key in keys {
        let entry = &eval[key.as_str()];
        let file = entry["file"].as_str().ok_or("entry without file")?;
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(fs::File::open(dir.join("pages").join(file))?).read_to_end(&mut raw)?;
        // Keys such as `hard::site-name.html` are not URLs.
        let url = url::Url::parse(key)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .unwrap_or_else(|| url::Url::parse("https://example.com/article").expect("static URL"));
        let saved = clipdesk::clip::saved_page(raw, url.as_str())?;
        let (html, _) = saved.decode_text();
        pages.push(Page {
            key: key.clone(),
            url: saved.final_url,
            html,
            with: strings(&entry["with"]),
            without: strings(&entry["without"]),
        });
    }
    Ok(pages)
}

/// Clipdesk's misses page by page (pages whose key contains `only`, or `all`): passages missed
/// (`-`) and furniture kept (`+`); with `diff`, the whole text too.
fn inspect(pages: &[Page], only: &str, diff: bool) -> Result<Section, Err> {
    let mut body = String::new();
    let (mut total, mut shown) = (Score::default(), 0);
    for page in pages.iter().filter(|p| only == "all" || p.key.contains(only)) {
        let result = clipdesk::extract::extract(&page.html, &page.url);
        let text = result.as_ref().map(|a| a.text.clone()).unwrap_or_default();
        total.add(page, &text);
        let (_, fp, fneg) = passages(page, &text);
        if fp == 0 && fneg == 0 && !diff {
            continue;
        }
        shown += 1;
        let status = match &result {
            Ok(a) => format!("{} words, title {:?}", a.word_count, a.title),
            Err(e) => e.code().to_owned(),
        };
        body.push_str(&format!("== {}  ({status})\n", page.key));
        let out = collapse(&text);
        for p in &page.with {
            if !out.contains(&collapse(p)) {
                body.push_str(&format!("   - {}\n", crate::extract::clip(p, 150)));
            }
        }
        for p in &page.without {
            if out.contains(&collapse(p)) {
                body.push_str(&format!("   + {}\n", crate::extract::clip(p, 150)));
            }
        }
        if diff {
            body.push_str(&format!("--- ours\n{text}\n\n"));
        }
    }
    body.push_str(&format!(
        "{shown} pages shown; over the selection P {:.3} R {:.3} F1 {:.3}, no article {}\n",
        total.precision(),
        total.recall(),
        total.f1(),
        total.no_article
    ));
    Ok(Section { name: "inspect".into(), body })
}

//! Actor suggestions against the gold set (`tests/fixtures/actors-gold.json`): precision and
//! recall on people and organisations, and every state of the gazetteer found in each of eight
//! languages.

use std::collections::HashSet;
use std::fs;
use std::path::Path;

use clipdesk::text::fold;
use serde_json::Value;

use crate::Section;

type Err = Box<dyn std::error::Error>;

pub fn run(data: &Path, verbose: bool) -> Result<Section, Err> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    let gold: Value = serde_json::from_str(&fs::read_to_string(fixtures.join("actors-gold.json"))?)?;
    let truth: Value =
        serde_json::from_str(&fs::read_to_string(data.join("zyte-article-extraction-benchmark/ground-truth.json"))?)?;
    let meta: Value = serde_json::from_str(&fs::read_to_string(fixtures.join("zyte-metadata.json"))?)?;
    let dir = tempfile_dir()?;
    let mut lib = clipdesk::Library::open(&dir.join("bench.sqlite"))?;

    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    let mut per_article: Vec<(f64, f64)> = Vec::new();
    let mut report = String::new();
    for article in gold["articles"].as_array().ok_or("articles")? {
        let id = article["id"].as_str().unwrap_or_default();
        let (title, text) = if id == "seed-article" {
            let page = fs::read_to_string(data.join("seed-article/page-text.txt"))?;
            let body = page.split("\nMost Popular").next().unwrap_or("").to_owned();
            let mut lines: Vec<&str> = Vec::new();
            for l in body.lines() {
                if lines.last() != Some(&l) {
                    lines.push(l);
                }
            }
            let title = lines.first().copied().unwrap_or("").to_owned();
            (title, lines[1..].join("\n"))
        } else {
            let body = truth[id]["articleBody"].as_str().unwrap_or_default().to_owned();
            let title = meta["pages"][id]["title"].as_str().unwrap_or_default().to_owned();
            (title, body)
        };
        let names = |key: &str| -> Vec<HashSet<String>> {
            article[key]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| {
                    let mut set: HashSet<String> = HashSet::new();
                    set.insert(fold(a["name"].as_str().unwrap_or_default()));
                    for v in a["variants"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                        set.insert(fold(v));
                    }
                    set
                })
                .collect()
        };
        let mut gold_actors = names("people");
        gold_actors.extend(names("organisations"));
        let borderline: Vec<HashSet<String>> = names("borderline");
        let suggestions = lib.suggest_text(&title, &text)?;
        let mut found = vec![false; gold_actors.len()];
        let (mut a_tp, mut a_fp) = (0usize, 0usize);
        let mut false_pos = Vec::new();
        for s in &suggestions {
            let key = fold(&s.name);
            if let Some(i) = gold_actors.iter().position(|g| g.contains(&key)) {
                if !found[i] {
                    found[i] = true;
                    a_tp += 1;
                }
            } else if borderline.iter().any(|b| b.contains(&key)) {
                continue;
            } else {
                a_fp += 1;
                false_pos.push(format!("{} ({:?})", s.name, s.actor_type));
            }
        }
        let a_fn = found.iter().filter(|f| !**f).count();
        tp += a_tp;
        fp += a_fp;
        fneg += a_fn;
        let p = if a_tp + a_fp > 0 { a_tp as f64 / (a_tp + a_fp) as f64 } else { 1.0 };
        let r = if a_tp + a_fn > 0 { a_tp as f64 / (a_tp + a_fn) as f64 } else { 1.0 };
        per_article.push((p, r));
        if verbose {
            let missed: Vec<String> = article["people"]
                .as_array()
                .into_iter()
                .flatten()
                .chain(article["organisations"].as_array().into_iter().flatten())
                .zip(found.iter())
                .filter(|(_, f)| !**f)
                .map(|(a, _)| a["name"].as_str().unwrap_or_default().to_owned())
                .collect();
            report.push_str(&format!(
                "{id:.12} P {p:.2} R {r:.2}\n  FP: {}\n  FN: {}\n",
                false_pos.join("; "),
                missed.join("; ")
            ));
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / (tp + fneg).max(1) as f64;
    let n = per_article.len() as f64;
    let macro_p = per_article.iter().map(|x| x.0).sum::<f64>() / n;
    let macro_r = per_article.iter().map(|x| x.1).sum::<f64>() / n;

    let (states_found, states_total, misses) = states_in_languages(&mut lib)?;
    let mut body = String::new();
    if verbose {
        body.push_str(&report);
    }
    body.push_str(&format!(
        "### Actor suggestions — gold set of {} articles (tests/fixtures/actors-gold.json)\n\n\
         `cargo run --release -p clipdesk-bench -- suggest --write`. People and organisations a human analyst would tag; \
         names marked borderline in the gold set count neither way. A suggestion is right when it equals the gold name or \
         one of its variants (case and diacritics ignored).\n\n\
         | measure | pooled | mean per article |\n|---|---|---|\n\
         | precision | {precision:.3} | {macro_p:.3} |\n| recall | {recall:.3} | {macro_r:.3} |\n\n\
         States of the gazetteer found by the alias matcher, each named in a sentence of each of en, fr, de, es, ru, ar, he, \
         zh: **{states_found} / {states_total}**{}.\n",
        per_article.len(),
        if misses.is_empty() { String::new() } else { format!(" (missed: {})", misses.join(", ")) }
    ));
    Ok(Section { name: "suggest".into(), body })
}

/// Each state's name in each language, in a sentence of that language: does the matcher find it?
fn states_in_languages(lib: &mut clipdesk::Library) -> Result<(usize, usize, Vec<String>), Err> {
    let frames = [
        ("en", "Officials said {} would respond."),
        ("fr", "Le gouvernement a déclaré que {} répondrait."),
        ("de", "Die Regierung erklärte, {} werde reagieren."),
        ("es", "El gobierno dijo que {} respondería."),
        ("ru", "Власти заявили, что {} ответит."),
        ("ar", "وقالت الحكومة إن {} سترد."),
        ("he", "הממשלה אמרה כי {} תגיב."),
        ("zh", "政府表示{}将作出回应。"),
    ];
    let actors = clipdesk::tags::gazetteer::actors();
    let (mut found, mut total) = (0, 0);
    let mut misses = Vec::new();
    let sources: std::collections::HashMap<i64, String> = {
        let mut stmt = lib.conn().prepare("SELECT id, source FROM tag WHERE source IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    let tagger = lib.tagger()?;
    for actor in actors.iter().filter(|a| a.source.starts_with("gazetteer:state:")) {
        for (lang, frame) in frames {
            let Some(alias) = actor.aliases.iter().find(|a| a.lang.as_deref() == Some(lang) && !a.ambiguous) else {
                continue;
            };
            total += 1;
            let sentence = frame.replace("{}", &alias.name);
            let ids: Vec<i64> = tagger.matcher.find(&sentence).into_iter().map(|f| f.tag_id).collect();
            let source_ok = ids.iter().any(|id| sources.get(id) == Some(&actor.source));
            if source_ok {
                found += 1;
            } else {
                misses.push(format!("{} [{lang}] {}", actor.name, alias.name));
            }
        }
    }
    Ok((found, total, misses))
}

/// A fresh directory for the bench's library.
fn tempfile_dir() -> Result<std::path::PathBuf, Err> {
    let dir = std::env::temp_dir().join(format!("clipdesk-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    Ok(dir)
}

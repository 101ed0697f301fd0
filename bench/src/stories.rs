//! Stories: how well Clipdesk finds copies and coverage of one event, and what it costs.
//!
//! - **Copies**: a synthetic set built from the real articles of `../shared/data` (the Zyte
//!   benchmark's texts): each article republished five ways (re-headlined, furniture and captions
//!   added, a dateline added, cut to 60%, paragraphs dropped or added, words edited), stored in a
//!   library among 2,000 other real articles (SemEval texts); pairwise precision and recall of "the
//!   same text" as the library groups them.
//! - **Same story**: the SemEval 2022 task 8 development pairs, judged by people: pairs with an
//!   Overall score ≤ 1.5 are the same story, ≥ 3.5 different. Every text is stored in one library
//!   (actors tagged from the gazetteer as usual); each pair is then decided by the library's own
//!   rule. Beside it, a plain TF-IDF cosine over the same texts at its best balance, and the
//!   logistic model fitted again in the same run (the library's constants come from such a fit on
//!   this development split) with 5-fold cross-validated precision and recall.
//! - **Scale**: a library of N generated clips; the time to store them with their stories, to
//!   assign one new clip (p50, p95), to regroup from scratch, and the bytes of signature data.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use clipdesk::stories::{score, signature::Signature};

use crate::corpus::{self, new_clip, Text};
use crate::Section;

type Err = Box<dyn std::error::Error>;

pub fn run(data: &Path, sizes: &[usize], only: Option<&str>) -> Result<Section, Err> {
    let mut body = String::from(
        "### Stories\n\n`cargo run --release -p clipdesk-bench -- stories --write`. What the library's story grouping \
         finds (copies of one text, coverage of one event in any language) and what it costs.\n\n",
    );
    let dir = std::env::temp_dir().join(format!("clipdesk-stories-bench-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir)?;
    if only.is_none_or(|o| o == "copies") {
        body.push_str(&copies(data, &dir)?);
    }
    if only.is_none_or(|o| o == "semeval") {
        body.push_str(&same_story(data, &dir)?);
    }
    if only.is_none_or(|o| o == "scale") {
        for &n in sizes {
            body.push_str(&scale(data, &dir, n)?);
        }
    }
    let _ = fs::remove_dir_all(&dir);
    Ok(Section { name: "stories".into(), body })
}

/// xorshift64: the same set run to run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
}

/// The first `share` of a text's words, whole paragraphs where it can.
fn cut(paras: &[String], share: f64) -> Vec<String> {
    let total: usize = paras.iter().map(|p| p.split_whitespace().count()).sum();
    let want = ((total as f64) * share).ceil() as usize;
    let mut out = Vec::new();
    let mut have = 0;
    for p in paras {
        let n = p.split_whitespace().count();
        if have + n <= want {
            out.push(p.clone());
            have += n;
        } else {
            let rest: Vec<&str> = p.split_whitespace().take(want.saturating_sub(have)).collect();
            if !rest.is_empty() {
                out.push(rest.join(" "));
            }
            break;
        }
    }
    out
}

const OUTLETS: &[&str] = &[
    "The Daily Courier",
    "Evening Standard Online",
    "Metro Wire",
    "The Valley Times",
    "Global Post",
    "Morning Herald",
    "City Press",
    "Northern Echo",
];
const CITIES: &[&str] = &["MOSCOW", "WASHINGTON", "BERLIN", "PARIS", "LONDON", "BEIJING", "NEW DELHI", "MADRID"];

/// A republished version of an article, by recipe.
fn variant(t: &Text, recipe: usize, donor: &[String], rng: &mut Rng) -> (String, String) {
    let mut paras = paragraphs(&t.text);
    let outlet = OUTLETS[rng.below(OUTLETS.len())];
    let words: Vec<&str> = t.title.split_whitespace().collect();
    let new_title = format!(
        "{}: {} — what we know",
        outlet.split_whitespace().last().unwrap_or("News"),
        words.iter().take(words.len().div_ceil(2)).copied().collect::<Vec<_>>().join(" ")
    );
    let furnish = |paras: &mut Vec<String>, rng: &mut Rng| {
        let at = 1 + rng.below(paras.len().max(1));
        paras.insert(at.min(paras.len()), format!("Photo: {outlet} / Reuters. The scene on Tuesday."));
        paras.push(format!("Read more: {} on {outlet}", OUTLETS[rng.below(OUTLETS.len())]));
        paras.push("Sign up for our morning newsletter and get the day's news in your inbox.".to_owned());
        paras.push(format!("© 2024 {outlet}. All rights reserved."));
    };
    let dateline = |paras: &mut Vec<String>, rng: &mut Rng| {
        if let Some(first) = paras.first_mut() {
            *first = format!("{} (AP) — {first}", CITIES[rng.below(CITIES.len())]);
        }
    };
    let drop = |paras: &mut Vec<String>, k: usize, rng: &mut Rng| {
        for _ in 0..k {
            if paras.len() > 3 {
                let at = 1 + rng.below(paras.len() - 1);
                paras.remove(at);
            }
        }
    };
    let title = match recipe {
        // Re-headlined, furniture and a dateline added.
        0 => {
            furnish(&mut paras, rng);
            dateline(&mut paras, rng);
            new_title
        }
        // Cut to 60%, re-headlined, furniture added.
        1 => {
            paras = cut(&paras, 0.6);
            furnish(&mut paras, rng);
            new_title
        }
        // Paragraphs dropped, a dateline added, words edited.
        2 => {
            drop(&mut paras, 2, rng);
            dateline(&mut paras, rng);
            for p in paras.iter_mut() {
                let edited: Vec<String> = p
                    .split_whitespace()
                    .map(|w| if rng.below(30) == 0 { "reportedly".to_owned() } else { w.to_owned() })
                    .collect();
                *p = edited.join(" ");
            }
            t.title.clone()
        }
        // Re-headlined, two paragraphs of the outlet's own added.
        3 => {
            for d in donor.iter().take(2) {
                let at = 1 + rng.below(paras.len().max(1));
                paras.insert(at.min(paras.len()), d.clone());
            }
            new_title
        }
        // All at once: cut to 60%, a paragraph dropped, re-headlined, furniture and a dateline.
        _ => {
            paras = cut(&paras, 0.6);
            drop(&mut paras, 1, rng);
            furnish(&mut paras, rng);
            dateline(&mut paras, rng);
            new_title
        }
    };
    (title, paras.join("\n\n"))
}

const RECIPES: usize = 5;

fn copies(data: &Path, dir: &Path) -> Result<String, Err> {
    let texts = corpus::texts(data)?;
    let (zyte, semeval): (Vec<&Text>, Vec<&Text>) = texts.iter().partition(|t| !t.site.starts_with("SemEval"));
    let zyte: Vec<&Text> = zyte.into_iter().filter(|t| clipdesk::text::word_count(&t.text) >= 80).collect();
    // A fifth of the articles only lend paragraphs (an outlet's own additions); they are not stored.
    type Numbered<'a> = Vec<(usize, &'a Text)>;
    let (donors, originals): (Numbered, Numbered) = zyte.iter().copied().enumerate().partition(|(i, _)| i % 5 == 4);
    let donor_paras: Vec<String> =
        donors.iter().flat_map(|(_, t)| paragraphs(&t.text)).filter(|p| p.len() > 200).collect();
    let distractors: Vec<&Text> =
        semeval.into_iter().filter(|t| clipdesk::text::word_count(&t.text) >= 60).take(2000).collect();
    let mut lib = clipdesk::Library::open(&dir.join("copies.sqlite"))?;
    let base = Utc.with_ymd_and_hms(2024, 1, 1, 8, 0, 0).single().ok_or("date")?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut batch = Vec::new();
    // url → group (originals and their variants), or None for distractors.
    let mut group_of: HashMap<String, Option<usize>> = HashMap::new();
    for (g, (_, t)) in originals.iter().enumerate() {
        let day = base + chrono::Duration::days(g as i64 * 2);
        let url = format!("https://original.example/{g}");
        batch.push((new_clip(&url, &t.title, &t.text, Some(&t.lang), &t.site, Some(day)), Vec::new()));
        group_of.insert(url, Some(g));
        for recipe in 0..RECIPES {
            let donor: Vec<String> = (0..2).map(|_| donor_paras[rng.below(donor_paras.len())].clone()).collect();
            let (title, text) = variant(t, recipe, &donor, &mut rng);
            let url = format!("https://copy{recipe}.example/{g}");
            let when = day + chrono::Duration::hours(1 + rng.below(48) as i64);
            batch.push((
                new_clip(&url, &title, &text, Some(&t.lang), OUTLETS[recipe % OUTLETS.len()], Some(when)),
                Vec::new(),
            ));
            group_of.insert(url, Some(g));
        }
    }
    for (i, t) in distractors.iter().enumerate() {
        let url = format!("https://other.example/{i}");
        let when = base + chrono::Duration::hours(rng.below(24 * 365) as i64);
        batch.push((new_clip(&url, &t.title, &t.text, Some(&t.lang), &t.site, Some(when)), Vec::new()));
        group_of.insert(url, None);
    }
    lib.insert_clips(&batch)?;
    // Families: the first clip of each clip's text.
    let rows: Vec<(String, i64)> = lib
        .conn()
        .prepare("SELECT url, coalesce(copy_of, id) FROM clip")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let clips: Vec<(Option<usize>, i64)> = rows.iter().map(|(u, f)| (group_of.get(u).copied().flatten(), *f)).collect();
    let (mut tp, mut fp, mut positives, mut among_others) = (0usize, 0usize, 0usize, 0usize);
    for i in 0..clips.len() {
        for j in i + 1..clips.len() {
            let ((gi, fi), (gj, fj)) = (clips[i], clips[j]);
            let same_truth = gi.is_some() && gi == gj;
            let same_found = fi == fj;
            match (gi.is_some() || gj.is_some(), same_truth, same_found) {
                (false, _, found) => among_others += usize::from(found),
                (true, true, found) => {
                    positives += 1;
                    tp += usize::from(found);
                }
                (true, false, true) => fp += 1,
                (true, false, false) => {}
            }
        }
    }
    let precision = tp as f64 / (tp + fp).max(1) as f64;
    let recall = tp as f64 / positives.max(1) as f64;
    // Per recipe: the share of variants found as copies of their original.
    let family: HashMap<&str, i64> = rows.iter().map(|(u, f)| (u.as_str(), *f)).collect();
    let mut per_recipe = String::new();
    for recipe in 0..RECIPES {
        let found = (0..originals.len())
            .filter(|g| {
                family.get(format!("https://copy{recipe}.example/{g}").as_str())
                    == family.get(format!("https://original.example/{g}").as_str())
            })
            .count();
        per_recipe.push_str(&format!(
            "| {} | {found} / {} |\n",
            [
                "re-headlined, furniture and captions, dateline",
                "cut to 60%, re-headlined, furniture",
                "two paragraphs dropped, dateline, one word in 30 edited",
                "re-headlined, two paragraphs added",
                "cut to 60%, a paragraph dropped, re-headlined, furniture, dateline",
            ][recipe],
            originals.len()
        ));
    }
    Ok(format!(
        "#### Copies — synthetic republications of {} real articles\n\n\
         Each article of the Zyte benchmark (80 words or more; a fifth of them kept aside to lend paragraphs) stored with \
         {RECIPES} republications of it, among {} other real articles (SemEval texts, ten languages), {} clips in all. A \
         pair is found when the library gives both clips the same first clip of their text (`copy_of`).\n\n\
         | pairs | found | precision | recall |\n|---|---|---|---|\n| {} positive, {} with another article | {} | **{:.3}** | **{:.3}** |\n\n\
         | republication | found as a copy of its original |\n|---|---|\n{per_recipe}\n\
         Pairs of the other articles found as copies of each other (not counted above; SemEval pairs include the same \
         article collected twice): {among_others}.\n\n",
        originals.len(),
        distractors.len(),
        rows.len(),
        positives,
        clips.len() * (clips.len() - 1) / 2 - positives - (distractors.len() * (distractors.len().saturating_sub(1)) / 2),
        tp + fp,
        precision,
        recall,
    ))
}

/// One judged pair of the SemEval set.
struct Pair {
    langs: String,
    same: bool,
    a: usize,
    b: usize,
}

/// The title and body of a SemEval text (the title comes first, set off by two spaces).
fn split_text(raw: &str) -> (String, String) {
    let raw = raw.trim();
    let (title, body) = raw.split_once("  ").unwrap_or((raw, raw));
    (clipdesk::text::truncate_chars(title.trim(), 160), body.trim().to_owned())
}

fn same_story(data: &Path, dir: &Path) -> Result<String, Err> {
    let mut reader = csv::Reader::from_path(data.join("semeval2022-task8-dev/pairs.csv"))?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut docs: Vec<(String, String)> = Vec::new();
    let mut pairs = Vec::new();
    for row in reader.records() {
        let row = row?;
        let overall: f64 = row.get(10).unwrap_or("").parse().unwrap_or(2.5);
        let mut ids = [0usize; 2];
        for (k, (lang_col, text_col)) in [(2, 4), (3, 5)].into_iter().enumerate() {
            let text = row.get(text_col).unwrap_or_default().to_owned();
            let lang = row.get(lang_col).unwrap_or("en").to_owned();
            let next = docs.len();
            ids[k] = *index.entry(text.clone()).or_insert_with(|| {
                docs.push((text, lang));
                next
            });
        }
        if overall <= 1.5 || overall >= 3.5 {
            let langs = format!("{}-{}", row.get(2).unwrap_or(""), row.get(3).unwrap_or(""));
            pairs.push(Pair { langs, same: overall <= 1.5, a: ids[0], b: ids[1] });
        }
    }
    // Every text in one library, undated (clipped now: all in one time window).
    let mut lib = clipdesk::Library::open(&dir.join("semeval.sqlite"))?;
    let batch: Vec<_> = docs
        .iter()
        .enumerate()
        .map(|(i, (raw, lang))| {
            let (title, body) = split_text(raw);
            (new_clip(&format!("https://semeval.example/{i}"), &title, &body, Some(lang), "SemEval", None), Vec::new())
        })
        .collect();
    lib.insert_clips(&batch)?;
    // Signatures weighted with the whole set's statistics, as after an import.
    lib.rebuild_stories(true)?;
    let ids: HashMap<String, i64> = lib
        .conn()
        .prepare("SELECT url, id FROM clip")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let sigs: Vec<Signature> = (0..docs.len())
        .map(|i| {
            let id = ids.get(&format!("https://semeval.example/{i}")).copied().ok_or("clip")?;
            clipdesk::stories::load_signature(lib.conn(), id)?.ok_or_else(|| "signature".into())
        })
        .collect::<Result<_, Err>>()?;
    let ours: Vec<bool> = pairs
        .iter()
        .map(|p| score::copy(&sigs[p.a], &sigs[p.b]).is_some() || score::same_story(&sigs[p.a], &sigs[p.b]).is_some())
        .collect();
    let tfidf = tfidf_scores(&docs, &pairs);
    let is_mono = |p: &Pair| p.langs.split('-').next() == p.langs.split('-').nth(1);
    let mut thresholds = HashMap::new();
    for mono in [true, false] {
        let scored: Vec<(f64, bool)> =
            pairs.iter().zip(&tfidf).filter(|(p, _)| is_mono(p) == mono).map(|(p, s)| (*s, p.same)).collect();
        thresholds.insert(mono, best_f1_threshold(&scored));
    }
    let baseline: Vec<bool> = pairs.iter().zip(&tfidf).map(|(p, s)| *s >= thresholds[&is_mono(p)]).collect();
    // The table: per language pair, then monolingual and cross-language totals.
    let mut groups: BTreeMap<(bool, String), Vec<usize>> = BTreeMap::new();
    for (i, p) in pairs.iter().enumerate() {
        groups.entry((!is_mono(p), p.langs.clone())).or_default().push(i);
        groups
            .entry((!is_mono(p), if is_mono(p) { "all monolingual" } else { "all cross-language" }.into()))
            .or_default()
            .push(i);
    }
    let mut table = String::from(
        "| languages | same | different | **Clipdesk** P | **Clipdesk** R | TF-IDF P | TF-IDF R |\n|---|---|---|---|---|---|---|\n",
    );
    let mut totals = String::new();
    for ((_, name), members) in &groups {
        let (same, diff) =
            (members.iter().filter(|&&i| pairs[i].same).count(), members.iter().filter(|&&i| !pairs[i].same).count());
        let pr = |pred: &[bool]| {
            let tp = members.iter().filter(|&&i| pred[i] && pairs[i].same).count();
            let predicted = members.iter().filter(|&&i| pred[i]).count();
            (
                if predicted == 0 { "—".to_owned() } else { format!("{:.2}", tp as f64 / predicted as f64) },
                if same == 0 { "—".to_owned() } else { format!("{:.2}", tp as f64 / same as f64) },
            )
        };
        let ((op, or), (bp, br)) = (pr(&ours), pr(&baseline));
        let line = if name.starts_with("all ") {
            format!("| **{name}** | {same} | {diff} | **{op}** | **{or}** | {bp} | {br} |\n")
        } else {
            format!("| {name} | {same} | {diff} | {op} | {or} | {bp} | {br} |\n")
        };
        if name.starts_with("all ") {
            totals.push_str(&line);
        } else {
            table.push_str(&line);
        }
    }
    table.push_str(&totals);
    // The model fitted again, and cross-validated.
    let mut fits = String::from(
        "| pairs | precision aimed at | fitted weights (all, title_x, [entity], [TF-IDF], bias) | threshold | 5-fold CV precision | 5-fold CV recall |\n|---|---|---|---|---|---|\n",
    );
    // The library's model, then — monolingual only — the same with the whole texts' TF-IDF cosine
    // as a further input: what a similarity over every word (which a 1 KB signature cannot hold)
    // would add, at the precision the library aims at and at the floor.
    let cases = [
        ("monolingual", true, false, 0.95),
        ("monolingual", true, false, 0.93),
        ("cross-language", false, false, 0.90),
    ];
    let ceiling =
        [("monolingual + whole-text TF-IDF", true, true, 0.95), ("monolingual + whole-text TF-IDF", true, true, 0.93)];
    for (name, mono, with_tfidf, target) in cases.into_iter().chain(ceiling) {
        let rows: Vec<(Vec<f64>, bool)> = pairs
            .iter()
            .zip(&tfidf)
            .filter(|(p, _)| is_mono(p) == mono)
            .map(|(p, t)| {
                let f = score::features(&sigs[p.a], &sigs[p.b]);
                let mut x = if mono { vec![f.all, f.title_x] } else { vec![f.all, f.title_x, f.entity] };
                if with_tfidf {
                    x.push(*t);
                }
                (x, p.same)
            })
            .collect();
        let w = fit(&rows);
        let threshold =
            threshold_for_precision(&rows.iter().map(|(x, y)| (logit(&w, x), *y)).collect::<Vec<_>>(), target);
        let (cv_p, cv_r) = cross_validate(&rows, target);
        let weights: Vec<String> = w.iter().map(|x| format!("{x:.2}")).collect();
        fits.push_str(&format!(
            "| {name} | {target:.2} | {} | {threshold:.2} | {cv_p:.2} | {cv_r:.2} |\n",
            weights.join(", ")
        ));
    }
    Ok(format!(
        "#### Same story — SemEval 2022 task 8, development split\n\n\
         {} judged pairs of news articles ({} distinct texts in ten languages; Overall ≤ 1.5 the same story, ≥ 3.5 \
         different; the \"related\" pairs between are left out). Every text stored in one library, its actors tagged \
         from the gazetteer, its signature weighted with the whole set's statistics; a pair is the same story when the \
         library's rule says so (a copy, or the same-story model above its threshold). TF-IDF: cosine of the whole texts' \
         word vectors ((1 + ln tf) · ln(N / df), words lower-cased), at the threshold that maximises F1 over the \
         monolingual pairs ({:.2}) and over the cross-language pairs ({:.2}). The library's thresholds were chosen on \
         this same split: the cross-validated figures below are the better estimate of unseen pairs.\n\n{table}\n\
         The same-story model fitted again on these pairs (logistic regression on the three similarities of \
         `src/stories/score.rs`; the library uses the weights of such a fit), with the threshold for the precision aimed at \
         on the training pairs; 5-fold cross-validation fits and chooses on four fifths and measures on the fifth left \
         out. The last two rows add the whole texts' TF-IDF cosine to the monolingual model: what similarity over every \
         word of both texts (more than a signature of 1 KB can hold) would bring.\n\n{fits}\n",
        pairs.len(),
        docs.len(),
        thresholds[&true],
        thresholds[&false],
    ))
}

/// Plain TF-IDF cosine of each pair's texts.
fn tfidf_scores(docs: &[(String, String)], pairs: &[Pair]) -> Vec<f64> {
    let tokens = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
    };
    let toks: Vec<Vec<String>> = docs.iter().map(|(t, _)| tokens(t)).collect();
    let mut df: HashMap<&str, f64> = HashMap::new();
    for t in &toks {
        let mut seen: Vec<&str> = t.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_insert(0.0) += 1.0;
        }
    }
    let n = docs.len() as f64;
    let vectors: Vec<HashMap<&str, f64>> = toks
        .iter()
        .map(|t| {
            let mut tf: HashMap<&str, f64> = HashMap::new();
            for w in t {
                *tf.entry(w.as_str()).or_insert(0.0) += 1.0;
            }
            let mut v: HashMap<&str, f64> =
                tf.into_iter().map(|(w, c)| (w, (1.0 + c.ln()) * (n / df[w]).ln())).collect();
            let norm = v.values().map(|x| x * x).sum::<f64>().sqrt().max(1e-12);
            v.values_mut().for_each(|x| *x /= norm);
            v
        })
        .collect();
    pairs
        .iter()
        .map(|p| {
            let (a, b) = (&vectors[p.a], &vectors[p.b]);
            let (small, large) = if a.len() < b.len() { (a, b) } else { (b, a) };
            small.iter().map(|(w, x)| x * large.get(w).copied().unwrap_or(0.0)).sum()
        })
        .collect()
}

/// The score threshold with the best F1.
fn best_f1_threshold(scored: &[(f64, bool)]) -> f64 {
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = sorted.iter().filter(|s| s.1).count().max(1) as f64;
    let (mut tp, mut best, mut threshold) = (0.0, -1.0, 1.0);
    for (i, (s, y)) in sorted.iter().enumerate() {
        if *y {
            tp += 1.0;
        }
        let (p, r) = (tp / (i + 1) as f64, tp / positives);
        let f1 = if p + r > 0.0 { 2.0 * p * r / (p + r) } else { 0.0 };
        if f1 > best {
            best = f1;
            threshold = *s;
        }
    }
    threshold
}

fn logit(w: &[f64], x: &[f64]) -> f64 {
    w[x.len()] + w.iter().zip(x).map(|(a, b)| a * b).sum::<f64>()
}

/// Logistic regression by gradient descent (a little L2), weights then bias.
fn fit(rows: &[(Vec<f64>, bool)]) -> Vec<f64> {
    let k = rows.first().map_or(0, |r| r.0.len());
    let mut w = vec![0.0; k + 1];
    for _ in 0..3000 {
        let mut g = vec![0.0; k + 1];
        for (x, y) in rows {
            let p = 1.0 / (1.0 + (-logit(&w, x).clamp(-30.0, 30.0)).exp());
            let e = p - if *y { 1.0 } else { 0.0 };
            for i in 0..k {
                g[i] += e * x[i];
            }
            g[k] += e;
        }
        for i in 0..=k {
            let l2 = if i < k { 1e-3 * w[i] } else { 0.0 };
            w[i] -= 0.5 * (g[i] / rows.len().max(1) as f64 + l2);
        }
    }
    w
}

/// The lowest score threshold at which the pairs scoring above it are at least `target` precise.
fn threshold_for_precision(scored: &[(f64, bool)], target: f64) -> f64 {
    let mut sorted = scored.to_vec();
    sorted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut tp, mut threshold) = (0.0, f64::INFINITY);
    for (i, (s, y)) in sorted.iter().enumerate() {
        if *y {
            tp += 1.0;
        }
        if tp / (i + 1) as f64 >= target {
            threshold = *s;
        }
    }
    threshold
}

/// 5-fold cross-validated precision and recall of fitting and choosing the threshold.
fn cross_validate(rows: &[(Vec<f64>, bool)], target: f64) -> (f64, f64) {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let (mut tp, mut predicted, mut positives) = (0usize, 0usize, 0usize);
    for fold in 0..5 {
        let test: Vec<usize> = order.iter().copied().skip(fold).step_by(5).collect();
        let train: Vec<(Vec<f64>, bool)> =
            order.iter().filter(|i| !test.contains(i)).map(|&i| rows[i].clone()).collect();
        let w = fit(&train);
        let t = threshold_for_precision(&train.iter().map(|(x, y)| (logit(&w, x), *y)).collect::<Vec<_>>(), target);
        for &i in &test {
            let (x, y) = &rows[i];
            let yes = logit(&w, x) >= t;
            predicted += usize::from(yes);
            tp += usize::from(yes && *y);
            positives += usize::from(*y);
        }
    }
    (tp as f64 / predicted.max(1) as f64, tp as f64 / positives.max(1) as f64)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn scale(data: &Path, dir: &Path, n: usize) -> Result<String, Err> {
    let texts = corpus::texts(data)?;
    // Sentences by language, to write new articles from.
    let mut by_lang: BTreeMap<&str, Vec<&Text>> = BTreeMap::new();
    for t in &texts {
        by_lang.entry(t.lang.as_str()).or_default().push(t);
    }
    let sentences = |t: &Text| -> Vec<String> {
        t.text
            .split_inclusive(['.', '!', '?', '。'])
            .map(str::trim)
            .filter(|s| s.len() > 20)
            .map(str::to_owned)
            .collect()
    };
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().ok_or("date")?;
    let span_minutes = 365 * 24 * 60;
    let path = dir.join(format!("scale-{n}.sqlite"));
    let mut lib = clipdesk::Library::open(&path)?;
    let make = |i: usize, rng: &mut Rng, earlier: &[(String, String, String, chrono::DateTime<Utc>)]| {
        // One in ten a copy of an earlier article (a day or two later, re-headlined, cut); the rest
        // new articles: one source's headline, sentences of four sources of its language, figures
        // changed.
        if i > 100 && rng.below(10) == 0 {
            let (title, text, lang, when) = &earlier[earlier.len() - 1 - rng.below(earlier.len().min(500))];
            let paras: Vec<String> = text.split("\n\n").map(str::to_owned).collect();
            let keep = (paras.len() * 3).div_ceil(4).max(1);
            let copy = paras[..keep.min(paras.len())].join("\n\n");
            return (
                format!("{title} | {}", OUTLETS[rng.below(OUTLETS.len())]),
                copy,
                lang.clone(),
                *when + chrono::Duration::hours(1 + rng.below(40) as i64),
            );
        }
        let langs: Vec<&&str> = by_lang.keys().collect();
        let lang = *langs[rng.below(langs.len())];
        let pool = &by_lang[lang];
        let head = pool[rng.below(pool.len())];
        let mut paras = Vec::new();
        for _ in 0..4 {
            let src = pool[rng.below(pool.len())];
            let s = sentences(src);
            if s.is_empty() {
                continue;
            }
            let from = rng.below(s.len());
            let para: Vec<String> = s.iter().cycle().skip(from).take(3).cloned().collect();
            let para = para.join(" ");
            // Figures of this article, not its source's.
            let figures: String = para
                .chars()
                .map(|c| if c.is_ascii_digit() { char::from(b'0' + (rng.next() % 10) as u8) } else { c })
                .collect();
            paras.push(figures);
        }
        let when = start + chrono::Duration::minutes(rng.below(span_minutes) as i64);
        (head.title.clone(), paras.join("\n\n"), lang.to_owned(), when)
    };
    let mut made: Vec<(String, String, String, chrono::DateTime<Utc>)> = Vec::with_capacity(n);
    for i in 0..n {
        let c = make(i, &mut rng, &made);
        made.push(c);
    }
    // Stored in time order of publication, as a monitor collects them.
    made.sort_by_key(|c| c.3);
    let _ = std::process::Command::new("sync").status();
    let t = Instant::now();
    for (k, chunk) in made.chunks(1000).enumerate() {
        let batch: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(j, (title, text, lang, when))| {
                let url = format!("https://scale.example/{}", k * 1000 + j);
                (new_clip(&url, title, text, Some(lang), OUTLETS[(k + j) % OUTLETS.len()], Some(*when)), Vec::new())
            })
            .collect();
        lib.insert_clips(&batch)?;
    }
    let build = t.elapsed();
    // Assigning a new clip: 200 more, each stored in its own transaction; the story part alone is
    // timed again on the stored clip inside a transaction that is rolled back.
    let mut store_times = Vec::new();
    let mut assign_times = Vec::new();
    for i in 0..200 {
        let (title, text, lang, _) = make(n + i, &mut rng, &made);
        let when = start + chrono::Duration::minutes(rng.below(span_minutes) as i64);
        let clip =
            new_clip(&format!("https://scale.example/new/{i}"), &title, &text, Some(&lang), "Metro Wire", Some(when));
        let t = Instant::now();
        let stored = lib.insert_clip(&clip, &[])?;
        store_times.push(t.elapsed());
        let clipdesk::library::Stored::Created(id) = stored else { continue };
        let (conn, tagger) = lib.conn_and_tagger()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let t = Instant::now();
        clipdesk::stories::on_insert(&tx, &tagger.matcher, id)?;
        assign_times.push(t.elapsed());
        tx.rollback()?;
    }
    store_times.sort();
    assign_times.sort();
    let t = Instant::now();
    let regroup = lib.rebuild_stories(false)?;
    let regroup_time = t.elapsed();
    let t = Instant::now();
    lib.rebuild_stories(true)?;
    let resign_time = t.elapsed();
    lib.conn().execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    let clips: i64 = lib.conn().query_row("SELECT count(*) FROM clip", [], |r| r.get(0))?;
    let bytes: i64 = lib.conn().query_row(
        "SELECT sum(pgsize) FROM dbstat WHERE name IN ('story_sig', 'story_sig_at', 'story_band', 'story_df',
             'sqlite_autoindex_story_band_1')",
        [],
        |r| r.get(0),
    )?;
    let table_bytes = |names: &str| -> Result<i64, Err> {
        Ok(lib.conn().query_row(
            &format!("SELECT ifnull(sum(pgsize), 0) FROM dbstat WHERE name IN ({names})"),
            [],
            |r| r.get(0),
        )?)
    };
    let (sig, band, df) =
        (table_bytes("'story_sig', 'story_sig_at'")?, table_bytes("'story_band'")?, table_bytes("'story_df'")?);
    Ok(format!(
        "#### Scale — {n} clips\n\n\
         Generated articles over one year (about {} a day), in the ten languages of the shared data: each a real \
         article's headline over sentences of four real articles of its language, figures changed; one in ten a cut, \
         re-headlined copy of an earlier one. Stored 1,000 per transaction in time order, each clip with its signature \
         and its story. One core, release build.\n\n\
         | measure | value |\n|---|---|\n\
         | storing the library (clips, snapshots, index, tags and stories) | {:.1} s ({:.0} clips/s) |\n\
         | grouping all {clips} clips from scratch (`stories --rebuild`: stored signatures, all splits and merges) | **{:.1} s** |\n\
         | … computing every signature again from the texts first (`--rebuild --resign`) | {:.1} s |\n\
         | assigning a new clip to a story (signature, statistics, candidates, decision): p50 / p95 | {:.1} ms / **{:.1} ms** |\n\
         | storing a new clip whole (the above included): p50 / p95 | {:.1} ms / {:.1} ms |\n\
         | signature data per clip (sketch and terms, LSH keys, term statistics) | **{:.0} bytes** ({:.0} + {:.0} + {:.0}) |\n\
         | stories after regrouping: of several clips / copies | {} / {} |\n\n",
        n / 365,
        build.as_secs_f64(),
        n as f64 / build.as_secs_f64(),
        regroup_time.as_secs_f64(),
        resign_time.as_secs_f64(),
        ms(percentile(&assign_times, 50)),
        ms(percentile(&assign_times, 95)),
        ms(percentile(&store_times, 50)),
        ms(percentile(&store_times, 95)),
        bytes as f64 / clips as f64,
        sig as f64 / clips as f64,
        band as f64 / clips as f64,
        df as f64 / clips as f64,
        regroup.multi,
        regroup.copies,
    ))
}
